"""The HTTP session to the Bot API, with the response models kept alive."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class BotSession(AiohttpSession):
    """aiogram parses every answer with `Response[method.__returning__]`. pydantic keeps
    such parametrised models only in a weak cache, so after a garbage collection the
    next call builds the model class again (several milliseconds of schema building,
    with the event loop blocked). The session holds each one it has used."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._response_models: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_models:
            self._response_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
