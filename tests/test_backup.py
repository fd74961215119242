"""Backups of the live database while it is written to, the daily job, and restoring."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.operations.backup import BackupError, backup_name, backup_to, backups_in, restore_database
from bot.operations.housekeeping import Housekeeping, HousekeepingConfig
from bot.people.personal_data import PersonalData
from storage.cities import CityRepo
from storage.db import Database, to_db_time, utc_now
from storage.migrate import apply_migrations
from storage.people import PersonRepo
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
GROUP = 40  # rows written by one transaction: a consistent copy has whole groups only


async def _database(path: Path) -> Database:
    db = await Database.open(path)
    async with db.transaction_free() as conn:
        await apply_migrations(conn)
    return db


def _env(db_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "BACKUP_", "LOG_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_PATH=str(db_path),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",  # nothing is sent
    )
    return env


async def _cli(tmp_path: Path, db_path: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=_env(db_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


class Writer:
    """Writes groups of rows, one group per transaction, until stopped."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.groups = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            async with self.db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO audit_log (at, action, object_kind, object_id, diff)"
                    " VALUES (?, 'write', 'test', ?, ?)",
                    [(to_db_time(utc_now()), self.groups, "{}") for _ in range(GROUP)],
                )
            self.groups += 1
            await asyncio.sleep(0.003)  # a busy bot, not a benchmark

    def stop(self) -> None:
        self._stop.set()


def _groups(path: Path) -> list[tuple[int, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT object_id, COUNT(*) FROM audit_log WHERE action = 'write'"
            " GROUP BY object_id ORDER BY object_id"
        ).fetchall()
    finally:
        conn.close()


def _check_copy(path: Path, *, at_least: int, at_most: int) -> int:
    """The copy opens, is intact, is a single file, and holds whole groups 0..n-1."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    groups = _groups(path)
    assert groups == [(number, GROUP) for number in range(len(groups))]
    assert at_least <= len(groups) <= at_most
    return len(groups)


def _housekeeping(db: Database, db_path: Path, folder: Path, clock) -> Housekeeping:
    personal_data = PersonalData(db, PersonRepo(db), CityRepo(db), default_zone="Europe/Moscow")
    config = HousekeepingConfig(
        database_path=db_path, retention_days=365, backup_dir=folder, backup_keep=3
    )
    return Housekeeping(personal_data, config, clock=clock)


async def test_backup_while_writes_go_on_then_restore(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    db = await _database(db_path)
    # Some megabytes, so that copying takes a while.
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO audit_log (at, action, object_kind, diff) VALUES (?, 'fill', 'test', ?)",
            [(to_db_time(utc_now()), "x" * 200) for _ in range(30_000)],
        )
    writer = Writer(db)
    task = asyncio.create_task(writer.run())
    try:
        while writer.groups < 5:
            await asyncio.sleep(0.01)
        started = writer.groups
        # The operator's command in a process of its own, and the bot's daily job here.
        job = _housekeeping(db, db_path, tmp_path / "daily", utc_now)
        (tmp_path / "copies").mkdir()
        code, out, err = await _cli(tmp_path, db_path, "backup", str(tmp_path / "copies"))
        daily = await job.run_backup()
        during = writer.groups - started
    finally:
        writer.stop()
        await task
    assert code == 0, err
    assert "записана" in out
    assert during > 10  # the writes went on all along
    [copy] = backups_in(tmp_path / "copies")
    in_copy = _check_copy(copy, at_least=started, at_most=writer.groups)
    assert daily is not None
    _check_copy(daily.path, at_least=in_copy, at_most=writer.groups)

    # A change after the backup, then the restore brings the copy back.
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (tg_id, language, full_name, created_at, updated_at)"
            " VALUES (777, 'ru', 'После копии', ?, ?)",
            (to_db_time(utc_now()), to_db_time(utc_now())),
        )
    final = writer.groups
    await db.close()
    code, out, err = await _cli(tmp_path, db_path, "restore", str(copy))
    assert code == 0, err
    assert "восстановлена" in out and "Прежняя база сохранена" in out
    assert _groups(db_path) == [(number, GROUP) for number in range(in_copy)]
    [safety] = db_path.parent.glob("bot.sqlite3.before-restore-*")
    assert len(_groups(safety)) == final
    conn = sqlite3.connect(safety)
    assert conn.execute("SELECT full_name FROM people WHERE tg_id = 777").fetchone() == (
        "После копии",
    )
    conn.close()

    # The bot opens the restored database as usual.
    db = await _database(db_path)
    try:
        async with db.read.execute("SELECT COUNT(*) FROM people WHERE tg_id = 777") as cur:
            assert (await cur.fetchone())[0] == 0
        async with db.read.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
    finally:
        await db.close()


async def test_backup_and_restore_refuse_what_would_do_harm(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    code, _, err = await _cli(tmp_path, db_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert code == 2 and "DATABASE_PATH" in err  # no database: nothing is created
    assert not db_path.exists() and not (tmp_path / "copy.sqlite3").exists()
    db = await _database(db_path)
    await db.close()
    existing = tmp_path / "copy.sqlite3"
    existing.write_text("не трогать", "utf-8")
    with pytest.raises(BackupError, match="уже есть"):
        backup_to(db_path, existing, now=utc_now())
    assert existing.read_text("utf-8") == "не трогать"
    with pytest.raises(BackupError, match="не база данных"):
        restore_database(existing, db_path)
    with pytest.raises(BackupError, match="не найден"):
        restore_database(tmp_path / "nothing", db_path)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="не база бота"):
        restore_database(other, db_path)
    assert len(_groups(db_path)) == 0  # the database is as it was
    assert not list(db_path.parent.glob("*.before-restore-*"))


async def test_daily_backup_keeps_the_newest_copies(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("не копия", "utf-8")
    db = await _database(db_path)
    moment = [datetime(2027, 3, 1, 3, 0, tzinfo=UTC)]
    job = _housekeeping(db, db_path, folder, lambda: moment[0])
    try:
        made = []
        for _ in range(5):
            result = await job.run_backup()
            assert result is not None
            made.append(result.path.name)
            moment[0] += timedelta(hours=6)
            assert await job.run_backup() is None  # one a day, however often it runs
            moment[0] += timedelta(hours=18)
        assert [path.name for path in backups_in(folder)] == made[-3:]
        assert made[0] == backup_name(datetime(2027, 3, 1, 3, 0, tzinfo=UTC))
        assert (folder / "notes.txt").exists()
        assert not list(folder.glob("*.partial"))
    finally:
        await db.close()


async def test_daily_jobs_are_scheduled(tmp_path: Path) -> None:
    db = await _database(tmp_path / "bot.sqlite3")
    try:
        with_backups = _housekeeping(db, tmp_path / "bot.sqlite3", tmp_path / "b", utc_now)
        with_backups.start()
        assert with_backups.job_ids() == ["retention", "backup"]
        await with_backups.stop()
        personal_data = PersonalData(
            db, PersonRepo(db), CityRepo(db), default_zone="Europe/Moscow"
        )
        config = HousekeepingConfig(database_path=tmp_path / "bot.sqlite3", retention_days=365)
        without = Housekeeping(personal_data, config)
        without.start()
        assert without.job_ids() == ["retention"]
        await without.stop()
        assert without.job_ids() == []
    finally:
        await db.close()
