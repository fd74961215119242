"""The roadmap: items, their links to trips, events and telebridges, the history of their
statuses and the people who follow them.

Progress figures are counted here from the linked activities each time they are asked
for; nothing is stored as a counter, so a cancelled trip or a telebridge reported held
changes the figures at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database, Writer, db_time, from_db_time, utc_now


class RoadmapStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class LinkKind(StrEnum):
    TRIP = "trip"
    EVENT = "event"
    TELEBRIDGE = "telebridge"


# Each kind of link: its table and column, and the table of the things linked.
_LINKS = {
    LinkKind.TRIP: ("roadmap_trips", "trip_id"),
    LinkKind.EVENT: ("roadmap_events", "event_id"),
    LinkKind.TELEBRIDGE: ("roadmap_telebridges", "telebridge_id"),
}

_COLUMNS = (
    "i.id, i.ext_key, i.number, i.direction, i.title, i.responsible_city_id, i.due_year,"
    " i.due_quarter, i.status, i.notes, i.all_telebridges, i.created_at, i.updated_at"
)
# What a trip, an event or a telebridge must be to count as progress.
TRIP_TRAVELLED = "t.status NOT IN ('cancelled', 'draft') AND t.starts_at <= :now"
EVENT_HELD = "e.status = 'scheduled' AND e.ends_at <= :now"
TELEBRIDGE_HELD = "b.status = 'held'"
_PROGRESS_SQL = (
    "SELECT"  # noqa: S608 - the conditions above are constants
    " (SELECT COUNT(*) FROM roadmap_trips l JOIN trips t ON t.id = l.trip_id"
    f"  WHERE l.item_id = :item AND {TRIP_TRAVELLED}),"
    " (SELECT COUNT(*) FROM roadmap_trips l JOIN trips t ON t.id = l.trip_id"
    "  JOIN registrations r ON r.trip_id = t.id AND r.status = 'approved'"
    f"  WHERE l.item_id = :item AND {TRIP_TRAVELLED}),"
    " (SELECT COUNT(*) FROM roadmap_events l JOIN events e ON e.id = l.event_id"
    f"  WHERE l.item_id = :item AND {EVENT_HELD}),"
    " CASE WHEN i.all_telebridges"
    f"  THEN (SELECT COUNT(*) FROM telebridges b WHERE {TELEBRIDGE_HELD})"
    "  ELSE (SELECT COUNT(*) FROM roadmap_telebridges l"
    "   JOIN telebridges b ON b.id = l.telebridge_id"
    f"   WHERE l.item_id = :item AND {TELEBRIDGE_HELD}) END"
    " FROM roadmap_items i WHERE i.id = :item"
)


@dataclass(frozen=True, slots=True)
class NewItem:
    number: int
    direction: str
    title: str
    responsible_city_id: int | None  # None: both cities
    due_year: int
    due_quarter: int | None  # None: the whole year
    status: str = "planned"
    notes: str = ""
    all_telebridges: bool = False
    ext_key: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    ext_key: str | None
    number: int
    direction: str
    title: str
    responsible_city_id: int | None
    due_year: int
    due_quarter: int | None
    status: str
    notes: str
    all_telebridges: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    item_id: int
    old_status: str
    new_status: str
    changed_by: int | None
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class LinkedTrip:
    id: int
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime
    approved: int  # approved registrations


@dataclass(frozen=True, slots=True)
class LinkedEvent:
    id: int
    title: str
    status: str
    city_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """What an item's linked activities have come to by a moment."""

    trips_travelled: int  # linked trips that have begun (not drafts, not cancelled)
    participants: int  # approved people of those trips
    events_held: int  # linked events, not cancelled, that have ended
    telebridges_held: int  # linked ones held, or every held one with all_telebridges


@dataclass(frozen=True, slots=True)
class Follower:
    tg_id: int
    language: str | None


@dataclass(frozen=True, slots=True)
class Pickable:
    """A trip, an event or a telebridge offered to be linked."""

    id: int
    title: str
    starts_at: datetime
    status: str
    linked: bool


def _item(row: tuple) -> Item:
    return Item(
        id=row[0],
        ext_key=row[1],
        number=row[2],
        direction=row[3],
        title=row[4],
        responsible_city_id=row[5],
        due_year=row[6],
        due_quarter=row[7],
        status=row[8],
        notes=row[9],
        all_telebridges=bool(row[10]),
        created_at=db_time(row[11]),
        updated_at=db_time(row[12]),
    )


