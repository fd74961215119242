"""SQLite connections: one writer guarded by a lock, one reader.

WAL lets the reader see committed data while a write transaction is open, and
the writer lock keeps coroutines from interleaving statements inside one
transaction on the shared connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Generator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
logger = logging.getLogger(__name__)


class DatabaseOpenError(Exception):
    """The database file cannot be opened or created."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


async def connect(path: Path) -> aiosqlite.Connection:
    """Open a connection in autocommit mode; transactions are explicit."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseOpenError(f"{path}: {exc}") from exc
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error as exc:
        await conn.close()
        raise DatabaseOpenError(f"{path}: {exc}") from exc
    return conn


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
        rows = await self._conn.execute_fetchall(self._sql, self._params)
        return PrefetchedRows(list(rows))  # type: ignore[arg-type]

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __await__(self) -> Generator[Any, None, aiosqlite.Cursor]:
        return self._conn.execute(self._sql, self._params).__await__()


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


class Writer:
    """The writing connection inside `Database.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> Statement:
        return Statement(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(sql, rows)


class Database:
    """The bot's database: `read` for queries, `transaction()` for writes."""

    CHECKPOINT_EVERY = 2.0  # seconds

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        checkpointer: aiosqlite.Connection,
    ):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._checkpointer = checkpointer
        self._write_lock = asyncio.Lock()
        self._checkpoints: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Database:
        connections: list[aiosqlite.Connection] = []
        try:
            for _ in range(3):
                connections.append(await connect(path))
        except DatabaseOpenError:
            for conn in connections:
                await conn.close()
            raise
        writer, reader, checkpointer = connections
        # SQLite would checkpoint the WAL inside whichever commit crosses the threshold,
        # stalling every write queued behind it; a background task does it instead.
        await writer.execute("PRAGMA wal_autocheckpoint=0")
        database = cls(path, writer, reader, checkpointer)
        database._checkpoints = asyncio.create_task(database._checkpoint_loop())
        return database

    async def _checkpoint_loop(self) -> None:
        """Copy the WAL back into the database file on a connection of its own, so that
        neither writes nor reads wait for it (PASSIVE never blocks them)."""
        while True:
            await asyncio.sleep(self.CHECKPOINT_EVERY)
            try:
                await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                logger.warning("WAL checkpoint failed: %s", exc)

    @property
    def read(self) -> Reader:
        return Reader(self._reader)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            try:
                await self._writer.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full, I/O error) leaves the transaction open;
                # without a rollback every later BEGIN on this connection would fail.
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise

    async def execute_write(self, sql: str, params: Any = ()) -> int:
        """One statement that is atomic by itself (autocommit); returns the row count.

        Saves the BEGIN/COMMIT round trips of `transaction()` for the many small writes
        (FSM states) while still never slipping into another coroutine's transaction.
        """
        async with self._write_lock:
            cursor = await Statement(self._writer, sql, params)
            return cursor.rowcount

    @asynccontextmanager
    async def transaction_free(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection for code that manages transactions itself (migrations)."""
        async with self._write_lock:
            yield self._writer

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
        # A last full checkpoint leaves a tidy database file behind.
        with contextlib.suppress(sqlite3.Error):
            await self._checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        await self._checkpointer.close()
        await self._reader.close()
        await self._writer.close()
