"""The one place that knows how Telegram refuses an edit.

An edit to what a message already shows is done, not failed: Telegram answers it with
400 "message is not modified" (a double tap, two presses carrying the same old message,
a progress message whose figures did not change). An edit of a message that is gone
(deleted by the person) or can no longer be edited is a different refusal, which some
callers may ignore and others must handle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aiogram.exceptions import TelegramBadRequest

_NOT_MODIFIED = "message is not modified"
_GONE = ("message to edit not found", "message can't be edited")


def is_not_modified(error: TelegramBadRequest) -> bool:
    return _NOT_MODIFIED in error.message


def is_gone(error: TelegramBadRequest) -> bool:
    return any(reason in error.message for reason in _GONE)


@contextlib.contextmanager
def suppress_not_modified(*, or_gone: bool = False) -> Iterator[None]:
    """Treat "message is not modified" as success (and, with `or_gone`, a message that can
    no longer be edited as nothing to do); every other refusal is raised."""
    try:
        yield
    except TelegramBadRequest as error:
        if not (is_not_modified(error) or (or_gone and is_gone(error))):
            raise
