"""Events: what organisers may save, subscriptions, and the notices about changes.

Every organiser operation checks the actor's access itself (callback data can be
forged); the form's per-field checks run again on save, because form data comes
from the client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.errors import UserError
from bot.core.i18n import Translations, Translator
from bot.core.roles import Access, require_organiser
from bot.core.text import clean_description, clean_text, clean_title
from bot.core.timefmt import local_span
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from storage.cities import CityRepo
from storage.db import Database, Writer
from storage.events import (
    CANCELLED,
    SCHEDULED,
    Event,
    EventKind,
    EventRepo,
    EventStatus,  # noqa: F401 - re-exported: the handlers take it from here
    NewEvent,
    Subscriber,
)
from storage.outbox import NewMessage, OutboxRepo
from storage.trips import TripRepo

VENUE_MAX = 200
START_AHEAD_YEARS = 5
START_AHEAD_MAX = timedelta(days=366 * START_AHEAD_YEARS)
NOTICE = "notice"
# What an audit entry of an event change shows.
AUDIT_FIELDS = (
    "kind",
    "title",
    "city_id",
    "venue",
    "starts_at",
    "ends_at",
    "programme_id",
    "trip_id",
    "status",
)


def parse_kind(value: str) -> EventKind:
    try:
        return EventKind(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def clean_venue(text: str | None) -> str:
    return clean_text(text, limit=VENUE_MAX)


def check_start(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise UserError("event-error-start-past")
    if starts_at - now > START_AHEAD_MAX:
        # 15.03.2207 for 15.03.2027: the lists show day and month only, so a wrong year
        # would hide the event far down the catalogue.
        raise UserError("event-error-start-far", years=START_AHEAD_YEARS)


def check_end(starts_at: datetime | None, ends_at: datetime) -> None:
    if starts_at is not None and ends_at < starts_at:
        raise UserError("event-error-end-before-start")


def has_started(event: Event, now: datetime) -> bool:
    return event.starts_at <= now


@dataclass(frozen=True, slots=True)
class EventChange:
    """A saved or cancelled event, what it was before, and who is to be told."""

    event: Event
    before: Event | None
    subscribers: tuple[Subscriber, ...] = ()
    told: int = 0  # subscribers whose notice was queued with the change

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def moved(self) -> bool:
        return self.before is not None and (
            self.before.starts_at != self.event.starts_at
            or self.before.ends_at != self.event.ends_at
        )

    @property
    def cancelled(self) -> bool:
        return (
            self.before is not None
            and self.before.status != CANCELLED
            and self.event.status == CANCELLED
        )


class EventService:
    def __init__(
        self,
        db: Database,
        events: EventRepo,
        trips: TripRepo,
        cities: CityRepo,
        notices: EventNotices,
        *,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._events = events
        self._trips = trips
        self._cities = cities
        self._notices = notices
        self._on_change = on_change  # the reminders look again at the next due moment

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    async def _checked(self, event: NewEvent) -> NewEvent:
        if await self._cities.get(city_id=event.city_id) is None:
            raise UserError("error-stale-button")
        if event.programme_id is not None and event.trip_id is not None:
            raise UserError("error-stale-button")
        if (
            event.programme_id is not None
            and await self._trips.get_programme(programme_id=event.programme_id) is None
        ):
            raise UserError("org-error-programme-not-found")
        if event.trip_id is not None and await self._trips.get(trip_id=event.trip_id) is None:
            raise UserError("trip-error-not-found")
        check_end(event.starts_at, event.ends_at)
        return replace(
            event,
            kind=parse_kind(event.kind).value,
            title=clean_title(event.title),
            venue=clean_venue(event.venue) if event.venue else "",
            description=clean_description(event.description) if event.description else "",
        )

    async def save(
        self,
        *,
        actor_id: int,
        actor_access: Access | None,
        event: NewEvent,
        now: datetime,
        event_id: int | None = None,
    ) -> EventChange:
        """Create an event, or change one (its status is changed by `cancel` only)."""
        require_organiser(actor_access)
        checked = await self._checked(event)
        async with self._db.transaction() as conn:
            before = None
            if event_id is not None:
                before = await self._events.get(event_id=event_id, conn=conn)
                if before is None:
                    raise UserError("event-error-not-found")
                if before.status != SCHEDULED:
                    raise UserError("event-error-cancelled")
                checked = replace(checked, status=before.status, ext_key=before.ext_key)
                # A start that was moved must be ahead; one left alone may have passed.
                if checked.starts_at != before.starts_at:
                    check_start(checked.starts_at, now)
            else:
                check_start(checked.starts_at, now)
                checked = replace(checked, status=SCHEDULED, ext_key=None)
            saved_id = await self._events.save(
                conn, event=checked, actor=actor_id, event_id=event_id
            )
            await audit.record_saved(
                conn,
                actor=actor_id,
                kind=ObjectKind.EVENT,
                object_id=saved_id,
                before=before,
                after=checked,
                fields=AUDIT_FIELDS,
            )
            saved = await self._events.get(event_id=saved_id, conn=conn)
            assert saved is not None
            change = await self._notices.announce_in(conn, self._events, saved, before)
        self._changed()
        return change

    async def cancel(
        self, *, actor_access: Access | None, event_id: int, actor_id: int | None = None
    ) -> EventChange:
        require_organiser(actor_access)
        async with self._db.transaction() as conn:
            before = await self._events.get(event_id=event_id, conn=conn)
            if before is None:
                raise UserError("event-error-not-found")
            if before.status != SCHEDULED:
                raise UserError("event-error-cancelled")
            await self._events.save(
                conn,
                event=NewEvent(
                    kind=before.kind,
                    title=before.title,
                    city_id=before.city_id,
                    venue=before.venue,
                    starts_at=before.starts_at,
                    ends_at=before.ends_at,
                    description=before.description,
                    programme_id=before.programme_id,
                    trip_id=before.trip_id,
                    status=CANCELLED,
                    ext_key=before.ext_key,
                ),
                actor=None,
                event_id=event_id,
            )
            await audit.record(
                conn,
                actor=actor_id,
                action=Action.CANCEL,
                kind=ObjectKind.EVENT,
                object_id=event_id,
                diff={"status": [before.status, CANCELLED]},
            )
            cancelled = await self._events.get(event_id=event_id, conn=conn)
            assert cancelled is not None
            change = await self._notices.announce_in(conn, self._events, cancelled, before)
        self._changed()
        return change

    async def subscribe(self, *, tg_id: int, event_id: int, now: datetime) -> bool:
        """Subscribe; False if the person was subscribed already (a second tap)."""
        event = await self._events.get(event_id=event_id)
        if event is None:
            raise UserError("event-error-not-found")
        if event.status != SCHEDULED:
            raise UserError("event-error-cancelled")
        if event.ends_at < now:
            raise UserError("event-error-over")
        return await self._events.subscribe(event_id=event_id, tg_id=tg_id)

    async def unsubscribe(self, *, tg_id: int, event_id: int) -> bool:
        """Unsubscribe; False if the person was not subscribed (a second tap)."""
        event = await self._events.get(event_id=event_id)
        if event is None:
            raise UserError("event-error-not-found")
        return await self._events.unsubscribe(event_id=event_id, tg_id=tg_id)


# Notices to subscribers

MarkupFactory = Callable[[Translator, int], dict[str, Any] | None]


class EventNotices:
    """Tell subscribers that an event moved or was cancelled, each in their language and
    city time, through the outbox (one key per change and person: never told twice)."""

    def __init__(
        self,
        outbox: OutboxRepo,
        translations: Translations,
        cities: CityRepo,
        markup: MarkupFactory,
        *,
        default_zone: str,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._translations = translations
        self._cities = cities
        self._markup = markup
        self._default_zone = default_zone
        self._wake = wake

    async def announce_in(
        self, conn: Writer, events: EventRepo, event: Event, before: Event | None
    ) -> EventChange:
        """In the transaction of a change (an organiser's or an import's): its subscribers
        are told if it moved or was cancelled, and the change says how many."""
        change = EventChange(event, before)
        if not (change.moved or change.cancelled):
            return change
        change = replace(
            change, subscribers=tuple(await events.subscribers(event_id=event.id, conn=conn))
        )
        return replace(change, told=await self._announce(conn, change))

    async def _announce(self, conn: Writer, change: EventChange) -> int:
        if change.before is None:
            return 0
        city = await self._cities.get(city_id=change.event.city_id)
        messages = []
        for subscriber in change.subscribers:
            if subscriber.blocked:
                continue
            t = self._translations.get(subscriber.language)
            zone = subscriber.zone or self._default_zone  # the recipient's city
            where = city.name(t.language) if city else ""
            if change.cancelled:
                key = "cancelled"
                text = t("event-notice-cancelled", title=change.event.title, city=where)
            else:
                key = "moved"
                text = t(
                    "event-notice-moved",
                    title=change.event.title,
                    city=where,
                    old=_when(change.before.starts_at, change.before.ends_at, zone),
                    new=_when(change.event.starts_at, change.event.ends_at, zone),
                )
            messages.append(
                NewMessage(
                    chat_id=subscriber.tg_id,
                    purpose=NOTICE,
                    text=text,
                    reply_markup=self._markup(t, change.event.id),
                    dedup_key=(
                        f"event-{key}:{change.event.id}:{change.event.sequence}:{subscriber.tg_id}"
                    ),
                )
            )
        queued = await self._outbox.enqueue(messages, conn=conn) if messages else 0
        if queued and self._wake is not None:
            conn.after_commit(self._wake)
        return queued


def _when(starts: datetime, ends: datetime, zone: str) -> str:
    return local_span(starts, ends, zone)


def when_text(starts: datetime, ends: datetime, zone: str) -> str:
    """Start and end as one line in a zone's time: `21.11.2026 10:00–18:00`."""
    return local_span(starts, ends, zone)
