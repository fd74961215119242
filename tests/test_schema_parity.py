"""The PostgreSQL migrations (`NNNN_name.postgres.sql`) give the schema the common SQLite
ones give: the same tables, columns in the same order with the same NOT NULL, defaults
and types (by family), primary keys, unique constraints and indexes, foreign keys,
indexes, number of CHECK constraints, and seed rows.

SQLite declares a moment as TEXT and a flag as INTEGER, so those two families cannot be
read off its types: a SQLite TEXT column matches `timestamptz` only when its name says it
is a moment (`*_at`, `*_for`, `*_before`, `*_until`, `*_deadline`), and every such column
must be `timestamptz`; a SQLite INTEGER column matches `boolean` only when it carries a
`CHECK (x IN (0, 1))`, and every such column must be `boolean` (PostgreSQL drops those
checks, so they are not counted).

Needs a PostgreSQL server (TEST_POSTGRES_URL, default postgresql://root@127.0.0.1:5432/test):
without one the tests are skipped, or fail when REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from storage.db import open_database, to_db_time
from storage.migrate import migrate

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")

# A SQLite TEXT column that PostgreSQL keeps as timestamptz must be named like a moment.
MOMENT_NAME = re.compile(r"^(at|deadline|.+_(at|for|before|until|deadline))$")
# `x INTEGER ... CHECK (x IN (0, 1))`: a flag, a boolean in PostgreSQL (without the check).
FLAG_CHECK = re.compile(r"\bCHECK\s*\(\s*\"?(\w+)\"?\s+IN\s*\(\s*0\s*,\s*1\s*\)\s*\)", re.I)
ANY_CHECK = re.compile(r"\bCHECK\s*\(", re.I)
# SQLite's INTEGER PRIMARY KEY columns whose values come from outside (Telegram ids, the
# one row's id 1, migration numbers): a plain BIGINT PRIMARY KEY in PostgreSQL, while
# every other one is an identity (the database assigns it).
NATURAL_KEYS = frozenset(
    {
        "people.tg_id",
        "erasures.tg_id",
        "roadmap_followers.tg_id",
        "reminder_sweeps.id",
        "schema_migrations.version",
    }
)
PG_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


@dataclass(frozen=True)
class Column:
    name: str
    declared: str  # the type as declared
    family: str  # integer | text | time | boolean | real | bytes
    not_null: bool
    default: str | None
    identity: bool  # PostgreSQL: an identity; SQLite: INTEGER PRIMARY KEY (rowid alias)
    flag: bool = False  # SQLite: CHECK (x IN (0, 1))


@dataclass(frozen=True)
class Index:
    table: str
    columns: tuple[str, ...]
    unique: bool
    partial: bool

    def __str__(self) -> str:
        kind = ("unique " if self.unique else "") + ("partial " if self.partial else "")
        return f"{kind}on {self.table} ({', '.join(self.columns)})"


@dataclass
class Table:
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    # Unique constraints and unique indexes but the primary key: (columns, partial).
    uniques: set[tuple[tuple[str, ...], bool]] = field(default_factory=set)
    # (columns, referenced table, referenced columns, ON DELETE)
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...], str]] = field(
        default_factory=set
    )
    checks: int = 0  # CHECK constraints, the flags' (0, 1) ones not counted


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)  # created by CREATE INDEX
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    versions: list[int] = field(default_factory=list)  # schema_migrations


# --- SQLite ------------------------------------------------------------------------------


def sqlite_family(declared: str) -> str:
    """SQLite's type affinity rules."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if not upper or "BLOB" in upper:
        return "bytes"
    return "real"


