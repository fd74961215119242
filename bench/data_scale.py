"""Data at the designed scale: how long each data-heavy operation holds the event loop.

A fresh database is filled through the project's own storage (its repositories and
`Database` writer; the big tables with `executemany` and `INSERT ... SELECT`, one
transaction per chunk) with what the product is designed for, at `--people N`
(default 50,000; everything else scales with it):

- N people in both cities (2% blocked the bot), a form row for a third of them;
- 3,000 trips from two years ago to a year ahead, 20 registrations each, and one trip
  (in two months) with 5,000: approved, pending, waiting list, rejected, cancelled;
- 3,000 events with 50 subscribers each (150,000 subscriptions), 5,000 reminder opt-outs;
- 855,000 outbox rows of sent history: 15 broadcasts to everyone, and notices with text
  (half of them older than the retention period).

Then every data-heavy operation runs once, the way the bot runs it (the services the
dispatcher is built with), while a heartbeat task sleeps 5 ms at a time on the event
loop and records the worst delay of its wake-ups: how long the operation kept the loop
from everybody else's updates. A second probe writes one form row every 10 ms (what
every form step does) and records the longest such write: how long the operation held
the store's write lock. The garbage collector is set as the bot sets it once started
(bot/app.py: what exists is frozen, GC_THRESHOLDS). Operations, in order: participants
export of the big trip (XLSX and CSV), a broadcast's audience (everyone) counted and
then queued, the report (the whole seeded history), /mydata of a person, the catalogue
(a member's fitting trips, and a deep page of all of them), the big trip's participants
(first and a deep page), the retention job's catch-up (a year of ended trips to
anonymise) and its next daily run (nothing to do), and the backup (SQLite's online
backup, or pg_dump). Prints, last:

data_scale people=50000 worst_loop_ms=… worst=<operation> export_ms=… … store=sqlite

where each `<operation>_ms` is that operation's worst loop delay. The lines before it give
each operation's duration and its longest form write. The report is the first one of the
process, as after a restart: matplotlib is imported for it then.

Run: .venv/bin/python -m bench.data_scale [--people N]
     [--database-url postgresql://user@host:5432/db]  (a schema of its own, dropped after)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Dispatcher

from bench.stores import bench_store, store_name
from bot.app import GC_THRESHOLDS, create_bot, create_dispatcher
from bot.broadcasts.service import Segment, SegmentKind
from bot.core.config import Settings
from bot.core.i18n import Translations, Translator
from bot.core.roles import Access, Person
from bot.operations.backup import daily_backup
from bot.operations.pg_backup import daily_dump
from bot.reports.figures import custom_period
from bot.runner import open_database
from bot.trips.catalogue import BROWSABLE_STATUSES, FITTING_STATUSES
from bot.trips.exports import export_trip
from handlers.trips.callbacks import TripScope
from handlers.trips.participants import PAGE_SIZE, participants_keyboard, participants_text
from handlers.trips.views import PAGE_SIZE as CATALOGUE_PAGE
from handlers.trips.views import catalogue_keyboard
from storage.broadcasts import Source
from storage.db import Database, utc_now
from storage.fsm import DatabaseStorage
from storage.trips import NewProgramme, TripRepo

TOKEN = "123456789:AAH-bench-token-for-the-fake-server-0"
BOT_ID = 123456789
FIRST_PERSON = 40_000_000
ORGANISER = FIRST_PERSON  # the first person is an organiser
ZONE = "Europe/Moscow"
RETENTION_DAYS = 365
HEARTBEAT = 0.005  # seconds
WRITE_PROBE = 0.010
CHUNK = 10_000  # rows per transaction while filling

# The designed scale, at 50,000 people.
PEOPLE = 50_000
TRIPS = 3_000
PER_TRIP = 20
BIG_TRIP = 5_000  # registrations of the one big trip
EVENTS = 3_000
SUBSCRIBERS = 50  # per event: 150,000 subscriptions
OPTOUTS = 5_000
BROADCASTS = 15  # past broadcasts to everyone: 750,000 outbox rows
NOTICES = 105_000  # outbox rows with text; with the broadcasts' 855,000
FORMS = 1 / 3  # people with a form row

ROLES = ("teacher", "medic", "youth", "culture", "sport", "business", "administration", "other")
DIRECTIONS = (
    "education",
    "healthcare",
    "youth",
    "culture",
    "sport",
    "business",
    "resort",
    "urban_it",
    "transport",
    "investment",
)
EVENT_KINDS = ("festival", "forum", "contest", "seminar", "tournament", "other")
QUESTIONS = (("school", "short_text"), ("first_time", "yes_no"), ("arrival", "date"))
OPERATIONS = (
    "export",
    "audience",
    "broadcast",
    "report",
    "mydata",
    "catalogue",
    "catalogue_deep",
    "participants_first",
    "participants_deep",
    "retention_catchup",
    "retention_daily",
    "backup",
)


@dataclass(frozen=True, slots=True)
class Scale:
    people: int
    trips: int
    big_trip: int
    events: int
    optouts: int
    notices: int

    @classmethod
    def of(cls, people: int) -> Scale:
        share = people / PEOPLE

        def scaled(value: int, least: int) -> int:
            return max(least, round(value * share))

        return cls(
            people=people,
            trips=scaled(TRIPS, 30),
            big_trip=scaled(BIG_TRIP, 60),
            events=scaled(EVENTS, 30),
            optouts=scaled(OPTOUTS, 10),
            notices=scaled(NOTICES, 20),
        )


def _chunks(rows: list[Any], size: int = CHUNK) -> list[list[Any]]:
    return [rows[index : index + size] for index in range(0, len(rows), size)]


async def _insert(db: Database, sql: str, rows: list[Any]) -> None:
    for chunk in _chunks(rows):
        async with db.transaction() as conn:
            await conn.executemany(sql, chunk)


# Filling


@dataclass(slots=True)
class Seeded:
    big_trip: int = 0
    subject: int = 0  # the person whose /mydata is read
    fill_s: float = 0.0


def _spread(index: int, count: int, now: datetime) -> datetime:
    """From two years ago to a year ahead, evenly."""
    return now - timedelta(days=730) + timedelta(days=1095 * index / max(count, 1))


async def _fill_people(db: Database, scale: Scale, stamp: datetime) -> None:
    rows = []
    for index in range(scale.people):
        tg_id = FIRST_PERSON + index
        rows.append(
            (
                tg_id,
                "ru" if index % 4 else "be",
                f"Участник {index:05}",
                1 + index % 2,
                ROLES[index % len(ROLES)],
                f"Школа № {index % 700}",
                f"+37529{index:07}" if index % 3 == 0 else None,
                stamp,
                index < 10,  # a few organisers
                stamp if index % 50 == 49 else None,
                stamp,
                stamp,
            )
        )
    await _insert(
        db,
        "INSERT INTO people (tg_id, language, full_name, city_id, role, organisation, phone,"
        " consent_at, is_organiser, blocked_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


async def _fill_forms(db: Database, scale: Scale) -> None:
    """Form rows as the bot leaves them: a form finished (its state cleared), a few open."""
    from aiogram.fsm.storage.base import StorageKey

    storage = DatabaseStorage(db, cache_size=64)
    count = int(scale.people * FORMS)
    people = [FIRST_PERSON + index * 3 for index in range(count)]

    async def one(tg_id: int) -> None:
        key = StorageKey(bot_id=BOT_ID, chat_id=tg_id, user_id=tg_id)
        await storage.set_state(key, "Onboarding:name")
        if tg_id % 20:
            await storage.set_state(key, None)

    for chunk in _chunks(people, 20):
        await asyncio.gather(*(one(tg_id) for tg_id in chunk))


async def _fill_trips(db: Database, scale: Scale, now: datetime) -> int:
    """Programmes, trips and their questions; the big trip's id."""
    repo = TripRepo(db)
    programmes = []
    async with db.transaction() as conn:
        for direction in DIRECTIONS:
            programmes.append(
                await repo.save_programme(
                    conn,
                    programme=NewProgramme(
                        direction=direction,
                        title=f"Программа «{direction}»",
                        description="Обмены делегациями",
                        audience=(),
                    ),
                    actor=None,
                )
            )
    big_index = scale.trips * 3 // 4  # its start is moved to two months ahead
    rows = []
    for index in range(scale.trips):
        starts = _spread(index, scale.trips, now).replace(microsecond=0)
        if index == big_index:
            starts = (now + timedelta(days=60)).replace(microsecond=0)
        ends = starts + timedelta(days=3)
        if ends < now:
            status = "finished"
        elif index % 40 == 7:
            status = "cancelled"
        elif index % 50 == 9:
            status = "draft"
        else:
            status = "open"
        if index == big_index:
            status = "open"
        capacity = 3_500 * scale.big_trip // BIG_TRIP if index == big_index else 25
        rows.append(
            (
                programmes[index % len(programmes)],
                f"Делегация № {index}",
                1 + index % 2,
                2 - index % 2,
                starts,
                ends,
                starts - timedelta(days=7),
                max(capacity, 1),
                status,
                now,
                now,
            )
        )
    await _insert(
        db,
        "INSERT INTO trips (programme_id, title, from_city_id, to_city_id, starts_at, ends_at,"
        " registration_deadline, capacity, needs_approval, description, status, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, 'Поездка', ?, ?, ?)",
        rows,
    )
    async with db.read.execute("SELECT id FROM trips ORDER BY id") as cur:
        ids = [row[0] for row in await cur.fetchall()]
    questions = [
        (trip_id, position, key, kind, f"Вопрос {key}")
        for trip_id in ids
        for position, (key, kind) in enumerate(QUESTIONS)
    ]
    await _insert(
        db,
        "INSERT INTO trip_questions (trip_id, position, key, kind, label, required)"
        " VALUES (?, ?, ?, ?, ?, TRUE)",
        questions,
    )
    return ids[big_index]


