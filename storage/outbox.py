"""The outbox: one row per message the bot sends on its own."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, Writer, from_db_time, utc_now


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # handed to Telegram, the answer not yet recorded
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot
    FAILED = "failed"
    CANCELLED = "cancelled"


QUEUED, SENDING, SENT, BLOCKED, FAILED, CANCELLED = OutboxState


@dataclass(frozen=True, slots=True)
class Document:
    """A small file made by the bot (an .ics), kept in the row until it is sent."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class NewMessage:
    chat_id: int
    purpose: str
    text: str | None = None
    reply_markup: dict[str, Any] | None = None
    from_chat_id: int | None = None  # copy this message instead of sending text
    from_message_id: int | None = None
    dedup_key: str | None = None
    broadcast_id: int | None = None
    not_before: datetime | None = None
    priority: int = 0  # lower goes first; broadcasts wait behind notices
    document: Document | None = None  # a file instead of text; `text` is its caption

    @property
    def kind(self) -> str:
        if self.document is not None:
            return "document"
        return "copy" if self.from_message_id is not None else "text"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    purpose: str
    kind: str
    text: str | None
    reply_markup: dict[str, Any] | None
    from_chat_id: int | None
    from_message_id: int | None
    attempts: int
    broadcast_id: int | None
    document: Document | None = None


_COLUMNS = (
    "id, chat_id, purpose, kind, text, reply_markup, from_chat_id, from_message_id, attempts,"
    " broadcast_id, file_name, file_data"
)


# A broadcast's rows wait until all its recipients are queued (storage/broadcasts.py):
# a broadcast withdrawn or stopped half-way must not have sent to its first batches.
# The subquery is not correlated, so both stores read the (few) queueing broadcasts once
# per query rather than once per row. 'queueing' is BroadcastStatus.QUEUEING, written out:
# storage/broadcasts.py imports this module.
_NOT_HELD = (
    "COALESCE(o.broadcast_id, 0) NOT IN (SELECT b.id FROM broadcasts b"
    " WHERE b.status = 'queueing')"
)


