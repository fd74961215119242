"""Floods, failures of the Bot API, callback data limits and the webhook server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram.types import TelegramObject, Update
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_bot, create_dispatcher
from bot.core.ids import ID_MAX, SMALL_MAX
from bot.core.roles import MemberRole
from bot.people.profile import ProfileField
from bot.runner import build_webhook_app, open_database
from handlers.kit.callbacks import (
    CityCb,
    Ctx,
    LanguageCb,
    MenuCb,
    MenuItem,
    NavAction,
    NavCb,
    RoleCb,
)
from handlers.kit.middlewares import UpdateTracker
from handlers.people.callbacks import ConsentCb, ProfileEditCb, TelegramNameCb
from handlers.trips.callbacks import (
    ParticipantsPageCb,
    RegAction,
    RegCb,
    TripAction,
    TripCb,
    TripScope,
    TripsPageCb,
)
from handlers.trips.registration import AnswerCb, AnswerKind, FormAction, FormCb
from tests.conftest import PROCESS_TIMEOUT, RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram, UpdateFactory


async def test_flood_gets_one_warning_and_the_rest_is_dropped(
    telegram: FakeTelegram, db_path
) -> None:
    app = RunningBot(telegram, make_settings(telegram, db_path, flood_limit=3))
    await app.start()
    try:
        user = TgUser(app, 4001)
        calls = await app.process(*(user.updates.message("привет") for _ in range(12)))
        sent = [c for c in calls if c.method == "sendMessage"]
        warnings = [c for c in sent if "Слишком много сообщений" in c.params["text"]]
        assert len(warnings) == 1
        assert len(sent) == 3 + 1  # three answered, one warning, the rest dropped
    finally:
        await app.stop()


async def test_a_flood_does_not_wait_for_the_persons_lock(telegram: FakeTelegram, db_path) -> None:
    app = RunningBot(telegram, make_settings(telegram, db_path, flood_limit=1))
    await app.start()
    try:
        user = TgUser(app, 4002)
        hold = telegram.hold_next("sendMessage")  # the first answer hangs: its lock is held
        first = asyncio.create_task(user.send("привет"))
        await asyncio.wait_for(hold.arrived.wait(), PROCESS_TIMEOUT)
        # The rest of the flood is dropped at once, not queued behind the hanging answer.
        calls = await app.process(*(user.updates.message("привет") for _ in range(6)))
        warnings = [c for c in calls if "Слишком много сообщений" in c.params.get("text", "")]
        assert len(warnings) == 1
        assert not first.done()
        hold.release()
        await first
    finally:
        await app.stop()


async def test_aiogram_keeps_its_outer_middlewares_where_it_puts_them(app: RunningBot) -> None:
    names = [type(middleware).__name__ for middleware in app.dp.update.outer_middleware]
    assert names == [
        "ErrorsMiddleware",  # aiogram's, in aiogram's order
        "UserContextMiddleware",
        "FSMContextMiddleware",
        "UpdateMetrics",  # then ours: /metrics counts what came
        "UpdateTracker",
        "HandlerCalls",  # a handler's replies may be sent again after a 429
        "ThrottlingMiddleware",
        "PersonMiddleware",
    ]


async def test_an_update_waiting_for_the_persons_lock_is_in_flight(
    app: RunningBot, member: TgUser
) -> None:
    tracker = app.dp["tracker"]
    hold = app.telegram.hold_next("sendMessage")  # the first answer hangs: its lock is held
    first = asyncio.create_task(member.send("/help"))
    await asyncio.wait_for(hold.arrived.wait(), PROCESS_TIMEOUT)
    second = app.telegram.add_update(member.updates.message("/help"))
    async with asyncio.timeout(PROCESS_TIMEOUT):  # fetched, and waiting for the person's lock
        while tracker._locking < 2:
            await asyncio.sleep(0.01)
    idle = asyncio.create_task(tracker.wait_idle(PROCESS_TIMEOUT))
    hold.release()
    await first
    assert await idle
    # Shutdown waits for it: the bot was not idle until the second update was handled too.
    done = app._done.get(second)
    assert done is not None and done.is_set()


async def test_an_update_is_in_flight_until_its_error_handler_has_finished(
    app: RunningBot, member: TgUser
) -> None:
    tracker = app.dp["tracker"]
    await member.send("/help")
    app.telegram.fail_next("editMessageText", error_code=500, description="Internal Server Error")
    hold = app.telegram.hold_next("sendMessage")  # the error handler's "что-то пошло не так"
    # "Профиль": drawn over the help by editMessageText, which fails.
    press = asyncio.create_task(member.press_data(MenuCb(item=MenuItem.PROFILE).pack()))
    await asyncio.wait_for(hold.arrived.wait(), PROCESS_TIMEOUT)
    assert not await tracker.wait_idle(0.3)  # the handler has failed; its error handler runs
    hold.release()
    await press
    assert await tracker.wait_idle(PROCESS_TIMEOUT)
    assert "Что-то пошло не так" in member.last_text


async def test_an_update_sent_again_while_in_flight_is_waited_for_both_times() -> None:
    """Telegram may send an update again while the first delivery is still handled (a
    webhook that answered late): the bot is idle only when both have finished."""
    tracker = UpdateTracker()
    finished = [asyncio.Event(), asyncio.Event()]

    def handling(number: int) -> Callable[[TelegramObject, dict[str, Any]], Awaitable[None]]:
        async def handler(event: TelegramObject, data: dict[str, Any]) -> None:
            await finished[number].wait()

        return handler

    update = Update(update_id=7)
    first = asyncio.create_task(tracker(handling(0), update, {}))
    second = asyncio.create_task(tracker(handling(1), update, {}))
    await asyncio.sleep(0)
    finished[0].set()
    await first
    assert not await tracker.wait_idle(0.1)  # the second is still being handled
    finished[1].set()
    await second
    assert await tracker.wait_idle(1)


async def test_api_failure_is_logged_and_the_bot_keeps_running(
    app: RunningBot, member: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    app.telegram.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    with caplog.at_level(logging.ERROR):
        await member.send("/help")
    assert "Что-то пошло не так" in member.last_text
    records = [r for r in caplog.records if r.name == "handlers.kit.errors"]
    assert records and "TelegramServerError" in records[0].getMessage()
    assert all("/help" not in r.getMessage() for r in caplog.records)
    await member.send("/help")  # and the next update works as usual
    assert "Что умеет бот" in member.last_text


def test_callback_data_fits_in_64_bytes() -> None:
    largest = [
        LanguageCb(ctx=Ctx.ONBOARDING, code="ru"),
        ConsentCb(agree=False),
        CityCb(ctx=Ctx.PROFILE, id=ID_MAX),
        *(RoleCb(ctx=Ctx.PROFILE, role=role) for role in MemberRole),
        TelegramNameCb(ctx=Ctx.PROFILE),
        *(NavCb(action=action) for action in NavAction),
        *(MenuCb(item=item) for item in MenuItem),
        *(ProfileEditCb(field=field) for field in ProfileField),
    ]
    # The largest numbers the fields accept (bot.core.ids): ids up to 2**63-1, pages 2**31-1.
    big, small = ID_MAX, SMALL_MAX
    largest += [
        *(TripCb(action=action, id=big) for action in TripAction),
        *(RegCb(action=action, id=big) for action in RegAction),
        *(TripsPageCb(scope=scope, page=small) for scope in TripScope),
        ParticipantsPageCb(trip_id=big, page=small),
        *(AnswerCb(kind=kind, value=small) for kind in AnswerKind),
        *(FormCb(action=action, index=small) for action in FormAction),
    ]
    for data in largest:
        assert len(data.pack().encode()) <= 64, data


async def test_webhook_checks_the_secret_token(telegram: FakeTelegram, db_path) -> None:
    settings = make_settings(
        telegram, db_path, webhook_url="https://bot.example.org/tg/hook", webhook_secret="s3cr3t"
    )
    db = await open_database(settings)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, db, bot)
    server = TestServer(build_webhook_app(settings, dp, bot))
    try:
        async with TestClient(server) as client:
            assert telegram.webhook and telegram.webhook["url"] == settings.webhook_url
            update = UpdateFactory(4100).message("/help")
            update["update_id"] = 1
            wrong = await client.post(
                "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
            assert wrong.status == 401
            assert not telegram.calls_of("sendMessage", chat_id=4100)
            good = await client.post(
                "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cr3t"}
            )
            assert good.status == 200
            # The update is handled in the background after the 200: wait for the answer.
            async with asyncio.timeout(5):
                while not telegram.calls_of("sendMessage", chat_id=4100):
                    await asyncio.sleep(0.01)
            assert "Я помогаю" in telegram.last_message(4100).plain_text()
    finally:
        await db.close()


async def test_shutdown_waits_for_handlers_in_flight(app: RunningBot, member: TgUser) -> None:
    hold = app.telegram.hold_next("sendMessage")  # its answer is on a slow network
    app.telegram.add_update(member.updates.message("/help"))
    await asyncio.wait_for(hold.arrived.wait(), PROCESS_TIMEOUT)  # fetched, being handled
    stopping = asyncio.create_task(app.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done()  # waiting for the handler
    hold.release()
    await stopping
    helps = [
        c
        for c in app.telegram.calls_of("sendMessage", chat_id=member.id)
        if "Что умеет бот" in c.params["text"]
    ]
    assert len(helps) == 1 and helps[0].ok  # it finished before the session and database closed
    await app.start()  # the fixture stops it again


async def test_a_press_that_fails_before_its_handler_stops_spinning(
    app: RunningBot, member: TgUser
) -> None:
    """With REDIS_URL the person's lock and form live in Redis. With Redis gone, a press
    fails before any handler (in aiogram's form middleware): it is still answered, so its
    button stops spinning, and the person is asked to try again."""
    await member.send("/help")
    app.settings = app.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    await app.restart()
    calls = await member.press_data(MenuCb(item=MenuItem.PROFILE).pack())
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and answers[0].ok
    assert "кратковременного сбоя сервера" in member.last_text


async def test_a_failed_handler_answers_its_press_once(app: RunningBot, member: TgUser) -> None:
    """A press whose handler failed was answered by the middleware: the error handler
    does not answer it again (Telegram would refuse the second answer)."""
    await member.send("/help")
    app.telegram.fail_next("editMessageText", error_code=500, description="Internal Server Error")
    calls = await member.press_data(MenuCb(item=MenuItem.PROFILE).pack())
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and answers[0].ok
    assert "Что-то пошло не так" in member.last_text
