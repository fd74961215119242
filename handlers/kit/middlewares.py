"""Outer middlewares: update tracking, the person of the update, flood control; and the
inner one that keeps every pop-up within Telegram's limit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.i18n import Translations, fit_popup
from bot.core.logging_setup import current_update_id
from bot.core.roles import Person, access_of
from handlers.kit.keyboards import way_on_keyboard

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateTracker(BaseMiddleware):
    """Knows which updates are in flight, so shutdown can wait for them to finish.

    It also tags log records with the update id.
    """

    def __init__(self) -> None:
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._listeners: list[Callable[[int], None]] = []

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Called with each update id once its handling has finished."""
        self._listeners.append(listener)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        token = current_update_id.set(event.update_id)
        self._in_flight += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()
            current_update_id.reset(token)
            for listener in self._listeners:
                listener(event.update_id)

    async def wait_idle(self, seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True


class KnownPeople(Protocol):
    """What the middleware reads and marks of people (storage.people.PersonRepo)."""

    async def get(self, *, tg_id: int) -> Person | None: ...

    async def set_blocked(self, *, tg_id: int, blocked: bool) -> bool: ...


class PersonMiddleware(BaseMiddleware):
    """Loads the person once per update: `person`, `access` and `t` for the handlers."""

    def __init__(
        self, people: KnownPeople, translations: Translations, admin_ids: frozenset[int]
    ) -> None:
        self._people = people
        self._translations = translations
        self._admin_ids = admin_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        people = self._people
        person = await people.get(tg_id=user.id) if user else None
        if person is not None and person.blocked_at is not None:
            # They write again, so they have unblocked the bot: notices may flow again.
            await people.set_blocked(tg_id=person.tg_id, blocked=False)
        if person is not None:
            language = person.language
        elif user and user.language_code in ("ru", "be"):
            language = user.language_code
        else:
            language = self._translations.default_language
        data["person"] = person
        data["access"] = access_of(user.id, person, self._admin_ids) if user else None
        data["t"] = self._translations.get(language)
        return await handler(event, data)


class ThrottlingMiddleware(BaseMiddleware):
    """More than `limit` updates a second from one person: warn once, drop the rest.

    It runs right after the tracker, before aiogram's per-person lock and before the
    person is loaded, so a flood costs neither queueing nor database reads.
    """

    WINDOW = 1.0

    def __init__(self, limit: int, translations: Translations) -> None:
        self._limit = limit
        self._translations = translations
        self._recent: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._last_sweep = 0.0

    def _sweep(self, now: float) -> None:
        """Forget people who have been quiet, so the dicts do not grow forever."""
        if now - self._last_sweep < 60:
            return
        self._last_sweep = now
        for user_id in [u for u, q in self._recent.items() if not q or now - q[-1] > self.WINDOW]:
            del self._recent[user_id]
            self._warned.pop(user_id, None)

    def _is_flood(self, user_id: int, now: float) -> bool:
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] > self.WINDOW:
            recent.popleft()
        recent.append(now)
        return len(recent) > self._limit

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user = UserContextMiddleware.resolve_event_context(event).user
        if user is None:
            return await handler(event, data)
        now = time.monotonic()
        self._sweep(now)
        if not self._is_flood(user.id, now):
            return await handler(event, data)
        warn = now - self._warned.get(user.id, -1e9) > self.WINDOW * 5
        if warn:
            self._warned[user.id] = now
        logger.info("Flood from user %s: update dropped", user.id)
        t = self._translations.get(user.language_code)
        if isinstance(event.callback_query, CallbackQuery):
            # Every callback query is answered, or the button keeps spinning.
            await event.callback_query.answer(t.popup("flood-warning") if warn else None)
        elif warn and isinstance(event.message, Message):
            # Taken up again with the menu (for a newcomer: getting acquainted).
            await event.message.answer(t("flood-warning"), reply_markup=way_on_keyboard(t))
        return None


class PopupLimitMiddleware(BaseMiddleware):
    """Whatever text a handler gave the pop-up of a pressed button, it fits Telegram's 200
    characters: a longer one would be refused with 400 and the button would spin.

    Registered inside CallbackAnswerMiddleware, so it runs after the handler and before
    the answer is sent. Handlers make pop-ups with `t.popup()`, which shortens the values
    in the text; this is the guarantee for anything that slipped past it.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            answer = data.get("callback_answer")
            if isinstance(answer, CallbackAnswer) and not answer.answered and answer.text:
                answer.text = fit_popup(answer.text)
