"""What reminders are due when: computed from events, trips and their people.

A reminder is (kind, target, offset, person), due at the target's start minus the offset.
Nothing per reminder is stored ahead of time: moving a start moves its reminders,
cancelling or unsubscribing removes them, by the same queries. The outbox records the
ones sent (its dedup_key), and `reminder_sweeps` how far in time they have been handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.db import Database, db_time, from_db_time, utc_now


class ReminderKind(StrEnum):
    EVENT = "event"
    TRIP = "trip"
    TELEBRIDGE = "telebridge"
    # "Состоялся ли телемост?" after a telebridge's end: due at the end, not before the start.
    TELEBRIDGE_HELD = "tb-held"


EVENT, TRIP, TELEBRIDGE, TELEBRIDGE_HELD = ReminderKind
# Trips whose approved participants are reminded: not drafts, cancelled or finished ones.
_TRIP_STATUSES = ("open", "closed")


@dataclass(frozen=True, slots=True)
class DueReminder:
    kind: str  # event | trip | telebridge | tb-held
    target_id: int
    title: str
    starts_at: datetime
    place: str  # an event's venue, a telebridge's video link; empty for trips
    city_id: int  # an event's city, a trip's destination, the recipient's school's city
    from_city_id: int | None  # a trip's origin
    tg_id: int
    language: str | None
    zone: str | None  # the person's city's time zone
    city_name_ru: str | None  # the person's city
    city_name_be: str | None
    blocked: bool
    other: str = ""  # a telebridge's other side, as the recipient's side sees it
    version: int = 0  # a telebridge's agreed terms (its sequence): new terms, new reminders


def _due(kind: str, row: tuple) -> DueReminder:
    return DueReminder(
        kind=kind,
        target_id=row[0],
        title=row[1],
        starts_at=db_time(row[2]),
        place=row[3] or "",
        city_id=row[4],
        from_city_id=row[5],
        tg_id=row[6],
        language=row[7],
        zone=row[8],
        city_name_ru=row[9],
        city_name_be=row[10],
        blocked=bool(row[11]),
        other=row[12] if len(row) > 12 else "",
        version=row[13] if len(row) > 13 else 0,
    )


_PERSON = " LEFT JOIN people p ON p.tg_id = x.tg_id LEFT JOIN cities pc ON pc.id = p.city_id"
_PERSON_COLUMNS = "x.tg_id, p.language, pc.timezone, pc.name_ru, pc.name_be, p.blocked_at"
# Who is reminded of what: subscribers of scheduled events; approved participants of
# trips that are open or closed (not drafts, cancelled or finished ones) who did not opt out.
_DUE_SQL = {
    EVENT: "SELECT e.id, e.title, e.starts_at, e.venue, e.city_id, NULL, "  # noqa: S608 - constant
    + _PERSON_COLUMNS
    + " FROM events e JOIN event_subscriptions x ON x.event_id = e.id"
    + _PERSON
    + " WHERE e.status = 'scheduled' AND e.starts_at > ? AND e.starts_at <= ?"
    " AND (e.id, x.tg_id) > (?, ?) ORDER BY e.id, x.tg_id",
    TRIP: "SELECT t.id, t.title, t.starts_at, '', t.to_city_id, t.from_city_id, "  # noqa: S608
    + _PERSON_COLUMNS
    + " FROM trips t JOIN registrations x ON x.trip_id = t.id"
    + _PERSON
    + " WHERE t.status IN ("
    + ", ".join(f"'{status}'" for status in _TRIP_STATUSES)
    + ") AND t.starts_at > ? AND t.starts_at <= ?"
    " AND x.status = 'approved' AND x.tg_id IS NOT NULL AND NOT EXISTS ("
    " SELECT 1 FROM reminder_optouts o WHERE o.kind = 'trip' AND o.target_id = t.id"
    " AND o.tg_id = x.tg_id) AND (t.id, x.tg_id) > (?, ?) ORDER BY t.id, x.tg_id",
}
# Both sides' active coordinators of telebridges; `other` is the side opposite to theirs.
_TELEBRIDGE_ROWS = (
    "SELECT t.id, t.topic, t.starts_at, COALESCE(t.video_url, ''), mine.city_id, NULL, "  # noqa: S608
    + _PERSON_COLUMNS
    + ", other.name, t.sequence FROM telebridges t"
    " JOIN coordinators x ON x.institution_id IN (t.proposer_id, t.partner_id)"
    " AND x.status = 'active' JOIN institutions mine ON mine.id = x.institution_id"
    " JOIN institutions other ON other.id = CASE WHEN x.institution_id = t.proposer_id"
    " THEN t.partner_id ELSE t.proposer_id END" + _PERSON
)
_NEXT = " AND (t.id, x.tg_id) > (?, ?) ORDER BY t.id, x.tg_id"
# Reminders of agreed telebridges (a new time waiting for the other side does not count
# until it is accepted).
_DUE_SQL[TELEBRIDGE] = (
    _TELEBRIDGE_ROWS + " WHERE t.status IN ('confirmed', 'rescheduled')"
    " AND t.starts_at > ? AND t.starts_at <= ? AND NOT EXISTS (SELECT 1 FROM"
    " reminder_optouts o WHERE o.kind = 'telebridge' AND o.target_id = t.id"
    " AND o.tg_id = x.tg_id)" + _NEXT
)
# "Состоялся ли телемост?" at the end (offset 0), to sides that have not answered yet,
# also when the other side has (its answer decides the status already).
_DUE_SQL[TELEBRIDGE_HELD] = (
    _TELEBRIDGE_ROWS + " WHERE t.status IN ('confirmed', 'rescheduled', 'held', 'not_held')"
    " AND t.ends_at > ? AND t.ends_at <= ? AND NOT EXISTS (SELECT 1 FROM"
    " telebridge_reports r WHERE r.telebridge_id = t.id AND r.institution_id = x.institution_id)"
    + _NEXT
)


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def swept_until(self) -> datetime | None:
        async with self._db.read.execute(
            "SELECT swept_until FROM reminder_sweeps WHERE id = 1"
        ) as cur:
            row = await cur.fetchone()
        return from_db_time(row[0]) if row else None

    async def set_swept_until(self, moment: datetime) -> None:
        """Move the mark forward only: two processes sweeping never move it back."""
        await self._db.execute_write(
            "INSERT INTO reminder_sweeps (id, swept_until) VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET swept_until = excluded.swept_until"
            " WHERE excluded.swept_until > reminder_sweeps.swept_until",
            (moment,),
        )

    async def due(
        self,
        *,
        kind: ReminderKind,
        offset: timedelta,
        after: datetime,
        until: datetime,
        start_after: tuple[int, int] = (0, 0),
        limit: int | None = None,
    ) -> list[DueReminder]:
        """Reminders of a kind `offset` before the start that fall due in (after, until],
        by (target, person) from just past `start_after`, at most `limit` of them (a
        festival with 20,000 subscribers is read a part at a time); None: all of them."""
        params: tuple[object, ...] = (after + offset, until + offset, *start_after)
        sql = _DUE_SQL[kind]
        if limit is not None:  # no portable "no limit": SQLite refuses LIMIT NULL
            sql += " LIMIT ?"
            params += (limit,)
        async with self._db.read.execute(sql, params) as cur:
            return [_due(kind, tuple(row)) for row in await cur.fetchall()]

    async def count_due(
        self, *, kind: ReminderKind, offset: timedelta, after: datetime, until: datetime
    ) -> int:
        """How many reminders `due` would give, people who blocked the bot left out,
        counted in the database (a gauge and the status screen, without the rows)."""
        sql = (
            "SELECT COUNT(*) FROM (" + _DUE_SQL[kind] + ") due"  # noqa: S608 - constant
            " WHERE due.blocked_at IS NULL"
        )
        params = (after + offset, until + offset, 0, 0)
        async with self._db.read.execute(sql, params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def next_end(self, *, after: datetime) -> datetime | None:
        """The earliest end after a moment among agreed telebridges (their follow-up)."""
        async with self._db.read.execute(
            "SELECT MIN(ends_at) FROM telebridges"
            " WHERE status IN ('confirmed', 'rescheduled', 'held', 'not_held') AND ends_at > ?",
            (after,),
        ) as cur:
            row = await cur.fetchone()
        return from_db_time(row[0]) if row and row[0] else None

    async def next_start(self, *, kind: ReminderKind, after: datetime) -> datetime | None:
        """The earliest start after a moment among events (trips, telebridges) that get
        reminders."""
        if kind == EVENT:
            sql = "SELECT MIN(starts_at) FROM events WHERE status = 'scheduled' AND starts_at > ?"
            params: tuple[object, ...] = (after,)
        elif kind == TELEBRIDGE:
            sql = (
                "SELECT MIN(starts_at) FROM telebridges"
                " WHERE status IN ('confirmed', 'rescheduled') AND starts_at > ?"
            )
            params = (after,)
        else:
            sql = "SELECT MIN(starts_at) FROM trips WHERE status IN (?, ?) AND starts_at > ?"
            params = (*_TRIP_STATUSES, after)
        async with self._db.read.execute(sql, params) as cur:
            row = await cur.fetchone()
        return from_db_time(row[0]) if row and row[0] else None

    async def opt_out(self, *, kind: str, target_id: int, tg_id: int) -> bool:
        return (
            await self._db.execute_write(
                "INSERT INTO reminder_optouts (kind, target_id, tg_id, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (kind, target_id, tg_id, utc_now()),
            )
            == 1
        )
