"""Telegram's requests to the webhook: the secret checked, each update handed to the
dispatcher, and what goes back in the HTTP answer.

In place of aiogram's SimpleRequestHandler, which handles every update one way: either
in the background after an empty answer, or before the answer (its
`handle_in_background=False`), so that a returned Bot API call can ride in it. Here an
update is handled in the background, as aiogram does by default, except a button press
when WEBHOOK_ANSWER_IN_RESPONSE is on: it is handled before the answer, and the press's
answerCallbackQuery (returned by handlers.kit.middlewares.PressAnswers) goes back in
it as JSON ("Making requests when getting updates" in the Bot API docs). Typed messages
(a file to import among them) are handled in the background as always, and a press
whose handler answers it first and then works for seconds (a report, an export:
`answer_now`) gets its HTTP answer as soon as it has answered (bot.core.early_answer):
Telegram's connections (40 at a time by default) are held no longer than a quick press.

While the process stops, new updates are answered 503 on a closed connection: Telegram
sends them again later, to a worker that runs (site.stop() closes the listening socket
only, and Telegram's kept-alive connections would go on bringing updates). `drain` then
waits for the requests and handlings under way.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiohttp import web

from bot.core.early_answer import releasable
from bot.core.session import BotSession

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookHandler:
    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, *, secret: str, answer_presses: bool
    ) -> None:
        self._dp = dispatcher
        self._bot = bot
        self._secret = secret
        self._answer_presses = answer_presses
        self._accepting = True
        self._reading = 0  # requests past the check whose update is not yet handed over
        self._tasks: set[asyncio.Future[Any]] = set()

    def register(self, app: web.Application, path: str) -> None:
        app.router.add_post(path, self.handle)

    def stop_accepting(self) -> None:
        """From now on updates are answered 503 (Telegram sends them again later)."""
        self._accepting = False

    async def handle(self, request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), self._secret):
            return web.Response(status=401, text="Unauthorized")
        if not self._accepting:
            stopping = web.Response(status=503, text="Stopping")
            stopping.force_close()  # Telegram's next try opens a connection elsewhere
            return stopping
        self._reading += 1
        try:
            update: dict[str, Any] = await request.json(loads=self._bot.session.json_loads)
            if self._answer_presses and "callback_query" in update:
                return await self._handled_with_answer(update)
            self._keep(self._handle_in_background(self._dp.feed_raw_update(self._bot, update)))
            return web.json_response({})
        finally:
            self._reading -= 1

    async def drain(self, seconds: float) -> bool:
        """Wait for the requests being read and the updates being handled (after
        `stop_accepting`); False if some were still under way after `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                while self._reading or self._tasks:  # noqa: ASYNC110 - a few at shutdown
                    await asyncio.sleep(0.05)
        except TimeoutError:
            return False
        return True

    async def _handled_with_answer(self, update: dict[str, Any]) -> web.Response:
        # aiogram's feed_webhook_update: a handling that takes more than 55 s goes on in
        # the background (Telegram would send the update again at 60 s) and answers None.
        with releasable() as released:
            handling: asyncio.Future[TelegramMethod[Any] | None] = asyncio.ensure_future(
                self._dp.feed_webhook_update(self._bot, update)
            )
        answered = asyncio.ensure_future(released.wait())
        try:
            await asyncio.wait((handling, answered), return_when=asyncio.FIRST_COMPLETED)
        finally:
            answered.cancel()
        if not handling.done():
            # Answered early (`answer_now`): the rest of the work goes on in the background.
            self._keep(self._handle_in_background(handling))
            return web.json_response({})
        result: TelegramMethod[Any] | None = handling.result()
        if isinstance(result, TelegramMethod):
            body = _reply_body(self._bot, result)
            if body is not None:
                return web.Response(body=body, content_type="application/json")
            await self._dp.silent_call_request(self._bot, result)
        return web.json_response({})

    def _keep(self, handling: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(handling)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_in_background(self, handling: Awaitable[Any]) -> None:
        try:
            result = await handling
            if isinstance(result, TelegramMethod):
                await self._dp.silent_call_request(self._bot, result)
        except Exception:
            # The error handlers have had their turn (aiogram's ErrorsMiddleware): this is
            # what they let through.
            logger.exception("An update was not handled")


def _reply_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """The call as a webhook's JSON answer (None when it would upload a file)."""
    session = bot.session
    if not isinstance(session, BotSession):
        return None
    return session.call_as_json(bot, method, with_method=True)