def _sqlite_table(conn: sqlite3.Connection, name: str, sql: str) -> Table:
    body = re.sub(r"--[^\n]*", "", sql)
    flags = {match.lower() for match in FLAG_CHECK.findall(body)}
    info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
    pk = tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    rowid_alias = (
        len(pk) == 1
        and "WITHOUT ROWID" not in body.upper()
        and next(r[2] for r in info if r[1] == pk[0]).upper() == "INTEGER"
    )
    table = Table(primary_key=pk, checks=len(ANY_CHECK.findall(body)) - len(flags))
    for _cid, col, declared, notnull, default, in_pk in info:
        table.columns.append(
            Column(
                name=col,
                declared=declared,
                family=sqlite_family(declared),
                # SQLite lets a non-INTEGER primary key column hold NULL (an old quirk it
                # keeps); nobody relies on it, so a key column counts as NOT NULL.
                not_null=bool(notnull or in_pk),
                default=None if default is None else str(default).strip(),
                identity=rowid_alias and col == pk[0],
                flag=col.lower() in flags,
            )
        )
    for _seq, index, unique, origin, partial in conn.execute(f'PRAGMA index_list("{name}")'):
        columns = tuple(
            row[2]
            for row in sorted(conn.execute(f'PRAGMA index_info("{index}")'), key=lambda r: r[0])
        )
        if unique and origin != "pk":
            table.uniques.add((columns, bool(partial)))
    keys: dict[int, list[tuple[int, str, str, str | None, str]]] = {}
    for fk_id, seq, target, source, to, _update, on_delete, _match in conn.execute(
        f'PRAGMA foreign_key_list("{name}")'
    ):
        keys.setdefault(fk_id, []).append((seq, target, source, to, on_delete))
    for parts in keys.values():
        parts.sort()
        target = parts[0][1]
        to_columns = tuple(part[3] for part in parts)
        if None in to_columns:  # REFERENCES t without columns: t's primary key
            target_info = conn.execute(f'PRAGMA table_info("{target}")').fetchall()
            to_columns = tuple(
                r[1] for r in sorted((r for r in target_info if r[5]), key=lambda r: r[5])
            )
        table.foreign_keys.add(
            (
                tuple(part[2] for part in parts),
                target,
                tuple(str(c) for c in to_columns),
                parts[0][4].upper(),
            )
        )
    return table


def sqlite_schema(path: Path) -> Schema:
    schema = Schema()
    conn = sqlite3.connect(path)
    try:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        for name, sql in tables:
            schema.tables[name] = _sqlite_table(conn, name, sql)
            if name == "schema_migrations":
                schema.versions = [
                    row[0]
                    for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")
                ]
            else:
                schema.rows[name] = sorted(
                    (tuple(row) for row in conn.execute(f'SELECT * FROM "{name}"')), key=repr
                )
            for _seq, index, unique, origin, partial in conn.execute(
                f'PRAGMA index_list("{name}")'
            ):
                if origin != "c":  # made by a PRIMARY KEY or UNIQUE constraint
                    continue
                columns = tuple(
                    row[2]
                    for row in sorted(
                        conn.execute(f'PRAGMA index_info("{index}")'), key=lambda r: r[0]
                    )
                )
                schema.indexes[index] = Index(name, columns, bool(unique), bool(partial))
    finally:
        conn.close()
    return schema


# --- PostgreSQL --------------------------------------------------------------------------


def postgres_family(declared: str) -> str:
    if declared in ("bigint", "integer", "smallint"):
        return "integer"
    if declared == "text" or declared.startswith(("character", "varchar")):
        return "text"
    if declared == "timestamp with time zone":
        return "time"
    if declared == "boolean":
        return "boolean"
    if declared == "bytea":
        return "bytes"
    return "real"


def postgres_default(expr: str | None) -> str | None:
    """A default as SQLite would write it: no casts, booleans as 0 and 1."""
    if expr is None:
        return None
    value = re.sub(r"::[a-z ]+(\[\])?$", "", expr.strip())
    value = {"true": "1", "false": "0"}.get(value, value)
    if re.fullmatch(r"'-?\d+(\.\d+)?'", value):  # '-1'::integer
        value = value.strip("'")
    return value


_PG_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> ''
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

_PG_CONSTRAINTS = """
SELECT t.relname, con.contype::text,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       r.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord),
       con.confdeltype::text
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_class r ON r.oid = con.confrelid
WHERE n.nspname = $1 AND con.contype IN ('p', 'f', 'c')
"""

