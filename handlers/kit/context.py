"""A capability's screens as one typed parameter.

The screens of a capability pass the same handful of things (the person's language,
rights, the capability's services, the cities...) down several helpers. A capability
declares them once as a frozen dataclass whose field names are names of aiogram's
handler data; `with_context` makes the router build it once per update (an inner
middleware: only for the handler that takes the update) and hand it to handlers
under one name, with its real type, instead of aiogram's whole data as `**data`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject


class Provides(BaseMiddleware):
    """A router's inner middleware that gives its handlers one more name (`name`)."""

    name: str


class ContextMiddleware(Provides):
    def __init__(self, name: str, cls: type[Any]) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        self.name = name
        self._cls = cls
        # A field with a default is the object's own (a cache for the update), not data.
        self._fields = tuple(
            field.name
            for field in dataclasses.fields(cls)
            if field.default is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        )

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data[self.name] = self._cls(**{field: data[field] for field in self._fields})
        return await handler(event, data)


def with_context(router: Router, name: str, cls: type[Any]) -> Router:
    """Give the router's message and button handlers `name`, built from the data."""
    router.message.middleware(ContextMiddleware(name, cls))
    router.callback_query.middleware(ContextMiddleware(name, cls))
    return router
