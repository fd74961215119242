"""One-time organiser invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditEntry, write
from storage.db import Database, Writer, db_time, from_db_time


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


def _invite(row: tuple) -> Invite:
    return Invite(
        code=row[0],
        created_by=row[1],
        created_at=db_time(row[2]),
        expires_at=db_time(row[3]),
        used_by=row[4],
        used_at=from_db_time(row[5]),
    )


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        code: str,
        created_by: int,
        now: datetime,
        expires_at: datetime,
        audit: AuditEntry | None = None,
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO invites (code, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (code, created_by, now, expires_at),
            )
            if audit is not None:
                await write(conn, audit)

    async def get(self, *, code: str) -> Invite | None:
        async with self._db.read.execute(
            "SELECT code, created_by, created_at, expires_at, used_by, used_at"
            " FROM invites WHERE code = ?",
            (code,),
        ) as cur:
            row = await cur.fetchone()
        return _invite(tuple(row)) if row else None

    @staticmethod
    async def redeem(conn: Writer, *, code: str, tg_id: int, now: datetime) -> bool:
        """Mark the invite used and make the person an organiser (the caller's transaction).

        Returns False when the invite is missing, used or expired (nothing is written).
        """
        cur = await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ?"
            " WHERE code = ? AND used_by IS NULL AND expires_at > ?",
            (tg_id, now, code, now),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute(
            "UPDATE people SET is_organiser = TRUE, updated_at = ? WHERE tg_id = ?",
            (now, tg_id),
        )
        return True
