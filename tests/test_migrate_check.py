"""`python -m bot migrate --check` (what is pending, nothing applied) and the refusal of a
database whose schema is newer than the code: one line and exit code 2, from every
command that would migrate it, and from `migrate --check` and `status`."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.cli.status import check_migrations
from bot.runner import open_database
from storage.db import Database, utc_now
from storage.migrate import (
    MIGRATIONS_DIR,
    MigrationError,
    load_migrations,
    migrate,
    newer_migrations,
    pending_migrations,
    schema_state,
)
from tests.conftest import TOKEN, make_settings, store_url_for
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
NEWER = 9999


def _db_file(tmp_path: Path) -> Path:
    return tmp_path / "db" / "bot.sqlite3"


async def _open(tmp_path: Path) -> Database:
    """The store the command line below works on (its PostgreSQL schema in that pass)."""
    return await Database.open(store_url_for(_db_file(tmp_path)) or _db_file(tmp_path))


def _older_code(tmp_path: Path, below: int) -> Path:
    """The migration files of an older version of the code: those numbered below `below`."""
    folder = tmp_path / "older-migrations"
    folder.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < below:
            shutil.copy(path, folder / path.name)
    return folder


async def _cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` on the test's store; nothing here talks to Telegram (port 9)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "WEBHOOK_", "LOG_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_PATH=str(_db_file(tmp_path)),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    url = store_url_for(_db_file(tmp_path))
    if url:
        env["DATABASE_URL"] = url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_pending_migrations_of_a_new_database(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        expected = [migration.name for migration in load_migrations(dialect=db.dialect)]
        assert await pending_migrations(db) == expected
        assert await newer_migrations(db) == []
        await migrate(db)
        assert await pending_migrations(db) == []
        state = await schema_state(db)
        assert state.current and state.latest == load_migrations()[-1].version
    finally:
        await db.close()


async def test_check_lists_what_is_pending_and_applies_nothing(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        await migrate(db, _older_code(tmp_path, below=11))
        pending = await pending_migrations(db)
    finally:
        await db.close()
    assert [name[:4] for name in pending][:2] == ["0011", "0012"]

    code, out, err = await _cli(tmp_path, "migrate", "--check")
    assert (code, err) == (1, "")
    [line] = out.splitlines()
    assert "отстаёт от кода: ждут применения миграции (" in line
    assert ", ".join(pending) in line and "python -m bot migrate" in line
    db = await _open(tmp_path)
    try:
        assert await pending_migrations(db) == pending  # nothing was applied
    finally:
        await db.close()

    assert (await _cli(tmp_path, "migrate"))[0] == 0
    code, out, err = await _cli(tmp_path, "migrate", "--check")
    assert (code, err) == (0, "")
    latest = load_migrations()[-1].version
    assert out.endswith(f" в актуальном состоянии: применены все миграции (до {latest:04d}).\n")


async def test_check_on_a_missing_sqlite_file_creates_nothing(
    telegram: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere" / "bot.sqlite3"
    settings = make_settings(telegram, path, database_url=None)
    assert await check_migrations(settings) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"Файла базы данных {path} ещё нет: ждут применения все миграции (")
    assert not path.parent.exists()


async def test_check_refuses_a_changed_migration_as_migrate_does(tmp_path: Path) -> None:
    folder = _older_code(tmp_path, below=100)
    db = await _open(tmp_path)
    try:
        await migrate(db, folder)
        changed = sorted(folder.glob("0001_init*.sql"))
        for path in changed:
            path.write_text(path.read_text("utf-8") + "\n-- edited\n", "utf-8")
        with pytest.raises(MigrationError, match="изменён после применения"):
            await schema_state(db, folder)
        with pytest.raises(MigrationError, match="изменён после применения"):
            await migrate(db, folder)
    finally:
        await db.close()


async def test_a_schema_newer_than_the_code_is_refused_with_one_line(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    db = await _open(tmp_path)
    try:
        await migrate(db)
        await db.execute_write(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
            " VALUES (?, ?, ?, ?)",
            (NEWER, "9999_from_the_future.sql", "0" * 64, utc_now()),
        )
        assert await newer_migrations(db) == [NEWER]
        assert await pending_migrations(db) == []
        with pytest.raises(MigrationError) as refused:
            await migrate(db)
    finally:
        await db.close()
    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith(
        "Схема базы данных новее этой версии бота: в базе применены миграции 9999"
    )
    # The bot's own start (every command that migrates) refuses it the same way.
    settings = make_settings(telegram, _db_file(tmp_path))
    with pytest.raises(MigrationError, match=r"^Схема базы данных новее"):
        await open_database(settings)

    for args in (["migrate", "--check"], ["migrate"], ["run"], ["status"]):
        code, out, err = await _cli(tmp_path, *args)
        assert (code, out, err) == (2, "", line + "\n"), args
    db = await _open(tmp_path)
    try:
        assert await newer_migrations(db) == [NEWER]  # left as it was
    finally:
        await db.close()


async def test_the_operations_migrations_apply_on_a_database_with_data(tmp_path: Path) -> None:
    """0012 to 0014 on a database in use (forms, registrations and broadcasts stored by the code of
    0011): the forms get their person's id, the new tables are there, nothing is lost."""
    db = await _open(tmp_path)
    try:
        await migrate(db, _older_code(tmp_path, 12))
        now = utc_now()
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO fsm_states (storage_key, state, data, updated_at)"
                " VALUES (?, ?, '{}', ?)",
                [
                    ("111:2001:2001::::default", "Onboarding:name", now),
                    ("111:-100500:2002::::default", "Broadcast:text", now),
                    ("odd-key", None, now),  # not a key aiogram writes: left without an id
                ],
            )
        await insert_broadcasts(db, now)
        applied = await migrate(db)
        assert [name[:4] for name in applied] == ["0012", "0013", "0014"]
        async with db.read.execute(
            "SELECT storage_key, user_id, state FROM fsm_states ORDER BY storage_key"
        ) as cur:
            rows = [tuple(row) for row in await cur.fetchall()]
        assert rows == [
            ("111:-100500:2002::::default", 2002, "Broadcast:text"),
            ("111:2001:2001::::default", 2001, "Onboarding:name"),
            ("odd-key", None, None),
        ]
        async with db.read.execute("SELECT COUNT(*) FROM maintenance_runs") as cur:
            assert (await cur.fetchone())[0] == 0
        async with db.read.execute("SELECT COUNT(*) FROM erasures") as cur:
            assert (await cur.fetchone())[0] == 0
        # 0014 rebuilt the broadcasts table on SQLite: every row as it was, and the new
        # 'queueing' status allowed.
        async with db.read.execute(
            "SELECT id, status, recipients, segment FROM broadcasts ORDER BY id"
        ) as cur:
            assert [tuple(row) for row in await cur.fetchall()] == [
                (1, "done", 40, '{"kind": "all"}'),
                (2, "scheduled", 0, '{"city_id": 1, "kind": "city"}'),
            ]
        async with db.transaction() as conn:
            await conn.execute("UPDATE broadcasts SET status = 'queueing' WHERE id = 2")
    finally:
        await db.close()


async def insert_broadcasts(db: Database, now: datetime) -> None:
    """Two broadcasts as the code of 0013 stored them: one done, one scheduled."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO broadcasts (id, created_by, segment, from_chat_id, from_message_id,"
            " content_kind, status, scheduled_for, recipients, created_at, updated_at)"
            " VALUES (?, 1000, ?, 1000, ?, 'text', ?, ?, ?, ?, ?)",
            [
                (1, '{"kind": "all"}', 10, "done", None, 40, now, now),
                (2, '{"city_id": 1, "kind": "city"}', 11, "scheduled", now, 0, now, now),
            ],
        )
