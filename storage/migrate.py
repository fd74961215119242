"""Forward-only migrations: migrations/NNNN_name.sql applied in order.

Each file is applied in its own transaction and recorded with its SHA-256, so a
file edited after it was applied is noticed and the bot refuses to start.

Where PostgreSQL needs other SQL (its types: `timestamptz`, `boolean`, `bigint`
identities), `NNNN_name.postgres.sql` sits beside the common file and is applied there
instead; `tests/test_schema_parity.py` keeps the two schemas alike.

On PostgreSQL several workers may start at once: the migrations are applied under a
session advisory lock (`pg_advisory_lock`), so one applies them and the others wait and
then find nothing left to do. They wait as long as that takes: the pool's `lock_timeout`
(`storage.postgres.LOCK_TIMEOUT`) is lifted for the lock and put back for the migrations.

After the files, `fill_search_keys` gives stored names their search keys (computed in
Python, which SQL cannot do alike on both stores).

A database whose schema is newer than the code (a version in `schema_migrations` above
the highest file here: a newer bot migrated it, then an older one was started on it) is
refused with one line, before anything is applied. `schema_state` reads what is applied
and what is pending without changing anything (`python -m bot migrate --check`, `status`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import asyncpg

from storage.db import Database, to_db_time, utc_now
from storage.dialect import POSTGRES, SQLITE
from storage.postgres import PgConnection
from storage.search_key import search_key

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+(\.postgres)?\.sql$")
# The advisory lock's key: any constant the installation's other software does not use.
MIGRATION_LOCK = 7_414_151_001
# The migration that adds the search keys (0010_search_keys), and the columns it adds:
# (table, the name's column, its key's column).
SEARCH_KEYS_VERSION = 10
SEARCH_KEYS = (("institutions", "name", "name_key"), ("programmes", "title", "title_key"))


class MigrationError(Exception):
    """A migration cannot be applied, an applied one was changed, or the schema is newer
    than the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR, dialect: str = SQLITE) -> list[Migration]:
    common: dict[int, Migration] = {}
    special: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"неверное имя файла миграции: {path.name} (нужно NNNN_name.sql)")
        migration = Migration(int(match[1]), path.name, path.read_text("utf-8"))
        into = special if match[2] else common
        if migration.version in into:
            raise MigrationError("два файла миграций с одним номером")
        into[migration.version] = migration
    for version, migration in special.items():
        if version not in common:
            raise MigrationError(f"у миграции {migration.name} нет общего файла")
    if dialect == POSTGRES:
        common.update(special)
    migrations = [common[version] for version in sorted(common)]
    if not migrations:
        # A copy of the bot without its migrations/ folder (installed with `pip install .`
        # rather than run from the checkout) would otherwise report a database as current.
        raise MigrationError(
            f"не найдены файлы миграций в {directory}: запускайте бота из папки проекта"
            " (make run) или установите его командой pip install -e ."
        )
    return migrations


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What a database holds of the code's migrations (nothing is changed to learn it)."""

    applied: tuple[int, ...]  # the versions recorded in schema_migrations, in order
    pending: tuple[str, ...]  # the code's files not applied yet, in order
    newer: tuple[int, ...]  # applied versions above the code's highest: a newer schema
    latest: int  # the code's highest version

    @property
    def current(self) -> bool:
        return not self.pending and not self.newer


def newer_schema_error(newer: Iterable[int], latest: int) -> MigrationError:
    versions = ", ".join(f"{version:04d}" for version in sorted(newer))
    return MigrationError(
        f"Схема базы данных новее этой версии бота: в базе применены миграции {versions},"
        f" а бот знает миграции только до {latest:04d}; запустите версию бота, которая их"
        " применила, или восстановите копию базы, сделанную этой версией."
    )


def _refuse_newer(applied: Iterable[int], migrations: list[Migration]) -> None:
    latest = migrations[-1].version
    newer = [version for version in applied if version > latest]
    if newer:
        raise newer_schema_error(newer, latest)


def _check_unchanged(applied: dict[int, str], migrations: list[Migration]) -> None:
    for migration in migrations:
        checksum = applied.get(migration.version)
        if checksum is not None and checksum != migration.checksum:
            raise MigrationError(
                f"файл миграции {migration.name} изменён после применения; "
                "верните прежний текст и добавьте изменения новой миграцией"
            )


async def _applied(db: Database) -> dict[int, str]:
    """Version -> checksum of what schema_migrations records (empty: no such table yet)."""
    if db.dialect == POSTGRES:
        # current_schema(): the first schema of search_path that exists (none: NULL).
        exists = (
            "SELECT COUNT(*) FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name = ?"
        )
    else:
        exists = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    async with db.read.execute(exists, ("schema_migrations",)) as cur:
        row = await cur.fetchone()
    if not row or not row[0]:
        return {}
    async with db.read.execute("SELECT version, checksum FROM schema_migrations") as cur:
        return {int(row[0]): str(row[1]) for row in await cur.fetchall()}


async def schema_state(db: Database, directory: Path = MIGRATIONS_DIR) -> SchemaState:
    """What is applied and what is pending, without applying anything; raises
    MigrationError where `migrate` would refuse the database (an applied file changed)."""
    migrations = load_migrations(directory, db.dialect)
    applied = await _applied(db)
    _check_unchanged(applied, migrations)
    latest = migrations[-1].version
    return SchemaState(
        applied=tuple(sorted(applied)),
        pending=tuple(m.name for m in migrations if m.version not in applied),
        newer=tuple(sorted(version for version in applied if version > latest)),
        latest=latest,
    )


