"""Events (festivals, forums, contests, seminars, tournaments) and their subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database, Writer, db_time, from_db_time, utc_now

_COLUMNS = (
    "e.id, e.ext_key, e.kind, e.title, e.city_id, e.venue, e.starts_at, e.ends_at,"
    " e.description, e.programme_id, e.trip_id, e.status, e.sequence, e.updated_at"
)


class EventKind(StrEnum):
    FESTIVAL = "festival"
    FORUM = "forum"
    CONTEST = "contest"
    SEMINAR = "seminar"
    TOURNAMENT = "tournament"
    OTHER = "other"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


SCHEDULED, CANCELLED = EventStatus.SCHEDULED, EventStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    ext_key: str | None
    kind: str  # festival | forum | contest | seminar | tournament | other
    title: str
    city_id: int
    venue: str
    starts_at: datetime
    ends_at: datetime
    description: str
    programme_id: int | None
    trip_id: int | None
    status: str  # scheduled | cancelled
    sequence: int = 0  # raised on every change (iCalendar SEQUENCE)
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    title: str
    city_id: int
    venue: str
    starts_at: datetime
    ends_at: datetime
    description: str
    programme_id: int | None = None
    trip_id: int | None = None
    status: str = SCHEDULED
    ext_key: str | None = None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A subscriber as a notice needs them: language and the time zone of their city."""

    tg_id: int
    language: str | None
    zone: str | None
    blocked: bool


