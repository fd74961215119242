"""The SQLite store: one writer guarded by a lock, one reader.

WAL lets the reader see committed data while a write transaction is open, and
the writer lock keeps coroutines from interleaving statements inside one
transaction on the shared connection.

Writes, and reads of a row by its key, run on the event loop's own thread; other reads
on aiosqlite's. Every write in the process queues for the one write lock, so what
matters is how long the lock is held.
A statement sent to aiosqlite's thread comes back only when the event loop next gets
round to it (0.2-3 ms under load), and a registration's transaction is eight of them:
the lock was held for milliseconds per registration and everybody else's writes
queued behind it. Run directly, a statement on a few rows takes microseconds and
never waits for the disk: the database is in WAL mode with synchronous=NORMAL, so a
commit only appends to the WAL (no fsync; checkpoints run on a connection of their
own, and so does the write that syncs: `_restart_wal`), and the file's write lock,
when another process holds it, is waited for with `asyncio.sleep`, not by SQLite's
blocking busy handler. A statement over a whole segment of a table (a broadcast's
recipients) goes to a worker thread instead (`Writer.execute_bulk`). For the same
reason the reads every update makes (the person, a trip and its questions: a row by
its key) go through `Database.lookup`, on a connection of their own on the loop's
thread; everything else is read on aiosqlite's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.db import Database, DatabaseOpenError, Querier, Writer
from storage.dialect import SQLITE, sqlite_params, sqlite_sql
from storage.timing import timed_querier, timed_writer

BUSY_TIMEOUT_MS = 5000
BUSY_RETRY_FIRST = 0.001  # seconds; doubled after each SQLITE_BUSY
BUSY_RETRY_MAX = 0.05
# Each TRUNCATE checkpoint attempt waits at most this long for a reader to let go; while it
# waits, SQLite holds back writers, and the bot's writers must not stall behind it.
WIPE_ATTEMPT_MS = 50
WIPE_WITHIN = 5.0  # seconds: how long an erasure tries to empty the WAL before answering
logger = logging.getLogger(__name__)
T = TypeVar("T")


def secure(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Settings every connection the project opens needs before its first statement."""
    # Deleted rows and freed pages are overwritten with zeros, so that erased personal
    # data does not stay in the file's free space (the default depends on the build).
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def open_sqlite(path: Path | str, **kwargs: Any) -> sqlite3.Connection:
    """`sqlite3.connect` with `secure`: for connections outside `Database` (backups)."""
    conn = sqlite3.connect(path, **kwargs)
    try:
        return secure(conn)
    except BaseException:
        conn.close()
        raise


async def connect(path: Path) -> aiosqlite.Connection:
    """Open an aiosqlite connection in autocommit mode; transactions are explicit."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseOpenError(f"{path}: {exc}") from exc
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute_fetchall("PRAGMA secure_delete=ON")
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error as exc:
        await conn.close()
        raise DatabaseOpenError(f"{path}: {exc}") from exc
    return conn


def _open_direct(path: Path, *, writer: bool) -> sqlite3.Connection:
    """A connection used on the event loop's thread: the writer (also used by a worker
    thread for bulk statements, one at a time under the write lock) or the lookups.

    Once open, its busy timeout is 0: when another process holds a lock it needs, SQLite
    answers SQLITE_BUSY at once and `_patiently` waits with `asyncio.sleep` instead of
    blocking the event loop in SQLite's busy handler.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseOpenError(f"{path}: {exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        secure(conn)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        if writer:
            # SQLite would checkpoint the WAL inside whichever commit crosses the
            # threshold, stalling every write queued behind it; a background task does it.
            conn.execute("PRAGMA wal_autocheckpoint=0")
        else:
            conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA busy_timeout=0")
    except sqlite3.Error as exc:
        conn.close()
        raise DatabaseOpenError(f"{path}: {exc}") from exc
    return conn


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    # The extended codes (SQLITE_BUSY_RECOVERY, ...) keep SQLITE_BUSY in their low byte.
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


async def _to_the_end(run: Callable[[], T]) -> T:
    """`asyncio.to_thread` for work on a connection: cancelled, it still waits for the
    thread to be done with the connection before the cancellation goes on. Otherwise the
    caller would roll back or close a connection that the thread is still stepping,
    which can crash the process (sqlite3 from two threads at once)."""
    done = asyncio.ensure_future(asyncio.to_thread(run))
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        while not done.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([done])
        if not done.cancelled():
            done.exception()  # retrieved: its failure is not what is reported now
        raise


