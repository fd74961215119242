"""What schools and telebridges keep about a person, for /mydata and /forget.

A coordinator's id is in their coordinator rows, in the proposals they made and the
reports they wrote, and as the creator of an institution or a telebridge. /forget
deletes the coordinator rows and clears the id everywhere else: the telebridges and
reports belong to the schools and stay, without the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Writer, from_db_time


@dataclass(frozen=True, slots=True)
class CoordinatorRecord:
    institution_id: int
    name: str
    city_id: int
    status: str  # active | pending | declined
    since: datetime
    registered_it: bool  # the person registered the institution


def _since(value: str | datetime) -> datetime:
    """A coordinator row's created_at, which the schema declares NOT NULL."""
    moment = from_db_time(value)
    assert moment is not None
    return moment


@dataclass(frozen=True, slots=True)
class SignedRecords:
    proposals: int  # proposals and counter-proposals they made
    reports: int  # "Состоялся ли телемост?" answers they gave
    created: int  # telebridges they started


class TelebridgePrivacyRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def coordinator_records(self, *, tg_id: int) -> list[CoordinatorRecord]:
        async with self._db.read.execute(
            "SELECT i.id, i.name, i.city_id, c.status, c.created_at, i.created_by = c.tg_id"
            " FROM coordinators c JOIN institutions i ON i.id = c.institution_id"
            " WHERE c.tg_id = ? ORDER BY c.created_at",
            (tg_id,),
        ) as cur:
            return [
                CoordinatorRecord(row[0], row[1], row[2], row[3], _since(row[4]), bool(row[5]))
                for row in await cur.fetchall()
            ]

    async def signed(self, *, tg_id: int) -> SignedRecords:
        async with self._db.read.execute(
            "SELECT (SELECT COUNT(*) FROM telebridge_rounds WHERE tg_id = ?),"
            " (SELECT COUNT(*) FROM telebridge_reports WHERE tg_id = ?),"
            " (SELECT COUNT(*) FROM telebridges WHERE created_by = ?)",
            (tg_id, tg_id, tg_id),
        ) as cur:
            row = await cur.fetchone()
        return SignedRecords(row[0], row[1], row[2]) if row else SignedRecords(0, 0, 0)

    async def erase(self, conn: Writer, *, tg_id: int) -> tuple[int, int]:
        """Delete the person's coordinator rows and clear their id from the rest;
        returns (coordinator rows deleted, records left without the person)."""
        deleted = await conn.execute("DELETE FROM coordinators WHERE tg_id = ?", (tg_id,))
        cleared = 0
        for sql in (
            "UPDATE telebridge_rounds SET tg_id = NULL WHERE tg_id = ?",
            "UPDATE telebridge_reports SET tg_id = NULL WHERE tg_id = ?",
            "UPDATE telebridges SET created_by = NULL WHERE created_by = ?",
            "UPDATE institutions SET created_by = NULL WHERE created_by = ?",
        ):
            cleared += (await conn.execute(sql, (tg_id,))).rowcount
        return deleted.rowcount, cleared
