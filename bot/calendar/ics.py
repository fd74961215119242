"""Events, trips and telebridges as .ics files (RFC 5545) that calendars import and later
update.

The UID is the same for every file of one event, and SEQUENCE is the event's change
counter: a calendar that already holds the event replaces its entry with the newer
version instead of adding a second one. Times carry the event city's time zone
(with its VTIMEZONE), so the instant is right in any calendar.

The VTIMEZONE holds only the rules in force from shortly before the event, not the zone's
whole history since 1970: readers cut a long history short (vobject and ical.js missed the
last date of a long multi-date RDATE, and put an 18:00 Moscow event of 2027 at 19:00),
while a few observances with one onset or one yearly rule each read the same everywhere.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.trips.catalogue import TripStatus
from storage.cities import City
from storage.events import CANCELLED, Event
from storage.telebridges import BOOKED, Telebridge
from storage.trips import Trip, TripStamps

PRODID = "-//Pobratim//Events//RU"
UID_DOMAIN = "pobratim.bot"
# The zone's rules are written from this long before the start: enough for a calendar
# that shows the entry in the days around it, short enough to hold no old history.
ZONE_LEAD = timedelta(days=7)
# No zone changes its clocks twice within this step, so scanning by it finds every change.
ZONE_SCAN_STEP = timedelta(hours=6)
# How far ahead the changes are looked at to tell a yearly rule (two years of changes).
RULE_SPAN = timedelta(days=2 * 366)


def event_uid(event_id: int) -> str:
    return f"event-{event_id}@{UID_DOMAIN}"


def event_ics(event: Event, city: City, *, language: str, now: datetime) -> bytes:
    # Imported when a file is asked for: the library costs memory the bot rarely needs.
    from icalendar import Event as IcsEvent

    zone = ZoneInfo(city.timezone)
    item = IcsEvent()
    item.add("uid", event_uid(event.id))
    item.add("sequence", event.sequence)
    item.add("dtstamp", now)
    if event.updated_at is not None:
        item.add("last-modified", event.updated_at)
    item.add("dtstart", event.starts_at.astimezone(zone))
    if event.ends_at > event.starts_at:
        item.add("dtend", event.ends_at.astimezone(zone))
    item.add("summary", event.title)
    place = city.name(language)
    item.add("location", f"{event.venue}, {place}" if event.venue else place)
    if event.description:
        item.add("description", event.description)
    item.add("status", "CANCELLED" if event.status == CANCELLED else "CONFIRMED")
    return _publish(item, zone, event.starts_at, max(event.starts_at, event.ends_at))


def ics_filename(event: Event) -> str:
    return f"event-{event.id}.ics"


def trip_uid(trip_id: int) -> str:
    return f"trip-{trip_id}@{UID_DOMAIN}"


# A trip's date typed without a time is kept as an instant: the first day from its
# midnight, the last day at midnight (an import) or at its last minute (the trip form).
_DAY_START, _DAY_LAST_MINUTE = time(0, 0), time(23, 59)


def trip_is_all_day(trip: Trip, zone: ZoneInfo) -> bool:
    """Whether the trip was given by dates only, in the zone its dates were typed in."""
    starts, ends = trip.starts_at.astimezone(zone), trip.ends_at.astimezone(zone)
    return starts.time() == _DAY_START and ends.time() in (_DAY_START, _DAY_LAST_MINUTE)


def trip_sequence(stamps: TripStamps) -> int:
    """The SEQUENCE of a trip's entry: whole seconds from its creation to its last change.
    Trips keep no change counter, and this one only grows with every saved change, so a
    calendar replaces an older entry with the newer file as it does for events."""
    return max(int((stamps.updated_at - stamps.created_at).total_seconds()), 0)


def trip_ics(
    trip: Trip,
    *,
    origin: City,
    destination: City,
    description: str,
    stamps: TripStamps,
    language: str,
    now: datetime,
) -> bytes:
    """A trip for a calendar: the destination is its location. Dates are written in the
    departure city's time (as imports and the trip form take them); a trip given by dates
    only is an all-day entry (DTEND the day after its last day, RFC 5545), which needs
    no VTIMEZONE and shows on the same days in any zone."""
    from icalendar import Event as IcsEvent

    zone = ZoneInfo(origin.timezone)
    item = IcsEvent()
    item.add("uid", trip_uid(trip.id))
    item.add("sequence", trip_sequence(stamps))
    item.add("dtstamp", now)
    item.add("last-modified", stamps.updated_at)
    if trip_is_all_day(trip, zone):
        first = trip.starts_at.astimezone(zone).date()
        last = trip.ends_at.astimezone(zone).date()
        item.add("dtstart", first)
        item.add("dtend", last + timedelta(days=1))
        timezone = None
    else:
        item.add("dtstart", trip.starts_at.astimezone(zone))
        if trip.ends_at > trip.starts_at:
            item.add("dtend", trip.ends_at.astimezone(zone))
        timezone = zone
    item.add("summary", trip.title)
    item.add("location", destination.name(language))
    item.add("description", description)
    item.add("status", _TRIP_STATUS.get(trip.status, "CONFIRMED"))
    return _publish(item, timezone, trip.starts_at, trip.ends_at)


# A draft is not settled yet; every other trip that is not cancelled is going ahead.
_TRIP_STATUS: dict[str, str] = {TripStatus.CANCELLED: "CANCELLED", TripStatus.DRAFT: "TENTATIVE"}


def trip_filename(trip: Trip) -> str:
    return f"trip-{trip.id}.ics"


def telebridge_uid(telebridge_id: int) -> str:
    return f"telebridge-{telebridge_id}@{UID_DOMAIN}"


def telebridge_ics(
    telebridge: Telebridge, *, summary: str, description: str, city: City, now: datetime
) -> bytes:
    """An agreed telebridge for a calendar: the video link is its location and URL, and
    its SEQUENCE follows every change of the agreed terms (a reschedule, a new link)."""
    from icalendar import Event as IcsEvent

    zone = ZoneInfo(city.timezone)
    item = IcsEvent()
    item.add("uid", telebridge_uid(telebridge.id))
    item.add("sequence", telebridge.sequence)
    item.add("dtstamp", now)
    item.add("last-modified", telebridge.updated_at)
    item.add("dtstart", telebridge.starts_at.astimezone(zone))
    item.add("dtend", telebridge.ends_at.astimezone(zone))
    item.add("summary", summary)
    if telebridge.video_url:
        item.add("location", telebridge.video_url)
        item.add("url", telebridge.video_url)
    item.add("description", description)
    item.add("status", "CONFIRMED" if telebridge.status in BOOKED else "CANCELLED")
    return _publish(item, zone, telebridge.starts_at, telebridge.ends_at)


def telebridge_filename(telebridge: Telebridge) -> str:
    return f"telebridge-{telebridge.id}.ics"


def _publish(item: Any, zone: ZoneInfo | None, first: datetime, last: datetime) -> bytes:
    """One VEVENT as a calendar file, with the VTIMEZONE its times need (none for dates)."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if zone is not None:
        calendar.add_component(vtimezone(zone, first, last))
    calendar.add_component(item)
    return calendar.to_ical()


