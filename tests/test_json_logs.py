"""LOG_FORMAT=json: one object per line, and no personal data in any line of either format.

A registration, a broadcast (one copy of which Telegram refuses) and a handler error go
through the real bot with a planted person; every line the logging setup wrote is then
read back.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.core import logging_setup
from bot.core.config import Settings
from bot.core.logging_setup import (
    OWN_LOGGERS,
    UserRef,
    current_capability,
    current_update_id,
    log_handler,
    log_id_key,
    pseudonym,
    setup_logging,
)
from handlers.trips.callbacks import TripAction, TripCb
from storage.trips import Question
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings, onboard
from tests.fake_telegram import FakeTelegram
from tests.trip_seed import add_programme, add_trip

ROOT = Path(__file__).resolve().parent.parent
KEY = b"the-test-log-key"
PLANTED_ID = 7341902651
NAME = "Зоя Плантова"
USERNAME = "zoya_plantova"
PHONE = "+79990001122"
ORGANISATION = "Лицей имени Плантова"
ANSWER = "Завуч по воспитательной работе"
BROADCAST = "Сбор у фонтана Плантовых в 10:00"
# Nothing of these may be in a log line: the person's data, what they typed, their raw id.
PERSONAL = (
    NAME,
    "Плантов",
    USERNAME,
    PHONE,
    PHONE[1:],
    "9990001122",
    ORGANISATION,
    ANSWER,
    BROADCAST,
    "фонтана",
    str(PLANTED_ID),
)
REQUIRED = ("time", "level", "logger", "message")


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    # The planted person is an administrator: the command menu set for them at the end of
    # their acquaintance is where a log line names a person (as a pseudonym).
    return make_settings(
        telegram, db_path, admin_ids=frozenset({PLANTED_ID}), broadcast_progress_seconds=0.3
    )


class Captured:
    """What setup_logging wrote as JSON, and the same records as text lines."""

    def __init__(self) -> None:
        self.json = io.StringIO()
        self.text = io.StringIO()

    def json_lines(self) -> list[str]:
        return self.json.getvalue().splitlines()

    def text_lines(self) -> list[str]:
        return self.text.getvalue().splitlines()


@pytest.fixture
def logs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """The process's logging as `python -m bot` sets it up with LOG_FORMAT=json (at the
    level the test names), written to memory; the logging as it was afterwards."""
    level = getattr(request, "param", "INFO")
    root = logging.getLogger()
    names = (*OWN_LOGGERS, "aiogram.event")
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in names}
    monkeypatch.setattr(logging_setup, "_id_key", logging_setup._id_key)
    captured = Captured()
    setup_logging(level, format="json", id_key=KEY, stream=captured.json)
    root.addHandler(log_handler("text", captured.text))
    try:
        yield captured
    finally:
        handlers, root_level, levels = saved
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name, logger_level in levels.items():
            logging.getLogger(name).setLevel(logger_level)


async def _wait_broadcast_finished(app: RunningBot) -> None:
    assert app.db is not None
    async with asyncio.timeout(20):
        while True:
            async with app.db.read.execute(
                "SELECT 1 FROM outbox WHERE dedup_key LIKE 'broadcast-report:%' AND state = 'sent'"
            ) as cur:
                if await cur.fetchone():
                    return
            await asyncio.sleep(0.05)


async def registration_broadcast_and_error(
    app: RunningBot, person: TgUser, member: TgUser
) -> None:
    """The planted person gets acquainted, shares a phone, registers for a trip with an
    answer and sends a broadcast to their city (Telegram refuses the member's copy); then
    their /profile fails to be sent."""
    assert app.db is not None
    telegram = app.telegram
    telegram.fail_next("setMyCommands", error_code=400, description="Bad Request: chat not found")
    await onboard(person, name=NAME, organisation=ORGANISATION)
    await person.send("/profile")
    await person.press("Телефон")
    await person.send_contact(PHONE)

    trip = await add_trip(
        app.db,
        programme_id=await add_programme(app.db),
        questions=(Question("position", "short_text", "Ваша должность", True),),
    )
    await person.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await person.press("✍️ Записаться")
    await person.send(ANSWER)
    await person.press("✅ Подтвердить")
    assert "Вы записаны на поездку" in person.last_text

    await person.send("/broadcast")
    await person.press("✉️ Новая рассылка")
    await person.press("Городу")
    await person.press("Сочи")
    await person.send(BROADCAST)
    telegram.fail_next(
        "copyMessage",
        error_code=400,
        description=f"Bad Request: chat not found ({BROADCAST})",
        chat_id=member.id,
    )
    await person.press("📤 Отправить")
    await _wait_broadcast_finished(app)

    telegram.fail_next(
        "sendMessage", error_code=500, description="Internal Server Error", chat_id=person.id
    )
    await person.send("/profile")  # the profile, with the name and phone, is not sent
    assert "Что-то пошло не так" in person.last_text  # the polite reply, as ever


def planted_person(make_user: Callable[..., TgUser]) -> TgUser:
    return make_user(PLANTED_ID, first_name="Зоя", last_name="Плантова", username=USERNAME)


@pytest.mark.parametrize("logs", ["INFO", "DEBUG"], indirect=True)
async def test_a_registration_a_broadcast_and_an_error_leave_no_personal_data(
    logs: Captured, app: RunningBot, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    await registration_broadcast_and_error(app, planted_person(make_user), member)

    lines = logs.json_lines()
    assert len(lines) > 5
    records = [json.loads(line) for line in lines]  # every line parses
    for record in records:
        assert all(isinstance(record.get(field), str) for field in REQUIRED), record
        assert datetime.fromisoformat(record["time"]).utcoffset() is not None
        assert record["time"].endswith("Z")
    # No line holds the planted person's data, in either format, escaped or not.
    for line in [*lines, *logs.text_lines()]:
        for value in PERSONAL:
            assert value not in line, (value, line)
    assert "\\u04" not in logs.json.getvalue()  # Cyrillic would be written as is
    decoded = json.dumps(records, ensure_ascii=False)
    assert not [value for value in PERSONAL if value in decoded]

    # Where an id belongs, its pseudonym: the failed command menu of the administrator.
    menu = [r for r in records if r["logger"] == "bot.core.command_menu"]
    assert menu and pseudonym(PLANTED_ID, KEY) in menu[0]["message"]
    assert menu[0]["update_id"] > 0  # logged while their update was handled

    # The handler error: the update id, the update type and the traceback as one string.
    (error,) = [r for r in records if r["logger"] == "handlers.kit.errors"]
    assert error["level"] == "ERROR"
    assert error["update_type"] == "message" and isinstance(error["update_id"], int)
    assert "TelegramServerError" in error["message"]
    assert error["exc_info"].startswith("Traceback") and "TelegramServerError" in error["exc_info"]

    # The copy Telegram refused: given up at ERROR with its purpose, without its text
    # (which Telegram's description quoted here) or its chat.
    (refused,) = [r for r in records if r["logger"] == "bot.delivery.engine"]
    assert refused["level"] == "ERROR" and refused["purpose"] == "broadcast"
    assert "TelegramBadRequest" in refused["message"]
    assert str(member.id) not in json.dumps(refused)

    # Text lines carry the same records: the update id in brackets.
    assert any("[update " in line and "handlers.kit.errors" in line for line in logs.text_lines())


def test_json_line_shape_and_cyrillic_as_is() -> None:
    stream = io.StringIO()
    log = logging.getLogger("tests.json_shape")
    handler = log_handler("json", stream)
    log.addHandler(handler)
    log.propagate = False
    update, capability = current_update_id.set(42), current_capability.set("trips")
    try:
        log.warning("Поездка %s: мест нет", 7, extra={"purpose": "notice"})
        current_update_id.reset(update)
        current_capability.reset(capability)
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("Сбой")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(first)[:4] == ["time", "level", "logger", "message"]
    assert first["message"] == "Поездка 7: мест нет"
    assert first["update_id"] == 42 and first["capability"] == "trips"
    assert first["purpose"] == "notice"
    assert "Поездка 7" in stream.getvalue()  # not \u-escaped
    assert "update_id" not in second and "capability" not in second  # none: left out
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exc_info"]


def test_pseudonyms_are_keyed_and_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pseudonym(PLANTED_ID, KEY) == pseudonym(PLANTED_ID, KEY)
    assert pseudonym(PLANTED_ID, KEY) != pseudonym(PLANTED_ID, b"another key")
    assert pseudonym(PLANTED_ID, KEY) != pseudonym(PLANTED_ID + 1, KEY)
    assert pseudonym(PLANTED_ID, KEY).startswith("p:") and len(pseudonym(PLANTED_ID, KEY)) == 14
    assert str(PLANTED_ID) not in pseudonym(PLANTED_ID, KEY)
    # The key: LOG_ID_SECRET, or derived from the token (the same for every worker).
    derived = log_id_key(Settings(_env_file=None, bot_token=TOKEN))  # type: ignore[call-arg]
    assert derived == log_id_key(Settings(_env_file=None, bot_token=TOKEN))  # type: ignore[call-arg]
    assert derived != TOKEN.encode()
    secret = Settings(_env_file=None, bot_token=TOKEN, log_id_secret="s3cret")  # type: ignore[call-arg]
    assert log_id_key(secret) == b"s3cret"
    # Log arguments: UserRef prints the pseudonym with the key setup_logging was given.
    monkeypatch.setattr(logging_setup, "_id_key", derived)
    assert str(UserRef(PLANTED_ID)) == repr(UserRef(PLANTED_ID)) == pseudonym(PLANTED_ID, derived)
    assert f"{UserRef(PLANTED_ID)}" == pseudonym(PLANTED_ID, derived)


def test_debug_is_for_our_own_lines_only(logs: Captured) -> None:
    """LOG_LEVEL=DEBUG: libraries' debug lines (aiosqlite logs each query with its
    parameters, aiogram's scenes the form data) stay off."""
    setup_logging("DEBUG", format="json", id_key=KEY, stream=logs.json)
    assert logging.getLogger("bot.delivery.engine").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("storage.db").isEnabledFor(logging.DEBUG)
    for name in ("aiosqlite", "aiogram.scene", "aiogram.utils.chat_action", "asyncio"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert not logging.getLogger("aiogram.event").isEnabledFor(logging.INFO)


def _python_m_bot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with these settings only (cwd: no developer's .env is read)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    env.update(PYTHONPATH=str(ROOT), BOT_TOKEN=TOKEN, **settings)
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python_m_bot_logs_json_when_asked(tmp_path: Path) -> None:
    result = _python_m_bot(tmp_path, "migrate", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines and all(line["logger"] == "storage.migrate" for line in lines)
    assert lines[0]["message"].startswith("Applied migration 0001")
    (tmp_path / "text").mkdir()
    text = _python_m_bot(tmp_path / "text", "migrate")  # LOG_FORMAT=text by default
    assert " INFO storage.migrate [update -] Applied migration 0001" in text.stderr


def test_a_malformed_sentry_dsn_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    result = _python_m_bot(tmp_path, "run", SENTRY_DSN="errors.example.org")
    assert result.returncode == 2
    assert result.stderr.startswith("Ошибка настройки SENTRY_DSN")
    assert len(result.stderr.splitlines()) == 1
