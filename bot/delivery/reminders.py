"""Reminders before events, trips and telebridges, and the question after a telebridge
("Состоялся ли телемост?"), woken by APScheduler.

The database is the source of truth. A reminder is due at the start of its event (trip,
telebridge) minus an offset from the settings; who gets it is read when it falls due
(subscribers, approved participants, both schools' coordinators). The question after a
telebridge is due at its end, and is asked however late the bot gets to it.
`reminder_sweeps.swept_until` says up to which moment reminders have been handled, so
nothing depends on jobs kept in memory:

- a sweep takes every reminder due in (swept_until, now], queues it in the outbox with
  the key ``reminder:<kind>:<id>:<offset s>:<tg_id>`` (the outbox never queues a key
  twice, so a restart, a second process or an overlapping sweep cannot send it again),
  then moves swept_until to now;
- at start-up the same sweep catches up: reminders missed while the bot was down go
  out at once if the thing has not started yet, otherwise they are dropped and logged;
- APScheduler holds exactly one job, at the next due moment (or within `max_idle`,
  to notice changes made by another process such as the import command); changes in
  this process call `poke()` to reschedule it.

Moving a start moves its reminders (they are computed from the start); the ones sent
already keep their keys and are not repeated (a telebridge's key carries the version of
its agreed terms: a reschedule both sides accepted is reminded of afresh). Cancelling
and unsubscribing take the reminders away because the queries no longer find them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.core.i18n import Translations, Translator
from bot.core.timefmt import local_text
from storage.cities import City, CityRepo
from storage.db import utc_now
from storage.outbox import NewMessage, OutboxRepo
from storage.reminders import (
    EVENT,
    TELEBRIDGE,
    TELEBRIDGE_HELD,
    TRIP,
    DueReminder,
    ReminderKind,
    ReminderRepo,
)

logger = logging.getLogger(__name__)

REMINDER = "reminder"
SWEEP_BATCH = 500  # reminders read and queued at a time

# (translator, kind, target id) -> reply_markup as the Bot API's JSON, from the handlers.
MarkupFactory = Callable[[Translator, str, int], dict[str, Any] | None]


def dedup_key(kind: str, target_id: int, offset: int, tg_id: int, version: int = 0) -> str:
    """One reminder per thing, offset and person. A telebridge's agreed terms carry a
    version (a reschedule is a new agreement), so its reminders come again for the new
    time; an event's move keeps the key, so a sent reminder is not repeated."""
    target = f"{target_id}v{version}" if kind == TELEBRIDGE else str(target_id)
    return f"reminder:{kind}:{target}:{offset}:{tg_id}"


def followup_key(telebridge_id: int, tg_id: int) -> str:
    return f"{TELEBRIDGE_HELD}:{telebridge_id}:{tg_id}"


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    event_offsets: tuple[int, ...] = (7 * 86400, 86400, 2 * 3600)
    trip_offsets: tuple[int, ...] = (7 * 86400, 86400)
    telebridge_offsets: tuple[int, ...] = (86400, 3600)
    default_zone: str = "Europe/Moscow"
    max_idle: float = 30.0  # look at the database at least this often (seconds)


@dataclass(frozen=True, slots=True)
class SweepResult:
    queued: int = 0
    dropped: int = 0  # the thing had started before the reminder could go out
    skipped: int = 0  # the person blocked the bot


async def count_reminders(
    repo: ReminderRepo, config: ReminderConfig, *, after: datetime, until: datetime
) -> int:
    """The reminders of every kind and offset that fall due in (after, until], people who
    blocked the bot left out, as the sweep leaves them out (/metrics, `status`)."""
    queries: list[tuple[ReminderKind, int]] = [(EVENT, o) for o in config.event_offsets]
    queries += [(TRIP, offset) for offset in config.trip_offsets]
    queries += [(TELEBRIDGE, offset) for offset in config.telebridge_offsets]
    queries.append((TELEBRIDGE_HELD, 0))  # "Состоялся ли телемост?" at its end
    count = 0
    for kind, offset in queries:
        count += await repo.count_due(
            kind=kind, offset=timedelta(seconds=offset), after=after, until=until
        )
    return count


