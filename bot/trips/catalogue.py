"""Rules for programmes and trips: directions, statuses, dates, what a form may save."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.roles import Access
from bot.core.text import DESCRIPTION_MAX, TITLE_MAX  # noqa: F401 - re-exported
from storage.trips import (  # noqa: F401 - re-exported for handlers
    Direction,
    NewProgramme,
    NewTrip,
    Programme,
    Question,
    Trip,
    TripListItem,
    TripStatus,  # re-exported: the handlers take it from here
)

CAPACITY_MIN, CAPACITY_MAX = 1, 10000


# The catalogue: trips that fit a person are those open for registration; "Показать
# все" adds those whose registration has closed. Drafts are the organisers' own.
FITTING_STATUSES = (TripStatus.OPEN,)
BROWSABLE_STATUSES = (TripStatus.OPEN, TripStatus.CLOSED)
# While a trip is open or closed, a freed seat goes to the waiting list.
SEAT_KEEPING_STATUSES = (TripStatus.OPEN, TripStatus.CLOSED)


def card_visible(trip: Trip, access: Access) -> bool:
    """Whether a person may see a trip's card and what it offers (the calendar file):
    a draft is only the organisers'."""
    return trip.status != TripStatus.DRAFT or access >= Access.ORGANISER


def registration_refusal(trip: Trip, now: datetime) -> str | None:
    """Why a person cannot register now (a text key), or None if they can."""
    if trip.status == TripStatus.CANCELLED:
        return "reg-error-cancelled"
    if trip.status == TripStatus.FINISHED or trip.starts_at <= now:
        return "reg-error-finished"
    if trip.status in (TripStatus.DRAFT, TripStatus.CLOSED):
        return "reg-error-closed"
    if trip.registration_deadline <= now:
        return "reg-error-deadline"
    return None


def can_change_answers(trip: Trip, now: datetime) -> bool:
    return trip.status == TripStatus.OPEN and trip.registration_deadline > now


def parse_local_datetime(text: str | None, zone: str, *, end_of_day: bool = False) -> datetime:
    """`15.03.2027` or `15.03.2027 09:30` in a city's time; a bare date is its start
    (or its last minute with `end_of_day`, as for a registration deadline)."""
    value = " ".join((text or "").split())
    for pattern, has_time in (("%d.%m.%Y %H:%M", True), ("%d.%m.%Y", False)):
        try:
            parsed = datetime.strptime(value, pattern)  # noqa: DTZ007 - zone added below
        except ValueError:
            continue
        if not has_time:
            parsed = datetime.combine(parsed.date(), time(23, 59) if end_of_day else time(0, 0))
        return parsed.replace(tzinfo=ZoneInfo(zone))
    raise UserError("error-datetime-format")


def check_trip(trip: NewTrip, now: datetime, *, is_new: bool = True) -> None:
    """Everything a trip form or an import must satisfy before it is saved."""
    if not trip.title.strip():
        raise UserError("trip-error-title")
    if trip.from_city_id == trip.to_city_id:
        raise UserError("trip-error-same-city")
    if is_new and trip.starts_at <= now:
        raise UserError("trip-error-start-past")
    if trip.ends_at < trip.starts_at:
        raise UserError("trip-error-end-before-start")
    if trip.registration_deadline >= trip.starts_at:
        raise UserError("trip-error-deadline")
    if is_new and trip.registration_deadline <= now:
        raise UserError("trip-error-deadline-past")
    if not CAPACITY_MIN <= trip.capacity <= CAPACITY_MAX:
        raise UserError("trip-error-capacity", low=CAPACITY_MIN, high=CAPACITY_MAX)
    if trip.status not in set(TripStatus):
        raise UserError("error-stale-button")
    keys = [question.key for question in trip.questions]
    if len(keys) != len(set(keys)):
        raise UserError("trip-error-question-keys")


def parse_capacity(text: str | None) -> int:
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit():
        raise UserError("trip-error-capacity", low=CAPACITY_MIN, high=CAPACITY_MAX)
    number = int(value)
    if not CAPACITY_MIN <= number <= CAPACITY_MAX:
        raise UserError("trip-error-capacity", low=CAPACITY_MIN, high=CAPACITY_MAX)
    return number


def trip_days(trip: Trip) -> int:
    return (trip.ends_at - trip.starts_at) // timedelta(days=1) + 1
