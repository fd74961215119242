"""Organiser's tools: the panel (/organiser), status changes, cancelling a trip.

The programme and trip forms live in trips.programmes and trips.trip_form;
this module puts all of them behind one check: the staff router takes organisers
only, and the refusals router answers the same triggers from anyone else (a forged
TripCb, a typed /organiser) with a polite no. The rules themselves live in
bot.trips.admin, which checks the actor's access again on every write.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import local_text, utc_now
from bot.trips.admin import (
    CANCELLABLE,
    clean_reason,
    next_statuses,
)
from bot.trips.capability import Trips
from bot.trips.catalogue import TripStatus
from handlers.kit.access import organisers_only, refusals_router, staff_router
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.filters import Has
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, alert, send_new, show, show_error, zone_of
from handlers.trips import programmes, trip_form
from handlers.trips.admin_keyboards import (
    PAGE_SIZE,
    DropQuestionCb,
    FieldCb,
    FormAction,
    FormCb,
    PickCb,
    StatusCb,
    cancel_confirm_keyboard,
    form_keyboard,
    list_keyboard,
    panel_keyboard,
    programme_item,
    saved_keyboard,
    status_confirm_keyboard,
    status_keyboard,
    trip_item,
)
from handlers.trips.admin_states import ProgrammeForm, TripCancel, TripForm
from handlers.trips.callbacks import TripAction, TripCb

# The card's organiser buttons this module answers (the others belong to other modules).
ORGANISER_TRIP_ACTIONS = (
    TripAction.EDIT,
    TripAction.STATUS,
    TripAction.CAPACITY,
    TripAction.CANCEL_TRIP,
)


# The panel


async def _panel(target: Target, state: FSMContext, t: Translator, *, new: bool) -> None:
    await state.clear()
    if new:
        await send_new(target, t("org-panel"), panel_keyboard(t))
    else:
        await show(target, t("org-panel"), panel_keyboard(t))


async def organiser_command(message: Message, state: FSMContext, t: Translator) -> None:
    await _panel(message, state, t, new=True)


async def organiser_menu(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await _panel(callback, state, t, new=False)


def _pages(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


async def programmes_list(
    callback: CallbackQuery, callback_data: PanelCb, t: Translator, trips: Trips
) -> None:
    programmes = await trips.repo.list_programmes()
    pages = _pages(len(programmes))
    page = min(max(callback_data.page, 0), pages - 1)
    shown = programmes[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    text = t("org-programmes", count=len(programmes)) if programmes else t("org-programmes-empty")
    items = [programme_item(t, programme) for programme in shown]
    markup = list_keyboard(t, items, action=PanelAction.PROGRAMMES, page=page, pages=pages)
    await show(callback, text, markup)


async def trips_list(
    callback: CallbackQuery,
    callback_data: PanelCb,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    page = max(callback_data.page, 0)
    statuses = tuple(status.value for status in TripStatus)
    items, total = await trips.repo.catalogue(
        statuses=statuses, role=None, from_city_id=None, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    pages = _pages(total)
    if page >= pages and total:
        # The list got shorter since the button was drawn: show its last page.
        page = pages - 1
        items, total = await trips.repo.catalogue(
            statuses=statuses,
            role=None,
            from_city_id=None,
            limit=PAGE_SIZE,
            offset=page * PAGE_SIZE,
        )
    zone = await zone_of(person, cities, settings)
    buttons = [
        trip_item(
            t.button(
                "org-trip-item",
                mark=t.button(f"org-status-mark-{item.trip.status}"),
                date=local_text(item.trip.starts_at, zone, "date"),
                title=item.trip.title,
            ),
            item.trip.id,
        )
        for item in items
    ]
    text = t("org-trips", count=total) if total else t("org-trips-empty")
    await show(
        callback, text, list_keyboard(t, buttons, action=PanelAction.TRIPS, page=page, pages=pages)
    )


# Status


async def status_menu(
    callback: CallbackQuery,
    callback_data: TripCb,
    t: Translator,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    statuses = next_statuses(trip.status)
    text = t(
        "org-status-choose" if statuses else "org-status-final",
        title=trip.title,
        status=t.button(f"org-status-{trip.status}"),
    )
    await show(callback, text, status_keyboard(t, trip.id, statuses))


async def status_change(
    callback: CallbackQuery,
    callback_data: StatusCb,
    t: Translator,
    access: Access,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    status = callback_data.status
    if not callback_data.confirm:
        if status not in next_statuses(trip.status):
            alert(callback_answer, t.popup("org-error-status-transition"))
            return
        text = t(
            "org-status-confirm",
            title=trip.title,
            current=t.button(f"org-status-{trip.status}"),
            status=t.button(f"org-status-{status.value}"),
            hint=t.button(f"org-status-hint-{status.value}"),
        )
        await show(callback, text, status_confirm_keyboard(t, trip.id, status))
        return
    try:
        updated = await trips.admin.change_status(
            actor_access=access,
            trip_id=trip.id,
            status=status,
            now=utc_now(),
            actor_id=callback.from_user.id,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    text = t(
        "org-status-changed", title=updated.title, status=t.button(f"org-status-{updated.status}")
    )
    await show(callback, text, saved_keyboard(t, updated.id))


# Cancelling a trip: reason → confirmation → cancelled, everyone told


async def _cancel_reason_screen(
    target: Target,
    t: Translator,
    form: dict[str, Any],
    trips: Trips,
    *,
    new: bool,
) -> None:
    count = len(await trips.registrations.active_people(trip_id=int(form["tid"])))
    text = t("org-cancel-ask-reason", title=form["title"], count=count)
    if new:
        await send_new(target, text, form_keyboard(t))
    else:
        await show(target, text, form_keyboard(t))


async def _cancel_confirm_screen(
    target: Target, t: Translator, form: dict[str, Any], *, new: bool
) -> None:
    text = t("org-cancel-confirm", title=form["title"], reason=form["reason"], count=form["count"])
    if new:
        await send_new(target, text, cancel_confirm_keyboard(t))
    else:
        await show(target, text, cancel_confirm_keyboard(t))


async def cancel_trip_start(
    callback: CallbackQuery,
    callback_data: TripCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    if trip.status not in CANCELLABLE:
        alert(callback_answer, t.popup("org-error-not-cancellable"))
        return
    await state.set_state(TripCancel.reason)
    await state.set_data({"tid": trip.id, "title": trip.title})
    await _cancel_reason_screen(callback, t, await state.get_data(), trips, new=True)


async def cancel_trip_reason(
    message: Message, state: FSMContext, t: Translator, trips: Trips
) -> None:
    try:
        reason = clean_reason(message.text)
    except UserError as error:
        await _ask_reason_again(message, state, t, trips, t(error.key, **error.args_))
        return
    form = await state.get_data()
    count = len(await trips.registrations.active_people(trip_id=int(form["tid"])))
    await state.update_data(reason=reason, count=count)
    await state.set_state(TripCancel.confirm)
    await _cancel_confirm_screen(message, t, await state.get_data(), new=True)


async def cancel_trip_back(
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips
) -> None:
    if await state.get_state() == TripCancel.confirm.state:
        await state.set_state(TripCancel.reason)
        await _cancel_reason_screen(callback, t, await state.get_data(), trips, new=False)
        return
    await cancel_trip_abort(callback, state, t)


async def cancel_trip_abort(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    form = await state.get_data()
    await state.clear()
    trip_id = form.get("tid")
    await show(
        callback,
        t("org-cancel-aborted"),
        saved_keyboard(t, int(trip_id) if trip_id is not None else None),
    )


async def cancel_trip_confirm(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    access: Access,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    form = await state.get_data()
    try:
        cancelled = await trips.admin.cancel_trip(
            actor_access=access,
            trip_id=int(form.get("tid") or 0),
            reason=form.get("reason"),
            actor_id=callback.from_user.id,
        )
    except UserError as error:
        await state.clear()
        await show_error(callback, t, error, callback_answer)
        return
    await state.clear()
    await show(callback, t("org-cancel-sending", title=cancelled.trip.title))
    await send_new(
        callback,
        t(
            "org-cancel-done",
            title=cancelled.trip.title,
            delivered=cancelled.told,
            total=len(cancelled.people),
        ),
        saved_keyboard(t, cancelled.trip.id),
    )


async def _ask_reason_again(
    message: Message,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    explanation: str,
) -> None:
    form = await state.get_data()
    await explain_and_ask_again(
        message,
        explanation,
        lambda: _cancel_reason_screen(message, t, form, trips, new=True),
    )


async def cancel_expect_button(message: Message, state: FSMContext, t: Translator) -> None:
    """Typed text under "Да, отменить поездку": say so and ask again."""
    form = await state.get_data()
    await explain_and_ask_again(
        message, t("error-choice"), lambda: _cancel_confirm_screen(message, t, form, new=True)
    )


async def cancel_expect_text(
    message: Message, state: FSMContext, t: Translator, trips: Trips
) -> None:
    await _ask_reason_again(message, state, t, trips, t("error-text-expected"))


def _staff_router() -> Router:
    router = staff_router(__name__)
    cb, msg, form = router.callback_query.register, router.message.register, FormCb.filter

    msg(organiser_command, Command("organiser"))
    cb(organiser_menu, MenuCb.filter(F.item == MenuItem.ORGANISER))
    cb(organiser_menu, PanelCb.filter(F.action == PanelAction.MAIN))
    cb(programmes_list, PanelCb.filter(F.action == PanelAction.PROGRAMMES))
    cb(trips_list, PanelCb.filter(F.action == PanelAction.TRIPS))

    cb(status_menu, TripCb.filter(F.action == TripAction.STATUS))
    cb(status_change, StatusCb.filter())

    cb(cancel_trip_start, TripCb.filter(F.action == TripAction.CANCEL_TRIP))
    msg(cancel_trip_reason, StateFilter(TripCancel.reason), Has(F.text))
    msg(cancel_expect_text, StateFilter(TripCancel.reason))
    cb(cancel_trip_confirm, StateFilter(TripCancel.confirm), form(F.action == FormAction.CONFIRM))
    msg(cancel_expect_button, StateFilter(TripCancel.confirm))
    cb(cancel_trip_back, StateFilter(TripCancel), form(F.action == FormAction.BACK))
    cb(cancel_trip_abort, StateFilter(TripCancel), form(F.action == FormAction.CANCEL))

    router.include_router(programmes.create_router())
    router.include_router(trip_form.create_router())
    return router


def create_router() -> Router:
    refusals = refusals_router(
        __name__,
        messages=(Command("organiser"), StateFilter(ProgrammeForm, TripForm, TripCancel)),
        callbacks=(
            MenuCb.filter(F.item == MenuItem.ORGANISER),
            TripCb.filter(F.action.in_(set(ORGANISER_TRIP_ACTIONS))),
            PanelCb.filter(),
            StatusCb.filter(),
            FormCb.filter(),
            PickCb.filter(),
            FieldCb.filter(),
            DropQuestionCb.filter(),
        ),
    )
    return organisers_only(__name__, _staff_router(), refusals)
