"""/start: the main menu for a known person, onboarding for a newcomer, deep links for both."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from handlers.kit.callbacks import Ctx
from handlers.kit.deeplinks import dispatch_payload
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
    **data: Any,
) -> None:
    """`data` (aiogram's handler data) goes on to a deep link's handler, which takes
    from it the names it declares."""
    payload = command.args.strip() if command.args else None
    if person is not None and person.is_onboarded:
        await state.clear()
        if payload:
            context = {**data, "state": state, "t": t, "person": person, "access": access}
            await dispatch_payload(payload, message, context)
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
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    return router
