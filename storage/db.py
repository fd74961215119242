"""The database the repositories talk to, whichever store is behind it.

Two implementations: `storage.sqlite.SqliteDatabase` (aiosqlite and sqlite3, the embedded
default) and `storage.postgres.PostgresDatabase` (asyncpg). Repositories write one SQL
text for both (`storage.dialect` says which forms are portable) and pass and get
timezone-aware `datetime`, `bool`, `int` and `str`.

- `db.lookup.execute(sql, params)`: a row (or a few) by key or index;
- `db.read.execute(sql, params)`: any other query (lists, counts, exports);
- `async with db.transaction() as conn:` a write transaction; `conn.execute(...)` inside;
- `db.execute_write(sql, params)`: one statement atomic by itself (autocommit).

A statement is used as `async with ... as cur: rows = await cur.fetchall()` (every row
read at once) or `done = await ...` for a write (`done.rowcount`). Rows are indexed by
position or column name; `tuple(row)` gives the values.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from storage.dialect import to_db_time

__all__ = [
    "Database",
    "DatabaseOpenError",
    "DatabaseUnavailable",
    "Writer",
    "db_time",
    "from_db_time",
    "open_database",
    "to_db_time",
    "utc_now",
]

logger = logging.getLogger(__name__)


class DatabaseOpenError(Exception):
    """The database cannot be opened, created or reached. `reason`: what is wrong with it,
    in Russian, for the operator (None: it could not be reached)."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class DatabaseUnavailable(Exception):
    """A use case could not finish for a reason that is not its own and passes: the
    server closed the connection, or the transaction lost a deadlock or waited too long
    for a lock. Nothing of the transaction was committed, so trying again is safe; the
    person is asked to (SQLite, one writer in one process, never raises it)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def from_db_time(value: str | datetime | None) -> datetime | None:
    """A stored moment (SQLite keeps text, PostgreSQL gives a datetime), in UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def db_time(value: str | datetime) -> datetime:
    """A stored moment of a NOT NULL column."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


class Rows(Protocol):
    async def fetchone(self) -> Any: ...
    async def fetchall(self) -> list[Any]: ...


class Done(Protocol):
    """What a write statement reports."""

    @property
    def rowcount(self) -> int: ...


class Query(Protocol):
    async def __aenter__(self) -> Rows: ...
    async def __aexit__(self, *exc_info: object) -> None: ...


class Statement(Query, Protocol):
    def __await__(self) -> Any: ...


class Querier(Protocol):
    def execute(self, sql: str, params: Any = ()) -> Query: ...


class Writer(ABC):
    """The connection inside `Database.transaction()`."""

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (never if it rolls back):
        waking the delivery engine for rows it could not see before the commit."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def committed(self) -> None:
        for callback in self._after_commit:
            try:
                callback()
            except Exception:  # the change is committed: a failing wake-up must not undo it
                logger.exception("An after-commit callback failed")

    @abstractmethod
    def execute(self, sql: str, params: Any = ()) -> Statement:
        """A statement on a few rows (found by key or index)."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """A handful of rows (a trip's questions, its organisers)."""

    @abstractmethod
    async def execute_bulk(self, sql: str, params: Any = ()) -> Done:
        """A statement over a segment of a table (every recipient of a broadcast), run so
        that the bot keeps answering meanwhile."""

    @abstractmethod
    async def fetch_bulk(self, sql: str, params: Any = ()) -> list[Any]:
        """The rows of a query that walks many rows (a count over a broadcast's recipients,
        the thousandth person of a segment), run like `execute_bulk`."""


class Database(ABC):
    """The bot's database: `lookup` and `read` for queries, `transaction()` for writes."""

    dialect: str
    # Where the data lives, for messages: the SQLite file, or the server without password.
    where: str
    # Told the family and seconds of every statement (storage/timing.py); None: not timed.
    query_observer: Callable[[str, float], None] | None = None

    @property
    @abstractmethod
    def read(self) -> Querier: ...

    @property
    @abstractmethod
    def lookup(self) -> Querier: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Writer]: ...

    @abstractmethod
    async def execute_write(self, sql: str, params: Any = ()) -> int:
        """One statement atomic by itself (autocommit); returns the row count."""

    async def wipe_wal(self, *, within: float | None = None) -> bool:
        """After an erasure: make sure no copy of the erased rows is left in files the
        store keeps beside its tables (SQLite's WAL). True once done."""
        return True

    @abstractmethod
    async def close(self) -> None: ...

    @staticmethod
    async def open(target: Path | str) -> Database:
        """A SQLite file's path, or a `sqlite:///` or `postgresql://` URL."""
        return await open_database(target)


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL (None for any other URL)."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_database(target: Path | str) -> Database:
    if isinstance(target, Path):
        path: Path | None = target
    else:
        path = sqlite_path(target)
    if path is not None:
        from storage.sqlite import SqliteDatabase

        return await SqliteDatabase.create(path)
    assert isinstance(target, str)
    if is_postgres(target):
        from storage.postgres import PostgresDatabase

        return await PostgresDatabase.create(target)
    raise DatabaseOpenError(f"неизвестный адрес базы: {target.split(':', 1)[0]}")
