"""Migrations, the schema, the write lock, and FSM storage."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiogram.fsm.storage.base import StorageKey

from storage.db import Database, DatabaseOpenError, DatabaseUnavailable
from storage.fsm import DatabaseStorage
from storage.migrate import (
    MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    load_migrations,
    migrate,
)
from storage.sqlite import SqliteDatabase
from tests.conftest import TEST_DATABASE_URL, store_url_for

ROOT = str(Path(__file__).resolve().parent.parent)


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
            first = folder / "0001_init.sql"
            first.write_text(first.read_text("utf-8") + "\n-- edited\n", "utf-8")
            with pytest.raises(MigrationError, match="изменён"):
                await apply_migrations(conn, folder)
    finally:
        await db.close()


def test_a_copy_without_its_migrations_is_refused_not_called_current(tmp_path: Path) -> None:
    """An installed copy that lacks the migrations/ folder must not report a database as
    up to date while creating nothing."""
    (tmp_path / "migrations").mkdir()
    with pytest.raises(MigrationError, match="не найдены файлы миграций"):
        load_migrations(tmp_path / "migrations")


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


async def _store(tmp_path: Path) -> Database:
    """The test's store, migrated: a SQLite file, or its own PostgreSQL schema in that
    pass."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(store_url_for(path) or path)
    await migrate(db)
    return db


async def test_fsm_storage_round_trip(tmp_path: Path) -> None:
    db = await _store(tmp_path)
    try:
        storage = DatabaseStorage(db)
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
        # A caller changing the dict it got changes nothing stored.
        (await storage.get_data(key))["city_id"] = 1
        assert (await storage.get_data(key))["city_id"] == 2
        await storage.set_state(key, "Onboarding:role")
        # Another storage on the same file (a restart) reads what was written.
        restarted = DatabaseStorage(db)
        assert await restarted.get_state(key) == "Onboarding:role"
        assert await restarted.get_data(key) == {"full_name": "<b>Ян</b> 😀", "city_id": 2}
    finally:
        await db.close()


async def test_fsm_storage_forgets_the_oldest_and_reads_them_again(tmp_path: Path) -> None:
    db = await _store(tmp_path)
    try:
        storage = DatabaseStorage(db, cache_size=2)
        keys = [StorageKey(bot_id=1, chat_id=n, user_id=n) for n in range(1, 5)]
        for n, key in enumerate(keys):
            await storage.set_state(key, f"Form:step{n}")
            await storage.set_data(key, {"n": n})
        for n, key in enumerate(keys):
            assert await storage.get_state(key) == f"Form:step{n}"
            assert await storage.get_data(key) == {"n": n}
    finally:
        await db.close()


async def test_fsm_clear_without_a_form_writes_nothing(tmp_path: Path) -> None:
    db = await _store(tmp_path)
    try:
        storage = DatabaseStorage(db)
        key = StorageKey(bot_id=1, chat_id=2, user_id=2)
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        async with db.read.execute("SELECT COUNT(*) FROM fsm_states") as cur:
            assert (await cur.fetchone())[0] == 0
        await storage.set_data(key, {"a": 1})
        await storage.set_data(key, {})
        assert await DatabaseStorage(db).get_data(key) == {}
    finally:
        await db.close()


async def test_write_waits_for_another_process_without_blocking_the_bot(tmp_path: Path) -> None:
    """Writes run on the event loop's thread; while another process (`python -m bot
    import`) holds the file's write lock they wait with asyncio.sleep, and the bot's
    event loop keeps running meanwhile."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO fsm_states (storage_key, updated_at) VALUES ('other', 'x')")
        write = asyncio.create_task(
            db.execute_write(
                "INSERT INTO fsm_states (storage_key, updated_at) VALUES ('bot', 'y')"
            )
        )
        ticks = 0
        for _ in range(20):  # 0.2 s: the loop keeps turning while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()
        other.execute("COMMIT")
        assert await asyncio.wait_for(write, 2) == 1
        assert ticks == 20
        async with db.read.execute("SELECT storage_key FROM fsm_states ORDER BY 1") as cur:
            assert [row[0] for row in await cur.fetchall()] == ["bot", "other"]
    finally:
        other.close()
        await db.close()


def _wal_salts(path: Path) -> bytes:
    """The WAL header's two salts: new ones each time the WAL starts over."""
    with open(path.with_name(path.name + "-wal"), "rb") as wal:
        return wal.read(24)[16:24]