def _event(row: tuple) -> Event:
    return Event(
        id=row[0],
        ext_key=row[1],
        kind=row[2],
        title=row[3],
        city_id=row[4],
        venue=row[5],
        starts_at=db_time(row[6]),
        ends_at=db_time(row[7]),
        description=row[8],
        programme_id=row[9],
        trip_id=row[10],
        status=row[11],
        sequence=row[12],
        updated_at=from_db_time(row[13]),
    )


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, *, event_id: int, conn: Writer | None = None) -> Event | None:
        sql = f"SELECT {_COLUMNS} FROM events e WHERE e.id = ?"  # noqa: S608
        if conn is not None:
            async with conn.execute(sql, (event_id,)) as cur:
                row = await cur.fetchone()
        else:
            async with self._db.read.execute(sql, (event_id,)) as cur:
                row = await cur.fetchone()
        return _event(tuple(row)) if row else None

    async def get_by_key(self, *, ext_key: str) -> Event | None:
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM events e WHERE e.ext_key = ?",  # noqa: S608
            (ext_key,),
        ) as cur:
            row = await cur.fetchone()
        return _event(tuple(row)) if row else None

    async def upcoming(self, *, now: datetime, limit: int, offset: int = 0) -> list[Event]:
        """Scheduled events that have not ended, soonest first."""
        items, _ = await self.catalogue(now=now, limit=limit, offset=offset)
        return items

    async def catalogue(
        self,
        *,
        now: datetime,
        limit: int,
        offset: int = 0,
        city_id: int | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
    ) -> tuple[list[Event], int]:
        """Scheduled events that have not ended, soonest first, and how many there are."""
        where = ["e.status = 'scheduled'", "e.ends_at >= ?"]
        params: list[object] = [now]
        if city_id is not None:
            where.append("e.city_id = ?")
            params.append(city_id)
        if starts_from is not None:
            where.append("e.starts_at >= ?")
            params.append(starts_from)
        if starts_before is not None:
            where.append("e.starts_at < ?")
            params.append(starts_before)
        condition = " AND ".join(where)  # fixed fragments only; values are parameters
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () FROM events e WHERE {condition}"  # noqa: S608
            " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if rows:
            return [_event(tuple(row)[:-1]) for row in rows], rows[0][-1]
        if offset == 0:
            return [], 0
        async with self._db.read.execute(
            f"SELECT COUNT(*) FROM events e WHERE {condition}",  # noqa: S608
            tuple(params),
        ) as cur:
            row = await cur.fetchone()
        return [], row[0] if row else 0

    async def upcoming_starts(self, *, now: datetime, city_id: int | None) -> list[datetime]:
        """Start times of the upcoming events (for the month filter)."""
        sql = "SELECT starts_at FROM events WHERE status = 'scheduled' AND ends_at >= ?"
        params: tuple[object, ...] = (now,)
        if city_id is not None:
            sql += " AND city_id = ?"
            params = (*params, city_id)
        async with self._db.read.execute(sql + " ORDER BY starts_at", params) as cur:
            return [db_time(row[0]) for row in await cur.fetchall()]

    async def save(
        self,
        conn: Writer,
        *,
        event: NewEvent,
        actor: int | None,
        event_id: int | None = None,
    ) -> int:
        """Insert, or update by id or by ext_key. Runs inside the caller's transaction.

        An update that changes anything raises the event's sequence; one that changes
        nothing (the same file imported again) leaves the row as it is.
        """
        now = utc_now()
        if event_id is None and event.ext_key is not None:
            async with conn.execute(
                "SELECT id FROM events WHERE ext_key = ?", (event.ext_key,)
            ) as cur:
                row = await cur.fetchone()
            event_id = row[0] if row else None
        values = (
            event.kind,
            event.title,
            event.city_id,
            event.venue,
            event.starts_at,
            event.ends_at,
            event.description,
            event.programme_id,
            event.trip_id,
            event.status,
        )
        if event_id is None:
            async with conn.execute(
                "INSERT INTO events (kind, title, city_id, venue, starts_at, ends_at,"
                " description, programme_id, trip_id, status, ext_key, created_by,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (*values, event.ext_key, actor, now, now),
            ) as cur:
                inserted = await cur.fetchone()
            assert inserted is not None
            return int(inserted[0])
        # IS NOT DISTINCT FROM: equal, or both NULL (PostgreSQL's IS takes no value).
        await conn.execute(
            "UPDATE events SET kind = ?, title = ?, city_id = ?, venue = ?, starts_at = ?,"
            " ends_at = ?, description = ?, programme_id = ?, trip_id = ?, status = ?,"
            " sequence = sequence + 1, updated_at = ? WHERE id = ? AND NOT (kind = ?"
            " AND title = ? AND city_id = ? AND venue = ? AND starts_at = ? AND ends_at = ?"
            " AND description = ? AND programme_id IS NOT DISTINCT FROM ?"
            " AND trip_id IS NOT DISTINCT FROM ? AND status = ?)",
            (*values, now, event_id, *values),
        )
        return event_id

    # Subscriptions

    async def subscribe(self, *, event_id: int, tg_id: int) -> bool:
        """True if the person was not subscribed yet."""
        return (
            await self._db.execute_write(
                "INSERT INTO event_subscriptions (event_id, tg_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (event_id, tg_id) DO NOTHING",
                (event_id, tg_id, utc_now()),
            )
            == 1
        )

    async def unsubscribe(self, *, event_id: int, tg_id: int) -> bool:
        """True if the person was subscribed. Their pending reminders go with it."""
        return (
            await self._db.execute_write(
                "DELETE FROM event_subscriptions WHERE event_id = ? AND tg_id = ?",
                (event_id, tg_id),
            )
            == 1
        )

    async def is_subscribed(self, *, event_id: int, tg_id: int) -> bool:
        async with self._db.read.execute(
            "SELECT 1 FROM event_subscriptions WHERE event_id = ? AND tg_id = ?",
            (event_id, tg_id),
        ) as cur:
            return await cur.fetchone() is not None

    async def subscriber_count(self, *, event_id: int) -> int:
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM event_subscriptions WHERE event_id = ?", (event_id,)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else 0

    async def subscriber_ids(self, *, event_id: int) -> list[int]:
        """Telegram ids of an event's subscribers, earliest first."""
        async with self._db.read.execute(
            "SELECT tg_id FROM event_subscriptions WHERE event_id = ? ORDER BY created_at, tg_id",
            (event_id,),
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def subscribers(self, *, event_id: int, conn: Writer | None = None) -> list[Subscriber]:
        async with (conn or self._db.read).execute(
            "SELECT s.tg_id, p.language, c.timezone, p.blocked_at IS NOT NULL"
            " FROM event_subscriptions s LEFT JOIN people p ON p.tg_id = s.tg_id"
            " LEFT JOIN cities c ON c.id = p.city_id WHERE s.event_id = ? ORDER BY s.tg_id",
            (event_id,),
        ) as cur:
            return [
                Subscriber(row[0], row[1], row[2], bool(row[3])) for row in await cur.fetchall()
            ]

    async def subscribed(
        self, *, tg_id: int, now: datetime, limit: int, offset: int = 0
    ) -> tuple[list[Event], int, int]:
        """A person's subscriptions to events that have not ended: those still to take place
        soonest first, then the cancelled ones; how many in all, how many of them cancelled."""
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER (),"  # noqa: S608
            " COUNT(*) FILTER (WHERE e.status = ?) OVER () FROM events e"
            " JOIN event_subscriptions s ON s.event_id = e.id"
            " WHERE s.tg_id = ? AND e.ends_at >= ?"
            " ORDER BY e.status = ?, e.starts_at, e.id LIMIT ? OFFSET ?",
            (CANCELLED, tg_id, now, CANCELLED, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            # Past the last page (or none): the totals still count.
            if offset == 0:
                return [], 0, 0
            _, total, cancelled = await self.subscribed(tg_id=tg_id, now=now, limit=1)
            return [], total, cancelled
        return [_event(tuple(row)[:-2]) for row in rows], rows[0][-2], rows[0][-1]
