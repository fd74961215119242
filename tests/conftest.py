"""Fixtures: a fake Bot API server, the real bot polling it, and people who talk to it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_bot, create_dispatcher
from bot.core.config import Settings
from bot.runner import open_database
from storage.db import Database
from tests.fake_telegram import ApiCall, FakeTelegram, SentMessage, UpdateFactory

TOKEN = "123456789:AAH-test-token-for-the-fake-server-0"
ADMIN_ID = 1000
PROCESS_TIMEOUT = 10.0
# One switch runs every test on PostgreSQL: TEST_DATABASE_URL=postgresql://... (see
# tests/stores.py). Each test then has a schema of its own, named after this run's process
# so that runs side by side never see each other's rows; they are dropped at the end.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SCHEMA_PREFIX = f"t{os.getpid()}_"


def store_url_for(db_path: Path) -> str | None:
    """The test's own PostgreSQL schema (None when the tests run on SQLite files)."""
    if not TEST_DATABASE_URL:
        return None
    schema = SCHEMA_PREFIX + hashlib.sha1(str(db_path).encode()).hexdigest()[:12]
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}search_path={schema}"


def make_settings(telegram: FakeTelegram, db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": telegram.base_url,
        "database_path": db_path,
        "database_url": store_url_for(db_path),
        "admin_ids": frozenset({ADMIN_ID}),
        "flood_limit": 100,  # tests type faster than people; flood control has its own test
        # Counted as in a real bot (no server is started in-process: tests/test_health.py
        # starts one), whatever METRICS_PORT the processes the tests start get.
        "metrics_port": 9464,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class _TranslationErrors(logging.Handler):
    """Collects what the translator logs as errors: a missing text or a wrong argument."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_translation_errors() -> Iterator[None]:
    """Every test fails if a text was formatted with a missing or unknown argument, or a
    text is missing: the person would see a "{$name}" placeholder or a message id."""
    collector = _TranslationErrors()
    translator_log = logging.getLogger("bot.core.i18n")
    translator_log.addHandler(collector)
    try:
        yield
    finally:
        translator_log.removeHandler(collector)
    assert not collector.messages, f"translation errors: {collector.messages}"


# Every reply the bot makes in any test is checked for a way on: the dead ends found, as
# "what the person did → what the bot left them on", for the test to fail with.
_DEAD_ENDS: list[str] = []
# copyMessage is left out: the delivery engine copies broadcasts with it, to their author
# too, while the author may be pressing buttons; a copy the bot shows on request is
# followed by a message of its own.
_SENT = {"sendMessage", "sendDocument", "sendPhoto"}
_EDITED = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}


def pytest_sessionfinish(session: pytest.Session) -> None:
    if TEST_DATABASE_URL:
        from tests.stores import drop_test_schemas

        asyncio.run(drop_test_schemas(TEST_DATABASE_URL, SCHEMA_PREFIX))


def pytest_report_header(config: pytest.Config) -> str:
    if TEST_DATABASE_URL:
        return f"store: PostgreSQL ({TEST_DATABASE_URL.split('@')[-1]}), a schema per test"
    return "store: SQLite files"


def pytest_configure(config: pytest.Config) -> None:
    # The bots the tests start as processes serve no health port unless a test gives
    # them one (a free one): 9464, the default, may be taken on the machine, and two
    # bots of one test would collide on it.
    os.environ.setdefault("METRICS_PORT", "0")
    config.addinivalue_line(
        "markers",
        "dead_end_allowed(reason): the test leaves a person on a message with no button"
        " on purpose (say why)",
    )


def last_touched(telegram: FakeTelegram, chat_id: int, calls: list[ApiCall]) -> SentMessage | None:
    """Of the messages the bot sent or edited in the chat among `calls`, the one lowest in
    the chat (the newest), as it looks now: what the person is left looking at. (A reply
    sent and then an older message edited still leaves the person at the reply.)"""
    touched = set()
    for call in calls:
        if not call.ok or str(call.params.get("chat_id")) != str(chat_id):
            continue
        if call.method in _SENT:
            touched.add(int(call.result["message_id"]))
        elif call.method in _EDITED:
            touched.add(int(call.params["message_id"]))
    return telegram.message(chat_id, max(touched)) if touched else None


def has_way_on(message: SentMessage) -> bool:
    markup = message.reply_markup or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return any(row for row in rows)


def _check_way_on(
    telegram: FakeTelegram, updates: tuple[dict[str, Any], ...], calls: list[ApiCall]
) -> None:
    """After a person's own message or press, the last message the bot left in their chat
    (sent or edited while it was handled) offers a way on: a button. A press answered
    with a pop-up only leaves the person where they were, which is checked when it was
    sent."""
    for update in updates:
        body = update.get("message") or update.get("callback_query") or {}
        sender = (body.get("from") or {}).get("id")
        if sender is None:
            continue
        message = last_touched(telegram, sender, calls)
        if message is not None and not has_way_on(message):
            did = (
                body.get("text")
                or body.get("data")
                or "a "
                + next(
                    (k for k in ("sticker", "photo", "document", "contact") if k in body),
                    "message",
                )
            )
            _DEAD_ENDS.append(f"{did!r} → {message.plain_text()[:120]!r}")


@pytest.fixture(autouse=True)
def no_dead_ends(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test fails if a reply to a person's own action leaves them on a message with
    no button (they would have to know to type /start)."""
    _DEAD_ENDS.clear()
    yield
    found = list(_DEAD_ENDS)
    _DEAD_ENDS.clear()
    if request.node.get_closest_marker("dead_end_allowed") is None:
        assert not found, "dead ends:\n" + "\n".join(found)


class RunningBot:
    """The real dispatcher polling the fake server, as `python -m bot` runs it."""

    def __init__(self, telegram: FakeTelegram, settings: Settings) -> None:
        self.telegram = telegram
        self.settings = settings
        self.db: Database | None = None
        self._task: asyncio.Task[None] | None = None
        self._done: dict[int, asyncio.Event] = {}
        self._done_at: dict[int, int] = {}  # update id -> calls made when it was handled

    async def start(self) -> None:
        self.db = await open_database(self.settings)
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.db, self.bot)
        self.dp["tracker"].add_listener(self._finished)
        polls = self.telegram.get_updates_calls
        self._task = asyncio.create_task(
            self.dp.start_polling(
                self.bot,
                handle_signals=False,
                polling_timeout=1,
                allowed_updates=self.dp.resolve_used_update_types(),
            )
        )
        async with asyncio.timeout(PROCESS_TIMEOUT):
            while self.telegram.get_updates_calls == polls:
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is None:
            return
        if not self._task.done():
            await self.dp.stop_polling()
        await self._task
        self._task = None
        assert self.db is not None
        await self.db.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def _finished(self, update_id: int) -> None:
        self._done_at[update_id] = len(self.telegram.calls)
        self._done.setdefault(update_id, asyncio.Event()).set()

    async def process(self, *updates: dict[str, Any], deliveries: bool = True) -> list[ApiCall]:
        """Deliver updates through getUpdates and wait until the bot has handled them all,
        and (unless `deliveries` is False, as for a long broadcast) until the messages
        they queued are delivered.

        Returns the Bot API calls the bot made meanwhile.
        """
        mark = len(self.telegram.calls)
        ids = [self.telegram.add_update(update) for update in updates]
        async with asyncio.timeout(PROCESS_TIMEOUT):
            for update_id in ids:
                await self._done.setdefault(update_id, asyncio.Event()).wait()
        # Notices the updates queued are delivered by the engine: wait for them too.
        if deliveries:
            await self.dp["delivery"].engine.wait_idle(PROCESS_TIMEOUT)
        # What the handlers said: the calls until each update was handled (the delivery
        # engine's sends after that are notices, broadcasts and reminders).
        for update, update_id in zip(updates, ids, strict=True):
            handled = self.telegram.calls[mark : self._done_at.get(update_id, mark)]
            _check_way_on(self.telegram, (update,), handled)
        return self.telegram.calls[mark:]