def zone_changes(zone: ZoneInfo, first: datetime, last: datetime) -> list[datetime]:
    """The instants (UTC) in (first, last] when the zone's offset or name changes: the
    first instant under the new rule. zoneinfo keeps its transitions to itself, so the
    span is scanned in ZONE_SCAN_STEPs and each change narrowed down to the second."""

    def rule(moment: datetime) -> tuple[Any, ...]:
        local = moment.astimezone(zone)
        return local.utcoffset(), local.dst(), local.tzname()

    changes = []
    before, current = first, rule(first)
    while before < last:
        after = min(before + ZONE_SCAN_STEP, last)
        if rule(after) != current:
            # Whole seconds: rule(low) is the old rule, rule(high) the new one.
            low, high = int(before.timestamp()), int(after.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if rule(datetime.fromtimestamp(middle, UTC)) == current:
                    low = middle
                else:
                    high = middle
            changes.append(datetime.fromtimestamp(high, UTC))
            current = rule(after)
        before = after
    return changes


def vtimezone(zone: ZoneInfo, first: datetime, last: datetime) -> Any:
    """A VTIMEZONE for times between `first` and `last`, with only the rules in force
    from ZONE_LEAD before `first`: the observance in force then, and for a zone that
    changes its clocks every year (Berlin), that yearly rule as RRULEs, so that a reader
    which keeps the first VTIMEZONE it saw of a TZID (vobject does) reads later files
    right too. A zone without daylight saving, as Moscow and Minsk are now, has just one
    STANDARD observance; clocks that change irregularly get one observance per change up
    to `last`. Each onset is written in the local time before it (RFC 5545)."""
    from icalendar import Timezone

    start = (first.astimezone(UTC) - ZONE_LEAD).replace(minute=0, second=0, microsecond=0)
    last = max(first, last).astimezone(UTC)
    horizon = max(last, start + RULE_SPAN)
    changes = zone_changes(zone, start, horizon)
    rules = _yearly_rules(zone, changes, horizon)
    if rules is None:
        changes = [change for change in changes if change <= last]
    else:
        changes = [changes[0], changes[1]]  # the first of each kind, with its RRULE
    timezone = Timezone()
    timezone.add("tzid", zone.key)
    now = start.astimezone(zone)
    timezone.add_component(
        _observance(now.replace(tzinfo=None), now.utcoffset(), now.utcoffset(), now)
    )
    for change in changes:
        wall, (offset_from, offset_to), _ = _local_onset(zone, change)
        part = _observance(wall, offset_from, offset_to, change.astimezone(zone))
        if rules is not None:
            part.add("rrule", rules[change])
        timezone.add_component(part)
    return timezone


def _observance(wall: datetime, offset_from: Any, offset_to: Any, local: datetime) -> Any:
    from icalendar import TimezoneDaylight, TimezoneStandard

    part = TimezoneDaylight() if local.dst() else TimezoneStandard()
    part.add("dtstart", wall)
    part.add("tzoffsetfrom", offset_from)
    part.add("tzoffsetto", offset_to)
    part.add("tzname", local.tzname())
    return part


def _yearly_rules(
    zone: ZoneInfo, changes: list[datetime], horizon: datetime
) -> dict[datetime, dict[str, Any]] | None:
    """RRULEs for the first two changes when the changes alternate between two kinds and
    each kind falls every year on the same weekday of a month (the last Sunday of March)
    or on the same date, at the same local time; None when they do not."""
    if len(changes) < 4:
        return None
    rules = {}
    for kind in (0, 1):
        onsets = [_local_onset(zone, change) for change in changes[kind::2]]
        if len({(offset, name) for _, offset, name in onsets}) != 1:
            return None
        walls = [wall for wall, _, _ in onsets]
        offset_before = onsets[0][1][0]
        end = (horizon + offset_before).replace(tzinfo=None)
        for rule, dates in _candidate_rules(walls[0], end):
            if dates == walls:
                rules[changes[kind]] = rule
                break
        else:
            return None
    return rules


def _local_onset(zone: ZoneInfo, change: datetime) -> tuple[datetime, Any, str | None]:
    """A change as the wall-clock time before it, with the offset before and after."""
    before = (change - timedelta(seconds=1)).astimezone(zone).utcoffset()
    assert before is not None
    after = change.astimezone(zone)
    return (change + before).replace(tzinfo=None), (before, after.utcoffset()), after.tzname()


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _candidate_rules(wall: datetime, end: datetime) -> list[tuple[dict[str, Any], list[datetime]]]:
    """Yearly rules that `wall` fits, each with its dates from `wall` up to `end`."""
    month, weekday = wall.month, wall.weekday()
    rules: list[tuple[dict[str, Any], Callable[[int], date | None]]] = []
    if wall.day + 7 > monthrange(wall.year, month)[1]:
        rules.append(
            (
                {"freq": "yearly", "bymonth": month, "byday": f"-1{WEEKDAYS[weekday]}"},
                lambda year: _nth_weekday(year, month, weekday, -1),
            )
        )
    nth = (wall.day - 1) // 7 + 1
    if nth < 5:  # not every month has a fifth Sunday
        rules.append(
            (
                {"freq": "yearly", "bymonth": month, "byday": f"{nth}{WEEKDAYS[weekday]}"},
                lambda year: _nth_weekday(year, month, weekday, nth),
            )
        )
    rules.append(
        (
            {"freq": "yearly", "bymonth": month, "bymonthday": wall.day},
            lambda year: _date(year, month, wall.day),
        )
    )
    result = []
    for rule, day_in in rules:
        days = [day_in(year) for year in range(wall.year, end.year + 1)]
        moments = [datetime.combine(day, wall.time()) for day in days if day is not None]
        result.append((rule, [moment for moment in moments if moment <= end]))
    return result


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (or with -1 the last) such weekday of a month; None if there is none."""
    days = [
        day
        for day in range(1, monthrange(year, month)[1] + 1)
        if date(year, month, day).weekday() == weekday
    ]
    if nth == -1:
        return date(year, month, days[-1])
    return date(year, month, days[nth - 1]) if nth <= len(days) else None


def _date(year: int, month: int, day: int) -> date | None:
    return date(year, month, day) if day <= monthrange(year, month)[1] else None
