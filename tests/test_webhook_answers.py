"""WEBHOOK_ANSWER_IN_RESPONSE: the answer to a button press rides in the webhook's HTTP
response, and the fake Telegram carries it out as Telegram does ("Making requests when
getting updates" in the Bot API docs). The bot runs its real webhook server; the fake
Telegram POSTs each update to it and reads what comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher
from aiohttp import web

from bot.app import create_bot, create_dispatcher
from bot.runner import WEBHOOK_HANDLER, build_webhook_app, open_database
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import Database, utc_now
from storage.people import NewProfile, PersonRepo
from tests.conftest import ADMIN_ID, PROCESS_TIMEOUT, make_settings
from tests.fake_telegram import ApiCall, FakeTelegram, UpdateFactory
from tests.processes import free_port
from tests.trip_seed import add_programme, add_trip

HOOK = "https://bot.example.org/tg/hook"
PERSON = 5100


class WebhookBot:
    """The bot's webhook server on 127.0.0.1, as `python -m bot run` serves it."""

    def __init__(
        self,
        telegram: FakeTelegram,
        db: Database,
        dp: Dispatcher,
        runner: web.AppRunner,
        *,
        in_reply: bool,
    ) -> None:
        self.dp = dp
        self.in_reply = in_reply  # WEBHOOK_ANSWER_IN_RESPONSE
        self.telegram = telegram
        self.db = db
        self.runner = runner

    async def push(self, update: dict[str, Any]) -> list[ApiCall]:
        """Telegram POSTs the update; returns the calls made until the request was taken
        and the bot had finished with it (in the background, without the setting)."""
        mark = len(self.telegram.calls)
        update_id = self.telegram.add_update(update)
        async with asyncio.timeout(PROCESS_TIMEOUT):
            while not any(taken == update_id for taken, _ in self.telegram.webhook_attempts):
                await asyncio.sleep(0.01)
            tracker = self.dp["tracker"]
            assert await tracker.wait_idle(PROCESS_TIMEOUT)
        return self.telegram.calls[mark:]


@pytest.fixture
async def webhook_bot(
    request: pytest.FixtureRequest, telegram: FakeTelegram, tmp_path: Path
) -> AsyncIterator[WebhookBot]:
    # The parameter: WEBHOOK_ANSWER_IN_RESPONSE, or settings of the test's own.
    overrides = request.param if isinstance(request.param, dict) else {}
    in_reply = overrides.get("webhook_answer_in_response", request.param is True)
    settings = make_settings(
        telegram,
        tmp_path / "bot.sqlite3",
        webhook_url=HOOK,
        webhook_secret="s3cr3t",
        **{"webhook_answer_in_response": in_reply, **overrides},
    )
    db = await open_database(settings)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, db, bot)
    app = build_webhook_app(settings, dp, bot)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()  # aiogram's start-up, and setWebhook
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    telegram.webhook_address = f"http://127.0.0.1:{port}/tg/hook"
    try:
        yield WebhookBot(telegram, db, dp, runner, in_reply=in_reply)
    finally:
        await runner.cleanup()
        await bot.session.close()
        await db.close()


async def _trip_and_person(db: Database) -> int:
    programme = await add_programme(db, audience=())
    trip_id = await add_trip(db, programme_id=programme, capacity=5)
    await PersonRepo(db).complete_profile(
        tg_id=PERSON,
        language="ru",
        profile=NewProfile("Анна Петрова", 1, "teacher", "Школа № 5", utc_now()),
    )
    return trip_id


def _answers(calls: list[ApiCall]) -> list[ApiCall]:
    return [call for call in calls if call.method == "answerCallbackQuery"]


