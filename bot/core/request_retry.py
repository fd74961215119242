"""A call made while handling an update that Telegram answers with 429 (Too Many Requests)
waits `retry_after` and is tried once more, when the wait is short.

Under a rush (hundreds of people pressing at once) Telegram refuses some replies with
429 and says how long to wait. Without this the refusal reached the error handler, which
sent yet another message, and the person never got their reply. Two parts, both on
aiogram's public hooks:

- `HandlerCalls`, an outer update middleware of the dispatcher, marks the calls made
  while an update is handled (a context variable: each update runs in a task of its own,
  and what its handler awaits sees the mark; the error handlers, outside it, do not);
- `RetryAfter`, a request middleware of the bot's session (`bot.session.middleware`),
  tries a marked call once more after `retry_after` seconds, when that is at most
  `cap` seconds and, for a button press, the answer to the press can still come in time:
  Telegram shows the button spinning and takes the answer only for a short while after
  the press (about 15 s in practice), and the press is answered after its handler.

The delivery engine paces its own sending and honours 429 itself (pausing everything):
its calls are not marked. It sends from tasks of its own, created when it starts (at the
bot's start-up, outside any update), so they never inherit an update's mark.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

logger = logging.getLogger(__name__)

# The longest wait for a retry: longer, and the call fails as before (the person is
# better served by the apology than by a reply half a minute late).
RETRY_CAP = 5.0
# A press is answered after its handler; a retry waits only while that answer can still
# come within this many seconds of the press reaching the bot (Telegram's own limit is
# about 15 s, and the answer needs a request of its own).
PRESS_DEADLINE = 10.0

OnRetry = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class _Handling:
    started: float  # time.monotonic() when the update reached the middleware
    press: bool  # a button press (callback query), whose answer must come in time


_handling: ContextVar[_Handling | None] = ContextVar("handling_update", default=None)
# When the update arrived, before it waited for the person's lock (handlers/kit's
# PersonLocks notes it): a press queued behind the person's previous update has used
# part of its time already.
update_arrived: ContextVar[float | None] = ContextVar("update_arrived", default=None)


def in_handler() -> bool:
    """Whether the code running now is handling an update (its calls may be retried)."""
    return _handling.get() is not None


class HandlerCalls(BaseMiddleware):
    """Marks the Bot API calls made while an update is handled (dp.update.outer_middleware)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        press = event.callback_query is not None
        arrived = update_arrived.get()
        started = self._clock() if arrived is None else arrived
        token = _handling.set(_Handling(started=started, press=press))
        try:
            return await handler(event, data)
        finally:
            _handling.reset(token)


class RetryAfter(BaseRequestMiddleware):
    """Once more after `retry_after`, for calls made while an update is handled.

    `on_retry(method, seconds)` is told of every retry (the method's Bot API name and
    the seconds waited), for the metrics."""

    def __init__(
        self,
        *,
        cap: float = RETRY_CAP,
        press_deadline: float = PRESS_DEADLINE,
        on_retry: OnRetry | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cap = cap
        self.press_deadline = press_deadline
        self.on_retry = on_retry
        self._clock = clock

    def _may_wait(self, handling: _Handling, seconds: float) -> bool:
        if seconds > self.cap:
            return False
        if not handling.press:
            return True
        return self._clock() - handling.started + seconds <= self.press_deadline

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        handling = _handling.get()
        if handling is None:  # the delivery engine, the polling loop, start-up
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:
            seconds = float(exc.retry_after)
            if not self._may_wait(handling, seconds):
                logger.warning(
                    "Telegram asks to wait %s s before %s: too long to wait in a handler",
                    exc.retry_after,
                    method.__api_method__,
                )
                raise
        logger.info(
            "Telegram asks to wait %s s before %s; retrying", seconds, method.__api_method__
        )
        await asyncio.sleep(seconds)
        if self.on_retry is not None:
            try:
                self.on_retry(method.__api_method__, seconds)
            except Exception:  # the count must never cost the person their reply
                logger.exception("The retry could not be counted")
        return await make_request(bot, method)
