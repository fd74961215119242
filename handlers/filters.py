"""Filters shared by routers."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import (
    F,  # noqa: F401 - re-exported for Has(F.x)
    Router,
)
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, TelegramObject
from magic_filter import MagicFilter

from storage.people import Person


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


class CallbackPrefix(Filter):
    """The pressed button's callback data has one of these prefixes (a router-level filter).

    Without it a press walks every handler of every router before its own, and each
    handler's `XxxCb.filter()` unpacks the data into a model only to say no: dozens of
    checks per press.
    """

    def __init__(self, prefixes: Iterable[str], separator: str = ":") -> None:
        self._prefixes = frozenset(prefixes)
        self._separator = separator

    async def __call__(self, callback: CallbackQuery) -> bool:
        return (callback.data or "").partition(self._separator)[0] in self._prefixes


def callback_prefixes(router: Router) -> set[str] | None:
    """Prefixes of the callback data that the router and its sub-routers handle, or None
    when one of their button handlers has no `XxxCb.filter()` (it may take any data)."""
    prefixes: set[str] = set()
    for handler in router.callback_query.handlers:
        own = {
            item.callback.callback_data.__prefix__
            for item in handler.filters or ()
            if isinstance(item.callback, CallbackQueryFilter)
            and item.callback.callback_data.__separator__ == ":"
        }
        if not own:
            return None
        prefixes |= own
    for sub_router in router.sub_routers:
        below = callback_prefixes(sub_router)
        if below is None:
            return None
        prefixes |= below
    return prefixes


def skip_foreign_callbacks(router: Router) -> None:
    """Give the router (and each sub-router) a `CallbackPrefix` filter of what it handles,
    so a press only visits the routers that can take it."""
    prefixes = callback_prefixes(router)
    if prefixes:
        router.callback_query.filter(CallbackPrefix(prefixes))
    for sub_router in router.sub_routers:
        skip_foreign_callbacks(sub_router)
