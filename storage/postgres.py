"""The PostgreSQL store, through asyncpg: a pool of connections shared by every worker's
coroutines, transactions side by side.

Unlike SQLite's one writer, two transactions here run at once: a use case that reads
something and decides on it (the seats left, an offer still open, an invite not yet
used) locks the rows it decides on (`SELECT ... FOR UPDATE`) or makes its write
conditional (`UPDATE ... WHERE used_by IS NULL`, then checks the row count).

Statements are prepared once per connection and remembered by asyncpg; `?` placeholders
are numbered for PostgreSQL once per SQL text (`storage.dialect`).

A connection the server closed (a restart, `pg_terminate_backend`) is dropped from the
pool by asyncpg; a statement outside a transaction that failed because of it is run once
more on a fresh connection, and a transaction that lost its connection is reported as
`DatabaseUnavailable` (nothing of it was committed), for the person to try again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.db import Database, DatabaseOpenError, DatabaseUnavailable, Querier, Writer
from storage.dialect import POSTGRES, postgres_args, postgres_sql
from storage.timing import timed_querier, timed_writer

logger = logging.getLogger(__name__)
# A connection of the pool (asyncpg hands out a proxy of its connection).
PgConnection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy

POOL_MIN = 2
POOL_MAX = 10
CONNECT_TIMEOUT = 10.0  # seconds
# Errors that mean the connection is gone, not that the statement is wrong.
_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,  # connection failures of every kind
    asyncpg.exceptions.OperatorInterventionError,  # admin or crash shutdown, terminate
    asyncpg.exceptions.IdleInTransactionSessionTimeoutError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InterfaceError,
    # What asyncpg raises when the server ended an idle connection of the pool just before
    # a statement ("cannot switch to state 12"): the connection is broken, and asyncpg
    # terminates it when it goes back to the pool (MagicStack/asyncpg#1069).
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    OSError,
)
# asyncpg's InterfaceError covers mistakes of the code or the settings too: those are
# raised as they are, not taken for a lost connection (which would hide a bug behind
# "try again" and recycle the pool each time). (A parameter of the wrong type is a
# PostgresError, asyncpg.exceptions.DataError, and never counted as lost.)
_MISTAKES = (
    ValueError,  # asyncpg's client-side ones: ClientConfigurationError and the like
    asyncpg.exceptions.UnsupportedClientFeatureError,
    asyncpg.exceptions.UnsupportedServerFeatureError,
)
# Errors that mean this transaction lost to another one: nothing of it was committed and
# the same use case run again succeeds (the other transaction has finished by then).
_CONFLICT = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.LockNotAvailableError,
)
# A use case waits this long for a row another transaction holds (a trip's seats while
# someone registers) before the person is asked to try again: far longer than any use
# case holds one, far shorter than a person waits for an answer.
LOCK_TIMEOUT = "10s"
# A transaction left open by a worker that hangs holds its locks until the server ends it.
IDLE_IN_TRANSACTION_TIMEOUT = "60s"


@dataclass(frozen=True, slots=True)
class Status:
    """A write's report: asyncpg gives the command tag ("UPDATE 3")."""

    rowcount: int

    @classmethod
    def of(cls, tag: str) -> Status:
        last = tag.rsplit(" ", 1)[-1]
        return cls(int(last) if last.isdigit() else -1)


class Fetched:
    def __init__(self, rows: list[asyncpg.Record]) -> None:
        self._rows = rows
        self._index = 0

    async def fetchone(self) -> asyncpg.Record | None:
        if self._index >= len(self._rows):
            return None
        self._index += 1
        return self._rows[self._index - 1]

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._index = self._rows[self._index :], len(self._rows)
        return rows


async def _expire(target: Any) -> None:
    """One connection found dead means the server restarted or ended them all: every
    other connection of the pool is replaced at its next use, not found dead one by one
    by the people's next updates."""
    if isinstance(target, asyncpg.Pool):
        await target.expire_connections()


class PgStatement:
    """One statement: `async with` reads its rows, `await` runs it and gives its status."""

    def __init__(self, target: Any, sql: str, params: Any, *, retry: bool) -> None:
        # `target` is a connection (inside a transaction) or the pool (anything else).
        self._target, self._retry = target, retry
        self._sql, names = postgres_sql(sql)
        self._args = postgres_args(names, params)

    async def _call(self, method: str) -> Any:
        try:
            return await getattr(self._target, method)(self._sql, *self._args)
        except _CONFLICT as exc:
            raise DatabaseUnavailable(type(exc).__name__) from exc
        except _MISTAKES:
            raise
        except _LOST as exc:
            if not self._retry or method != "fetch":
                await _expire(self._target)
                raise DatabaseUnavailable(str(exc)) from exc
            # A query outside a transaction changes nothing: run it again on a fresh
            # connection of the pool. (A write is not repeated: it may have committed.)
            logger.warning("PostgreSQL connection lost (%s); trying again", exc)
            await _expire(self._target)
            try:
                return await getattr(self._target, method)(self._sql, *self._args)
            except _MISTAKES:
                raise
            except _LOST as again:
                raise DatabaseUnavailable(str(again)) from again

    async def __aenter__(self) -> Fetched:
        return Fetched(await self._call("fetch"))

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __await__(self) -> Any:
        return self._run().__await__()

    async def _run(self) -> Status:
        return Status.of(await self._call("execute"))


