"""Deep-link payloads: `/start <kind>_<argument>` dispatched to a registry.

The registry maps a payload kind ("invite", later "trip", "event", "school") to a
handler; a payload is parsed once, kept across onboarding as a plain string, and
dispatched when the person is ready.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# Telegram allows A-Z a-z 0-9 _ - and at most 64 characters in a start parameter.
_PAYLOAD = re.compile(r"^([a-z]+)_([A-Za-z0-9_-]{1,58})$")

PayloadHandler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str
    argument: str

    def __str__(self) -> str:
        return f"{self.kind}_{self.argument}"


def parse_payload(raw: str | None) -> Payload | None:
    if not raw or len(raw) > 64:
        return None
    match = _PAYLOAD.match(raw)
    return Payload(match[1], match[2]) if match else None


class DeepLinkRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, PayloadHandler] = {}

    def register(self, kind: str, handler: PayloadHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"deep link kind {kind!r} registered twice")
        self._handlers[kind] = handler

    def handler_for(self, payload: Payload) -> PayloadHandler | None:
        return self._handlers.get(payload.kind)

    def kinds(self) -> list[str]:
        return sorted(self._handlers)
