"""An installation's SQLite data copied to PostgreSQL while the bot is stopped
(`python -m bot migrate-to-postgres --to URL`, which holds the bot's lock on the file).

- The SQLite file is opened read-only and is never changed.
- The target gets the bot's schema (its migrations), must hold no data unless `force`
  (then its tables are emptied first), and receives every table in one transaction, in
  an order that satisfies the foreign keys, with `COPY` (fast at the designed scale).
- Values are turned into the target's types by its columns: UTC text → `timestamptz`,
  0/1 → `boolean`.
- The identity sequences are set past the copied ids, and each table's row count is
  compared on both sides before the transaction commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.migrate import MIGRATIONS_DIR, load_migrations, migrate
from storage.postgres import PgConnection, PostgresDatabase
from storage.sqlite import open_sqlite

SKIPPED = {"schema_migrations"}  # each store keeps its own record of its migrations


class CopyError(Exception):
    """The copy cannot be made; the message says why, in Russian."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    rows: dict[str, int]  # table -> rows copied

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _source_tables(conn: sqlite3.Connection) -> list[str]:
    """The SQLite file's tables, parents before the tables that refer to them."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
        if row[0] not in SKIPPED
    ]
    parents = {
        name: {
            row[2]
            for row in conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,))
            if row[2] != name
        }
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # a cycle: keep the creation order for the rest
            ready = [n for n in names if n not in ordered]
        ordered.extend(ready)
    return ordered


def _converter(data_type: str) -> Callable[[Any], Any]:
    if data_type == "timestamp with time zone":
        return lambda v: None if v is None else datetime.fromisoformat(v).astimezone(UTC)
    if data_type == "boolean":
        return lambda v: None if v is None else bool(v)
    return lambda v: v


def _current_versions(conn: sqlite3.Connection) -> set[int]:
    try:
        return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    except sqlite3.Error:
        return set()


async def _target_columns(conn: PgConnection, table: str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    return {row[0]: row[1] for row in rows}


async def copy_to_postgres(
    source: Path, url: str, *, force: bool = False, directory: Path = MIGRATIONS_DIR
) -> CopyResult:
    """Copy the file `source` (it must exist) into the database at `url`."""
    # A command-line tool, not the bot's event loop: blocking here is fine.
    lite = open_sqlite(f"{source.absolute().as_uri()}?mode=ro", uri=True)  # noqa: ASYNC240
    try:
        wanted = {m.version for m in load_migrations(directory)}
        if _current_versions(lite) != wanted:
            raise CopyError(
                f"схема базы {source} не последней версии: сначала выполните"
                " python -m bot migrate с прежними настройками"
            )
        tables = _source_tables(lite)
        db = await PostgresDatabase.create(url, min_size=1, max_size=2)
        try:
            await migrate(db, directory)
            async with db.connection() as conn:
                return await _copy(lite, conn, tables, force=force)
        finally:
            await db.close()
    finally:
        lite.close()


async def _copy(
    lite: sqlite3.Connection, conn: PgConnection, tables: list[str], *, force: bool
) -> CopyResult:
    missing = [t for t in tables if not await _target_columns(conn, t)]
    if missing:
        raise CopyError(f"в PostgreSQL нет таблиц {', '.join(missing)}")
    filled = [t for t in tables if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{t}")')]  # noqa: S608
    # The cities are the migrations' own seed rows: replaced by the copy's.
    if [t for t in filled if t != "cities"] and not force:
        raise CopyError(
            f"в базе PostgreSQL уже есть данные (таблицы {', '.join(filled)}): укажите"
            " --force, чтобы заменить их"
        )
    counts: dict[str, int] = {}
    async with conn.transaction():
        quoted = ", ".join(f'"{t}"' for t in tables)
        await conn.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        for table in tables:
            types = await _target_columns(conn, table)
            columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')]
            absent = [c for c in columns if c not in types]
            if absent:
                raise CopyError(f"в PostgreSQL у таблицы {table} нет столбцов {absent}")
            convert = [_converter(types[c]) for c in columns]
            names = ", ".join(f'"{c}"' for c in columns)
            cursor = lite.execute(f'SELECT {names} FROM "{table}"')  # noqa: S608
            copied = 0
            while batch := cursor.fetchmany(5000):
                records = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in batch]
                await conn.copy_records_to_table(table, records=records, columns=columns)
                copied += len(records)
            there = await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            if there != copied:
                raise CopyError(
                    f"таблица {table}: скопировано {copied} строк, в PostgreSQL {there}"
                )
            counts[table] = copied
        await _advance_sequences(conn, tables)
    return CopyResult(counts)


async def _advance_sequences(conn: PgConnection, tables: list[str]) -> None:
    """Identity columns continue after the largest copied id."""
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        " AND table_name = ANY($1::text[])",
        tables,
    )
    for table, column in rows:
        # The names come from the catalogue, not from anyone's input.
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence($1, $2),"  # noqa: S608
            f' COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)',
            f'"{table}"',
            column,
        )
