"""The routers of the handler modules, and how a button press finds its router."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message, TelegramObject


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


def command_names(router: Router) -> set[str]:
    """The commands (without "/") that the router and its sub-routers register."""
    names: set[str] = set()
    for handler in router.message.handlers:
        for item in handler.filters or ():
            if isinstance(item.callback, Command):
                names |= {name for name in item.callback.commands if isinstance(name, str)}
    for sub_router in router.sub_routers:
        names |= command_names(sub_router)
    return names


def typed_command(message: Message) -> str | None:
    """The command a message starts with ("/trips@pobratim_bot x" -> "trips"), or None."""
    text = message.text or message.caption or ""
    if not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].partition("@")[0].lower() or None


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Routing(BaseMiddleware):
    """An outer middleware on the router that holds the handler modules' routers: it
    offers an update to the routers that can take it, in their order, by calling their
    `propagate_event` (as aiogram's own router does for each of its sub-routers).

    aiogram offers an update to each router in turn, and each offer copies the handler
    data and wraps the router's middlewares before its filters can say no. A button
    press handled by the twentieth router paid that twenty times: measured, a fifth of
    the bot's time under load. A press is offered only to the routers that handle its
    callback-data prefix and those that take any press (a plain aiogram Router among
    them takes any press).

    A typed command goes first to the routers that register it, then to the others: a
    command works in the middle of any form, even when an earlier router holds the
    form's catch-all for that state ("please use the buttons", "type a date"). Inside a
    router, its commands are registered before its form handlers.

    Everything else (other messages, errors) is passed on to aiogram as usual.
    """

    def __init__(self, update_type: str, routers: list[Router]) -> None:
        self._update_type = update_type
        prefixes = [callback_prefixes(router) for router in routers]
        known = set().union(*(found for found in prefixes if found))
        taking = list(zip(routers, prefixes, strict=True))
        # A router without a prefix list (None) may take any press.
        self._any_press = tuple(r for r, found in taking if found is None)
        self._by_prefix = {
            prefix: tuple(r for r, found in taking if found is None or prefix in found)
            for prefix in known
        }
        owners: dict[str, list[Router]] = {}
        for router in routers:
            for name in command_names(router):
                owners.setdefault(name, []).append(router)
        self._by_command = {
            name: (*found, *(r for r in routers if r not in found))
            for name, found in owners.items()
        }

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        routers: tuple[Router, ...] | None = None
        if isinstance(event, CallbackQuery):
            prefix = (event.data or "").partition(":")[0]
            routers = self._by_prefix.get(prefix, self._any_press)
        elif isinstance(event, Message):
            command = typed_command(event)
            routers = self._by_command.get(command) if command else None
        if routers is None:
            return await handler(event, data)
        for router in routers:
            response = await router.propagate_event(self._update_type, event, **data)
            if response is not UNHANDLED:
                return response
        return UNHANDLED


def handler_routers(routers: Iterable[Router]) -> Router:
    """The handler modules' routers, in their order, under one router whose `Routing`
    middleware offers presses and typed commands to the routers that can take them."""
    routers = list(routers)
    root = Router(name="handlers")
    root.include_routers(*routers)
    root.callback_query.outer_middleware(Routing("callback_query", routers))
    root.message.outer_middleware(Routing("message", routers))
    return root


def all_commands(routers: Iterable[Router]) -> frozenset[str]:
    """Every command some router registers."""
    return frozenset(set().union(*(command_names(router) for router in routers)))
