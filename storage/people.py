"""People: a Telegram user as the bot knows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Writer, db_time, from_db_time, utc_now

_COLUMNS = (
    "tg_id, language, full_name, city_id, role, organisation, phone, consent_at,"
    " is_organiser, blocked_at, created_at, updated_at"
)
# Fields a person may change from their profile; the SQL column names are fixed here,
# never taken from input.
EDITABLE_FIELDS = frozenset({"full_name", "city_id", "role", "organisation", "phone", "language"})


@dataclass(frozen=True, slots=True)
class Person:
    tg_id: int
    language: str
    full_name: str | None
    city_id: int | None
    role: str | None
    organisation: str | None
    phone: str | None
    consent_at: datetime | None
    is_organiser: bool
    blocked_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_onboarded(self) -> bool:
        return (
            self.consent_at is not None
            and self.full_name is not None
            and self.city_id is not None
            and self.role is not None
            and self.organisation is not None
        )


@dataclass(frozen=True, slots=True)
class NewProfile:
    full_name: str
    city_id: int
    role: str
    organisation: str
    consent_at: datetime


def _person(row: tuple) -> Person:
    return Person(
        tg_id=row[0],
        language=row[1],
        full_name=row[2],
        city_id=row[3],
        role=row[4],
        organisation=row[5],
        phone=row[6],
        consent_at=from_db_time(row[7]),
        is_organiser=bool(row[8]),
        blocked_at=from_db_time(row[9]),
        created_at=db_time(row[10]),
        updated_at=db_time(row[11]),
    )


class PersonRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, *, tg_id: int, conn: Writer | None = None) -> Person | None:
        """The person; inside a transaction pass its `conn`, to see what it changed."""
        async with (conn or self._db.lookup).execute(
            f"SELECT {_COLUMNS} FROM people WHERE tg_id = ?",  # noqa: S608 - constant columns
            (tg_id,),
        ) as cur:
            row = await cur.fetchone()
        return _person(tuple(row)) if row else None

    async def set_language(self, *, tg_id: int, language: str) -> None:
        """Create the person with only id and language, or change the language."""
        now = utc_now()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (tg_id, language, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (tg_id) DO UPDATE SET language = excluded.language,"
                " updated_at = excluded.updated_at",
                (tg_id, language, now, now),
            )

    async def complete_profile(self, *, tg_id: int, language: str, profile: NewProfile) -> None:
        """Write the whole onboarding result at once."""
        now = utc_now()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (tg_id, language, full_name, city_id, role, organisation,"
                " consent_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (tg_id) DO UPDATE SET language = excluded.language,"
                " full_name = excluded.full_name, city_id = excluded.city_id,"
                " role = excluded.role, organisation = excluded.organisation,"
                " consent_at = excluded.consent_at, updated_at = excluded.updated_at",
                (
                    tg_id,
                    language,
                    profile.full_name,
                    profile.city_id,
                    profile.role,
                    profile.organisation,
                    profile.consent_at,
                    now,
                    now,
                ),
            )

    async def update_field(self, *, tg_id: int, field: str, value: str | int | None) -> bool:
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"field {field!r} is not editable")
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE people SET {field} = ?, updated_at = ? WHERE tg_id = ?",  # noqa: S608
                (value, utc_now(), tg_id),
            )
            return cur.rowcount == 1

    async def wipe_replaced(self) -> None:
        """After a personal value is replaced or removed: the WAL's older frames still hold
        it, so empty the WAL (the file itself overwrote it: `secure_delete`)."""
        await self._db.wipe_wal()

    @staticmethod
    async def set_organiser(conn: Writer, *, tg_id: int, is_organiser: bool) -> bool:
        """Set the organiser flag; a person not yet known is created with only their id.

        Returns True when the flag changed.
        """
        now = utc_now()
        cur = await conn.execute(
            "UPDATE people SET is_organiser = ?, updated_at = ?"
            " WHERE tg_id = ? AND is_organiser != ?",
            (is_organiser, now, tg_id, is_organiser),
        )
        changed = cur.rowcount == 1
        if not changed and is_organiser:
            cur = await conn.execute(
                "INSERT INTO people (tg_id, language, is_organiser, created_at, updated_at)"
                " VALUES (?, 'ru', TRUE, ?, ?) ON CONFLICT (tg_id) DO NOTHING",
                (tg_id, now, now),
            )
            changed = cur.rowcount == 1
        return changed

    async def set_blocked(self, *, tg_id: int, blocked: bool) -> bool:
        """Mark a person who blocked the bot (403), or un-mark them when they write again."""
        now = utc_now()
        return (
            await self._db.execute_write(
                "UPDATE people SET blocked_at = ?, updated_at = ? WHERE tg_id = ?"
                " AND (blocked_at IS NULL) = ?",
                (now if blocked else None, now, tg_id, blocked),
            )
            == 1
        )

    async def list_organisers(self, *, conn: Writer | None = None) -> list[Person]:
        # A parameter, not the bare flag: SQLite then uses its partial index of organisers.
        async with (conn or self._db.read).execute(
            f"SELECT {_COLUMNS} FROM people WHERE is_organiser = ?",  # noqa: S608
            (True,),
        ) as cur:
            return [_person(tuple(row)) for row in await cur.fetchall()]
