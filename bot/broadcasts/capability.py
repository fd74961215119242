"""What the broadcasts capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.broadcasts.monitor import BroadcastMonitor
from bot.broadcasts.service import BroadcastService


@dataclass(frozen=True, slots=True)
class Broadcasts:
    service: BroadcastService
    monitor: BroadcastMonitor  # progress messages and the end report
