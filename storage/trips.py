"""Programmes, trips, their questions and organisers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database, Writer, db_time, utc_now
from storage.search_key import search_key


class Direction(StrEnum):
    """The roadmap's areas of cooperation (a programme's direction)."""

    EDUCATION = "education"
    HEALTHCARE = "healthcare"
    YOUTH = "youth"
    CULTURE = "culture"
    SPORT = "sport"
    BUSINESS = "business"
    RESORT = "resort"
    URBAN_IT = "urban_it"
    TRANSPORT = "transport"
    INVESTMENT = "investment"


class TripStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Programme:
    id: int
    ext_key: str | None
    direction: str
    title: str
    description: str
    audience: tuple[str, ...]  # member roles; empty means everyone


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    kind: str  # short_text | long_text | choice | yes_no | date
    label: str
    required: bool
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trip:
    id: int
    ext_key: str | None
    programme_id: int
    title: str
    from_city_id: int
    to_city_id: int
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime
    capacity: int
    needs_approval: bool
    description: str
    status: str
    cancel_reason: str | None
    created_by: int | None
    for_minors: bool = False  # registering asks for a parent's or guardian's consent


@dataclass(frozen=True, slots=True)
class TripStamps:
    """When a trip was created and last changed (a calendar file's revision)."""

    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TripListItem:
    """A trip in the catalogue, with its programme and how many seats are taken."""

    trip: Trip
    programme: Programme
    taken: int
    waitlisted: int

    @property
    def seats_left(self) -> int:
        return max(self.trip.capacity - self.taken, 0)


@dataclass(frozen=True, slots=True)
class NewProgramme:
    direction: str
    title: str
    description: str
    audience: tuple[str, ...]
    ext_key: str | None = None


@dataclass(frozen=True, slots=True)
class NewTrip:
    programme_id: int
    title: str
    from_city_id: int
    to_city_id: int
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime
    capacity: int
    needs_approval: bool
    description: str
    status: str
    questions: tuple[Question, ...] = ()
    ext_key: str | None = None
    for_minors: bool = False


_PROGRAMME_COLUMNS = "p.id, p.ext_key, p.direction, p.title, p.description, p.audience"
_TRIP_COLUMNS = (
    "t.id, t.ext_key, t.programme_id, t.title, t.from_city_id, t.to_city_id, t.starts_at,"
    " t.ends_at, t.registration_deadline, t.capacity, t.needs_approval, t.description,"
    " t.status, t.cancel_reason, t.created_by, t.for_minors"
)
_TRIP_WIDTH = 16  # columns in _TRIP_COLUMNS
# Seats are taken by pending and approved registrations; the rest wait in line.
_COUNTS = (
    "(SELECT COUNT(*) FROM registrations r WHERE r.trip_id = t.id"
    " AND r.status IN ('pending', 'approved')) AS taken,"
    " (SELECT COUNT(*) FROM registrations r WHERE r.trip_id = t.id"
    " AND r.status = 'waitlisted') AS waitlisted"
)


def programme_from_row(row: tuple) -> Programme:
    return Programme(
        id=row[0],
        ext_key=row[1],
        direction=row[2],
        title=row[3],
        description=row[4],
        audience=tuple(json.loads(row[5])),
    )


def trip_from_row(row: tuple) -> Trip:
    return Trip(
        id=row[0],
        ext_key=row[1],
        programme_id=row[2],
        title=row[3],
        from_city_id=row[4],
        to_city_id=row[5],
        starts_at=db_time(row[6]),
        ends_at=db_time(row[7]),
        registration_deadline=db_time(row[8]),
        capacity=row[9],
        needs_approval=bool(row[10]),
        description=row[11],
        status=row[12],
        cancel_reason=row[13],
        created_by=row[14],
        for_minors=bool(row[15]),
    )


def _list_item(row: tuple) -> TripListItem:
    trip = trip_from_row(row[:_TRIP_WIDTH])
    programme = programme_from_row(row[_TRIP_WIDTH : _TRIP_WIDTH + 6])
    return TripListItem(
        trip=trip, programme=programme, taken=row[_TRIP_WIDTH + 6], waitlisted=row[-1]
    )


class TripRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Programmes

    async def list_programmes(self) -> list[Programme]:
        async with self._db.read.execute(
            f"SELECT {_PROGRAMME_COLUMNS} FROM programmes p"  # noqa: S608
            # By the title's search key (storage/search_key.py): the same order on both stores.
            " ORDER BY p.direction, p.title_key, p.id"
        ) as cur:
            return [programme_from_row(tuple(row)) for row in await cur.fetchall()]

    async def get_programme(self, *, programme_id: int) -> Programme | None:
        async with self._db.read.execute(
            f"SELECT {_PROGRAMME_COLUMNS} FROM programmes p WHERE p.id = ?",  # noqa: S608
            (programme_id,),
        ) as cur:
            row = await cur.fetchone()
        return programme_from_row(tuple(row)) if row else None

    async def save_programme(
        self,
        conn: Writer,
        *,
        programme: NewProgramme,
        actor: int | None,
        programme_id: int | None = None,
    ) -> int:
        """Insert, or update by id or by ext_key. Runs inside the caller's transaction."""
        now = utc_now()
        audience = json.dumps(list(programme.audience))
        if programme_id is None and programme.ext_key is not None:
            async with conn.execute(
                "SELECT id FROM programmes WHERE ext_key = ?", (programme.ext_key,)
            ) as cur:
                row = await cur.fetchone()
            programme_id = row[0] if row else None
        if programme_id is None:
            async with conn.execute(
                "INSERT INTO programmes (ext_key, direction, title, title_key, description,"
                " audience, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    programme.ext_key,
                    programme.direction,
                    programme.title,
                    search_key(programme.title),
                    programme.description,
                    audience,
                    actor,
                    now,
                    now,
                ),
            ) as cur:
                inserted = await cur.fetchone()
            assert inserted is not None
            return int(inserted[0])
        await conn.execute(
            "UPDATE programmes SET direction = ?, title = ?, title_key = ?, description = ?,"
            " audience = ?, updated_at = ? WHERE id = ?",
            (
                programme.direction,
                programme.title,
                search_key(programme.title),
                programme.description,
                audience,
                now,
                programme_id,
            ),
        )
        return programme_id

    # Trips

    async def get(self, *, trip_id: int, conn: Writer | None = None) -> Trip | None:
        """The trip; inside a transaction (`conn`) its row stays locked until the commit.

        Seats are decided on the trip: counted, given, freed and passed on after reading
        it in the same transaction. SQLite runs one write transaction at a time (the
        clause is dropped there); PostgreSQL runs them side by side, and without the lock
        two registrations would both count the same free seat.
        """
        sql = f"SELECT {_TRIP_COLUMNS} FROM trips t WHERE t.id = ?"  # noqa: S608
        if conn is not None:
            sql += " FOR UPDATE"
        async with (conn or self._db.lookup).execute(sql, (trip_id,)) as cur:
            row = await cur.fetchone()
        return trip_from_row(tuple(row)) if row else None

    async def many(self, ids: Iterable[int]) -> dict[int, Trip]:
        """Several trips by id in one query (the trips of a person's registrations)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        sql = f"SELECT {_TRIP_COLUMNS} FROM trips t WHERE t.id IN ({marks})"  # noqa: S608
        async with self._db.read.execute(sql, wanted) as cur:
            found = [trip_from_row(tuple(row)) for row in await cur.fetchall()]
        return {trip.id: trip for trip in found}

    async def stamps(self, *, trip_id: int) -> TripStamps | None:
        async with self._db.read.execute(
            "SELECT created_at, updated_at FROM trips WHERE id = ?", (trip_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return TripStamps(db_time(row[0]), db_time(row[1]))

    async def get_item(self, *, trip_id: int) -> TripListItem | None:
        async with self._db.read.execute(
            f"SELECT {_TRIP_COLUMNS}, {_PROGRAMME_COLUMNS}, {_COUNTS}"  # noqa: S608
            " FROM trips t JOIN programmes p ON p.id = t.programme_id WHERE t.id = ?",
            (trip_id,),
        ) as cur:
            row = await cur.fetchone()
        return _list_item(tuple(row)) if row else None

    async def catalogue(
        self,
        *,
        statuses: tuple[str, ...],
        role: str | None,
        from_city_id: int | None,
        limit: int,
        offset: int,
    ) -> tuple[list[TripListItem], int]:
        """Trips by start date (newest start last), optionally only those fitting a person.

        A trip fits when its programme's audience is empty or names the role, and it
        leaves from the person's city. Returns one page and the total count.
        """
        where = [f"t.status IN ({', '.join('?' for _ in statuses)})"]
        params: list[object] = list(statuses)
        if role is not None:
            where.append(
                "(p.audience = '[]' OR EXISTS (SELECT 1 FROM json_each(p.audience) a"
                " WHERE a.value = ?))"
            )
            params.append(role)
        if from_city_id is not None:
            where.append("t.from_city_id = ?")
            params.append(from_city_id)
        condition = " AND ".join(where)
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM trips t JOIN programmes p ON p.id = t.programme_id"  # noqa: S608
            f" WHERE {condition}",
            params,
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        total = row[0]
        async with self._db.read.execute(
            f"SELECT {_TRIP_COLUMNS}, {_PROGRAMME_COLUMNS}, {_COUNTS}"  # noqa: S608
            " FROM trips t JOIN programmes p ON p.id = t.programme_id"
            f" WHERE {condition} ORDER BY t.starts_at, t.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ) as cur:
            rows = await cur.fetchall()
        return [_list_item(tuple(row)) for row in rows], total

    async def questions(self, *, trip_id: int, conn: Writer | None = None) -> list[Question]:
        async with (conn or self._db.lookup).execute(
            "SELECT key, kind, label, required, options FROM trip_questions"
            " WHERE trip_id = ? ORDER BY position, id",
            (trip_id,),
        ) as cur:
            return [
                Question(row[0], row[1], row[2], bool(row[3]), tuple(json.loads(row[4])))
                for row in await cur.fetchall()
            ]

    async def organisers(self, *, trip_id: int, conn: Writer | None = None) -> list[int]:
        async with (conn or self._db.read).execute(
            "SELECT tg_id FROM trip_organisers WHERE trip_id = ? ORDER BY tg_id", (trip_id,)
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def save(
        self,
        conn: Writer,
        *,
        trip: NewTrip,
        actor: int | None,
        trip_id: int | None = None,
    ) -> int:
        """Insert, or update by id or ext_key, with its questions. In the caller's transaction."""
        now = utc_now()
        if trip_id is None and trip.ext_key is not None:
            async with conn.execute(
                "SELECT id FROM trips WHERE ext_key = ?", (trip.ext_key,)
            ) as cur:
                row = await cur.fetchone()
            trip_id = row[0] if row else None
        values = (
            trip.programme_id,
            trip.title,
            trip.from_city_id,
            trip.to_city_id,
            trip.starts_at,
            trip.ends_at,
            trip.registration_deadline,
            trip.capacity,
            trip.needs_approval,
            trip.description,
            trip.status,
            trip.for_minors,
        )
        if trip_id is None:
            async with conn.execute(
                "INSERT INTO trips (programme_id, title, from_city_id, to_city_id, starts_at,"
                " ends_at, registration_deadline, capacity, needs_approval, description,"
                " status, for_minors, ext_key, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (*values, trip.ext_key, actor, now, now),
            ) as cur:
                inserted = await cur.fetchone()
            assert inserted is not None
            trip_id = int(inserted[0])
            if actor is not None:
                await conn.execute(
                    "INSERT INTO trip_organisers (trip_id, tg_id) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (trip_id, actor),
                )
        else:
            await conn.execute(
                "UPDATE trips SET programme_id = ?, title = ?, from_city_id = ?,"
                " to_city_id = ?, starts_at = ?, ends_at = ?, registration_deadline = ?,"
                " capacity = ?, needs_approval = ?, description = ?, status = ?,"
                " for_minors = ?, updated_at = ? WHERE id = ?",
                (*values, now, trip_id),
            )
        await self._replace_questions(conn, trip_id=trip_id, questions=trip.questions)
        return trip_id

    @staticmethod
    async def _replace_questions(
        conn: Writer, *, trip_id: int, questions: tuple[Question, ...]
    ) -> None:
        await conn.execute("DELETE FROM trip_questions WHERE trip_id = ?", (trip_id,))
        await conn.executemany(
            "INSERT INTO trip_questions (trip_id, position, key, kind, label, required, options)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    trip_id,
                    index,
                    q.key,
                    q.kind,
                    q.label,
                    q.required,
                    json.dumps(list(q.options), ensure_ascii=False),
                )
                for index, q in enumerate(questions)
            ],
        )

    async def set_status(
        self,
        conn: Writer,
        *,
        trip_id: int,
        status: str,
        cancel_reason: str | None = None,
    ) -> None:
        await conn.execute(
            "UPDATE trips SET status = ?, cancel_reason = ?, updated_at = ? WHERE id = ?",
            (status, cancel_reason, utc_now(), trip_id),
        )

    async def set_capacity(self, conn: Writer, *, trip_id: int, capacity: int) -> None:
        await conn.execute(
            "UPDATE trips SET capacity = ?, updated_at = ? WHERE id = ?",
            (capacity, utc_now(), trip_id),
        )
