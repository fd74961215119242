"""Several webhook workers on PostgreSQL and Redis: the settings they need, one sender
among them that another worker replaces when it dies or loses its lock, wake-ups through
NOTIFY, each person's lock across processes, and repeated updates taken once.

The bots here are real processes (`python -m bot run`) that the fake Telegram reaches by
webhook, as Telegram does: it POSTs each update and sends it again when the answer is not
a 2xx."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiogram.fsm.storage.base import StorageKey
from aiohttp import ClientError, ClientSession
from redis.asyncio import Redis

from bot.core.config import Settings
from bot.delivery.signals import Signals
from bot.operations.leadership import Leadership
from bot.runner import open_database
from handlers.kit.middlewares import RecentUpdates
from storage.db import Database, utc_now
from storage.events import EventRepo
from storage.outbox import NewMessage, OutboxRepo
from storage.redis_state import RedisPersonLocks, open_redis
from tests.conftest import TEST_DATABASE_URL, store_url_for
from tests.event_seed import add_event
from tests.fake_telegram import FakeTelegram, UpdateFactory
from tests.people_seed import add_people
from tests.processes import children, free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "s3cr3t-hook"
HOOK = "https://bot.example.org/tg/hook"
WAIT = 30.0


def _redis_answers() -> bool:
    """`make test` sets TEST_REDIS_URL=none when Redis did not answer (one line says so)."""
    where = urlsplit(REDIS_URL)
    if where.scheme not in ("redis", "rediss") or where.hostname is None:
        return False
    try:
        with socket.create_connection((where.hostname, where.port or 6379), timeout=1):
            return True
    except OSError:
        return False


needs_servers = pytest.mark.skipif(
    not TEST_DATABASE_URL or not _redis_answers(),
    reason="several workers: PostgreSQL (TEST_DATABASE_URL) and Redis on 127.0.0.1:6379",
)


def _token() -> str:
    # A bot of its own per test: Redis keys carry the bot's id, so tests never share them.
    return f"{random.randint(10**8, 10**9 - 1)}:AAH-test-token-for-the-fake-server-0"


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "WEBHOOK_", "REDIS_", "WORKERS", "LOG_")
        )
    }
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "bot.sqlite3"))
    env.update(values)
    return env


# The settings several workers need


async def _exit_line(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=_env(tmp_path, BOT_TOKEN=_token(), **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode is not None
    return process.returncode, stderr.decode().strip()


async def test_several_workers_are_refused_without_what_they_need(tmp_path: Path) -> None:
    webhook = {"WEBHOOK_URL": HOOK, "WEBHOOK_SECRET": SECRET}
    code, line = await _exit_line(tmp_path, "run", "--workers", "2")
    assert (code, line) == (
        2,
        "Ошибка настройки WORKERS=2: несколько процессов работают только в режиме вебхука"
        " (WEBHOOK_URL); long polling — всегда один процесс, так требует Telegram",
    )
    code, line = await _exit_line(tmp_path, "run", WORKERS="3", **webhook)
    assert (code, line) == (
        2,
        "Ошибка настройки WORKERS=3: с SQLite бот работает одним процессом; для нескольких"
        " нужен PostgreSQL (DATABASE_URL=postgresql://...) и Redis (REDIS_URL)",
    )
    code, line = await _exit_line(
        tmp_path,
        "run",
        "--workers",
        "2",
        DATABASE_URL="postgresql://root@127.0.0.1:5432/test",
        **webhook,
    )
    assert (code, line) == (
        2,
        "Ошибка настройки WORKERS=2: несколько процессов делят формы и очередь каждого"
        " человека через Redis; укажите REDIS_URL=redis://сервер:6379/0",
    )
    code, line = await _exit_line(tmp_path, "run", REDIS_URL="http://cache:6379")
    assert (code, line) == (2, "Ошибка настройки REDIS_URL: нужен адрес redis://сервер:6379/0")


# Real bot processes


class Bots:
    """`python -m bot run` processes on one PostgreSQL schema and one Redis, reached by
    the fake Telegram through their webhook."""

    def __init__(self, tmp_path: Path, telegram: FakeTelegram, store_url: str) -> None:
        self.tmp_path = tmp_path
        self.telegram = telegram
        self.store_url = store_url
        self.procs: list[asyncio.subprocess.Process] = []
        self.log = tmp_path / "bots.log"  # what the bots wrote to stderr

    def logged(self, text: str) -> bool:
        return self.log.exists() and text in self.log.read_text("utf-8")

    def env(self, port: int, **values: str) -> dict[str, str]:
        return _env(
            self.tmp_path,
            BOT_TOKEN=self.telegram.token,
            TELEGRAM_API_URL=self.telegram.base_url,
            DATABASE_URL=self.store_url,
            REDIS_URL=REDIS_URL,
            WEBHOOK_URL=HOOK,
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
            ADMIN_IDS="1000",
            LOG_LEVEL="WARNING",
            **values,
        )

    async def start(self, *args: str, **values: str) -> tuple[asyncio.subprocess.Process, str]:
        """A bot (or the parent of several workers) on a port of its own; its address."""
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *args,
            cwd=self.tmp_path,
            env=self.env(port, **values),
            stderr=self.log.open("ab"),
        )
        self.procs.append(proc)
        address = f"http://127.0.0.1:{port}/tg/hook"
        async with asyncio.timeout(WAIT):
            while True:
                assert proc.returncode is None, "the bot stopped at start-up"
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    await asyncio.sleep(0.1)
        return proc, address

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), WAIT)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[str, Database]]:
    url = store_url_for(tmp_path / "workers.sqlite3")
    assert url is not None
    settings = Settings(_env_file=None, bot_token=_token(), database_url=url)  # type: ignore[call-arg]
    db = await open_database(settings)  # the schema, migrated
    yield url, db
    await db.close()


@pytest.fixture
async def bots(tmp_path: Path, store: tuple[str, Database]) -> AsyncIterator[Bots]:
    telegram = FakeTelegram(_token())
    await telegram.start()
    running = Bots(tmp_path, telegram, store[0])
    try:
        yield running
    finally:
        await running.stop()
        await telegram.stop()


async def _leader(url: str) -> int | None:
    """The process id of the process that leads (holds the leader's lock)."""
    conn = await asyncpg.connect(url)
    try:
        name = await conn.fetchval(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 741415"
            " AND l.objid::int = hashtext(current_schema())"
        )
    finally:
        await conn.close()
    return int(name.rsplit("-", 1)[1]) if name else None


async def _wait_for_leader(url: str, *, not_pid: int | None = None) -> int:
    async with asyncio.timeout(WAIT):
        while True:
            pid = await _leader(url)
            if pid is not None and pid != not_pid:
                return pid
            await asyncio.sleep(0.1)


def _sent_to(telegram: FakeTelegram, chats: list[int]) -> Counter[int]:
    wanted = set(chats)
    return Counter(
        int(call.params["chat_id"])
        for call in telegram.calls
        if call.method == "sendMessage" and call.ok and int(call.params["chat_id"]) in wanted
    )


async def _until_all_sent(telegram: FakeTelegram, chats: list[int]) -> Counter[int]:
    async with asyncio.timeout(90):
        while True:
            sent = _sent_to(telegram, chats)
            if len(sent) == len(chats):
                return sent
            await asyncio.sleep(0.2)


@needs_servers
@pytest.mark.parametrize("how", ["kill -9", "pg_terminate_backend"])
async def test_the_sender_is_replaced_and_nothing_is_lost(
    bots: Bots, store: tuple[str, Database], how: str
) -> None:
    """Two workers; the one that leads is killed (or loses its lock's connection) while
    a broadcast is half-way and before an event's reminders are due: another leads
    within a few seconds, every member gets the broadcast (twice at most for the messages
    in flight at that moment), and every subscriber gets the reminder once."""
    url, db = store
    parent, _ = await bots.start("--workers", "2", SEND_RATE="40", EVENT_REMINDERS="1h")
    leader = await _wait_for_leader(url)
    assert leader in children(parent.pid)
    subscribers = await add_people(db, range(51_000, 51_000 + 20))
    event_id = await add_event(db, starts_at=utc_now() + timedelta(hours=1, seconds=10))
    for tg_id in subscribers:
        await EventRepo(db).subscribe(event_id=event_id, tg_id=tg_id)
    chats = await add_people(db, range(50_000, 50_000 + 200))
    await OutboxRepo(db).enqueue(
        [
            NewMessage(chat_id=chat, purpose="broadcast", text="Объявление", priority=1)
            for chat in chats
        ]
    )
    async with asyncio.timeout(WAIT):  # the leader polls the outbox at least every second
        while len(_sent_to(bots.telegram, chats)) < 60:
            await asyncio.sleep(0.05)
    lost_at = time.monotonic()
    if how == "kill -9":
        os.kill(leader, signal.SIGKILL)
        new_leader = await _wait_for_leader(url, not_pid=leader)
    else:
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = $1",
                f"pobratim-leader-{leader}",
            )
        finally:
            await conn.close()
        # The old lock's session is gone: its worker sees it and stops sending.
        async with asyncio.timeout(5):
            while not bots.logged("no longer leads: the lock's connection was lost"):
                await asyncio.sleep(0.1)
        new_leader = await _wait_for_leader(url)
    assert time.monotonic() - lost_at < 5
    assert new_leader in children(parent.pid)
    sent = await _until_all_sent(bots.telegram, chats)
    twice = [chat for chat, times in sent.items() if times > 1]
    assert max(sent.values()) <= 2
    assert len(twice) <= 20, twice  # the engine's max_in_flight
    reminded = await _until_all_sent(bots.telegram, subscribers)
    assert set(reminded.values()) == {1}
    reminders = [
        call
        for call in bots.telegram.calls
        if call.method == "sendMessage" and int(call.params["chat_id"]) in set(subscribers)
    ]
    assert all("Фестиваль белорусской культуры" in str(call.params["text"]) for call in reminders)


