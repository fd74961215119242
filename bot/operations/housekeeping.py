"""Daily jobs on APScheduler: the retention of personal data and the database backup.

Both run a minute or two after start-up and then every day. A bot restarted more often
than daily still makes one backup a day: a backup is made only when the newest one in
BACKUP_DIR is older than `BACKUP_EVERY`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.operations.backup import BackupError, BackupResult, backup_time, backups_in, daily_backup
from bot.operations.pg_backup import daily_dump
from bot.people.personal_data import PersonalData
from storage.db import utc_now

logger = logging.getLogger(__name__)

BACKUP_EVERY = timedelta(hours=20)  # a little under a day: the job's own time drifts


@dataclass(frozen=True, slots=True)
class HousekeepingConfig:
    # The SQLite file, or the PostgreSQL URL whose dumps pg_dump makes.
    database_path: Path | str
    retention_days: int
    backup_dir: Path | None = None
    backup_keep: int = 7
    first_run_after: timedelta = timedelta(minutes=1)
    every: timedelta = timedelta(days=1)


class Housekeeping:
    RETENTION_JOB, BACKUP_JOB = "retention", "backup"

    def __init__(
        self,
        personal_data: PersonalData,
        config: HousekeepingConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._personal_data = personal_data
        self._config = config
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        first = self._clock() + self._config.first_run_after
        jobs: list[tuple[str, Callable[[], Awaitable[object]], datetime]] = [
            (self.RETENTION_JOB, self.run_retention, first)
        ]
        if self._config.backup_dir is not None:
            jobs.append((self.BACKUP_JOB, self.run_backup, first + timedelta(minutes=1)))
        for job_id, job, at in jobs:
            scheduler.add_job(
                job,
                IntervalTrigger(seconds=self._config.every.total_seconds(), timezone=UTC),
                id=job_id,
                next_run_time=at,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        scheduler.start()
        self._scheduler = scheduler

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        async with self._lock:  # a job under way finishes before the database closes
            pass

    async def run_retention(self) -> dict[str, int]:
        """Anonymise what belongs to trips and events that ended long ago."""
        async with self._lock:
            try:
                counts = await self._personal_data.expire(
                    days=self._config.retention_days, now=self._clock()
                )
            except Exception:
                logger.exception("Retention of personal data failed; trying again tomorrow")
                return {}
        if any(counts.values()):
            logger.info("Retention: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
        return counts

    async def run_backup(self) -> BackupResult | None:
        """Back up unless a recent backup is there; keep the newest BACKUP_KEEP."""
        folder = self._config.backup_dir
        if folder is None:
            return None
        now = self._clock()
        async with self._lock:
            existing = backups_in(folder)
            if existing and now - backup_time(existing[-1]) < BACKUP_EVERY:
                return None
            try:
                source = self._config.database_path
                keep = self._config.backup_keep
                if isinstance(source, Path):
                    result = await asyncio.to_thread(
                        daily_backup, source, folder, keep=keep, now=now
                    )
                else:
                    result = await asyncio.to_thread(
                        daily_dump, source, folder, keep=keep, now=now
                    )
            except (BackupError, OSError) as exc:
                logger.error("Daily backup failed: %s", exc)
                return None
        logger.info("Backup %s written (%d bytes)", result.path.name, result.size)
        return result
