"""A press answered before its handler's long work (a report, an export: handlers.kit
middlewares' `answer_now`) lets the webhook's HTTP answer go at once (bot/webhook.py):
nothing more can ride in it, and Telegram's connection (40 at a time) is not held while
the files are made. Each update's handling runs in a task of its own, which carries the
event of its own request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_released: ContextVar[asyncio.Event | None] = ContextVar("webhook_answer_released", default=None)


def release_webhook_answer() -> None:
    """The press is answered: the webhook's answer need not wait for the handler."""
    event = _released.get()
    if event is not None:
        event.set()


@contextmanager
def releasable() -> Iterator[asyncio.Event]:
    """Within it, tasks created get an event that `release_webhook_answer` sets."""
    event = asyncio.Event()
    token = _released.set(event)
    try:
        yield event
    finally:
        _released.reset(token)
