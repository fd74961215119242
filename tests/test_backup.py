"""Backups of the live database while it is written to, the daily job, and restoring; on
PostgreSQL, `pg_dump` and `pg_restore` of the bot's schema, with the password kept off
their command line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.operations import pg_backup
from bot.operations.backup import BackupError, backup_name, backup_to, backups_in, restore_database
from bot.operations.housekeeping import Housekeeping, HousekeepingConfig
from bot.operations.pg_backup import dump_to, libpq_target, restore_dump
from bot.people.personal_data import PersonalData
from storage.cities import CityRepo
from storage.db import Database, to_db_time, utc_now
from storage.migrate import apply_migrations, migrate
from storage.people import PersonRepo
from tests.conftest import TEST_DATABASE_URL, TOKEN, store_url_for
from tests.people_seed import add_people

ROOT = Path(__file__).resolve().parent.parent
GROUP = 40  # rows written by one transaction: a consistent copy has whole groups only
postgres_only = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="pg_dump and pg_restore of a PostgreSQL schema: PostgreSQL only"
    " (TEST_DATABASE_URL is not set)",
)
PASSWORD = "s3cret"


async def _database(path: Path) -> Database:
    db = await Database.open(path)
    async with db.transaction_free() as conn:
        await apply_migrations(conn)
    return db


def _env(db_path: Path, url: str | None = None) -> dict[str, str]:
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
    if url is not None:
        env["DATABASE_URL"] = url
    return env


async def _cli(
    tmp_path: Path, db_path: Path, *args: str, url: str | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=_env(db_path, url),
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
    return Housekeeping(db, personal_data, config, clock=clock)


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
            assert not isinstance(result, str), result
            made.append(result.path.name)
            # Personal data: only the bot's user reads a backup, whatever the umask.
            assert result.path.stat().st_mode & 0o777 == 0o600
            moment[0] += timedelta(days=1)
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
        assert with_backups.jobs == ("retention", "upkeep", "backup")
        await with_backups.start()
        # The nightly run, and the catch-up of a first start (nothing has ever run).
        assert sorted(with_backups.job_ids()) == ["catch-up", "nightly"]
        await with_backups.stop()
        personal_data = PersonalData(
            db, PersonRepo(db), CityRepo(db), default_zone="Europe/Moscow"
        )
        config = HousekeepingConfig(database_path=tmp_path / "bot.sqlite3", retention_days=365)
        without = Housekeeping(db, personal_data, config)
        assert without.jobs == ("retention", "upkeep")
        await without.start()
        assert "nightly" in without.job_ids()
        await without.stop()
        assert without.job_ids() == []
    finally:
        await db.close()


def _with_password(url: str, password: str) -> str:
    """The test server's URL with a password in it (the server trusts 127.0.0.1 and does
    not ask for one, so the programs run as they would with a real one)."""
    parts = urlsplit(url)
    netloc = parts.netloc.replace("@", f":{password}@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def _pg_cli(tmp_path: Path, url: str, *args: str) -> tuple[int, str, str]:
    """The command line with DATABASE_URL (its DATABASE_PATH is a file never made)."""
    return await _cli(tmp_path, tmp_path / "unused.sqlite3", *args, url=url)


async def _dumped_people(dump: Path, schema: str) -> str:
    """The dump's rows of `people`, read back by pg_restore as SQL (no database involved)."""
    process = await asyncio.create_subprocess_exec(
        "pg_restore",
        "--data-only",
        f"--schema={schema}",
        "--table=people",
        "--file=-",
        str(dump),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    return out.decode()


async def _names(url: str, ids: range) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT full_name FROM people WHERE tg_id = ANY($1::bigint[]) ORDER BY tg_id",
            list(ids),
        )
    finally:
        await conn.close()
    return [row[0] for row in rows]


