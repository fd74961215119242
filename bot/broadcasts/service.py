"""Broadcasts: who gets one (segments), what may be sent, and the organiser's actions.

The message itself is the organiser's own, copied with copyMessage so formatting and
media stay as they wrote them. Every action checks the actor's access here, whatever
buttons they were shown.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.errors import UserError
from bot.core.roles import Access, MemberRole, require_organiser
from bot.core.text import has_visible, strip_invisible
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from bot.telebridges.service import InstitutionKind
from bot.trips.catalogue import parse_local_datetime
from storage.broadcasts import (
    QUEUEING,
    Broadcast,
    BroadcastRepo,
    BroadcastStatus,  # noqa: F401 - re-exported: the handlers take it from here
    Figures,
    RecipientFilter,
    Source,
)

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Telegram's limits, in UTF-16 code units
CAPTION_LIMIT = 1024
LATE_AFTER = timedelta(minutes=1)
SCHEDULE_AHEAD_MAX = timedelta(days=366)
# A broadcast still 'queueing' with no batch for this long was cut short: the monitor
# takes it up (a live queueing touches it every batch, in well under a second).
QUEUEING_STALLED_AFTER = timedelta(minutes=1)
LANGUAGE_CODES = ("ru", "be")


class SegmentKind(StrEnum):
    ALL = "all"
    CITY = "city"
    ROLE = "role"
    LANGUAGE = "lang"
    CITY_ROLE = "cityrole"
    TRIP = "trip"
    EVENT = "event"  # subscribers of an event
    COORDINATORS = "coord"  # school coordinators: a city (0: all) and a type ("any")


class TripAudience(StrEnum):
    """Which registrations of a trip: one status, or everyone still on it."""

    APPROVED = "approved"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    ACTIVE = "active"

    @property
    def statuses(self) -> tuple[str, ...]:
        if self is TripAudience.ACTIVE:
            return ("approved", "pending", "waitlisted")
        return (self.value,)


# What each kind of segment asks for, in order.
SEGMENT_FIELDS: dict[SegmentKind, tuple[str, ...]] = {
    SegmentKind.ALL: (),
    SegmentKind.CITY: ("city_id",),
    SegmentKind.ROLE: ("role",),
    SegmentKind.LANGUAGE: ("language",),
    SegmentKind.CITY_ROLE: ("city_id", "role"),
    SegmentKind.TRIP: ("trip_id", "audience"),
    SegmentKind.EVENT: ("event_id",),
    SegmentKind.COORDINATORS: ("inst_city", "inst_kind"),
}
ANY_KIND = "any"


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    city_id: int | None = None
    role: str | None = None
    language: str | None = None
    trip_id: int | None = None
    audience: str | None = None
    event_id: int | None = None
    inst_city: int | None = None  # the coordinators' institutions' city; 0: every city
    inst_kind: str | None = None  # their type (InstitutionKind) or ANY_KIND

    def missing(self) -> str | None:
        """The first field this kind of segment still needs."""
        for name in SEGMENT_FIELDS[self.kind]:
            if getattr(self, name) is None:
                return name
        return None

    def recipients(self) -> RecipientFilter:
        if self.missing() is not None:
            raise UserError("bc-error-segment")
        return RecipientFilter(
            city_id=self.city_id,
            role=self.role,
            language=self.language,
            trip_id=self.trip_id,
            trip_statuses=TripAudience(self.audience).statuses if self.audience else (),
            event_id=self.event_id,
            coordinators=self.kind is SegmentKind.COORDINATORS,
            institution_city_id=self.inst_city or None,
            institution_kind=None if self.inst_kind in (None, ANY_KIND) else self.inst_kind,
        )

    def to_json(self) -> str:
        data = {key: value for key, value in asdict(self).items() if value is not None}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_data(cls, data: object) -> Segment:
        """From the form's data or the database; anything malformed is refused."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise UserError("bc-error-segment") from None
        if not isinstance(data, dict):
            raise UserError("bc-error-segment")
        try:
            segment = cls(
                kind=SegmentKind(data["kind"]),
                city_id=_optional_int(data.get("city_id")),
                role=MemberRole(data["role"]).value if data.get("role") else None,
                language=_language(data.get("language")),
                trip_id=_optional_int(data.get("trip_id")),
                audience=TripAudience(data["audience"]).value if data.get("audience") else None,
                event_id=_optional_int(data.get("event_id")),
                inst_city=_optional_int(data.get("inst_city")),
                inst_kind=_institution_kind(data.get("inst_kind")),
            )
        except (KeyError, ValueError, TypeError):
            raise UserError("bc-error-segment") from None
        allowed = set(SEGMENT_FIELDS[segment.kind])
        given = {key for key, value in asdict(segment).items() if value is not None} - {"kind"}
        if not given <= allowed:
            raise UserError("bc-error-segment")
        return segment

    def with_value(self, field: str, value: object) -> Segment:
        """The next answer of the segment form, checked like everything else."""
        data = {key: v for key, v in asdict(self).items() if v is not None}
        data[field] = value
        return Segment.from_data(data)


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("not an id")
    return int(value)


