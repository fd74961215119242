"""Dispatching a deep-link payload to the capability that registered its kind."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from aiogram.types import Message

from bot.core.deeplinks import DeepLinkRegistry, parse_payload
from bot.core.i18n import Translator
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
