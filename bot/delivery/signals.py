"""Wake-ups for the sender's parts, wherever they run.

One process runs the delivery engine, the reminders and the broadcast monitor (the
sender). A use case that queued a notice, moved an event or started a broadcast says so
here, and the sender looks at once instead of at its next poll:

- one process (SQLite, or PostgreSQL with one worker): the part is called directly;
- several workers: the signal goes through PostgreSQL (NOTIFY, `relay`) to the worker
  that leads, which calls its own part (`received`); a worker that does not lead has no
  running sender to call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

logger = logging.getLogger(__name__)


class Topic(StrEnum):
    DELIVERY = "delivery"  # notices were queued: the engine looks at the outbox
    REMINDERS = "reminders"  # times changed: the reminders look again
    BROADCASTS = "broadcasts"  # a broadcast started, stopped or was scheduled


class Signals:
    def __init__(self) -> None:
        self._parts: dict[Topic, Callable[[], None]] = {}
        self._relay: Callable[[Topic], None] | None = None

    def bind(self, topic: Topic, part: Callable[[], None]) -> None:
        """The part of this process that wakes on `topic`."""
        self._parts[topic] = part

    def relay_through(self, relay: Callable[[Topic], None] | None) -> None:
        """Several workers: signals go to the leading worker through `relay`."""
        self._relay = relay

    def send(self, topic: Topic) -> None:
        if self._relay is not None:
            self._relay(topic)
        else:
            self.received(topic)

    def received(self, topic: str) -> None:
        """A signal for this process (its own, or relayed to the leader)."""
        try:
            part = self._parts.get(Topic(topic))
        except ValueError:
            logger.warning("Unknown wake-up signal %r ignored", topic[:40])
            return
        if part is not None:
            part()

    # As callables for the services that take a `wake`.

    def delivery(self) -> None:
        self.send(Topic.DELIVERY)

    def reminders(self) -> None:
        self.send(Topic.REMINDERS)

    def broadcasts(self) -> None:
        self.send(Topic.BROADCASTS)
