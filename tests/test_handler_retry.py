"""Replies sent while handling an update are tried once more after a 429 (Too Many
Requests) when the wait is short; the delivery engine's sends are left to its own pacing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update

from bot.core.request_retry import PRESS_DEADLINE, RETRY_CAP, HandlerCalls, RetryAfter, in_handler
from storage.db import utc_now
from storage.people import NewProfile, PersonRepo
from tests.conftest import ADMIN_ID, TOKEN, RunningBot, TgUser
from tests.fake_telegram import MESSAGE_METHODS, ApiCall, RateLimit, Together
from tests.trip_seed import SOCHI

APOLOGY = "Что-то пошло не так"


def retry_middleware(app: RunningBot) -> RetryAfter:
    found = [m for m in app.bot.session.middleware if isinstance(m, RetryAfter)]
    assert len(found) == 1, "the bot's session retries handlers' calls"
    return found[0]


def count_retries(app: RunningBot) -> list[tuple[str, float]]:
    """What the metrics would be told: (method, seconds waited) for each retry."""
    retries: list[tuple[str, float]] = []
    retry_middleware(app).on_retry = lambda method, seconds: retries.append((method, seconds))
    return retries


def messages_to(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    """Calls that put a message in the chat or changed one, refused or not, in order."""
    return [
        call
        for call in calls
        if call.method.lower() in MESSAGE_METHODS and call.params.get("chat_id") == chat_id
    ]


def assert_answered_once(app: RunningBot, calls: list[ApiCall], people: list[TgUser]) -> int:
    """Each person got exactly one message (or edit) and no apology; returns how many of
    them got it on a second try, after a 429."""
    retried = 0
    for user in people:
        attempts = messages_to(calls, user.id)
        done = [call for call in attempts if call.ok]
        assert len(done) == 1, (user.id, [(c.method, c.error_code) for c in attempts])
        refused = [call for call in attempts if not call.ok]
        assert all(call.error_code == 429 for call in refused), refused
        if refused:
            # The very same call again, after the wait Telegram asked for.
            assert len(refused) == 1 and attempts[-1].ok
            assert attempts[-1].params == refused[0].params
            assert attempts[-1].at - refused[0].at >= 0.9
            retried += 1
        assert not any(APOLOGY in text for text in user.texts()), user.texts()
    return retried


async def test_a_rush_of_newcomers_typing_is_answered_once_each(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    """Twenty people write /start at once while Telegram takes twelve messages a second:
    the refused replies go again a second later, and nobody gets an apology."""
    retries = count_retries(app)
    people = [make_user(3000 + n, first_name=f"Гость{n}") for n in range(20)]
    limit = app.telegram.rate_limit = RateLimit(12)
    rush = app.telegram.together = Together(20)  # the replies reach Telegram at once
    try:
        calls = await app.process(*(user.updates.message("/start") for user in people))
    finally:
        app.telegram.rate_limit = app.telegram.together = None
    assert rush.complete
    # Eight refused. A retry itself is never refused here: that would take 12 messages in
    # the second before its refusal and 12 more in the second after it, 24 of 20.
    assert limit.refused == 8
    retried = assert_answered_once(app, calls, people)
    assert retried == limit.refused
    assert len(retries) == retried and all(seconds == 1 for _, seconds in retries)
    for user in people:  # the reply itself: the choice of language
        assert "Русский" in user.labels()


async def test_a_rush_of_presses_is_answered_once_each(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    """The same people press a button at once: each gets the next step once, and every
    press is answered (the button stops spinning) within Telegram's time."""
    people = [make_user(3100 + n, first_name=f"Гость{n}") for n in range(20)]
    await app.process(*(user.updates.message("/start") for user in people))
    retries = count_retries(app)
    presses = []
    for user in people:
        message, button = user.find_button("Русский")
        presses.append(user.updates.callback(message, button["callback_data"]))
    limit = app.telegram.rate_limit = RateLimit(12)
    rush = app.telegram.together = Together(20)  # the replies reach Telegram at once
    started = time.time()  # as the fake notes when calls arrive
    try:
        calls = await app.process(*presses)
    finally:
        app.telegram.rate_limit = app.telegram.together = None
    assert rush.complete
    assert limit.refused == 8
    retried = assert_answered_once(app, calls, people)
    assert retried == limit.refused == len(retries)
    answers = [call for call in calls if call.method == "answerCallbackQuery"]
    assert sorted(call.params["callback_query_id"] for call in answers) == sorted(
        press["callback_query"]["id"] for press in presses
    )
    assert all(call.ok and call.at - started < PRESS_DEADLINE for call in answers)


@pytest.mark.parametrize("pressed", [False, True])
async def test_a_wait_beyond_the_cap_is_not_waited_for(
    app: RunningBot, member: TgUser, pressed: bool
) -> None:
    """Telegram asks for half a minute: the call fails at once, as before, and the error
    handler apologises (and answers the press) instead of leaving the person waiting."""
    retries = count_retries(app)
    # The reply: the menu's message edited into the profile, or a new message with it.
    reply = "editMessageText" if pressed else "sendMessage"
    app.telegram.fail_next(reply, chat_id=member.id, retry_after=30)
    started = time.monotonic()
    if pressed:
        calls = await member.press("👤 Профиль")
    else:
        calls = await member.send("/profile")
    assert time.monotonic() - started < RETRY_CAP
    refused = [call for call in messages_to(calls, member.id) if not call.ok]
    assert len(refused) == 1 and refused[0].error_code == 429  # not tried again
    assert retries == []
    assert APOLOGY in member.last_text
    if pressed:
        answers = [call for call in calls if call.method == "answerCallbackQuery"]
        assert len(answers) == 1 and answers[0].ok