_PG_INDEXES = """
SELECT ic.relname, t.relname, i.indisunique, i.indisprimary, i.indpred IS NOT NULL,
       ARRAY(SELECT coalesce(a.attname, '<expression>')
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord),
       EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = i.indrelid
               AND con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1
"""


def _plain(value: Any) -> Any:
    """A PostgreSQL value as SQLite keeps it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return to_db_time(value)
    return value


async def postgres_schema(conn: asyncpg.Connection, namespace: str) -> Schema:
    schema = Schema()
    for table, col, declared, notnull, default, identity in await conn.fetch(
        _PG_COLUMNS, namespace
    ):
        schema.tables.setdefault(table, Table()).columns.append(
            Column(
                name=col,
                declared=declared,
                family=postgres_family(declared),
                not_null=notnull,
                default=postgres_default(default),
                identity=identity,
            )
        )
    for table, kind, columns, target, to_columns, on_delete in await conn.fetch(
        _PG_CONSTRAINTS, namespace
    ):
        entry = schema.tables[table]
        if kind == "p":
            entry.primary_key = tuple(columns)
        elif kind == "f":
            entry.foreign_keys.add(
                (tuple(columns), target, tuple(to_columns), PG_ON_DELETE[on_delete])
            )
        else:
            entry.checks += 1
    for index, table, unique, primary, partial, columns, backs_constraint in await conn.fetch(
        _PG_INDEXES, namespace
    ):
        if unique and not primary:
            schema.tables[table].uniques.add((tuple(columns), partial))
        if not backs_constraint:
            schema.indexes[index] = Index(table, tuple(columns), unique, partial)
    for table in schema.tables:
        quoted = f'"{namespace}"."{table}"'
        if table == "schema_migrations":
            schema.versions = [
                row[0] for row in await conn.fetch(f"SELECT version FROM {quoted} ORDER BY 1")
            ]
        else:
            rows = await conn.fetch(f"SELECT * FROM {quoted}")
            schema.rows[table] = sorted(
                (tuple(_plain(value) for value in row) for row in rows), key=repr
            )
    return schema


# --- The comparison ----------------------------------------------------------------------


def _names(columns: tuple[str, ...]) -> str:
    return "(" + ", ".join(columns) + ")"


def _compare_column(where: str, lite: Column, pg: Column) -> list[str]:
    diffs = []
    if lite.not_null != pg.not_null:
        word = {True: "NOT NULL", False: "nullable"}
        diffs.append(
            f"{where}: {word[lite.not_null]} in SQLite, {word[pg.not_null]} in PostgreSQL"
        )
    moment = MOMENT_NAME.match(lite.name) is not None
    types = f"SQLite {lite.declared or '(none)'} / PostgreSQL {pg.declared}"
    if pg.family == "time":
        if lite.family != "text":
            diffs.append(f"{where}: a moment in PostgreSQL but not TEXT in SQLite ({types})")
        elif not moment:
            diffs.append(
                f"{where}: timestamptz in PostgreSQL, but its name does not say it is a"
                f" moment (*_at, *_for, *_before, *_until, *_deadline) ({types})"
            )
    elif pg.family == "boolean":
        if lite.family != "integer" or not lite.flag:
            diffs.append(
                f"{where}: boolean in PostgreSQL, but not an INTEGER flag with"
                f" CHECK ({lite.name} IN (0, 1)) in SQLite ({types})"
            )
    elif lite.family == "text" and moment:
        diffs.append(f"{where}: a moment (by its name) but not timestamptz in PostgreSQL")
    elif lite.flag:
        diffs.append(f"{where}: a flag (CHECK IN (0, 1)) but not boolean in PostgreSQL")
    elif lite.family != pg.family:
        diffs.append(f"{where}: type {types} ({lite.family} / {pg.family})")
    if lite.default != pg.default:
        diffs.append(f"{where}: default SQLite {lite.default} / PostgreSQL {pg.default}")
    natural = where in NATURAL_KEYS
    if pg.identity and (natural or not lite.identity):
        diffs.append(f"{where}: an identity in PostgreSQL (SQLite: {lite.declared})")
    elif lite.identity and not pg.identity and not natural:
        diffs.append(
            f"{where}: INTEGER PRIMARY KEY in SQLite, but no identity in PostgreSQL"
            " (add it, or name it in NATURAL_KEYS)"
        )
    return diffs


def _compare_sets(where: str, what: str, lite: set[Any], pg: set[Any], show: Any) -> list[str]:
    diffs = [f"{where}: {what} {show(item)} only in SQLite" for item in sorted(lite - pg)]
    diffs += [f"{where}: {what} {show(item)} only in PostgreSQL" for item in sorted(pg - lite)]
    return diffs


def _compare_table(name: str, lite: Table, pg: Table) -> list[str]:
    diffs = []
    lite_names = [c.name for c in lite.columns]
    pg_names = [c.name for c in pg.columns]
    if lite_names != pg_names:
        diffs.append(
            f"{name}: columns differ: SQLite {_names(tuple(lite_names))}"
            f" / PostgreSQL {_names(tuple(pg_names))}"
        )
        diffs += [f"{name}.{c}: only in SQLite" for c in lite_names if c not in pg_names]
        diffs += [f"{name}.{c}: only in PostgreSQL" for c in pg_names if c not in lite_names]
    pg_columns = {c.name: c for c in pg.columns}
    for column in lite.columns:
        if column.name in pg_columns:
            diffs += _compare_column(f"{name}.{column.name}", column, pg_columns[column.name])
    if lite.primary_key != pg.primary_key:
        diffs.append(
            f"{name}: primary key SQLite {_names(lite.primary_key)}"
            f" / PostgreSQL {_names(pg.primary_key)}"
        )
    diffs += _compare_sets(
        name,
        "unique",
        lite.uniques,
        pg.uniques,
        lambda u: _names(u[0]) + (" (partial)" if u[1] else ""),
    )
    diffs += _compare_sets(
        name,
        "foreign key",
        lite.foreign_keys,
        pg.foreign_keys,
        lambda f: f"{_names(f[0])} -> {f[1]}{_names(f[2])} ON DELETE {f[3]}",
    )
    if lite.checks != pg.checks:
        diffs.append(
            f"{name}: {lite.checks} CHECK constraints in SQLite (the flags' (0, 1) ones not"
            f" counted), {pg.checks} in PostgreSQL"
        )
    return diffs


def compare(lite: Schema, pg: Schema) -> list[str]:
    """The differences, one readable line each; empty when the schemas are alike."""
    lite_tables, pg_tables = dict(lite.tables), dict(pg.tables)
    if "schema_migrations" not in lite_tables or "schema_migrations" not in pg_tables:
        lite_tables.pop("schema_migrations", None)
        pg_tables.pop("schema_migrations", None)
    diffs = [f"table {t}: only in SQLite" for t in sorted(lite_tables.keys() - pg_tables)]
    diffs += [f"table {t}: only in PostgreSQL" for t in sorted(pg_tables.keys() - lite_tables)]
    for name in sorted(lite_tables.keys() & pg_tables.keys()):
        diffs += _compare_table(name, lite_tables[name], pg_tables[name])
    for name in sorted(lite.indexes.keys() - pg.indexes.keys()):
        diffs.append(f"index {name}: only in SQLite ({lite.indexes[name]})")
    for name in sorted(pg.indexes.keys() - lite.indexes.keys()):
        diffs.append(f"index {name}: only in PostgreSQL ({pg.indexes[name]})")
    for name in sorted(lite.indexes.keys() & pg.indexes.keys()):
        if lite.indexes[name] != pg.indexes[name]:
            diffs.append(
                f"index {name}: SQLite {lite.indexes[name]} / PostgreSQL {pg.indexes[name]}"
            )
    for name in sorted(lite.rows.keys() & pg.rows.keys()):
        if lite.rows[name] != pg.rows[name]:
            diffs.append(f"{name}: rows SQLite {lite.rows[name]} / PostgreSQL {pg.rows[name]}")
    if lite.versions != pg.versions:
        diffs.append(
            f"schema_migrations: versions SQLite {lite.versions} / PostgreSQL {pg.versions}"
        )
    return diffs


# --- The stores --------------------------------------------------------------------------


async def migrated_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "parity.sqlite3"
    db = await open_database(path)
    try:
        await migrate(db)
    finally:
        await db.close()
    return path


@dataclass
class PostgresSchema:
    conn: asyncpg.Connection  # an administrative connection, outside the schema
    name: str


@pytest.fixture
async def postgres() -> AsyncIterator[PostgresSchema]:
    """A fresh schema with every migration applied through the bot's own code."""
    try:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        where = POSTGRES_URL.split("@")[-1]
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required (REQUIRE_POSTGRES=1), {where}: {reason}")
        pytest.skip(f"no PostgreSQL at {where} ({reason})")
    name = f"parity_{uuid.uuid4().hex[:12]}"
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
        separator = "&" if "?" in POSTGRES_URL else "?"
        db = await open_database(f"{POSTGRES_URL}{separator}search_path={name}")
        try:
            await migrate(db)
        finally:
            await db.close()
        yield PostgresSchema(conn, name)
    finally:
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


