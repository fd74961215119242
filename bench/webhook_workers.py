"""Webhook throughput with one worker and with two (PostgreSQL and Redis).

The same stream through `python -m bot run --workers 1` and then `--workers 2`: N people
write /start for the first time (the bot greets them and asks for a language) and press
"Русский" (the bot asks for their name), each as fast as the bot answers. The fake
Telegram in this process delivers every update by webhook, as Telegram does, with at
most 40 requests at a time. Prints one last line:

webhook_workers people=… updates=… one_updates_per_s=… two_updates_per_s=… ratio=…
                bench_cpu_share=… workers_cpu_share=… servers_cpu_share=…  (one line)

The *_cpu_share figures are the CPU time of this process (the load generator: the fake
Telegram and the people), of the workers, and of the PostgreSQL and Redis servers during
the two-worker run, divided by its wall time: on a 2-core machine their sum cannot pass
2, which bounds the ratio.

Run: .venv/bin/python -m bench.webhook_workers [--people N]
     [--database-url postgresql://...] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.registration_rush import WatchedTelegram
from bench.stores import bench_store
from tests.fake_telegram import UpdateFactory
from tests.processes import children, cpu_seconds, cpu_seconds_of, free_port

ROOT = Path(__file__).resolve().parent.parent
FIRST_ID = 30_000_000
HOOK = "https://bot.example.org/tg/hook"
SECRET = "bench-secret"
TIMEOUT = 300.0


def _servers_cpu() -> float:
    """CPU seconds of the PostgreSQL and Redis server processes on this machine."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() in ("postgres", "redis-server"):
                total += cpu_seconds_of(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return total


async def _person(telegram: WatchedTelegram, person: UpdateFactory) -> None:
    await telegram.deliver(person.message("/start"))
    message, data = telegram.button(person.user_id, "Русский")
    await telegram.deliver(person.callback(message, data))


async def _stream(
    workers: int, people: int, database_url: str, redis_url: str
) -> dict[str, float]:
    # A bot of its own per run: Redis keeps forms and update ids by the bot's id.
    bot_id = random.SystemRandom().randint(10**8, 10**9 - 1)
    telegram = WatchedTelegram(f"{bot_id}:AAH-bench-token-0000")
    await telegram.start()
    port = free_port()
    telegram.webhook_address = f"http://127.0.0.1:{port}/tg/hook"
    with tempfile.TemporaryDirectory() as folder:
        async with bench_store(database_url, Path(folder) / "unused.sqlite3") as store_url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))},
                "PYTHONPATH": str(ROOT),
                "BOT_TOKEN": telegram.token,
                "TELEGRAM_API_URL": telegram.base_url,
                "DATABASE_PATH": str(Path(folder) / "unused.sqlite3"),
                "DATABASE_URL": store_url,
                "REDIS_URL": redis_url,
                "WEBHOOK_URL": HOOK,
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_HOST": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
                "FLOOD_LIMIT": "100",
                "LOG_LEVEL": "ERROR",
            }
            parent = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--workers", str(workers), cwd=folder, env=env
            )
            try:
                # One worker is the process itself; several are the parent's children.
                async with asyncio.timeout(60):
                    while telegram.webhook is None or (
                        workers > 1 and len(children(parent.pid)) < workers
                    ):
                        assert parent.returncode is None, "the bot stopped at start-up"
                        await asyncio.sleep(0.1)
                await asyncio.sleep(2.0)  # the workers finish starting (the leader's menus)
                crowd = [UpdateFactory(FIRST_ID + index) for index in range(people)]
                pids = children(parent.pid) if workers > 1 else [parent.pid]
                cpu_workers = sum(cpu_seconds_of(pid) for pid in pids)
                cpu_bench, cpu_servers = cpu_seconds(), _servers_cpu()
                started = time.perf_counter()
                async with asyncio.timeout(TIMEOUT):
                    await asyncio.gather(*(_person(telegram, person) for person in crowd))
                wall = time.perf_counter() - started
                cpu_workers = sum(cpu_seconds_of(pid) for pid in pids) - cpu_workers
                cpu_bench = cpu_seconds() - cpu_bench
                cpu_servers = _servers_cpu() - cpu_servers
            finally:
                parent.send_signal(signal.SIGTERM)
                await asyncio.wait_for(parent.wait(), 60)
                await telegram.stop()
    return {
        "updates_per_s": 2 * people / wall,
        "bench_cpu_share": cpu_bench / wall,
        "workers_cpu_share": cpu_workers / wall,
        "servers_cpu_share": cpu_servers / wall,
    }


async def run(people: int, database_url: str, redis_url: str) -> str:
    one = await _stream(1, people, database_url, redis_url)
    two = await _stream(2, people, database_url, redis_url)
    return (
        f"webhook_workers people={people} updates={2 * people}"
        f" one_updates_per_s={one['updates_per_s']:.0f}"
        f" two_updates_per_s={two['updates_per_s']:.0f}"
        f" ratio={two['updates_per_s'] / one['updates_per_s']:.2f}"
        f" bench_cpu_share={two['bench_cpu_share']:.2f}"
        f" workers_cpu_share={two['workers_cpu_share']:.2f}"
        f" servers_cpu_share={two['servers_cpu_share']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--database-url", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    line = asyncio.run(run(args.people, args.database_url, args.redis_url))
    print(line)  # a benchmark prints its figures


if __name__ == "__main__":
    main()
