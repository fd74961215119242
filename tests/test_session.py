"""The bot's HTTP session: JSON bodies for plain calls, multipart for uploads, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from bot.core.session import BotSession

TOKEN = "123456789:AAH-session-test"
MESSAGE = {
    "message_id": 7,
    "date": 1700000000,
    "chat": {"id": 42, "type": "private"},
    "text": "Привет",
}


@dataclass
class Seen:
    """What a minimal Bot API server received, and what it answers next."""

    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    answer: tuple[int, dict[str, Any]] = (200, {"ok": True, "result": MESSAGE})


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def handle(request: web.Request) -> web.Response:
        seen.requests.append(
            (request.match_info["method"], request.content_type, await request.read())
        )
        status, payload = seen.answer
        return web.json_response(payload, status=status)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", seen
    await runner.cleanup()


@pytest.fixture
async def bot(server: tuple[str, Seen]) -> AsyncIterator[Bot]:
    session = BotSession(api=TelegramAPIServer.from_base(server[0]))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


async def test_a_plain_call_is_one_json_body(bot: Bot, server: tuple[str, Seen]) -> None:
    _, seen = server
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="ra:yes:0")]]
    )
    sent = await bot.send_message(42, "Привет, <b>мир</b>", reply_markup=markup)
    assert sent.message_id == 7 and sent.chat.id == 42 and sent.text == "Привет"
    method, content_type, body = seen.requests[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    assert "Привет".encode() in body  # UTF-8, not \\u escapes
    assert json.loads(body) == {
        "chat_id": 42,
        "text": "Привет, <b>мир</b>",
        "parse_mode": "HTML",  # the bot's default is filled in
        "reply_markup": {"inline_keyboard": [[{"text": "Да", "callback_data": "ra:yes:0"}]]},
    }


async def test_an_upload_stays_a_multipart_form(bot: Bot, server: tuple[str, Seen]) -> None:
    _, seen = server
    seen.answer = (200, {"ok": True, "result": {**MESSAGE, "document": _DOCUMENT}})
    await bot.send_document(42, BufferedInputFile(b"a;b\n", "list.csv"), caption="Список")
    method, content_type, body = seen.requests[-1]
    assert (method, content_type) == ("sendDocument", "multipart/form-data")
    assert b"list.csv" in body and b"a;b\n" in body


async def test_errors_are_aiograms(bot: Bot, server: tuple[str, Seen]) -> None:
    _, seen = server
    seen.answer = (400, {"ok": False, "error_code": 400, "description": "Bad Request: no"})
    with pytest.raises(TelegramBadRequest, match="no"):
        await bot.send_message(42, "x")
    seen.answer = (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(42, "x")
    assert caught.value.retry_after == 3


_DOCUMENT = {"file_id": "f1", "file_unique_id": "u1", "file_name": "list.csv"}
