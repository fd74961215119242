"""What the delivery engine offers the handlers and the start-up: one object, built in
bot/app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.delivery.engine import DeliveryEngine
from bot.delivery.notifier import Notifier
from bot.delivery.reminders import Reminders
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo


@dataclass(frozen=True, slots=True)
class Delivery:
    engine: DeliveryEngine  # sends the outbox at Telegram's pace
    outbox: OutboxRepo
    notifier: Notifier
    reminders: Reminders  # queues reminders when they are due
    reminder_repo: ReminderRepo  # people's reminder opt-outs
    # Times changed (an import): the reminders look again, in the leading worker when
    # there are several.
    poke_reminders: Callable[[], None]
