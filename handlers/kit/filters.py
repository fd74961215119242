"""Filters shared by routers."""

from __future__ import annotations

from aiogram import F  # noqa: F401 - re-exported for Has(F.x)
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter

from bot.core.roles import Person


class Onboarded(Filter):
    """The person has finished onboarding (and so has given consent)."""

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        return person is not None and person.is_onboarded


class Has(Filter):
    """A magic filter (`F.text`, `F.contact`) checked in the event loop.

    aiogram runs plain callables and bare `State` filters through
    `asyncio.to_thread`, a thread round trip per check; a `Filter` subclass is
    awaited directly, which is what these cheap checks deserve.
    """

    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))
