"""What answering a press in the webhook's HTTP response saves, measured alone.

A bot process serves a webhook with one handler that does nothing, so that a press costs
only aiogram's dispatch and the answer to the press. Telegram's side (the fake Bot API,
which POSTs the presses and carries out answers it finds in a webhook's response) runs
in a process of its own. The same presses go through twice:

- `request`: the default, the update handled in the background after an empty 200, and
  the press answered by an answerCallbackQuery request of the bot's own;
- `in_response`: WEBHOOK_ANSWER_IN_RESPONSE, the press handled before the response and
  its answer written into it as JSON (bot/webhook.py).

Prints one last line, the bot process's CPU time (user and system) per press:

webhook_reply presses=3000 request_us=… in_response_us=… saved_pct=…

Run: .venv/bin/python -m bench.webhook_reply [--presses N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import multiprocessing
import statistics
from multiprocessing.connection import Connection
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery
from aiohttp import web

from bot.core.session import BotSession
from bot.webhook import WebhookHandler
from handlers.kit.middlewares import PressAnswers
from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram
from tests.processes import cpu_seconds, free_port

SECRET = "bench-secret"
HOOK = "https://bot.example.org/tg/hook"
FIRST_ID = 20_000_000


async def _telegram(pipe: Connection) -> None:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    try:
        pipe.send(telegram.base_url)
        query_ids = itertools.count(5_000_000_000)
        while (order := await asyncio.to_thread(pipe.recv)) is not None:
            address, presses = order
            telegram.webhook_address = address
            answered = len(telegram.calls_of("answerCallbackQuery"))
            for index in range(presses):
                telegram.add_update(_press(FIRST_ID + index % 500, next(query_ids)))
            async with asyncio.timeout(120):
                while len(telegram.calls_of("answerCallbackQuery")) < answered + presses:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            pipe.send("done")
    finally:
        await telegram.stop()


def _press(user_id: int, number: int) -> dict[str, Any]:
    """A press on a button of a message the bot sent (as Telegram shapes it)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
    message = {
        "message_id": 1,
        "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
        "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
        "date": 1_800_000_000,
        "text": "Поездка в Минск",
    }
    query = {
        "id": str(number),
        "from": user,
        "message": message,
        "chat_instance": f"-{user_id}77",
        "data": "bench",
    }
    return {"callback_query": query}


def _telegram_process(pipe: Connection) -> None:
    asyncio.run(_telegram(pipe))


async def _round(pipe: Connection, base_url: str, presses: int, *, in_response: bool) -> float:
    """The bot's CPU seconds per press for one pass of the presses."""
    bot = Bot(
        TOKEN,
        session=BotSession(api=TelegramAPIServer.from_base(base_url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    dp = Dispatcher()
    router = Router()

    @router.callback_query()
    async def pressed(callback: CallbackQuery) -> None:
        return None

    dp.include_router(router)
    dp.callback_query.middleware(PressAnswers(in_response=in_response))
    app = web.Application()
    WebhookHandler(dp, bot, secret=SECRET, answer_presses=in_response).register(app, "/tg/hook")
    await bot.set_webhook(HOOK, secret_token=SECRET)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        started = cpu_seconds()
        pipe.send((f"http://127.0.0.1:{port}/tg/hook", presses))
        assert await asyncio.to_thread(pipe.recv) == "done"
        return (cpu_seconds() - started) / presses
    finally:
        await runner.cleanup()
        await bot.session.close()


async def run(presses: int, rounds: int) -> str:
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    process = context.Process(target=_telegram_process, args=(child_pipe,), daemon=True)
    process.start()
    request: list[float] = []
    in_response: list[float] = []
    try:
        base_url = await asyncio.to_thread(pipe.recv)
        await _round(pipe, base_url, presses // 4, in_response=False)  # warm up
        # Side by side, alternating, so that the machine's noise falls on both.
        for _ in range(rounds):
            request.append(await _round(pipe, base_url, presses, in_response=False))
            in_response.append(await _round(pipe, base_url, presses, in_response=True))
        pipe.send(None)
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    plain, replied = statistics.median(request), statistics.median(in_response)
    return (
        f"webhook_reply presses={presses} rounds={rounds} request_us={plain * 1e6:.0f}"
        f" in_response_us={replied * 1e6:.0f} saved_pct={(plain - replied) / plain * 100:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(asyncio.run(run(args.presses, args.rounds)))  # a benchmark prints its figures


if __name__ == "__main__":
    main()