@pytest.mark.parametrize("webhook_bot", [True, False], indirect=True, ids=["in-reply", "request"])
async def test_a_registration_through_the_webhook(webhook_bot: WebhookBot) -> None:
    """With the setting each press's answer is carried out from the webhook's response;
    without it, it is a request of its own. Either way the person is registered and
    every press is answered once."""
    in_reply = webhook_bot.in_reply
    telegram = webhook_bot.telegram
    trip_id = await _trip_and_person(webhook_bot.db)
    person = UpdateFactory(PERSON)
    await webhook_bot.push(person.message("/start"))
    menu = telegram.last_message(PERSON)

    press = person.callback(menu, TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    calls = await webhook_bot.push(press)
    [answer] = _answers(calls)
    assert answer.ok and answer.in_webhook_reply is in_reply
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    # The screen itself is drawn by a request, whose result the bot reads.
    assert all(not call.in_webhook_reply for call in calls if call is not answer)

    summary = telegram.last_message(PERSON)
    confirm = next(b for b in summary.buttons() if b.get("text") == "✅ Подтвердить")
    calls = await webhook_bot.push(person.callback(summary, confirm["callback_data"]))
    [answer] = _answers(calls)
    assert answer.ok and answer.in_webhook_reply is in_reply
    assert "Вы записаны" in telegram.last_message(PERSON).plain_text()
    async with webhook_bot.db.read.execute(
        "SELECT status FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        assert [row[0] for row in await cur.fetchall()] == ["approved"]
    # Every update was taken at the first attempt: nothing for Telegram to send again.
    attempts = telegram.webhook_attempts
    assert all(outcome == 200 for _, outcome in attempts), attempts


@pytest.mark.parametrize("webhook_bot", [True], indirect=True)
async def test_a_pop_up_in_the_reply_keeps_its_text(webhook_bot: WebhookBot) -> None:
    """A refusal's pop-up travels in the JSON response: Cyrillic text and the alert flag
    reach Telegram as the handler set them."""
    telegram = webhook_bot.telegram
    await _trip_and_person(webhook_bot.db)
    person = UpdateFactory(PERSON)
    await webhook_bot.push(person.message("/start"))
    gone = TripCb(action=TripAction.REGISTER, id=999_999).pack()
    calls = await webhook_bot.push(person.callback(telegram.last_message(PERSON), gone))
    [answer] = _answers(calls)
    assert answer.ok and answer.in_webhook_reply
    assert answer.params["text"] == "Поездка не найдена: возможно, её удалили."
    assert answer.params["show_alert"] is True


@pytest.mark.parametrize("webhook_bot", [True], indirect=True)
async def test_a_failed_press_is_answered_at_once_and_not_sent_again(
    webhook_bot: WebhookBot,
) -> None:
    """A handler that fails answers its press with a request of its own (the error
    handler's message follows it), and the webhook still answers 200: Telegram does not
    send the update again."""
    telegram = webhook_bot.telegram
    trip_id = await _trip_and_person(webhook_bot.db)
    person = UpdateFactory(PERSON)
    await webhook_bot.push(person.message("/start"))
    # The form's first screen, a new message, cannot be sent.
    telegram.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    press = person.callback(
        telegram.last_message(PERSON), TripCb(action=TripAction.REGISTER, id=trip_id).pack()
    )
    calls = await webhook_bot.push(press)
    [answer] = _answers(calls)
    assert answer.ok and not answer.in_webhook_reply
    assert "Что-то пошло не так" in telegram.last_message(PERSON).plain_text()
    update_id = max(taken for taken, _ in telegram.webhook_attempts)
    assert [o for taken, o in telegram.webhook_attempts if taken == update_id] == [200]


@pytest.mark.parametrize("webhook_bot", [True], indirect=True)
async def test_a_typed_message_does_not_hold_telegrams_connection(
    webhook_bot: WebhookBot,
) -> None:
    """Only presses are handled before the webhook's answer: a typed message (a file to
    import, a report to build) is answered 200 at once and handled in the background, so
    it does not keep one of Telegram's connections (40 by default) for its duration."""
    telegram = webhook_bot.telegram
    hold = telegram.hold_next("sendMessage")  # the reply to /help hangs
    update_id = telegram.add_update(UpdateFactory(PERSON).message("/help"))
    async with asyncio.timeout(PROCESS_TIMEOUT):
        await hold.arrived.wait()
        while not any(taken == update_id for taken, _ in telegram.webhook_attempts):
            await asyncio.sleep(0.01)
    assert [o for taken, o in telegram.webhook_attempts if taken == update_id] == [200]
    hold.release()
    assert await webhook_bot.dp["tracker"].wait_idle(PROCESS_TIMEOUT)
    assert "Я помогаю" in telegram.last_message(PERSON).plain_text()


@pytest.mark.parametrize(
    "webhook_bot",
    [{"webhook_answer_in_response": True, "redis_url": "redis://127.0.0.1:1/0"}],
    indirect=True,
)
async def test_a_press_that_fails_before_its_handler_is_answered(
    webhook_bot: WebhookBot,
) -> None:
    """Answering in the response, a press whose person's lock cannot be taken (Redis
    gone) is still answered, by a request of the error handler, and the person is asked
    to try again; the webhook answers 200, so Telegram does not send it again."""
    telegram = webhook_bot.telegram
    message = {"message_id": 7, "chat": {"id": PERSON, "type": "private"}, "date": 0}
    press = {
        "callback_query": {
            "id": "4100000000000001",
            "from": UpdateFactory(PERSON).user,
            "message": {**message, "text": "Меню", "from": {"id": 1, "is_bot": True}},
            "chat_instance": "1",
            "data": MenuCb(item=MenuItem.PROFILE).pack(),
        }
    }
    calls = await webhook_bot.push(press)
    [answer] = _answers(calls)
    assert answer.ok and not answer.in_webhook_reply
    assert "кратковременного сбоя сервера" in telegram.last_message(PERSON).plain_text()
    assert [o for _, o in telegram.webhook_attempts] == [200]


@pytest.mark.parametrize("webhook_bot", [True], indirect=True)
async def test_a_press_answered_before_long_work_frees_telegrams_connection(
    webhook_bot: WebhookBot,
) -> None:
    """An export answers its press at once and then makes its files: the webhook's HTTP
    answer goes as soon as the press is answered, not when the files are sent, so the
    press does not hold one of Telegram's connections meanwhile."""
    telegram = webhook_bot.telegram
    trip_id = await _trip_and_person(webhook_bot.db)
    person = UpdateFactory(PERSON)
    await webhook_bot.push(person.message("/start"))
    await webhook_bot.push(
        person.callback(
            telegram.last_message(PERSON), TripCb(action=TripAction.REGISTER, id=trip_id).pack()
        )
    )
    summary = telegram.last_message(PERSON)
    confirm = next(b for b in summary.buttons() if b.get("text") == "✅ Подтвердить")
    await webhook_bot.push(person.callback(summary, confirm["callback_data"]))
    await PersonRepo(webhook_bot.db).complete_profile(
        tg_id=ADMIN_ID,
        language="ru",
        profile=NewProfile("Админ", 1, "teacher", "Администрация", utc_now()),
    )
    admin = UpdateFactory(ADMIN_ID)
    await webhook_bot.push(admin.message("/start"))
    hold = telegram.hold_next("sendDocument")  # the files are on a slow network
    export = admin.callback(
        telegram.last_message(ADMIN_ID), TripCb(action=TripAction.EXPORT, id=trip_id).pack()
    )
    update_id = telegram.add_update(export)
    async with asyncio.timeout(PROCESS_TIMEOUT):
        await hold.arrived.wait()
        while not any(taken == update_id for taken, _ in telegram.webhook_attempts):
            await asyncio.sleep(0.01)
    answers = [
        call
        for call in telegram.calls_of("answerCallbackQuery")
        if call.params["callback_query_id"] == export["callback_query"]["id"]
    ]
    assert len(answers) == 1 and not answers[0].in_webhook_reply
    hold.release()
    assert await webhook_bot.dp["tracker"].wait_idle(PROCESS_TIMEOUT)
    assert len(telegram.calls_of("sendDocument", chat_id=ADMIN_ID)) == 2  # XLSX and CSV


@pytest.mark.parametrize("webhook_bot", [False], indirect=True)
async def test_a_stopping_bot_sends_updates_back_to_telegram(webhook_bot: WebhookBot) -> None:
    """Once the bot stops accepting (SIGTERM), an update gets 503 on a closed connection
    and is not handled here: Telegram sends it again later, to a worker that runs."""
    telegram = webhook_bot.telegram
    handler = webhook_bot.runner.app[WEBHOOK_HANDLER]
    handler.stop_accepting()
    update_id = telegram.add_update(UpdateFactory(PERSON).message("/help"))
    async with asyncio.timeout(PROCESS_TIMEOUT):
        while not any(taken == update_id for taken, _ in telegram.webhook_attempts):
            await asyncio.sleep(0.01)
    assert telegram.webhook_attempts[0] == (update_id, 503)
    assert await handler.drain(PROCESS_TIMEOUT)
    assert not telegram.calls_of("sendMessage", chat_id=PERSON)
