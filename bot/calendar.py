"""Events and telebridges as .ics files (RFC 5545) that calendars import and later update.

The UID is the same for every file of one event, and SEQUENCE is the event's change
counter: a calendar that already holds the event replaces its entry with the newer
version instead of adding a second one. Times carry the event city's time zone
(with its VTIMEZONE), so the instant is right in any calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.cities import City
from storage.events import CANCELLED, Event
from storage.telebridges import BOOKED, Telebridge

PRODID = "-//Pobratim//Events//RU"
UID_DOMAIN = "pobratim.bot"


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
    return _publish(item)


def ics_filename(event: Event) -> str:
    return f"event-{event.id}.ics"


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
    return _publish(item)


def telebridge_filename(telebridge: Telebridge) -> str:
    return f"telebridge-{telebridge.id}.ics"


def _publish(item: Any) -> bytes:
    """One VEVENT as a calendar file, with the VTIMEZONE its times need."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
