"""/start: the main menu for a known person, onboarding for a newcomer, deep links for both."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from handlers.kit.callbacks import Ctx
from handlers.kit.deeplinks import DeepLinks, with_deep_links
from handlers.kit.keyboards import language_keyboard
from handlers.kit.render import show_main_menu
from handlers.people.states import Onboarding


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    t: Translator,
    person: Person | None,
    access: Access,
    deep_link: DeepLinks,
) -> None:
    payload = command.args.strip() if command.args else None
    if person is not None and person.is_onboarded:
        await state.clear()
        if payload:
            await deep_link.follow(payload, message)
        else:
            await show_main_menu(message, t, access)
        return
    # A newcomer: remember where the link pointed and onboard first. A second
    # /start without a payload keeps the one remembered from the first.
    previous = (await state.get_data()).get("payload")
    await state.set_state(Onboarding.language)
    await state.set_data({"payload": payload or previous})
    await message.answer(
        t("onb-choose-language"), reply_markup=language_keyboard(t, Ctx.ONBOARDING)
    )


def create_router() -> Router:
    router = with_deep_links(Router(name=__name__))
    router.message.register(start, CommandStart())
    return router
