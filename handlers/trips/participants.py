"""Organisers: a trip's participants (counts by status, then a paged list) and the export.

Callback data comes from the client, so every handler checks the person's rights itself;
the buttons are only shown to organisers, which proves nothing.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.staff.capability import Staff
from bot.trips.capability import Trips
from bot.trips.catalogue import Trip
from bot.trips.exports import export_trip
from bot.trips.registration import Participant, RegStatus
from handlers.kit.keyboards import InlineKeyboard, way_on_keyboard
from handlers.kit.middlewares import answer_now
from handlers.kit.render import alert, shorten, show, zone_of
from handlers.trips.callbacks import ParticipantsPageCb, TripAction, TripCb

logger = logging.getLogger(__name__)
PAGE_SIZE = 10
ORGANISATION_MAX = 60
# Counts are listed in this order, the same as the list itself.
STATUS_ORDER = ("approved", "pending", "waitlisted", "rejected", "cancelled")


def _line(t: Translator, number: int, participant: Participant) -> str:
    registration = participant.registration
    name = participant.full_name or t.button("participants-no-name")
    organisation = shorten(
        participant.organisation or t.button("participants-no-organisation"), ORGANISATION_MAX
    )
    if registration.status == RegStatus.WAITLISTED:
        return t(
            "participants-line-waitlisted",
            number=number,
            name=name,
            organisation=organisation,
            position=registration.position or 0,
        )
    return t(
        "participants-line",
        number=number,
        name=name,
        organisation=organisation,
        status=t.button(f"export-status-{registration.status}"),
    )


def participants_text(
    t: Translator,
    trip: Trip,
    counts: dict[str, int],
    participants: list[Participant],
    *,
    page: int,
    pages: int,
) -> str:
    lines = [
        t("participants-title", trip=trip.title),
        t("participants-total", count=sum(counts.values())),
    ]
    for status in STATUS_ORDER:
        if counts.get(status):
            label = t.button(f"participants-group-{status}")
            lines.append(t("participants-count", label=label, count=counts[status]))
    lines.append("")
    if not participants:
        lines.append(t("participants-empty"))
    first = page * PAGE_SIZE + 1
    lines += [_line(t, first + index, p) for index, p in enumerate(participants)]
    if pages > 1:
        lines += ["", t("participants-page", page=page + 1, pages=pages)]
    return "\n".join(lines)


def participants_keyboard(
    t: Translator, trip_id: int, *, page: int, pages: int, has_any: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                InlineKeyboardButton(
                    text="◀",
                    callback_data=ParticipantsPageCb(trip_id=trip_id, page=page - 1).pack(),
                )
            )
        nav.append(
            InlineKeyboardButton(
                text=f"{page + 1}/{pages}",
                callback_data=ParticipantsPageCb(trip_id=trip_id, page=page).pack(),
            )
        )
        if page < pages - 1:
            nav.append(
                InlineKeyboardButton(
                    text="▶",
                    callback_data=ParticipantsPageCb(trip_id=trip_id, page=page + 1).pack(),
                )
            )
        builder.row(*nav)
    if has_any:
        builder.row(
            InlineKeyboardButton(
                text=t.button("participants-btn-export"),
                callback_data=TripCb(action=TripAction.EXPORT, id=trip_id).pack(),
            )
        )
    builder.row(_back_button(t, trip_id))
    return builder.as_markup()


def _back_button(t: Translator, trip_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t.button("participants-btn-back"),
        callback_data=TripCb(action=TripAction.OPEN, id=trip_id).pack(),
    )


def _back_to_trip(t: Translator, trip_id: int) -> InlineKeyboardMarkup:
    """Under the exported files: back to the trip (its list of participants is there)."""
    return way_on_keyboard(t, _back_button(t, trip_id))


async def _show_page(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    trips: Trips,
    *,
    trip_id: int,
    page: int,
) -> None:
    if access < Access.ORGANISER:
        alert(callback_answer, t.popup("error-organisers-only"))
        return
    trip = await trips.repo.get(trip_id=trip_id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    counts = await trips.registrations.counts(trip_id=trip_id)
    total = sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)  # the list may have shrunk since the button was made
    participants = await trips.registrations.participants(
        trip_id=trip_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    await show(
        callback,
        participants_text(t, trip, counts, participants, page=page, pages=pages),
        participants_keyboard(t, trip_id, page=page, pages=pages, has_any=total > 0),
    )


async def show_participants(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    trips: Trips,
) -> None:
    await _show_page(
        callback,
        callback_answer,
        t,
        access,
        trips,
        trip_id=callback_data.id,
        page=0,
    )


async def turn_page(
    callback: CallbackQuery,
    callback_data: ParticipantsPageCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    trips: Trips,
) -> None:
    await _show_page(
        callback,
        callback_answer,
        t,
        access,
        trips,
        trip_id=callback_data.trip_id,
        page=callback_data.page,
    )


async def export_participants(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    person: Person | None,
    bot: Bot,
    trips: Trips,
    cities: Cities,
    settings: Settings,
    staff: Staff,
) -> None:
    if access < Access.ORGANISER:
        alert(callback_answer, t.popup("error-organisers-only"))
        return
    if await trips.repo.get(trip_id=callback_data.id) is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    if not sum((await trips.registrations.counts(trip_id=callback_data.id)).values()):
        alert(callback_answer, t.popup("export-empty"))
        return
    # The files of a long list take seconds: the press is answered now, not after them.
    await answer_now(callback, callback_answer, t.popup("export-sending"))
    chat_id = callback.from_user.id
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    try:
        export = await export_trip(
            trips.repo,
            trips.registrations,
            cities,
            trip_id=callback_data.id,
            t=t,
            zone=await zone_of(person, cities, settings),
            now=utc_now(),
            actor_id=chat_id,
            audit_log=staff.audit,
        )
    except UserError as error:  # the workbook could not be written: try again later
        logger.error("The participants' export failed: %s", error)
        markup = _back_to_trip(t, callback_data.id)
        await bot.send_message(chat_id, t(error.key, **error.args_), reply_markup=markup)
        return
    if export is None or export.count == 0:  # deleted or emptied in the meantime
        key = "trip-error-not-found" if export is None else "export-empty"
        markup = way_on_keyboard(t) if export is None else _back_to_trip(t, callback_data.id)
        await bot.send_message(chat_id, t(key), reply_markup=markup)
        return
    caption = t("export-caption", trip=export.trip.title, count=export.count)
    files = (export.xlsx, export.csv)
    for file in files:
        await bot.send_document(
            chat_id,
            BufferedInputFile(file.content, filename=file.filename),
            caption=caption,
            # The way back to the trip under the last file.
            reply_markup=_back_to_trip(t, callback_data.id) if file is files[-1] else None,
        )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        show_participants, TripCb.filter(F.action == TripAction.PARTICIPANTS)
    )
    router.callback_query.register(turn_page, ParticipantsPageCb.filter())
    router.callback_query.register(
        export_participants, TripCb.filter(F.action == TripAction.EXPORT)
    )
    return router
