"""Telegram's requests to the webhook: the secret checked, each update handed to the
dispatcher, and what goes back in the HTTP answer.

In place of aiogram's SimpleRequestHandler, which handles every update one way: either
in the background after an empty answer, or before the answer (its
`handle_in_background=False`), so that a returned Bot API call can ride in it. Here an
update is handled in the background, as aiogram does by default, except a button press
when WEBHOOK_ANSWER_IN_RESPONSE is on: it is handled before the answer, and the press's
answerCallbackQuery (returned by handlers.kit.middlewares.AnswerInResponse) goes back in
it as JSON ("Making requests when getting updates" in the Bot API docs). Typed
messages, a file to import, a report to build keep Telegram's connection (40 at a time
by default) no longer than a press does.

While the process stops, new updates are answered 503: Telegram sends them again later,
to a worker that runs (site.stop() closes the listening socket only, and Telegram's
kept-alive connections would go on bringing updates).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiohttp import web

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
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, app: web.Application, path: str) -> None:
        app.router.add_post(path, self.handle)

    def stop_accepting(self) -> None:
        """From now on updates are answered 503 (Telegram sends them again later)."""
        self._accepting = False

    async def handle(self, request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), self._secret):
            return web.Response(status=401, text="Unauthorized")
        if not self._accepting:
            return web.Response(status=503, text="Stopping")
        update: dict[str, Any] = await request.json(loads=self._bot.session.json_loads)
        if self._answer_presses and "callback_query" in update:
            return await self._handled_with_answer(update)
        task = asyncio.create_task(self._handle_in_background(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({})

    async def _handled_with_answer(self, update: dict[str, Any]) -> web.Response:
        # aiogram's feed_webhook_update: a handling that takes more than 55 s goes on in
        # the background (Telegram would send the update again at 60 s) and answers None.
        result: TelegramMethod[Any] | None = await self._dp.feed_webhook_update(self._bot, update)
        if isinstance(result, TelegramMethod):
            body = _reply_body(self._bot, result)
            if body is not None:
                return web.Response(body=body, content_type="application/json")
            await self._dp.silent_call_request(self._bot, result)
        return web.json_response({})

    async def _handle_in_background(self, update: dict[str, Any]) -> None:
        try:
            result = await self._dp.feed_raw_update(self._bot, update)
            if isinstance(result, TelegramMethod):
                await self._dp.silent_call_request(self._bot, result)
        except Exception:
            # The error handlers have had their turn (aiogram's ErrorsMiddleware): this is
            # what they let through. The update id only, no texts.
            logger.exception("Update %s was not handled", update.get("update_id"))


def _reply_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """The call as a webhook's JSON answer (None when it would upload a file)."""
    session = bot.session
    if not isinstance(session, BotSession):
        return None
    return session.call_as_json(bot, method, with_method=True)