def _row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row[0],
        chat_id=row[1],
        purpose=row[2],
        kind=row[3],
        text=row[4],
        reply_markup=json.loads(row[5]) if row[5] else None,
        from_chat_id=row[6],
        from_message_id=row[7],
        attempts=row[8],
        broadcast_id=row[9],
        document=Document(row[10], bytes(row[11])) if row[10] is not None else None,
    )


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, messages: list[NewMessage], *, conn: Writer | None = None) -> int:
        """Queue messages in one transaction (the caller's `conn`, so that the notices of
        a change commit with it, or a new one); a dedup_key already queued is skipped.

        Returns how many rows were added.
        """
        if conn is None:
            async with self._db.transaction() as own:
                return await self._insert(own, messages)
        return await self._insert(conn, messages)

    async def _insert(self, conn: Writer, messages: list[NewMessage]) -> int:
        now = utc_now()
        added = 0
        for message in messages:
            cur = await conn.execute(
                "INSERT INTO outbox (chat_id, purpose, dedup_key, broadcast_id, kind, text,"
                " reply_markup, from_chat_id, from_message_id, file_name, file_data,"
                " not_before, priority, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (dedup_key) DO NOTHING",
                (
                    message.chat_id,
                    message.purpose,
                    message.dedup_key,
                    message.broadcast_id,
                    message.kind,
                    message.text,
                    json.dumps(message.reply_markup, ensure_ascii=False)
                    if message.reply_markup
                    else None,
                    message.from_chat_id,
                    message.from_message_id,
                    message.document.name if message.document else None,
                    message.document.data if message.document else None,
                    message.not_before or now,
                    message.priority,
                    now,
                    now,
                ),
            )
            added += cur.rowcount
        return added

    async def due(
        self,
        *,
        now: datetime,
        limit: int,
        skip: set[int],
        busy_chats: Collection[int] = (),
    ) -> list[OutboxRow]:
        """Queued rows whose time has come, notices before broadcasts, oldest first,
        except those already taken and those of chats that must wait (so that a hundred
        notices to one organiser do not hide everybody else's messages).

        Rows of people who blocked the bot are not returned (see `close_blocked`), nor
        those of a broadcast whose recipients are still being queued (`_NOT_HELD`).
        """
        async with self._db.read.execute(
            f"SELECT {_COLUMNS} FROM outbox o WHERE state = 'queued' AND not_before <= ?"  # noqa: S608
            " AND chat_id <> ALL(?)"
            " AND NOT EXISTS (SELECT 1 FROM people p WHERE p.tg_id = o.chat_id"
            " AND p.blocked_at IS NOT NULL) AND "
            + _NOT_HELD
            + " ORDER BY priority, not_before, id LIMIT ?",
            (now, list(busy_chats), limit + len(skip)),
        ) as cur:
            rows = [_row(row) for row in await cur.fetchall()]
        return [row for row in rows if row.id not in skip][:limit]

    async def next_due_at(self) -> datetime | None:
        """When the next row `due` would return falls due (rows of people who blocked the
        bot are left out there, so here too: otherwise the engine would wake for them
        again and again), and so are held broadcast rows."""
        async with self._db.read.execute(
            "SELECT MIN(not_before) FROM outbox o WHERE state = 'queued' AND NOT EXISTS ("  # noqa: S608
            "SELECT 1 FROM people p WHERE p.tg_id = o.chat_id AND p.blocked_at IS NOT NULL)"
            " AND " + _NOT_HELD
        ) as cur:
            row = await cur.fetchone()
        return from_db_time(row[0]) if row else None

    async def mark_sending(self, *, row_id: int) -> bool:
        """Hand a row to the Bot API: from here on a crash may send it twice."""
        return (
            await self._db.execute_write(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?"
                " WHERE id = ? AND state = 'queued'",
                (utc_now(), row_id),
            )
            == 1
        )

    async def finish(
        self, *, row_id: int, state: str, error: str | None = None, message_id: int | None = None
    ) -> None:
        # Only a row this sender holds ('sending'): a sender that lost the lead while
        # the row was in flight must not undo what the new leader recorded.
        await self._db.execute_write(
            "UPDATE outbox SET state = ?, last_error = ?, sent_message_id = ?, updated_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (state, error, message_id, utc_now(), row_id),
        )

    async def retry_later(
        self, *, row_id: int, not_before: datetime, error: str, count_attempt: bool = True
    ) -> None:
        await self._db.execute_write(
            # A row of a broadcast stopped while it was in flight is not tried again, nor
            # one to a person who blocked the bot meanwhile (another message to them got
            # the 403 while this one was in flight: `close_blocked` could not see it).
            "UPDATE outbox SET state = CASE WHEN broadcast_id IN"
            " (SELECT id FROM broadcasts WHERE status = 'stopped') THEN 'cancelled'"
            " WHEN EXISTS (SELECT 1 FROM people p WHERE p.tg_id = outbox.chat_id"
            " AND p.blocked_at IS NOT NULL) THEN 'blocked'"
            " ELSE 'queued' END, not_before = ?, last_error = ?,"
            " attempts = attempts - ?, updated_at = ? WHERE id = ? AND state = 'sending'",
            (not_before, error, 0 if count_attempt else 1, utc_now(), row_id),
        )

    async def close_blocked(self, *, chat_id: int) -> int:
        """A person blocked the bot: nothing more is sent to them."""
        return await self._db.execute_write(
            "UPDATE outbox SET state = 'blocked', updated_at = ?"
            " WHERE chat_id = ? AND state = 'queued'",
            (utc_now(), chat_id),
        )

    async def requeue_in_flight(self) -> int:
        """After a crash: rows handed to the API without a recorded answer go again.

        These are the only messages that may reach a person twice.
        """
        return await self._db.execute_write(
            "UPDATE outbox SET state = 'queued', updated_at = ? WHERE state = 'sending'",
            (utc_now(),),
        )

    async def counts(self, *, broadcast_id: int | None = None) -> dict[str, int]:
        params: tuple[int, ...]
        if broadcast_id is None:
            sql, params = "SELECT state, COUNT(*) FROM outbox GROUP BY state", ()
        else:
            sql = "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY state"
            params = (broadcast_id,)
        async with self._db.read.execute(sql, params) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}
