"""The `roadmap` sheet: each record checked into a planned item, and written with its
links and history (its followers are told once the import has committed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from bot.core.errors import UserError
from bot.importer.fields import ALL, NONE, Fields
from bot.importer.files import (
    ROADMAP_FIELDS,
    Issue,
    Record,
    shown,
)
from bot.importer.plan import Context, Counts, PlannedItem
from bot.roadmap.service import BOTH, NUMBER_MAX, OBJECT_KIND, RoadmapStatus, parse_due
from bot.roadmap.service import NOTES_MAX as ROADMAP_NOTES_MAX
from bot.roadmap.service import TITLE_MAX as ROADMAP_TITLE_MAX
from bot.staff import audit
from bot.staff.audit import Action
from bot.trips.catalogue import Direction
from storage.db import Database, Writer
from storage.imports import ImportRepo
from storage.roadmap import LinkKind, NewItem, RoadmapRepo

_BOTH_WORDS = frozenset({BOTH, "оба", "обе", "оба города", "абодва", "абодва гарады"})


def plan_roadmap_item(
    record: Record, issues: list[Issue], ctx: Context, numbers: dict[int, Record]
) -> PlannedItem | None:
    f = Fields(record, issues, ROADMAP_FIELDS)
    key = f.key("key")
    number = f.integer("number", low=1, high=NUMBER_MAX, required=True)
    if number is not None:
        if number in numbers:
            issues.append(
                Issue(
                    record.locate("number"),
                    "import-error-roadmap-number-twice",
                    {"number": number},
                    other=numbers[number].locate(None),
                )
            )
            f.ok = False
        numbers.setdefault(number, record)
        owner = ctx.roadmap_numbers.get(number)
        if number in ctx.roadmap_numbers and owner != key:
            f.fail("number", "import-error-roadmap-number-taken", number=number)
    direction = f.choice("direction", [d.value for d in Direction], required=True)
    title = f.text("title", limit=ROADMAP_TITLE_MAX, required=True)
    responsible = _responsible(f, ctx)
    due = _due(f)
    status = f.choice("status", [s.value for s in RoadmapStatus], required=False)
    notes = f.text("notes", limit=ROADMAP_NOTES_MAX, multiline=True)
    trips = _keys_of(f, "trips", ctx.trip_keys, "import-error-unknown-trip")
    events = _keys_of(f, "events", ctx.event_keys, "import-error-unknown-event")
    telebridges = _telebridges(f)
    if not f.ok or None in (key, number, direction, title, due) or responsible is False:
        return None
    assert key and number and direction and title and due
    item = NewItem(
        number=number,
        direction=direction,
        title=title,
        responsible_city_id=responsible,
        due_year=due[0],
        due_quarter=due[1],
        status=status or RoadmapStatus.PLANNED.value,
        notes=notes or "",
        all_telebridges=bool(telebridges),
        ext_key=key,
    )
    given_notes = None if "notes" not in record.values else (notes or "")
    return PlannedItem(key, item, status, given_notes, telebridges, trips, events)


def _responsible(f: Fields, ctx: Context) -> int | bool | None:
    """A city's id, None for both cities, False if the value is wrong or missing."""
    raw = f._scalar("responsible", True)
    if raw is None:
        return False
    value = " ".join(raw.strip().lower().split())
    if value in _BOTH_WORDS:
        return None
    city = ctx.cities.get(value)
    if city is None:
        codes = sorted({c.code for c in ctx.cities.values()})
        f.fail(
            "responsible", "import-error-responsible", value=shown(raw), allowed=", ".join(codes)
        )
        return False
    return city.id


def _due(f: Fields) -> tuple[int, int | None] | None:
    raw = f._scalar("due", True)
    if raw is None:
        return None
    try:
        return parse_due(raw)
    except UserError:
        f.fail("due", "import-error-due", value=shown(raw))
        return None


def _keys_of(f: Fields, name: str, known: frozenset[str], error: str) -> tuple[str, ...] | None:
    """A list of trip or event keys, each of the file or already stored."""
    if name not in f.record.values:
        return None
    values = f.items(name, separators=",;")
    keys: list[str] = []
    for value in values or []:
        if value not in known:
            f.fail(name, error, value=shown(value))
        elif value not in keys:
            keys.append(value)
    return tuple(keys)


def _telebridges(f: Fields) -> bool | None:
    """`all`: every held telebridge counts for the item; `none`: only linked ones."""
    raw = f._scalar("telebridges", False)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in ALL:
        return True
    if word in NONE:
        return False
    f.fail("telebridges", "import-error-choice", value=shown(raw), allowed="all, none")
    return None


async def write_roadmap(
    db: Database,
    conn: Writer,
    items: list[PlannedItem],
    trip_ids: Mapping[str, int],
    *,
    actor: int | None,
    now: datetime,
) -> tuple[Counts, list[int]]:
    """Roadmap items after trips and events (they link to them). A status the file
    changes is kept in the item's history and the audit log, as a change in the bot is."""
    if not items:
        return Counts(), []
    repo, imports = RoadmapRepo(db), ImportRepo(db)
    existing = await repo.ids_by_key([i.key for i in items], conn=conn)
    wanted_trips = {key for i in items for key in i.trips or ()} - set(trip_ids)
    trip_ids = {**trip_ids, **await imports.trip_ids(wanted_trips, conn=conn)}
    event_ids = await imports.event_ids({k for i in items for k in i.events or ()}, conn=conn)
    created = updated = 0
    changes: list[int] = []
    for planned in items:
        item_id = existing.get(planned.key)
        stored = await repo.get(item_id=item_id, conn=conn) if item_id else None
        item = planned.item
        if stored is not None:
            item = replace(
                item,
                notes=stored.notes if planned.notes is None else planned.notes,
                all_telebridges=stored.all_telebridges
                if planned.all_telebridges is None
                else planned.all_telebridges,
            )
        item_id = await repo.save(conn, item=item, item_id=item_id)
        if stored is None:
            created += 1
        else:
            updated += 1
            if planned.given_status and planned.given_status != stored.status:
                history_id = await repo.set_status(
                    conn,
                    item_id=item_id,
                    old=stored.status,
                    new=planned.given_status,
                    actor=actor,
                    now=now,
                )
                if history_id is not None:
                    changes.append(history_id)
                    await audit.record(
                        conn,
                        actor=actor,
                        action=Action.STATUS,
                        kind=OBJECT_KIND,
                        object_id=item_id,
                        diff={"status": [stored.status, planned.given_status]},
                    )
        if planned.trips is not None:
            await repo.replace_links(
                conn,
                item_id=item_id,
                kind=LinkKind.TRIP,
                target_ids=[trip_ids[key] for key in planned.trips],
            )
        if planned.events is not None:
            await repo.replace_links(
                conn,
                item_id=item_id,
                kind=LinkKind.EVENT,
                target_ids=[event_ids[key] for key in planned.events],
            )
    return Counts(created, updated), changes