class PgExecutor:
    def __init__(self, target: Any, *, retry: bool) -> None:
        self._target, self._retry = target, retry

    def execute(self, sql: str, params: Any = ()) -> PgStatement:
        return PgStatement(self._target, sql, params, retry=self._retry)


class PgWriter(Writer):
    def __init__(self, conn: PgConnection) -> None:
        super().__init__()
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> PgStatement:
        return PgStatement(self._conn, sql, params, retry=False)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        text, names = postgres_sql(sql)
        try:
            await self._conn.executemany(text, [postgres_args(names, row) for row in rows])
        except _MISTAKES:
            raise
        except (*_LOST, *_CONFLICT) as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    async def execute_bulk(self, sql: str, params: Any = ()) -> Status:
        # The server does the work; the event loop only waits for its answer.
        return await self.execute(sql, params)

    async def fetch_bulk(self, sql: str, params: Any = ()) -> list[asyncpg.Record]:
        async with self.execute(sql, params) as rows:
            return await rows.fetchall()


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What the pool does to a connection given back: nothing more than asyncpg's own
    rollback of a transaction left open. Its default reset (advisory locks, LISTEN,
    prepared cursors, session settings) is one more round trip per statement, ~15% of a
    registration's CPU on PostgreSQL, for state that only `connection()` users change,
    and they reset it themselves."""


class PostgresDatabase(Database):
    dialect = POSTGRES

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self.where = safe_url(url)
        self._pool = pool

    @classmethod
    async def create(
        cls,
        url: str,
        *,
        min_size: int = POOL_MIN,
        max_size: int = POOL_MAX,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> PostgresDatabase:
        """`connect_timeout`: seconds to connect, and for the first query (the status
        command waits a few seconds, not the bot's ten)."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                timeout=connect_timeout,
                reset=_keep_session,
                # Every moment is UTC; `timestamptz` comes back as an aware datetime anyway.
                server_settings={
                    "timezone": "UTC",
                    # Per process, for an operator (and the tests) in pg_stat_activity.
                    "application_name": f"pobratim-{os.getpid()}",
                    "lock_timeout": LOCK_TIMEOUT,
                    "idle_in_transaction_session_timeout": IDLE_IN_TRANSACTION_TIMEOUT,
                },
            )
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            raise DatabaseOpenError(f"{safe_url(url)}: {exc}") from exc
        assert pool is not None
        try:
            encoding = await pool.fetchval("SHOW server_encoding", timeout=connect_timeout)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            await pool.close()
            raise DatabaseOpenError(f"{safe_url(url)}: {exc}") from exc
        if encoding != "UTF8":
            # Names in Russian and Belarusian, and the search keys (storage/search_key.py),
            # need every character; another encoding fails on the first one it lacks.
            await pool.close()
            raise DatabaseOpenError(
                f"{safe_url(url)}: server_encoding {encoding}",
                reason=f"база создана в кодировке {encoding}, а нужна UTF8"
                " (создайте её заново: createdb -E UTF8 -T template0 …)",
            )
        return cls(url, pool)

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    @property
    def read(self) -> Querier:
        return timed_querier(PgExecutor(self._pool, retry=True), self.query_observer)

    @property
    def lookup(self) -> Querier:
        return timed_querier(PgExecutor(self._pool, retry=True), self.query_observer)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        try:
            conn = await self._pool.acquire()
        except _LOST as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        try:
            writer = PgWriter(conn)
            try:
                async with conn.transaction():
                    yield timed_writer(writer, self.query_observer)
            except _CONFLICT as exc:
                raise DatabaseUnavailable(str(exc)) from exc
            except _MISTAKES:
                raise
            except _LOST as exc:
                await self._pool.expire_connections()
                raise DatabaseUnavailable(str(exc)) from exc
            except DatabaseUnavailable:
                if conn.is_closed():
                    await self._pool.expire_connections()
                raise
        finally:
            await self._release(conn)
        writer.committed()

    async def _release(self, conn: asyncpg.pool.PoolConnectionProxy) -> None:
        try:
            await self._pool.release(conn)
        except (*_LOST, asyncpg.PostgresError) as exc:
            # The connection could not be reset for reuse; asyncpg has closed it. What
            # the use case raised (or its commit) stands.
            logger.warning("A PostgreSQL connection was dropped on release: %s", exc)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PgConnection]:
        """A connection of the pool for code that manages its own transactions and
        session (migrations take an advisory lock, the copy from SQLite sets session
        options): its session is reset before it goes back to the pool."""
        async with self._pool.acquire() as conn:
            try:
                yield conn
            finally:
                # A lost connection is dropped by the pool anyway; what failed stands.
                with contextlib.suppress(*_LOST):
                    await conn.reset()

    async def execute_write(self, sql: str, params: Any = ()) -> int:
        return (await PgStatement(self._pool, sql, params, retry=False)).rowcount

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), 10)
        except TimeoutError:
            self._pool.terminate()