async def _patiently(run: Callable[[], T]) -> T:
    """Run a statement on a direct connection; while another process holds a lock it
    needs, try again after `asyncio.sleep`, for up to the busy timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
    pause = BUSY_RETRY_FIRST
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, BUSY_RETRY_MAX)


class PrefetchedRows:
    """Rows already read to the end: nothing is left open on the connection."""

    def __init__(self, rows: list[sqlite3.Row]) -> None:
        self._rows = rows
        self._index = 0

    async def fetchone(self) -> sqlite3.Row | None:
        if self._index >= len(self._rows):
            return None
        self._index += 1
        return self._rows[self._index - 1]

    async def fetchall(self) -> list[sqlite3.Row]:
        rows, self._index = self._rows[self._index :], len(self._rows)
        return rows


class Statement:
    """One SQL statement, run in a single trip to the connection's thread.

    `async with` reads every row at once (`PrefetchedRows`); `await` runs a write and
    gives its cursor, for `rowcount` and `lastrowid`. aiosqlite's own `async with
    conn.execute(...)` takes three trips (execute, fetch, close), and every trip waits
    for a turn of the event loop: inside a transaction that is time the write lock is held.
    """

    def __init__(self, conn: aiosqlite.Connection, sql: str, params: Any) -> None:
        self._conn, self._sql, self._params = conn, sql, params

    async def __aenter__(self) -> PrefetchedRows:
        rows = await self._conn.execute_fetchall(
            sqlite_sql(self._sql), sqlite_params(self._params)
        )
        return PrefetchedRows(list(rows))

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __await__(self) -> Generator[Any, None, aiosqlite.Cursor]:
        return self._conn.execute(sqlite_sql(self._sql), sqlite_params(self._params)).__await__()


class Reader:
    """Queries on the reading connection, each read to the end in one step.

    Several coroutines share this connection. A cursor left half-read while another
    coroutine awaits would keep SQLite's read snapshot open, and every later query
    on the connection would see the database as it was then (stale FSM states under
    load). Reading all rows in one call on aiosqlite's thread closes the statement
    before control returns to the event loop.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> Statement:
        return Statement(self._conn, sql, params)


class DirectStatement:
    """One statement on the writing connection, run at once on the event loop's thread.

    The same interface as `Statement`: `async with` gives the rows read to the end,
    `await` gives the cursor (`rowcount`, `lastrowid`). Neither waits for anything.
    """

    def __init__(self, conn: sqlite3.Connection, sql: str, params: Any) -> None:
        self._conn, self._sql, self._params = conn, sql, params

    async def __aenter__(self) -> PrefetchedRows:
        return PrefetchedRows(
            self._conn.execute(sqlite_sql(self._sql), sqlite_params(self._params)).fetchall()
        )

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __await__(self) -> Generator[Any, None, sqlite3.Cursor]:
        return self._run().__await__()

    async def _run(self) -> sqlite3.Cursor:
        return self._conn.execute(sqlite_sql(self._sql), sqlite_params(self._params))


class LookupStatement:
    """A query on the lookup connection, read to the end at once (`async with` only)."""

    def __init__(self, conn: sqlite3.Connection, sql: str, params: Any) -> None:
        self._conn, self._sql, self._params = conn, sql, params

    async def __aenter__(self) -> PrefetchedRows:
        return PrefetchedRows(await _patiently(self._fetchall))

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def _fetchall(self) -> list[sqlite3.Row]:
        return self._conn.execute(sqlite_sql(self._sql), sqlite_params(self._params)).fetchall()


class Lookup:
    """Reads of a row (or a few) by key or index, run at once on the event loop's thread.

    Readers never wait for the writer in WAL mode, and such a query takes microseconds:
    less than sending it to aiosqlite's thread and waiting for the loop to come back to
    it. A query that scans (lists, exports, counts over a table) goes through
    `Database.read` instead.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> LookupStatement:
        return LookupStatement(self._conn, sql, params)


class SqliteWriter(Writer):
    """The writing connection inside `Database.transaction()` (the write lock is held)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> DirectStatement:
        """A statement on a few rows (found by key or index): microseconds, run at once."""
        return DirectStatement(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """A handful of rows (a trip's questions, its organisers)."""
        self._conn.executemany(sqlite_sql(sql), (sqlite_params(row) for row in rows))

    async def execute_bulk(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """A statement over a segment of a table (every recipient of a broadcast), run in
        a worker thread so that the bot keeps answering meanwhile; the write lock stays
        held, so nothing else uses the connection."""
        return await _to_the_end(
            lambda: self._conn.execute(sqlite_sql(sql), sqlite_params(params))
        )

    async def fetch_bulk(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return await _to_the_end(
            lambda: self._conn.execute(sqlite_sql(sql), sqlite_params(params)).fetchall()
        )


class SqliteDatabase(Database):
    """The bot's database: `lookup` and `read` for queries, `transaction()` for writes."""

    CHECKPOINT_EVERY = 2.0  # seconds

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        writer: sqlite3.Connection,
        looker: sqlite3.Connection,
        reader: aiosqlite.Connection,
        checkpointer: aiosqlite.Connection,
        restarter: sqlite3.Connection,
    ):
        self.path = path
        self.where = str(path)
        self._writer = writer
        self._looker = looker
        self._reader = reader
        self._checkpointer = checkpointer
        self._write_lock = asyncio.Lock()
        self._checkpoints: asyncio.Task[None] | None = None
        self._wipe_pending = False
        # The restarter's PRAGMA data_version when it last started the WAL over.
        self._quiet_version: int | None = None
        self._restarter = restarter  # a plain connection of its own, used on a worker thread
        self._restarting = asyncio.Lock()  # one use of it at a time

    @classmethod
    async def create(cls, path: Path) -> SqliteDatabase:
        # Opening touches the disk (and may turn WAL on): done in a worker thread.
        writer = await asyncio.to_thread(_open_direct, path, writer=True)
        direct = [writer]
        connections: list[aiosqlite.Connection] = []
        try:
            direct.append(await asyncio.to_thread(_open_direct, path, writer=False))
            # busy_timeout=0 and no automatic checkpoints, like the writer's.
            direct.append(await asyncio.to_thread(_open_direct, path, writer=True))
            for _ in range(2):
                connections.append(await connect(path))
        except DatabaseOpenError:
            for conn in connections:
                await conn.close()
            for plain in direct:
                plain.close()
            raise
        reader, checkpointer = connections
        # A TRUNCATE checkpoint holds writers back while it waits for readers: short waits.
        await checkpointer.execute_fetchall(f"PRAGMA busy_timeout={WIPE_ATTEMPT_MS}")
        database = cls(path, writer, direct[1], reader, checkpointer, direct[2])
        database._checkpoints = asyncio.create_task(database._checkpoint_loop())
        return database

    async def _checkpoint_loop(self) -> None:
        """Copy the WAL back into the database file on a connection of its own, so that
        neither writes nor reads wait for it (PASSIVE never blocks them). While an
        erasure's WAL is not yet emptied (`wipe_wal` ran out of time), keep trying that."""
        while True:
            await asyncio.sleep(self.CHECKPOINT_EVERY)
            try:
                if self._wipe_pending:
                    await self.wipe_wal(within=0)
                else:
                    await self._checkpoint()
            except sqlite3.Error as exc:
                logger.warning("WAL checkpoint failed: %s", exc)

    async def _checkpoint(self) -> None:
        """A PASSIVE checkpoint and, when it copied everything, the WAL started over: in
        one call on a worker thread, so that no write of the bot's comes in between."""
        async with self._restarting:
            await _to_the_end(self._checkpoint_and_restart)

    def _checkpoint_and_restart(self) -> None:
        # Nothing written by anyone since the WAL was started over here: it holds that
        # write's frame only. Copying it would leave the WAL to be started over again,
        # by the bot's next write or by another such write (an idle bot would write
        # every few seconds for ever): left as it is.
        version = self._restarter.execute("PRAGMA data_version").fetchone()[0]
        if version == self._quiet_version:
            return
        busy, frames, copied = self._restarter.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if not busy and copied == frames and self._restart_wal():
            # Own writes leave data_version as it is: the next change is somebody else's.
            self._quiet_version = version

    def _restart_wal(self) -> bool:
        """Start the WAL over here, on a worker thread (blocking); False when the file
        was busy.

        The first frame written to a WAL that starts over (once a checkpoint has copied
        all of it, or it was truncated) comes with an fsync of the WAL and its folder:
        synchronous=NORMAL keeps that one, so that a crash cannot mix old and new frames.
        Left to the bot's next write, it ran on the event loop's thread, and while the
        disk was busy (a nightly backup writing hundreds of megabytes) it held the loop
        60-94 ms (bench/data_scale.py). A write of the header's user_version, to the
        value it has, makes that first frame here instead (one transaction: a change of
        it by someone else is not undone). Meanwhile the bot's writes find the file busy
        and wait with asyncio.sleep, as for another process: the loop runs on, and they
        wait about one fsync. Busy (the bot is writing, and so starts the WAL over
        itself): nothing is lost.
        """
        try:
            self._restarter.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            return False
        try:
            version = int(self._restarter.execute("PRAGMA user_version").fetchone()[0])
            self._restarter.execute(f"PRAGMA user_version={version}")
            self._restarter.execute("COMMIT")
        except BaseException:
            if self._restarter.in_transaction:
                self._restarter.execute("ROLLBACK")
            raise
        return True

    async def _restart_after_wipe(self) -> None:
        """The emptied WAL started over off the loop, like after a checkpoint; only a
        help, so a failure (disk full) is logged, not raised: the erasure is done."""
        async with self._restarting:
            try:
                await _to_the_end(self._restart_wal)
            except sqlite3.Error as exc:
                logger.warning("The WAL could not be started over: %s", exc)

    async def wipe_wal(self, *, within: float | None = None, restart: bool = True) -> bool:
        """Copy the WAL into the database file and truncate it to nothing; True once done.

        Called after an erasure commits: the WAL's older frames still hold the erased rows
        (the new frames and, after the copy, the file hold zeros: `secure_delete`). A
        TRUNCATE checkpoint reports busy and leaves the WAL as it is while another
        connection (the bot's own readers while a statement runs, another process such
        as a backup) holds a read snapshot, so it is tried again, with pauses that let
        the bot's writers through, for up to `within` seconds. It runs on the
        checkpointing connection's own thread, never on the event loop's. If it runs out
        of time the checkpoint loop goes on trying every few seconds. Emptied, the WAL is
        started over off the loop (`restart`), unless the database is being closed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (WIPE_WITHIN if within is None else within)
        pause = BUSY_RETRY_FIRST
        while True:
            rows = await self._checkpointer.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
            if tuple(next(iter(rows))) == (0, 0, 0):  # not busy, and no frames left
                self._wipe_pending = False
                if restart:
                    await self._restart_after_wipe()
                return True
            if loop.time() >= deadline:
                if not self._wipe_pending:
                    logger.warning("The WAL is still in use; it will be emptied later")
                self._wipe_pending = True
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, BUSY_RETRY_MAX)

    @property
    def read(self) -> Querier:
        return timed_querier(Reader(self._reader), self.query_observer)

    @property
    def lookup(self) -> Querier:
        return timed_querier(Lookup(self._looker), self.query_observer)

    async def _when_free(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """Run a statement that takes the file's write lock (BEGIN IMMEDIATE, or a write
        in autocommit), waiting patiently while another process holds that lock."""
        return await _patiently(lambda: self._writer.execute(sql, params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception."""
        async with self._write_lock:
            await self._when_free("BEGIN IMMEDIATE")
            writer = SqliteWriter(self._writer)
            try:
                yield timed_writer(writer, self.query_observer)
            except BaseException:
                # SQLite may have rolled back already (some errors end the transaction).
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise
            try:
                self._writer.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full, I/O error) leaves the transaction open;
                # without a rollback every later BEGIN on this connection would fail.
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise
        writer.committed()

    async def execute_write(self, sql: str, params: Any = ()) -> int:
        """One statement that is atomic by itself (autocommit); returns the row count.

        Saves the BEGIN/COMMIT of `transaction()` for the many small writes (FSM
        states) while still never slipping into another coroutine's transaction.
        """
        async with self._write_lock:
            return (await self._when_free(sqlite_sql(sql), sqlite_params(params))).rowcount

    @asynccontextmanager
    async def transaction_free(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection of its own, in autocommit mode, for code that manages its
        transactions itself and may run long statements (migrations); the write lock
        is held meanwhile, so the bot's own writes wait for it."""
        async with self._write_lock:
            conn = await connect(self.path)
            try:
                yield conn
            finally:
                await conn.close()

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
        # A last full checkpoint leaves a tidy database file behind (and no erased data
        # in the WAL).
        with contextlib.suppress(sqlite3.Error):
            await self.wipe_wal(within=1.0, restart=False)  # no write just before closing
        await self._checkpointer.close()
        await self._reader.close()
        self._looker.close()
        async with self._restarting:
            self._restarter.close()
        # The last connection to close folds the WAL into the file: disk work, off the loop.
        await asyncio.to_thread(self._writer.close)
