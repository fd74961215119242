"""Organisers' rules for programmes and trips: saving, status changes, cancellation.

Every operation checks the actor's access itself: the buttons and commands that lead
here are only a convenience, and callback data can be forged. The per-field checks
are used by the forms as each answer is typed; the save methods check everything
again, because form data comes from the client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.errors import UserError
from bot.core.roles import Access, MemberRole, require_organiser
from bot.core.text import clean_description, clean_text, clean_title
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from bot.trips.catalogue import Direction, TripStatus, check_trip
from bot.trips.notices import TripNotices
from bot.trips.questions import QuestionKind
from bot.trips.registration import Promotion, RegistrationService
from storage.cities import CityRepo
from storage.db import Database
from storage.registrations import RegistrationRepo
from storage.trips import NewProgramme, NewTrip, Question, Trip, TripRepo

REASON_MAX = 1000
QUESTION_LABEL_MAX = 200
OPTION_MAX = 60  # an option becomes a button label
OPTIONS_MIN, OPTIONS_MAX = 2, 10
QUESTIONS_MAX = 15

# A new trip is saved as a draft or opened at once; later statuses come from changes.
NEW_TRIP_STATUSES = (TripStatus.DRAFT, TripStatus.OPEN)
# Where a trip may go from each status by "Статус". Cancelling has its own flow (it
# needs a reason and tells people), and cancelled and finished trips stay as they are.
STATUS_TRANSITIONS: dict[TripStatus, tuple[TripStatus, ...]] = {
    TripStatus.DRAFT: (TripStatus.OPEN,),
    TripStatus.OPEN: (TripStatus.CLOSED, TripStatus.FINISHED),
    TripStatus.CLOSED: (TripStatus.OPEN, TripStatus.FINISHED),
    TripStatus.FINISHED: (),
    TripStatus.CANCELLED: (),
}
CANCELLABLE = (TripStatus.DRAFT, TripStatus.OPEN, TripStatus.CLOSED)
# Cancelled and finished trips are history: editing them would rewrite it.
EDITABLE = CANCELLABLE

# What an audit entry of a trip or programme change shows (never people's data).
TRIP_AUDIT_FIELDS = (
    "title",
    "programme_id",
    "from_city_id",
    "to_city_id",
    "starts_at",
    "ends_at",
    "registration_deadline",
    "capacity",
    "needs_approval",
    "for_minors",
    "status",
)
PROGRAMME_AUDIT_FIELDS = ("direction", "title", "audience")

_OPTION_SEPARATORS = re.compile(r"[\n;]")
_GENERATED_KEY = re.compile(r"^q(\d+)$")


# Fields, one at a time, as the forms take them


def clean_reason(text: str | None) -> str:
    return clean_text(text, limit=REASON_MAX, keep_newlines=True)


def parse_direction(value: str) -> Direction:
    try:
        return Direction(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def parse_role(value: str) -> MemberRole:
    try:
        return MemberRole(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def clean_audience(roles: Iterable[str]) -> tuple[str, ...]:
    """Known roles, each once, in the order of MemberRole; empty means everyone."""
    chosen = {parse_role(role) for role in roles}
    return tuple(role.value for role in MemberRole if role in chosen)


def parse_new_status(value: str) -> TripStatus:
    try:
        status = TripStatus(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc
    if status not in NEW_TRIP_STATUSES:
        raise UserError("error-stale-button")
    return status


def parse_kind(value: str) -> QuestionKind:
    try:
        return QuestionKind(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def clean_question_label(text: str | None) -> str:
    return clean_text(text, limit=QUESTION_LABEL_MAX)


def parse_options(text: str | None) -> tuple[str, ...]:
    """Choice options typed one per line (or separated by ";")."""
    if text is None:
        raise UserError("error-text-expected")
    options: list[str] = []
    for part in _OPTION_SEPARATORS.split(text):
        if not part.strip():
            continue
        option = clean_text(part, limit=OPTION_MAX)
        if option.casefold() in {existing.casefold() for existing in options}:
            raise UserError("org-error-option-twice", option=option)
        options.append(option)
    if not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
        raise UserError("org-error-options-count", low=OPTIONS_MIN, high=OPTIONS_MAX)
    return tuple(options)


def next_question_key(existing: Iterable[str]) -> str:
    """q1, q2, ...: never reuses a key, so answers already given keep their question."""
    keys = set(existing)
    numbers = [int(match[1]) for key in keys if (match := _GENERATED_KEY.match(key))]
    number = max(numbers, default=0) + 1
    while f"q{number}" in keys:
        number += 1
    return f"q{number}"


def check_question(question: Question) -> Question:
    kind = parse_kind(question.kind)
    label = clean_question_label(question.label)
    options: tuple[str, ...] = ()
    if kind is QuestionKind.CHOICE:
        options = parse_options("\n".join(question.options))
    return replace(question, kind=kind.value, label=label, options=options)


def check_questions(questions: Iterable[Question]) -> tuple[Question, ...]:
    checked = tuple(check_question(question) for question in questions)
    if len(checked) > QUESTIONS_MAX:
        raise UserError("org-error-questions-max", limit=QUESTIONS_MAX)
    return checked


def check_start(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise UserError("trip-error-start-past")


def check_end(starts_at: datetime | None, ends_at: datetime) -> None:
    if starts_at is not None and ends_at < starts_at:
        raise UserError("trip-error-end-before-start")


def check_deadline(starts_at: datetime | None, deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise UserError("trip-error-deadline-past")
    if starts_at is not None and deadline >= starts_at:
        raise UserError("trip-error-deadline")


def check_capacity(capacity: int, taken: int) -> None:
    """Seats already given stay given: lowering capacity below them would oversell."""
    if capacity < taken:
        raise UserError("org-error-capacity-below-taken", taken=taken)


def next_statuses(status: str) -> tuple[TripStatus, ...]:
    try:
        return STATUS_TRANSITIONS[TripStatus(status)]
    except ValueError:
        return ()


# Saving


@dataclass(frozen=True, slots=True)
class SavedTrip:
    trip_id: int
    created: bool
    promotions: tuple[Promotion, ...] = ()  # who got a seat (told with the change)


@dataclass(frozen=True, slots=True)
class CancelledTrip:
    trip: Trip
    people: tuple[int, ...]  # everyone registered or wait-listed
    reason: str
    told: int  # of them, how many the notice was queued for (not those who blocked the bot)


class TripAdminService:
    def __init__(
        self,
        db: Database,
        trips: TripRepo,
        registrations: RegistrationRepo,
        registration: RegistrationService,
        cities: CityRepo,
        notices: TripNotices,
    ) -> None:
        self._db = db
        self._trips = trips
        self._registrations = registrations
        self._registration = registration
        self._cities = cities
        self._notices = notices

    async def save_programme(
        self,
        *,
        actor_id: int,
        actor_access: Access | None,
        programme: NewProgramme,
        programme_id: int | None = None,
    ) -> int:
        require_organiser(actor_access)
        checked = NewProgramme(
            direction=parse_direction(programme.direction).value,
            title=clean_title(programme.title),
            description=clean_description(programme.description) if programme.description else "",
            audience=clean_audience(programme.audience),
            ext_key=programme.ext_key,
        )
        if (
            programme_id is not None
            and await self._trips.get_programme(programme_id=programme_id) is None
        ):
            raise UserError("org-error-programme-not-found")
        before = (
            await self._trips.get_programme(programme_id=programme_id) if programme_id else None
        )
        async with self._db.transaction() as conn:
            saved_id = await self._trips.save_programme(
                conn, programme=checked, actor=actor_id, programme_id=programme_id
            )
            await audit.record_saved(
                conn,
                actor=actor_id,
                kind=ObjectKind.PROGRAMME,
                object_id=saved_id,
                before=before,
                after=checked,
                fields=PROGRAMME_AUDIT_FIELDS,
            )
            return saved_id

    async def _checked_trip(self, trip: NewTrip) -> NewTrip:
        """The parts check_trip does not look at: references, texts, questions."""
        if await self._trips.get_programme(programme_id=trip.programme_id) is None:
            raise UserError("org-error-programme-not-found")
        for city_id in (trip.from_city_id, trip.to_city_id):
            if await self._cities.get(city_id=city_id) is None:
                raise UserError("error-stale-button")
        return replace(
            trip,
            title=clean_title(trip.title),
            description=clean_description(trip.description) if trip.description else "",
            questions=check_questions(trip.questions),
        )

    async def create_trip(
        self, *, actor_id: int, actor_access: Access | None, trip: NewTrip, now: datetime
    ) -> SavedTrip:
        require_organiser(actor_access)
        checked = await self._checked_trip(trip)
        parse_new_status(checked.status)
        check_trip(checked, now, is_new=True)
        async with self._db.transaction() as conn:
            trip_id = await self._trips.save(conn, trip=checked, actor=actor_id)
            await audit.record_saved(
                conn,
                actor=actor_id,
                kind=ObjectKind.TRIP,
                object_id=trip_id,
                before=None,
                after=checked,
                fields=TRIP_AUDIT_FIELDS,
            )
        return SavedTrip(trip_id=trip_id, created=True)

    async def update_trip(
        self,
        *,
        actor_id: int,
        actor_access: Access | None,
        trip_id: int,
        trip: NewTrip,
        now: datetime,
    ) -> SavedTrip:
        """Save an edited trip. Its status is not changed here (see change_status).

        A capacity increase goes through RegistrationService.set_capacity, which fills
        the new seats from the waiting list in the same transaction as the increase,
        so nobody registering meanwhile can jump the line.
        """
        require_organiser(actor_access)
        checked = await self._checked_trip(trip)
        async with self._db.transaction() as conn:
            stored = await self._trips.get(trip_id=trip_id, conn=conn)
            if stored is None:
                raise UserError("trip-error-not-found")
            if stored.status not in EDITABLE:
                raise UserError("org-error-not-editable")
            checked = replace(checked, status=stored.status, ext_key=stored.ext_key)
            check_trip(checked, now, is_new=False)
            # Dates that were moved must be in the future; dates left alone may have passed.
            if checked.starts_at != stored.starts_at:
                check_start(checked.starts_at, now)
            if checked.registration_deadline != stored.registration_deadline:
                check_deadline(checked.starts_at, checked.registration_deadline, now)
            raised = checked.capacity > stored.capacity
            if checked.capacity < stored.capacity:
                taken = await self._registrations.count_seated(conn, trip_id=trip_id)
                check_capacity(checked.capacity, taken)
            written = replace(checked, capacity=stored.capacity) if raised else checked
            await self._trips.save(conn, trip=written, actor=actor_id, trip_id=trip_id)
            # A raised capacity is written just below, with the waiting list; it is part
            # of this edit all the same.
            await audit.record_saved(
                conn,
                actor=actor_id,
                kind=ObjectKind.TRIP,
                object_id=trip_id,
                before=stored,
                after=checked,
                fields=TRIP_AUDIT_FIELDS,
            )
        promotions: list[Promotion] = []
        if raised:
            promotions = await self._registration.set_capacity(
                trip_id=trip_id, capacity=checked.capacity, actor_access=Access.ORGANISER, now=now
            )
        return SavedTrip(trip_id=trip_id, created=False, promotions=tuple(promotions))

    async def change_status(
        self,
        *,
        actor_access: Access | None,
        trip_id: int,
        status: str,
        now: datetime,
        actor_id: int | None = None,
    ) -> Trip:
        require_organiser(actor_access)
        async with self._db.transaction() as conn:
            trip = await self._trips.get(trip_id=trip_id, conn=conn)
            if trip is None:
                raise UserError("trip-error-not-found")
            if trip.status == status:
                raise UserError("org-error-status-same")
            if status not in next_statuses(trip.status):
                raise UserError("org-error-status-transition")
            if status == TripStatus.OPEN and trip.starts_at <= now:
                # Opening a trip that has begun would only invite refusals.
                raise UserError("org-error-open-started")
            await self._trips.set_status(conn, trip_id=trip_id, status=status)
            await audit.record(
                conn,
                actor=actor_id,
                action=Action.STATUS,
                kind=ObjectKind.TRIP,
                object_id=trip_id,
                diff={"status": [trip.status, status]},
            )
            updated = await self._trips.get(trip_id=trip_id, conn=conn)
        assert updated is not None
        return updated

    async def cancel_trip(
        self,
        *,
        actor_access: Access | None,
        trip_id: int,
        reason: str | None,
        actor_id: int | None = None,
    ) -> CancelledTrip:
        require_organiser(actor_access)
        cleaned = clean_reason(reason)
        async with self._db.transaction() as conn:
            trip = await self._trips.get(trip_id=trip_id, conn=conn)
            if trip is None:
                raise UserError("trip-error-not-found")
            if trip.status not in CANCELLABLE:
                raise UserError("org-error-not-cancellable")
            await self._trips.set_status(
                conn, trip_id=trip_id, status=TripStatus.CANCELLED, cancel_reason=cleaned
            )
            await audit.record(
                conn,
                actor=actor_id,
                action=Action.CANCEL,
                kind=ObjectKind.TRIP,
                object_id=trip_id,
                diff={"status": [trip.status, TripStatus.CANCELLED], "reason": cleaned},
            )
            cancelled = await self._trips.get(trip_id=trip_id, conn=conn)
            assert cancelled is not None
            # Everyone on the trip or in its line is told, in the cancellation's own
            # transaction (nobody can register meanwhile: the write lock is held).
            people = await self._registrations.active_people(trip_id=trip_id, conn=conn)
            told = await self._notices.trip_cancelled(
                conn, people, title=cancelled.title, reason=cleaned
            )
        return CancelledTrip(trip=cancelled, people=tuple(people), reason=cleaned, told=told)
