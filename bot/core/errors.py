"""Errors a person can be told about: a translation key and its arguments."""

from __future__ import annotations

from typing import Any

# Re-exported for the error handler: the database could not finish a use case for a
# passing reason (a lost connection, a lost deadlock); nothing was written, try again.
from storage.db import DatabaseUnavailable

__all__ = ["DatabaseUnavailable", "UserError"]


class UserError(Exception):
    """A rule said no; `key` names the text that explains why."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args
