"""Texts and keyboards of the roadmap: progress by direction, a direction's items, an
item's card (with the organisers' tools and history), the pickers of linked activities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.cities import City
from bot.core.i18n import Html, Translator
from bot.core.timefmt import local_text
from bot.events.service import EventStatus
from bot.roadmap.service import (
    Card,
    DirectionProgress,
    Item,
    LinkKind,
    Pickable,
    RoadmapStatus,
    due_text,
    progress_bar,
    responsible_text,
    status_name,
)
from handlers.kit.buttons import button, markup, pager
from handlers.kit.render import shorten
from handlers.roadmap.callbacks import RmAction, RmCb, RmOrgAction, RmOrgCb

PAGE_SIZE = 8
LABEL_MAX = 60
LINKED_SHOWN = 10  # linked trips (events) listed on a card; the rest are counted


def mark(t: Translator, status: str) -> str:
    return t.button(f"roadmap-mark-{status}")


def _day(moment: Any, zone: str) -> str:
    return local_text(moment, zone, "date")


# The overview


def overview_text(t: Translator, directions: list[DirectionProgress], *, following: bool) -> str:
    if not directions:
        return t("roadmap-empty")
    totals: dict[str, int] = {}
    for direction in directions:
        for status, count in direction.counts.items():
            totals[status] = totals.get(status, 0) + count
    lines = [
        t(
            "roadmap-head",
            total=sum(totals.values()),
            done=totals.get(RoadmapStatus.DONE, 0),
            going=totals.get(RoadmapStatus.IN_PROGRESS, 0),
            planned=totals.get(RoadmapStatus.PLANNED, 0),
        )
    ]
    for direction in directions:
        lines.append("")
        lines.append(
            t(
                "roadmap-direction-line",
                direction=t.button(f"direction-{direction.direction}"),
                done=direction.count(RoadmapStatus.DONE),
                total=direction.total,
            )
        )
        extra = ""
        if direction.count(RoadmapStatus.POSTPONED) or direction.count(RoadmapStatus.CANCELLED):
            extra = t.button(
                "roadmap-direction-extra",
                postponed=direction.count(RoadmapStatus.POSTPONED),
                cancelled=direction.count(RoadmapStatus.CANCELLED),
            )
        lines.append(
            t(
                "roadmap-direction-bar",
                bar=progress_bar(direction.counts),
                done=direction.count(RoadmapStatus.DONE),
                going=direction.count(RoadmapStatus.IN_PROGRESS),
                planned=direction.count(RoadmapStatus.PLANNED),
                extra=extra,
            )
        )
    lines.append("")
    lines.append(t("roadmap-following" if following else "roadmap-not-following"))
    return "\n".join(lines)


def overview_keyboard(
    t: Translator, directions: list[DirectionProgress], *, following: bool
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                t.button(
                    "roadmap-btn-direction",
                    direction=t.button(f"direction-{d.direction}"),
                    done=d.count(RoadmapStatus.DONE),
                    total=d.total,
                ),
                RmCb(action=RmAction.DIRECTION, direction=d.direction),
            )
        ]
        for d in directions
    ]
    if following:
        rows.append([button(t.button("roadmap-btn-unfollow"), RmCb(action=RmAction.UNFOLLOW))])
    else:
        rows.append([button(t.button("roadmap-btn-follow"), RmCb(action=RmAction.FOLLOW))])
    return markup(rows)


# A direction's items


def direction_text(t: Translator, direction: str, total: int, done: int) -> str:
    if not total:
        return t("roadmap-direction-empty", direction=t.button(f"direction-{direction}"))
    return t(
        "roadmap-direction-head",
        direction=t.button(f"direction-{direction}"),
        total=total,
        done=done,
    )


def direction_keyboard(
    t: Translator, items: list[Item], *, direction: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                shorten(
                    t.button(
                        "roadmap-item-label",
                        mark=mark(t, item.status),
                        number=item.number,
                        title=item.title,
                    ),
                    LABEL_MAX,
                ),
                RmCb(action=RmAction.ITEM, id=item.id, page=page),
            )
        ]
        for item in items
    ]
    rows.append(
        pager(page, pages, lambda p: RmCb(action=RmAction.DIRECTION, direction=direction, page=p))
    )
    rows.append([button(t.button("roadmap-btn-overview"), RmCb(action=RmAction.OVERVIEW))])
    return markup(rows)


# The card


def card_text(
    t: Translator,
    card: Card,
    cities: Mapping[int, City],
    zone: str,
    *,
    organiser: bool,
) -> str:
    item, progress = card.item, card.progress
    lines = [
        t("roadmap-card-title", number=item.number, title=item.title),
        t("roadmap-card-direction", direction=t.button(f"direction-{item.direction}")),
        t("roadmap-card-responsible", side=responsible_text(t, item.responsible_city_id, cities)),
        t("roadmap-card-due", due=due_text(t, item.due_year, item.due_quarter)),
        t(
            "roadmap-card-status",
            mark=mark(t, item.status),
            status=status_name(t, item.status),
        ),
    ]
    if item.notes:
        lines.append(t("roadmap-card-notes", notes=item.notes))
    lines += [
        "",
        t("roadmap-card-progress"),
        t(
            "roadmap-card-trips",
            trips=progress.trips_travelled,
            people=progress.participants,
        ),
        t("roadmap-card-events", events=progress.events_held),
        t(
            "roadmap-card-telebridges-all" if item.all_telebridges else "roadmap-card-telebridges",
            count=progress.telebridges_held,
        ),
    ]
    if card.trips:
        lines += ["", t("roadmap-card-linked-trips")]
        for trip in card.trips[:LINKED_SHOWN]:
            lines.append(
                t(
                    "roadmap-card-trip",
                    date=_day(trip.starts_at, zone),
                    title=trip.title,
                    status=t.button(f"trip-status-{trip.status}"),
                    approved=trip.approved,
                )
            )
        if len(card.trips) > LINKED_SHOWN:
            lines.append(t("roadmap-card-more", count=len(card.trips) - LINKED_SHOWN))
    if card.events:
        lines += ["", t("roadmap-card-linked-events")]
        for event in card.events[:LINKED_SHOWN]:
            city = cities.get(event.city_id)
            lines.append(
                t(
                    "roadmap-card-event",
                    date=_day(event.starts_at, zone),
                    title=event.title,
                    city=city.name(t.language) if city else "—",
                    cancelled=t.button("roadmap-card-event-cancelled")
                    if event.status == EventStatus.CANCELLED
                    else "",
                )
            )
        if len(card.events) > LINKED_SHOWN:
            lines.append(t("roadmap-card-more", count=len(card.events) - LINKED_SHOWN))
    if organiser and card.history:
        lines += ["", t("roadmap-card-history")]
        for row in card.history:
            lines.append(
                t(
                    "roadmap-card-history-line",
                    when=local_text(row.changed_at, zone),
                    old=status_name(t, row.old_status),
                    new=status_name(t, row.new_status),
                    who=Html(t("roadmap-card-history-who", id=str(row.changed_by)))
                    if row.changed_by is not None
                    else Html(t("roadmap-card-history-cli")),
                )
            )
    return "\n".join(lines)


def card_keyboard(
    t: Translator, card: Card, *, organiser: bool, page: int
) -> InlineKeyboardMarkup:
    item = card.item
    rows: list[list[InlineKeyboardButton]] = []
    if organiser:

        def org(key: str, action: RmOrgAction, value: str = "", **args: Any) -> Any:
            return button(t.button(key, **args), RmOrgCb(action=action, id=item.id, value=value))

        rows += [
            [
                org("roadmap-btn-status", RmOrgAction.STATUS),
                org("roadmap-btn-notes", RmOrgAction.NOTES),
            ],
            [
                org("roadmap-btn-trips", RmOrgAction.LINKS, LinkKind.TRIP, count=len(card.trips)),
                org(
                    "roadmap-btn-events", RmOrgAction.LINKS, LinkKind.EVENT, count=len(card.events)
                ),
            ],
            [
                org(
                    "roadmap-btn-telebridges",
                    RmOrgAction.LINKS,
                    LinkKind.TELEBRIDGE,
                    count=card.linked_telebridges,
                ),
                org(
                    "roadmap-btn-all-on" if item.all_telebridges else "roadmap-btn-all-off",
                    RmOrgAction.ALL_TELEBRIDGES,
                ),
            ],
        ]
    rows.append(
        [
            button(
                t.button("roadmap-btn-to-direction"),
                RmCb(action=RmAction.DIRECTION, direction=item.direction, page=page),
            ),
            button(t.button("roadmap-btn-overview"), RmCb(action=RmAction.OVERVIEW)),
        ]
    )
    return markup(rows)


def details_markup(t: Translator, item_id: int) -> dict[str, Any]:
    """ "Открыть пункт" under a notice to followers (the Bot API's JSON)."""
    return markup(
        [[button(t.button("roadmap-btn-open"), RmCb(action=RmAction.DETAILS, id=item_id))]]
    ).model_dump(exclude_none=True)


def back_to_card(t: Translator, item_id: int) -> list[InlineKeyboardButton]:
    return [button(t.button("roadmap-btn-back-card"), RmCb(action=RmAction.ITEM, id=item_id))]


# Organisers' screens


def status_keyboard(t: Translator, item: Item) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                t.button(
                    "roadmap-btn-set-status", mark=mark(t, status), status=status_name(t, status)
                ),
                RmOrgCb(action=RmOrgAction.SET_STATUS, id=item.id, value=status.value),
            )
        ]
        for status in RoadmapStatus
        if status != item.status
    ]
    rows.append(back_to_card(t, item.id))
    return markup(rows)


