"""Broadcasts: an organiser's message copied to every person of a segment.

A broadcast's recipients are outbox rows (INSERT ... SELECT), which the delivery engine
then drains. Figures are the outbox rows counted by state.

Recipients are queued in batches of QUEUE_BATCH people, one transaction each, so that a
broadcast to 50,000 people never holds the write lock for long. While it is being
queued the broadcast is 'queueing' and its rows are held: the delivery engine takes
none of them (`OutboxRepo.due`) until the last batch turns it 'sending'. A stop or a
withdrawal meanwhile cancels the rows queued so far in its own transaction, and the
next batch finds the broadcast no longer queueing and adds nothing. A queueing that
was cut short (a crash) is taken up again by the monitor (`stalled_queueing`); the
dedup key makes a batch queued twice harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.audit import AuditEntry, write
from storage.db import Database, Writer, db_time, from_db_time, utc_now
from storage.outbox import BLOCKED, CANCELLED, FAILED, QUEUED, SENDING, SENT


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUEING = "queueing"  # its recipients are being queued; nothing goes out yet
    RUNNING = "sending"
    DONE = "done"
    STOPPED = "stopped"
    WITHDRAWN = "cancelled"  # a scheduled one called off before it began


SCHEDULED, QUEUEING, RUNNING, DONE, STOPPED, WITHDRAWN = BroadcastStatus
PURPOSE = "broadcast"
PRIORITY = 1  # after notices and reminders
# People queued per transaction: about 10 ms of write lock on SQLite (read at call time).
QUEUE_BATCH = 2000

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


async def _locked(
    conn: Writer, broadcast_id: int, status: str
) -> tuple[Source, datetime | None] | None:
    """The broadcast's source and start, its row locked (FOR UPDATE) if it still has
    `status`; None otherwise."""
    async with conn.execute(
        "SELECT from_chat_id, from_message_id, content_kind, started_at FROM broadcasts"
        " WHERE id = ? AND status = ? FOR UPDATE",
        (broadcast_id, status),
    ) as found:
        row = await found.fetchone()
    if row is None:
        return None
    return Source(chat_id=row[0], message_id=row[1], kind=row[2]), from_db_time(row[3])


async def _queued(conn: Writer, broadcast_id: int) -> int:
    """How many outbox rows the broadcast has: its recipients (up to 50,000 index entries,
    so off the event loop)."""
    counted = await conn.fetch_bulk(
        "SELECT COUNT(*) FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
    )
    return int(counted[0][0])


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
        """A broadcast sent at once or scheduled for later, with its audit entry.

        One sent at once has its first batch of recipients queued here; when there are
        more, it comes back 'queueing' and `queue_rest` queues the others.
        """
        async with self._db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO broadcasts (created_by, segment, from_chat_id, from_message_id,"
                " content_kind, status, scheduled_for, progress_chat_id, progress_message_id,"
                " started_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    created_by,
                    segment,
                    source.chat_id,
                    source.message_id,
                    source.kind,
                    SCHEDULED if scheduled_for else QUEUEING,
                    scheduled_for,
                    progress[0] if progress else None,
                    progress[1] if progress else None,
                    None if scheduled_for else now,
                    now,
                    now,
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            broadcast_id = int(row[0])
            if audit is not None:
                await write(conn, replace(audit, object_id=broadcast_id))
            if scheduled_for is None:
                # The first batch goes with the broadcast itself: most audiences are one
                # batch, and then the whole use case is this one transaction.
                await self._queue_batch(conn, broadcast_id, audience, source, after=None, now=now)
        found = await self.get(broadcast_id=broadcast_id)
        assert found is not None
        return found

    async def start_scheduled(
        self, *, broadcast_id: int, audience: RecipientFilter, now: datetime, late: bool
    ) -> bool:
        """A scheduled broadcast's time came: it becomes 'queueing' with its first batch
        of recipients (once; `queue_rest` queues the others).

        The row is locked (FOR UPDATE; SQLite has one writer at a time anyway): a second
        worker starting it at the same moment waits, then finds it started.
        """
        async with self._db.transaction() as conn:
            locked = await _locked(conn, broadcast_id, SCHEDULED)
            if locked is None:
                return False  # cancelled or started meanwhile
            await conn.execute(
                "UPDATE broadcasts SET status = ?, started_at = ?, late = ?, updated_at = ?"
                " WHERE id = ?",
                (QUEUEING, now, late, now, broadcast_id),
            )
            source, _ = locked
            await self._queue_batch(conn, broadcast_id, audience, source, after=None, now=now)
        return True

    async def queue_rest(self, *, broadcast_id: int, audience: RecipientFilter) -> None:
        """Queue the recipients of a 'queueing' broadcast not queued yet, a batch per
        transaction; the last batch turns it 'sending'.

        Goes on after the last person queued, so it also takes up a queueing cut short;
        ends early when the broadcast is no longer 'queueing' (stopped or withdrawn
        meanwhile, or finished by another worker).
        """
        async with self._db.read.execute(
            "SELECT MAX(chat_id) FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
        ) as cur:
            row = await cur.fetchone()
        after: int | None = row[0] if row and row[0] is not None else None
        while True:
            after = await self.queue_next(
                broadcast_id=broadcast_id, audience=audience, after=after
            )
            if after is None:
                return

    async def queue_next(
        self, *, broadcast_id: int, audience: RecipientFilter, after: int | None
    ) -> int | None:
        """One batch, in its own transaction: the people after `after` (by Telegram id).

        Returns the last id queued, or None when nothing is left to do: everyone is
        queued (the broadcast is 'sending' now) or it is no longer 'queueing'.
        """
        async with self._db.transaction() as conn:
            locked = await _locked(conn, broadcast_id, QUEUEING)
            if locked is None:
                return None
            # Every batch carries the start's time: the rows keep one order.
            source, started_at = locked
            assert started_at is not None  # set when it began queueing
            return await self._queue_batch(
                conn, broadcast_id, audience, source, after=after, now=started_at
            )

    async def stalled_queueing(self, *, quiet_since: datetime) -> list[Broadcast]:
        """Broadcasts left 'queueing' with no batch since `quiet_since`: their queueing
        was cut short (every batch touches `updated_at`)."""
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? AND updated_at < ?"  # noqa: S608
            " ORDER BY id",
            (QUEUEING, quiet_since),
        ) as cur:
            return [_broadcast(row) for row in await cur.fetchall()]

    async def _queue_batch(
        self,
        conn: Writer,
        broadcast_id: int,
        audience: RecipientFilter,
        source: Source,
        *,
        after: int | None,
        now: datetime,
    ) -> int | None:
        """Queue the next QUEUE_BATCH people of the audience after `after` (by Telegram
        id); the last batch also turns the broadcast 'sending'.

        Returns the last id queued, or None when everyone is queued.
        """
        where, params = audience.where()
        if after is not None:
            where += " AND p.tg_id > ?"
            params = [*params, after]
        # Walks up to a batch of people (a whole sparse segment): off the event loop.
        found = await conn.fetch_bulk(
            "SELECT p.tg_id FROM people p WHERE " + where + " ORDER BY p.tg_id LIMIT 1 OFFSET ?",  # noqa: S608
            [*params, QUEUE_BATCH - 1],
        )
        upto: int | None = int(found[0][0]) if found else None
        if upto is not None:
            where += " AND p.tg_id <= ?"
            params = [*params, upto]
        # People known to have blocked the bot get a row closed at once: they count as
        # unreachable in the report, and nothing is sent to them. The key's prefix is
        # one text parameter and the id is cast: PostgreSQL's || joins text only.
        await conn.execute_bulk(
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
        if upto is not None:
            await conn.execute(
                "UPDATE broadcasts SET updated_at = ? WHERE id = ?", (utc_now(), broadcast_id)
            )
            return upto
        await conn.execute(
            "UPDATE broadcasts SET status = ?, recipients = ?, updated_at = ? WHERE id = ?",
            (RUNNING, await _queued(conn, broadcast_id), utc_now(), broadcast_id),
        )
        return None

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
        """Stop a running (or still queueing) broadcast: whatever has not been handed to
        Telegram stays unsent."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT status FROM broadcasts WHERE id = ? FOR UPDATE", (broadcast_id,)
            ) as found:
                row = await found.fetchone()
            if row is None or row[0] not in (RUNNING, QUEUEING):
                return False
            # One stopped while still queueing counts the recipients queued so far. The
            # count comes after the lock: on PostgreSQL a batch that held it has committed
            # and its rows are seen (a subquery in the UPDATE would see the rows from
            # before the wait).
            recipients = None if row[0] == RUNNING else await _queued(conn, broadcast_id)
            await conn.execute(
                "UPDATE broadcasts SET status = ?, stopped_by = ?, updated_at = ?,"
                " recipients = COALESCE(?, recipients) WHERE id = ?",
                (STOPPED, stopped_by, now, recipients, broadcast_id),
            )
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
        """Cancel a scheduled broadcast before its time, or one whose recipients are still
        being queued (nothing of it has gone out): the rows queued so far are cancelled
        in the same transaction."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                # started_at is cleared: nothing of it went out, and everything that
                # shows or reports broadcasts takes it for never started.
                "UPDATE broadcasts SET status = ?, stopped_by = ?, finished_at = ?,"
                " started_at = NULL, updated_at = ? WHERE id = ? AND status IN (?, ?)",
                (WITHDRAWN, stopped_by, now, now, broadcast_id, SCHEDULED, QUEUEING),
            )
            if cur.rowcount != 1:
                return False
            await conn.execute_bulk(
                "UPDATE outbox SET state = ?, last_error = 'withdrawn', updated_at = ?"
                " WHERE broadcast_id = ? AND state = ?",
                (CANCELLED, now, broadcast_id, QUEUED),
            )
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
