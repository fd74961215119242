"""Errors a person can be told about: a translation key and its arguments."""

from __future__ import annotations

from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from storage.db import DatabaseUnavailable

# For the error handler: a use case could not finish for a passing reason (the database
# lost its connection or a deadlock, Redis did not answer); nothing was written, and the
# person is asked to try again.
PASSING_ERRORS = (DatabaseUnavailable, RedisConnectionError, RedisTimeoutError)

__all__ = ["PASSING_ERRORS", "DatabaseUnavailable", "UserError"]


class UserError(Exception):
    """A rule said no; `key` names the text that explains why."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args
