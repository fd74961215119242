"""Outer middlewares: update tracking, the person of the update, flood control; the
person's lock around them (PersonLocks); and the inner middleware that keeps every pop-up
within Telegram's limit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import CancelHandler, SkipHandler
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.early_answer import release_webhook_answer
from bot.core.i18n import Translations, fit_popup
from bot.core.logging_setup import UserRef, current_update_id
from bot.core.request_retry import update_arrived
from bot.core.roles import Person, access_of
from handlers.kit.keyboards import way_on_keyboard

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateTracker(BaseMiddleware):
    """Knows which updates are in flight, so shutdown can wait for them to finish.

    aiogram's own outer middlewares stay where aiogram puts them (errors outermost, then
    the user context, then the FSM one that holds the person's lock), and this one comes
    after them. So that an update still counts from the moment it asks for the person's
    lock until its error handler has finished:
    - PersonLocks (the dispatcher's events isolation) counts it while it waits for and
      holds the lock;
    - an exception that leaves this middleware goes to aiogram's ErrorsMiddleware and the
      error handlers: `errors` (an outer middleware of the error handlers) lets the update
      go when they have finished. So `errors` must be registered wherever this is
      (dp.errors.outer_middleware): without it a failed update would stay counted.
    It also tags log records with the update id.
    """

    def __init__(self) -> None:
        # Update ids in flight, each with how many times (Telegram may send one again while
        # it is still being handled).
        self._updates: Counter[int] = Counter()
        # Updates whose exception went to the error handlers, still counted in _updates.
        self._handed_over: Counter[int] = Counter()
        self._locking = 0  # updates waiting for or holding a person's lock
        self._idle = asyncio.Event()
        self._idle.set()
        self._listeners: list[Callable[[int], None]] = []

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Called with each update id once its handling has finished."""
        self._listeners.append(listener)

    def _settle(self) -> None:
        if self._updates or self._locking:
            self._idle.clear()
        else:
            self._idle.set()

    def _enter(self, update_id: int) -> None:
        self._updates[update_id] += 1
        self._settle()

    def _leave(self, update_id: int) -> None:
        self._updates[update_id] -= 1
        if self._updates[update_id] <= 0:
            del self._updates[update_id]
        self._settle()
        for listener in self._listeners:
            listener(update_id)

    @contextmanager
    def locking(self) -> Iterator[None]:
        """An update asks for a person's lock: in flight until it lets the lock go."""
        self._locking += 1
        self._settle()
        try:
            yield
        finally:
            self._locking -= 1
            self._settle()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        token = current_update_id.set(event.update_id)
        self._enter(event.update_id)
        to_error_handlers = False
        try:
            return await handler(event, data)
        except (SkipHandler, CancelHandler):
            raise
        except Exception:
            to_error_handlers = True  # `errors` lets it go once they have finished
            self._handed_over[event.update_id] += 1
            raise
        finally:
            current_update_id.reset(token)
            if not to_error_handlers:
                self._leave(event.update_id)

    async def errors(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Around the error handlers of an update (dp.errors.outer_middleware)."""
        assert isinstance(event, ErrorEvent)
        update_id = event.update.update_id
        token = current_update_id.set(update_id)
        if self._handed_over[update_id] > 0:  # still counted since its handler failed
            self._handed_over[update_id] -= 1
        else:  # it failed before it reached the tracker
            self._enter(update_id)
        if not self._handed_over[update_id]:
            del self._handed_over[update_id]
        try:
            return await handler(event, data)
        finally:
            current_update_id.reset(token)
            self._leave(update_id)

    async def wait_idle(self, seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                while self._updates or self._locking:  # woken: look again
                    await self._idle.wait()
        except TimeoutError:
            return False
        return True


# Set by PersonLocks for the update it is locking: whether it is part of a flood.
_flooding: ContextVar[bool | None] = ContextVar("flooding", default=None)


class PersonLocks(BaseEventIsolation):
    """aiogram's lock per person (its events isolation: one update at a time per person),
    with what must happen before an update waits for it:
    - the tracker counts the update as in flight from here;
    - flood control decides here, so a flood does not queue for the person's lock: an
      update of a flood takes no lock, and ThrottlingMiddleware drops it.
    """

    def __init__(
        self, inner: BaseEventIsolation, tracker: UpdateTracker, flood: ThrottlingMiddleware
    ) -> None:
        self._inner = inner
        self._tracker = tracker
        self._flood = flood

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        with self._tracker.locking():
            flooding = self._flood.arrived(key.user_id)
            token = _flooding.set(flooding)
            arrived = update_arrived.set(time.monotonic())
            try:
                if flooding:
                    yield
                else:
                    async with self._inner.lock(key):
                        yield
            finally:
                update_arrived.reset(arrived)
                _flooding.reset(token)

    async def close(self) -> None:
        await self._inner.close()


class SeenUpdates(Protocol):
    """Update ids already taken (storage.redis_state.RedisSeenUpdates, shared by the
    workers, or RecentUpdates in one process)."""

    async def first_time(self, update_id: int) -> bool: ...


class RecentUpdates:
    """The last `size` update ids this process took."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._ids: set[int] = set()
        self._order: deque[int] = deque()

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class RepeatFilter(BaseMiddleware):
    """Webhook mode: Telegram sends an update again when its request failed or timed out
    (a worker died, answered 5xx, was slow), possibly to another worker. The first to
    take an update id handles it; a repeat is dropped (and answered 200, so Telegram
    stops sending it)."""

    def __init__(self, seen: SeenUpdates) -> None:
        self._seen = seen

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if not await self._seen.first_time(event.update_id):
            logger.info("Update %s arrived again and was dropped", event.update_id)
            return None
        return await handler(event, data)


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

    Whether an update is part of a flood is decided when it arrives, before it waits for
    the person's lock (PersonLocks asks `arrived`), so a flood does not queue for it; the
    update is dropped here, before the person is loaded (aiogram has only read the form's
    state, from the storage's memory for anyone active).
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

    def arrived(self, user_id: int) -> bool:
        """An update from this person arrives: whether it is part of a flood."""
        now = time.monotonic()
        self._sweep(now)
        return self._is_flood(user_id, now)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user = UserContextMiddleware.resolve_event_context(event).user
        if user is None:
            return await handler(event, data)
        flooding = _flooding.get()
        if flooding is None:  # an update that takes no person's lock: decided here
            flooding = self.arrived(user.id)
        if not flooding:
            return await handler(event, data)
        now = time.monotonic()
        warn = now - self._warned.get(user.id, -1e9) > self.WINDOW * 5
        if warn:
            self._warned[user.id] = now
        logger.info("Flood from %s: update dropped", UserRef(user.id))
        t = self._translations.get(user.language_code)
        if isinstance(event.callback_query, CallbackQuery):
            # Every callback query is answered, or the button keeps spinning.
            _press_answered.set(True)
            await event.callback_query.answer(t.popup("flood-warning") if warn else None)
        elif warn and isinstance(event.message, Message):
            # Taken up again with the menu (for a newcomer: getting acquainted).
            await event.message.answer(t("flood-warning"), reply_markup=way_on_keyboard(t))
        return None


# Set in the update's task when its press has been answered (see `press_answered`). Each
# update runs in a task of its own (aiogram's polling with handle_as_tasks, as the bot
# runs it, and the webhook's handling), which starts with the default.
_press_answered: ContextVar[bool] = ContextVar("press_answered", default=False)


def press_answered() -> bool:
    """Whether the press being handled has been answered. The error handler reads it: a
    press that failed before it reached PressAnswers (the person's lock or form in
    Redis, a store gone away) is answered there, so that its button stops spinning."""
    return _press_answered.get()


async def answer_now(callback: CallbackQuery, answer: CallbackAnswer, text: str | None) -> None:
    """Answer a press at once, not after its handler (which has seconds of work ahead):
    the middleware's closing answer is called off, and the error handler knows the
    press is answered."""
    answer.disable()
    _press_answered.set(True)
    await callback.answer(text)
    release_webhook_answer()


class PressAnswers(BaseMiddleware):
    """Every press is answered once its handler has run (Telegram shows the button
    spinning until then), with the pop-up the handler set on `callback_answer`: what
    aiogram's CallbackAnswerMiddleware does, with aiogram's public CallbackAnswer, and
    written out here so that it can also

    - note, for the error handler, that the press has been answered (an update's
      middlewares, handler and error handlers run in one task, so the note set here is
      seen there);
    - with `in_response` (WEBHOOK_ANSWER_IN_RESPONSE), return the closing answer instead
      of sending it: bot.webhook.WebhookHandler handles a press before its HTTP answer
      and writes a Bot API call the handling returns into it, and Telegram carries it
      out, sparing the bot a request per press. Telegram reports neither the result nor
      an error of such a call, which suits this one: nobody reads an answer's result,
      and a press too old to be answered needs nothing more. Such an answer is not noted:
      should anything after the handler fail (the person's lock in Redis), it is
      dropped with the response, and the error handler answers.

    A handler that returned a call of its own keeps it, and its press is answered with a
    request; a handler that failed is answered at once, before the error handlers reply.
    """

    def __init__(self, *, in_response: bool = False) -> None:
        self._in_response = in_response

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answer = data["callback_answer"] = CallbackAnswer(answered=False)
        try:
            result = await handler(event, data)
        except BaseException:
            if not answer.disabled:
                await _answered(event, answer)
            raise
        if answer.disabled:
            return result  # answered by the handler itself (`answer_now`)
        if self._in_response and result is None:
            return _answer_call(event, answer)
        await _answered(event, answer)
        return result


def _answer_call(event: CallbackQuery, answer: CallbackAnswer) -> AnswerCallbackQuery:
    return event.answer(
        text=answer.text,
        show_alert=answer.show_alert,
        url=answer.url,
        cache_time=answer.cache_time,
    )


async def _answered(event: CallbackQuery, answer: CallbackAnswer) -> None:
    _press_answered.set(True)
    await _answer_call(event, answer)


class PopupLimitMiddleware(BaseMiddleware):
    """Whatever text a handler gave the pop-up of a pressed button, it fits Telegram's 200
    characters: a longer one would be refused with 400 and the button would spin.

    Registered inside PressAnswers, so it runs after the handler and before
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
