"""The gate in front of every organiser capability (trips, events, broadcasts).

A capability puts its handlers on a staff router, which takes organisers only, and
names the same triggers for a refusals router, which answers anyone else (a typed
command, a forged button, a form left open after rights were taken away) with a
polite no. Rules in bot/ check the access again on every write: this is only the
first line.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.i18n import Translator
from bot.core.roles import Access
from handlers.kit.filters import Onboarded
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import alert


class IsOrganiser(Filter):
    async def __call__(self, event: TelegramObject, access: Access | None = None) -> bool:
        return access is not None and access >= Access.ORGANISER


def staff_router(name: str) -> Router:
    router = Router(name=f"{name}.staff")
    router.message.filter(IsOrganiser())
    router.callback_query.filter(IsOrganiser())
    return router


async def refuse_message(message: Message, state: FSMContext, t: Translator) -> None:
    # Someone whose rights were taken away in the middle of a form leaves it here.
    if await state.get_state() is not None:
        await state.clear()
    await message.answer(t("error-organisers-only"), reply_markup=way_on_keyboard(t))


async def refuse_callback(
    callback: CallbackQuery, t: Translator, callback_answer: CallbackAnswer
) -> None:
    alert(callback_answer, t.popup("error-organisers-only"))


def refusals_router(
    name: str, *, messages: Iterable[Filter], callbacks: Iterable[Filter]
) -> Router:
    """The staff router's triggers from anyone else: a polite no, nothing changes."""
    router = Router(name=f"{name}.refusals")
    router.message.filter(~IsOrganiser())
    router.callback_query.filter(~IsOrganiser())
    for trigger in messages:
        router.message.register(refuse_message, trigger)
    for trigger in callbacks:
        router.callback_query.register(refuse_callback, trigger)
    return router


def organisers_only(name: str, staff: Router, refusals: Router) -> Router:
    """Both, for people who have finished onboarding (newcomers are led there first)."""
    router = Router(name=name)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    router.include_routers(staff, refusals)
    return router
