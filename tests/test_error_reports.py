"""SENTRY_DSN: a handler error and a message given up on reach the error reports, tagged,
with the token, names and phones scrubbed; checked on what a fake transport received."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from pydantic import SecretStr
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from bot.core.config import ConfigError, Settings
from bot.core.logging_setup import current_capability
from bot.operations.error_reports import start_error_reports
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings, onboard
from tests.fake_telegram import FakeTelegram

DSN = "https://public@errors.example.org/1"
PLANTED_ID = 7341902651
NAME = "Зоя Плантова"
PHONE = "+79990001122"
BROADCAST = "Сбор у фонтана Плантовых в 10:00"
SECRETS = (TOKEN, TOKEN.split(":")[1], NAME, "Плантов", PHONE, "9990001122", str(PLANTED_ID))


class Caught(Transport):
    """A transport that keeps the envelopes instead of sending them."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == "event" and item.payload.json is not None
        ]

    def everything(self) -> str:
        """All that would have left the process: the envelopes as sent, and their
        payloads decoded (so that an escaped "\\u0417" cannot hide a name)."""
        sent = b"".join(envelope.serialize() for envelope in self.envelopes).decode()
        payloads = [
            json.dumps(item.payload.json, ensure_ascii=False, default=str)
            for envelope in self.envelopes
            for item in envelope.items
        ]
        return "\n".join([sent, *payloads])


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    return make_settings(telegram, db_path, sentry_dsn=DSN, broadcast_progress_seconds=0.3)


@pytest.fixture
def reports(settings: Settings) -> Iterator[Caught]:
    transport = Caught()
    assert start_error_reports(settings, transport=transport)
    try:
        yield transport
    finally:  # no client left for the other tests
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


async def _error_after_a_planted_breadcrumb(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> TgUser:
    """A request breadcrumb with the token, a name and a phone; then the person's profile
    (their name and phone) fails to be sent: an error in the handler."""
    sentry_sdk.add_breadcrumb(
        category="httplib",
        type="http",
        message=f"POST to {NAME} {PHONE}",
        data={
            "url": f"{app.settings.telegram_api_url}/bot{TOKEN}/sendMessage?text={NAME}",
            "method": "POST",
            "status_code": 200,
            "body": {"chat_id": PLANTED_ID, "text": f"{NAME}, {PHONE}"},
        },
    )
    await app.restart()  # the bot's tasks start from here: with this scope and capability
    person = make_user(PLANTED_ID, first_name="Зоя", last_name="Плантова")
    await onboard(person, name=NAME)
    await person.send("/profile")
    await person.press("Телефон")
    await person.send_contact(PHONE)
    app.telegram.fail_next(
        "sendMessage", error_code=500, description="Internal Server Error", chat_id=person.id
    )
    await person.send("/profile")
    return person


async def test_a_handler_error_is_reported_tagged_and_scrubbed(
    reports: Caught,
    app: RunningBot,
    make_user: Callable[..., TgUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # as setup_logging has it: INFO lines become breadcrumbs
    assert not sentry_sdk.get_client().should_send_default_pii()
    # Nothing set from outside: the capability comes from the metrics middleware.
    capability = current_capability.set(None)
    try:
        with sentry_sdk.isolation_scope():
            person = await _error_after_a_planted_breadcrumb(app, make_user)
    finally:
        current_capability.reset(capability)
    assert "Что-то пошло не так" in person.last_text  # the person's polite reply, as ever

    (event,) = reports.events()  # one report: the error, nothing before it
    assert event["level"] == "error"
    assert event["tags"]["capability"] == "people"
    assert event["tags"]["update_type"] == "message"
    assert int(event["tags"]["update_id"]) > 0
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "TelegramServerError"
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
    assert event["logentry"]["message"].startswith("Error while handling update")
    for part in ("request", "user", "extra"):
        assert part not in event
    # The planted breadcrumb went with it, without its token, query, body or message.
    crumbs = event["breadcrumbs"]["values"]
    (planted,) = [c for c in crumbs if c.get("category") == "httplib"]
    assert "message" not in planted
    assert planted["data"] == {
        "url": f"{app.settings.telegram_api_url}/bot[token]/sendMessage",
        "method": "POST",
        "status_code": 200,
    }
    assert any(c.get("category") == "aiogram.dispatcher" for c in crumbs)  # log lines too

    everything = reports.everything()
    for secret in SECRETS:
        assert secret not in everything, secret


async def test_a_message_given_up_on_is_reported_with_its_purpose(
    reports: Caught, app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Городу")
    await admin.press("Сочи")
    await admin.send(BROADCAST)
    app.telegram.fail_next(
        "copyMessage",
        error_code=400,
        description=f"Bad Request: message is too long: {BROADCAST}",
        chat_id=member.id,
    )
    await admin.press("📤 Отправить")
    await app.dp["delivery"].engine.wait_idle(10)

    (event,) = reports.events()
    assert event["tags"]["purpose"] == "broadcast"
    assert event["logentry"]["formatted"].startswith("A broadcast (outbox row ")
    everything = reports.everything()
    for secret in (*SECRETS, BROADCAST, "фонтана", str(member.id)):
        assert secret not in everything, secret


def test_the_scrubbers_on_an_event_made_by_hand(settings: Settings) -> None:
    transport = Caught()
    assert start_error_reports(settings, transport=transport)
    try:
        sentry_sdk.add_breadcrumb(category="query", message=f"user {NAME}", data={"tg": 1})
        logging.getLogger("bot.x").warning("Looked up %s", PHONE, extra={"purpose": "notice"})
        try:
            raise ValueError(f"cannot parse {PHONE} of {PLANTED_ID} at bot{TOKEN}/getMe")
        except ValueError:
            logging.getLogger("bot.x").exception("Parsing failed for %s", PLANTED_ID)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
    (event,) = transport.events()
    assert event["exception"]["values"][0]["value"] == (
        "cannot parse [number] of [number] at bot[token]/getMe"
    )
    assert event["logentry"]["formatted"] == "Parsing failed for [number]"
    assert event["logentry"]["params"] == ["[number]"]
    crumbs = event["breadcrumbs"]["values"]
    query = next(c for c in crumbs if c.get("category") == "query")
    assert "message" not in query and query["data"] == {}
    line = next(c for c in crumbs if c.get("category") == "bot.x")
    assert line["message"] == "Looked up [number]" and line["data"]["purpose"] == "notice"
    everything = transport.everything()
    for secret in SECRETS:
        assert secret not in everything, secret


def test_off_without_a_dsn_or_without_the_library(
    telegram: FakeTelegram,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert not start_error_reports(make_settings(telegram, db_path))
    assert not sentry_sdk.get_client().is_active()
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # not installed
    with caplog.at_level(logging.WARNING):
        assert not start_error_reports(make_settings(telegram, db_path, sentry_dsn=DSN))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.operations.error_reports"]
    assert "sentry-sdk is not installed" in line
    assert DSN not in caplog.text
    settings = make_settings(telegram, db_path, sentry_dsn=SecretStr(""))
    assert not start_error_reports(settings)


def test_a_malformed_dsn_is_a_settings_error(telegram: FakeTelegram, db_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        start_error_reports(make_settings(telegram, db_path, sentry_dsn="errors.example.org"))
    assert str(refused.value).startswith("Ошибка настройки SENTRY_DSN")
    assert not sentry_sdk.get_client().is_active()
