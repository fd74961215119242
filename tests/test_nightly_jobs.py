"""The nightly jobs: at MAINTENANCE_HOUR in TIMEZONE by a cron trigger, each run kept,
a run missed while the bot was down made up once at start-up, a failed backup told to
the admins once, and a restore that forgets again whoever asked after the backup."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.operations.backup import backups_in
from bot.operations.housekeeping import (
    BACKUP,
    CATCH_UP_JOB,
    NIGHTLY_JOB,
    RETENTION,
    UPKEEP,
    Housekeeping,
    HousekeepingConfig,
)
from bot.operations.instance_lock import hold
from bot.people.personal_data import PersonalData
from storage.cities import CityRepo
from storage.db import Database, Writer, utc_now
from storage.migrate import migrate
from storage.operations import JobRunRepo
from storage.people import PersonRepo
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard, store_url_for
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
ZONE = "Europe/Moscow"  # UTC+3 all year: 03:00 there is 00:00 UTC


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


async def _database(tmp_path: Path) -> Database:
    db_path = tmp_path / "bot.sqlite3"
    db = await Database.open(store_url_for(db_path) or db_path)
    await migrate(db)
    return db


def _source(db: Database, tmp_path: Path) -> Path | str:
    url = store_url_for(tmp_path / "bot.sqlite3")
    return url if url else tmp_path / "bot.sqlite3"


def _housekeeping(
    db: Database,
    tmp_path: Path,
    clock: Callable[[], datetime],
    *,
    backup_dir: Path | None = None,
    told: list[str] | None = None,
    at: clock_time = clock_time(3, 0),
    catch_up_after: timedelta = timedelta(minutes=1),
) -> Housekeeping:
    personal_data = PersonalData(db, PersonRepo(db), CityRepo(db), default_zone=ZONE)

    async def tell_admins(conn: Writer, reason: str) -> None:
        assert told is not None
        told.append(reason)

    return Housekeeping(
        db,
        personal_data,
        HousekeepingConfig(
            database_path=_source(db, tmp_path),
            retention_days=365,
            backup_dir=backup_dir,
            backup_keep=3,
            zone=ZONE,
            at=at,
            catch_up_after=catch_up_after,
        ),
        tell_admins=tell_admins if told is not None else None,
        clock=clock,
    )


async def test_the_night_run_is_due_at_the_local_hour_whatever_the_start(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        clock = Clock(datetime(2027, 3, 1, 23, 59, tzinfo=UTC))  # 02:59 in Moscow, 2 March
        jobs = _housekeeping(db, tmp_path, clock)
        assert jobs.last_due(clock()) == datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
        await jobs.start()
        try:
            # A minute later, at 03:00 local: not 24 h after the start.
            assert jobs.next_run() == datetime(2027, 3, 2, 0, 0, tzinfo=UTC)
        finally:
            await jobs.stop()
        clock.moment = datetime(2027, 3, 2, 0, 1, tzinfo=UTC)  # 03:01: across 03:00
        assert jobs.last_due(clock()) == datetime(2027, 3, 2, 0, 0, tzinfo=UTC)
        await jobs.start()
        try:
            assert jobs.next_run() == datetime(2027, 3, 3, 0, 0, tzinfo=UTC)
        finally:
            await jobs.stop()
        # Another hour and zone: 22:00 in Minsk is 19:00 UTC.
        other = Housekeeping(
            db,
            PersonalData(db, PersonRepo(db), CityRepo(db), default_zone=ZONE),
            HousekeepingConfig(
                database_path=_source(db, tmp_path),
                retention_days=365,
                zone="Europe/Minsk",
                at=clock_time(22, 0),
            ),
            clock=clock,
        )
        assert other.last_due(clock()) == datetime(2027, 3, 1, 19, 0, tzinfo=UTC)
    finally:
        await db.close()


async def test_a_missed_night_is_made_up_once_across_restarts(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    folder = tmp_path / "backups"
    try:
        clock = Clock(datetime(2027, 3, 2, 0, 0, tzinfo=UTC))  # 03:00 in Moscow
        jobs = _housekeeping(db, tmp_path, clock, backup_dir=folder)
        outcomes = await jobs.run_nightly()
        assert list(outcomes) == [RETENTION, UPKEEP, BACKUP]  # retention before the copy
        assert all(outcome.ok for outcome in outcomes.values()), outcomes
        runs = await JobRunRepo(db).all()
        assert {job: run.outcome for job, run in runs.items()} == dict.fromkeys(
            (RETENTION, UPKEEP, BACKUP), "ok"
        )
        assert runs[BACKUP].finished_at == clock.moment
        assert runs[BACKUP].last_success_at == clock.moment
        assert str(folder) in runs[BACKUP].detail

        # Restarted at 03:30 the same night: nothing to make up.
        clock.moment = datetime(2027, 3, 2, 0, 30, tzinfo=UTC)
        await jobs.start()
        try:
            assert jobs.job_ids() == [NIGHTLY_JOB]
        finally:
            await jobs.stop()

        # Down from 01:00 to 09:00 the next night: the missed run is made up at start-up.
        clock.moment = datetime(2027, 3, 3, 6, 0, tzinfo=UTC)
        jobs = _housekeeping(db, tmp_path, clock, backup_dir=folder, catch_up_after=timedelta(0))
        assert jobs.missed(await JobRunRepo(db).all(), clock()) == [RETENTION, UPKEEP, BACKUP]
        await jobs.start()
        try:
            async with asyncio.timeout(10):
                while CATCH_UP_JOB in jobs.job_ids() or (
                    (await JobRunRepo(db).all())[BACKUP].finished_at != clock.moment
                ):
                    await asyncio.sleep(0.05)
        finally:
            await jobs.stop()
        assert len(backups_in(folder)) == 2
        # Restarted once more the same morning: it is not made up again.
        clock.moment += timedelta(minutes=10)
        await jobs.start()
        try:
            assert jobs.job_ids() == [NIGHTLY_JOB]
        finally:
            await jobs.stop()
        assert len(backups_in(folder)) == 2
    finally:
        await db.close()


async def test_a_run_cut_short_counts_as_missed(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        clock = Clock(datetime(2027, 3, 2, 0, 0, tzinfo=UTC))
        jobs = _housekeeping(db, tmp_path, clock)
        await jobs.run_nightly()
        # The process died during the next night's retention: started, never finished.
        clock.moment = datetime(2027, 3, 3, 0, 0, tzinfo=UTC)
        await JobRunRepo(db).started(RETENTION, at=clock.moment)
        clock.moment = datetime(2027, 3, 3, 0, 5, tzinfo=UTC)
        assert jobs.missed(await JobRunRepo(db).all(), clock()) == [RETENTION, UPKEEP]
    finally:
        await db.close()


async def test_the_cron_trigger_fires_at_its_time(tmp_path: Path) -> None:
    """The real scheduler on the real clock: a run set seconds ahead happens."""
    db = await _database(tmp_path)
    try:
        jobs = _housekeeping(db, tmp_path, Clock(utc_now()))
        await jobs.run_nightly()  # nothing missed, so only the cron job is scheduled
        before = (await JobRunRepo(db).all())[UPKEEP].started_at
        # Far enough ahead for a slow start: a moment already past would be tomorrow's.
        ahead = (datetime.now(ZoneInfo(ZONE)) + timedelta(seconds=4)).time()
        # The scheduler fires on real time; the record follows the same clock.
        jobs = _housekeeping(db, tmp_path, utc_now, at=ahead.replace(microsecond=0))
        await jobs.start()
        try:
            assert jobs.job_ids() == [NIGHTLY_JOB]
            async with asyncio.timeout(15):
                while (await JobRunRepo(db).all())[UPKEEP].started_at == before or (
                    (await JobRunRepo(db).all())[UPKEEP].outcome != "ok"
                ):
                    await asyncio.sleep(0.1)
        finally:
            await jobs.stop()
    finally:
        await db.close()


async def test_a_failed_backup_is_told_once_until_one_succeeds(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("файл на месте папки копий", "utf-8")
    try:
        told: list[str] = []
        clock = Clock(datetime(2027, 3, 2, 0, 0, tzinfo=UTC))
        jobs = _housekeeping(db, tmp_path, clock, backup_dir=blocker, told=told)
        for _ in range(3):
            outcomes = await jobs.run_nightly()
            assert not outcomes[BACKUP].ok and outcomes[RETENTION].ok
            clock.moment += timedelta(days=1)
        assert len(told) == 1
        run = (await JobRunRepo(db).all())[BACKUP]
        assert run.outcome == "failed" and run.last_success_at is None
        # It works again, then fails again: told again.
        blocker.unlink()
        assert (await jobs.run_nightly())[BACKUP].ok
        assert told == [told[0]] and "лежит файл" in told[0]
        shutil.rmtree(blocker)
        blocker.write_text("снова файл", "utf-8")
        clock.moment += timedelta(days=1)
        assert not (await jobs.run_nightly())[BACKUP].ok
        assert len(told) == 2
    finally:
        await db.close()


async def test_the_admins_get_the_failed_backup_notice(
    telegram: FakeTelegram, tmp_path: Path, make_app: Any
) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("", "utf-8")
    app: RunningBot = await make_app(backup_dir=blocker)
    admin = TgUser(app, ADMIN_ID, first_name="Админ")
    await onboard(admin, name="Ольга Админова", city="Минск", role="Представитель администрации")
    housekeeping = app.dp["housekeeping"]
    await housekeeping.run_nightly()
    await housekeeping.run_nightly()
    await app.dp["delivery"].engine.wait_idle(10)
    notices = [text for text in admin.texts() if "резервная копия" in text]
    assert len(notices) == 1
    assert "BACKUP_DIR" in notices[0]


@pytest.fixture
async def make_app(telegram: FakeTelegram, db_path: Path) -> Any:
    from tests.conftest import make_settings

    made: list[RunningBot] = []

    async def make(**overrides: Any) -> RunningBot:
        app = RunningBot(telegram, make_settings(telegram, db_path, **overrides))
        await app.start()
        made.append(app)
        return app

    yield make
    for app in made:
        await app.stop()


async def _cli(tmp_path: Path, db_path: Path, *args: str, **extra: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        **extra,
        "BOT_TOKEN": "123456789:AAH-test-token-for-the-fake-server-0",
        "DATABASE_PATH": str(db_path),
        "DATABASE_URL": store_url_for(db_path) or "",
        "PYTHONPATH": str(ROOT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_a_restore_forgets_again_who_asked_after_the_backup(
    telegram: FakeTelegram, tmp_path: Path, db_path: Path, make_app: Any
) -> None:
    app: RunningBot = await make_app()
    early = TgUser(app, 3101, first_name="Ранний")
    late = TgUser(app, 3102, first_name="Поздний")
    stays = TgUser(app, 3103, first_name="Остаётся")
    await onboard(early, name="Ранний Удалённый")
    await onboard(late, name="Зоя Плантова")
    await onboard(stays, name="Остап Остающийся")
    await early.send("/forget")
    await early.press("🗑 Да, удалить мои данные")
    await app.stop()
    copies = tmp_path / "copies"
    copies.mkdir()
    code, out, err = await _cli(tmp_path, db_path, "backup", str(copies))
    assert code == 0, err
    [copy] = backups_in(copies)

    await app.start()
    await late.send("/forget")
    await late.press("🗑 Да, удалить мои данные")
    await app.stop()

    code, out, err = await _cli(tmp_path, db_path, "restore", str(copy))
    assert code == 0, err
    assert "удалены снова" in out and "Данные 1 человек" in out

    await app.start()
    names = [
        row[0]
        for row in await _all(
            app, "SELECT full_name FROM people WHERE tg_id IN (3101, 3102, 3103)"
        )
    ]
    assert names == ["Остап Остающийся"]  # neither forgotten person came back
    erased = await _all(app, "SELECT tg_id FROM erasures ORDER BY tg_id")
    assert [row[0] for row in erased] == [3101, 3102]
    if app.settings.sqlite_file is not None:  # and not even in the file's free pages
        stored = await asyncio.to_thread(app.settings.sqlite_file.read_bytes)
        assert "Зоя Плантова".encode() not in stored
    # A second restore of the same copy erases again; nothing breaks, nothing doubles.
    await app.stop()
    code, out, err = await _cli(tmp_path, db_path, "restore", str(copy))
    assert code == 0, err
    await app.start()
    assert [row[0] for row in await _all(app, "SELECT tg_id FROM erasures ORDER BY tg_id")] == [
        3101,
        3102,
    ]


async def _all(app: RunningBot, sql: str) -> list[Any]:
    assert app.db is not None
    async with app.db.read.execute(sql) as cur:
        return list(await cur.fetchall())


async def test_told_once_even_when_a_run_was_cut_short_in_between(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", "utf-8")
    try:
        told: list[str] = []
        clock = Clock(datetime(2027, 3, 2, 0, 0, tzinfo=UTC))
        jobs = _housekeeping(db, tmp_path, clock, backup_dir=blocker, told=told)
        await jobs.run_nightly()
        clock.moment += timedelta(days=1)
        await JobRunRepo(db).started(BACKUP, at=clock.moment)  # the process died mid-copy
        clock.moment += timedelta(hours=1)
        await jobs.run_nightly()  # still failing: not told again
        assert len(told) == 1
    finally:
        await db.close()


async def test_a_catch_up_after_the_nights_run_does_nothing_twice(tmp_path: Path) -> None:
    """Started at 02:59 after a missed night: the run at 03:00 does everything, and the
    catch-up that follows finds nothing left to make up."""
    db = await _database(tmp_path)
    folder = tmp_path / "backups"
    try:
        clock = Clock(datetime(2027, 3, 1, 23, 59, tzinfo=UTC))
        jobs = _housekeeping(db, tmp_path, clock, backup_dir=folder)
        assert jobs.missed(await JobRunRepo(db).all(), clock()) == [RETENTION, UPKEEP, BACKUP]
        clock.moment = datetime(2027, 3, 2, 0, 0, tzinfo=UTC)
        await jobs.run_nightly()  # the night's run
        clock.moment += timedelta(seconds=30)
        assert await jobs.run_nightly(only=(RETENTION, UPKEEP, BACKUP)) == {}  # the catch-up
        assert len(backups_in(folder)) == 1
    finally:
        await db.close()


async def test_a_restore_is_refused_while_a_bot_holds_the_file(
    tmp_path: Path, db_path: Path, make_app: Any
) -> None:
    app: RunningBot = await make_app()
    if app.settings.sqlite_file is None:
        pytest.skip("the bot's lock is on a SQLite file; this pass keeps the data in PostgreSQL")
    await app.stop()
    copies = tmp_path / "copies"
    copies.mkdir()
    code, _, err = await _cli(tmp_path, db_path, "backup", str(copies))
    assert code == 0, err
    [copy] = backups_in(copies)
    with hold(db_path):  # as the running bot holds it
        code, out, err = await _cli(tmp_path, db_path, "restore", str(copy))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "занята" in err, err
    assert "восстановлена" not in out
    assert not list(db_path.parent.glob("*.before-restore-*"))  # nothing was touched
    await app.start()


async def test_erasures_are_read_from_newer_backups_when_the_database_is_lost(
    tmp_path: Path, db_path: Path, make_app: Any, telegram: FakeTelegram
) -> None:
    folder = tmp_path / "nightly"
    app: RunningBot = await make_app(backup_dir=folder)
    if app.settings.sqlite_file is None:
        pytest.skip("a PostgreSQL dump cannot be read without restoring it")
    late = TgUser(app, 3201, first_name="Поздняя")
    await onboard(late, name="Зоя Плантова")
    housekeeping = app.dp["housekeeping"]
    old = await housekeeping.run_backup()  # the backup to restore: she is in it
    await late.send("/forget")
    await late.press("🗑 Да, удалить мои данные")
    await asyncio.sleep(1.1)  # backups are named to the second
    newer = await housekeeping.run_backup()  # made after her /forget
    assert not isinstance(old, str) and not isinstance(newer, str)
    await app.stop()
    for path in db_path.parent.glob(db_path.name + "*"):  # the database is lost
        if not path.name.endswith(".lock"):
            path.unlink()
    env_backup = {"BACKUP_DIR": str(folder)}
    code, out, err = await _cli(tmp_path, db_path, "restore", str(old.path), **env_backup)
    assert code == 0, err
    assert "Данные 1 человек" in out and "не прочитан" not in out
    await app.start()
    people = await _all(app, "SELECT full_name FROM people WHERE tg_id = 3201")
    assert people == []