@needs_servers
async def test_a_notice_queued_elsewhere_leaves_at_once(
    bots: Bots, store: tuple[str, Database]
) -> None:
    """A notice committed by a worker that does not lead (here the test process, with
    the workers' own Leadership and Signals) is sent within a fraction of a second, not
    at the leader's next look (every second): its NOTIFY wakes the leader."""
    url, db = store
    await bots.start()
    leader = await _wait_for_leader(url)
    follower = Leadership(url, db, _NoDuties(), signals := Signals())
    await follower.start()
    try:
        assert not follower.leading and await _leader(url) == leader
        chats = await add_people(db, range(60_000, 60_000 + 5))
        outbox = OutboxRepo(db)
        delays = []
        for chat in chats:
            await asyncio.sleep(random.uniform(0.1, 0.6))
            await outbox.enqueue([NewMessage(chat_id=chat, purpose="notice", text="Уведомление")])
            queued = time.monotonic()
            signals.delivery()  # as a worker's notifier does after the commit
            async with asyncio.timeout(WAIT):
                while not _sent_to(bots.telegram, [chat]):
                    await asyncio.sleep(0.01)
            delays.append(time.monotonic() - queued)
    finally:
        await follower.stop()
    # Without the wake-up each would wait for the leader's next look: with the pauses
    # above (0.1-0.6 s after the last one, once a second) 0.4-0.9 s. With it they take
    # tens of milliseconds; the rest of the bound is for six processes on two cores.
    assert max(delays) < 0.4, delays