@postgres_only
async def test_postgres_backup_and_restore_with_the_bot_commands(tmp_path: Path) -> None:
    """`python -m bot backup` writes a custom-format dump of the bot's schema holding its
    rows; `python -m bot restore` brings them back over later changes, and into a schema
    that is gone (the dump names its schema: pg_restore creates it again), after which
    the bot finds its migrations applied. The URL has a password: no output shows it."""
    url = _with_password(store_url_for(tmp_path / "data" / "bot") or "", PASSWORD)
    schema = libpq_target(url).schema
    assert schema is not None
    db = await Database.open(url)
    try:
        await migrate(db)
        await add_people(db, range(7500, 7503))
    finally:
        await db.close()
    copies = tmp_path / "copies"
    copies.mkdir()
    code, out, err = await _pg_cli(tmp_path, url, "backup", str(copies))
    assert code == 0, err
    assert "pg_dump" in out and PASSWORD not in out + err
    [dump] = backups_in(copies)
    assert dump.name.endswith(".dump")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    listed = await _dumped_people(dump, schema)
    assert all(f"Участник {tg_id}" in listed for tg_id in range(7500, 7503))

    # Changes after the backup: one person renamed, one added.
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE people SET full_name = 'После копии' WHERE tg_id = 7500")
    finally:
        await conn.close()
    db = await Database.open(url)
    try:
        await add_people(db, [7503])
    finally:
        await db.close()
    after = ["После копии", "Участник 7501", "Участник 7502", "Участник 7503"]
    assert await _names(url, range(7500, 7504)) == after
    code, out, err = await _pg_cli(tmp_path, url, "restore", str(dump))
    assert code == 0, err
    assert "восстановлена" in out and PASSWORD not in out + err
    expected = ["Участник 7500", "Участник 7501", "Участник 7502"]
    assert await _names(url, range(7500, 7504)) == expected

    # The schema dropped with everything in it: the restore makes it again.
    admin = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await admin.close()
    code, _, err = await _pg_cli(tmp_path, url, "restore", str(dump))
    assert code == 0, err
    assert await _names(url, range(7500, 7504)) == expected
    db = await Database.open(url)
    try:
        assert await migrate(db) == []  # schema_migrations came back with the tables
    finally:
        await db.close()


@postgres_only
async def test_postgres_dump_and_restore_keep_the_password_off_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pg_dump and pg_restore, run with a URL that has a password: what they are
    started with (every process on the machine can read a command line) holds no password;
    they get it as PGPASSWORD in their environment, and the rest of the URL as it was."""
    url = _with_password(store_url_for(tmp_path / "bot") or "", PASSWORD)
    db = await Database.open(url)
    try:
        await migrate(db)
        await add_people(db, [7510])
    finally:
        await db.close()
    started: list[tuple[list[str], dict[str, str] | None]] = []
    run = subprocess.run

    def watched(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        started.append((list(command), kwargs.get("env")))
        return run(command, **kwargs)

    monkeypatch.setattr(pg_backup.subprocess, "run", watched)
    # In a thread, as the bot runs them.
    result = await asyncio.to_thread(dump_to, url, tmp_path, now=utc_now())
    await asyncio.to_thread(restore_dump, result.path, url)
    assert [Path(command[0]).name for command, _ in started] == ["pg_dump", "pg_restore"]
    for command, env in started:
        assert not any(PASSWORD in part for part in command), command
        assert env is not None and env["PGPASSWORD"] == PASSWORD
        # The test server's URL (TEST_DATABASE_URL) as it was; the schema is --schema.
        assert f"--dbname={TEST_DATABASE_URL}" in command
    assert await _names(url, range(7510, 7511)) == ["Участник 7510"]


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    """What `pg_dump` and `pg_restore` are given for a URL, for the forms of URL asyncpg
    (the bot) reads: the password leaves the URL for PGPASSWORD, the rest stays."""
    target = libpq_target("postgresql://root:s3cret@127.0.0.1:5432/test")
    assert target.dbname == "postgresql://root@127.0.0.1:5432/test"
    assert "s3cret" not in target.dbname
    env = target.env()
    assert env is not None and env["PGPASSWORD"] == "s3cret"
    assert env["PATH"] == os.environ["PATH"]  # the child's environment is ours besides

    # Encoded characters are the password's own; the schema goes to --schema.
    target = libpq_target(
        "postgres://bot:p%40ss%3Aw%2Brd@db.example:6432/pobratim?search_path=bot,public"
        "&sslmode=require"
    )
    assert target.dbname == "postgresql://bot@db.example:6432/pobratim?sslmode=require"
    assert (target.schema, target.password) == ("bot", "p@ss:w+rd")

    # A password in the query, several hosts, and an option with spaces (asyncpg reads
    # `+` as a space, libpq only `%20`).
    target = libpq_target(
        "postgresql://bot@h1:5432,h2:5433/pobratim?password=s3cret"
        "&options=-c+statement_timeout%3D5s&target_session_attrs=read-write"
    )
    assert target.dbname == (
        "postgresql://bot@h1:5432,h2:5433/pobratim"
        "?options=-c%20statement_timeout%3D5s&target_session_attrs=read-write"
    )
    assert target.password == "s3cret"

    # No password: the URL as it was, and the environment left to the child as ours
    # (PGPASSWORD or ~/.pgpass, if the operator uses them).
    target = libpq_target("postgresql://bot@127.0.0.1/pobratim")
    assert target.dbname == "postgresql://bot@127.0.0.1/pobratim"
    assert target.password is None and target.env() is None
