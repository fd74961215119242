"""Writing a checked plan in one transaction: trips re-checked against their state now,
the waiting lists moved up and the subscribers of moved events told in the same
transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.events.service import EventChange
from bot.importer.checking import existing_trips
from bot.importer.files import Issue
from bot.importer.plan import (
    Counts,
    Existing,
    ImportRejected,
    ImportServices,
    ImportSummary,
    Plan,
    PlannedTrip,
)
from bot.importer.roadmap import write_roadmap
from bot.importer.trips import existing_trip_issues, planned_status
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from bot.trips.admin import EDITABLE
from bot.trips.registration import Promotion
from storage.db import Database, Writer
from storage.events import EventRepo
from storage.imports import ImportRepo
from storage.trips import TripRepo


async def recheck_trips(
    conn: Writer, imports: ImportRepo, trips: list[PlannedTrip]
) -> tuple[list[PlannedTrip], Existing]:
    """The trips' rules again, inside the write transaction: the state they were checked
    against may have changed since (a registration, a status changed in the bot)."""
    existing = await existing_trips(
        imports, {t.key for t in trips}, {t.programme for t in trips}, conn=conn
    )
    issues: list[Issue] = []
    checked = []
    for item in trips:
        status = planned_status(item.given_status, existing.states.get(item.key))
        now_item = replace(item, trip=replace(item.trip, status=status))
        issues += existing_trip_issues(
            item.record,
            existing,
            item.key,
            status=status,
            capacity=item.trip.capacity,
            planned=now_item,
        )
        checked.append(now_item)
    if issues:
        raise ImportRejected(issues)  # rolls the transaction back: nothing is written
    return checked, existing


async def write_plan(
    db: Database,
    plan: Plan,
    *,
    actor: int | None,
    now: datetime,
    services: ImportServices,
) -> ImportSummary:
    trips, events, imports = TripRepo(db), EventRepo(db), ImportRepo(db)
    programme_refs = {p.key for p in plan.programmes} | {t.programme for t in plan.trips}
    programme_refs |= {e.programme for e in plan.events if e.programme}
    trip_refs = {t.key for t in plan.trips} | {e.trip for e in plan.events if e.trip}
    async with db.transaction() as conn:
        planned_trips, existing = await recheck_trips(conn, imports, plan.trips)
        programme_ids = await imports.programme_ids(programme_refs, conn=conn)
        created = updated = 0
        for item in plan.programmes:
            existing_id = programme_ids.get(item.key)
            programme_ids[item.key] = await trips.save_programme(
                conn, programme=item.programme, actor=actor, programme_id=existing_id
            )
            created, updated = (created, updated + 1) if existing_id else (created + 1, updated)
        programme_counts = Counts(created, updated)

        trip_ids = await imports.trip_ids(trip_refs, conn=conn)
        created = updated = 0
        promotions: list[Promotion] = []
        for trip_item in planned_trips:
            state = existing.states.get(trip_item.key)
            if state is not None and state.status not in EDITABLE:
                continue  # history, unchanged (recheck_trips refused any change)
            existing_id = trip_ids.get(trip_item.key)
            trip = replace(trip_item.trip, programme_id=programme_ids[trip_item.programme])
            trip_id = await trips.save(conn, trip=trip, actor=actor, trip_id=existing_id)
            trip_ids[trip_item.key] = trip_id
            if trip_item.organisers is not None:
                await imports.set_trip_organisers(
                    conn, trip_id=trip_id, tg_ids=trip_item.organisers
                )
            if existing_id:
                updated += 1
                # More seats, or seats freed otherwise: the waiting list moves up in this
                # transaction, before anybody registering now could take a seat.
                promotions += await services.registration.promote_in(
                    conn, trip_id=trip_id, now=now
                )
            else:
                created += 1
        trip_counts = Counts(created, updated)

        event_ids = await imports.event_ids([e.key for e in plan.events], conn=conn)
        created = updated = 0
        changes: list[EventChange] = []
        for event_item in plan.events:
            existing_id = event_ids.get(event_item.key)
            event = replace(
                event_item.event,
                programme_id=programme_ids[event_item.programme] if event_item.programme else None,
                trip_id=trip_ids[event_item.trip] if event_item.trip else None,
            )
            before = await events.get(event_id=existing_id, conn=conn) if existing_id else None
            event_id = await events.save(conn, event=event, actor=actor, event_id=existing_id)
            created, updated = (created, updated + 1) if existing_id else (created + 1, updated)
            after = await events.get(event_id=event_id, conn=conn)
            if before is not None and after is not None:
                # Moved or cancelled: its subscribers are told in this transaction.
                change = await services.event_notices.announce_in(conn, events, after, before)
                if change.moved or change.cancelled:
                    changes.append(change)
        event_counts = Counts(created, updated)
        roadmap_counts, roadmap_changes = await write_roadmap(
            db, conn, plan.roadmap, trip_ids, actor=actor, now=now
        )
        await audit.record(
            conn,
            actor=actor,
            action=Action.IMPORT,
            kind=ObjectKind.IMPORT,
            diff={
                f"{name}_{how}": count
                for name, counts in (
                    ("programmes", programme_counts),
                    ("trips", trip_counts),
                    ("events", event_counts),
                    ("roadmap", roadmap_counts),
                )
                for how, count in (("created", counts.created), ("updated", counts.updated))
                if count
            },
        )
    return ImportSummary(
        programme_counts,
        trip_counts,
        event_counts,
        tuple(promotions),
        tuple(changes),
        roadmap_counts,
        tuple(roadmap_changes),
    )
