"""The `events` sheet: each record checked into a planned event."""

from __future__ import annotations

from bot.events.service import EventKind, EventStatus
from bot.importer.fields import VENUE_MAX, Fields
from bot.importer.files import (
    EVENT_FIELDS,
    Issue,
    Record,
)
from bot.importer.plan import Context, PlannedEvent
from bot.trips.catalogue import (
    DESCRIPTION_MAX,
    TITLE_MAX,
)
from storage.events import NewEvent


def plan_event(record: Record, issues: list[Issue], ctx: Context) -> PlannedEvent | None:
    f = Fields(record, issues, EVENT_FIELDS)
    key = f.key("key")
    kind = f.choice("kind", [k.value for k in EventKind], required=True)
    title = f.text("title", limit=TITLE_MAX, required=True)
    city = f.city("city", ctx.cities)
    venue = f.text("venue", limit=VENUE_MAX) or ""
    zone = city.timezone if city is not None else "UTC"
    starts = f.moment("start", zone, required=True)
    ends = f.moment("end", zone, required=False) or starts
    if starts is not None and ends is not None and ends < starts:
        f.fail("end", "import-error-end-before-start")
    description = f.text("description", limit=DESCRIPTION_MAX, multiline=True) or ""
    programme = f.key("programme", required=False)
    if programme is not None and programme not in ctx.programme_keys:
        f.fail("programme", "import-error-unknown-programme", value=programme)
    trip = f.key("trip", required=False)
    if trip is not None and trip not in ctx.trip_keys:
        f.fail("trip", "import-error-unknown-trip", value=trip)
    status = f.choice("status", [s.value for s in EventStatus], required=False)
    if not f.ok or None in (key, kind, title, city, starts, ends):
        return None
    assert key and kind and title and city and starts and ends
    event = NewEvent(
        kind=kind,
        title=title,
        city_id=city.id,
        venue=venue,
        starts_at=starts,
        ends_at=ends,
        description=description,
        status=status or EventStatus.SCHEDULED.value,
        ext_key=key,
    )
    return PlannedEvent(key, programme, trip, event)
