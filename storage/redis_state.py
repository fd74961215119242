"""What several webhook workers share through Redis besides the database: each person's
lock, and the update ids already taken (forms are aiogram's RedisStorage, built here).

The person's lock is a lease: taken for PERSON_LOCK_LEASE seconds and renewed every
third of that while the update is handled. An update may run long (an import file is
parsed for up to IMPORT_TIME_LIMIT seconds) and keeps its lock all along; a worker that
dies (kill -9, a crash, a lost machine) stops renewing, and the person's next update goes
ahead at most PERSON_LOCK_LEASE seconds later. (aiogram's RedisEventIsolation holds its
lock for one fixed time, which would have to outlast the longest update: a person whose
worker died would wait that long.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator
from datetime import timedelta
from functools import partial

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.fsm.storage.redis import DefaultKeyBuilder, KeyBuilder, RedisStorage
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.lock import Lock
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_CONNECTIONS = 50  # per worker
REDIS_WAIT = 10.0  # seconds an update waits for a free connection
PERSON_LOCK_LEASE = 10.0  # seconds; a dead worker's person waits at most this long
LOCK_POLL = 0.05  # seconds between tries for a lock another update holds
# A half-filled form is kept this long after its last step (the SQLite store keeps it
# until the person finishes or cancels it; in Redis it also expires).
FORM_TTL = timedelta(days=30)
# Telegram repeats an update for a while after a failed delivery; a day covers it.
SEEN_FOR = timedelta(days=1)


def open_redis(url: str) -> Redis:
    """A client for REDIS_URL (connections are made on first use). Under a rush more
    updates want Redis at once than it has connections: they wait for one (up to
    REDIS_WAIT seconds) instead of failing, as redis-py's default pool would."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_CONNECTIONS,
        timeout=REDIS_WAIT,
        socket_connect_timeout=5,
        socket_timeout=10,
    )
    return Redis(connection_pool=pool)


def form_storage(redis: Redis) -> RedisStorage:
    return RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(with_bot_id=True),
        state_ttl=FORM_TTL,
        data_ttl=FORM_TTL,
        json_dumps=partial(json.dumps, ensure_ascii=False),
    )


class RedisPersonLocks(BaseEventIsolation):
    """One update at a time per person, across every worker."""

    def __init__(
        self,
        redis: Redis,
        *,
        lease: float = PERSON_LOCK_LEASE,
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._redis = redis
        self._lease = lease
        self._keys = key_builder or DefaultKeyBuilder(with_bot_id=True)
        # The person's updates on this worker queue in order here first (Redis is
        # polled, not queued: two quick taps could otherwise take turns in any order).
        self._here: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self._keys.build(key, "lock")
        local, waiting = self._here.get(name, (asyncio.Lock(), 0))
        self._here[name] = (local, waiting + 1)
        try:
            async with local, self._leased(name):
                yield
        finally:
            local, waiting = self._here[name]
            if waiting <= 1:
                del self._here[name]
            else:
                self._here[name] = (local, waiting - 1)

    @contextlib.asynccontextmanager
    async def _leased(self, name: str) -> AsyncGenerator[None, None]:
        lock = self._redis.lock(
            name,
            timeout=self._lease,
            sleep=LOCK_POLL,
            thread_local=False,
            lock_class=Lock,
        )
        await lock.acquire()
        keeper = asyncio.create_task(self._renew(lock))
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await lock.release()
            except LockError:
                # The lease ran out (Redis was unreachable for longer than the lease):
                # another update of this person may have started meanwhile.
                logger.warning("A person's lock had expired before its update finished")
            except (RedisConnectionError, RedisTimeoutError) as exc:
                # The update is done and stands; the lock goes when its lease runs out
                # (the person's next update waits at most that long). Raising here would
                # turn a handled update into an error the person is told to repeat.
                logger.warning("A person's lock could not be released: %s", exc)

    async def _renew(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                await lock.reacquire()
            except LockError:
                logger.warning("A person's lock was lost while their update was handled")
                return
            except Exception as exc:  # Redis unreachable for a moment: try at the next beat
                logger.warning("Cannot renew a person's lock: %s", type(exc).__name__)

    async def close(self) -> None:
        """The client is closed with the form storage (RedisStorage.close)."""


class RedisSeenUpdates:
    """Update ids already taken by some worker: Telegram sends an update again when its
    webhook request failed or timed out, possibly to another worker."""

    def __init__(self, redis: Redis, bot_id: int, *, keep: timedelta = SEEN_FOR) -> None:
        self._redis = redis
        self._prefix = f"pobratim:update:{bot_id}:"
        self._keep = keep

    async def first_time(self, update_id: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}{update_id}", 1, nx=True, ex=self._keep))