class TgUser:
    """A person in a private chat with the bot: types text and presses buttons by label."""

    def __init__(self, app: RunningBot, user_id: int, **profile: Any) -> None:
        self.app = app
        self.id = user_id
        self.updates = UpdateFactory(user_id, **profile)

    @property
    def telegram(self) -> FakeTelegram:
        return self.app.telegram

    async def send(self, text: str) -> list[ApiCall]:
        return await self.app.process(self.updates.message(text))

    async def send_contact(self, phone: str) -> list[ApiCall]:
        return await self.app.process(self.updates.contact(phone))

    def find_button(self, label: str) -> tuple[SentMessage, dict[str, Any]]:
        for message in reversed(self.telegram.messages(self.id)):
            for button in message.buttons():
                if button.get("text") == label and "callback_data" in button:
                    return message, button
        raise AssertionError(f"no button {label!r} in chat {self.id}: {self.labels()}")

    async def press(self, label: str, *, deliveries: bool = True) -> list[ApiCall]:
        message, button = self.find_button(label)
        update = self.updates.callback(message, button["callback_data"])
        return await self.app.process(update, deliveries=deliveries)

    async def press_data(self, data: str) -> list[ApiCall]:
        """Send callback data of our own making (a forged or stale button)."""
        message = self.telegram.last_message(self.id)
        return await self.app.process(self.updates.callback(message, data))

    def labels(self) -> list[str]:
        messages = self.telegram.messages(self.id)
        return [b["text"] for b in messages[-1].buttons()] if messages else []

    @property
    def last_text(self) -> str:
        return self.telegram.last_message(self.id).plain_text()

    def texts(self) -> list[str]:
        return [m.plain_text() for m in self.telegram.messages(self.id)]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "pobratim.sqlite3"


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    return make_settings(telegram, db_path)


@pytest.fixture
async def app(telegram: FakeTelegram, settings: Settings) -> AsyncIterator[RunningBot]:
    running = RunningBot(telegram, settings)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def make_user(app: RunningBot) -> Callable[..., TgUser]:
    def make(user_id: int, **profile: Any) -> TgUser:
        return TgUser(app, user_id, **profile)

    return make


async def onboard(
    user: TgUser,
    *,
    language: str = "Русский",
    name: str = "Анна Смирнова",
    city: str = "Сочи",
    role: str = "Педагог",
    organisation: str = "Гимназия № 1",
    start: str = "/start",
) -> list[ApiCall]:
    """The whole onboarding form in Russian (or with Belarusian labels if language says so)."""
    belarusian = language == "Беларуская"
    await user.send(start)
    await user.press(language)
    await user.press("Згодны" if belarusian else "Согласен")
    await user.send(name)
    await user.press(city)
    await user.press(role)
    return await user.send(organisation)


@pytest.fixture
async def member(make_user: Callable[..., TgUser]) -> TgUser:
    user = make_user(2001, first_name="Мария", last_name="Иванова")
    await onboard(user, name="Мария Иванова")
    return user


@pytest.fixture
async def admin(make_user: Callable[..., TgUser]) -> TgUser:
    user = make_user(ADMIN_ID, first_name="Админ")
    await onboard(user, name="Ольга Админова", city="Минск", role="Представитель администрации")
    return user
