"""What the operator watches: the nightly jobs' last runs, and the list of erased people
that a restore applies again."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.db import Database, Writer, db_time, from_db_time
from storage.dialect import POSTGRES


@dataclass(frozen=True, slots=True)
class JobRun:
    job: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    outcome: str  # running | ok | failed
    detail: str
    last_success_at: datetime | None
    failure_told_at: datetime | None = None  # a failure told to the admins, until a success


class JobRunRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def started(self, job: str, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO maintenance_runs (job, started_at, outcome, detail)"
                " VALUES (?, ?, 'running', '')"
                " ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at,"
                " finished_at = NULL, duration_seconds = NULL, outcome = 'running', detail = ''",
                (job, at),
            )

    @staticmethod
    async def finished(
        conn: Writer,
        job: str,
        *,
        at: datetime,
        seconds: float,
        ok: bool,
        detail: str,
        told: bool = False,
    ) -> None:
        """Inside the transaction that also queues what the outcome causes (`told`: the
        failure was told to the admins)."""
        await conn.execute(
            "UPDATE maintenance_runs SET finished_at = ?, duration_seconds = ?,"
            " outcome = ?, detail = ?,"
            " last_success_at = CASE WHEN ? THEN ? ELSE last_success_at END,"
            " failure_told_at = CASE WHEN ? THEN NULL WHEN ? THEN ? ELSE failure_told_at END"
            " WHERE job = ?",
            (
                at,
                seconds,
                "ok" if ok else "failed",
                detail[:500],
                ok,
                at,
                ok,
                told,
                at,
                job,
            ),
        )

    async def all(self) -> dict[str, JobRun]:
        async with self._db.read.execute(
            "SELECT job, started_at, finished_at, duration_seconds, outcome, detail,"
            " last_success_at, failure_told_at FROM maintenance_runs ORDER BY job"
        ) as cur:
            rows = await cur.fetchall()
        return {
            row[0]: JobRun(
                job=row[0],
                started_at=db_time(row[1]),
                finished_at=from_db_time(row[2]),
                duration_seconds=None if row[3] is None else float(row[3]),
                outcome=row[4],
                detail=row[5],
                last_success_at=from_db_time(row[6]),
                failure_told_at=from_db_time(row[7]),
            )
            for row in rows
        }


class ErasureRepo:
    """Who asked to be forgotten, and when: the Telegram id only."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def record(conn: Writer, *, tg_id: int, at: datetime) -> None:
        await conn.execute(
            "INSERT INTO erasures (tg_id, erased_at) VALUES (?, ?)"
            " ON CONFLICT (tg_id) DO UPDATE SET erased_at = excluded.erased_at",
            (tg_id, at),
        )

    async def of(self, *, tg_id: int) -> datetime | None:
        async with self._db.lookup.execute(
            "SELECT erased_at FROM erasures WHERE tg_id = ?", (tg_id,)
        ) as cur:
            row = await cur.fetchone()
        return db_time(row[0]) if row else None

    async def all(self) -> dict[int, datetime]:
        async with self._db.read.execute("SELECT tg_id, erased_at FROM erasures") as cur:
            return {int(row[0]): db_time(row[1]) for row in await cur.fetchall()}


async def tidy_up(db: Database) -> str:
    """The nightly upkeep of the store: fresh statistics for the query planner and, on
    SQLite, the WAL folded back into the file. Returns what was done, for the record."""
    if db.dialect == POSTGRES:
        # Autovacuum reclaims space by itself; ANALYZE keeps the plans of the growing
        # tables good after a day of registrations and broadcasts.
        await db.execute_write("ANALYZE")
        return "ANALYZE"
    await db.execute_write("PRAGMA optimize")
    await db.wipe_wal()
    return "PRAGMA optimize, wal_checkpoint"


async def outbox_depth(db: Database) -> dict[str, int]:
    """Messages waiting (queued) and handed to Telegram (sending): both on partial indexes,
    so this stays cheap however long the outbox's history grows."""
    async with db.read.execute(
        "SELECT state, COUNT(*) FROM outbox WHERE state IN ('queued', 'sending') GROUP BY state"
    ) as cur:
        found = {row[0]: int(row[1]) for row in await cur.fetchall()}
    return {state: found.get(state, 0) for state in ("queued", "sending")}


async def schema_version(db: Database) -> int:
    async with db.lookup.execute("SELECT MAX(version) FROM schema_migrations") as cur:
        row = await cur.fetchone()
    return int(row[0] or 0) if row else 0


def erasures_in_file(path: Path) -> dict[int, datetime]:
    """The erasures a SQLite backup file holds (opened read-only; {} when it holds none or
    cannot be read). Blocking: run it in a thread."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute("SELECT tg_id, erased_at FROM erasures").fetchall()
    except sqlite3.Error:  # a backup from before the list existed, or not a database
        return {}
    finally:
        conn.close()
    return {int(row[0]): db_time(row[1]) for row in rows}
