"""The delivery engine: drains the outbox at Telegram's pace, exactly once where it can.

One worker takes due rows oldest first and books each a turn under a global rate
(SEND_RATE per second, token bucket) and at most one message a second per chat, a
little ahead of time (BOOK_AHEAD); the row's task marks it 'sending' at once and sends
it on its turn, so the database write never delays a request and no turn passes unused
while the worker reads the next rows. The row is marked 'sent' as soon as Telegram answers,
so after a crash only the rows that were in flight (at most `max_in_flight`) can reach
a person twice; everything else resumes where it stopped.

- 429: everything pauses for `retry_after`, the row goes back to the queue.
- 403: the person is marked as unreachable, their queued rows are closed.
- 5xx and network errors: retried with exponential backoff up to `max_attempts`. A 5xx
  is no message in the chat, so the chat's one-second gap does not count it: the retry
  waits for its backoff only.
- other 400s: the row fails at once (retrying cannot help).

A row sent back to the queue (429, 5xx) is tried again by the same task when its pause
or backoff ends, among the rows being sent then (the queue, oldest first, would keep it
until every row due before it had gone). Both this and the 5xx rule keep a broadcast's
last second full: otherwise its retries all come at the end, paced by their chats' gaps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from storage.db import DatabaseUnavailable, utc_now
from storage.outbox import BLOCKED, FAILED, SENT, OutboxRepo, OutboxRow
from storage.people import PersonRepo

logger = logging.getLogger(__name__)

PER_CHAT_INTERVAL = 1.0
PAID_BROADCAST_RATE = 1000.0
# Turns are booked at most this far ahead, and a row is marked 'sending' when booked:
# time for that write and for the worker's next read of due rows, without holding up a
# request. (Further ahead, a notice queued meanwhile, a retry or a stop would wait
# behind more booked turns.)
BOOK_AHEAD = 0.2
# A request that would leave later than this after its turn (a slow write, a busy event
# loop) takes a new turn instead: late requests bunch up with the punctual ones after
# them, and the margin under the limit (about 30 ms of each sliding second at 0.97) is
# also what absorbs the network's jitter.
TURN_SLACK = 0.01


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    rate: float = 25.0  # messages per second, all chats together
    per_chat_interval: float = PER_CHAT_INTERVAL
    max_in_flight: int = 20
    max_attempts: int = 5
    backoff_base: float = 0.25  # seconds; doubles with each attempt
    allow_paid_broadcast: bool = False
    idle_poll: float = 1.0  # how often to look for rows that became due
    # Requests reach Telegram with some jitter, and Telegram counts them over a sliding
    # second: pacing 3% under the limit avoids the 429s (each costs a paused second).
    rate_margin: float = 0.97


class TokenBucket:
    """At most `rate` acquisitions a second, evenly spaced.

    No bursts: Telegram counts messages over a sliding second, and a bucket that saved up
    tokens during a 429 pause would spend them all at once and earn the next 429.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._capacity = 1.0
        self._tokens = 1.0
        self._clock = clock
        self._updated = clock()

    def delay(self) -> float:
        """Take a token; how long to wait before using it."""
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


Sender = Callable[[OutboxRow], Awaitable[int | None]]


@dataclass(frozen=True, slots=True)
class _Again:
    """A row back in the queue after 429 or 5xx: when to try it again, and its attempts
    as the database counts them now (a 429 is not counted)."""

    at: float  # time.monotonic()
    attempts: int


