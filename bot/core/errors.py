"""Errors a person can be told about: a translation key and its arguments."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A rule said no; `key` names the text that explains why."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args
