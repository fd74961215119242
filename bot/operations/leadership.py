"""On PostgreSQL, exactly one process sends: the one that holds the leader's lock.

Every worker (and a bot in long polling) tries to take a PostgreSQL advisory lock on a
connection of its own; the one that gets it leads: it runs the delivery engine, the
reminders, the broadcast monitor and the nightly jobs (`Duties`), and listens for the
other workers' wake-ups (LISTEN/NOTIFY). The others try again every `retry_every`
seconds, so when the leader dies (its connection closes and the server releases the
lock at once) another worker leads within about that time.

The lock lives as long as its connection. When the connection is lost (a network
failure, `pg_terminate_backend`), the server releases the lock and another worker may
take it while this one still believes it leads. So the leader checks that its lock's
connection answers every `retry_every` seconds and before each batch the delivery engine
sends (`alive`), and steps down when it does not. Outbox rows are claimed with a
conditional update (`queued` → `sending`), so two senders never send one row; only the
messages in flight when the lock was lost may be sent twice.

The lock's key is the schema's: two installations in one database have a leader each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any, Protocol

import asyncpg

from bot.delivery.signals import Signals, Topic
from storage.db import Database

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(int, int): this application's number, and the schema's hash.
_LOCK_CLASS = 741415
_TAKE = "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))"
_CHANNEL = "SELECT 'pobratim_' || md5(current_schema())"
CHECK_TIMEOUT = 2.0  # seconds for the lock's connection to answer
# A connection still open that did not answer in time (a busy event loop in a rush, a
# slow network) is given this many checks in a row before the leader steps down: sending
# pauses meanwhile (the engine checks before each batch), but a takeover, with its
# in-flight messages sent twice, is not caused by one slow answer.
MISSES_BEFORE_STEPPING_DOWN = 2
CONNECT_TIMEOUT = 5.0
# The lock's connection is gone or broken (asyncpg's "cannot switch to state" after the
# server ended it included): the lead is lost, or cannot be tried for now.
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


class Duties(Protocol):
    """What the leader runs: started when it takes the lock, stopped when it loses it."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Leadership:
    def __init__(
        self,
        url: str,
        db: Database,
        duties: Duties,
        signals: Signals,
        *,
        retry_every: float = 1.0,
    ) -> None:
        self._url = url
        self._db = db
        self._duties = duties
        self._signals = signals
        self._retry_every = retry_every
        self._conn: asyncpg.Connection | None = None
        self._channel: str | None = None
        self._query = asyncio.Lock()  # one statement at a time on the lock's connection
        self._leading = False
        self._misses = 0  # checks in a row the lock's connection did not answer
        self._runner: asyncio.Task[None] | None = None
        self._notifying: set[Topic] = set()
        self._again: set[Topic] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.terms = 0  # how many times this process took the lead (for tests and logs)

    @property
    def leading(self) -> bool:
        return self._leading

    # Lifecycle

    async def start(self) -> None:
        """Try once now (a single process leads before it handles its first update),
        then keep trying, or keep checking, in the background."""
        self._signals.relay_through(self._relay)
        await self._try_to_lead()
        self._runner = asyncio.create_task(self._run(), name="leadership")

    async def stop_trying(self) -> None:
        """Shutting down: this process takes no lead from now on (it still leads if it
        does, until `stop`)."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None

    async def stop(self) -> None:
        await self.stop_trying()
        await self._step_down("stopping")
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=CHECK_TIMEOUT)

    async def alive(self) -> bool:
        """This process leads and its lock's connection answers (the lock is still ours)."""
        if not self._leading or self._conn is None:
            return False
        try:
            async with self._query:
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), CHECK_TIMEOUT)
        except _UNREACHABLE as exc:
            logger.warning("The leader's lock connection does not answer: %s", exc)
            return False
        return True

    # The loop

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._retry_every)
            try:
                if self._leading:
                    await self._check_lead()
                else:
                    await self._try_to_lead()
            except Exception:
                logger.exception("Leadership check failed; trying again")

    async def _check_lead(self) -> None:
        if await self.alive():
            self._misses = 0
            return
        self._misses += 1
        closed = self._conn is None or self._conn.is_closed()
        if closed or self._misses >= MISSES_BEFORE_STEPPING_DOWN:
            await self._step_down("the lock's connection was lost")

    async def _try_to_lead(self) -> None:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(
                    self._url,
                    timeout=CONNECT_TIMEOUT,
                    server_settings={
                        # The process is named, for an operator looking at pg_stat_activity.
                        "application_name": f"pobratim-leader-{os.getpid()}",
                        # A leader whose machine died or was cut off holds the lock until
                        # the server notices: keepalives find it within ~10 s (not the
                        # system's two hours), and a leader that hangs without pinging
                        # (it checks every second) loses the session after 10 s.
                        "tcp_keepalives_idle": "4",
                        "tcp_keepalives_interval": "2",
                        "tcp_keepalives_count": "3",
                        "idle_session_timeout": "10s",
                    },
                )
            async with self._query:
                taken = await self._conn.fetchval(_TAKE, _LOCK_CLASS)
                if not taken:
                    return
                self._channel = await self._conn.fetchval(_CHANNEL)
                await self._conn.add_listener(self._channel, self._heard)
        except _UNREACHABLE as exc:
            logger.warning("Cannot try for the leader's lock: %s", exc)
            await self._drop_connection()
            return
        self._leading = True
        self.terms += 1
        logger.info("This worker leads: it sends messages and runs the scheduled jobs")
        try:
            await self._duties.start()
        except Exception:
            logger.exception("The leader's duties did not start; stepping down")
            await self._step_down("its duties did not start")

    async def _step_down(self, why: str) -> None:
        was_leading, self._leading = self._leading, False
        self._misses = 0
        if was_leading:
            logger.warning("This worker no longer leads: %s", why)
            try:
                await self._duties.stop()
            except Exception:
                logger.exception("The leader's duties did not stop cleanly")
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        # Closing the connection releases the lock (and the listener) on the server; a
        # connection that does not close politely is cut.
        try:
            await asyncio.wait_for(conn.close(), CHECK_TIMEOUT)
        except Exception:
            conn.terminate()

    # Wake-ups between workers

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self._signals.received(str(payload))

    def _relay(self, topic: Topic) -> None:
        """Tell the leader: itself directly, another process through NOTIFY. Called
        after the commit of what it announces; one NOTIFY per topic in flight, and one
        more after it when the topic was signalled meanwhile (its rows may have missed
        the first)."""
        if self._leading:
            self._signals.received(topic)
            return
        if topic in self._notifying:
            self._again.add(topic)
            return
        self._notifying.add(topic)
        task = asyncio.create_task(self._notify(topic))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self, topic: Topic) -> None:
        try:
            while True:
                self._again.discard(topic)
                try:
                    await self._db.execute_write(
                        "SELECT pg_notify('pobratim_' || md5(current_schema()), ?)",
                        (topic.value,),
                    )
                except Exception as exc:
                    # The leader polls anyway: the notice leaves at its next look.
                    logger.warning("Cannot signal the leader (%s): %s", topic, exc)
                    return
                if topic not in self._again:
                    return
        finally:
            self._notifying.discard(topic)
