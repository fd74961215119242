"""Reminders at scale: start-up, memory and punctuality with 100,000 pending reminders.

A fresh database gets E events with S subscribers each (default 2,000 × 50 = 100,000
pending reminders, one offset, all due a day or more ahead), filled by a separate
process so that its memory does not count. Then, in this process, the bot starts as
`python -m bot` starts it before polling (migrations, the dispatcher, its start-up:
delivery engine, reminder scheduler with its catch-up sweep, broadcast monitor, command
menus) and the start-up time and resident memory are taken. Meanwhile F more events with
B subscribers each (default 20 × 25 = 500 reminders, not counted in `pending`) fall
due one after another (one event a second from a few seconds after start-up): their
reminders go through the outbox to the fake Bot API, which records when each arrived.
Prints one last line:

reminders pending=100000 startup_s=… rss_mb=… fired=… duplicates=0 late_p95_s=… store=sqlite

rss_mb is this process's resident memory once the bot is ready; the line before it
gives the peak over the whole run (firing included). The fake Bot API runs in a process
of its own, as Telegram runs on other machines: this process holds only what the bot
holds. Of the figure, about 150 MB is aiogram itself (its ~400 Bot API types, each a
pydantic model with a compiled validator and serializer: `python -c "import aiogram"`
alone takes ~165 MB of RSS); the reminders add next to nothing, since nothing per
reminder is kept in memory.

late_p95_s is the 95th percentile of (arrival at the Bot API − due moment).
Run: .venv/bin/python -m bench.reminders [--events E] [--subscribers S]
     [--fire-events F] [--fire-subscribers B] [--send-rate R]
     [--database-url postgresql://user@host:5432/db]  (a schema of its own, dropped after)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.stores import bench_store, store_name
from bot.app import create_bot, create_dispatcher
from bot.core.config import Settings
from bot.runner import open_database
from storage.db import utc_now

TOKEN = "123456789:AAH-bench-token-for-the-fake-server-0"
OFFSET = "1d"
OFFSET_S = 86400
FIRST_PERSON = 30_000_000
FIRE_LEAD_S = 10  # the first batch falls due this long after the bench begins (fill included)
QUIET_S = 1.5  # after the last reminder: anything sent twice would show up meanwhile


def _settings(store_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": store_url,
        "trip_reminders": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _people(subscribers: int) -> int:
    return max(subscribers * 200, 10_000)


async def fill(
    store_url: str, events: int, subscribers: int, fire: int, fire_subs: int, first_due: int
) -> None:
    """The database as a running bot would have it: people, events, subscriptions."""
    db = await open_database(_settings(store_url, "http://127.0.0.1:9"))
    now = utc_now().replace(microsecond=0)
    stamp = now
    people = _people(subscribers)
    fire_people = fire * fire_subs
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO people (tg_id, language, full_name, city_id, role, organisation,"
                " consent_at, created_at, updated_at) VALUES (?, ?, 'Участник', ?, 'culture',"
                " 'Ансамбль', ?, ?, ?)",
                [
                    (FIRST_PERSON + i, "ru" if i % 3 else "be", 1 + i % 2, stamp, stamp, stamp)
                    for i in range(people + fire_people)
                ],
            )
            rows = []
            # Events 1..E: the pending reminders; the next F: the batch that fires.
            for index in range(events):
                starts = now + timedelta(days=2, minutes=37 * index)
                rows.append((f"Событие {index}", 1 + index % 2, starts))
            for index in range(fire):
                # The reminder (a day before) of event k falls due at first_due + k.
                starts = datetime.fromtimestamp(first_due + OFFSET_S + index, UTC)
                rows.append((f"Срочное {index}", 1 + index % 2, starts))
            await conn.executemany(
                "INSERT INTO events (kind, title, city_id, venue, starts_at, ends_at,"
                " created_at, updated_at) VALUES ('festival', ?, ?, 'Площадь', ?, ?, ?, ?)",
                [(title, city, start, start, stamp, stamp) for title, city, start in rows],
            )
            subscriptions = [
                (1 + e, FIRST_PERSON + (e * subscribers + s) % people, stamp)
                for e in range(events)
                for s in range(subscribers)
            ]
            subscriptions += [
                (1 + events + e, FIRST_PERSON + people + e * fire_subs + s, stamp)
                for e in range(fire)
                for s in range(fire_subs)
            ]
            await conn.executemany(
                "INSERT INTO event_subscriptions (event_id, tg_id, created_at) VALUES (?, ?, ?)",
                subscriptions,
            )
            # The bot ran until now: reminders up to this moment were handled.
            await conn.execute(
                "INSERT INTO reminder_sweeps (id, swept_until) VALUES (1, ?)", (stamp,)
            )
    finally:
        await db.close()


# Telegram's side, in a process of its own


async def _telegram_side(pipe: Connection, expected: int) -> None:
    from tests.fake_telegram import FakeTelegram

    def sent() -> list[Any]:
        return [call for call in telegram.calls_of("sendMessage") if call.ok]

    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    try:
        pipe.send(telegram.base_url)
        timeout: float = await asyncio.to_thread(pipe.recv)  # the bot is ready
        try:
            async with asyncio.timeout(timeout):
                while len(sent()) < expected:  # noqa: ASYNC110 - polls its own records
                    await asyncio.sleep(0.1)
            await asyncio.sleep(QUIET_S)
        except TimeoutError:
            pass  # the figures will show what is missing
        pipe.send([(c.params["chat_id"], c.params["text"], c.at) for c in sent()])
        await asyncio.to_thread(pipe.recv)  # the bot has stopped
    finally:
        await telegram.stop()


def _telegram_process(pipe: Connection, expected: int) -> None:
    asyncio.run(_telegram_side(pipe, expected))


# The bot's side, measured


async def _count_pending(db: Any, events: int) -> int:
    """Reminders still ahead for the E events (the firing batch is not counted)."""
    async with db.read.execute(
        "SELECT COUNT(*) FROM event_subscriptions s JOIN events e ON e.id = s.event_id"
        " WHERE e.id <= ? AND e.starts_at > ?",
        (events, utc_now() + timedelta(seconds=OFFSET_S)),
    ) as cur:
        return (await cur.fetchone())[0]


async def _bot_side(
    pipe: Connection,
    api_url: str,
    store_url: str,
    events: int,
    subscribers: int,
    fire: int,
    fire_subs: int,
    rate: float,
) -> tuple[float, float, int, list[tuple[int, str, float]], int]:
    """Fill the store (another process), start the bot, wait for the firing batch; the
    start-up time, resident memory, pending reminders, what Telegram got, the first due."""
    expected = fire * fire_subs
    first_due = int(time.time()) + FIRE_LEAD_S
    await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "bench.reminders",
            "--fill",
            store_url,
            "--events",
            str(events),
            "--subscribers",
            str(subscribers),
            "--fire-events",
            str(fire),
            "--fire-subscribers",
            str(fire_subs),
            "--first-due",
            str(first_due),
        ],
        check=True,
    )
    settings = _settings(store_url, api_url, event_reminders=OFFSET, send_rate=rate)
    started = time.perf_counter()
    db = await open_database(settings)
    bot = create_bot(settings)
    try:
        dp = create_dispatcher(settings, db, bot)
        # What `python -m bot` does before it polls: the engine, the reminders
        # (with their catch-up sweep), the broadcast monitor, the command menus.
        await dp.emit_startup(bot=bot, **dp.workflow_data)
        startup_s = time.perf_counter() - started
        rss_mb = _memory_mb("VmRSS")
        pending = await _count_pending(db, events)
        pipe.send(FIRE_LEAD_S + fire + expected / rate * 3 + 30)
        sent: list[tuple[int, str, float]] = await asyncio.to_thread(pipe.recv)
        await dp.emit_shutdown(bot=bot, **dp.workflow_data)
    finally:
        await bot.session.close()
        await db.close()
    return startup_s, rss_mb, pending, sent, first_due


async def run(
    events: int,
    subscribers: int,
    fire: int,
    fire_subs: int,
    rate: float,
    database_url: str | None = None,
) -> str:
    expected = fire * fire_subs
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    process = context.Process(target=_telegram_process, args=(child_pipe, expected), daemon=True)
    process.start()
    try:
        api_url: str = await asyncio.to_thread(pipe.recv)
        with tempfile.TemporaryDirectory() as folder:
            async with bench_store(database_url, Path(folder) / "bench.sqlite3") as store_url:
                startup_s, rss_mb, pending, sent, first_due = await _bot_side(
                    pipe, api_url, store_url, events, subscribers, fire, fire_subs, rate
                )
            peak_mb = _memory_mb("VmHWM")
        pipe.send("stop")
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    received = collections.Counter((chat, text) for chat, text, _ in sent)
    duplicates = sum(n - 1 for n in received.values())
    lateness = []
    for chat, _, at in sent:
        event_index = (chat - FIRST_PERSON - _people(subscribers)) // fire_subs
        lateness.append(at - (first_due + event_index))
    late_p95 = statistics.quantiles(lateness, n=20)[-1] if len(lateness) >= 2 else 0.0
    print(f"reminders peak_rss_mb={peak_mb:.0f} (the whole run, firing included)")
    return (
        f"reminders pending={pending} startup_s={startup_s:.2f} rss_mb={rss_mb:.0f}"
        f" fired={len(sent)} duplicates={duplicates} late_p95_s={late_p95:.2f}"
        f" store={store_name(database_url)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--fire-events", type=int, default=20)
    parser.add_argument("--fire-subscribers", type=int, default=25)
    parser.add_argument("--send-rate", type=float, default=30)
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://user@host:5432/db (a schema of the run's own); default: SQLite",
    )
    parser.add_argument("--fill", help=argparse.SUPPRESS)  # the store URL to fill
    parser.add_argument("--first-due", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.fill:
        asyncio.run(
            fill(
                args.fill,
                args.events,
                args.subscribers,
                args.fire_events,
                args.fire_subscribers,
                args.first_due,
            )
        )
        return
    line = asyncio.run(
        run(
            args.events,
            args.subscribers,
            args.fire_events,
            args.fire_subscribers,
            args.send_rate,
            args.database_url,
        )
    )
    print(line)  # a benchmark prints its figures


if __name__ == "__main__":
    main()