async def _fill_registrations(db: Database, scale: Scale, big_trip: int, now: datetime) -> None:
    async with db.read.execute("SELECT id, starts_at, status FROM trips ORDER BY id") as cur:
        trips = [(row[0], row[1], row[2]) for row in await cur.fetchall()]
    answers = json.dumps(
        {"school": "Гимназия № 5", "first_time": "yes", "arrival": "2027-05-01"},
        ensure_ascii=False,
    )
    rows: list[tuple[Any, ...]] = []
    person = 0
    for trip_id, _starts, status in trips:
        if status == "draft" or trip_id == big_trip:
            continue
        for seat in range(PER_TRIP):
            rows.append(
                (
                    trip_id,
                    FIRST_PERSON + person % scale.people,
                    "approved" if seat % 10 else "rejected",
                    answers,
                    None,
                )
            )
            person += 7
    # The big trip: 60% approved, 10% pending, 20% waiting, 6% rejected, 4% cancelled.
    shares = (("approved", 60), ("pending", 10), ("waitlisted", 20), ("rejected", 6))
    statuses: list[str] = []
    for status, share in shares:
        statuses += [status] * (scale.big_trip * share // 100)
    statuses += ["cancelled"] * (scale.big_trip - len(statuses))
    for index, status in enumerate(statuses):
        rows.append(
            (
                big_trip,
                FIRST_PERSON + (index * 11) % scale.people,
                status,
                answers,
                now - timedelta(minutes=len(statuses) - index) if status == "waitlisted" else None,
            )
        )
    stamp = now - timedelta(days=1)
    await _insert(
        db,
        "INSERT INTO registrations (trip_id, tg_id, status, answers, waitlisted_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*row, stamp, stamp) for row in rows],
    )
    async with db.transaction() as conn:
        await conn.execute_bulk(
            "INSERT INTO registration_history (registration_id, status, changed_at, changed_by)"
            " SELECT id, status, created_at, tg_id FROM registrations"
        )


async def _fill_events(db: Database, scale: Scale, now: datetime) -> None:
    rows = []
    for index in range(scale.events):
        starts = _spread(index, scale.events, now).replace(microsecond=0)
        rows.append(
            (
                EVENT_KINDS[index % len(EVENT_KINDS)],
                f"Мероприятие № {index}",
                1 + index % 2,
                starts,
                starts + timedelta(hours=5),
                "cancelled" if index % 30 == 29 else "scheduled",
                now,
                now,
            )
        )
    await _insert(
        db,
        "INSERT INTO events (kind, title, city_id, venue, starts_at, ends_at, status,"
        " created_at, updated_at) VALUES (?, ?, ?, 'Площадь', ?, ?, ?, ?, ?)",
        rows,
    )
    async with db.read.execute("SELECT id FROM events ORDER BY id") as cur:
        ids = [row[0] for row in await cur.fetchall()]
    subscriptions = []
    for number, event_id in enumerate(ids):
        people = {(number * SUBSCRIBERS + s * 17) % scale.people for s in range(SUBSCRIBERS)}
        subscriptions += [(event_id, FIRST_PERSON + person, now) for person in sorted(people)]
    await _insert(
        db,
        "INSERT INTO event_subscriptions (event_id, tg_id, created_at) VALUES (?, ?, ?)",
        subscriptions,
    )
    async with db.read.execute("SELECT id FROM trips ORDER BY id") as cur:
        trips = [row[0] for row in await cur.fetchall()]
    optouts = {
        (trips[index % len(trips)], FIRST_PERSON + (index * 13) % scale.people)
        for index in range(scale.optouts)
    }
    await _insert(
        db,
        "INSERT INTO reminder_optouts (kind, target_id, tg_id, created_at)"
        " VALUES ('trip', ?, ?, ?)",
        [(trip, tg_id, now) for trip, tg_id in sorted(optouts)],
    )


async def _fill_outbox(db: Database, scale: Scale, now: datetime) -> None:
    """Past broadcasts to everyone and notices with text, as INSERT ... SELECT over people."""
    for number in range(BROADCASTS):
        started = now - timedelta(days=700 - number * 45)
        async with db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO broadcasts (created_by, segment, from_chat_id, from_message_id,"
                " content_kind, status, recipients, started_at, finished_at, created_at,"
                " updated_at) VALUES (?, '{\"kind\": \"all\"}', ?, ?, 'text', 'done', ?, ?, ?,"
                " ?, ?) RETURNING id",
                (
                    ORGANISER,
                    ORGANISER,
                    100 + number,
                    scale.people,
                    started,
                    started,
                    started,
                    started,
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            await conn.execute_bulk(
                "INSERT INTO outbox (chat_id, purpose, dedup_key, broadcast_id, kind,"
                " from_chat_id, from_message_id, state, attempts, not_before,"
                " sent_message_id, priority, created_at, updated_at)"
                " SELECT p.tg_id, 'broadcast', ? || CAST(p.tg_id AS TEXT), ?, 'copy', ?, ?,"
                " CASE WHEN p.blocked_at IS NULL THEN 'sent' ELSE 'blocked' END, 1, ?, 1, 1,"
                " ?, ? FROM people p",
                (
                    f"broadcast:{row[0]}:",
                    row[0],
                    ORGANISER,
                    100 + number,
                    started,
                    started,
                    started,
                ),
            )
    # Notices: a round to everyone older than the retention period, one recent, a part.
    rounds = [(now - timedelta(days=500), scale.people), (now - timedelta(days=100), scale.people)]
    left = scale.notices - 2 * scale.people
    if left > 0:
        rounds.append((now - timedelta(days=3), left))
    for number, (moment, count) in enumerate(rounds):
        async with db.transaction() as conn:
            await conn.execute_bulk(
                "INSERT INTO outbox (chat_id, purpose, dedup_key, kind, text, state, attempts,"
                " not_before, sent_message_id, priority, created_at, updated_at)"
                " SELECT p.tg_id, ?, ? || CAST(p.tg_id AS TEXT), 'text', ?, 'sent', 1, ?, 1, 0,"
                " ?, ? FROM people p WHERE p.tg_id < ?",
                (
                    "reminder" if number % 2 else "notice",
                    f"notice:{number}:",
                    "Ваша заявка на поездку «Делегация» одобрена. Участник 00001, до встречи!",
                    moment,
                    moment,
                    moment,
                    FIRST_PERSON + count,
                ),
            )


async def fill(db: Database, scale: Scale, now: datetime) -> Seeded:
    started = time.perf_counter()
    seeded = Seeded()
    await _fill_people(db, scale, now - timedelta(days=800))
    seeded.big_trip = await _fill_trips(db, scale, now)
    await _fill_registrations(db, scale, seeded.big_trip, now)
    await _fill_events(db, scale, now)
    await _fill_outbox(db, scale, now)
    await _fill_forms(db, scale)
    # A person with something in every section: registrations, subscriptions, messages.
    async with db.read.execute(
        "SELECT o.tg_id FROM reminder_optouts o WHERE EXISTS (SELECT 1 FROM registrations r"
        " WHERE r.tg_id = o.tg_id) AND EXISTS (SELECT 1 FROM event_subscriptions s"
        " WHERE s.tg_id = o.tg_id) ORDER BY o.tg_id LIMIT 1"
    ) as cur:
        row = await cur.fetchone()
    seeded.subject = row[0] if row else FIRST_PERSON + 7
    if db.dialect == "postgresql":
        from storage.postgres import PostgresDatabase

        assert isinstance(db, PostgresDatabase)
        async with db.connection() as conn:
            await conn.execute("ANALYZE")  # as autovacuum would have by now
    seeded.fill_s = time.perf_counter() - started
    return seeded


# Measuring


@dataclass(slots=True)
class Probes:
    """The heartbeat on the event loop and the form-row writer, running all along."""

    db: Database
    worst_loop: float = 0.0
    worst_write: float = 0.0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + HEARTBEAT
            await asyncio.sleep(HEARTBEAT)
            self.worst_loop = max(self.worst_loop, loop.time() - expected)

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        key = f"{BOT_ID}:1:1:::probe"
        while True:
            started = loop.time()
            await self.db.execute_write(
                "INSERT INTO fsm_states (storage_key, state, updated_at) VALUES (?, NULL, ?)"
                " ON CONFLICT (storage_key) DO UPDATE SET updated_at = excluded.updated_at",
                (key, utc_now()),
            )
            self.worst_write = max(self.worst_write, loop.time() - started)
            await asyncio.sleep(WRITE_PROBE)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._writer()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        await asyncio.sleep(0.05)  # the previous operation's last writes settle
        self.worst_loop = self.worst_write = 0.0
        yield
        await asyncio.sleep(2 * HEARTBEAT)  # the heartbeat wakes after the last step


@dataclass(frozen=True, slots=True)
class Measure:
    loop_ms: float
    write_ms: float
    took_s: float


async def _measure(probes: Probes, run: Callable[[], Awaitable[object]]) -> Measure:
    async with probes.watching():
        started = time.perf_counter()
        await run()
        took = time.perf_counter() - started
    return Measure(probes.worst_loop * 1000, probes.worst_write * 1000, took)


@dataclass(slots=True)
class Operations:
    """Each data-heavy operation, run the way the bot runs it: through the objects the
    dispatcher hands the handlers (and, for a page of a list, what its handler draws)."""

    settings: Settings
    dp: Dispatcher
    seeded: Seeded
    scale: Scale
    backups: Path
    person: Person
    now: datetime = field(default_factory=utc_now)
    t: Translator = field(default_factory=lambda: Translations("ru").get("ru"))

    def steps(self) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
        return [
            ("export", self.export),
            ("audience", self.audience),
            ("broadcast", self.broadcast),
            ("report", self.report),
            ("mydata", self.mydata),
            ("catalogue", lambda: self.catalogue(fit=True)),
            ("catalogue_deep", lambda: self.catalogue(fit=False)),
            ("participants_first", lambda: self.participants(deep=False)),
            ("participants_deep", lambda: self.participants(deep=True)),
            ("retention_catchup", self.retention),
            ("retention_daily", self.retention),
            ("backup", self.backup),
        ]

    async def export(self) -> None:
        trips = self.dp["trips"]
        done = await export_trip(
            trips.repo,
            trips.registrations,
            self.dp["cities"],
            trip_id=self.seeded.big_trip,
            t=self.t,
            zone=ZONE,
            now=self.now,
            actor_id=ORGANISER,
            audit_log=self.dp["staff"].audit,
        )
        assert done is not None and done.count == self.scale.big_trip, done and done.count

    async def audience(self) -> None:
        total, _ = await self.dp["broadcasts"].service.count(
            actor_access=Access.ORGANISER, segment=Segment(kind=SegmentKind.ALL)
        )
        assert total == self.scale.people, total

    async def broadcast(self) -> None:
        sent = await self.dp["broadcasts"].service.send_now(
            actor_id=ORGANISER,
            actor_access=Access.ORGANISER,
            segment=Segment(kind=SegmentKind.ALL),
            source=Source(chat_id=ORGANISER, message_id=999, kind="text"),
            now=utc_now(),
            progress=(ORGANISER, 1000),
        )
        assert sent.recipients == self.scale.people, sent.recipients

    async def report(self) -> None:
        """The whole seeded history: two years, every city."""
        today = self.now.date()
        await self.dp["reports"].make(
            actor_id=None,
            actor_access=Access.ADMIN,
            period=custom_period(today - timedelta(days=730), today, ZONE),
            city_id=None,
            t=self.t,
            now=self.now,
        )

    async def mydata(self) -> None:
        copy = await self.dp["people"].personal_data.copy(
            tg_id=self.seeded.subject, t=self.t, now=self.now
        )
        assert len(copy.sections) >= 4, copy.sections

    async def catalogue(self, *, fit: bool) -> None:
        """A member's fitting trips (first page), or a deep page of all of them."""
        page = 0 if fit else self.scale.trips // 4 // CATALOGUE_PAGE
        items, total = await self.dp["trips"].repo.catalogue(
            statuses=tuple(FITTING_STATUSES if fit else BROWSABLE_STATUSES),
            role=self.person.role if fit else None,
            from_city_id=self.person.city_id if fit else None,
            limit=CATALOGUE_PAGE,
            offset=page * CATALOGUE_PAGE,
        )
        assert items, (fit, total)
        catalogue_keyboard(
            self.t,
            items,
            await self.dp["cities"].by_id(),
            ZONE,
            scope=TripScope.FIT if fit else TripScope.ALL,
            page=page,
            pages=max((total + CATALOGUE_PAGE - 1) // CATALOGUE_PAGE, 1),
        )

    async def participants(self, *, deep: bool) -> None:
        """A page of the big trip's list, as its handler makes it (deep: in the line)."""
        trips, trip_id = self.dp["trips"], self.seeded.big_trip
        trip = await trips.repo.get(trip_id=trip_id)
        assert trip is not None
        counts = await trips.registrations.counts(trip_id=trip_id)
        pages = max(1, -(-sum(counts.values()) // PAGE_SIZE))
        page = pages * 4 // 5 if deep else 0
        listed = await trips.registrations.participants(
            trip_id=trip_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
        assert len(listed) == PAGE_SIZE, len(listed)
        participants_text(self.t, trip, counts, listed, page=page, pages=pages)
        participants_keyboard(self.t, trip_id, page=page, pages=pages, has_any=True)

    async def retention(self) -> None:
        await self.dp["people"].personal_data.expire(days=RETENTION_DAYS, now=self.now)

    async def backup(self) -> None:
        """What the nightly job runs: SQLite's online backup, or pg_dump."""
        source = self.settings.sqlite_file
        if source is not None:
            await asyncio.to_thread(daily_backup, source, self.backups, keep=2, now=utc_now())
        else:
            await asyncio.to_thread(
                daily_dump, self.settings.store_url, self.backups, keep=2, now=utc_now()
            )


async def measure_all(
    settings: Settings, db: Database, seeded: Seeded, scale: Scale, backups: Path
) -> dict[str, Measure]:
    bot = create_bot(settings)
    try:
        dp = create_dispatcher(settings, db, bot)
        person = await dp["people"].repo.get(tg_id=seeded.subject)
        assert person is not None
        operations = Operations(settings, dp, seeded, scale, backups, person)
        # As the bot does once started: what exists now is left out of the collector's
        # passes (bot/app.py).
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        probes = Probes(db)
        probes.start()
        results: dict[str, Measure] = {}
        try:
            for name, step in operations.steps():
                results[name] = await _measure(probes, step)
        finally:
            await probes.stop()
    finally:
        await bot.session.close()
    return results


def _settings(store_url: str, folder: Path) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": "http://127.0.0.1:9",  # nothing is sent
        "database_url": store_url,
        "timezone": ZONE,
        "data_retention_days": RETENTION_DAYS,
        "backup_dir": folder / "backups",
    }
    if store_url.startswith("sqlite:///"):
        values["database_path"] = Path(store_url.removeprefix("sqlite:///"))
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def run(people: int, database_url: str | None = None) -> str:
    scale = Scale.of(people)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        async with bench_store(database_url, folder / "bench.sqlite3") as store_url:
            settings = _settings(store_url, folder)
            db = await open_database(settings)
            try:
                seeded = await fill(db, scale, utc_now().replace(microsecond=0))
                results = await measure_all(settings, db, seeded, scale, folder / "backups")
            finally:
                await db.close()
    print(
        f"data_scale fill_s={seeded.fill_s:.1f} "
        + " ".join(f"{name}_s={m.took_s:.3f}" for name, m in results.items())
    )
    print(
        "data_scale write_wait "
        + " ".join(f"{name}_ms={m.write_ms:.0f}" for name, m in results.items())
    )
    worst = max(results, key=lambda name: results[name].loop_ms)
    return (
        f"data_scale people={people} worst_loop_ms={results[worst].loop_ms:.0f} worst={worst} "
        + " ".join(f"{name}_ms={m.loop_ms:.0f}" for name, m in results.items())
        + f" store={store_name(database_url)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://user@host:5432/db (a schema of the run's own); default: SQLite",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(asyncio.run(run(args.people, args.database_url)))  # a benchmark prints its figures


if __name__ == "__main__":
    main()
