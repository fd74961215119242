"""The routers of the handler modules, and how a button press finds its router."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message, TelegramObject


class CapabilityRouter(Router):
    """A router that passes over a button press none of its handlers can take.

    aiogram offers each press to every router in turn, and a router, before its
    filters can say no, wraps its middlewares and copies the handler data (some forty
    names: every service) half a dozen times. A press handled by the thirteenth router
    paid that twelve times: a fifth of the bot's time under load. This router knows the
    callback-data prefixes it and its sub-routers handle (`skip_foreign_callbacks`
    fills them in) and turns any other press away in one step.
    """

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.callback_prefixes: frozenset[str] | None = None  # None: it may take any press

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if (
            self.callback_prefixes is not None
            and isinstance(event, CallbackQuery)
            and (event.data or "").partition(":")[0] not in self.callback_prefixes
        ):
            return UNHANDLED
        return await super().propagate_event(update_type, event, **kwargs)


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
    """Tell the router (and each sub-router) which presses it can take."""
    if not isinstance(router, CapabilityRouter):
        raise TypeError(f"{router.name}: handler modules build a CapabilityRouter")
    prefixes = callback_prefixes(router)
    router.callback_prefixes = frozenset(prefixes) if prefixes is not None else None
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


class HandlerRouters(Router):
    """The handler modules' routers, in their order, under the dispatcher.

    aiogram offers an update to each router in turn, and each offer copies the handler
    data (every service by name). For a button press only the routers that handle its
    callback-data prefix, and those that take any press, can answer it: they alone are
    asked, in their order, however many capabilities the bot has.

    A typed command goes first to the routers that register it, then to the others:
    a command works in the middle of any form, even when an earlier router holds the
    form's catch-all for that state ("please use the buttons", "type a date"). Inside a
    router, its commands are registered before its form handlers. Everything else
    (other messages, errors) goes to each router in turn as usual.
    """

    def __init__(self, routers: Iterable[Router]) -> None:
        super().__init__(name="handlers")
        self.include_routers(*routers)
        for router in self.sub_routers:
            skip_foreign_callbacks(router)
        known = set().union(
            *(
                router.callback_prefixes
                for router in self.sub_routers
                if isinstance(router, CapabilityRouter) and router.callback_prefixes
            )
        )
        self._any_press = self._taking(None)
        self._by_prefix = {prefix: self._taking(prefix) for prefix in known}
        owners: dict[str, list[Router]] = {}
        for router in self.sub_routers:
            for name in command_names(router):
                owners.setdefault(name, []).append(router)
        self._by_command = {
            name: (*routers, *(r for r in self.sub_routers if r not in routers))
            for name, routers in owners.items()
        }

    def commands(self) -> frozenset[str]:
        """Every command some router registers."""
        return frozenset(self._by_command)

    def _taking(self, prefix: str | None) -> tuple[Router, ...]:
        return tuple(
            router
            for router in self.sub_routers
            if not isinstance(router, CapabilityRouter)
            or router.callback_prefixes is None
            or prefix in router.callback_prefixes
        )

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if isinstance(event, Message) and update_type == "message":
            command = typed_command(event)
            routers = self._by_command.get(command) if command else None
            if routers is None:
                return await super().propagate_event(update_type, event, **kwargs)
        elif isinstance(event, CallbackQuery):
            prefix = (event.data or "").partition(":")[0]
            routers = self._by_prefix.get(prefix, self._any_press)
        else:
            return await super().propagate_event(update_type, event, **kwargs)
        for router in routers:
            response = await router.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                return response
        return UNHANDLED