def bot_sender(bot: Bot, *, allow_paid_broadcast: bool = False) -> Sender:
    """Send a row with the Bot API; returns the sent message id."""
    paid = True if allow_paid_broadcast else None

    async def send(row: OutboxRow) -> int | None:
        markup = (
            InlineKeyboardMarkup.model_validate(row.reply_markup) if row.reply_markup else None
        )
        if row.kind == "copy":
            assert row.from_chat_id is not None and row.from_message_id is not None
            copied = await bot.copy_message(
                row.chat_id,
                row.from_chat_id,
                row.from_message_id,
                reply_markup=markup,
                allow_paid_broadcast=paid,
            )
            return copied.message_id
        if row.document is not None:
            document = BufferedInputFile(row.document.data, filename=row.document.name)
            posted = await bot.send_document(
                row.chat_id,
                document,
                caption=row.text,
                reply_markup=markup,
                allow_paid_broadcast=paid,
            )
            return posted.message_id
        sent = await bot.send_message(
            row.chat_id, row.text or "", reply_markup=markup, allow_paid_broadcast=paid
        )
        return sent.message_id

    return send


class DeliveryObserver(Protocol):
    """Told each message's outcome (for /metrics): sent, retried, failed, blocked."""

    def delivered(self, purpose: str, outcome: str) -> None: ...


