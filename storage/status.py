"""What `python -m bot status` reads: counts over people, the outbox and broadcasts, and
the PostgreSQL server's own figures. Read only; one SQL text for both stores."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from storage.broadcasts import QUEUEING, RUNNING, SCHEDULED
from storage.db import Database, from_db_time
from storage.outbox import FAILED, QUEUED, SENDING

# Who finished onboarding (and so consented): as the broadcasts' audience counts them.
_ONBOARDED = (
    "p.consent_at IS NOT NULL AND p.full_name IS NOT NULL AND p.city_id IS NOT NULL"
    " AND p.role IS NOT NULL AND p.organisation IS NOT NULL"
)
# Each city's people by what they may do (admins: ADMIN_IDS, given as :admins).
_BY_CITY = (
    "SELECT c.code, c.name_ru, COUNT(p.tg_id),"  # noqa: S608 - constant
    " SUM(CASE WHEN p.tg_id = ANY(:admins) THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN p.tg_id = ANY(:admins) THEN 0 WHEN p.is_organiser THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN EXISTS (SELECT 1 FROM coordinators k WHERE k.tg_id = p.tg_id"
    " AND k.status = :active) THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN p.blocked_at IS NOT NULL THEN 1 ELSE 0 END)"
    " FROM cities c LEFT JOIN people p ON p.city_id = c.id AND "
    + _ONBOARDED
    + " GROUP BY c.id, c.code, c.name_ru, c.position ORDER BY c.position, c.id"
)
_BY_OCCUPATION = (
    "SELECT c.code, p.role, COUNT(*) FROM people p JOIN cities c ON c.id = p.city_id"  # noqa: S608 - constant
    " WHERE " + _ONBOARDED + " GROUP BY c.code, p.role ORDER BY c.code, p.role"
)
_UNFINISHED = "SELECT COUNT(*) FROM people p WHERE NOT (" + _ONBOARDED + ")"  # noqa: S608 - constant


@dataclass(frozen=True, slots=True)
class CityPeople:
    """The people of one city who finished onboarding, by what they may do. An admin is
    a person in ADMIN_IDS; an organiser one with the organiser's rights who is not an
    admin; a member anyone else. A school coordinator (active) is also one of those."""

    code: str
    name: str
    people: int
    admins: int
    organisers: int
    school_coordinators: int  # active coordinators of a school (institution)
    blocked_the_bot: int
    occupations: dict[str, int] = field(default_factory=dict)  # people.role -> count

    @property
    def members(self) -> int:
        return self.people - self.admins - self.organisers


@dataclass(frozen=True, slots=True)
class OutboxFigures:
    queued: int
    sending: int
    failed: int  # ever (the rows are kept until retention)
    failed_recently: int  # since the moment asked about
    oldest_notice_due: datetime | None  # the longest-waiting queued message that is no broadcast


@dataclass(frozen=True, slots=True)
class RunningBroadcast:
    id: int
    started_at: datetime | None
    recipients: int
    left: int  # still queued or being sent
    queueing: bool  # its recipients are still being queued (recipients: 0 until then)
    queued: int  # its outbox rows so far, whatever their state


@dataclass(frozen=True, slots=True)
class BroadcastFigures:
    running: list[RunningBroadcast]
    scheduled: int
    next_scheduled_at: datetime | None


class StatusRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def people_by_city(self, *, admin_ids: Collection[int]) -> list[CityPeople]:
        """Every city (also one nobody chose yet), in the cities' order."""
        params = {"admins": sorted(admin_ids), "active": "active"}
        async with self._db.read.execute(_BY_CITY, params) as cur:
            rows = [tuple(row) for row in await cur.fetchall()]
        async with self._db.read.execute(_BY_OCCUPATION) as cur:
            occupations: dict[str, dict[str, int]] = {}
            for code, role, count in await cur.fetchall():
                occupations.setdefault(code, {})[role] = int(count)
        return [
            CityPeople(
                code=row[0],
                name=row[1],
                people=int(row[2]),
                admins=int(row[3] or 0),
                organisers=int(row[4] or 0),
                school_coordinators=int(row[5] or 0),
                blocked_the_bot=int(row[6] or 0),
                occupations=occupations.get(row[0], {}),
            )
            for row in rows
        ]

    async def unfinished_onboarding(self) -> int:
        """People the bot knows who have not finished onboarding (or declined consent)."""
        async with self._db.read.execute(_UNFINISHED) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def outbox(self, *, failed_since: datetime, now: datetime) -> OutboxFigures:
        async with self._db.read.execute(
            "SELECT state, COUNT(*) FROM outbox WHERE state IN (?, ?, ?) GROUP BY state",
            (QUEUED, SENDING, FAILED),
        ) as cur:
            counts = {str(row[0]): int(row[1]) for row in await cur.fetchall()}
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM outbox WHERE state = ? AND updated_at >= ?",
            (FAILED, failed_since),
        ) as cur:
            row = await cur.fetchone()
        failed_recently = int(row[0]) if row else 0
        async with self._db.read.execute(
            "SELECT MIN(not_before) FROM outbox"
            " WHERE state = ? AND broadcast_id IS NULL AND not_before <= ?",
            (QUEUED, now),
        ) as cur:
            row = await cur.fetchone()
        return OutboxFigures(
            queued=counts.get(QUEUED, 0),
            sending=counts.get(SENDING, 0),
            failed=counts.get(FAILED, 0),
            failed_recently=failed_recently,
            oldest_notice_due=from_db_time(row[0]) if row else None,
        )

    async def broadcasts(self) -> BroadcastFigures:
        async with self._db.read.execute(
            "SELECT b.id, b.started_at, b.recipients, (SELECT COUNT(*) FROM outbox o"
            " WHERE o.broadcast_id = b.id AND o.state IN (?, ?)), b.status,"
            " (SELECT COUNT(*) FROM outbox o WHERE o.broadcast_id = b.id)"
            " FROM broadcasts b WHERE b.status IN (?, ?) ORDER BY b.id",
            (QUEUED, SENDING, RUNNING, QUEUEING),
        ) as cur:
            running = [
                RunningBroadcast(
                    id=int(row[0]),
                    started_at=from_db_time(row[1]),
                    recipients=int(row[2]),
                    left=int(row[3]),
                    queueing=row[4] == QUEUEING,
                    queued=int(row[5]),
                )
                for row in await cur.fetchall()
            ]
        async with self._db.read.execute(
            "SELECT COUNT(*), MIN(scheduled_for) FROM broadcasts WHERE status = ?", (SCHEDULED,)
        ) as cur:
            row = await cur.fetchone()
        return BroadcastFigures(
            running=running,
            scheduled=int(row[0]) if row else 0,
            next_scheduled_at=from_db_time(row[1]) if row else None,
        )

    async def postgres_server(self) -> tuple[str, int]:
        """The PostgreSQL server's version and the database's size in bytes."""
        async with self._db.read.execute(
            "SELECT current_setting('server_version'), pg_database_size(current_database())"
        ) as cur:
            row = await cur.fetchone()
        return str(row[0]), int(row[1])