def status_confirm_keyboard(t: Translator, item: Item, status: str) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(
                    t.button("roadmap-btn-status-confirm"),
                    RmOrgCb(action=RmOrgAction.SET_STATUS, id=item.id, value=status, confirm=True),
                )
            ],
            [
                button(t.button("btn-back"), RmOrgCb(action=RmOrgAction.STATUS, id=item.id)),
                *back_to_card(t, item.id),
            ],
        ]
    )


def notes_keyboard(t: Translator, item: Item) -> InlineKeyboardMarkup:
    rows = []
    if item.notes:
        rows.append(
            [
                button(
                    t.button("roadmap-btn-clear-notes"),
                    RmOrgCb(action=RmOrgAction.CLEAR_NOTES, id=item.id),
                )
            ]
        )
    rows.append(back_to_card(t, item.id))
    return markup(rows)


def picker_keyboard(
    t: Translator,
    item: Item,
    kind: LinkKind,
    choices: list[Pickable],
    zone: str,
    *,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                shorten(
                    t.button(
                        "roadmap-pick-label",
                        mark=t.button("roadmap-pick-on" if choice.linked else "roadmap-pick-off"),
                        date=_day(choice.starts_at, zone),
                        title=choice.title,
                    ),
                    LABEL_MAX,
                ),
                RmOrgCb(
                    action=RmOrgAction.TOGGLE,
                    id=item.id,
                    value=kind.value,
                    target=choice.id,
                    page=page,
                ),
            )
        ]
        for choice in choices
    ]
    rows.append(
        pager(
            page,
            pages,
            lambda p: RmOrgCb(action=RmOrgAction.LINKS, id=item.id, value=kind.value, page=p),
        )
    )
    rows.append(back_to_card(t, item.id))
    return markup(rows)
