"""Logs to stderr with level, logger and update id; never message texts or phones."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

current_update_id: ContextVar[int | None] = ContextVar("current_update_id", default=None)
# The capability handling the update (trips, events, ...): the package of its router.
current_capability: ContextVar[str | None] = ContextVar("current_capability", default=None)


class UpdateIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        update_id = current_update_id.get()
        record.update_id = "-" if update_id is None else str(update_id)
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(UpdateIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [update %(update_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs "Update id=... is handled" at INFO for every update; keep the noise down.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))