# --- The tests ---------------------------------------------------------------------------


async def test_postgres_migrations_give_the_sqlite_schema(
    tmp_path: Path, postgres: PostgresSchema
) -> None:
    lite = sqlite_schema(await migrated_sqlite(tmp_path))
    pg = await postgres_schema(postgres.conn, postgres.name)
    assert "schema_migrations" in lite.tables
    assert "schema_migrations" in pg.tables
    assert len(lite.tables) > 20  # the comparison saw the schema, not an empty database
    assert lite.rows["cities"]  # and the seed rows
    diffs = compare(lite, pg)
    assert not diffs, "the PostgreSQL schema differs from SQLite's:\n" + "\n".join(diffs)


async def test_a_drift_is_reported(tmp_path: Path, postgres: PostgresSchema) -> None:
    """Each kind of drift gives its own line."""
    path = await migrated_sqlite(tmp_path)
    with sqlite3.connect(path) as lite_conn:
        lite_conn.execute("ALTER TABLE people ADD COLUMN nickname TEXT")
    schema = f'"{postgres.name}"'
    for statement in (
        f"DROP INDEX {schema}.trips_end",
        f"ALTER TABLE {schema}.invites ALTER COLUMN created_by DROP NOT NULL",
        f"ALTER TABLE {schema}.outbox DROP CONSTRAINT outbox_dedup_key_key",
        f"ALTER TABLE {schema}.roadmap_trips DROP CONSTRAINT roadmap_trips_trip_id_fkey",
        f"ALTER TABLE {schema}.roadmap_trips ADD FOREIGN KEY (trip_id)"
        f" REFERENCES {schema}.trips (id) ON DELETE CASCADE",
        f"ALTER TABLE {schema}.outbox ALTER COLUMN not_before TYPE text",
        f"ALTER TABLE {schema}.trips ALTER COLUMN for_minors SET DEFAULT TRUE",
        f"UPDATE {schema}.cities SET name_ru = 'Sochi' WHERE code = 'sochi'",
    ):
        await postgres.conn.execute(statement)
    diffs = compare(sqlite_schema(path), await postgres_schema(postgres.conn, postgres.name))
    expected = [
        "people.nickname: only in SQLite",
        "index trips_end: only in SQLite",
        "invites.created_by: NOT NULL in SQLite, nullable in PostgreSQL",
        "outbox: unique (dedup_key) only in SQLite",
        "roadmap_trips: foreign key (trip_id) -> trips(id) ON DELETE NO ACTION only in SQLite",
        "roadmap_trips: foreign key (trip_id) -> trips(id) ON DELETE CASCADE only in PostgreSQL",
        "outbox.not_before: a moment (by its name) but not timestamptz in PostgreSQL",
        "trips.for_minors: default SQLite 0 / PostgreSQL 1",
        "cities: rows SQLite",
    ]
    for line in expected:
        assert any(diff.startswith(line) for diff in diffs), (line, diffs)
    # people's columns differ (one summary line and the column's own), nothing else.
    assert len(diffs) == len(expected) + 1, "\n".join(diffs)