async def _salts_other_than(path: Path, salts: bytes) -> bytes:
    """The WAL's salts once a checkpoint has started it over (within seconds)."""
    async with asyncio.timeout(5):
        while (now := _wal_salts(path)) == salts:
            await asyncio.sleep(0.02)
    return now


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite only: reads the SQLite WAL")
async def test_the_wal_starts_over_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write into a WAL that starts over syncs the WAL to disk (synchronous=
    NORMAL); on the bot's writing connection that sync ran on the event loop's thread
    and held it whenever the disk was busy. The checkpointing side starts it over
    itself, right after a checkpoint that copied everything: the bot's next write only
    appends. An idle bot's WAL stays as it is (no write every checkpoint for ever)."""
    restarted_on: list[int] = []
    restart = SqliteDatabase._restart_wal

    def recorded(self: SqliteDatabase) -> bool:
        restarted_on.append(threading.get_ident())
        return restart(self)

    monkeypatch.setattr(SqliteDatabase, "_restart_wal", recorded)
    # No checkpoint during the set-up (a slow machine): it would start the WAL over
    # before `before` is read. Every 50 ms from then on.
    monkeypatch.setattr(SqliteDatabase, "CHECKPOINT_EVERY", 3600.0)
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)
        insert = "INSERT INTO fsm_states (storage_key, updated_at) VALUES (?, 'x')"
        for n in range(20):
            await db.execute_write(insert, (f"k{n}",))
        assert isinstance(db, SqliteDatabase) and db._checkpoints is not None
        db._checkpoints.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await db._checkpoints
        monkeypatch.setattr(SqliteDatabase, "CHECKPOINT_EVERY", 0.05)
        db._checkpoints = asyncio.create_task(db._checkpoint_loop())
        before = _wal_salts(path)
        restarted = await _salts_other_than(path, before)  # started over, not by the bot
        await db.execute_write(insert, ("after",))
        assert _wal_salts(path) == restarted  # the bot's write appended to it
        again = await _salts_other_than(path, restarted)  # after it, started over once more
        size = path.with_name(path.name + "-wal").stat().st_size
        await asyncio.sleep(0.5)  # idle: nothing more is written
        assert _wal_salts(path) == again
        assert path.with_name(path.name + "-wal").stat().st_size == size
        async with db.read.execute("SELECT COUNT(*) FROM fsm_states") as cur:
            assert (await cur.fetchone())[0] == 21
        assert len(restarted_on) == 2
        assert threading.get_ident() not in restarted_on  # never on the event loop's thread
    finally:
        await db.close()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite only: its writer's worker thread")