class DeliveryEngine:
    def __init__(
        self,
        outbox: OutboxRepo,
        people: PersonRepo,
        sender: Sender,
        config: DeliveryConfig,
    ) -> None:
        self._outbox = outbox
        self._people = people
        self._send = sender
        self._config = config
        rate = PAID_BROADCAST_RATE if config.allow_paid_broadcast else config.rate
        self._bucket = TokenBucket(rate * config.rate_margin)
        self._slots = asyncio.Semaphore(config.max_in_flight)
        self._wakeup = asyncio.Event()
        self._stopped = asyncio.Event()
        self._idle = asyncio.Event()
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}
        self._taken: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._observer: DeliveryObserver | None = None
        self._may_send: Callable[[], Awaitable[bool]] | None = None
        # Answers from Telegram not yet written because the database was away, by row:
        # written as soon as it answers again (`_record_pending`), so that a message that
        # went is recorded as sent instead of being sent again after a restart.
        self._unrecorded: dict[int, Callable[[], Awaitable[None]]] = {}
        self.requeued_at_start = 0

    def check_before_each_batch(self, may_send: Callable[[], Awaitable[bool]]) -> None:
        """Several workers: before each batch, make sure this process still leads (its
        lock may have been lost and taken by another worker, which sends from then on)."""
        self._may_send = may_send

    def observe(self, observer: DeliveryObserver) -> None:
        """Tell `observer` each outcome (for /metrics)."""
        self._observer = observer

    @property
    def running(self) -> bool:
        """The sending loop is alive (started, not stopped, not dead of an error)."""
        return self._runner is not None and not self._runner.done()

    # Lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return  # running already: one loop per engine
        self._stopping = False  # started again after a stop (a worker leads again)
        self._stopped.clear()
        self.requeued_at_start = await self._outbox.requeue_in_flight()
        if self.requeued_at_start:
            logger.warning(
                "%d messages were in flight at the last stop and will be sent again",
                self.requeued_at_start,
            )
        self._runner = asyncio.create_task(self._run(), name="delivery-engine")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking rows; let requests in flight finish and record their answers."""
        if self._runner is None:
            return
        # The flag as well as the cancel: on Python 3.11 asyncio.wait_for can swallow a
        # cancellation that arrives as its inner wait completes, and the loop must end anyway.
        self._stopping = True
        self._stopped.set()
        self._wakeup.set()
        self._runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._runner
        self._runner = None
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        # One process (no leadership): nobody else sends, the answers are written if the
        # database answers. Several: this sender stops because it leads no longer (or the
        # worker stops), another may lead by now, and a late write could undo what it
        # recorded. Either way nothing is kept past the stop: the rows stay 'sending'
        # and go again.
        single = self._may_send is None
        if self._unrecorded and not (single and await self._record_pending()):
            logger.warning(
                "%d answers from Telegram could not be recorded; those messages will be"
                " sent again by the next sender",
                len(self._unrecorded),
            )
            self._unrecorded.clear()

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next poll."""
        self._idle.clear()
        self._wakeup.set()

    async def wait_idle(self, seconds: float) -> bool:
        """Until nothing is due or in flight (for tests and shutdown)."""
        try:
            async with asyncio.timeout(seconds):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    # The loop

    async def _run(self) -> None:
        while not self._stopping:
            if not await self._may_take_rows():
                await asyncio.sleep(self._config.idle_poll)
                continue
            try:
                rows = await self._outbox.due(
                    now=utc_now(),
                    limit=self._config.max_in_flight * 2,
                    skip=self._taken,
                    busy_chats=self._busy_chats(),
                )
            except Exception:
                logger.exception("Cannot read the outbox; retrying")
                await asyncio.sleep(self._config.idle_poll)
                continue
            if not rows:
                pause, waiting_for_chat = await self._until_next_due()
                if not self._tasks and not waiting_for_chat and not self._unrecorded:
                    self._idle.set()
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._wakeup.wait()
                continue
            taken = 0
            for row in rows:
                if self._stopping:
                    break
                if self._chat_ready.get(row.chat_id, 0.0) > time.monotonic():
                    # This chat had a message less than a second ago, or has one booked
                    # (a retry, or several notices at once): its row waits for a later
                    # round; the others go on.
                    continue
                pause = self._paused_until - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)  # after a 429: no turns booked meanwhile
                await self._slots.acquire()
                if self._chat_ready.get(row.chat_id, 0.0) > time.monotonic():
                    self._slots.release()  # a retry of the chat was booked meanwhile
                    continue
                turn = self._book(row.chat_id)
                self._taken.add(row.id)
                task = asyncio.create_task(self._deliver(row, turn))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                taken += 1
                ahead = turn - BOOK_AHEAD - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)
            if not taken and not self._stopping:
                await self._until_a_chat_is_ready(rows)

    async def _may_take_rows(self) -> bool:
        """A process that no longer leads takes nothing (the leadership stops this
        engine meanwhile) and writes nothing more; answers kept while the database was
        away are written before anything new is taken (False while it still is)."""
        try:
            if self._may_send is not None and not await self._may_send():
                return False
            return not self._unrecorded or await self._record_pending()
        except Exception:
            # The loop must not die of it (nothing would be sent, and nobody told).
            logger.exception("Cannot tell whether to send; trying again")
            return False

    def _busy_chats(self) -> list[int]:
        """Chats that had a message less than a second ago, or have one booked."""
        now = time.monotonic()
        return [chat for chat, ready in self._chat_ready.items() if ready > now]

    async def _until_a_chat_is_ready(self, rows: list[OutboxRow]) -> None:
        """Every due row waits for its chat's one-second gap: sleep until the first is free
        (or something new is queued)."""
        ready = min(self._chat_ready.get(row.chat_id, 0.0) for row in rows)
        self._wakeup.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(ready - time.monotonic(), 0.01)):
                await self._wakeup.wait()

    async def _until_next_due(self) -> tuple[float, bool]:
        """How long to sleep until the next retry, scheduled row or busy chat is due, and
        whether due rows are only waiting for their chat's gap. Looks again at least every
        `idle_poll` (rows queued by another process, such as the import command)."""
        due_at = await self._outbox.next_due_at()
        if due_at is None:
            return self._config.idle_poll, False
        wait = (due_at - utc_now()).total_seconds()
        busy = self._busy_chats()
        if wait <= 0 and busy:
            # Rows are due, but only for chats that had a message less than a second ago.
            first_free = min(self._chat_ready[chat] for chat in busy) - time.monotonic()
            return min(max(first_free, 0.01), self._config.idle_poll), True
        if wait <= 0:
            # Due now: a chat's gap ended after `due` left its rows out. Not idle.
            return 0.01, True
        return min(wait, self._config.idle_poll), False

    def _book(self, chat_id: int) -> float:
        """The next free turn of the global pace (booked in queue order, ahead of time);
        the chat's gap runs from it (rows of a busy chat are skipped, so one chat never
        holds up the others)."""
        turn = time.monotonic() + self._bucket.delay()
        self._chat_ready[chat_id] = turn + self._config.per_chat_interval
        if len(self._chat_ready) > 10_000:
            cutoff = time.monotonic()
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > cutoff}
        return turn

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, or less if the engine stops meanwhile; False when it stops."""
        if seconds > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._stopped.wait()
        return not self._stopping

    async def _until_turn(self, chat_id: int, turn: float) -> float | None:
        """Wait for the row's turn; the moment it goes, or None when the engine stops.

        A 429 that arrives meanwhile pauses it, and it takes a new turn after the pause
        (turns booked before it would all come due at once); so does a row late for its
        turn by more than TURN_SLACK."""
        while True:
            now = time.monotonic()
            if self._paused_until > now:
                if not await self._sleep(self._paused_until - now):
                    return None
                turn = self._book(chat_id)
            elif turn > now:
                if not await self._sleep(turn - now):
                    return None
            elif now - turn > TURN_SLACK:
                turn = self._book(chat_id)
            else:
                self._chat_ready[chat_id] = now + self._config.per_chat_interval
                return now

    async def _record(self, row_id: int, write: Callable[[], Awaitable[None]]) -> None:
        """Write what became of a row; with the database away, keep it for later."""
        try:
            await write()
        except DatabaseUnavailable as exc:
            logger.warning(
                "The answer for outbox row %s will be recorded when the database is back: %s",
                row_id,
                exc,
            )
            self._unrecorded[row_id] = write

    async def _record_pending(self) -> bool:
        """Write the answers kept while the database was away; False while it still is."""
        for row_id, write in list(self._unrecorded.items()):
            try:
                await write()
            except DatabaseUnavailable:
                return False
            except Exception:
                # Not the database's absence: trying again would block every other row.
                # The row stays 'sending' and goes again at the next start.
                logger.exception("The answer for outbox row %s cannot be recorded", row_id)
            del self._unrecorded[row_id]
        return True

    async def _deliver(self, row: OutboxRow, turn: float) -> None:
        queued = False  # back in the queue, to be tried again by this task
        try:
            while True:
                if not await self._outbox.mark_sending(row_id=row.id):
                    return  # cancelled meanwhile (a stopped broadcast, a blocked person)
                queued = False
                sent_at = await self._until_turn(row.chat_id, turn)
                if sent_at is None:
                    # Stopping before its turn: back to the queue, as if never taken.
                    await self._outbox.retry_later(
                        row_id=row.id, not_before=utc_now(), error="stopped", count_attempt=False
                    )
                    return
                again = await self._attempt(row, sent_at)
                if again is None:
                    return
                queued = True
                # Back in the queue (429, 5xx): this task keeps it (the worker skips it)
                # and tries again when its pause or backoff ends.
                if not await self._sleep(again.at - time.monotonic()):
                    return  # stopping: the row stays queued
                booked = await self._book_when_free(row.chat_id)
                if booked is None:
                    return
                turn, row = booked, replace(row, attempts=again.attempts)
        except DatabaseUnavailable as exc:
            # The database went away before the row was handed to Telegram: it stays as it
            # is ('queued' waits; 'sending', left by a stop, is queued again at the next
            # start or by the next leader). Answers from Telegram are kept (`_record`).
            logger.warning(
                "Outbox row %s left for later, the database is unavailable: %s", row.id, exc
            )
        except Exception as exc:
            # Not an answer from Telegram (a bad keyboard in the row, a bug): the row is
            # closed as failed rather than left 'sending', which a restart would send again.
            # A row back in the queue stays there, for the worker to take up.
            logger.exception("Delivery of outbox row %s failed unexpectedly", row.id)
            if queued:
                return
            with contextlib.suppress(Exception):
                await self._outbox.finish(row_id=row.id, state=FAILED, error=type(exc).__name__)
        finally:
            self._taken.discard(row.id)
            self._slots.release()
            self.wake()

    async def _book_when_free(self, chat_id: int) -> float | None:
        """A turn for a row tried again, once its chat's gap is over (another row of the
        chat may have been booked meanwhile); None when the engine stops."""
        while (wait := self._chat_ready.get(chat_id, 0.0) - time.monotonic()) > 0:
            if not await self._sleep(wait):
                return None
        return self._book(chat_id)

    async def _attempt(self, row: OutboxRow, sent_at: float) -> _Again | None:
        """Send the row and record the answer; when to try it again (it went back to the
        queue), or None when it is done."""
        try:
            message_id = await self._send(row)
        except TelegramRetryAfter as exc:
            self._observed(row, "retried")
            self._paused_until = max(self._paused_until, time.monotonic() + exc.retry_after)
            logger.warning("Telegram asks to wait %s s; all sending paused", exc.retry_after)
            retry = partial(
                self._outbox.retry_later,
                row_id=row.id,
                not_before=utc_now(),
                error="429",
                count_attempt=False,
            )
            return await self._again(row.id, retry, _Again(self._paused_until, row.attempts))
        except TelegramForbiddenError:
            self._observed(row, "blocked")
            await self._record(row.id, partial(self._blocked, row))
        except (TelegramServerError, TelegramNetworkError) as exc:
            if isinstance(exc, TelegramServerError):
                self._no_message_in_chat(row.chat_id, sent_at)
            attempts = row.attempts + 1
            error = type(exc).__name__
            if attempts >= self._config.max_attempts:
                self._observed(row, "failed")
                # Given up for good: at ERROR, so it is reported (never the text or chat).
                logger.error(
                    "A %s (outbox row %s) was not delivered after %d attempts: %s",
                    row.purpose,
                    row.id,
                    attempts,
                    error,
                    extra={"purpose": row.purpose},
                )
                await self._record(
                    row.id, partial(self._outbox.finish, row_id=row.id, state=FAILED, error=error)
                )
                return None
            backoff = self._config.backoff_base * 2 ** (attempts - 1)
            retry = partial(
                self._outbox.retry_later,
                row_id=row.id,
                not_before=utc_now() + timedelta(seconds=backoff),
                error=error,
            )
            self._observed(row, "retried")
            return await self._again(row.id, retry, _Again(time.monotonic() + backoff, attempts))
        except TelegramAPIError as exc:
            # A bad request (chat not found, text too long...): retrying cannot help. The
            # log has the error's type only: Telegram's description may quote the text.
            logger.error(
                "A %s (outbox row %s) cannot be delivered: %s",
                row.purpose,
                row.id,
                type(exc).__name__,
                extra={"purpose": row.purpose},
            )
            self._observed(row, "failed")
            finish = partial(
                self._outbox.finish, row_id=row.id, state=FAILED, error=exc.message[:200]
            )
            await self._record(row.id, finish)
        else:
            self._observed(row, "sent")
            sent = partial(self._outbox.finish, row_id=row.id, state=SENT, message_id=message_id)
            await self._record(row.id, sent)
        return None

    def _observed(self, row: OutboxRow, outcome: str) -> None:
        if self._observer is None:
            return
        try:
            self._observer.delivered(row.purpose, outcome)
        except Exception:  # a counter never stops a message
            logger.exception("Cannot count a delivery")

    async def _again(
        self, row_id: int, retry: Callable[[], Awaitable[None]], again: _Again
    ) -> _Again | None:
        """Put the row back in the queue for this task to try again; with the database
        away it goes back when the database answers, and the worker takes it up then."""
        await self._record(row_id, retry)
        return None if row_id in self._unrecorded else again

    async def _blocked(self, row: OutboxRow) -> None:
        """The person blocked the bot: this row and everything queued for them close."""
        await self._outbox.finish(row_id=row.id, state=BLOCKED, error="403")
        await self._people.set_blocked(tg_id=row.chat_id, blocked=True)
        await self._outbox.close_blocked(chat_id=row.chat_id)

    def _no_message_in_chat(self, chat_id: int, sent_at: float) -> None:
        """Telegram answered 5xx: nothing reached the chat, so its gap is not counted
        (unless another row of the chat was booked since)."""
        if self._chat_ready.get(chat_id) == sent_at + self._config.per_chat_interval:
            del self._chat_ready[chat_id]
