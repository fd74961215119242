"""Where a bench keeps its data: a SQLite file in a temporary folder (the default), or a
schema of its own on a PostgreSQL server (`--database-url postgresql://...`).

Each run on PostgreSQL gets a fresh schema, `bench_<pid>_<random>`, named in the URL's
`search_path` (the bot creates it when it opens the database and finds it missing), and
drops it at the end, so runs never see each other's rows.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

SQLITE = "sqlite"
POSTGRES = "postgres"


def store_name(database_url: str | None) -> str:
    """`sqlite` or `postgres`, for the bench's last line."""
    return POSTGRES if database_url and database_url.startswith("postgres") else SQLITE


def _with_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}search_path={schema}"


async def drop_schema(url: str, schema: str) -> None:
    conn = await asyncpg.connect(url.split("?", maxsplit=1)[0], timeout=10)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def bench_store(database_url: str | None, sqlite_file: Path) -> AsyncIterator[str]:
    """The store URL for one run: the SQLite file `sqlite_file` (no URL given), or the
    PostgreSQL URL with a schema of the run's own, dropped at the end."""
    if store_name(database_url) == SQLITE:
        yield database_url or f"sqlite:///{sqlite_file}"
        return
    assert database_url is not None
    schema = f"bench_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        yield _with_schema(database_url, schema)
    finally:
        await drop_schema(database_url, schema)