async def pending_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """The names of the code's migration files the database has not applied yet."""
    return list((await schema_state(db, directory)).pending)


async def newer_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Versions applied to the database that are newer than every file of the code."""
    return list((await schema_state(db, directory)).newer)


def split_statements(sql: str) -> list[str]:
    """Split a script into statements; sqlite3 knows where a trigger body ends."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        statements.append(current.strip())
    return statements


async def _ensure_table(conn: aiosqlite.Connection) -> None:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )


async def migrate(db: Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Bring the database's schema up to date and fill missing search keys; return the
    names of the files applied."""
    if db.dialect == POSTGRES:
        from storage.postgres import PostgresDatabase

        assert isinstance(db, PostgresDatabase)
        async with db.connection() as conn:
            done = await apply_postgres_migrations(conn, directory)
    else:
        from storage.sqlite import SqliteDatabase

        assert isinstance(db, SqliteDatabase)
        async with db.transaction_free() as lite:
            done = await apply_migrations(lite, directory)
    await fill_search_keys(db)
    return done


async def fill_search_keys(db: Database) -> int:
    """Give each stored name without its search key the key (`storage.search_key`);
    return how many rows got one.

    The repositories write the key with every name; the rows stored before migration
    0010 added the key columns (and any written by SQL that left the key out) have '',
    and SQL cannot compute a key (SQLite folds no Cyrillic), so it is done here, at every
    start. Idempotent, and one read of two small tables when there is nothing to do; a
    name whose key is '' itself (only spaces) is read again each time and left as it is.
    A row renamed meanwhile keeps the key its rename wrote (the UPDATE checks the name).
    """
    async with db.read.execute(
        "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", (SEARCH_KEYS_VERSION,)
    ) as cur:
        row = await cur.fetchone()
    if not row or not row[0]:  # a schema older than the key columns (a test's partial one)
        return 0
    filled = 0
    for table, name, key in SEARCH_KEYS:
        # The names come from SEARCH_KEYS above, not from anyone's input.
        async with db.read.execute(
            f"SELECT id, {name} FROM {table} WHERE {key} = '' AND {name} <> ''"  # noqa: S608
        ) as cur:
            missing = [(search_key(row[1]), row[0], row[1]) for row in await cur.fetchall()]
        missing = [values for values in missing if values[0]]
        if not missing:
            continue
        async with db.transaction() as conn:
            await conn.executemany(
                f"UPDATE {table} SET {key} = ? WHERE id = ? AND {name} = ?",  # noqa: S608
                missing,
            )
        logger.info("Search keys filled: %s rows of %s", len(missing), table)
        filled += len(missing)
    return filled


async def _ensure_schema(conn: PgConnection) -> None:
    """A schema named first in the URL's `search_path` (`?search_path=pobratim`: the bot's
    tables apart from others in a shared database) is created when it is missing."""
    path = await conn.fetchval("SELECT current_setting('search_path')")
    first = str(path).split(",")[0].strip()
    if (
        first
        and first not in ('"$user"', "public")
        and await conn.fetchval("SELECT current_schema()") != first.strip('"')
    ):
        name = first.strip('"').replace('"', '""')
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')


async def apply_postgres_migrations(
    conn: PgConnection, directory: Path = MIGRATIONS_DIR
) -> list[str]:
    migrations = load_migrations(directory, POSTGRES)
    # The pool's lock_timeout (meant for a person's update waiting for a row) would end
    # the wait of a worker started while another applies migrations, which may take
    # longer; only a migrating worker holds this lock, so waiting for it without a limit
    # is safe. The migrations' own statements keep the limit (RESET goes back to the
    # value the pool connected with), so one stuck behind a long transaction fails with a
    # message rather than queueing everyone's statements behind its table lock. If the
    # wait itself fails, `PostgresDatabase.connection()` resets the session (RESET ALL).
    await conn.execute("SET lock_timeout = 0")
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute("RESET lock_timeout")
        await _ensure_schema(conn)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
        )
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        applied = {row[0]: row[1] for row in rows}
        _refuse_newer(applied, migrations)
        _check_unchanged(applied, migrations)
        done = []
        for migration in migrations:
            if migration.version in applied:
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                        " VALUES ($1, $2, $3, $4)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                        utc_now(),
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"миграция {migration.name} не применена: {exc}") from exc
            logger.info("Applied migration %s", migration.name)
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def apply_migrations(
    conn: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR
) -> list[str]:
    """Apply pending migrations on a connection in autocommit mode; return applied names."""
    migrations = load_migrations(directory)
    await _ensure_table(conn)
    async with conn.execute("SELECT version, checksum FROM schema_migrations") as cur:
        applied = {row[0]: row[1] for row in await cur.fetchall()}
    _refuse_newer(applied, migrations)
    _check_unchanged(applied, migrations)
    done = []
    for migration in migrations:
        if migration.version in applied:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                " VALUES (?, ?, ?, ?)",
                (migration.version, migration.name, migration.checksum, to_db_time(utc_now())),
            )
        except sqlite3.Error as exc:
            await conn.execute("ROLLBACK")
            raise MigrationError(f"миграция {migration.name} не применена: {exc}") from exc
        await conn.execute("COMMIT")
        logger.info("Applied migration %s", migration.name)
        done.append(migration.name)
    return done
