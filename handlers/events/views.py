"""Rendering events as text and keyboards (no business rules here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.cities import City
from bot.core.i18n import Translator
from bot.core.roles import Access
from bot.core.timefmt import local_text, to_local
from bot.delivery.reminders import ReminderKind
from bot.events.service import Event, EventStatus, when_text
from bot.trips.catalogue import Programme, Trip
from handlers.events.callbacks import (
    EventAction,
    EventCb,
    EventsPageCb,
    MyEventsCb,
    TripReminderCb,
)
from handlers.kit.keyboards import InlineKeyboard, way_on_keyboard
from handlers.kit.render import shorten
from handlers.telebridges.views import reminder_rows as telebridge_reminder_rows
from handlers.trips.callbacks import TripAction, TripCb

PAGE_SIZE = 8
LABEL_MAX = 60
MONTHS_SHOWN = 6


def _button(text: str, data: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def month_of(moment: datetime, zone: str) -> int:
    local = to_local(moment, zone)
    return local.year * 100 + local.month


def month_label(t: Translator, month: int) -> str:
    return t.button(f"event-month-{month % 100}", year=str(month // 100))


def event_label(event: Event, cities: dict[int, City], t: Translator, zone: str) -> str:
    when = local_text(event.starts_at, zone, "day")
    city = cities.get(event.city_id)
    where = city.name(t.language) if city else ""
    return shorten(f"{when} · {where} · {event.title}", LABEL_MAX)


def catalogue_keyboard(
    t: Translator,
    events: list[Event],
    cities: dict[int, City],
    zone: str,
    *,
    city: int,
    month: int,
    months: Iterable[int],
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for event in events:
        builder.row(
            _button(
                event_label(event, cities, t, zone), EventCb(action=EventAction.OPEN, id=event.id)
            )
        )
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(_button("◀", EventsPageCb(city=city, month=month, page=page - 1)))
        nav.append(_button(f"{page + 1}/{pages}", EventsPageCb(city=city, month=month, page=page)))
        if page < pages - 1:
            nav.append(_button("▶", EventsPageCb(city=city, month=month, page=page + 1)))
        builder.row(*nav)

    def mark(label: str, chosen: bool) -> str:
        return t.button("event-filter-chosen", label=label) if chosen else label

    city_row = [_button(mark(t.button("event-both-cities"), city == 0), EventsPageCb(month=month))]
    city_row += [
        _button(mark(c.name(t.language), city == c.id), EventsPageCb(city=c.id, month=month))
        for c in cities.values()
    ]
    builder.row(*city_row)
    month_buttons = [
        _button(mark(t.button("event-all-months"), month == 0), EventsPageCb(city=city))
    ] + [
        _button(mark(month_label(t, m), month == m), EventsPageCb(city=city, month=m))
        for m in months
    ]
    for index in range(0, len(month_buttons), 4):
        builder.row(*month_buttons[index : index + 4])
    builder.row(_button(t.button("event-my-events"), MyEventsCb()))
    return builder.as_markup()


def my_events_keyboard(
    t: Translator,
    events: list[Event],
    cities: dict[int, City],
    zone: str,
    *,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for event in events:
        label = event_label(event, cities, t, zone)
        if event.status == EventStatus.CANCELLED:
            label = shorten(t.button("event-my-cancelled-label", label=label), LABEL_MAX)
        builder.row(_button(label, EventCb(action=EventAction.OPEN, id=event.id)))
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(_button("◀", MyEventsCb(page=page - 1)))
        nav.append(_button(f"{page + 1}/{pages}", MyEventsCb(page=page)))
        if page < pages - 1:
            nav.append(_button("▶", MyEventsCb(page=page + 1)))
        builder.row(*nav)
    builder.row(_button(t.button("event-all-events"), EventsPageCb()))
    return builder.as_markup()


@dataclass(frozen=True, slots=True)
class EventCard:
    event: Event
    cities: dict[int, City]
    zone: str  # the person's
    person_city_id: int | None
    programme: Programme | None
    trip: Trip | None
    subscribers: int
    subscribed: bool

    def text(self, t: Translator) -> str:
        event = self.event
        city = self.cities.get(event.city_id)
        where = city.name(t.language) if city else ""
        own = self.cities.get(self.person_city_id or 0)
        shown = when_text(event.starts_at, event.ends_at, self.zone)
        lines = [
            t("event-card-head", kind=t.button(f"event-kind-{event.kind}"), title=event.title),
            t("event-card-place", place=f"{event.venue}, {where}" if event.venue else where),
            t(
                "event-card-when",
                when=shown,
                city=own.name(t.language) if own else self.zone,
            ),
        ]
        # The other cities' time, where it reads differently from the person's.
        for other in self.cities.values():
            if other.id == self.person_city_id:
                continue
            theirs = when_text(event.starts_at, event.ends_at, other.timezone)
            if theirs != shown:
                lines.append(t("event-card-when-other", when=theirs, city=other.name(t.language)))
        if event.status == EventStatus.CANCELLED:
            lines.append(t("event-card-cancelled"))
        if self.programme is not None:
            lines.append(t("event-card-programme", title=self.programme.title))
        if self.trip is not None:
            lines.append(t("event-card-trip", title=self.trip.title))
        lines.append(t("event-card-subscribers", count=self.subscribers))
        if self.subscribed and event.status != EventStatus.CANCELLED:
            lines.append(t("event-card-subscribed"))
        text = "\n".join(lines)
        if event.description:
            text += "\n\n" + t("event-card-description", description=event.description)
        return text

    def keyboard(self, t: Translator, access: Access, *, open_: bool) -> InlineKeyboardMarkup:
        event_id = self.event.id
        builder = InlineKeyboard()
        if open_:
            if self.subscribed:
                builder.row(
                    _button(
                        t.button("event-btn-unsubscribe"),
                        EventCb(action=EventAction.UNSUBSCRIBE, id=event_id),
                    )
                )
            else:
                builder.row(
                    _button(
                        t.button("event-btn-subscribe"),
                        EventCb(action=EventAction.SUBSCRIBE, id=event_id),
                    )
                )
            builder.row(
                _button(t.button("event-btn-ics"), EventCb(action=EventAction.ICS, id=event_id))
            )
        elif self.subscribed and self.event.status == EventStatus.CANCELLED:
            # No reminder will come; the person may take it off "Мои мероприятия".
            builder.row(
                _button(
                    t.button("event-btn-forget-cancelled"),
                    EventCb(action=EventAction.UNSUBSCRIBE, id=event_id),
                )
            )
        if self.trip is not None:
            builder.row(
                _button(
                    shorten(t.button("event-btn-trip", title=self.trip.title), LABEL_MAX),
                    TripCb(action=TripAction.OPEN, id=self.trip.id),
                )
            )
        if access >= Access.ORGANISER and self.event.status != EventStatus.CANCELLED:
            builder.row(
                _button(t.button("event-btn-edit"), EventCb(action=EventAction.EDIT, id=event_id)),
                _button(
                    t.button("event-btn-share"), EventCb(action=EventAction.SHARE, id=event_id)
                ),
            )
            builder.row(
                _button(
                    t.button("event-btn-cancel"), EventCb(action=EventAction.CANCEL, id=event_id)
                )
            )
        # Back to either list: the card is opened from both.
        builder.row(
            _button(t.button("event-btn-to-list"), EventsPageCb()),
            _button(t.button("event-my-events"), MyEventsCb()),
        )
        return builder.as_markup()


def cancel_confirm_keyboard(t: Translator, event_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.row(
        _button(
            t.button("event-btn-cancel-confirm"),
            EventCb(action=EventAction.CANCEL_CONFIRM, id=event_id),
        )
    )
    builder.row(_button(t.button("event-btn-keep"), EventCb(action=EventAction.OPEN, id=event_id)))
    return builder.as_markup()


# Keyboards under messages the bot sends on its own (as the Bot API's JSON)


def reminder_markup(t: Translator, kind: str, target_id: int) -> dict[str, Any]:
    """ "Подробнее" and "Не напоминать" under a reminder (under the question after a
    telebridge: "Да" and "Нет / перенесён")."""
    if kind in (ReminderKind.TELEBRIDGE, ReminderKind.TELEBRIDGE_HELD):
        rows = telebridge_reminder_rows(t, kind, target_id)
        return InlineKeyboardMarkup(inline_keyboard=rows).model_dump(exclude_none=True)
    if kind == ReminderKind.EVENT:
        details: Any = EventCb(action=EventAction.DETAILS, id=target_id)
        mute: Any = EventCb(action=EventAction.MUTE, id=target_id)
    else:
        details = TripCb(action=TripAction.OPEN, id=target_id)
        mute = TripReminderCb(id=target_id)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(t.button("reminder-btn-details"), details),
                _button(t.button("reminder-btn-mute"), mute),
            ]
        ]
    )
    return markup.model_dump(exclude_none=True)


def details_markup(t: Translator, event_id: int) -> dict[str, Any]:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    t.button("reminder-btn-details"),
                    EventCb(action=EventAction.DETAILS, id=event_id),
                )
            ]
        ]
    )
    return markup.model_dump(exclude_none=True)


def details_only(t: Translator, kind: str, target_id: int) -> InlineKeyboardMarkup:
    """What stays under a reminder once "Не напоминать" was pressed."""
    data: Any = (
        EventCb(action=EventAction.DETAILS, id=target_id)
        if kind == ReminderKind.EVENT
        else TripCb(action=TripAction.OPEN, id=target_id)
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(t.button("reminder-btn-details"), data)]]
    )


def back_to_event_keyboard(t: Translator, event_id: int) -> InlineKeyboardMarkup:
    """Under an event's calendar file or its share link: back to its card, or the menu."""
    back = InlineKeyboardButton(
        text=t.button("event-ics-back"),
        callback_data=EventCb(action=EventAction.DETAILS, id=event_id).pack(),
    )
    return way_on_keyboard(t, back)
