"""Broadcasts already made: the history, a broadcast's card, stopping and withdrawing."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton
from aiogram.utils.callback_answer import CallbackAnswer

from bot.broadcasts.capability import Broadcasts
from bot.broadcasts.service import BroadcastStatus
from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.events.capability import Events
from bot.people.capability import People
from bot.trips.capability import Trips
from handlers.broadcasts.keyboards import (
    PAGE_SIZE,
    BcAction,
    BcCb,
    card_keyboard,
    history_keyboard,
    home_button,
    home_keyboard,
    stop_confirm_keyboard,
)
from handlers.broadcasts.views import card_text, history_label, segment_label
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import alert, send_new, show, show_error, zone_of


async def history(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    person: Person,
    access: Access,
    cities: Cities,
    settings: Settings,
    broadcasts: Broadcasts,
) -> None:
    items, page, pages = await broadcasts.service.history(
        actor_access=access, page=callback_data.page, page_size=PAGE_SIZE
    )
    if not items:
        await show(callback, t("bc-history-empty"), home_keyboard(t))
        return
    zone = await zone_of(person, cities, settings)
    labels = [
        (
            history_label(t, item, await broadcasts.service.figures(broadcast_id=item.id), zone),
            item.id,
        )
        for item in items
    ]
    await show(callback, t("bc-history"), history_keyboard(t, labels, page=page, pages=pages))


async def card(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    person: Person,
    access: Access,
    people: People,
    cities: Cities,
    trips: Trips,
    events: Events,
    settings: Settings,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        broadcast = await broadcasts.service.get(
            actor_access=access, broadcast_id=callback_data.id
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    author = await people.repo.get(tg_id=broadcast.created_by)
    text = card_text(
        t,
        broadcast,
        await broadcasts.service.figures(broadcast_id=broadcast.id),
        segment=await segment_label(t, broadcast.segment, cities, trips, events),
        author=(author.full_name if author else None) or str(broadcast.created_by),
        zone=await zone_of(person, cities, settings),
    )
    markup = card_keyboard(t, broadcast.id, status=broadcast.status, page=callback_data.page)
    await show(callback, text, markup)


async def show_message(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    access: Access,
    bot: Bot,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    """A copy of what was sent, as the people got it."""
    try:
        broadcast = await broadcasts.service.get(
            actor_access=access, broadcast_id=callback_data.id
        )
        await bot.copy_message(
            callback.from_user.id, broadcast.source.chat_id, broadcast.source.message_id
        )
        # The copy stays as people got it (no buttons of ours): the way on goes below it.
        card = InlineKeyboardButton(
            text=t.button("bc-btn-card"),
            callback_data=BcCb(action=BcAction.OPEN, id=broadcast.id).pack(),
        )
        await bot.send_message(
            callback.from_user.id,
            t("bc-copy-shown", id=broadcast.id),
            reply_markup=way_on_keyboard(t, card, home_button(t)),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
    except TelegramBadRequest:
        alert(callback_answer, t.popup("bc-error-source-gone"))


async def stop_ask(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    access: Access,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    """A separate message asks to confirm: the progress message keeps changing."""
    try:
        broadcast = await broadcasts.service.get(
            actor_access=access, broadcast_id=callback_data.id
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    if broadcast.status not in (BroadcastStatus.RUNNING, BroadcastStatus.QUEUEING):
        alert(callback_answer, t.popup("bc-error-not-running"))
        return
    figures = await broadcasts.service.figures(broadcast_id=broadcast.id)
    text = t("bc-stop-confirm", id=broadcast.id, sent=figures.sent, left=figures.left)
    await send_new(callback, text, stop_confirm_keyboard(t, broadcast.id))


async def stop(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    access: Access,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        stopped = await broadcasts.service.stop(
            actor_id=callback.from_user.id,
            actor_access=access,
            broadcast_id=callback_data.id,
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await show(callback, t("bc-stopping", id=stopped.id), way_on_keyboard(t, home_button(t)))
    broadcasts.wake_monitor()


async def stop_keep(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    access: Access,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    try:  # a forged number must not be called a broadcast that goes on
        broadcast = await broadcasts.service.get(
            actor_access=access, broadcast_id=callback_data.id
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await show(callback, t("bc-stop-kept", id=broadcast.id), way_on_keyboard(t))


async def withdraw(
    callback: CallbackQuery,
    callback_data: BcCb,
    t: Translator,
    access: Access,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        withdrawn = await broadcasts.service.withdraw(
            actor_id=callback.from_user.id,
            actor_access=access,
            broadcast_id=callback_data.id,
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await show(callback, t("bc-withdrawn", id=withdrawn.id), home_keyboard(t))


def register(router: Router) -> None:
    """On the organisers-only router of handlers.broadcasts.compose."""
    cb = router.callback_query.register
    cb(history, BcCb.filter(F.action == BcAction.HISTORY))
    cb(card, BcCb.filter(F.action == BcAction.OPEN))
    cb(show_message, BcCb.filter(F.action == BcAction.SHOW))
    cb(stop_ask, BcCb.filter(F.action == BcAction.STOP))
    cb(stop, BcCb.filter(F.action == BcAction.STOP_OK))
    cb(stop_keep, BcCb.filter(F.action == BcAction.STOP_NO))
    cb(withdraw, BcCb.filter(F.action == BcAction.WITHDRAW))
