"""Registrations: a person on a trip, the waiting list and every status change.

Writes take the caller's transaction (`conn`), so a seat is taken, freed and passed
to the first in line within one `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, Writer, db_time, from_db_time


class RegStatus(StrEnum):
    """A registration's status: the one place these words are spelled in the code."""

    PENDING = "pending"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


ACTIVE = (RegStatus.PENDING, RegStatus.APPROVED, RegStatus.WAITLISTED)
SEATED = (RegStatus.PENDING, RegStatus.APPROVED)
# The order of a trip's list of participants: by status, then within a status those who
# never waited first, then those who came from the line, in its order.
LIST_ORDER = (
    RegStatus.APPROVED,
    RegStatus.PENDING,
    RegStatus.WAITLISTED,
    RegStatus.REJECTED,
    RegStatus.CANCELLED,
)
_LIST_RANK = (
    "CASE r.status WHEN 'approved' THEN 0 WHEN 'pending' THEN 1"
    " WHEN 'waitlisted' THEN 2 WHEN 'rejected' THEN 3 ELSE 4 END"
)
# More rows than this are made into records in a worker thread: thousands of them (a big
# trip's export) would otherwise hold the event loop for tens of milliseconds.
ROWS_ON_LOOP = 200

_COLUMNS = (
    "r.id, r.trip_id, r.tg_id, r.status, r.answers, r.waitlisted_at, r.reject_reason,"
    " r.decided_by, r.decided_at, r.cancelled_at, r.created_at, r.updated_at,"
    " r.guardian_name, r.guardian_consent_at"
)
_WIDTH = 14  # columns in _COLUMNS; the waiting-list position follows
# Position in line: 1 + the number of people who joined the line earlier (a range of the
# index registrations_trip_status, which a row value compares in one go).
_POSITION = (
    "CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) + 1 FROM registrations w"
    " WHERE w.trip_id = r.trip_id AND w.status = 'waitlisted'"
    " AND (w.waitlisted_at, w.id) < (r.waitlisted_at, r.id)) END"
)


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    trip_id: int
    tg_id: int | None
    status: str
    answers: dict[str, str]
    waitlisted_at: datetime | None
    reject_reason: str | None
    decided_by: int | None
    decided_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    position: int | None = None  # in the waiting list, when waitlisted
    # For a trip with minors: who gave the consent, and when.
    guardian_name: str | None = None
    guardian_consent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Guardian:
    """A parent's or guardian's consent to a minor's registration."""

    name: str
    consented_at: datetime


@dataclass(frozen=True, slots=True)
class Participant:
    """A registration with the person's contact fields, for lists and exports."""

    registration: Registration
    full_name: str | None
    organisation: str | None
    role: str | None
    city_id: int | None
    phone: str | None
    username: str | None = None


def _registration(row: tuple) -> Registration:
    return Registration(
        id=row[0],
        trip_id=row[1],
        tg_id=row[2],
        status=row[3],
        answers=json.loads(row[4]),
        waitlisted_at=from_db_time(row[5]),
        reject_reason=row[6],
        decided_by=row[7],
        decided_at=from_db_time(row[8]),
        cancelled_at=from_db_time(row[9]),
        created_at=db_time(row[10]),
        updated_at=db_time(row[11]),
        guardian_name=row[12],
        guardian_consent_at=from_db_time(row[13]),
        position=row[_WIDTH] if len(row) > _WIDTH else None,
    )


def _participants(rows: Sequence[Any]) -> list[Participant]:
    return [
        Participant(
            registration=_registration(tuple(row[: _WIDTH + 1])),
            full_name=row[_WIDTH + 1],
            organisation=row[_WIDTH + 2],
            role=row[_WIDTH + 3],
            city_id=row[_WIDTH + 4],
            phone=row[_WIDTH + 5],
        )
        for row in rows
    ]


class RegistrationRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(
        self, *, registration_id: int, conn: Writer | None = None
    ) -> Registration | None:
        async with (conn or self._db.lookup).execute(
            f"SELECT {_COLUMNS}, {_POSITION} FROM registrations r WHERE r.id = ?",  # noqa: S608
            (registration_id,),
        ) as cur:
            row = await cur.fetchone()
        return _registration(tuple(row)) if row else None

    async def active_for(
        self, *, trip_id: int, tg_id: int, conn: Writer | None = None
    ) -> Registration | None:
        async with (conn or self._db.lookup).execute(
            f"SELECT {_COLUMNS}, {_POSITION} FROM registrations r"  # noqa: S608
            " WHERE r.trip_id = ? AND r.tg_id = ? AND r.status IN (?, ?, ?)",
            (trip_id, tg_id, *ACTIVE),
        ) as cur:
            row = await cur.fetchone()
        return _registration(tuple(row)) if row else None

    async def for_person(self, *, tg_id: int) -> list[Registration]:
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, {_POSITION} FROM registrations r"  # noqa: S608
            " JOIN trips t ON t.id = r.trip_id WHERE r.tg_id = ?"
            " ORDER BY t.starts_at DESC, r.id DESC",
            (tg_id,),
        ) as cur:
            return [_registration(tuple(row)) for row in await cur.fetchall()]

    async def count_seated(self, conn: Writer, *, trip_id: int) -> int:
        async with conn.execute(
            "SELECT COUNT(*) FROM registrations WHERE trip_id = ? AND status IN (?, ?)",
            (trip_id, *SEATED),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        return row[0]

    async def counts(self, *, trip_id: int) -> dict[str, int]:
        async with self._db.read.execute(
            "SELECT status, COUNT(*) FROM registrations WHERE trip_id = ? GROUP BY status",
            (trip_id,),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def insert(
        self,
        conn: Writer,
        *,
        trip_id: int,
        tg_id: int,
        status: str,
        answers: dict[str, str],
        now: datetime,
        guardian: Guardian | None = None,
    ) -> int:
        async with conn.execute(
            "INSERT INTO registrations (trip_id, tg_id, status, answers, waitlisted_at,"
            " guardian_name, guardian_consent_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                trip_id,
                tg_id,
                status,
                json.dumps(answers, ensure_ascii=False),
                now if status == "waitlisted" else None,
                guardian.name if guardian else None,
                guardian.consented_at if guardian else None,
                now,
                now,
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        registration_id = int(row[0])
        await self._history(conn, registration_id, status, now, tg_id, None)
        return registration_id

    async def position(self, conn: Writer, *, registration_id: int) -> int | None:
        async with conn.execute(
            f"SELECT {_POSITION} FROM registrations r WHERE r.id = ?",  # noqa: S608
            (registration_id,),
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def change_status(
        self,
        conn: Writer,
        *,
        registration_id: int,
        from_statuses: tuple[str, ...],
        to_status: str,
        now: datetime,
        actor: int | None,
        reason: str | None = None,
    ) -> bool:
        """Move a registration only if it is still in one of `from_statuses`.

        The condition in the UPDATE makes decisions idempotent: of two organisers
        pressing "Одобрить" at once, only the first changes anything.
        """
        decided = to_status in ("approved", "rejected") and actor is not None
        placeholders = ", ".join("?" for _ in from_statuses)
        cur = await conn.execute(
            "UPDATE registrations SET status = ?, updated_at = ?,"  # noqa: S608 - placeholders
            " reject_reason = CASE WHEN ? = 'rejected' THEN ? ELSE reject_reason END,"
            " decided_by = CASE WHEN ? THEN ? ELSE decided_by END,"
            " decided_at = CASE WHEN ? THEN ? ELSE decided_at END,"
            " cancelled_at = CASE WHEN ? = 'cancelled' THEN ? ELSE cancelled_at END,"
            " waitlisted_at = CASE WHEN ? = 'waitlisted' THEN ? ELSE waitlisted_at END"
            f" WHERE id = ? AND status IN ({placeholders})",
            (
                to_status,
                now,
                to_status,
                reason,
                decided,
                actor,
                decided,
                now,
                to_status,
                now,
                to_status,
                now,
                registration_id,
                *from_statuses,
            ),
        )
        if cur.rowcount != 1:
            return False
        await self._history(conn, registration_id, to_status, now, actor, reason)
        return True

    async def first_in_line(self, conn: Writer, *, trip_id: int) -> int | None:
        async with conn.execute(
            "SELECT id FROM registrations WHERE trip_id = ? AND status = 'waitlisted'"
            " ORDER BY waitlisted_at, id LIMIT 1",
            (trip_id,),
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def update_answers(
        self,
        conn: Writer,
        *,
        registration_id: int,
        answers: dict[str, str],
        now: datetime,
    ) -> None:
        await conn.execute(
            "UPDATE registrations SET answers = ?, updated_at = ? WHERE id = ?",
            (json.dumps(answers, ensure_ascii=False), now, registration_id),
        )

    async def participants(
        self,
        *,
        trip_id: int,
        statuses: tuple[str, ...] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Participant]:
        """Registrations with contact fields, in the list's order (`LIST_ORDER`, then
        within a status those who never waited first, then the line's order). Without a
        `limit`, all of them (`offset` then must be 0): positions in line numbered in one
        pass (a window), not with a count per row, so a long waiting list exports quickly.

        A page (`limit`) is read without sorting the trip: the counts by status say which
        statuses the page spans and how many rows of each to skip, and each status's rows
        come in order from the index registrations_trip_status (trip, status, time in
        line, id), skipped in the index alone; only the page's rows are read in full."""
        wanted = tuple(status for status in LIST_ORDER if not statuses or status in statuses)
        if limit is None:
            if offset:
                raise ValueError("an offset needs a limit")
            return await self._all_participants(trip_id, wanted)
        counts = await self.counts(trip_id=trip_id)
        parts: list[tuple[RegStatus, int, int]] = []  # (status, rows, skipped)
        skip, left = max(offset, 0), limit
        for status in wanted:
            present = counts.get(status, 0)
            if left <= 0:
                break
            if skip >= present:
                skip -= present
                continue
            take = min(left, present - skip)
            parts.append((status, take, skip))
            left -= take
            skip = 0
        if not parts:
            return []
        # NULLS FIRST: SQLite's order for ASC anyway (so it reads the index in order),
        # not PostgreSQL's (which sorts the status's rows to give it).
        union = " UNION ALL ".join(
            "SELECT id FROM (SELECT id FROM registrations WHERE trip_id = ? AND status = ?"  # noqa: S608
            f" ORDER BY waitlisted_at NULLS FIRST, id LIMIT ? OFFSET ?) AS part{index}"
            for index in range(len(parts))
        )
        params: list[object] = []
        for part_status, take, skipped in parts:
            params += [trip_id, part_status, take, skipped]
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, NULL, p.full_name, p.organisation, p.role,"  # noqa: S608
            " p.city_id, p.phone FROM registrations r LEFT JOIN people p ON p.tg_id = r.tg_id"
            f" WHERE r.id IN ({union})"
            f" ORDER BY {_LIST_RANK}, r.waitlisted_at NULLS FIRST, r.id",
            params,
        ) as cur:
            page = _participants(await cur.fetchall())
        # The waiting list's rows of the page are consecutive in the line, from the
        # position after those skipped: numbered without a count per row.
        first = next((skipped for part, _, skipped in parts if part == RegStatus.WAITLISTED), 0)
        numbered, waiting = [], 0
        for participant in page:
            if participant.registration.status != RegStatus.WAITLISTED:
                numbered.append(participant)
                continue
            waiting += 1
            registration = replace(participant.registration, position=first + waiting)
            numbered.append(replace(participant, registration=registration))
        return numbered

    async def _all_participants(
        self, trip_id: int, statuses: tuple[str, ...]
    ) -> list[Participant]:
        marks = ", ".join("?" for _ in statuses)
        async with self._db.read.execute(
            "WITH line AS (SELECT id, ROW_NUMBER() OVER (ORDER BY waitlisted_at, id) AS position"  # noqa: S608
            " FROM registrations WHERE trip_id = ? AND status = 'waitlisted')"
            f" SELECT {_COLUMNS}, line.position, p.full_name, p.organisation, p.role,"
            " p.city_id, p.phone FROM registrations r LEFT JOIN people p ON p.tg_id = r.tg_id"
            f" LEFT JOIN line ON line.id = r.id WHERE r.trip_id = ? AND r.status IN ({marks})"
            f" ORDER BY {_LIST_RANK}, r.waitlisted_at NULLS FIRST, r.id",
            [trip_id, trip_id, *statuses],
        ) as cur:
            rows = await cur.fetchall()
        if len(rows) > ROWS_ON_LOOP:
            return await asyncio.to_thread(_participants, rows)
        return _participants(rows)

    async def active_people(self, *, trip_id: int, conn: Writer | None = None) -> list[int]:
        async with (conn or self._db.read).execute(
            "SELECT tg_id FROM registrations WHERE trip_id = ? AND tg_id IS NOT NULL"
            " AND status IN (?, ?, ?)",
            (trip_id, *ACTIVE),
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    @staticmethod
    async def _history(
        conn: Writer,
        registration_id: int,
        status: str,
        now: datetime,
        actor: int | None,
        note: str | None,
    ) -> None:
        await conn.execute(
            "INSERT INTO registration_history (registration_id, status, changed_at,"
            " changed_by, note) VALUES (?, ?, ?, ?, ?)",
            (registration_id, status, now, actor, note),
        )
