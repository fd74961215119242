"""Dispatching a deep-link payload to the capability that registered its kind."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram import Router
from aiogram.types import Message, TelegramObject

from bot.core.deeplinks import DeepLinkRegistry, parse_payload
from bot.core.i18n import Translator
from handlers.kit.context import Provides
from handlers.kit.keyboards import way_on_keyboard

logger = logging.getLogger(__name__)


async def dispatch_payload(raw: str | None, message: Message, data: dict[str, Any]) -> bool:
    """Run the handler for a payload; False (and a note to the person) if nobody knows it."""
    t: Translator = data["t"]
    registry: DeepLinkRegistry = data["deep_links"]
    payload = parse_payload(raw)
    handler = registry.handler_for(payload) if payload else None
    if payload is None or handler is None:
        logger.info("Unknown deep link payload kind")
        await message.answer(t("deeplink-unknown"), reply_markup=way_on_keyboard(t))
        return False
    await handler(message, payload.argument, **_wanted(handler, data))
    return True


def _wanted(handler: Callable[..., Any], data: dict[str, Any]) -> dict[str, Any]:
    """The names the handler declares, as aiogram passes them to handlers, so a deep
    link's handler takes its dependencies by name with their types."""
    parameters = inspect.signature(handler).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return data
    return {name: value for name, value in data.items() if name in parameters}


# Names that belong to the handler following the link (/start's command, onboarding's form
# and the state as the update found it), not to the link's handler.
_OUTER_HANDLERS = frozenset({"command", "form_context", "raw_state", "deep_link", "handler"})


class DeepLinks:
    """A deep link followed from the update being handled (`deep_link`, for /start and
    the end of onboarding): the link's handler gets the names it declares from this
    update's handler data, as aiogram gives them to handlers."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    async def follow(
        self, raw: str | None, message: Message, changed: Mapping[str, object] | None = None
    ) -> bool:
        """Run the payload's handler; `changed`: names whose values the caller has changed
        since the update came in (the person who has just finished onboarding, their
        language). False (and a note to the person) if no capability knows the payload."""
        data = {name: value for name, value in self._data.items() if name not in _OUTER_HANDLERS}
        return await dispatch_payload(raw, message, {**data, **(changed or {})})


class DeepLinkMiddleware(Provides):
    """Gives the handler that takes the update `deep_link` (handlers.kit.deeplinks)."""

    name = "deep_link"

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data[self.name] = DeepLinks(data)
        return await handler(event, data)


def with_deep_links(router: Router) -> Router:
    """The router's message handlers can follow a deep link (`deep_link`)."""
    router.message.middleware(DeepLinkMiddleware())
    return router
