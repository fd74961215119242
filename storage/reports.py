"""Queries behind the organisers' reports: what took place in a period, optionally for one
city. Each query reads committed rows only; nothing here is stored.

A city narrows each block this way: trips by their departure city (the city's
delegations), registrations by their trip's departure city, events by the city they are
held in, telebridges by an institution of the city on either side, broadcasts by the
recipients who live in the city.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) in UTC, the moment the report is made, and the city (None: all)."""

    start: datetime
    end: datetime
    now: datetime
    city_id: int | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return self.start, self.end


@dataclass(frozen=True, slots=True)
class TripRow:
    id: int
    title: str
    direction: str
    from_city_id: int
    to_city_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    travelled: int  # approved registrations


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    title: str
    kind: str
    city_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    subscribers: int


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    started_at: datetime
    recipients: int
    delivered: int
    unreachable: int  # blocked the bot or deleted their account
    failed: int


def _time(value: str | datetime) -> datetime:
    moment = from_db_time(value)
    assert moment is not None
    return moment


class ReportRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def trips_held(self, window: Window) -> list[TripRow]:
        """Trips that began in the period (and by now), neither drafts nor cancelled, with
        the people approved for them: those who travelled."""
        start, end = window.bounds
        sql = (
            "SELECT t.id, t.title, p.direction, t.from_city_id, t.to_city_id, t.starts_at,"
            " t.ends_at, t.status, (SELECT COUNT(*) FROM registrations r"
            "  WHERE r.trip_id = t.id AND r.status = 'approved')"
            " FROM trips t JOIN programmes p ON p.id = t.programme_id"
            " WHERE t.status NOT IN ('cancelled', 'draft') AND t.starts_at >= ?"
            " AND t.starts_at < ? AND t.starts_at <= ?"
        )
        params: list[object] = [start, end, window.now]
        if window.city_id is not None:
            sql += " AND t.from_city_id = ?"
            params.append(window.city_id)
        async with self._db.read.execute(sql + " ORDER BY t.starts_at, t.id", params) as cur:
            return [
                TripRow(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    _time(row[5]),
                    _time(row[6]),
                    row[7],
                    row[8],
                )
                for row in await cur.fetchall()
            ]

    async def registrations_by_status(self, window: Window) -> dict[str, int]:
        """Registrations made in the period, by their status now (anonymised ones too)."""
        start, end = window.bounds
        sql = (
            "SELECT r.status, COUNT(*) FROM registrations r JOIN trips t ON t.id = r.trip_id"
            " WHERE r.created_at >= ? AND r.created_at < ?"
        )
        params: list[object] = [start, end]
        if window.city_id is not None:
            sql += " AND t.from_city_id = ?"
            params.append(window.city_id)
        async with self._db.read.execute(sql + " GROUP BY r.status", params) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def events(self, window: Window) -> list[EventRow]:
        """Events that begin in the period, cancelled ones included, with subscribers."""
        start, end = window.bounds
        sql = (
            "SELECT e.id, e.title, e.kind, e.city_id, e.starts_at, e.ends_at, e.status,"
            " (SELECT COUNT(*) FROM event_subscriptions s WHERE s.event_id = e.id)"
            " FROM events e WHERE e.starts_at >= ? AND e.starts_at < ?"
        )
        params: list[object] = [start, end]
        if window.city_id is not None:
            sql += " AND e.city_id = ?"
            params.append(window.city_id)
        async with self._db.read.execute(sql + " ORDER BY e.starts_at, e.id", params) as cur:
            return [
                EventRow(
                    row[0], row[1], row[2], row[3], _time(row[4]), _time(row[5]), row[6], row[7]
                )
                for row in await cur.fetchall()
            ]

    async def telebridges_held(self, window: Window) -> list[datetime]:
        """Starts of the telebridges held in the period."""
        start, end = window.bounds
        sql = (
            "SELECT t.starts_at FROM telebridges t WHERE t.status = 'held'"
            " AND t.starts_at >= ? AND t.starts_at < ?"
        )
        params: list[object] = [start, end]
        if window.city_id is not None:
            sql += (
                " AND (t.proposer_id IN (SELECT id FROM institutions WHERE city_id = ?)"
                " OR t.partner_id IN (SELECT id FROM institutions WHERE city_id = ?))"
            )
            params += [window.city_id, window.city_id]
        async with self._db.read.execute(sql, params) as cur:
            return [_time(row[0]) for row in await cur.fetchall()]

    async def broadcasts(self, window: Window) -> list[BroadcastRow]:
        """Broadcasts that began sending in the period, with what became of each message."""
        start, end = window.bounds
        people = ""
        params: list[object] = []
        if window.city_id is not None:
            people = " AND o.chat_id IN (SELECT tg_id FROM people WHERE city_id = ?)"
            params.append(window.city_id)
        sql = (
            "SELECT b.id, b.started_at, COUNT(o.id),"  # noqa: S608 - `people` is a constant
            " COUNT(*) FILTER (WHERE o.state = 'sent'),"
            " COUNT(*) FILTER (WHERE o.state = 'blocked'),"
            " COUNT(*) FILTER (WHERE o.state = 'failed')"
            f" FROM broadcasts b LEFT JOIN outbox o ON o.broadcast_id = b.id{people}"
            " WHERE b.started_at IS NOT NULL AND b.started_at >= ? AND b.started_at < ?"
            " GROUP BY b.id, b.started_at ORDER BY b.started_at, b.id"
        )
        async with self._db.read.execute(sql, [*params, start, end]) as cur:
            return [
                BroadcastRow(row[0], _time(row[1]), row[2], row[3], row[4], row[5])
                for row in await cur.fetchall()
            ]