def _history(row: tuple) -> HistoryRow:
    return HistoryRow(
        id=row[0],
        item_id=row[1],
        old_status=row[2],
        new_status=row[3],
        changed_by=row[4],
        changed_at=db_time(row[5]),
    )


class RoadmapRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Items

    async def get(self, *, item_id: int, conn: Writer | None = None) -> Item | None:
        async with (conn or self._db.read).execute(
            f"SELECT {_COLUMNS} FROM roadmap_items i WHERE i.id = ?",  # noqa: S608
            (item_id,),
        ) as cur:
            row = await cur.fetchone()
        return _item(tuple(row)) if row else None

    async def items(self, *, direction: str | None = None) -> list[Item]:
        sql = f"SELECT {_COLUMNS} FROM roadmap_items i"  # noqa: S608
        params: tuple[object, ...] = ()
        if direction is not None:
            sql += " WHERE i.direction = ?"
            params = (direction,)
        async with self._db.read.execute(sql + " ORDER BY i.number", params) as cur:
            return [_item(tuple(row)) for row in await cur.fetchall()]

    async def page(self, *, direction: str, limit: int, offset: int) -> tuple[list[Item], int]:
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () FROM roadmap_items i"  # noqa: S608
            " WHERE i.direction = ? ORDER BY i.number LIMIT ? OFFSET ?",
            (direction, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        return [_item(tuple(row)[:-1]) for row in rows], rows[0][-1]

    async def status_counts(
        self, *, responsible_city_id: int | None = None
    ) -> dict[str, dict[str, int]]:
        """{direction: {status: count}}; with a city, the items it answers for (alone or
        with the other city)."""
        sql = "SELECT direction, status, COUNT(*) FROM roadmap_items"
        params: tuple[object, ...] = ()
        if responsible_city_id is not None:
            sql += " WHERE responsible_city_id IS NULL OR responsible_city_id = ?"
            params = (responsible_city_id,)
        async with self._db.read.execute(sql + " GROUP BY direction, status", params) as cur:
            counts: dict[str, dict[str, int]] = {}
            for direction, status, count in await cur.fetchall():
                counts.setdefault(direction, {})[status] = count
        return counts

    async def ids_by_key(
        self, keys: Iterable[str], *, conn: Writer | None = None
    ) -> dict[str, int]:
        async with (conn or self._db.read).execute(
            "SELECT ext_key, id FROM roadmap_items WHERE ext_key = ANY(?)",
            (sorted(set(keys)),),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def numbers(self, *, conn: Writer | None = None) -> dict[int, str | None]:
        """{number: ext_key} of every stored item (for the import's uniqueness check)."""
        async with (conn or self._db.read).execute(
            "SELECT number, ext_key FROM roadmap_items"
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def save(self, conn: Writer, *, item: NewItem, item_id: int | None = None) -> int:
        """Insert or update an item's own fields (its status changes go through
        `set_status`, which keeps the history)."""
        now = utc_now()
        values = (
            item.number,
            item.direction,
            item.title,
            item.responsible_city_id,
            item.due_year,
            item.due_quarter,
            item.notes,
            item.all_telebridges,
        )
        if item_id is None:
            async with conn.execute(
                "INSERT INTO roadmap_items (number, direction, title, responsible_city_id,"
                " due_year, due_quarter, notes, all_telebridges, status, ext_key, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (*values, item.status, item.ext_key, now, now),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            return int(row[0])
        await conn.execute(
            "UPDATE roadmap_items SET number = ?, direction = ?, title = ?,"
            " responsible_city_id = ?, due_year = ?, due_quarter = ?, notes = ?,"
            " all_telebridges = ?, updated_at = ? WHERE id = ?",
            (*values, now, item_id),
        )
        return item_id

    async def set_status(
        self,
        conn: Writer,
        *,
        item_id: int,
        old: str,
        new: str,
        actor: int | None,
        now: datetime,
    ) -> int | None:
        """Move an item from `old` to `new` and keep the change; None if its status is no
        longer `old` (someone else changed it first)."""
        cur = await conn.execute(
            "UPDATE roadmap_items SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
            (new, now, item_id, old),
        )
        if cur.rowcount != 1:
            return None
        async with conn.execute(
            "INSERT INTO roadmap_history (item_id, old_status, new_status, changed_by,"
            " changed_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (item_id, old, new, actor, now),
        ) as added:
            row = await added.fetchone()
        assert row is not None
        return int(row[0])

    async def set_notes(self, conn: Writer, *, item_id: int, notes: str) -> None:
        await conn.execute(
            "UPDATE roadmap_items SET notes = ?, updated_at = ? WHERE id = ?",
            (notes, utc_now(), item_id),
        )

    async def set_all_telebridges(self, conn: Writer, *, item_id: int, value: bool) -> None:
        await conn.execute(
            "UPDATE roadmap_items SET all_telebridges = ?, updated_at = ? WHERE id = ?",
            (value, utc_now(), item_id),
        )

    # Links

    async def linked_ids(
        self, *, item_id: int, kind: LinkKind, conn: Writer | None = None
    ) -> list[int]:
        table, column = _LINKS[kind]
        async with (conn or self._db.read).execute(
            f"SELECT {column} FROM {table} WHERE item_id = ? ORDER BY {column}",  # noqa: S608
            (item_id,),
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def set_link(
        self, conn: Writer, *, item_id: int, kind: LinkKind, target_id: int, linked: bool
    ) -> bool:
        """Link or unlink one trip, event or telebridge; False if nothing changed."""
        table, column = _LINKS[kind]
        if linked:
            sql = (
                f"INSERT INTO {table} (item_id, {column}) VALUES (?, ?)"  # noqa: S608
                " ON CONFLICT DO NOTHING"
            )
        else:
            sql = f"DELETE FROM {table} WHERE item_id = ? AND {column} = ?"  # noqa: S608
        cur = await conn.execute(sql, (item_id, target_id))
        return cur.rowcount == 1

    async def replace_links(
        self, conn: Writer, *, item_id: int, kind: LinkKind, target_ids: Iterable[int]
    ) -> None:
        table, column = _LINKS[kind]
        await conn.execute(f"DELETE FROM {table} WHERE item_id = ?", (item_id,))  # noqa: S608
        await conn.executemany(
            f"INSERT INTO {table} (item_id, {column}) VALUES (?, ?)"  # noqa: S608
            " ON CONFLICT DO NOTHING",
            [(item_id, target_id) for target_id in target_ids],
        )

    async def target_exists(self, *, kind: LinkKind, target_id: int) -> bool:
        table = {LinkKind.TRIP: "trips", LinkKind.EVENT: "events"}.get(kind, "telebridges")
        async with self._db.read.execute(
            f"SELECT 1 FROM {table} WHERE id = ?",  # noqa: S608
            (target_id,),
        ) as cur:
            return await cur.fetchone() is not None

    async def linked_trips(self, *, item_id: int) -> list[LinkedTrip]:
        async with self._db.read.execute(
            "SELECT t.id, t.title, t.status, t.starts_at, t.ends_at,"
            " (SELECT COUNT(*) FROM registrations r WHERE r.trip_id = t.id"
            "  AND r.status = 'approved')"
            " FROM roadmap_trips l JOIN trips t ON t.id = l.trip_id WHERE l.item_id = ?"
            " ORDER BY t.starts_at, t.id",
            (item_id,),
        ) as cur:
            return [
                LinkedTrip(
                    row[0],
                    row[1],
                    row[2],
                    db_time(row[3]),
                    db_time(row[4]),
                    row[5],
                )
                for row in await cur.fetchall()
            ]

    async def linked_events(self, *, item_id: int) -> list[LinkedEvent]:
        async with self._db.read.execute(
            "SELECT e.id, e.title, e.status, e.city_id, e.starts_at, e.ends_at"
            " FROM roadmap_events l JOIN events e ON e.id = l.event_id WHERE l.item_id = ?"
            " ORDER BY e.starts_at, e.id",
            (item_id,),
        ) as cur:
            return [
                LinkedEvent(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    db_time(row[4]),
                    db_time(row[5]),
                )
                for row in await cur.fetchall()
            ]

    async def progress(self, *, item_id: int, now: datetime) -> Progress:
        async with self._db.read.execute(_PROGRESS_SQL, {"item": item_id, "now": now}) as cur:
            row = await cur.fetchone()
        if row is None:
            return Progress(0, 0, 0, 0)
        return Progress(row[0], row[1], row[2], row[3])

    async def pickable(
        self, *, item_id: int, kind: LinkKind, limit: int, offset: int
    ) -> tuple[list[Pickable], int]:
        """Trips (drafts left out), events or telebridges (those agreed or held), latest
        first, each marked if linked to the item."""
        table, column = _LINKS[kind]
        if kind is LinkKind.TRIP:
            source = "SELECT id, title, starts_at, status FROM trips WHERE status != 'draft'"
        elif kind is LinkKind.EVENT:
            source = "SELECT id, title, starts_at, status FROM events"
        else:
            source = (
                "SELECT id, topic, starts_at, status FROM telebridges"
                " WHERE status IN ('confirmed', 'rescheduled', 'held')"
            )
        async with self._db.read.execute(
            f"SELECT s.*, EXISTS (SELECT 1 FROM {table} l WHERE l.item_id = ?"  # noqa: S608
            f" AND l.{column} = s.id), COUNT(*) OVER () FROM ({source}) s"
            " ORDER BY s.starts_at DESC, s.id DESC LIMIT ? OFFSET ?",
            (item_id, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        items = [Pickable(row[0], row[1], db_time(row[2]), row[3], bool(row[4])) for row in rows]
        return items, rows[0][-1]

    # History

    async def history(self, *, item_id: int, limit: int) -> list[HistoryRow]:
        async with self._db.read.execute(
            "SELECT id, item_id, old_status, new_status, changed_by, changed_at"
            " FROM roadmap_history WHERE item_id = ? ORDER BY id DESC LIMIT ?",
            (item_id, limit),
        ) as cur:
            return [_history(tuple(row)) for row in await cur.fetchall()]

    async def history_row(self, *, history_id: int) -> HistoryRow | None:
        async with self._db.read.execute(
            "SELECT id, item_id, old_status, new_status, changed_by, changed_at"
            " FROM roadmap_history WHERE id = ?",
            (history_id,),
        ) as cur:
            row = await cur.fetchone()
        return _history(tuple(row)) if row else None

    async def unnotified(self) -> list[int]:
        async with self._db.read.execute(
            "SELECT id FROM roadmap_history WHERE notified_at IS NULL ORDER BY id"
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def mark_notified(self, *, history_id: int, now: datetime) -> None:
        await self._db.execute_write(
            "UPDATE roadmap_history SET notified_at = ? WHERE id = ?",
            (now, history_id),
        )

    async def changes_by(self, *, tg_id: int) -> int:
        """How many status changes a person made (kept as their record as organiser)."""
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM roadmap_history WHERE changed_by = ?", (tg_id,)
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        return row[0]

    # Followers

    async def follow(self, *, tg_id: int, now: datetime) -> bool:
        """True if the person did not follow yet."""
        return (
            await self._db.execute_write(
                "INSERT INTO roadmap_followers (tg_id, created_at) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (tg_id, now),
            )
            == 1
        )

    async def unfollow(self, *, tg_id: int, conn: Writer | None = None) -> int:
        sql, params = "DELETE FROM roadmap_followers WHERE tg_id = ?", (tg_id,)
        if conn is not None:
            return (await conn.execute(sql, params)).rowcount
        return await self._db.execute_write(sql, params)

    async def following_since(self, *, tg_id: int) -> datetime | None:
        async with self._db.read.execute(
            "SELECT created_at FROM roadmap_followers WHERE tg_id = ?", (tg_id,)
        ) as cur:
            row = await cur.fetchone()
        return from_db_time(row[0]) if row else None

    async def followers(self, *, after: int, limit: int) -> list[Follower]:
        """Followers who can be reached (not blocked), by Telegram id after `after`."""
        async with self._db.read.execute(
            "SELECT f.tg_id, p.language FROM roadmap_followers f"
            " LEFT JOIN people p ON p.tg_id = f.tg_id"
            " WHERE f.tg_id > ? AND p.blocked_at IS NULL ORDER BY f.tg_id LIMIT ?",
            (after, limit),
        ) as cur:
            return [Follower(row[0], row[1]) for row in await cur.fetchall()]