def _institution_kind(value: object) -> str | None:
    if value is None:
        return None
    if value == ANY_KIND:
        return ANY_KIND
    return InstitutionKind(str(value)).value


def _language(value: object) -> str | None:
    if value is None:
        return None
    if value not in LANGUAGE_CODES:
        raise ValueError("unknown language")
    return str(value)


class ContentKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


def utf16_length(text: str | None) -> int:
    return len((text or "").encode("utf-16-le")) // 2


def check_content(kind: ContentKind | None, text: str | None) -> None:
    """What an organiser sends must be something every recipient can receive as is.

    Telegram lets Premium users write captions longer than a bot may copy, so a
    message that reached the bot can still be too long to go out: it is refused here,
    before anything is queued, rather than failing 50,000 times.
    """
    if kind is None:
        raise UserError("bc-error-content-kind")
    length = utf16_length(text)
    if kind is ContentKind.TEXT:
        if not (text or "").strip():
            raise UserError("bc-error-content-kind")
        if not has_visible(strip_invisible(text or "")):
            # Zero-width characters or Hangul fillers only: everyone would get a blank.
            raise UserError("error-text-empty")
        if length > TEXT_LIMIT:
            raise UserError("bc-error-text-long", length=length, limit=TEXT_LIMIT)
    elif length > CAPTION_LIMIT:
        raise UserError("bc-error-caption-long", length=length, limit=CAPTION_LIMIT)


def parse_schedule(text: str | None, zone: str, now: datetime) -> datetime:
    """A date and time in the organiser's city time, in the future, within a year."""
    moment = parse_local_datetime(text, zone)
    if moment <= now:
        raise UserError("bc-error-schedule-past")
    if moment - now > SCHEDULE_AHEAD_MAX:
        raise UserError("bc-error-schedule-far")
    return moment


def seconds_left(figures: Figures, *, elapsed: float, fallback_rate: float) -> int:
    """An estimate of the time to finish: the pace so far, or the configured one at first."""
    if figures.left == 0:
        return 0
    rate = figures.processed / elapsed if elapsed >= 2 and figures.processed else fallback_rate
    return math.ceil(figures.left / max(rate, 0.01))


