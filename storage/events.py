"""Events: festivals, forums, contests, seminars, tournaments.

The import fills this table; subscriptions and reminders come with the events capability.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Writer, from_db_time, to_db_time, utc_now

_COLUMNS = (
    "e.id, e.ext_key, e.kind, e.title, e.city_id, e.venue, e.starts_at, e.ends_at,"
    " e.description, e.programme_id, e.trip_id, e.status"
)


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
    status: str = "scheduled"
    ext_key: str | None = None


def _event(row: tuple) -> Event:
    return Event(
        id=row[0],
        ext_key=row[1],
        kind=row[2],
        title=row[3],
        city_id=row[4],
        venue=row[5],
        starts_at=from_db_time(row[6]),  # type: ignore[arg-type]
        ends_at=from_db_time(row[7]),  # type: ignore[arg-type]
        description=row[8],
        programme_id=row[9],
        trip_id=row[10],
        status=row[11],
    )


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, *, event_id: int) -> Event | None:
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM events e WHERE e.id = ?",  # noqa: S608
            (event_id,),
        ) as cur:
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
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM events e"  # noqa: S608
            " WHERE e.status = 'scheduled' AND e.ends_at >= ?"
            " ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?",
            (to_db_time(now), limit, offset),
        ) as cur:
            return [_event(tuple(row)) for row in await cur.fetchall()]

    async def save(
        self,
        conn: Writer,
        *,
        event: NewEvent,
        actor: int | None,
        event_id: int | None = None,
    ) -> int:
        """Insert, or update by id or by ext_key. Runs inside the caller's transaction."""
        now = to_db_time(utc_now())
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
            to_db_time(event.starts_at),
            to_db_time(event.ends_at),
            event.description,
            event.programme_id,
            event.trip_id,
            event.status,
        )
        if event_id is None:
            cur = await conn.execute(
                "INSERT INTO events (kind, title, city_id, venue, starts_at, ends_at,"
                " description, programme_id, trip_id, status, ext_key, created_by,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, event.ext_key, actor, now, now),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid
        await conn.execute(
            "UPDATE events SET kind = ?, title = ?, city_id = ?, venue = ?, starts_at = ?,"
            " ends_at = ?, description = ?, programme_id = ?, trip_id = ?, status = ?,"
            " updated_at = ? WHERE id = ?",
            (*values, now, event_id),
        )
        return event_id
