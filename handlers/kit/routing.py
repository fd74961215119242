"""The routers of the handler modules, and how a button press finds its router."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Router
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message


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


class PressPrefix(Filter):
    """A router's own filter: a press whose callback-data prefix none of the router's
    handlers takes is turned away in one step, before the router wraps its middlewares
    and copies the handler data for each of its handlers and sub-routers."""

    def __init__(self, prefixes: frozenset[str]) -> None:
        self.prefixes = prefixes

    async def __call__(self, callback: CallbackQuery) -> bool:
        return (callback.data or "").partition(":")[0] in self.prefixes


def skip_foreign_callbacks(router: Router) -> None:
    """Give the router (and each sub-router) the filter of the presses it can take."""
    prefixes = callback_prefixes(router)
    if prefixes is not None:
        router.callback_query.filter(PressPrefix(frozenset(prefixes)))
    for sub_router in router.sub_routers:
        skip_foreign_callbacks(sub_router)


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


class NotAnotherRoutersCommand(Filter):
    """A router's own filter: every message passes but a command that only routers after
    this one register. Such a command goes past this router (and the form catch-alls in
    it: "please use the buttons", "type a date") to the router that registers it, so a
    command works in the middle of any form."""

    def __init__(self, commands: frozenset[str]) -> None:
        self.commands = commands

    async def __call__(self, message: Message) -> bool:
        command = typed_command(message)
        return command is None or command not in self.commands


def handler_routers(routers: Iterable[Router]) -> Router:
    """The handler modules' routers, in their order, under one router, with the two
    filters above: a press is offered only to the routers that handle its prefix (and
    those that take any press), and a typed command skips the routers before the one
    that registers it. Everything else goes to each router in turn, as aiogram does.
    Inside a router, its commands are registered before its form handlers."""
    routers = list(routers)
    owned = [command_names(router) for router in routers]
    for index, router in enumerate(routers):
        skip_foreign_callbacks(router)
        later = set().union(*owned[index + 1 :]) - owned[index]
        if later:
            router.message.filter(NotAnotherRoutersCommand(frozenset(later)))
    root = Router(name="handlers")
    root.include_routers(*routers)
    return root


def all_commands(routers: Iterable[Router]) -> frozenset[str]:
    """Every command some router registers."""
    return frozenset(set().union(*(command_names(router) for router in routers)))