def _copies(app: RunningBot, chat_id: int) -> list[ApiCall]:
    return app.telegram.calls_of("copyMessage", chat_id=chat_id)


class _Marks(BaseRequestMiddleware):
    """Notes, for each call, whether it was made while an update was handled."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, bool]] = []

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        self.calls.append((method.__api_method__, getattr(method, "chat_id", None), in_handler()))
        return await make_request(bot, method)


async def test_the_delivery_engine_is_not_retried_here(
    app: RunningBot, admin: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    """A broadcast started by a press: its copies go from the engine's own tasks, which
    do not carry the press's mark, so a 429 reaches the engine (which pauses all its
    sending and tries the row again itself) and not this retry."""
    assert app.db is not None
    people = PersonRepo(app.db)
    for tg_id in (5000, 5001, 5002):
        await people.complete_profile(
            tg_id=tg_id,
            language="ru",
            profile=NewProfile(f"Человек {tg_id}", SOCHI, "teacher", "Школа", utc_now()),
        )
    marks = _Marks()
    app.bot.session.middleware(marks)
    retries = count_retries(app)
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Всем участникам")
    await admin.send("Сбор у школы в 10:00")
    app.telegram.fail_next("copyMessage", chat_id=5001, retry_after=1)
    with caplog.at_level(logging.WARNING, logger="bot.delivery.engine"):
        await admin.press("📤 Отправить")
        async with asyncio.timeout(10):
            while not any(call.ok for call in _copies(app, 5001)):
                await asyncio.sleep(0.05)
    assert [call.error_code for call in _copies(app, 5001)] == [429, None]
    assert "all sending paused" in caplog.text  # the engine got the 429 and paused
    assert retries == []
    for chat_id in (5000, 5002):
        assert [call.ok for call in _copies(app, chat_id)] == [True]
    # The organiser's replies were marked; none of the engine's copies were.
    engine_copies = [m for m in marks.calls if m[0] == "copyMessage" and m[1] != ADMIN_ID]
    assert engine_copies and not any(marked for *_, marked in engine_copies)
    replies = [m for m in marks.calls if m[1] == ADMIN_ID and m[0] != "copyMessage"]
    assert replies and all(marked for *_, marked in replies)


# The two middlewares on their own, with a clock of the test's making.


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _update(*, press: bool) -> Update:
    user = {"id": 7, "is_bot": False, "first_name": "Иван"}
    chat = {"id": 7, "type": "private"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "x"}
    if press:
        query = {"id": "1", "from": user, "chat_instance": "1", "data": "x", "message": message}
        return Update.model_validate({"update_id": 1, "callback_query": query})
    return Update.model_validate({"update_id": 1, "message": message})


async def _handle_and_call(*, press: bool, late_by: float, retry_after: int) -> list[float]:
    """Handle an update whose handler, `late_by` seconds after it arrived, makes a call
    that Telegram refuses once with `retry_after`; returns how many seconds were waited."""
    clock = _Clock()
    waited: list[float] = []
    retry = RetryAfter(clock=clock, on_retry=lambda method, seconds: waited.append(seconds))
    bot = Bot(TOKEN)
    method = SendMessage(chat_id=7, text="x")
    answers: list[Any] = [TelegramRetryAfter(method, "Too Many Requests", retry_after), True]

    async def make_request(bot: Bot, method: TelegramMethod[Any]) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def handler(event: Any, data: dict[str, Any]) -> Any:
        clock.now += late_by
        return await retry(make_request, bot, method)

    try:
        assert await HandlerCalls(clock)(handler, _update(press=press), {}) is True
    finally:
        await bot.session.close()
    return waited


async def test_a_message_waits_up_to_the_cap() -> None:
    assert await _handle_and_call(press=False, late_by=9.5, retry_after=1) == [1.0]
    with pytest.raises(TelegramRetryAfter):
        await _handle_and_call(press=False, late_by=0, retry_after=int(RETRY_CAP) + 1)


async def test_a_press_waits_only_while_its_answer_can_come_in_time() -> None:
    assert await _handle_and_call(press=True, late_by=PRESS_DEADLINE - 2, retry_after=1) == [1.0]
    with pytest.raises(TelegramRetryAfter):  # the answer would come too late
        await _handle_and_call(press=True, late_by=PRESS_DEADLINE - 0.5, retry_after=1)


async def test_calls_outside_handlers_are_not_retried() -> None:
    retry = RetryAfter()
    method = SendMessage(chat_id=7, text="x")
    calls = 0

    async def make_request(bot: Bot, method: TelegramMethod[Any]) -> Any:
        nonlocal calls
        calls += 1
        raise TelegramRetryAfter(method, "Too Many Requests", 1)

    bot = Bot(TOKEN)
    try:
        assert not in_handler()
        with pytest.raises(TelegramRetryAfter):
            await retry(make_request, bot, method)
    finally:
        await bot.session.close()
    assert calls == 1
