"""Commands available to everyone at any moment: /help, /language, /cancel."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove

from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from handlers.kit.callbacks import Ctx, MenuCb, MenuItem
from handlers.kit.keyboards import language_keyboard, start_keyboard, way_on_keyboard
from handlers.kit.render import Target, send_new, show_main_menu
from handlers.people.states import Onboarding


def help_text(t: Translator, access: Access, person: Person | None) -> str:
    if person is None or not person.is_onboarded:
        return t("help-newcomer")
    key = {Access.MEMBER: "help-member", Access.ORGANISER: "help-organiser"}.get(
        access, "help-admin"
    )
    return t(key)


def _help_keyboard(t: Translator, person: Person | None) -> InlineKeyboardMarkup:
    # A newcomer's way on is getting acquainted; the menu is for members.
    return way_on_keyboard(t) if person is not None and person.is_onboarded else start_keyboard(t)


async def help_command(
    message: Message, t: Translator, access: Access, person: Person | None
) -> None:
    await message.answer(help_text(t, access, person), reply_markup=_help_keyboard(t, person))


async def help_menu(
    callback: CallbackQuery, t: Translator, access: Access, person: Person | None
) -> None:
    await send_new(callback, help_text(t, access, person), _help_keyboard(t, person))


async def _ask_language(target: Target, state: FSMContext, t: Translator, person: Person | None):
    if person is None or not person.is_onboarded:
        # Not onboarded yet: the language is the first step of the form.
        await state.set_state(Onboarding.language)
        await send_new(target, t("onb-choose-language"), language_keyboard(t, Ctx.ONBOARDING))
        return
    await send_new(target, t("profile-ask-lang"), language_keyboard(t, Ctx.PROFILE))


async def language_command(
    message: Message, state: FSMContext, t: Translator, person: Person | None
) -> None:
    await _ask_language(message, state, t, person)


async def language_menu(
    callback: CallbackQuery, state: FSMContext, t: Translator, person: Person | None
) -> None:
    await _ask_language(callback, state, t, person)


async def cancel_command(
    message: Message, state: FSMContext, t: Translator, access: Access, person: Person | None
) -> None:
    if await state.get_state() is None:
        await message.answer(t("cancel-nothing"), reply_markup=ReplyKeyboardRemove())
    else:
        await state.clear()
        await message.answer(t("cancel-done"), reply_markup=ReplyKeyboardRemove())
    if person is not None and person.is_onboarded:
        await show_main_menu(message, t, access, new=True)
    else:
        await message.answer(t("cancel-start-again"), reply_markup=start_keyboard(t))


async def main_menu(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    access: Access,
    person: Person | None,
) -> None:
    """ "Главное меню" under a message that ends a flow: the menu as a new message, so
    the message above (a result, a card) stays as it was. Someone the bot does not know
    (yet, or any more) has no menu: getting acquainted is their way on."""
    if person is None or not person.is_onboarded:
        await _ask_language(callback, state, t, person)
        return
    await show_main_menu(callback, t, access, new=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_menu, MenuCb.filter(F.item == MenuItem.HELP))
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_menu, MenuCb.filter(F.item == MenuItem.LANGUAGE))
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(main_menu, MenuCb.filter(F.item == MenuItem.MAIN))
    return router
