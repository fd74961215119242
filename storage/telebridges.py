"""Telebridges between two institutions, their proposal rounds and the reports after them.

Every change of state is a conditional UPDATE (on the status, the round and the side
awaited) inside the caller's transaction, so two people pressing at once yield one
change and the second learns that it was already made. A condition on a column that
may be NULL (the side awaited, the partner) is `IS NOT DISTINCT FROM ?`: equal, or both
NULL (SQLite's `IS ?` is not PostgreSQL's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.db import Database, Writer, db_time, from_db_time


class TelebridgeStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    RESCHEDULED = "rescheduled"  # agreed, and a new time is proposed
    DECLINED = "declined"
    CANCELLED = "cancelled"
    HELD = "held"
    NOT_HELD = "not_held"


class AgeGroup(StrEnum):
    PRESCHOOL = "preschool"  # 3-6 years
    PRIMARY = "primary"  # grades 1-4
    MIDDLE = "middle"  # grades 5-9
    SENIOR = "senior"  # grades 10-11
    STUDENTS = "students"  # college
    ADULTS = "adults"  # teachers, parents


PROPOSED, CONFIRMED, RESCHEDULED = (
    TelebridgeStatus.PROPOSED,
    TelebridgeStatus.CONFIRMED,
    TelebridgeStatus.RESCHEDULED,
)
DECLINED, CANCELLED, HELD, NOT_HELD = (
    TelebridgeStatus.DECLINED,
    TelebridgeStatus.CANCELLED,
    TelebridgeStatus.HELD,
    TelebridgeStatus.NOT_HELD,
)
# Statuses in which an institution's time is taken (a reschedule keeps the agreed time
# until the other side accepts the new one).
BOOKED = (CONFIRMED, RESCHEDULED)
OPEN = (PROPOSED, CONFIRMED, RESCHEDULED)

_COLUMNS = (
    "t.id, t.proposer_id, t.partner_id, t.partner_city_id, t.topic, t.age_group, t.starts_at,"
    " t.ends_at, t.duration_min, t.video_url, t.note, t.status, t.round, t.awaiting_id,"
    " t.reason, t.closed_by, t.sequence, t.created_by, t.confirmed_at, t.created_at,"
    " t.updated_at, t.open_offer, t.offer_id"
)
_ROUND_COLUMNS = (
    "telebridge_id, round, institution_id, tg_id, starts_at, duration_min, video_url, note,"
    " created_at"
)


@dataclass(frozen=True, slots=True)
class Terms:
    """When and how: what a proposal offers and a confirmation fixes."""

    starts_at: datetime
    duration_min: int
    video_url: str | None
    note: str = ""

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)


@dataclass(frozen=True, slots=True)
class Telebridge:
    id: int
    proposer_id: int
    partner_id: int | None  # None: an open offer to any institution of partner_city_id
    partner_city_id: int
    topic: str
    age_group: str
    starts_at: datetime
    ends_at: datetime
    duration_min: int
    video_url: str | None
    note: str
    status: str
    round: int
    awaiting_id: int | None  # the institution whose answer is awaited
    reason: str | None
    closed_by: int | None
    sequence: int
    created_by: int | None  # None once the person asked to be forgotten
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    made_open: bool = False  # offered to any school of the partner city (taken or not)
    offer_id: int | None = None  # a school's counter to this open offer (see migration 0009)

    @property
    def terms(self) -> Terms:
        return Terms(self.starts_at, self.duration_min, self.video_url, self.note)

    @property
    def is_open_offer(self) -> bool:
        return self.partner_id is None

    @property
    def closed_as_taken(self) -> bool:
        """A counter to an open offer, closed because another school's agreement took
        the offer."""
        return self.offer_id is not None and self.status == CANCELLED and self.closed_by is None

    def side_of(self, institution_id: int | None) -> bool:
        """Whether an institution is one of the two sides."""
        return institution_id is not None and institution_id in (
            self.proposer_id,
            self.partner_id,
        )

    def other_side(self, institution_id: int) -> int | None:
        return self.partner_id if institution_id == self.proposer_id else self.proposer_id


@dataclass(frozen=True, slots=True)
class Round:
    telebridge_id: int
    number: int
    institution_id: int  # who proposed these terms
    tg_id: int | None
    terms: Terms
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    telebridge_id: int
    institution_id: int
    tg_id: int | None
    held: bool
    text: str
    photo_file_id: str | None
    created_at: datetime


# A city's telebridges: an institution of the city on either side, or an open offer to
# the city's schools that nobody has taken yet. Three parameters: the city's id.
_OF_CITY = (
    "(t.proposer_id IN (SELECT id FROM institutions WHERE city_id = ?)"
    " OR t.partner_id IN (SELECT id FROM institutions WHERE city_id = ?)"
    " OR (t.partner_id IS NULL AND t.partner_city_id = ?))"
)


def _telebridge(row: tuple) -> Telebridge:
    return Telebridge(
        id=row[0],
        proposer_id=row[1],
        partner_id=row[2],
        partner_city_id=row[3],
        topic=row[4],
        age_group=row[5],
        starts_at=db_time(row[6]),
        ends_at=db_time(row[7]),
        duration_min=row[8],
        video_url=row[9],
        note=row[10],
        status=row[11],
        round=row[12],
        awaiting_id=row[13],
        reason=row[14],
        closed_by=row[15],
        sequence=row[16],
        created_by=row[17],
        confirmed_at=from_db_time(row[18]),
        created_at=db_time(row[19]),
        updated_at=db_time(row[20]),
        made_open=bool(row[21]),
        offer_id=row[22],
    )


def _round(row: tuple) -> Round:
    return Round(
        telebridge_id=row[0],
        number=row[1],
        institution_id=row[2],
        tg_id=row[3],
        terms=Terms(db_time(row[4]), row[5], row[6], row[7]),
        created_at=db_time(row[8]),
    )


def _terms_values(terms: Terms) -> tuple[object, ...]:
    """starts_at, ends_at, duration_min, video_url, note, as the columns take them."""
    return (
        terms.starts_at,
        terms.ends_at,
        terms.duration_min,
        terms.video_url,
        terms.note,
    )


def _marks(values: Iterable[object]) -> str:
    return ", ".join("?" for _ in values)


class TelebridgeRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, *, telebridge_id: int, conn: Writer | None = None) -> Telebridge | None:
        """The telebridge; for a counter folded into an open offer, that offer."""
        reader = conn or self._db.read
        async with reader.execute(
            f"SELECT {_COLUMNS} FROM telebridges t WHERE t.id = COALESCE("  # noqa: S608
            "(SELECT merged_into FROM telebridges WHERE id = ?), ?)",
            (telebridge_id, telebridge_id),
        ) as cur:
            row = await cur.fetchone()
        return _telebridge(tuple(row)) if row else None

    async def round(
        self, *, telebridge_id: int, number: int, conn: Writer | None = None
    ) -> Round | None:
        reader = conn or self._db.read
        async with reader.execute(
            f"SELECT {_ROUND_COLUMNS} FROM telebridge_rounds"  # noqa: S608
            " WHERE telebridge_id = ? AND round = ?",
            (telebridge_id, number),
        ) as cur:
            row = await cur.fetchone()
        return _round(tuple(row)) if row else None

    async def rounds(self, *, telebridge_id: int) -> list[Round]:
        async with self._db.read.execute(
            f"SELECT {_ROUND_COLUMNS} FROM telebridge_rounds"  # noqa: S608
            " WHERE telebridge_id = ? ORDER BY round",
            (telebridge_id,),
        ) as cur:
            return [_round(tuple(row)) for row in await cur.fetchall()]

    # Writes, each inside the caller's transaction

    async def _add_round(
        self,
        conn: Writer,
        *,
        telebridge_id: int,
        number: int,
        institution_id: int,
        tg_id: int,
        terms: Terms,
        now: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO telebridge_rounds (telebridge_id, round, institution_id, tg_id,"
            " starts_at, duration_min, video_url, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                telebridge_id,
                number,
                institution_id,
                tg_id,
                terms.starts_at,
                terms.duration_min,
                terms.video_url,
                terms.note,
                now,
            ),
        )

    async def create(
        self,
        conn: Writer,
        *,
        proposer_id: int,
        partner_id: int | None,
        partner_city_id: int,
        topic: str,
        age_group: str,
        terms: Terms,
        tg_id: int,
        now: datetime,
    ) -> int:
        async with conn.execute(
            "INSERT INTO telebridges (proposer_id, partner_id, partner_city_id, topic,"
            " age_group, starts_at, ends_at, duration_min, video_url, note, status, round,"
            " awaiting_id, created_by, created_at, updated_at, open_offer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', 1, ?, ?, ?, ?, ?) RETURNING id",
            (
                proposer_id,
                partner_id,
                partner_city_id,
                topic,
                age_group,
                *_terms_values(terms),
                partner_id,
                tg_id,
                now,
                now,
                partner_id is None,
            ),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        telebridge_id = int(row[0])
        await self._add_round(
            conn,
            telebridge_id=telebridge_id,
            number=1,
            institution_id=proposer_id,
            tg_id=tg_id,
            terms=terms,
            now=now,
        )
        return telebridge_id

    async def counter(
        self,
        conn: Writer,
        *,
        current: Telebridge,
        institution_id: int,
        tg_id: int,
        terms: Terms,
        now: datetime,
    ) -> bool:
        """A new proposal from the side that was awaited; the other side decides next.

        Before the first confirmation the telebridge's terms become the new ones; a
        confirmed telebridge keeps its agreed terms (status 'rescheduled') until the
        other side accepts. An open offer answered this way gets its partner.
        """
        number = current.round + 1
        awaited = current.other_side(institution_id) if current.partner_id else current.proposer_id
        partner_id = current.partner_id or institution_id
        if current.status == PROPOSED:
            cur = await conn.execute(
                "UPDATE telebridges SET round = ?, awaiting_id = ?, partner_id = ?,"
                " starts_at = ?, ends_at = ?, duration_min = ?, video_url = ?, note = ?,"
                " updated_at = ? WHERE id = ? AND round = ? AND status = 'proposed'"
                " AND awaiting_id IS NOT DISTINCT FROM ?",
                (
                    number,
                    awaited,
                    partner_id,
                    *_terms_values(terms),
                    now,
                    current.id,
                    current.round,
                    current.awaiting_id,
                ),
            )
        else:
            cur = await conn.execute(
                "UPDATE telebridges SET round = ?, awaiting_id = ?, status = 'rescheduled',"
                " updated_at = ? WHERE id = ? AND round = ? AND status IN (?, ?)"
                " AND awaiting_id IS NOT DISTINCT FROM ?",
                (
                    number,
                    awaited,
                    now,
                    current.id,
                    current.round,
                    *BOOKED,
                    current.awaiting_id,
                ),
            )
        if cur.rowcount != 1:
            return False
        await self._add_round(
            conn,
            telebridge_id=current.id,
            number=number,
            institution_id=institution_id,
            tg_id=tg_id,
            terms=terms,
            now=now,
        )
        return True

    async def counter_offer(
        self,
        conn: Writer,
        *,
        offer: Telebridge,
        institution_id: int,
        tg_id: int,
        terms: Terms,
        now: datetime,
    ) -> int | None:
        """A school's counter to an open offer: a telebridge of its own between the
        proposer and that school (round 1 the offer's terms, round 2 the school's), the
        proposer to answer. None if the offer changed meanwhile (taken, withdrawn) or the
        school has a counter on it waiting already."""
        if await self.pending_counter(offer_id=offer.id, institution_id=institution_id, conn=conn):
            return None
        async with conn.execute(
            "INSERT INTO telebridges (proposer_id, partner_id, partner_city_id, topic,"
            " age_group, starts_at, ends_at, duration_min, video_url, note, status, round,"
            " awaiting_id, created_by, created_at, updated_at, open_offer, offer_id)"
            " SELECT proposer_id, ?, partner_city_id, topic, age_group, ?, ?, ?, ?, ?,"
            " 'proposed', 2, proposer_id, created_by, ?, ?, FALSE, id FROM telebridges"
            " WHERE id = ? AND status = 'proposed' AND partner_id IS NULL AND round = ?"
            " RETURNING id",
            (
                institution_id,
                *_terms_values(terms),
                now,
                now,
                offer.id,
                offer.round,
            ),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        counter_id = int(row[0])
        await conn.execute(
            "INSERT INTO telebridge_rounds (telebridge_id, round, institution_id, tg_id,"
            " starts_at, duration_min, video_url, note, created_at)"
            " SELECT ?, 1, institution_id, tg_id, starts_at, duration_min, video_url, note,"
            " created_at FROM telebridge_rounds WHERE telebridge_id = ? AND round = ?",
            (counter_id, offer.id, offer.round),
        )
        await self._add_round(
            conn,
            telebridge_id=counter_id,
            number=2,
            institution_id=institution_id,
            tg_id=tg_id,
            terms=terms,
            now=now,
        )
        return counter_id

    async def pending_counter(
        self, *, offer_id: int, institution_id: int, conn: Writer | None = None
    ) -> Telebridge | None:
        """The school's counter to an open offer that still waits for an answer."""
        reader = conn or self._db.read
        async with reader.execute(
            f"SELECT {_COLUMNS} FROM telebridges t WHERE t.offer_id = ?"  # noqa: S608
            " AND t.partner_id = ? AND t.status = 'proposed'",
            (offer_id, institution_id),
        ) as cur:
            row = await cur.fetchone()
        return _telebridge(tuple(row)) if row else None

    async def take_offer(
        self, conn: Writer, *, counter: Telebridge, terms: Terms, now: datetime
    ) -> bool:
        """The proposer and a school agreed on the school's counter: the open offer
        becomes the agreed telebridge with that school (the offer keeps its id, so links
        to it, its audit entries and the other schools' late presses still find it) and
        the counter's rounds move to it. The counter's row stays, closed and pointing at
        the offer (`get` follows it), so buttons under its notices reach the offer and
        its id is never reused. False if the counter or the offer changed."""
        assert counter.offer_id is not None and counter.partner_id is not None
        cur = await conn.execute(
            "UPDATE telebridges SET status = 'confirmed', awaiting_id = NULL, partner_id = ?,"
            " starts_at = ?, ends_at = ?, duration_min = ?, video_url = ?, note = ?,"
            " round = ?, sequence = sequence + 1, confirmed_at = ?, updated_at = ?"
            " WHERE id = ? AND status = 'proposed' AND partner_id IS NULL"
            " AND EXISTS (SELECT 1 FROM telebridges c WHERE c.id = ? AND c.offer_id = ?"
            " AND c.status = 'proposed' AND c.round = ?"
            " AND c.awaiting_id IS NOT DISTINCT FROM ?)",
            (
                counter.partner_id,
                *_terms_values(terms),
                counter.round,
                now,
                now,
                counter.offer_id,
                counter.id,
                counter.offer_id,
                counter.round,
                counter.awaiting_id,
            ),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute(
            "DELETE FROM telebridge_rounds WHERE telebridge_id = ?", (counter.offer_id,)
        )
        await conn.execute(
            "UPDATE telebridge_rounds SET telebridge_id = ? WHERE telebridge_id = ?",
            (counter.offer_id, counter.id),
        )
        await conn.execute(
            "UPDATE telebridges SET status = 'cancelled', awaiting_id = NULL,"
            " closed_by = partner_id, merged_into = ?, updated_at = ? WHERE id = ?",
            (counter.offer_id, now, counter.id),
        )
        return True

    async def close_counters(
        self,
        conn: Writer,
        *,
        offer_id: int,
        closed_by: int | None,
        taker: int | None,
        now: datetime,
    ) -> list[Telebridge]:
        """Close the counters to an open offer that still wait for an answer: taken by
        another school's agreement (`closed_by` None; the taking school's own counter is
        closed by that school) or withdrawn with the offer by its proposer (`closed_by`).
        Returns them as they were, for the notices."""
        async with conn.execute(
            f"SELECT {_COLUMNS} FROM telebridges t WHERE t.offer_id = ?"  # noqa: S608
            " AND t.status = 'proposed' ORDER BY t.id",
            (offer_id,),
        ) as cur:
            pending = [_telebridge(tuple(row)) for row in await cur.fetchall()]
        await conn.execute(
            "UPDATE telebridges SET status = 'cancelled', awaiting_id = NULL,"
            " closed_by = CASE WHEN partner_id IS NOT DISTINCT FROM ? THEN partner_id ELSE ? END,"
            " sequence = sequence + 1, updated_at = ? WHERE offer_id = ? AND status = 'proposed'",
            (taker, closed_by, now, offer_id),
        )
        return pending

    async def confirm(
        self,
        conn: Writer,
        *,
        current: Telebridge,
        partner_id: int,
        terms: Terms,
        now: datetime,
    ) -> bool:
        """Accept the latest proposal: its terms become the agreed ones."""
        cur = await conn.execute(
            "UPDATE telebridges SET status = 'confirmed', awaiting_id = NULL, partner_id = ?,"
            " starts_at = ?, ends_at = ?, duration_min = ?, video_url = ?, note = ?,"
            " sequence = sequence + 1, confirmed_at = ?, updated_at = ?"
            " WHERE id = ? AND round = ? AND status IN ('proposed', 'rescheduled')"
            " AND awaiting_id IS NOT DISTINCT FROM ? AND partner_id IS NOT DISTINCT FROM ?",
            (
                partner_id,
                *_terms_values(terms),
                now,
                now,
                current.id,
                current.round,
                current.awaiting_id,
                current.partner_id,
            ),
        )
        return cur.rowcount == 1

    async def close(
        self,
        conn: Writer,
        *,
        current: Telebridge,
        status: str,
        institution_id: int,
        reason: str,
        now: datetime,
    ) -> bool:
        """Decline a proposal or cancel the telebridge (nothing is awaited after it)."""
        cur = await conn.execute(
            "UPDATE telebridges SET status = ?, awaiting_id = NULL, reason = ?, closed_by = ?,"
            " sequence = sequence + 1, updated_at = ? WHERE id = ? AND round = ?"
            " AND status = ?",
            (status, reason, institution_id, now, current.id, current.round, current.status),
        )  # fmt: skip
        return cur.rowcount == 1

    async def keep_agreed(self, conn: Writer, *, current: Telebridge, now: datetime) -> bool:
        """The new time of a reschedule was declined: the agreed one stands."""
        cur = await conn.execute(
            "UPDATE telebridges SET status = 'confirmed', awaiting_id = NULL, updated_at = ?"
            " WHERE id = ? AND round = ? AND status = 'rescheduled'",
            (now, current.id, current.round),
        )
        return cur.rowcount == 1

    async def set_link(
        self, conn: Writer, *, current: Telebridge, video_url: str, now: datetime
    ) -> bool:
        """A new video link. The sequence grows: the calendar entry of an agreed
        telebridge changes with it, and each change's notice has a key of its own (a
        proposal's second new link was taken for the first one's notice)."""
        cur = await conn.execute(
            "UPDATE telebridges SET video_url = ?, sequence = sequence + 1, updated_at = ?"
            " WHERE id = ? AND round = ? AND status = ?",
            (video_url, now, current.id, current.round, current.status),
        )
        if cur.rowcount != 1:
            return False
        if current.status in (PROPOSED, RESCHEDULED):  # the proposal being decided, too
            await conn.execute(
                "UPDATE telebridge_rounds SET video_url = ? WHERE telebridge_id = ? AND round = ?",
                (video_url, current.id, current.round),
            )
        return True

    async def add_report(
        self,
        conn: Writer,
        *,
        telebridge_id: int,
        institution_id: int,
        tg_id: int,
        held: bool,
        text: str,
        photo_file_id: str | None,
        now: datetime,
    ) -> bool:
        """One answer per side; True if this side had not answered yet. A 'yes' from
        either side makes the telebridge held; a 'no' makes it not held unless the other
        side said it was."""
        cur = await conn.execute(
            "INSERT INTO telebridge_reports (telebridge_id, institution_id, tg_id, held, report,"
            " photo_file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (telebridge_id, institution_id) DO NOTHING",
            (
                telebridge_id,
                institution_id,
                tg_id,
                held,
                text,
                photo_file_id,
                now,
            ),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute(
            "UPDATE telebridges SET status = CASE WHEN EXISTS (SELECT 1 FROM telebridge_reports"
            " r WHERE r.telebridge_id = telebridges.id AND r.held) THEN 'held'"
            " ELSE 'not_held' END, updated_at = ? WHERE id = ? AND status IN (?, ?, ?, ?)",
            (now, telebridge_id, *BOOKED, HELD, NOT_HELD),
        )
        return True

    async def update_report(
        self,
        conn: Writer,
        *,
        telebridge_id: int,
        institution_id: int,
        text: str | None = None,
        photo_file_id: str | None = None,
    ) -> bool:
        """Add the one-line report or the photo to a side's 'yes'."""
        cur = await conn.execute(
            "UPDATE telebridge_reports SET report = COALESCE(?, report),"
            " photo_file_id = COALESCE(?, photo_file_id)"
            " WHERE telebridge_id = ? AND institution_id = ? AND held",
            (text, photo_file_id, telebridge_id, institution_id),
        )
        return cur.rowcount == 1

    # Reads

    async def reports(self, *, telebridge_id: int) -> list[Report]:
        async with self._db.read.execute(
            "SELECT telebridge_id, institution_id, tg_id, held, report, photo_file_id,"
            " created_at FROM telebridge_reports WHERE telebridge_id = ? ORDER BY created_at",
            (telebridge_id,),
        ) as cur:
            return [
                Report(
                    row[0],
                    row[1],
                    row[2],
                    bool(row[3]),
                    row[4],
                    row[5],
                    db_time(row[6]),
                )
                for row in await cur.fetchall()
            ]

    async def overlapping(
        self,
        *,
        institution_ids: Iterable[int],
        starts_at: datetime,
        ends_at: datetime,
        exclude_id: int | None = None,
        conn: Writer | None = None,
    ) -> list[Telebridge]:
        """Agreed telebridges of these institutions that overlap [starts_at, ends_at)."""
        ids = list(institution_ids)
        reader = conn or self._db.read
        async with reader.execute(
            f"SELECT {_COLUMNS} FROM telebridges t WHERE t.status IN (?, ?)"  # noqa: S608
            f" AND (t.proposer_id IN ({_marks(ids)}) OR t.partner_id IN ({_marks(ids)}))"
            " AND t.starts_at < ? AND t.ends_at > ? AND t.id != ? ORDER BY t.starts_at",
            (
                *BOOKED,
                *ids,
                *ids,
                ends_at,
                starts_at,
                exclude_id or -1,
            ),
        ) as cur:
            return [_telebridge(tuple(row)) for row in await cur.fetchall()]

    async def of_institution(
        self, *, institution_id: int, upcoming: bool, now: datetime, limit: int, offset: int
    ) -> tuple[list[Telebridge], int]:
        """An institution's telebridges: those still to come (soonest first) or the rest
        (latest first). Open offers it made count as its own."""
        if upcoming:
            condition = f"t.status IN ({_marks(OPEN)}) AND t.ends_at >= ?"
            order = "t.starts_at, t.id"
        else:
            condition = f"NOT (t.status IN ({_marks(OPEN)}) AND t.ends_at >= ?)"
            order = "t.starts_at DESC, t.id DESC"
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () FROM telebridges t"  # noqa: S608
            f" WHERE (t.proposer_id = ? OR t.partner_id = ?) AND t.merged_into IS NULL"
            f" AND {condition}"
            f" ORDER BY {order} LIMIT ? OFFSET ?",
            (institution_id, institution_id, *OPEN, now, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        return [_telebridge(tuple(row)[:-1]) for row in rows], rows[0][-1]

    async def open_offers(
        self, *, city_id: int, now: datetime, limit: int, offset: int
    ) -> tuple[list[Telebridge], int]:
        """Open offers to the institutions of a city that can still be taken."""
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () FROM telebridges t"  # noqa: S608
            " WHERE t.partner_id IS NULL AND t.partner_city_id = ? AND t.status = 'proposed'"
            " AND t.starts_at > ? ORDER BY t.starts_at, t.id LIMIT ? OFFSET ?",
            (city_id, now, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        return [_telebridge(tuple(row)[:-1]) for row in rows], rows[0][-1]

    async def of_city(
        self, *, city_id: int, limit: int, offset: int
    ) -> tuple[list[Telebridge], int]:
        """Every telebridge with an institution of the city on either side (or offered
        to any school of the city), latest first."""
        async with self._db.read.execute(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () FROM telebridges t"  # noqa: S608
            f" WHERE {_OF_CITY} AND t.merged_into IS NULL"
            " ORDER BY t.starts_at DESC, t.id DESC LIMIT ? OFFSET ?",
            (city_id, city_id, city_id, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        if not rows:
            return [], 0
        return [_telebridge(tuple(row)[:-1]) for row in rows], rows[0][-1]

    async def starts_and_statuses(self, *, city_id: int | None) -> list[tuple[datetime, str]]:
        """(start, status) of every telebridge of a city (or of all), for monthly counts.
        A school's counter to an open offer is part of that offer, not one more
        telebridge: the offer alone is counted."""
        sql = "SELECT t.starts_at, t.status FROM telebridges t WHERE t.offer_id IS NULL"
        params: tuple[object, ...] = ()
        if city_id is not None:
            sql += f" AND {_OF_CITY}"
            params = (city_id, city_id, city_id)
        async with self._db.read.execute(sql, params) as cur:
            return [(db_time(row[0]), row[1]) for row in await cur.fetchall()]