class BroadcastService:
    def __init__(self, repo: BroadcastRepo, wake_delivery: Callable[[], None]) -> None:
        self._repo = repo
        self._wake_delivery = wake_delivery
        self._unreadable: set[int] = set()  # queueing broadcasts already logged as such

    async def count(self, *, actor_access: Access | None, segment: Segment) -> tuple[int, int]:
        require_organiser(actor_access)
        return await self._repo.count_recipients(segment.recipients())

    async def send_now(
        self,
        *,
        actor_id: int,
        actor_access: Access | None,
        segment: Segment,
        source: Source,
        now: datetime,
        progress: tuple[int, int],
    ) -> Broadcast:
        require_organiser(actor_access)
        audience = segment.recipients()
        total, _ = await self._repo.count_recipients(audience)
        if total == 0:
            raise UserError("bc-error-nobody")
        broadcast = await self._repo.create(
            created_by=actor_id,
            segment=segment.to_json(),
            audience=audience,
            source=source,
            now=now,
            progress=progress,
            audit=audit.entry(
                actor=actor_id,
                action=Action.BROADCAST,
                kind=ObjectKind.BROADCAST,
                diff={"segment": segment.to_json(), "content": source.kind, "recipients": total},
            ),
        )
        # From here the broadcast, its audit entry and its first recipients are saved:
        # whatever happens to the rest, it goes on (the monitor takes up a stalled one).
        if broadcast.status == QUEUEING:
            broadcast = await self._queue_rest(broadcast, audience)
        self._wake_delivery()
        return broadcast

    async def _queue_rest(self, broadcast: Broadcast, audience: RecipientFilter) -> Broadcast:
        """Queue the recipients after the first batch; a failure half-way is left to the
        monitor, and the broadcast comes back still 'queueing' to say so."""
        # Whatever the failure (a lost database most likely), the broadcast and its audit
        # entry are saved and the monitor goes on with it: the organiser is told so, not
        # asked to try again (which would make a second broadcast).
        try:
            await self._repo.queue_rest(broadcast_id=broadcast.id, audience=audience)
            return await self._repo.get(broadcast_id=broadcast.id) or broadcast
        except Exception:
            logger.exception(
                "Broadcast %s: queueing its recipients stopped half-way; it goes on later",
                broadcast.id,
            )
            return broadcast

    async def schedule(
        self,
        *,
        actor_id: int,
        actor_access: Access | None,
        segment: Segment,
        source: Source,
        at: datetime,
        now: datetime,
    ) -> Broadcast:
        require_organiser(actor_access)
        if at <= now:
            raise UserError("bc-error-schedule-past")
        segment.recipients()  # complete, or refused now rather than at its time
        return await self._repo.create(
            created_by=actor_id,
            segment=segment.to_json(),
            audience=segment.recipients(),
            source=source,
            now=now,
            scheduled_for=at,
            audit=audit.entry(
                actor=actor_id,
                action=Action.SCHEDULE,
                kind=ObjectKind.BROADCAST,
                diff={"segment": segment.to_json(), "content": source.kind, "at": at},
            ),
        )

    async def start_due(self, *, now: datetime) -> list[Broadcast]:
        """Scheduled broadcasts whose time has come, started; late when the bot was down.
        Broadcasts whose queueing was cut short (a crash, a lost database connection)
        are taken up again here too. One that fails is logged and tried at the next
        tick; the others go on."""
        started = []
        for broadcast in await self._repo.due_scheduled(now=now):
            assert broadcast.scheduled_for is not None
            late = now - broadcast.scheduled_for > LATE_AFTER
            try:
                audience = Segment.from_data(broadcast.segment).recipients()
            except UserError:
                audience = RecipientFilter(trip_id=-1)  # nobody: the segment is unreadable
            try:
                if await self._repo.start_scheduled(
                    broadcast_id=broadcast.id, audience=audience, now=now, late=late
                ):
                    started.append(broadcast)
                    await self._repo.queue_rest(broadcast_id=broadcast.id, audience=audience)
            except Exception:
                logger.exception(
                    "Scheduled broadcast %s: starting or queueing its recipients failed;"
                    " a started one goes on later",
                    broadcast.id,
                )
        resumed = 0
        for broadcast in await self._repo.stalled_queueing(
            quiet_since=now - QUEUEING_STALLED_AFTER
        ):
            try:
                audience = Segment.from_data(broadcast.segment).recipients()
            except UserError:
                # Stored by an older version? Queueing it for "nobody" would send it to
                # those queued so far only: left as it is, for a person to look at
                # (`status` names it), and said once, not at every tick.
                if broadcast.id not in self._unreadable:
                    self._unreadable.add(broadcast.id)
                    logger.error(
                        "Broadcast %s: its segment cannot be read; left queueing", broadcast.id
                    )
                continue
            logger.info(
                "Broadcast %s: queueing its recipients again from where it stopped", broadcast.id
            )
            try:
                await self._repo.queue_rest(broadcast_id=broadcast.id, audience=audience)
                resumed += 1
            except Exception:
                logger.exception(
                    "Broadcast %s: queueing its recipients failed again", broadcast.id
                )
        if started or resumed:
            self._wake_delivery()
        return started

    async def stop(
        self, *, actor_id: int, actor_access: Access | None, broadcast_id: int, now: datetime
    ) -> Broadcast:
        """Stop a running (or still queueing) broadcast: what has not been handed to
        Telegram is not sent."""
        require_organiser(actor_access)
        await self._get(broadcast_id)
        entry = audit.entry(
            actor=actor_id, action=Action.STOP, kind=ObjectKind.BROADCAST, object_id=broadcast_id
        )
        if not await self._repo.stop(
            broadcast_id=broadcast_id, stopped_by=actor_id, now=now, audit=entry
        ):
            raise UserError("bc-error-not-running")
        return await self._get(broadcast_id)

    async def withdraw(
        self, *, actor_id: int, actor_access: Access | None, broadcast_id: int, now: datetime
    ) -> Broadcast:
        """Cancel a scheduled broadcast before its time (or while its recipients are
        still being queued: nothing of it has gone out)."""
        require_organiser(actor_access)
        await self._get(broadcast_id)
        entry = audit.entry(
            actor=actor_id,
            action=Action.WITHDRAW,
            kind=ObjectKind.BROADCAST,
            object_id=broadcast_id,
        )
        if not await self._repo.withdraw(
            broadcast_id=broadcast_id, stopped_by=actor_id, now=now, audit=entry
        ):
            raise UserError("bc-error-not-scheduled")
        return await self._get(broadcast_id)

    async def attach_progress(self, *, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """The message that will show the broadcast's progress once it starts."""
        await self._repo.set_progress_message(
            broadcast_id=broadcast_id, chat_id=chat_id, message_id=message_id
        )

    async def history(
        self, *, actor_access: Access | None, page: int, page_size: int
    ) -> tuple[list[Broadcast], int, int]:
        """One page of broadcasts, newest first: the items, the page shown, the pages."""
        require_organiser(actor_access)
        _, total = await self._repo.history(limit=1, offset=0)
        pages = max(math.ceil(total / page_size), 1)
        page = min(max(page, 0), pages - 1)
        items, _ = await self._repo.history(limit=page_size, offset=page * page_size)
        return items, page, pages

    async def figures(self, *, broadcast_id: int) -> Figures:
        return await self._repo.figures(broadcast_id=broadcast_id)

    async def get(self, *, actor_access: Access | None, broadcast_id: int) -> Broadcast:
        require_organiser(actor_access)
        return await self._get(broadcast_id)

    async def _get(self, broadcast_id: int) -> Broadcast:
        broadcast = await self._repo.get(broadcast_id=broadcast_id)
        if broadcast is None:
            raise UserError("bc-error-not-found")
        return broadcast
