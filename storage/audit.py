"""The audit log: one row per organiser or admin action.

An entry is written with `write(conn, entry)` inside the transaction of the action
itself, so an action and its entry are committed (or rolled back) together. Repositories
that open their own transaction take an optional `audit` entry and write it there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, Writer, db_time, utc_now


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor_id: int | None  # None: the command line (python -m bot ...)
    action: str
    object_kind: str
    object_id: int | None = None
    diff: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # now, when None


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_kind: str
    object_id: int | None
    diff: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Entries by or about one person, or about one object; empty: all of them."""

    person_id: int | None = None
    object_kind: str | None = None
    object_id: int | None = None

    def where(self) -> tuple[str, list[object]]:
        if self.person_id is not None:
            return (
                "(actor_id = ? OR (object_kind = 'person' AND object_id = ?))",
                [self.person_id, self.person_id],
            )
        if self.object_kind is not None:
            if self.object_id is None:
                return "object_kind = ?", [self.object_kind]
            return "object_kind = ? AND object_id = ?", [self.object_kind, self.object_id]
        return "1 = 1", []


@dataclass(frozen=True, slots=True)
class KnownAs:
    """How people know an object of the log: its title or name, the number people see
    (a roadmap item's), and for a registration the person. None: erased or never had."""

    title: str | None = None
    number: int | None = None
    person: str | None = None


# For each kind of object: the query that names objects by id (constant SQL, the ids are
# parameters). The log keeps ids only; names are read when the log is shown, so an erased
# person's name is gone from it too.
_NAMES: dict[str, str] = {
    "person": "SELECT tg_id, full_name, NULL, NULL FROM people WHERE tg_id IN ({})",
    "programme": "SELECT id, title, NULL, NULL FROM programmes WHERE id IN ({})",
    "trip": "SELECT id, title, NULL, NULL FROM trips WHERE id IN ({})",
    "event": "SELECT id, title, NULL, NULL FROM events WHERE id IN ({})",
    "institution": "SELECT id, name, NULL, NULL FROM institutions WHERE id IN ({})",
    "roadmap": "SELECT id, title, number, NULL FROM roadmap_items WHERE id IN ({})",
    "registration": (
        "SELECT r.id, t.title, NULL, p.full_name FROM registrations r"
        " JOIN trips t ON t.id = r.trip_id LEFT JOIN people p ON p.tg_id = r.tg_id"
        " WHERE r.id IN ({})"
    ),
}


async def write(conn: Writer, entry: AuditEntry) -> None:
    """Add an entry inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, object_kind, object_id, diff)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            entry.at or utc_now(),
            entry.actor_id,
            entry.action,
            entry.object_kind,
            entry.object_id,
            json.dumps(dict(entry.diff), ensure_ascii=False, default=str),
        ),
    )


def _row(row: Any) -> AuditRow:
    return AuditRow(
        id=row[0],
        at=db_time(row[1]),
        actor_id=row[2],
        action=row[3],
        object_kind=row[4],
        object_id=row[5],
        diff=json.loads(row[6]),
    )


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, entry: AuditEntry) -> None:
        """An entry for an action that writes nothing else (an export)."""
        async with self._db.transaction() as conn:
            await write(conn, entry)

    async def page(
        self, audit_filter: AuditFilter, *, limit: int, offset: int
    ) -> tuple[list[AuditRow], int]:
        """Newest first: one page of entries and how many there are in all."""
        where, params = audit_filter.where()
        async with self._db.read.execute(
            f"SELECT COUNT(*) FROM audit_log WHERE {where}",  # noqa: S608 - constant conditions
            params,
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        total = row[0]
        async with self._db.read.execute(
            "SELECT id, at, actor_id, action, object_kind, object_id, diff"  # noqa: S608
            f" FROM audit_log WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ) as cur:
            rows = [_row(row) for row in await cur.fetchall()]
        return rows, total

    async def known_as(self, rows: list[AuditRow]) -> dict[tuple[str, int], KnownAs]:
        """How people know the objects the rows are about, by (kind, id)."""
        wanted: dict[str, set[int]] = {}
        for row in rows:
            if row.object_id is not None and row.object_kind in _NAMES:
                wanted.setdefault(row.object_kind, set()).add(row.object_id)
        found: dict[tuple[str, int], KnownAs] = {}
        for kind, ids in wanted.items():
            query = _NAMES[kind].format(", ".join("?" * len(ids)))
            async with self._db.read.execute(query, sorted(ids)) as cur:
                for object_id, title, number, person in await cur.fetchall():
                    found[kind, object_id] = KnownAs(title, number, person)
        return found

    async def roadmap_id(self, *, number: int) -> int | None:
        """The id of the roadmap item people know by this number."""
        async with self._db.read.execute(
            "SELECT id FROM roadmap_items WHERE number = ?", (number,)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def count_by_actor(self, *, actor_id: int) -> int:
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = ?", (actor_id,)
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        return row[0]

    async def count_about_person(self, *, tg_id: int) -> int:
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'person' AND object_id = ?",
            (tg_id,),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        return row[0]
