"""What the events capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.events.service import EventService
from storage.events import EventRepo


@dataclass(frozen=True, slots=True)
class Events:
    repo: EventRepo  # the calendar and subscriptions, as the screens read them
    service: EventService  # saving, cancelling, subscribing
