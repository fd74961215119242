"""Migrations, the schema, and FSM storage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from storage.db import Database
from storage.fsm import SQLiteStorage
from storage.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, load_migrations


async def test_all_migrations_on_an_empty_database(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new" / "db.sqlite3")
    try:
        async with db.transaction_free() as conn:
            applied = await apply_migrations(conn)
            assert applied == [m.name for m in load_migrations()]
            assert await apply_migrations(conn) == []  # second run: nothing to do
        async with db.read.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ) as cur:
            tables = {row[0] for row in await cur.fetchall()}
        assert {"cities", "people", "invites", "fsm_states", "schema_migrations"} <= tables
        async with db.read.execute("SELECT code, timezone FROM cities ORDER BY id") as cur:
            rows = [tuple(row) for row in await cur.fetchall()]
        assert rows == [("sochi", "Europe/Moscow"), ("minsk", "Europe/Minsk")]
        async with db.read.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with db.read.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
    finally:
        await db.close()


async def test_changed_migration_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn, folder)
            first = sorted(folder.glob("*.sql"))[0]
            first.write_text(first.read_text("utf-8") + "\n-- edited\n", "utf-8")
            with pytest.raises(MigrationError, match="изменён"):
                await apply_migrations(conn, folder)
    finally:
        await db.close()


async def test_broken_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / "9999_broken.sql").write_text(
        "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n", "utf-8"
    )
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction_free() as conn:
            with pytest.raises(MigrationError, match="9999_broken"):
                await apply_migrations(conn, folder)
        async with db.read.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'"
        ) as cur:
            assert (await cur.fetchone())[0] == 0
        async with db.read.execute("SELECT MAX(version) FROM schema_migrations") as cur:
            assert (await cur.fetchone())[0] < 9999
    finally:
        await db.close()


async def test_fsm_storage_round_trip(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)
        storage = SQLiteStorage(db)
        key = StorageKey(bot_id=1, chat_id=2, user_id=2)
        assert await storage.get_state(key) is None
        assert await storage.get_data(key) == {}
        await storage.set_state(key, "Onboarding:city")
        await storage.set_data(key, {"full_name": "<b>Ян</b> 😀", "city_id": 2})
        assert await storage.get_state(key) == "Onboarding:city"
        assert await storage.get_data(key) == {"full_name": "<b>Ян</b> 😀", "city_id": 2}
        other = StorageKey(bot_id=1, chat_id=3, user_id=3)
        assert await storage.get_state(other) is None
        await storage.set_state(key, None)
        assert await storage.get_state(key) is None
        assert await storage.get_data(key) == {"full_name": "<b>Ян</b> 😀", "city_id": 2}
    finally:
        await db.close()