class _NoDuties:
    async def start(self) -> None:
        raise AssertionError("the test's process must not lead")

    async def stop(self) -> None:
        return None


async def _deliver(bots: Bots, address: str, update: dict[str, Any]) -> int:
    bots.telegram.webhook_address = address
    return bots.telegram.add_update(update)


async def _until_answered(telegram: FakeTelegram, chat_id: int, after: int) -> str:
    async with asyncio.timeout(WAIT):
        while True:
            replies = [
                call
                for call in telegram.calls[after:]
                if call.method == "sendMessage" and str(call.params.get("chat_id")) == str(chat_id)
            ]
            if replies:
                return str(replies[-1].params["text"])
            await asyncio.sleep(0.05)


@needs_servers
async def test_a_killed_worker_leaves_its_person_free_within_the_lease(bots: Bots) -> None:
    """A worker dies in the middle of someone's update, holding their lock: their next
    update, on another worker, is handled once the lock's lease runs out (10 s)."""
    first, first_address = await bots.start()
    _, second_address = await bots.start()
    person = UpdateFactory(3001, first_name="Анна")
    hold = bots.telegram.hold_next("sendMessage")  # the first worker's reply hangs
    await _deliver(bots, first_address, person.message("/start"))
    await asyncio.wait_for(hold.arrived.wait(), WAIT)
    first.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    mark = len(bots.telegram.calls)
    await _deliver(bots, second_address, person.message("/start"))
    reply = await _until_answered(bots.telegram, 3001, mark)
    waited = time.monotonic() - killed_at
    assert "Выберите язык" in reply
    # The person's lock held across processes until its lease (10 s) ran out, and not
    # longer: not the 60 s of a fixed lock.
    assert 5 < waited < 10 + 3, waited


