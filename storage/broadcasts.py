"""Broadcasts: an organiser's message copied to every person of a segment.

A broadcast's recipients are outbox rows queued in the same transaction that starts
it (INSERT ... SELECT, so 50,000 people are one statement), which the delivery engine
then drains. Figures are the outbox rows counted by state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.audit import AuditEntry, write
from storage.db import Database, Writer, db_time, from_db_time
from storage.outbox import BLOCKED, CANCELLED, FAILED, QUEUED, SENDING, SENT


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "sending"
    DONE = "done"
    STOPPED = "stopped"
    WITHDRAWN = "cancelled"  # a scheduled one called off before it began


SCHEDULED, RUNNING, DONE, STOPPED, WITHDRAWN = BroadcastStatus
PURPOSE = "broadcast"
PRIORITY = 1  # after notices and reminders

# Everyone the bot may write to on its own: people who finished onboarding (and so
# consented). Someone who declined consent is kept only to remember their language.
_ONBOARDED = (
    "p.consent_at IS NOT NULL AND p.full_name IS NOT NULL AND p.city_id IS NOT NULL"
    " AND p.role IS NOT NULL AND p.organisation IS NOT NULL"
)

_COLUMNS = (
    "id, created_by, segment, from_chat_id, from_message_id, content_kind, status,"
    " scheduled_for, late, recipients, progress_chat_id, progress_message_id, started_at,"
    " finished_at, stopped_by, created_at"
)


@dataclass(frozen=True, slots=True)
class RecipientFilter:
    """Who gets a broadcast; empty fields do not narrow it."""

    city_id: int | None = None
    role: str | None = None
    language: str | None = None
    trip_id: int | None = None
    trip_statuses: tuple[str, ...] = ()
    event_id: int | None = None
    coordinators: bool = False  # active coordinators of institutions, narrowed by:
    institution_city_id: int | None = None
    institution_kind: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        conditions, params = [_ONBOARDED], []
        for column, value in (
            ("p.city_id", self.city_id),
            ("p.role", self.role),
            ("p.language", self.language),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if self.trip_id is not None:
            marks = ", ".join("?" for _ in self.trip_statuses)
            statuses = f"r.status IN ({marks})"
            registered = "SELECT r.tg_id FROM registrations r WHERE r.trip_id = ? AND "
            conditions.append(f"p.tg_id IN ({registered}{statuses})")
            params += [self.trip_id, *self.trip_statuses]
        if self.event_id is not None:
            conditions.append(
                "p.tg_id IN (SELECT s.tg_id FROM event_subscriptions s WHERE s.event_id = ?)"
            )
            params.append(self.event_id)
        if self.coordinators:
            inner = (
                "SELECT c.tg_id FROM coordinators c JOIN institutions i"
                " ON i.id = c.institution_id WHERE c.status = 'active'"
            )
            if self.institution_city_id is not None:
                inner += " AND i.city_id = ?"
                params.append(self.institution_city_id)
            if self.institution_kind is not None:
                inner += " AND i.kind = ?"
                params.append(self.institution_kind)
            conditions.append(f"p.tg_id IN ({inner})")
        return " AND ".join(conditions), params


@dataclass(frozen=True, slots=True)
class Source:
    """The organiser's own message that every recipient gets a copy of."""

    chat_id: int
    message_id: int
    kind: str  # text | photo | document


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int
    segment: str
    source: Source
    status: str
    scheduled_for: datetime | None
    late: bool
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None
    started_at: datetime | None
    finished_at: datetime | None
    stopped_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Figures:
    """Where a broadcast's messages are: delivered, unreachable, failed, not sent, left."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    queued: int = 0
    sending: int = 0

    @property
    def left(self) -> int:
        return self.queued + self.sending

    @property
    def processed(self) -> int:
        return self.sent + self.blocked + self.failed

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> Figures:
        return cls(
            sent=counts.get(SENT, 0),
            blocked=counts.get(BLOCKED, 0),
            failed=counts.get(FAILED, 0),
            cancelled=counts.get(CANCELLED, 0),
            queued=counts.get(QUEUED, 0),
            sending=counts.get(SENDING, 0),
        )


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(
        id=row[0],
        created_by=row[1],
        segment=row[2],
        source=Source(chat_id=row[3], message_id=row[4], kind=row[5]),
        status=row[6],
        scheduled_for=from_db_time(row[7]),
        late=bool(row[8]),
        recipients=row[9],
        progress_chat_id=row[10],
        progress_message_id=row[11],
        started_at=from_db_time(row[12]),
        finished_at=from_db_time(row[13]),
        stopped_by=row[14],
        created_at=db_time(row[15]),
    )


class BroadcastRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count_recipients(self, audience: RecipientFilter) -> tuple[int, int]:
        """How many people the segment has now, and how many of them blocked the bot."""
        where, params = audience.where()
        async with self._db.read.execute(
            "SELECT COUNT(*), COUNT(p.blocked_at) FROM people p WHERE " + where,  # noqa: S608
            params,
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        return row[0], row[1]

    async def create(
        self,
        *,
        created_by: int,
        segment: str,
        audience: RecipientFilter,
        source: Source,
        now: datetime,
        scheduled_for: datetime | None = None,
        progress: tuple[int, int] | None = None,
        audit: AuditEntry | None = None,
    ) -> Broadcast:
        """A broadcast sent at once (recipients queued now) or scheduled for later.

        The `audit` entry is written with the new broadcast's id and its recipient count.
        """
        async with self._db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO broadcasts (created_by, segment, from_chat_id, from_message_id,"
                " content_kind, status, scheduled_for, progress_chat_id, progress_message_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (
                    created_by,
                    segment,
                    source.chat_id,
                    source.message_id,
                    source.kind,
                    SCHEDULED,
                    scheduled_for,
                    progress[0] if progress else None,
                    progress[1] if progress else None,
                    now,
                    now,
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            broadcast_id = int(row[0])
            recipients = None
            if scheduled_for is None:
                recipients = await self._start(
                    conn, broadcast_id, audience, source, now=now, late=False
                )
            if audit is not None:
                diff = dict(audit.diff)
                if recipients is not None:
                    diff["recipients"] = recipients
                await write(conn, replace(audit, object_id=broadcast_id, diff=diff))
        found = await self.get(broadcast_id=broadcast_id)
        assert found is not None
        return found

    async def start_scheduled(
        self, *, broadcast_id: int, audience: RecipientFilter, now: datetime, late: bool
    ) -> bool:
        """A scheduled broadcast's time came: queue its recipients (once).

        The row is locked (FOR UPDATE; SQLite has one writer at a time anyway): a second
        worker starting it at the same moment waits, then finds it started.
        """
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT from_chat_id, from_message_id, content_kind FROM broadcasts"
                " WHERE id = ? AND status = ? FOR UPDATE",
                (broadcast_id, SCHEDULED),
            ) as found:
                row = await found.fetchone()
            if row is None:
                return False  # cancelled or started meanwhile
            source = Source(chat_id=row[0], message_id=row[1], kind=row[2])
            await self._start(conn, broadcast_id, audience, source, now=now, late=late)
        return True

    async def _start(
        self,
        conn: Writer,
        broadcast_id: int,
        audience: RecipientFilter,
        source: Source,
        *,
        now: datetime,
        late: bool,
    ) -> int:
        where, params = audience.where()
        # People known to have blocked the bot get a row closed at once: they count as
        # unreachable in the report, and nothing is sent to them. The key's prefix is
        # one text parameter and the id is cast: PostgreSQL's || joins text only.
        cur = await conn.execute_bulk(
            "INSERT INTO outbox (chat_id, purpose, dedup_key, broadcast_id, kind,"  # noqa: S608
            " from_chat_id, from_message_id, state, last_error, not_before, priority,"
            " created_at, updated_at)"
            " SELECT p.tg_id, ?, ? || CAST(p.tg_id AS TEXT), ?, 'copy', ?, ?,"
            " CASE WHEN p.blocked_at IS NULL THEN 'queued' ELSE 'blocked' END,"
            " CASE WHEN p.blocked_at IS NULL THEN NULL ELSE 'blocked before' END,"
            " ?, ?, ?, ? FROM people p WHERE " + where + " ON CONFLICT (dedup_key) DO NOTHING",
            [
                PURPOSE,
                f"broadcast:{broadcast_id}:",
                broadcast_id,
                source.chat_id,
                source.message_id,
                now,
                PRIORITY,
                now,
                now,
                *params,
            ],
        )
        recipients = cur.rowcount
        await conn.execute(
            "UPDATE broadcasts SET status = ?, recipients = ?, started_at = ?, late = ?,"
            " updated_at = ? WHERE id = ?",
            (RUNNING, recipients, now, late, now, broadcast_id),
        )
        return recipients

    async def get(self, *, broadcast_id: int, conn: Writer | None = None) -> Broadcast | None:
        async with (conn or self._db.read).execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?",  # noqa: S608 - constant columns
            (broadcast_id,),
        ) as cur:
            row = await cur.fetchone()
        return _broadcast(row) if row else None

    async def due_scheduled(self, *, now: datetime) -> list[Broadcast]:
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? AND scheduled_for <= ?"  # noqa: S608
            " ORDER BY scheduled_for, id",
            (SCHEDULED, now),
        ) as cur:
            return [_broadcast(row) for row in await cur.fetchall()]

    async def next_scheduled_at(self) -> datetime | None:
        async with self._db.read.execute(
            "SELECT MIN(scheduled_for) FROM broadcasts WHERE status = ?", (SCHEDULED,)
        ) as cur:
            row = await cur.fetchone()
        return from_db_time(row[0]) if row else None

    async def unfinished(self) -> list[Broadcast]:
        """Broadcasts being sent, and stopped ones whose last messages are still out."""
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN (?, ?)"  # noqa: S608
            " AND finished_at IS NULL ORDER BY id",
            (RUNNING, STOPPED),
        ) as cur:
            return [_broadcast(row) for row in await cur.fetchall()]

    async def figures(self, *, broadcast_id: int) -> Figures:
        async with self._db.read.execute(
            "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        ) as cur:
            return Figures.from_counts({row[0]: row[1] for row in await cur.fetchall()})

    async def stop(
        self,
        *,
        broadcast_id: int,
        stopped_by: int,
        now: datetime,
        audit: AuditEntry | None = None,
    ) -> bool:
        """Stop a running broadcast: whatever has not been handed to Telegram stays unsent."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE broadcasts SET status = ?, stopped_by = ?, updated_at = ?"
                " WHERE id = ? AND status = ?",
                (STOPPED, stopped_by, now, broadcast_id, RUNNING),
            )
            if cur.rowcount != 1:
                return False
            await conn.execute_bulk(
                "UPDATE outbox SET state = ?, last_error = 'stopped', updated_at = ?"
                " WHERE broadcast_id = ? AND state = ?",
                (CANCELLED, now, broadcast_id, QUEUED),
            )
            if audit is not None:
                await write(conn, audit)
        return True

    async def withdraw(
        self,
        *,
        broadcast_id: int,
        stopped_by: int,
        now: datetime,
        audit: AuditEntry | None = None,
    ) -> bool:
        """Cancel a scheduled broadcast before its time."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE broadcasts SET status = ?, stopped_by = ?, finished_at = ?,"
                " updated_at = ? WHERE id = ? AND status = ?",
                (WITHDRAWN, stopped_by, now, now, broadcast_id, SCHEDULED),
            )
            if cur.rowcount != 1:
                return False
            if audit is not None:
                await write(conn, audit)
        return True

    async def finish(self, conn: Writer, *, broadcast_id: int, now: datetime) -> bool:
        """Record the end once: a running one becomes done, a stopped one stays stopped."""
        cur = await conn.execute(
            "UPDATE broadcasts SET status = CASE status WHEN ? THEN ? ELSE status END,"
            " finished_at = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)"
            " AND finished_at IS NULL",
            (RUNNING, DONE, now, now, broadcast_id, RUNNING, STOPPED),
        )
        return cur.rowcount == 1

    async def set_progress_message(
        self, *, broadcast_id: int, chat_id: int, message_id: int
    ) -> None:
        await self._db.execute_write(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def history(self, *, limit: int, offset: int) -> tuple[list[Broadcast], int]:
        """Newest first, and the total count."""
        async with self._db.read.execute("SELECT COUNT(*) FROM broadcasts") as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        total = row[0]
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ? OFFSET ?",  # noqa: S608
            (limit, offset),
        ) as cur:
            return [_broadcast(row) for row in await cur.fetchall()], total
