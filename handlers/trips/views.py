"""Rendering trips and registrations as text and keyboards (no business rules here)."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.cities import City
from bot.core.i18n import Translator
from bot.core.roles import Access
from bot.core.timefmt import local_text, to_local
from bot.trips.catalogue import TripListItem
from bot.trips.registration import Registration
from handlers.kit.keyboards import InlineKeyboard
from handlers.kit.render import shorten
from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb, TripScope, TripsPageCb

PAGE_SIZE = 8
LABEL_MAX = 60


def local(moment: datetime, zone: str, *, with_time: bool = True) -> str:
    value = to_local(moment, zone)
    if with_time and (value.hour or value.minute):
        return local_text(moment, zone)
    return local_text(moment, zone, "date")


def trip_button_label(
    item: TripListItem, cities: dict[int, City], t: Translator, zone: str
) -> str:
    trip = item.trip
    when = local_text(trip.starts_at, zone, "day")
    origin = cities[trip.from_city_id].name(t.language)
    route = f"{origin} → {cities[trip.to_city_id].name(t.language)}"
    return shorten(f"{when} · {route} · {trip.title}", LABEL_MAX)


def catalogue_keyboard(
    t: Translator,
    items: list[TripListItem],
    cities: dict[int, City],
    zone: str,
    *,
    scope: TripScope,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for item in items:
        builder.row(
            InlineKeyboardButton(
                text=trip_button_label(item, cities, t, zone),
                callback_data=TripCb(action=TripAction.OPEN, id=item.trip.id).pack(),
            )
        )
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                InlineKeyboardButton(
                    text="◀", callback_data=TripsPageCb(scope=scope, page=page - 1).pack()
                )
            )
        nav.append(
            InlineKeyboardButton(
                text=f"{page + 1}/{pages}",
                callback_data=TripsPageCb(scope=scope, page=page).pack(),
            )
        )
        if page < pages - 1:
            nav.append(
                InlineKeyboardButton(
                    text="▶", callback_data=TripsPageCb(scope=scope, page=page + 1).pack()
                )
            )
        builder.row(*nav)
    other = TripScope.ALL if scope is TripScope.FIT else TripScope.FIT
    builder.row(
        InlineKeyboardButton(
            text=t.button(f"trips-switch-{other.value}"),
            callback_data=TripsPageCb(scope=other, page=0).pack(),
        )
    )
    return builder.as_markup()


def trip_card_text(t: Translator, item: TripListItem, cities: dict[int, City], zone: str) -> str:
    trip, programme = item.trip, item.programme
    text = t(
        "trip-card",
        title=trip.title,
        programme=programme.title,
        direction=t.button(f"direction-{programme.direction}"),
        origin=cities[trip.from_city_id].name(t.language),
        destination=cities[trip.to_city_id].name(t.language),
        starts=local(trip.starts_at, zone),
        ends=local(trip.ends_at, zone),
        deadline=local(trip.registration_deadline, zone),
        left=item.seats_left,
        capacity=trip.capacity,
        waitlisted=item.waitlisted,
        approval=t.button("trip-approval-yes" if trip.needs_approval else "trip-approval-no"),
        status=t.button(f"trip-status-{trip.status}"),
    )
    if trip.cancel_reason:
        text += "\n" + t("trip-cancel-reason", reason=trip.cancel_reason)
    if trip.for_minors:
        text += "\n" + t("trip-for-minors")
    if trip.description:
        text += "\n\n" + t("trip-description", description=trip.description)
    return text


def trip_card_keyboard(
    t: Translator,
    item: TripListItem,
    access: Access,
    *,
    can_register: bool,
    registration: Registration | None,
) -> InlineKeyboardMarkup:
    trip_id = item.trip.id
    builder = InlineKeyboard()
    if registration is not None:
        builder.row(
            InlineKeyboardButton(
                text=t.button(f"trip-my-status-{registration.status}"),
                callback_data=RegCb(action=RegAction.OPEN, id=registration.id).pack(),
            )
        )
    elif can_register:
        builder.row(
            InlineKeyboardButton(
                text=t.button("trip-register"),
                callback_data=TripCb(action=TripAction.REGISTER, id=trip_id).pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=t.button(f"trip-action-{TripAction.CALENDAR.value}"),
            callback_data=TripCb(action=TripAction.CALENDAR, id=trip_id).pack(),
        )
    )
    if access >= Access.ORGANISER:
        actions = (
            TripAction.PARTICIPANTS,
            TripAction.EXPORT,
            TripAction.EDIT,
            TripAction.CAPACITY,
            TripAction.STATUS,
            TripAction.SHARE,
            TripAction.CANCEL_TRIP,
        )
        buttons = [
            InlineKeyboardButton(
                text=t.button(f"trip-action-{action.value}"),
                callback_data=TripCb(action=action, id=trip_id).pack(),
            )
            for action in actions
        ]
        for index in range(0, len(buttons), 2):
            builder.row(*buttons[index : index + 2])
    builder.row(
        InlineKeyboardButton(
            text=t.button("trips-back-to-list"),
            callback_data=TripsPageCb(scope=TripScope.FIT, page=0).pack(),
        )
    )
    return builder.as_markup()


def back_to_trip_keyboard(t: Translator, trip_id: int) -> InlineKeyboardMarkup:
    """Under a trip's calendar file or its share link: the way back to its card."""
    return (
        InlineKeyboard()
        .button(
            text=t.button("trip-ics-back"),
            callback_data=TripCb(action=TripAction.OPEN, id=trip_id),
        )
        .as_markup()
    )