def time_left(t: Translator, seconds: float) -> str:
    """ "через 2 часа": the largest unit that fits, rounded."""
    seconds = max(seconds, 1)
    for unit, key in ((86400, "days"), (3600, "hours"), (60, "minutes")):
        if seconds >= unit:
            return t.button(f"reminder-in-{key}", n=round(seconds / unit))
    return t.button("reminder-in-seconds", n=round(seconds))


class Reminders:
    JOB_ID = "reminders"

    def __init__(
        self,
        repo: ReminderRepo,
        outbox: OutboxRepo,
        cities: CityRepo,
        translations: Translations,
        markup: MarkupFactory,
        config: ReminderConfig,
        *,
        wake_delivery: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._repo = repo
        self._outbox = outbox
        self._cities = cities
        self._translations = translations
        self._markup = markup
        self._config = config
        self._wake_delivery = wake_delivery
        self._clock = clock
        self._lock = asyncio.Lock()
        self._again = False
        self._scheduler: AsyncIOScheduler | None = None
        self.next_run: datetime | None = None
        # How late the last sweep began after its planned moment (for /metrics).
        self.lag_seconds = 0.0

    # Lifecycle

    async def start(self) -> None:
        """Catch up with what was missed, then wait for the next due moment."""
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.start()
        await self._run()

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        # A sweep under way finishes before the database closes: APScheduler's shutdown
        # would cancel it (and log the cancellation as the job's failure).
        async with self._lock:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    async def due_within(self, span: timedelta) -> int:
        """How many reminders fall due from now to `span` ahead (counted in the database)."""
        now = self._clock()
        return await count_reminders(self._repo, self._config, after=now, until=now + span)

    def poke(self) -> None:
        """Something changed (an event moved, a trip was saved): look again now."""
        if self._scheduler is None:
            return
        if self._lock.locked():
            self._again = True
            return
        self._schedule(self._clock())

    # The job

    def _schedule(self, moment: datetime) -> None:
        if self._scheduler is None:
            return
        self.next_run = moment
        self._scheduler.add_job(
            self._run,
            DateTrigger(run_date=moment),
            id=self.JOB_ID,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=3,
        )

    async def _run(self) -> None:
        if self.next_run is not None:
            self.lag_seconds = max(0.0, (self._clock() - self.next_run).total_seconds())
        async with self._lock:
            while True:
                self._again = False
                try:
                    await self.sweep()
                except Exception:
                    logger.exception("Reminder sweep failed; trying again later")
                if not self._again:
                    break
            if self._scheduler is None:
                return
            try:
                moment = await self._next_due()
            except Exception:
                logger.exception("Cannot find the next reminder; looking again later")
                moment = None
            latest = self._clock() + timedelta(seconds=self._config.max_idle)
            self._schedule(min(moment, latest) if moment else latest)

    async def _next_due(self) -> datetime | None:
        after = await self._repo.swept_until() or self._clock()
        candidates = []
        kinds = (
            (EVENT, self._config.event_offsets),
            (TRIP, self._config.trip_offsets),
            (TELEBRIDGE, self._config.telebridge_offsets),
        )
        for kind, offsets in kinds:
            for offset in offsets:
                delta = timedelta(seconds=offset)
                start = await self._repo.next_start(kind=kind, after=after + delta)
                if start is not None:
                    candidates.append(start - delta)
        end = await self._repo.next_end(after=after)
        if end is not None:
            candidates.append(end)
        return min(candidates, default=None)

    # The sweep

    async def sweep(self) -> SweepResult:
        """Queue every reminder due since the last sweep; drop those whose thing began."""
        now = self._clock()
        until = now.replace(microsecond=0)
        after = await self._repo.swept_until()
        if after is None:
            # The first start: nothing was promised before this moment.
            await self._repo.set_swept_until(until)
            return SweepResult()
        if until <= after:
            return SweepResult()
        queries = [(EVENT, offset) for offset in self._config.event_offsets]
        queries += [(TRIP, offset) for offset in self._config.trip_offsets]
        queries += [(TELEBRIDGE, offset) for offset in self._config.telebridge_offsets]
        # Asked at the end, however late the bot gets to it: the answer is still wanted.
        queries.append((TELEBRIDGE_HELD, 0))
        cities = await self._cities.by_id()
        dropped: Counter[tuple[str, int, int, datetime]] = Counter()
        queued = skipped = 0
        for kind, offset in queries:
            # A part at a time: the reminders of one big festival are not all held in
            # memory at once. A crash half-way is harmless: swept_until has not moved,
            # and the next sweep skips the keys already queued.
            start_after = (0, 0)
            while True:
                rows = await self._repo.due(
                    kind=kind,
                    offset=timedelta(seconds=offset),
                    after=after,
                    until=until,
                    start_after=start_after,
                    limit=SWEEP_BATCH,
                )
                if not rows:
                    break
                part = self._queue(((offset, row) for row in rows), cities, now, dropped)
                queued += await self._enqueue(part[0])
                skipped += part[1]
                if len(rows) < SWEEP_BATCH:
                    break
                start_after = (rows[-1].target_id, rows[-1].tg_id)
        self._log_dropped(dropped)
        if queued:
            logger.info("Queued %d reminders", queued)
            if self._wake_delivery is not None:
                self._wake_delivery()
        await self._repo.set_swept_until(until)
        return SweepResult(queued=queued, dropped=sum(dropped.values()), skipped=skipped)

    async def _enqueue(self, messages: list[NewMessage]) -> int:
        return await self._outbox.enqueue(messages) if messages else 0

    def _queue(
        self,
        due: Iterable[tuple[int, DueReminder]],
        cities: dict[int, City],
        now: datetime,
        dropped: Counter[tuple[str, int, int, datetime]],
    ) -> tuple[list[NewMessage], int]:
        """The messages for due reminders, and how many people were skipped (blocked);
        those whose thing began already are counted in `dropped`."""
        messages: list[NewMessage] = []
        skipped = 0
        for offset, reminder in due:
            if reminder.kind != TELEBRIDGE_HELD and reminder.starts_at <= now:
                dropped[(reminder.kind, reminder.target_id, offset, reminder.starts_at)] += 1
            elif reminder.blocked:
                skipped += 1
            else:
                messages.append(self._message(offset, reminder, cities, now))
        return messages, skipped

    @staticmethod
    def _log_dropped(dropped: Counter[tuple[str, int, int, datetime]]) -> None:
        for (kind, target_id, offset, starts_at), count in dropped.items():
            logger.warning(
                "Reminder %ss before %s %s dropped for %d people: it began at %s,"
                " before the reminder could be sent",
                offset,
                kind,
                target_id,
                count,
                starts_at.isoformat(),
            )

    def _message(
        self, offset: int, reminder: DueReminder, cities: dict[int, City], now: datetime
    ) -> NewMessage:
        t = self._translations.get(reminder.language)
        zone = reminder.zone or self._config.default_zone
        city_name = reminder.city_name_be if t.language == "be" else reminder.city_name_ru
        city = cities.get(reminder.city_id)
        common = {
            "title": reminder.title,
            "when": time_left(t, (reminder.starts_at - now).total_seconds()),
            "time": local_text(reminder.starts_at, zone),
            "city": city_name or zone,
        }
        key = dedup_key(
            reminder.kind, reminder.target_id, offset, reminder.tg_id, reminder.version
        )
        if reminder.kind == EVENT:
            where = city.name(t.language) if city else ""
            place = f"{reminder.place}, {where}" if reminder.place else where
            text = t("reminder-event", place=place, **common)
        elif reminder.kind == TELEBRIDGE:
            text = t("reminder-telebridge", other=reminder.other, link=reminder.place, **common)
        elif reminder.kind == TELEBRIDGE_HELD:
            key = followup_key(reminder.target_id, reminder.tg_id)
            text = t("tb-ask-held", title=reminder.title, other=reminder.other)
        else:
            origin = cities.get(reminder.from_city_id or 0)
            text = t(
                "reminder-trip",
                origin=origin.name(t.language) if origin else "—",
                destination=city.name(t.language) if city else "—",
                **common,
            )
        return NewMessage(
            chat_id=reminder.tg_id,
            purpose=REMINDER,
            text=text,
            reply_markup=self._markup(t, reminder.kind, reminder.target_id),
            dedup_key=key,
        )
