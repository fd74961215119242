"""Schools, kindergartens and colleges, and the people who coordinate them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database, Writer, db_time, from_db_time, utc_now
from storage.search_key import search_key


class InstitutionKind(StrEnum):
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    COLLEGE = "college"
    OTHER = "other"


class Membership(StrEnum):
    """A coordinator's standing with their institution."""

    ACTIVE = "active"
    PENDING = "pending"  # asked to join; a coordinator decides
    DECLINED = "declined"


ACTIVE, PENDING, DECLINED = Membership.ACTIVE, Membership.PENDING, Membership.DECLINED

_COLUMNS = (
    "i.id, i.kind, i.name, i.city_id, i.address, i.age_groups, i.verified_at, i.created_by,"
    " i.created_at"
)


@dataclass(frozen=True, slots=True)
class Institution:
    id: int
    kind: str  # school | kindergarten | college | other
    name: str
    city_id: int
    address: str
    age_groups: tuple[str, ...]
    verified_at: datetime | None
    created_by: int | None
    created_at: datetime

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


@dataclass(frozen=True, slots=True)
class NewInstitution:
    kind: str
    name: str
    city_id: int
    address: str
    age_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Coordinator:
    institution_id: int
    tg_id: int
    status: str  # active | pending | declined
    full_name: str | None
    language: str | None
    zone: str | None  # the time zone of the person's city
    blocked: bool


@dataclass(frozen=True, slots=True)
class PartnerRow:
    institution: Institution
    held_together: int  # telebridges held with the asking institution


def _institution(row: tuple) -> Institution:
    return Institution(
        id=row[0],
        kind=row[1],
        name=row[2],
        city_id=row[3],
        address=row[4],
        age_groups=tuple(code for code in row[5].split(",") if code),
        verified_at=from_db_time(row[6]),
        created_by=row[7],
        created_at=db_time(row[8]),
    )


class InstitutionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, *, institution_id: int, conn: Writer | None = None) -> Institution | None:
        sql = f"SELECT {_COLUMNS} FROM institutions i WHERE i.id = ?"  # noqa: S608
        reader = conn or self._db.read
        async with reader.execute(sql, (institution_id,)) as cur:
            row = await cur.fetchone()
        return _institution(tuple(row)) if row else None

    async def many(self, ids: Iterable[int]) -> dict[int, Institution]:
        """Several institutions by id in one query (the sides of a list of telebridges)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        sql = f"SELECT {_COLUMNS} FROM institutions i WHERE i.id IN ({marks})"  # noqa: S608
        async with self._db.read.execute(sql, wanted) as cur:
            found = [_institution(tuple(row)) for row in await cur.fetchall()]
        return {institution.id: institution for institution in found}

    async def create(
        self, conn: Writer, *, institution: NewInstitution, created_by: int, now: datetime
    ) -> int | None:
        """The institution and its first coordinator, in the caller's transaction; None
        if the person already coordinates (or asked to join) another one (the caller
        rolls the transaction back then)."""
        async with conn.execute(
            "INSERT INTO institutions (kind, name, name_key, city_id, address, age_groups,"
            " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (
                institution.kind,
                institution.name,
                search_key(institution.name),
                institution.city_id,
                institution.address,
                ",".join(institution.age_groups),
                created_by,
                now,
                now,
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        institution_id = int(row[0])
        # A statement that cannot fail: on PostgreSQL a failed statement (the unique
        # index coordinators_one_each) would abort the whole transaction.
        added = await conn.execute(
            "INSERT INTO coordinators (institution_id, tg_id, status, created_at, decided_at)"
            " VALUES (?, ?, 'active', ?, ?)"
            " ON CONFLICT (tg_id) WHERE status IN ('active', 'pending') DO NOTHING",
            (institution_id, created_by, now, now),
        )
        return institution_id if added.rowcount == 1 else None

    async def verify(self, conn: Writer, *, institution_id: int, by: int) -> bool:
        """True if it was not verified before (a second press changes nothing)."""
        now = utc_now()
        cur = await conn.execute(
            "UPDATE institutions SET verified_at = ?, verified_by = ?, updated_at = ?"
            " WHERE id = ? AND verified_at IS NULL",
            (now, by, now, institution_id),
        )
        return cur.rowcount == 1

    async def search(
        self,
        *,
        city_id: int | None,
        exclude_city_id: int | None,
        kind: str | None,
        age_group: str | None,
        partner_of: int | None,
        limit: int,
        offset: int,
    ) -> tuple[list[PartnerRow], int]:
        """Institutions by city, type and age group; those that held telebridges with
        `partner_of` first (most first), then verified ones, then by name (its search key)."""
        where = ["1 = 1"]
        params: list[int | str] = []
        if city_id is not None:
            where.append("i.city_id = ?")
            params.append(city_id)
        if exclude_city_id is not None:
            where.append("i.city_id != ?")
            params.append(exclude_city_id)
        if kind is not None:
            where.append("i.kind = ?")
            params.append(kind)
        if age_group is not None:
            where.append("instr(',' || i.age_groups || ',', ',' || ? || ',') > 0")
            params.append(age_group)
        condition = " AND ".join(where)  # fixed fragments only; values are parameters
        held = (
            "(SELECT COUNT(*) FROM telebridges t WHERE t.status = 'held' AND"
            " ((t.proposer_id = i.id AND t.partner_id = ?)"
            " OR (t.partner_id = i.id AND t.proposer_id = ?)))"
        )
        partner = partner_of if partner_of is not None else -1
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, {held} AS together, COUNT(*) OVER ()"  # noqa: S608
            f" FROM institutions i WHERE {condition}"
            # By the name's search key (storage/search_key.py), compared byte by byte on
            # both stores: case and ё/е do not matter, and the order is the same.
            " ORDER BY together DESC, i.verified_at IS NULL, i.name_key, i.id"
            " LIMIT ? OFFSET ?",
            (partner, partner, *params, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        items = [PartnerRow(_institution(tuple(row)[:9]), row[9]) for row in rows]
        return items, rows[0][10]

    async def unverified(self, *, limit: int, offset: int) -> tuple[list[Institution], int]:
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () FROM institutions i"  # noqa: S608
            " WHERE i.verified_at IS NULL ORDER BY i.created_at, i.id LIMIT ? OFFSET ?",
            (limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        return [_institution(tuple(row)[:-1]) for row in rows], rows[0][-1]

    # Coordinators

    async def membership(self, *, tg_id: int) -> tuple[Institution, str] | None:
        """The institution a person coordinates or asked to join, and the status."""
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, c.status FROM coordinators c"  # noqa: S608
            " JOIN institutions i ON i.id = c.institution_id"
            " WHERE c.tg_id = ? AND c.status IN ('active', 'pending')",
            (tg_id,),
        ) as cur:
            row = await cur.fetchone()
        return (_institution(tuple(row)[:-1]), row[-1]) if row else None

    async def coordinators(
        self, *, institution_id: int, status: str = ACTIVE
    ) -> list[Coordinator]:
        async with self._db.read.execute(
            "SELECT c.institution_id, c.tg_id, c.status, p.full_name, p.language, ct.timezone,"
            " p.blocked_at IS NOT NULL FROM coordinators c"
            " LEFT JOIN people p ON p.tg_id = c.tg_id LEFT JOIN cities ct ON ct.id = p.city_id"
            " WHERE c.institution_id = ? AND c.status = ? ORDER BY c.created_at, c.tg_id",
            (institution_id, status),
        ) as cur:
            return [
                Coordinator(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))
                for row in await cur.fetchall()
            ]

    async def coordinators_of_city(self, *, city_id: int) -> list[Coordinator]:
        """Active coordinators of every institution of a city (an open offer's audience)."""
        async with self._db.read.execute(
            "SELECT c.institution_id, c.tg_id, c.status, p.full_name, p.language, ct.timezone,"
            " p.blocked_at IS NOT NULL FROM coordinators c"
            " JOIN institutions i ON i.id = c.institution_id"
            " LEFT JOIN people p ON p.tg_id = c.tg_id LEFT JOIN cities ct ON ct.id = p.city_id"
            " WHERE i.city_id = ? AND c.status = 'active' ORDER BY c.institution_id, c.tg_id",
            (city_id,),
        ) as cur:
            return [
                Coordinator(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))
                for row in await cur.fetchall()
            ]

    async def status_of(self, conn: Writer, *, institution_id: int, tg_id: int) -> str | None:
        async with conn.execute(
            "SELECT status FROM coordinators WHERE institution_id = ? AND tg_id = ?",
            (institution_id, tg_id),
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def add_pending(self, conn: Writer, *, institution_id: int, tg_id: int) -> bool:
        """Ask to join (again, after a refusal); False if the person already coordinates
        or asked to join an institution."""
        # Not when the person has an active or pending row at another institution (the
        # unique index coordinators_one_each): checked by the statement itself, since on
        # PostgreSQL a statement that fails aborts the whole transaction. (The SELECT
        # needs its WHERE for SQLite to read the ON CONFLICT that follows.)
        cur = await conn.execute(
            "INSERT INTO coordinators (institution_id, tg_id, status, created_at)"
            " SELECT ?, ?, 'pending', ? WHERE NOT EXISTS (SELECT 1 FROM coordinators"
            " WHERE tg_id = ? AND status IN ('active', 'pending') AND institution_id != ?)"
            " ON CONFLICT (institution_id, tg_id) DO UPDATE SET"
            " status = 'pending', created_at = excluded.created_at, decided_at = NULL,"
            " decided_by = NULL",
            (institution_id, tg_id, utc_now(), tg_id, institution_id),
        )
        return cur.rowcount == 1

    async def decide(
        self, conn: Writer, *, institution_id: int, tg_id: int, status: str, by: int
    ) -> bool:
        """Decide a pending request; False if it was decided already (or withdrawn)."""
        cur = await conn.execute(
            "UPDATE coordinators SET status = ?, decided_at = ?, decided_by = ?"
            " WHERE institution_id = ? AND tg_id = ? AND status = 'pending'",
            (status, utc_now(), by, institution_id, tg_id),
        )
        return cur.rowcount == 1

    async def leave(self, *, institution_id: int, tg_id: int) -> bool:
        return (
            await self._db.execute_write(
                "DELETE FROM coordinators WHERE institution_id = ? AND tg_id = ?"
                " AND status IN ('active', 'pending')",
                (institution_id, tg_id),
            )
            == 1
        )