async def test_a_cancelled_bulk_statement_finishes_before_the_rollback(tmp_path: Path) -> None:
    """A task cancelled while its transaction's bulk statement runs on a worker thread
    (an organiser's broadcast, a shutdown) rolls back only once that thread is done with
    the connection: both at once can crash the process. The rollback then leaves nothing
    behind, and the next write goes through."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000)"
        " SELECT COUNT(*) FROM n"
    )
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)

        async def broadcast() -> None:
            async with db.transaction() as writer:
                await writer.execute(
                    "INSERT INTO fsm_states (storage_key, updated_at) VALUES ('half', 'x')"
                )
                await writer.fetch_bulk(slow)

        loop = asyncio.get_running_loop()
        gaps: list[float] = []

        async def heartbeat() -> None:
            while True:
                before = loop.time()
                await asyncio.sleep(0.005)
                gaps.append(loop.time() - before)

        beating = asyncio.create_task(heartbeat())
        task = asyncio.create_task(broadcast())
        await asyncio.sleep(0.05)
        task.cancel()
        cancelled = loop.time()
        with pytest.raises(asyncio.CancelledError):
            await task
        waited = loop.time() - cancelled  # the rest of the query
        await asyncio.sleep(0.02)  # the heartbeat notes its last gap
        beating.cancel()
        # The rollback waited for the thread without holding the event loop meanwhile: a
        # rollback on the loop would have held it about as long as it waited.
        assert waited > 0.3, waited  # the query was still running (else the test shows nothing)
        assert max(gaps) < waited / 2, (max(gaps), waited)
        assert (
            await db.execute_write(
                "INSERT INTO fsm_states (storage_key, updated_at) VALUES ('next', 'y')"
            )
            == 1
        )
        async with db.read.execute("SELECT storage_key FROM fsm_states") as cur:
            assert [row[0] for row in await cur.fetchall()] == ["next"]
    finally:
        await db.close()


async def test_write_gives_up_after_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    other = sqlite3.connect(path, isolation_level=None)
    monkeypatch.setattr("storage.sqlite.BUSY_TIMEOUT_MS", 100)
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with db.transaction() as conn:
                await conn.execute("DELETE FROM fsm_states")
        other.execute("ROLLBACK")
        # The failed BEGIN left nothing open: the next transaction works.
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fsm_states (storage_key, updated_at) VALUES ('after', 'z')"
            )
        async with db.read.execute("SELECT COUNT(*) FROM fsm_states") as cur:
            assert (await cur.fetchone())[0] == 1
    finally:
        other.close()
        await db.close()


async def test_lookups_see_committed_rows_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")

    async def keys() -> list[str]:
        async with db.lookup.execute("SELECT storage_key FROM fsm_states") as cur:
            return [row[0] for row in await cur.fetchall()]

    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fsm_states (storage_key, updated_at) VALUES ('a', 'x')"
            )
            assert await keys() == []  # not committed yet
        assert await keys() == ["a"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            async with db.lookup.execute("DELETE FROM fsm_states"):
                pass
    finally:
        await db.close()


async def test_a_wrong_parameter_is_a_mistake_not_a_lost_connection(tmp_path: Path) -> None:
    """On PostgreSQL a parameter of the wrong type is raised as the bug it is, not taken
    for a lost connection: that would hide it behind "try again" and recycle the pool
    each time."""
    if store_url_for(tmp_path / "db.sqlite3") is None:
        pytest.skip("PostgreSQL only: SQLite takes a value of any type")
    db = await _store(tmp_path)
    try:
        with pytest.raises(Exception, match="invalid input") as read:
            async with db.read.execute(
                "SELECT tg_id FROM people WHERE tg_id = ?", ("not a number",)
            ):
                pass
        with pytest.raises(Exception, match="invalid input") as written:
            async with db.transaction() as conn:
                await conn.execute("UPDATE people SET language = 'ru' WHERE tg_id = ?", ("x",))
        for raised in (read.value, written.value):
            assert not isinstance(raised, DatabaseUnavailable)
    finally:
        await db.close()


async def test_a_postgresql_database_not_in_utf8_is_refused_with_one_line(
    tmp_path: Path,
) -> None:
    """Russian and Belarusian names (and the search keys) need UTF8: a database created in
    another encoding is refused at start with one line and exit 2, not at the first name
    it cannot store."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    name = f"pobratim_latin1_{os.getpid()}"
    admin = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(
            f"CREATE DATABASE {name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'"
            " TEMPLATE template0"
        )
        url = urlunsplit(urlsplit(TEST_DATABASE_URL)._replace(path=f"/{name}", query=""))
        with pytest.raises(DatabaseOpenError) as refused:
            await Database.open(url)
        assert refused.value.reason is not None and "LATIN1" in refused.value.reason
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "BOT_"))},
            "BOT_TOKEN": "123456789:AAH-test-token-for-the-fake-server-0",
            "DATABASE_URL": url,
            "PYTHONPATH": ROOT,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.close()
    assert process.returncode == 2
    assert stderr.decode().strip() == (
        f"Не удаётся работать с PostgreSQL postgresql://root@127.0.0.1:5432/{name}: база"
        " создана в кодировке LATIN1, а нужна UTF8 (создайте её заново: createdb -E UTF8"
        " -T template0 …)."
    )
