"""Hand-written SQL (storage/) against SQLAlchemy Core, statement by statement.

Why the repositories keep hand-written SQL: the same two statements a person's every
update makes, through each layer on the same PostgreSQL database, each with a connection
from its pool as the bot takes one:
- read: the person by Telegram id (PersonRepo.get: once per update, in PersonMiddleware);
- write: a transaction that upserts the person's language (PersonRepo.set_language).
Prints one last line (µs per statement, wall and this process's CPU):

sql_layer store=postgres statements=… handwritten_read_us=… core_read_us=…
          handwritten_read_cpu_us=… core_read_cpu_us=… handwritten_write_us=…
          core_write_us=… handwritten_write_cpu_us=… core_write_cpu_us=…  (one line)

Run: .venv/bin/python -m bench.sql_layer [--statements N] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    MetaData,
    Table,
    Text,
    bindparam,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.stores import bench_store
from bot.core.config import Settings
from bot.runner import open_database
from storage.db import Database, utc_now
from storage.people import Person, PersonRepo
from tests.conftest import TOKEN
from tests.people_seed import add_people
from tests.processes import cpu_seconds

FIRST_ID = 40_000_000
PEOPLE = 500

_people = Table(
    "people",
    MetaData(),
    Column("tg_id", BigInteger, primary_key=True),
    Column("language", Text),
    Column("full_name", Text),
    Column("city_id", BigInteger),
    Column("role", Text),
    Column("organisation", Text),
    Column("phone", Text),
    Column("consent_at", DateTime(timezone=True)),
    Column("is_organiser", Boolean),
    Column("blocked_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)
_BY_ID = select(_people).where(_people.c.tg_id == bindparam("tg_id"))


async def _measure(
    statements: int, step: Callable[[int], Awaitable[object]]
) -> tuple[float, float]:
    """µs per statement: wall, and this process's CPU."""
    for index in range(50):  # warm up: prepared statements, the pool
        await step(index)
    wall, cpu = time.perf_counter(), cpu_seconds()
    for index in range(statements):
        await step(index)
    return (
        (time.perf_counter() - wall) * 1e6 / statements,
        (cpu_seconds() - cpu) * 1e6 / statements,
    )


def _core_person(row: object) -> Person:
    values = row._mapping  # type: ignore[attr-defined]
    return Person(
        tg_id=values["tg_id"],
        language=values["language"],
        full_name=values["full_name"],
        city_id=values["city_id"],
        role=values["role"],
        organisation=values["organisation"],
        phone=values["phone"],
        consent_at=values["consent_at"],
        is_organiser=bool(values["is_organiser"]),
        blocked_at=values["blocked_at"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
    )


def _engine(store_url: str) -> AsyncEngine:
    base, _, query = store_url.partition("?")
    schema = query.removeprefix("search_path=")
    return create_async_engine(
        base.replace("postgresql://", "postgresql+asyncpg://", 1),
        pool_size=10,
        connect_args={"server_settings": {"search_path": schema, "timezone": "UTC"}},
    )


async def run(statements: int, database_url: str) -> str:
    async with bench_store(database_url, Path("unused.sqlite3")) as store_url:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            bot_token=TOKEN,
            database_url=store_url,
            database_path=Path("unused.sqlite3"),
        )
        db: Database = await open_database(settings)
        engine = _engine(store_url)
        try:
            repo = PersonRepo(db)
            await add_people(db, range(FIRST_ID, FIRST_ID + PEOPLE))

            async def hand_read(index: int) -> object:
                person = await repo.get(tg_id=FIRST_ID + index % PEOPLE)
                assert person is not None
                return person

            async def core_read(index: int) -> object:
                async with engine.connect() as conn:
                    row = (await conn.execute(_BY_ID, {"tg_id": FIRST_ID + index % PEOPLE})).one()
                return _core_person(row)

            async def hand_write(index: int) -> object:
                await repo.set_language(
                    tg_id=FIRST_ID + index % PEOPLE, language=("ru", "be")[index % 2]
                )
                return None

            async def core_write(index: int) -> object:
                now = utc_now()
                upsert = insert(_people).values(
                    tg_id=FIRST_ID + index % PEOPLE,
                    language=("ru", "be")[index % 2],
                    created_at=now,
                    updated_at=now,
                )
                upsert = upsert.on_conflict_do_update(
                    index_elements=[_people.c.tg_id],
                    set_={
                        "language": upsert.excluded.language,
                        "updated_at": upsert.excluded.updated_at,
                    },
                )
                async with engine.begin() as conn:
                    await conn.execute(upsert)
                return None

            figures = {}
            # Interleaved rounds: the machine's noise falls on both layers alike.
            for _ in range(2):
                for name, step in (
                    ("handwritten_read", hand_read),
                    ("core_read", core_read),
                    ("handwritten_write", hand_write),
                    ("core_write", core_write),
                ):
                    wall, cpu = await _measure(statements, step)
                    best = figures.get(name)
                    if best is None or cpu < best[1]:
                        figures[name] = (wall, cpu)
        finally:
            await engine.dispose()
            await db.close()
    parts = " ".join(
        f"{name}_us={figures[name][0]:.0f}"
        for name in ("handwritten_read", "core_read", "handwritten_write", "core_write")
    )
    cpu_parts = " ".join(
        f"{name}_cpu_us={figures[name][1]:.0f}"
        for name in ("handwritten_read", "core_read", "handwritten_write", "core_write")
    )
    return f"sql_layer store=postgres statements={statements} {parts} {cpu_parts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=3000)
    parser.add_argument("--database-url", default="postgresql://root@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(asyncio.run(run(args.statements, args.database_url)))  # a benchmark prints its figures


if __name__ == "__main__":
    main()
