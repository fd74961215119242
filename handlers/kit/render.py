"""Small helpers shared by handlers: show a screen, the main menu, an error."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.edits import suppress_not_modified
from bot.core.errors import UserError
from bot.core.i18n import Translator, fit_popup
from bot.core.roles import Access, Person
from handlers.kit.keyboards import main_menu_keyboard, way_on_keyboard

Target = Message | CallbackQuery


async def show(target: Target, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message a button belongs to, or answer a typed message with a new one."""
    if isinstance(target, CallbackQuery):
        # A button under a file (an .ics, a photo) cannot turn it into text: answer anew.
        if isinstance(target.message, Message) and target.message.text is not None:
            if _already_shows(target.message, text, markup):
                return  # a second press on the same screen: Telegram would refuse the edit
            with suppress_not_modified():
                await target.message.edit_text(text, reply_markup=markup)
            return
        assert target.bot is not None
        await target.bot.send_message(target.from_user.id, text, reply_markup=markup)
        return
    await target.answer(text, reply_markup=markup)


def _already_shows(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether the pressed message shows this text and these buttons (as far as its copy in
    the press tells: a second press of a double tap still carries the old message)."""
    return message.html_text == text and _same_buttons(message.reply_markup, markup)


def _same_buttons(shown: object, markup: InlineKeyboardMarkup | None) -> bool:
    # By value: a markup parsed from an update carries context a built one does not.
    if shown is None or markup is None:
        return shown is None and markup is None
    if not isinstance(shown, InlineKeyboardMarkup):
        return False
    return shown.model_dump(exclude_none=True) == markup.model_dump(exclude_none=True)


async def set_buttons(target: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Change only the buttons of the pressed message (None: take them away)."""
    message = target.message
    if not isinstance(message, Message) or _same_buttons(message.reply_markup, markup):
        return
    with suppress_not_modified():
        await message.edit_reply_markup(reply_markup=markup)


async def retire_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take the buttons off a message other than the pressed one (another copy of a
    request); one already without them, or deleted by the person, is left as it is."""
    with suppress_not_modified(or_gone=True):
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=None
        )


async def send_new(
    target: Target,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> None:
    """Always a new message (for example after a typed answer or to leave history intact)."""
    if isinstance(target, CallbackQuery):
        assert target.bot is not None
        await target.bot.send_message(target.from_user.id, text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


async def show_main_menu(
    target: Target, t: Translator, access: Access, *, new: bool = False
) -> None:
    markup = main_menu_keyboard(t, access)
    if new:
        await send_new(target, t("main-menu"), markup)
    else:
        await show(target, t("main-menu"), markup)


def alert(answer: CallbackAnswer, text: str) -> None:
    """A pop-up for a pressed button, sent by PressAnswers after the handler.

    Make `text` with `t.popup()` when it holds values (names, topics): it shortens them
    to fit. PopupLimitMiddleware cuts whatever is still too long."""
    answer.text = fit_popup(text)
    answer.show_alert = True


async def show_error(
    target: Target, t: Translator, error: UserError, answer: CallbackAnswer | None = None
) -> None:
    """Tell the person what was wrong; for a button, as a pop-up that keeps the screen,
    for a typed command as a message with the way on."""
    if isinstance(target, CallbackQuery) and answer is not None:
        alert(answer, t.popup(error.key, **error.args_))
    else:
        await send_new(target, t(error.key, **error.args_), way_on_keyboard(t))


def shorten(text: str, limit: int) -> str:
    """Cut text to `limit` characters with an ellipsis (button labels, list lines)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def zone_of(person: Person | None, cities: Cities, settings: Settings) -> str:
    """The time zone a person sees times in: their city's, or the bot's default."""
    if person is not None and person.city_id is not None:
        city = await cities.get(city_id=person.city_id)
        if city is not None:
            return city.timezone
    return settings.timezone
