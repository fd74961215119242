"""The nightly jobs: retention of personal data, upkeep of the database, and the backup.

They run one after another at MAINTENANCE_HOUR in TIMEZONE, through APScheduler's
`CronTrigger`: a fixed hour of the night, not an interval from start-up, so a restart
neither moves nor skips them. Each job's last run (start, end, duration, outcome) is
kept in the database (`maintenance_runs`): `python -m bot status` and /metrics show it,
and at start-up it is compared with the moment the job should last have run. APScheduler's
memory job store does not remember a run missed while the bot was down, so such a job
is made up once, soon after start-up, and not again at the next restart.

Retention comes first, so the night's backup no longer holds what it erased. A failed
backup is logged at ERROR every time, and the admins are told once (when the previous
backup did not fail too), in the same transaction that records the failure.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.operations.backup import BackupError, BackupResult, daily_backup
from bot.operations.pg_backup import daily_dump
from bot.people.personal_data import PersonalData
from storage.db import Database, Writer, utc_now
from storage.operations import JobRun, JobRunRepo, tidy_up

logger = logging.getLogger(__name__)

RETENTION, UPKEEP, BACKUP = "retention", "upkeep", "backup"
NIGHTLY_JOB = "nightly"
CATCH_UP_JOB = "catch-up"

# Told to the admins when a backup fails (through the outbox, in the failure's transaction).
TellAdmins = Callable[[Writer, str], Awaitable[object]]
# What /metrics learns of each finished run: job, when it finished, seconds, success.
RunObserver = Callable[[str, datetime, float, bool], None]


@dataclass(frozen=True, slots=True)
class HousekeepingConfig:
    # The SQLite file, or the PostgreSQL URL whose dumps pg_dump makes.
    database_path: Path | str
    retention_days: int
    backup_dir: Path | None = None
    backup_keep: int = 7
    zone: str = "Europe/Moscow"  # TIMEZONE
    # The local time of the nightly run (MAINTENANCE_HOUR:00:00); tests use other times.
    at: clock_time = clock_time(3, 0)
    # A run missed while the bot was down is made up this long after start-up (the bot
    # first settles: polling, the reminders' own catch-up).
    catch_up_after: timedelta = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class JobOutcome:
    ok: bool
    detail: str


class Housekeeping:
    def __init__(
        self,
        db: Database,
        personal_data: PersonalData,
        config: HousekeepingConfig,
        *,
        tell_admins: TellAdmins | None = None,
        observe: RunObserver | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._db = db
        self._runs = JobRunRepo(db)
        self._personal_data = personal_data
        self._config = config
        self._tell_admins = tell_admins
        self._observe = observe
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()

    @property
    def jobs(self) -> tuple[str, ...]:
        """The night's jobs in the order they run."""
        if self._config.backup_dir is None:
            return (RETENTION, UPKEEP)
        return (RETENTION, UPKEEP, BACKUP)

    def trigger(self) -> CronTrigger:
        at = self._config.at
        return CronTrigger(
            hour=at.hour, minute=at.minute, second=at.second, timezone=ZoneInfo(self._config.zone)
        )

    def last_due(self, now: datetime) -> datetime:
        """The latest moment at or before `now` when the nightly run was due."""
        trigger = self.trigger()
        moment = trigger.get_next_fire_time(None, now - timedelta(days=2))
        last = moment
        while moment is not None and moment <= now:
            last = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
        assert last is not None  # a daily trigger fires within any two days
        return last  # in TIMEZONE; aware datetimes compare as instants

    def missed(self, runs: dict[str, JobRun], now: datetime) -> list[str]:
        """The jobs that have not finished a run since the nightly run was last due (a run
        cut short by a stop counts as missed; a failed one does not: it is tried again the
        next night, and the failure was told)."""
        due = self.last_due(now)
        missed = []
        for job in self.jobs:
            run = runs.get(job)
            if run is None or run.finished_at is None or run.started_at < due:
                missed.append(job)
        return missed

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        now = self._clock()
        trigger = self.trigger()
        scheduler.add_job(
            self.run_nightly,
            trigger,
            id=NIGHTLY_JOB,
            # From this process's clock (the tests' one too), not APScheduler's own.
            next_run_time=trigger.get_next_fire_time(None, now),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        missed = self.missed(await self._runs.all(), now)
        if missed:
            logger.info("Nightly jobs missed while the bot was down: %s", ", ".join(missed))
            scheduler.add_job(
                self.run_nightly,
                "date",
                # APScheduler waits on the real clock, whatever clock the records use.
                run_date=datetime.now(UTC) + self._config.catch_up_after,
                kwargs={"only": tuple(missed)},
                id=CATCH_UP_JOB,
                misfire_grace_time=None,
            )
        scheduler.start()
        self._scheduler = scheduler

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    def next_run(self) -> datetime | None:
        job = self._scheduler.get_job(NIGHTLY_JOB) if self._scheduler else None
        return job.next_run_time if job is not None else None

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        async with self._lock:  # a job under way finishes before the database closes
            pass

    async def run_nightly(self, only: tuple[str, ...] | None = None) -> dict[str, JobOutcome]:
        """The night's jobs (or the missed ones), one after another, each recorded."""
        work: dict[str, Callable[[], Awaitable[JobOutcome]]] = {
            RETENTION: self._retention,
            UPKEEP: self._upkeep,
            BACKUP: self._backup,
        }
        outcomes = {}
        async with self._lock:
            if only is not None:
                # A catch-up: the nightly run may have come first (a start just before
                # the hour); only what is still missed runs.
                only = tuple(self.missed(await self._runs.all(), self._clock()))
            for job in self.jobs:
                if only is None or job in only:
                    outcomes[job] = await self._run(job, work[job])
        return outcomes

    async def _run(self, job: str, work: Callable[[], Awaitable[JobOutcome]]) -> JobOutcome:
        started = self._clock()
        began = time.monotonic()
        previous = (await self._runs.all()).get(job)
        await self._runs.started(job, at=started)
        try:
            outcome = await work()
        except Exception as exc:
            # Only the error's type: its text may quote data (a name in a constraint).
            logger.exception("Nightly job %s failed", job)
            outcome = JobOutcome(False, type(exc).__name__)
        seconds = time.monotonic() - began
        finished = self._clock()
        # A failed backup is told once: not again until a backup has succeeded (a run cut
        # short in between changes nothing).
        told_before = previous is not None and previous.failure_told_at is not None
        tell = job == BACKUP and not outcome.ok and not told_before and self._tell_admins
        async with self._db.transaction() as conn:
            await self._runs.finished(
                conn,
                job,
                at=finished,
                seconds=seconds,
                ok=outcome.ok,
                detail=outcome.detail,
                told=bool(tell),
            )
            if tell and self._tell_admins is not None:
                await self._tell_admins(conn, outcome.detail)
        if self._observe is not None:
            self._observe(job, finished, seconds, outcome.ok)
        return outcome

    async def run_retention(self) -> dict[str, int]:
        """Anonymise what belongs to trips and events that ended long ago (the counts)."""
        return await self._personal_data.expire(
            days=self._config.retention_days, now=self._clock()
        )

    async def _retention(self) -> JobOutcome:
        counts = await self.run_retention()
        done = ", ".join(f"{key} {count}" for key, count in counts.items() if count)
        if done:
            logger.info("Retention: %s", done)
        return JobOutcome(True, done or "nothing to anonymise")

    async def _upkeep(self) -> JobOutcome:
        return JobOutcome(True, await tidy_up(self._db))

    async def _backup(self) -> JobOutcome:
        result = await self.run_backup()
        if isinstance(result, str):
            return JobOutcome(False, result)
        return JobOutcome(True, f"{result.path} ({result.size} bytes)")

    async def run_backup(self) -> BackupResult | str:
        """A backup into BACKUP_DIR keeping the newest BACKUP_KEEP; or why it failed."""
        folder = self._config.backup_dir
        if folder is None:
            return "BACKUP_DIR is not set"
        now = self._clock()
        source = self._config.database_path
        keep = self._config.backup_keep
        try:
            if isinstance(source, Path):
                result = await asyncio.to_thread(daily_backup, source, folder, keep=keep, now=now)
            else:
                result = await asyncio.to_thread(daily_dump, source, folder, keep=keep, now=now)
        except BackupError as exc:
            logger.error("Nightly backup failed: %s", exc)
            return str(exc)
        except OSError as exc:
            logger.error("Nightly backup failed: %s", exc)
            return _folder_problem(folder, exc)
        logger.info("Backup %s written (%d bytes)", result.path.name, result.size)
        return result


def _folder_problem(folder: Path, exc: OSError) -> str:
    """What is wrong with BACKUP_DIR, in Russian (the OS says it in English)."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"на месте папки копий {folder} лежит файл"
    if isinstance(exc, PermissionError):
        return f"нет прав на запись в папку копий {folder}"
    if exc.errno == errno.ENOSPC:
        return f"на диске с папкой {folder} не хватает места"
    return f"ошибка файловой системы в папке копий {folder} (код {exc.errno})"
