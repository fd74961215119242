"""Reminders at scale: start-up, memory and punctuality with 100,000 pending reminders.

A fresh database gets E events with S subscribers each (default 2,000 × 50 = 100,000
pending reminders, one offset, all due a day or more ahead), filled by a separate
process so that its memory does not count. Then, in this process, the bot's parts
start as `on_startup` starts them (migrations, delivery engine, reminder scheduler)
and the start-up time and resident memory are taken. Meanwhile F more events with
B subscribers each fall due one after another (one event a second from a few seconds
after start-up): their reminders go through the outbox to the fake Bot API, which
records when each arrived. Prints one last line:

reminders pending=100000 startup_s=… rss_mb=… fired=… duplicates=0 late_p95_s=…

late_p95_s is the 95th percentile of (arrival at the Bot API − due moment).
Run: .venv/bin/python -m bench.reminders [--events E] [--subscribers S]
     [--fire-events F] [--fire-subscribers B] [--send-rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import create_bot, create_dispatcher
from bot.runner import open_database
from storage.db import to_db_time, utc_now
from tests.conftest import TOKEN, make_settings
from tests.fake_telegram import FakeTelegram

OFFSET = "1d"
OFFSET_S = 86400
FIRST_PERSON = 30_000_000
FIRE_LEAD_S = 10  # the first batch falls due this long after the bench begins (fill included)


def _sent(telegram: FakeTelegram) -> int:
    return sum(1 for call in telegram.calls_of("sendMessage") if call.ok)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def fill(
    path: Path, events: int, subscribers: int, fire: int, fire_subs: int, first_due: int
) -> None:
    """The database as a running bot would have it: people, events, subscriptions."""
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    settings = make_settings(telegram, path)
    db = await open_database(settings)
    now = utc_now().replace(microsecond=0)
    stamp = to_db_time(now)
    people = max(subscribers * 200, 10_000)
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
            for index in range(events):
                starts = now + timedelta(days=2, minutes=37 * index)
                rows.append((f"Событие {index}", 1 + index % 2, to_db_time(starts)))
            for index in range(fire):
                # The reminder (a day before) of event k falls due at first_due + k.
                starts = datetime.fromtimestamp(first_due + OFFSET_S + index, UTC)
                rows.append((f"Срочное {index}", 1 + index % 2, to_db_time(starts)))
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
        await telegram.stop()


async def run(events: int, subscribers: int, fire: int, fire_subs: int, rate: float) -> str:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        first_due = int(time.time()) + FIRE_LEAD_S
        subprocess.run(  # noqa: ASYNC221 - the fill runs before anything is measured
            [
                sys.executable,
                "-m",
                "bench.reminders",
                "--fill",
                str(path),
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
        settings = make_settings(
            telegram, path, event_reminders=OFFSET, trip_reminders="", send_rate=rate
        )
        started = time.perf_counter()
        db = await open_database(settings)
        bot = create_bot(settings)
        dp = create_dispatcher(settings, db, bot)
        await dp["delivery"].start()
        await dp["reminders"].start()
        startup_s = time.perf_counter() - started
        rss_mb = _rss_mb()
        async with db.read.execute(
            "SELECT COUNT(*) FROM event_subscriptions s JOIN events e ON e.id = s.event_id"
            " WHERE e.starts_at > ?",
            (to_db_time(utc_now() + timedelta(seconds=OFFSET_S)),),
        ) as cur:
            pending = (await cur.fetchone())[0]
        expected = fire * fire_subs
        try:
            async with asyncio.timeout(FIRE_LEAD_S + fire + expected / rate * 3 + 30):
                while _sent(telegram) < expected:  # noqa: ASYNC110 - polls the fake server
                    await asyncio.sleep(0.1)
            await asyncio.sleep(1.5)  # anything sent twice would show up now
        finally:
            await dp["reminders"].stop()
            await dp["delivery"].stop()
            await bot.session.close()
            await db.close()
    await telegram.stop()
    sent = [c for c in telegram.calls_of("sendMessage") if c.ok]
    received = collections.Counter((c.params["chat_id"], c.params["text"]) for c in sent)
    duplicates = sum(n - 1 for n in received.values())
    lateness = []
    for call in sent:
        chat = call.params["chat_id"] - FIRST_PERSON - max(subscribers * 200, 10_000)
        event_index = chat // fire_subs
        due = first_due + event_index
        lateness.append(call.at - due)
    late_p95 = statistics.quantiles(lateness, n=20)[-1] if len(lateness) >= 2 else 0.0
    return (
        f"reminders pending={pending} startup_s={startup_s:.2f} rss_mb={rss_mb:.0f}"
        f" fired={len(sent)} duplicates={duplicates} late_p95_s={late_p95:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--fire-events", type=int, default=20)
    parser.add_argument("--fire-subscribers", type=int, default=25)
    parser.add_argument("--send-rate", type=float, default=30)
    parser.add_argument("--fill", type=Path, help=argparse.SUPPRESS)
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
        )
    )
    print(line)  # a benchmark prints its figures


if __name__ == "__main__":
    main()
