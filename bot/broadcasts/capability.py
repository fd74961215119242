"""What the broadcasts capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.broadcasts.monitor import BroadcastMonitor
from bot.broadcasts.service import BroadcastService


@dataclass(frozen=True, slots=True)
class Broadcasts:
    service: BroadcastService
    monitor: BroadcastMonitor  # progress messages and the end report
    # Wakes the monitor (in the leading worker when there are several): a broadcast
    # started, stopped or was scheduled.
    wake_monitor: Callable[[], None]
