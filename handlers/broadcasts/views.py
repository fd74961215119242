"""Texts of broadcasts: a segment in words, a history line, a broadcast's card."""

from __future__ import annotations

from bot.broadcasts.monitor import report_text
from bot.broadcasts.service import (
    ANY_KIND,
    Broadcast,
    BroadcastStatus,
    Figures,
    Segment,
    SegmentKind,
)
from bot.core.cities import Cities
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.timefmt import local_text
from bot.events.capability import Events
from bot.trips.capability import Trips
from handlers.kit.render import shorten

LABEL_MAX = 60


async def segment_label(
    t: Translator, segment: Segment | str, cities: Cities, trips: Trips, events: Events
) -> str:
    """ "Сочи · Педагоги", "«Поездка» · одобренные": who gets it, for people to read."""
    try:
        segment = segment if isinstance(segment, Segment) else Segment.from_data(segment)
    except UserError:
        return t.button("bc-segment-unknown")
    if segment.kind is SegmentKind.ALL:
        return t.button("bc-segment-all")
    parts = []
    if segment.city_id is not None:
        city = await cities.get(city_id=segment.city_id)
        parts.append(city.name(t.language) if city else "?")
    if segment.role is not None:
        parts.append(t.button(f"role-{segment.role}"))
    if segment.language is not None:
        parts.append(t.button(f"bc-language-{segment.language}"))
    if segment.trip_id is not None:
        trip = await trips.repo.get(trip_id=segment.trip_id)
        parts.append(t.button("bc-segment-trip", title=trip.title if trip else "?"))
    if segment.audience is not None:
        parts.append(t.button(f"bc-audience-{segment.audience}"))
    if segment.event_id is not None:
        event = await events.repo.get(event_id=segment.event_id)
        parts.append(t.button("bc-segment-event", title=event.title if event else "?"))
    if segment.kind is SegmentKind.COORDINATORS:
        parts.append(t.button("bc-segment-coordinators"))
        if segment.inst_city:
            city = await cities.get(city_id=segment.inst_city)
            parts.append(city.name(t.language) if city else "?")
        if segment.inst_kind and segment.inst_kind != ANY_KIND:
            parts.append(t.button(f"school-kinds-{segment.inst_kind}"))
    return " · ".join(parts)


def history_label(t: Translator, broadcast: Broadcast, figures: Figures, zone: str) -> str:
    if broadcast.status == BroadcastStatus.SCHEDULED:
        assert broadcast.scheduled_for is not None
        label = t.button(
            "bc-history-item-scheduled",
            id=broadcast.id,
            mark=t.button(f"bc-mark-{broadcast.status}"),
            when=local_text(broadcast.scheduled_for, zone),
        )
    else:
        label = t.button(
            "bc-history-item",
            id=broadcast.id,
            mark=t.button(f"bc-mark-{broadcast.status}"),
            when=local_text(broadcast.started_at or broadcast.created_at, zone),
            sent=figures.sent,
            total=broadcast.recipients,
        )
    return shorten(label, LABEL_MAX)


def card_text(
    t: Translator,
    broadcast: Broadcast,
    figures: Figures,
    *,
    segment: str,
    author: str,
    zone: str,
) -> str:
    head = t(
        "bc-card",
        id=broadcast.id,
        status=t.button(f"bc-status-{broadcast.status}"),
        segment=segment,
        author=author,
        created=local_text(broadcast.created_at, zone),
        kind=t.button(f"bc-content-{broadcast.source.kind}"),
    )
    if broadcast.status == BroadcastStatus.SCHEDULED:
        assert broadcast.scheduled_for is not None
        return head + "\n" + t("bc-card-scheduled", when=local_text(broadcast.scheduled_for, zone))
    if broadcast.status == BroadcastStatus.QUEUEING:
        return head + "\n\n" + t("bc-card-queueing")
    if broadcast.status == BroadcastStatus.RUNNING:
        return (
            head
            + "\n\n"
            + t(
                "bc-card-running",
                sent=figures.sent,
                total=broadcast.recipients,
                left=figures.left,
                blocked=figures.blocked,
                failed=figures.failed,
            )
        )
    if broadcast.started_at is None:
        return head  # cancelled before its time
    return head + "\n\n" + report_text(t, broadcast, figures, zone)
