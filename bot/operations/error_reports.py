"""Error reports to Sentry or a compatible service (SENTRY_DSN; `pip install '.[sentry]'`).

What is reported: every log line at ERROR (LoggingIntegration's events): the error
handler's "Error while handling update" with its traceback, messages the delivery engine
gave up on, failures of the scheduled jobs. Lines at INFO and WARNING travel with them as
breadcrumbs. Each event is tagged with the capability and the update type (or the
delivery purpose) when there is one.

What never leaves the process: local variables of the frames (`include_local_variables`),
request bodies, the person (`user`) and the log calls' `extra` arguments; breadcrumbs keep
only the data named in BREADCRUMB_DATA, URLs without their query, and only log lines keep
their message (a library's breadcrumb of a request may quote it). The bot token is cut
out of every string of an event or breadcrumb (Bot API URLs carry it:
https://api.telegram.org/bot<TOKEN>/sendMessage), and so are numbers that look like a
phone or a Telegram id. Names and texts cannot be recognised in free text: they are kept
out by what is sent at all, since log lines carry none (bot/core/logging_setup.py).
Libraries' own integrations (aiohttp, Redis, asyncpg) are not switched on: they would
record requests and queries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.core.config import ConfigError, Settings
from bot.core.logging_setup import current_capability, current_update_id

if TYPE_CHECKING:
    from sentry_sdk.transport import Transport

logger = logging.getLogger(__name__)

TOKEN_SHAPE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
TOKEN_MARK = "[token]"
# 10 to 15 digits, maybe with a leading + and single spaces, brackets or dashes between
# them, standing alone: a phone or a Telegram id. Update ids, dates and times are shorter.
NUMBER_SHAPE = re.compile(r"(?<![\w.:])\+?\d(?:[\s()-]?\d){9,14}(?![\w.:])")
NUMBER_MARK = "[number]"
# Breadcrumb data worth keeping: how a request went, and our own log fields.
BREADCRUMB_DATA = frozenset(
    {
        "url",
        "method",
        "status_code",
        "reason",
        "http.method",
        "http.response.status_code",
        "update_id",
        "capability",
        "update_type",
        "purpose",
    }
)
# Whole parts of an event that may hold what a person typed or who they are.
DROPPED = ("request", "user", "extra")
# Fields of a log record that become tags of its event.
TAGGED = ("update_type", "purpose")


def _scrubber(token: str) -> Callable[[str], str]:
    def scrub(text: str) -> str:
        if token:
            text = text.replace(token, TOKEN_MARK)
        text = TOKEN_SHAPE.sub(TOKEN_MARK, text)
        return NUMBER_SHAPE.sub(NUMBER_MARK, text)

    return scrub


def _scrub_all(value: Any, scrub: Callable[[str], str]) -> Any:
    """Every string in the event's dicts and lists, keys included."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {
            scrub(k) if isinstance(k, str) else k: _scrub_all(v, scrub) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_all(item, scrub) for item in value]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _breadcrumb_scrubber(token: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    scrub = _scrubber(token)

    def before_breadcrumb(crumb: dict[str, Any], hint: Any = None) -> dict[str, Any]:
        data = crumb.get("data") or {}
        kept: dict[str, Any] = {}
        for key, value in data.items():
            if key not in BREADCRUMB_DATA:
                continue
            if key == "url" and isinstance(value, str):
                kept[key] = value.split("?", 1)[0].split("#", 1)[0]
            else:
                kept[key] = value
        crumb["data"] = kept
        if crumb.get("type") != "log":
            # A library's own words about a request or a query may quote what was sent;
            # our log lines carry no personal data.
            crumb.pop("message", None)
        scrubbed: dict[str, Any] = _scrub_all(crumb, scrub)
        return scrubbed

    return before_breadcrumb


def _event_scrubber(token: str) -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
    scrub = _scrubber(token)
    before_breadcrumb = _breadcrumb_scrubber(token)

    def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        for part in DROPPED:
            event.pop(part, None)
        tags = event.setdefault("tags", {})
        record = hint.get("log_record")
        capability = current_capability.get() or getattr(record, "capability", None)
        if capability:
            tags["capability"] = capability
        update_id = current_update_id.get()
        if update_id is None:
            update_id = getattr(record, "update_id", None)
        if update_id is not None:
            tags["update_id"] = str(update_id)
        for name in TAGGED:
            value = getattr(record, name, None)
            if value:
                tags[name] = str(value)
        entry = event.get("logentry")
        if isinstance(entry, dict) and entry.get("params"):
            # Numbers too (a raw id passed as an int would not be a string to scrub).
            params = entry["params"]
            if isinstance(params, dict):
                entry["params"] = {k: _text(v) for k, v in params.items()}
            else:
                entry["params"] = [_text(v) for v in params]
        crumbs = event.get("breadcrumbs")
        if isinstance(crumbs, dict) and isinstance(crumbs.get("values"), list):
            crumbs["values"] = [before_breadcrumb(dict(c), None) for c in crumbs["values"]]
        scrubbed: dict[str, Any] = _scrub_all(event, scrub)
        if update_id is not None:
            # An update id of ten digits looks like a phone to the scrubber; it is ours,
            # and the only link between a report and the log.
            scrubbed.setdefault("tags", {})["update_id"] = str(update_id)
        return scrubbed

    return before_send


def start_error_reports(settings: Settings, *, transport: Transport | None = None) -> bool:
    """Start reporting to SENTRY_DSN; False when it is empty or sentry-sdk is missing.
    `transport` is for tests (an envelope catcher instead of the network)."""
    if settings.sentry_dsn is None or not settings.sentry_dsn.get_secret_value().strip():
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.logging import LoggingIntegration
        from sentry_sdk.utils import BadDsn
    except ImportError:
        logger.warning(
            "SENTRY_DSN is set but sentry-sdk is not installed (pip install '.[sentry]'):"
            " no error reports"
        )
        return False
    token = settings.bot_token.get_secret_value()
    try:
        sentry_sdk.init(
            dsn=settings.sentry_dsn.get_secret_value().strip(),
            transport=transport,
            # send_default_pii stays at its default, off (sentry-sdk 2.76 deprecates setting
            # it, even to False, for `data_collection`, which older 2.x versions refuse).
            include_local_variables=False,
            max_request_body_size="never",
            auto_enabling_integrations=False,
            integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
            before_send=_event_scrubber(token),  # type: ignore[arg-type]  # Event: a TypedDict
            before_breadcrumb=_breadcrumb_scrubber(token),
        )
    except BadDsn as exc:
        raise ConfigError(
            "Ошибка настройки SENTRY_DSN: адрес не распознан, нужен вида"
            " https://ключ@сервер/номер-проекта"
        ) from exc
    logger.info("Error reports are sent to Sentry")
    return True
