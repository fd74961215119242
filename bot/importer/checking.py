"""The whole file checked at once: keys declared once, references that exist, and every
sheet's records through its own module; every problem is collected with its place."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from bot.importer.events import plan_event
from bot.importer.files import (
    Issue,
    Record,
    Sections,
    key_text,
    shown,
)
from bot.importer.plan import Context, Existing, Plan
from bot.importer.programmes import plan_programme
from bot.importer.roadmap import plan_roadmap_item
from bot.importer.trips import plan_trip
from bot.trips.admin import EDITABLE
from storage.cities import City, CityRepo
from storage.db import Database, Writer
from storage.imports import ImportRepo
from storage.roadmap import RoadmapRepo


def _declared_keys(records: Iterable[Record]) -> dict[str, Record]:
    keys: dict[str, Record] = {}
    for record in records:
        key = key_text(record.values.get("key"))
        if key is not None:
            keys.setdefault(key, record)
    return keys


def _duplicate(record: Record, first: dict[str, Record], issues: list[Issue]) -> None:
    """Report a key already used earlier in the same section."""
    key = key_text(record.values.get("key"))
    if key is None:
        return
    if key in first:
        issues.append(
            Issue(
                record.locate("key"),
                "import-error-duplicate-key",
                {"value": shown(key)},
                other=first[key].locate(None),
            )
        )
    else:
        first[key] = record


def _references(sections: Sections, section: str, name: str) -> set[str]:
    keys = set()
    for record in sections.get(section, []):
        key = key_text(record.values.get(name))
        if key is not None:
            keys.add(key)
    return keys


def _city_index(cities: Iterable[City]) -> dict[str, City]:
    index: dict[str, City] = {}
    for city in cities:
        for name in (city.name_ru, city.name_be, city.code):
            index[name.lower()] = city
    return index


async def load_context(db: Database, sections: Sections, now: datetime) -> Context:
    repo = ImportRepo(db)
    programmes = set(_declared_keys(sections.get("programmes", [])))
    trips = set(_declared_keys(sections.get("trips", [])))
    wanted_programmes = (
        _references(sections, "trips", "programme") | _references(sections, "events", "programme")
    ) - programmes
    wanted_trips = _references(sections, "events", "trip") - trips
    programmes |= set(await repo.programme_ids(wanted_programmes))
    wanted_trips |= _listed(sections, "roadmap", "trips") - trips
    known_trips = trips | set(await repo.trip_ids(wanted_trips))
    events = set(_declared_keys(sections.get("events", [])))
    wanted_events = _listed(sections, "roadmap", "events") - events
    known_events = events | set(await repo.event_ids(wanted_events))
    return Context(
        now=now,
        cities=_city_index(await CityRepo(db).list()),
        programme_keys=frozenset(programmes),
        trip_keys=frozenset(known_trips),
        existing=await existing_trips(
            repo, trips, _references(sections, "trips", "programme"), conn=None
        ),
        event_keys=frozenset(known_events),
        roadmap_numbers=await RoadmapRepo(db).numbers(),
    )


def _listed(sections: Sections, section: str, name: str) -> set[str]:
    """Keys named in a list field (a roadmap item's trips and events)."""
    keys: set[str] = set()
    for record in sections.get(section, []):
        value = record.values.get(name)
        values = value if isinstance(value, list) else re.split(r"[,;]", str(value or ""))
        keys |= {text for item in values if (text := key_text(item)) is not None}
    return keys


async def existing_trips(
    repo: ImportRepo,
    trip_keys: Iterable[str],
    programme_keys: Iterable[str],
    *,
    conn: Writer | None,
) -> Existing:
    states = await repo.trip_states(trip_keys, conn=conn)
    stored = {}
    for key, state in states.items():
        if state.status not in EDITABLE:
            found = await repo.stored_trip(trip_id=state.id, conn=conn)
            if found is not None:
                stored[key] = found
    programme_ids = await repo.programme_ids(programme_keys, conn=conn)
    return Existing(states, stored, programme_ids)


def check_sections(sections: Sections, ctx: Context, issues: list[Issue]) -> Plan:
    """Every record of every section, problems in the order of the file."""
    plan = Plan([], [], [])
    first: dict[str, Record] = {}
    for record in sections.get("programmes", []):
        _duplicate(record, first, issues)
        if (programme := plan_programme(record, issues)) is not None:
            plan.programmes.append(programme)
    first = {}
    for record in sections.get("trips", []):
        _duplicate(record, first, issues)
        if (trip := plan_trip(record, issues, ctx)) is not None:
            plan.trips.append(trip)
    first = {}
    for record in sections.get("events", []):
        _duplicate(record, first, issues)
        if (event := plan_event(record, issues, ctx)) is not None:
            plan.events.append(event)
    first = {}
    numbers: dict[int, Record] = {}
    for record in sections.get("roadmap", []):
        _duplicate(record, first, issues)
        if (item := plan_roadmap_item(record, issues, ctx, numbers)) is not None:
            plan.roadmap.append(item)
    return plan
