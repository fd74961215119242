"""`python -m bot migrate-to-postgres`: the demo installation moved from SQLite to
PostgreSQL, checked table by table, and then used: a registration and a broadcast."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.operations.instance_lock import hold
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings, onboard
from tests.fake_telegram import FakeTelegram
from tests.import_data import register
from tests.stores import postgres_answers, postgres_url
from tests.test_broadcast import compose_text, wait_finished
from tests.test_import import _cli

ROOT = Path(__file__).resolve().parent.parent
_ANSWER = {"yes_no": "yes", "date": "2000-01-31"}


@pytest.fixture
async def target() -> AsyncIterator[str]:
    """An empty schema of its own on the test server, as a DATABASE_URL."""
    base = postgres_url()
    why = await postgres_answers(base)
    if why is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but does not answer: {why}")
        pytest.skip(f"no PostgreSQL server answers: {why}")
    schema = f"move_{uuid.uuid4().hex[:12]}"
    yield f"{base}?search_path={schema}"
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


async def _pg_counts(url: str, tables: list[str]) -> dict[str, int]:
    base, schema = url.split("?search_path=")
    conn = await asyncpg.connect(base, server_settings={"search_path": schema})
    try:
        return {t: await conn.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in tables}
    finally:
        await conn.close()


async def _check_sequences(url: str) -> None:
    """Every identity column's next value comes after the copied ids."""
    base, schema = url.split("?search_path=")
    conn = await asyncpg.connect(base, server_settings={"search_path": schema})
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
        assert len(rows) > 10
        for table, column in rows:
            top = await conn.fetchval(f'SELECT MAX("{column}") FROM "{table}"')
            following = await conn.fetchval(
                "SELECT nextval(pg_get_serial_sequence($1, $2))", f'"{table}"', column
            )
            assert following > (top or 0), (table, top, following)
    finally:
        await conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_demo_moves_whole_and_the_copy_works(tmp_path: Path, target: str) -> None:
    assert _cli(tmp_path, "demo", on_store=False).returncode == 0
    source = tmp_path / "db" / "bot.sqlite3"
    before = _digest(source)
    expected = _counts(source)
    assert expected["trips"] == 11 and expected["events"] == 10

    moved = _cli(tmp_path, "migrate-to-postgres", "--to", target, on_store=False)
    assert moved.returncode == 0, moved.stderr
    total = sum(expected.values())
    assert f"Скопировано {total} строк из {len(expected)} таблиц" in moved.stdout
    assert "Файл SQLite не изменён" in moved.stdout
    assert _digest(source) == before  # the file was only read
    assert await _pg_counts(target, list(expected)) == expected
    await _check_sequences(target)

    # A second run would mix two copies: refused, unless told to replace.
    again = _cli(tmp_path, "migrate-to-postgres", "--to", target, on_store=False)
    assert again.returncode == 2
    assert "уже есть данные" in again.stderr and "--force" in again.stderr
    forced = _cli(tmp_path, "migrate-to-postgres", "--to", target, "--force", on_store=False)
    assert forced.returncode == 0, forced.stderr
    assert await _pg_counts(target, list(expected)) == expected

    # The bot on the copy: a person registers for a demo trip, an organiser broadcasts.
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    app = RunningBot(telegram, make_settings(telegram, source, database_url=target))
    await app.start()
    try:
        member = TgUser(app, 2001, first_name="Мария")
        await onboard(member, name="Мария Иванова")
        organiser = TgUser(app, 1000, first_name="Админ")
        await onboard(
            organiser, name="Ольга Админова", city="Минск", role="Представитель администрации"
        )
        assert app.db is not None
        async with app.db.read.execute(
            "SELECT id FROM trips WHERE status = 'open' ORDER BY id LIMIT 1"
        ) as cur:
            trip_id = (await cur.fetchone())[0]
        async with app.db.read.execute(
            "SELECT key, kind, options FROM trip_questions WHERE trip_id = ? AND required",
            (trip_id,),
        ) as cur:
            answers = {
                key: json.loads(options)[0] if kind == "choice" else _ANSWER.get(kind, "Ответ")
                for key, kind, options in await cur.fetchall()
            }
        registered = await register(app, trip_id, member.id, answers)
        assert registered.status in ("pending", "approved")

        await organiser.send("/broadcast")
        await organiser.press("✉️ Новая рассылка")
        await organiser.press("Городу")
        await organiser.press("Сочи")
        await compose_text(organiser)
        await organiser.press("📤 Отправить")
        await wait_finished(app, 1)
        copies = [c for c in telegram.calls_of("copyMessage", chat_id=member.id) if c.ok]
        assert len(copies) == 1
    finally:
        await app.stop()
        await telegram.stop()
    assert _digest(source) == before


async def test_refused_while_a_bot_holds_the_file(tmp_path: Path, target: str) -> None:
    assert _cli(tmp_path, "demo", on_store=False).returncode == 0
    source = tmp_path / "db" / "bot.sqlite3"
    with hold(source):
        refused = _cli(tmp_path, "migrate-to-postgres", "--to", target, on_store=False)
    assert refused.returncode == 2
    assert "занята" in refused.stderr and f"pid {os.getpid()}" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
