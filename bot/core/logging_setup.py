"""Logs to stderr, as text lines or one JSON object per line (LOG_FORMAT), with the
update id and the capability; never names, phones, answers or message texts.

Telegram ids go into log lines only as pseudonyms: `logger.info("... %s", UserRef(tg_id))`
prints `p:` and the first 12 hex digits of HMAC-SHA256(key, id). A plain hash of an id
could be reversed by hashing every possible id; the keyed one cannot without the key.

Where the key lives: logging is process-global (one root logger, its handlers set up once
at start), and log call sites are everywhere, so they do not carry a key around. The key
is kept here, set once by `setup_logging`, and read when a `UserRef` is formatted. Until
then (tests, a library logging at import) it is a random key of this process: the
pseudonyms match nothing elsewhere, and a raw id is never printed either way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from bot.core.config import Settings

current_update_id: ContextVar[int | None] = ContextVar("current_update_id", default=None)
# The capability handling the update (trips, events, ...): the package of its router.
current_capability: ContextVar[str | None] = ContextVar("current_capability", default=None)

LogFormat = Literal["text", "json"]
PSEUDONYM_PREFIX = "p:"
PSEUDONYM_HEX_DIGITS = 12
# Our own packages: LOG_LEVEL=DEBUG shows their debug lines. Libraries stay at INFO, since
# theirs carry personal data: aiosqlite logs each query with its parameters, aiogram's
# scenes log form data and its chat actions raw chat ids.
OWN_LOGGERS = ("bot", "handlers", "storage")
LIBRARY_FLOOR = logging.INFO

_id_key: bytes = secrets.token_bytes(32)


def log_id_key(settings: Settings) -> bytes:
    """LOG_ID_SECRET, or (empty) a key derived from BOT_TOKEN: stable across workers and
    restarts as long as the token stays the same."""
    if settings.log_id_secret is not None and settings.log_id_secret.get_secret_value():
        return settings.log_id_secret.get_secret_value().encode()
    token = settings.bot_token.get_secret_value().encode()
    return hmac.new(token, b"pobratim-log-ids", hashlib.sha256).digest()


def pseudonym(tg_id: int, key: bytes | None = None) -> str:
    """What stands for a Telegram id in the logs (with the configured key by default)."""
    digest = hmac.new(_id_key if key is None else key, str(tg_id).encode(), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:PSEUDONYM_HEX_DIGITS]


class UserRef:
    """A Telegram id as a log argument: formatted (`%s` or `%r`, in a log line or by
    Sentry) it is its pseudonym, so the raw id never reaches a handler."""

    __slots__ = ("tg_id",)

    def __init__(self, tg_id: int) -> None:
        self.tg_id = tg_id

    def __str__(self) -> str:
        return pseudonym(self.tg_id)

    __repr__ = __str__


class ContextFilter(logging.Filter):
    """Puts the update id and the capability of the running update on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = current_update_id.get()
        record.capability = current_capability.get()
        return True


class TextFormatter(logging.Formatter):
    """`2026-05-01 10:00:00,123 INFO bot.x [update 42 trips] message` (a dash when no
    update is being handled)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        update_id = getattr(record, "update_id", None)
        capability = getattr(record, "capability", None)
        where = "update " + ("-" if update_id is None else str(update_id))
        if capability:
            where += f" {capability}"
        when = self.formatTime(record, self.datefmt)
        return f"{when} {record.levelname} {record.name} [{where}] {record.message}"


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, then
    update_id and capability when there are, exc_info (the traceback as one string) for
    errors, and any `extra` fields of the call. Cyrillic is written as is."""

    def __init__(self) -> None:
        super().__init__(
            json_ensure_ascii=False,
            reserved_attrs=[*RESERVED_ATTRS, "update_id", "capability"],
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        log_data["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for name in ("update_id", "capability"):
            value = getattr(record, name, None)
            if value is not None:
                log_data[name] = value
        super().add_fields(log_data, record, message_dict)


def log_handler(format: LogFormat, stream: TextIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonLineFormatter() if format == "json" else TextFormatter())
    return handler


def setup_logging(
    level: str | int,
    *,
    format: LogFormat = "text",
    id_key: bytes,
    stream: TextIO | None = None,
) -> None:
    """The process's logging, once at start (`stream` is for tests; stderr otherwise)."""
    global _id_key
    _id_key = id_key
    number = logging.getLevelName(level) if isinstance(level, str) else level
    root = logging.getLogger()
    root.handlers[:] = [log_handler(format, sys.stderr if stream is None else stream)]
    root.setLevel(max(number, LIBRARY_FLOOR))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(number)
    # aiogram logs "Update id=... is handled" at INFO for every update; keep the noise down.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, number))
