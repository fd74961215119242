"""Personal data kept by the core capabilities: reading all of it for one person, erasing
it (/forget), and anonymising what is older than the retention period.

Erasing never deletes a registration: the row stays without its person (tg_id NULL, no
answers, no guardian), so counts of registrations, seats and participants stay right.
Writes take the caller's transaction (`conn`): /forget is one transaction from the first
seat released to the last row erased.

The retention job's writes each do at most `RETENTION_BATCH` rows and say how many they
did: the caller commits each batch in a transaction of its own and calls again until a
call does nothing, so a year of ended trips never holds the store's write lock (or, on
SQLite, the event loop) for more than a few milliseconds at a time. Every query here is
answered by an index (migrations 0007 and 0013), never by reading a whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Writer, db_time, from_db_time

# The outbox keeps a row per message for figures; an erased row keeps its state and
# purpose but loses its text, buttons, key and chat (0 = erased).
ERASED_CHAT = 0
# Rows the retention job changes in one transaction: a few milliseconds of work.
RETENTION_BATCH = 500


@dataclass(frozen=True, slots=True)
class HistoryItem:
    registration_id: int
    status: str
    changed_at: datetime
    by_self: bool  # the person themselves (registered, left), not an organiser


@dataclass(frozen=True, slots=True)
class Subscription:
    event_id: int
    title: str
    city_id: int
    starts_at: datetime
    ends_at: datetime
    subscribed_at: datetime


@dataclass(frozen=True, slots=True)
class OptOut:
    kind: str
    target_id: int
    title: str | None  # the trip's title
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffRecord:
    """What the bot keeps about a person's work as organiser or admin."""

    trips: list[tuple[int, str]]  # trips whose new registrations they receive
    invite_used_at: datetime | None  # when they became organiser by an invite
    audit_by: int  # audit entries of their own actions
    audit_about: int  # entries about them (rights given or taken)


@dataclass(frozen=True, slots=True)
class MessageRecord:
    by_purpose: dict[str, int]  # messages the bot sent (or queued) to them on its own
    queued: int
    open_form: bool  # a half-filled form is stored


class PrivacyRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Reading

    async def registration_history(self, *, tg_id: int) -> list[HistoryItem]:
        async with self._db.read.execute(
            "SELECT h.registration_id, h.status, h.changed_at, h.changed_by = r.tg_id"
            " FROM registration_history h JOIN registrations r ON r.id = h.registration_id"
            " WHERE r.tg_id = ? ORDER BY h.id",
            (tg_id,),
        ) as cur:
            return [
                HistoryItem(row[0], row[1], db_time(row[2]), bool(row[3]))
                for row in await cur.fetchall()
            ]

    async def subscriptions(self, *, tg_id: int) -> list[Subscription]:
        async with self._db.read.execute(
            "SELECT e.id, e.title, e.city_id, e.starts_at, e.ends_at, s.created_at"
            " FROM event_subscriptions s JOIN events e ON e.id = s.event_id"
            " WHERE s.tg_id = ? ORDER BY e.starts_at, e.id",
            (tg_id,),
        ) as cur:
            return [
                Subscription(
                    row[0],
                    row[1],
                    row[2],
                    db_time(row[3]),
                    db_time(row[4]),
                    db_time(row[5]),
                )
                for row in await cur.fetchall()
            ]

    async def optouts(self, *, tg_id: int) -> list[OptOut]:
        async with self._db.read.execute(
            "SELECT o.kind, o.target_id, t.title, o.created_at FROM reminder_optouts o"
            " LEFT JOIN trips t ON o.kind = 'trip' AND t.id = o.target_id"
            " WHERE o.tg_id = ? ORDER BY o.created_at",
            (tg_id,),
        ) as cur:
            return [
                OptOut(row[0], row[1], row[2], db_time(row[3])) for row in await cur.fetchall()
            ]

    async def staff_record(self, *, tg_id: int) -> StaffRecord:
        async with self._db.read.execute(
            "SELECT t.id, t.title FROM trip_organisers o JOIN trips t ON t.id = o.trip_id"
            " WHERE o.tg_id = ? ORDER BY t.starts_at, t.id",
            (tg_id,),
        ) as cur:
            trips = [(row[0], row[1]) for row in await cur.fetchall()]
        async with self._db.read.execute(
            "SELECT MAX(used_at) FROM invites WHERE used_by = ?", (tg_id,)
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # MAX() without GROUP BY always returns one row (NULL if none)
        used_at = from_db_time(row[0])
        async with self._db.read.execute(
            "SELECT COUNT(*) FILTER (WHERE actor_id = ?), COUNT(*) FILTER (WHERE"
            " object_kind = 'person' AND object_id = ?) FROM audit_log"
            " WHERE actor_id = ? OR (object_kind = 'person' AND object_id = ?)",
            (tg_id, tg_id, tg_id, tg_id),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        by, about = row
        return StaffRecord(trips, used_at, by, about)

    async def message_record(self, *, tg_id: int) -> MessageRecord:
        async with self._db.read.execute(
            "SELECT purpose, COUNT(*), COUNT(*) FILTER (WHERE state = 'queued')"
            " FROM outbox WHERE chat_id = ? GROUP BY purpose ORDER BY purpose",
            (tg_id,),
        ) as cur:
            rows = await cur.fetchall()
        # A form's row keeps the user of its key (`bot:chat:user:...`; in a private chat
        # the chat is the same person): found by its index.
        async with self._db.read.execute(
            "SELECT COUNT(*) FROM fsm_states WHERE user_id = ? AND state IS NOT NULL",
            (tg_id,),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None  # COUNT(*) always returns one row
        forms = row[0]
        by_purpose = {row[0]: row[1] for row in rows}
        return MessageRecord(by_purpose, sum(row[2] for row in rows), forms > 0)

    # Erasing one person (/forget), inside the caller's transaction

    @staticmethod
    async def registration_ids(conn: Writer, *, tg_id: int) -> list[int]:
        # By trip: each release locks its trip, and two erasures (or an erasure and a
        # trip's edit) that lock trips in one order never deadlock on PostgreSQL.
        return await _ids(
            conn,
            "SELECT id FROM registrations WHERE tg_id = ? ORDER BY trip_id, id",
            (tg_id,),
        )

    @staticmethod
    async def anonymise_registrations(conn: Writer, *, tg_id: int, now: datetime) -> int:
        """Their registrations stay as rows without person, answers or guardian; their own
        steps in the history lose their id (organisers' decisions keep the organiser's)."""
        ids = await _ids(
            conn, "SELECT id FROM registrations WHERE tg_id = ? ORDER BY id", (tg_id,)
        )
        if not ids:
            return 0
        await conn.execute(
            "UPDATE registration_history SET changed_by = NULL WHERE changed_by = ?"
            " AND registration_id = ANY(?)",
            (tg_id, ids),
        )
        await _anonymise(conn, ids, now)
        return len(ids)

    @staticmethod
    async def delete_subscriptions(conn: Writer, *, tg_id: int) -> int:
        cur = await conn.execute("DELETE FROM event_subscriptions WHERE tg_id = ?", (tg_id,))
        return cur.rowcount

    @staticmethod
    async def delete_optouts(conn: Writer, *, tg_id: int) -> int:
        cur = await conn.execute("DELETE FROM reminder_optouts WHERE tg_id = ?", (tg_id,))
        return cur.rowcount

    @staticmethod
    async def erase_messages(
        conn: Writer, *, tg_id: int, mentions: tuple[str, ...], now: datetime
    ) -> tuple[int, int]:
        """Messages to them: the queued ones cancelled, all of them emptied. Messages to
        others that name them (a new registration sent to organisers) are emptied too,
        found by the exact text of their name or phone. Returns (cancelled, emptied)."""
        cur = await conn.execute(
            "UPDATE outbox SET state = 'cancelled', updated_at = ?"
            " WHERE chat_id = ? AND state = 'queued'",
            (now, tg_id),
        )
        cancelled = cur.rowcount
        cur = await conn.execute(
            "UPDATE outbox SET chat_id = ?, text = NULL, reply_markup = NULL, file_name = NULL,"
            " file_data = NULL, dedup_key = NULL, last_error = NULL, updated_at = ?"
            " WHERE chat_id = ?",
            (ERASED_CHAT, now, tg_id),
        )
        emptied = cur.rowcount
        for mention in mentions:
            # The whole outbox is searched: in a worker thread (Writer.execute_bulk).
            cur = await conn.execute_bulk(
                "UPDATE outbox SET text = NULL, reply_markup = NULL, file_name = NULL,"
                " file_data = NULL, updated_at = ?,"
                " state = CASE state WHEN 'queued' THEN 'cancelled' ELSE state END"
                " WHERE text IS NOT NULL AND instr(text, ?) > 0",
                (now, mention),
            )
            emptied += cur.rowcount
        return cancelled, emptied

    @staticmethod
    async def erase_staff_links(conn: Writer, *, tg_id: int) -> int:
        """Trips whose registrations they receive; the invite they used stays used."""
        cur = await conn.execute("DELETE FROM trip_organisers WHERE tg_id = ?", (tg_id,))
        removed = cur.rowcount
        await conn.execute("UPDATE invites SET used_by = NULL WHERE used_by = ?", (tg_id,))
        return removed

    @staticmethod
    async def delete_person(conn: Writer, *, tg_id: int) -> bool:
        """The profile, and any half-filled form of theirs."""
        await conn.execute("DELETE FROM fsm_states WHERE user_id = ?", (tg_id,))
        cur = await conn.execute("DELETE FROM people WHERE tg_id = ?", (tg_id,))
        return cur.rowcount == 1

    # Retention: things that ended before a moment, a batch at a time (at most `limit`
    # rows each call, in the caller's transaction; the count says how many were done)

    @staticmethod
    async def anonymise_registrations_ended(
        conn: Writer, *, before: datetime, now: datetime, limit: int | None = None
    ) -> int:
        """Registrations for trips that ended before the moment lose their person: the
        ended trips found by their end (trips_end), their registrations not yet
        anonymised by a partial index that holds only those (registrations_unanonymised)."""
        ids = await _ids(
            conn,
            "SELECT id FROM registrations WHERE anonymised_at IS NULL"
            " AND trip_id IN (SELECT id FROM trips WHERE ends_at < ?) LIMIT ?",
            (before, limit or RETENTION_BATCH),
        )
        if not ids:
            return 0
        await conn.execute(
            "UPDATE registration_history SET changed_by = NULL"
            " WHERE registration_id = ANY(?)"
            " AND changed_by = (SELECT r.tg_id FROM registrations r"
            " WHERE r.id = registration_history.registration_id)",
            (ids,),
        )
        await _anonymise(conn, ids, now)
        return len(ids)

    @staticmethod
    async def delete_optouts_ended(
        conn: Writer, *, before: datetime, limit: int | None = None
    ) -> int:
        cur = await conn.execute(
            "DELETE FROM reminder_optouts WHERE (kind, target_id, tg_id) IN"
            " (SELECT kind, target_id, tg_id FROM reminder_optouts WHERE kind = 'trip'"
            " AND target_id IN (SELECT id FROM trips WHERE ends_at < ?) LIMIT ?)",
            (before, limit or RETENTION_BATCH),
        )
        return cur.rowcount

    @staticmethod
    async def delete_subscriptions_ended(
        conn: Writer, *, before: datetime, limit: int | None = None
    ) -> int:
        cur = await conn.execute(
            "DELETE FROM event_subscriptions WHERE (event_id, tg_id) IN"
            " (SELECT event_id, tg_id FROM event_subscriptions"
            " WHERE event_id IN (SELECT id FROM events WHERE ends_at < ?) LIMIT ?)",
            (before, limit or RETENTION_BATCH),
        )
        return cur.rowcount

    @staticmethod
    async def erase_old_messages(
        conn: Writer, *, before: datetime, limit: int | None = None
    ) -> int:
        """What the bot sent before the moment: the rows stay for figures, their texts,
        attached files and keys (which hold ids) go. Broadcast rows hold no text (they are
        copies); a document (a telebridge's .ics) always has a caption. The rows with a
        text are found by their index (outbox_text_created), which an erased row leaves."""
        cur = await conn.execute(
            "UPDATE outbox SET text = NULL, reply_markup = NULL, file_name = NULL,"
            " file_data = NULL, dedup_key = NULL, last_error = NULL"
            " WHERE id IN (SELECT id FROM outbox WHERE text IS NOT NULL AND created_at < ?"
            " AND state NOT IN ('queued', 'sending') LIMIT ?)",
            (before, limit or RETENTION_BATCH),
        )
        return cur.rowcount


async def _ids(conn: Writer, sql: str, params: tuple[object, ...]) -> list[int]:
    async with conn.execute(sql, params) as cur:
        return [row[0] for row in await cur.fetchall()]


async def _anonymise(conn: Writer, ids: list[int], now: datetime) -> None:
    await conn.execute(
        "UPDATE registration_history SET note = NULL WHERE registration_id = ANY(?)",
        (ids,),
    )
    await conn.execute(
        "UPDATE registrations SET tg_id = NULL, answers = '{}', guardian_name = NULL,"
        " guardian_consent_at = NULL, reject_reason = NULL, anonymised_at = ?"
        " WHERE id = ANY(?)",
        (now, ids),
    )
