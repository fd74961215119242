"""Look-ups by external key for the import, and the trip organisers it sets.

Keys are passed as one list parameter (`= ANY(?)`), so a file with thousands of keys
needs no query built from thousands of placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.db import Database, Writer
from storage.trips import Question, Trip, TripRepo


@dataclass(frozen=True, slots=True)
class TripState:
    """What the import must know about a trip that already exists."""

    id: int
    status: str
    seated: int  # pending and approved registrations
    active: int  # seated plus the waiting list


@dataclass(frozen=True, slots=True)
class StoredTrip:
    """A trip as stored, to tell whether a file would change it."""

    trip: Trip
    questions: tuple[Question, ...]
    organisers: tuple[int, ...]  # sorted


def _keys(keys: Iterable[str]) -> list[str]:
    return sorted(set(keys))


class ImportRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def programme_ids(
        self, keys: Iterable[str], *, conn: Writer | None = None
    ) -> dict[str, int]:
        async with (conn or self._db.read).execute(
            "SELECT ext_key, id FROM programmes WHERE ext_key = ANY(?)",
            (_keys(keys),),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def trip_ids(self, keys: Iterable[str], *, conn: Writer | None = None) -> dict[str, int]:
        async with (conn or self._db.read).execute(
            "SELECT ext_key, id FROM trips WHERE ext_key = ANY(?)",
            (_keys(keys),),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def event_ids(
        self, keys: Iterable[str], *, conn: Writer | None = None
    ) -> dict[str, int]:
        async with (conn or self._db.read).execute(
            "SELECT ext_key, id FROM events WHERE ext_key = ANY(?)",
            (_keys(keys),),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def trip_states(
        self, keys: Iterable[str], *, conn: Writer | None = None
    ) -> dict[str, TripState]:
        async with (conn or self._db.read).execute(
            "SELECT t.ext_key, t.id, t.status,"
            " (SELECT COUNT(*) FROM registrations r WHERE r.trip_id = t.id"
            "  AND r.status IN ('pending', 'approved')),"
            " (SELECT COUNT(*) FROM registrations r WHERE r.trip_id = t.id"
            "  AND r.status IN ('pending', 'approved', 'waitlisted'))"
            " FROM trips t WHERE t.ext_key = ANY(?)",
            (_keys(keys),),
        ) as cur:
            return {
                row[0]: TripState(id=row[1], status=row[2], seated=row[3], active=row[4])
                for row in await cur.fetchall()
            }

    async def stored_trip(self, *, trip_id: int, conn: Writer | None = None) -> StoredTrip | None:
        trips = TripRepo(self._db)
        trip = await trips.get(trip_id=trip_id, conn=conn)
        if trip is None:
            return None
        questions = await trips.questions(trip_id=trip_id, conn=conn)
        async with (conn or self._db.read).execute(
            "SELECT tg_id FROM trip_organisers WHERE trip_id = ? ORDER BY tg_id", (trip_id,)
        ) as cur:
            organisers = tuple(row[0] for row in await cur.fetchall())
        return StoredTrip(trip, tuple(questions), organisers)

    async def set_trip_organisers(
        self, conn: Writer, *, trip_id: int, tg_ids: Iterable[int]
    ) -> None:
        """Replace the list of organisers who receive the trip's registrations."""
        await conn.execute("DELETE FROM trip_organisers WHERE trip_id = ?", (trip_id,))
        await conn.executemany(
            "INSERT INTO trip_organisers (trip_id, tg_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(trip_id, tg_id) for tg_id in tg_ids],
        )

    async def count_trips(self) -> int:
        async with self._db.read.execute("SELECT COUNT(*) FROM trips") as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        return row[0]
