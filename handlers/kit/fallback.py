"""Last in line: anything no other handler took gets a helpful answer."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from handlers.kit.keyboards import start_keyboard
from handlers.kit.render import alert, show_main_menu


async def unknown_message(
    message: Message, t: Translator, access: Access, person: Person | None
) -> None:
    if person is None or not person.is_onboarded:
        await message.answer(t("fallback-newcomer"), reply_markup=start_keyboard(t))
        return
    await message.answer(t("fallback-message"))
    await show_main_menu(message, t, access, new=True)


async def unknown_callback(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    person: Person | None,
    callback_answer: CallbackAnswer,
) -> None:
    """A stale button, a button of a form that was left, or forged callback data."""
    in_form = await state.get_state() is not None
    if (person is None or not person.is_onboarded) and not in_form:
        alert(callback_answer, t.popup("fallback-newcomer-button"))
    else:
        alert(callback_answer, t.popup("fallback-button"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_message)
    router.callback_query.register(unknown_callback)
    return router