@needs_servers
async def test_an_update_sent_again_to_another_worker_is_taken_once(bots: Bots) -> None:
    """Telegram sends an update again when it got no answer in time, possibly to another
    worker: the second copy is dropped, the person is answered once."""
    _, first_address = await bots.start()
    _, second_address = await bots.start()
    update_factory = UpdateFactory(3002, first_name="Иван")
    update = update_factory.message("/start")
    update_id = await _deliver(bots, first_address, update)
    await _until_answered(bots.telegram, 3002, 0)
    mark = len(bots.telegram.calls)
    async with (
        ClientSession() as client,
        client.post(
            second_address,
            json={**update, "update_id": update_id},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response,
    ):
        assert response.status == 200
    await asyncio.sleep(1.0)
    # A later update of the same person, to the same worker, is answered: by then the
    # copy had its turn (one update of a person at a time) and was dropped.
    await _deliver(bots, second_address, update_factory.message("/help"))
    await _until_answered(bots.telegram, 3002, mark)
    answers = [
        str(call.params.get("text"))
        for call in bots.telegram.calls[mark:]
        if call.method == "sendMessage" and str(call.params.get("chat_id")) == "3002"
    ]
    assert len(answers) == 1 and "Выберите язык" not in answers[0], answers


@needs_servers
async def test_a_long_update_keeps_its_lock_past_the_lease() -> None:
    """The lease is renewed while an update runs: a second update of the same person
    waits for the first however long it takes."""
    redis = Redis.from_url(REDIS_URL)
    try:
        key = StorageKey(bot_id=random.randint(1, 10**9), chat_id=7, user_id=7)
        first, second = RedisPersonLocks(redis, lease=0.6), RedisPersonLocks(redis, lease=0.6)
        order = []

        async def long_update() -> None:
            async with first.lock(key):
                order.append("first in")
                await asyncio.sleep(2.0)  # more than three leases
                order.append("first out")

        async def next_update() -> None:
            await asyncio.sleep(0.1)
            async with second.lock(key):
                order.append("second in")

        await asyncio.gather(long_update(), next_update())
        assert order == ["first in", "first out", "second in"]
    finally:
        await redis.aclose()


@needs_servers
async def test_a_rush_waits_for_redis_connections_instead_of_failing() -> None:
    """More updates at once than a worker has Redis connections (50): each waits for one
    (redis-py's default pool refused the 101st with MaxConnectionsError)."""
    redis = open_redis(REDIS_URL)
    locks = RedisPersonLocks(redis)
    bot_id = random.randint(1, 10**9)
    done = []

    async def update(person: int) -> None:
        async with locks.lock(StorageKey(bot_id=bot_id, chat_id=person, user_id=person)):
            await asyncio.sleep(0.05)
            done.append(person)

    try:
        await asyncio.gather(*(update(person) for person in range(300)))
    finally:
        await redis.aclose(close_connection_pool=True)
    assert sorted(done) == list(range(300))


@needs_servers
async def test_a_form_goes_on_on_another_worker(bots: Bots) -> None:
    """A person's form lives in Redis: begun on one worker, its next step is taken on the
    other (Telegram hands each request to whichever worker accepts it)."""
    _, first_address = await bots.start()
    _, second_address = await bots.start()
    person = UpdateFactory(3003, first_name="Ольга")
    await _deliver(bots, first_address, person.message("/start"))
    await _until_answered(bots.telegram, 3003, 0)
    message = bots.telegram.last_message(3003)
    data = next(b["callback_data"] for b in message.buttons() if b.get("text") == "Русский")
    mark = len(bots.telegram.calls)
    await _deliver(bots, second_address, person.callback(message, data))
    async with asyncio.timeout(WAIT):
        while True:
            texts = [
                str(call.params.get("text"))
                for call in bots.telegram.calls[mark:]
                if call.method in ("sendMessage", "editMessageText")
                and str(call.params.get("chat_id")) == "3003"
            ]
            if texts:
                break
            await asyncio.sleep(0.05)
    # The language step's answer, not a fresh start: the form went on.
    assert not any("Выберите язык" in text for text in texts), texts


async def test_one_process_takes_an_update_id_once() -> None:
    seen = RecentUpdates(size=3)
    assert [await seen.first_time(i) for i in (1, 2, 1, 3, 4, 5)] == [
        True,
        True,
        False,
        True,
        True,
        True,
    ]
    assert await seen.first_time(1)  # forgotten after `size` newer ones
    assert not await seen.first_time(5)


class _CountedDuties:
    def __init__(self) -> None:
        self.started = self.stopped = 0

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only (TEST_DATABASE_URL)")
async def test_one_slow_check_does_not_depose_the_leader(
    store: tuple[str, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock connection that once does not answer in time (a busy event loop during a
    rush) pauses sending but keeps the lead; a second miss in a row, or the connection
    found closed, gives it up (a takeover sends the in-flight messages twice)."""
    url, db = store
    duties = _CountedDuties()
    leadership = Leadership(url, db, duties, Signals(), retry_every=0.05)
    answers = iter([False])  # the next check times out once, then the real ones

    async def slow_once() -> bool:
        return next(answers, None) is not False and await real_alive()

    await leadership.start()
    try:
        async with asyncio.timeout(WAIT):
            while not leadership.leading:
                await asyncio.sleep(0.05)
        real_alive = leadership.alive
        monkeypatch.setattr(leadership, "alive", slow_once)
        await asyncio.sleep(0.5)  # ten checks: one missed
        assert leadership.leading and duties.stopped == 0
        answers = iter([False, False])  # two in a row
        await asyncio.sleep(0.5)
        assert duties.stopped == 1
    finally:
        await leadership.stop()


def _two_free_ports() -> int:
    """A port p such that p and p + 1 are both free (the two workers' health ports)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two free ports in a row")


async def _status(url: str) -> tuple[int, str]:
    async with ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.text()


@needs_servers
async def test_each_worker_answers_on_its_own_health_port(bots: Bots) -> None:
    """Worker k on METRICS_PORT + k - 1: both ready (the one that leads with its sending
    parts running, the other taking updates), each with its own /metrics."""
    base = _two_free_ports()
    await bots.start("--workers", "2", METRICS_PORT=str(base))
    for port in (base, base + 1):
        async with asyncio.timeout(WAIT):
            while True:
                try:
                    status, body = await _status(f"http://127.0.0.1:{port}/readyz")
                except ClientError:
                    status, body = 0, ""
                if status == 200:
                    break
                await asyncio.sleep(0.2)
        assert body.strip() == '{"ready": true}'
        status, page = await _status(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "pobratim_updates_received" in page
