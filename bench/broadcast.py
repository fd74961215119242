"""A broadcast to N people through the delivery engine, against a rate-limited fake Bot API.

The fake Bot API allows L sends in any one second and answers 429 (retry after 1 s)
beyond that, fails 3% of requests with a 5xx, and 2% of the recipients have blocked the
bot. The engine runs at SEND_RATE = L and copies one organiser's message to everyone
(copyMessage). Prints one last line:

broadcast recipients=3000 delivered=… blocked=… failed=… duplicates=0 lost=0
          rate_ratio=… too_many_requests=… store=sqlite   (on one line)

rate_ratio is the engine's achieved pace: requests Telegram took (delivered, or answered
403/5xx; not the 429 refusals) per second, from the first to the last, divided by L.
Run: .venv/bin/python -m bench.broadcast [--recipients N] [--limit L]
     [--database-url postgresql://user@host:5432/db]  (a schema of its own, dropped after)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stores import bench_store, store_name
from bot.app import create_bot
from bot.delivery.engine import DeliveryConfig, DeliveryEngine, bot_sender
from bot.runner import open_database
from storage.db import utc_now
from storage.outbox import NewMessage, OutboxRepo
from storage.people import NewProfile, PersonRepo
from tests.conftest import TOKEN, make_settings
from tests.fake_telegram import ApiError, FakeTelegram

FIRST_ID = 20_000_000
ORGANISER = 1000
SENDS = {"sendmessage", "copymessage"}


class TelegramLimits:
    """Telegram's behaviour under load: a sliding-second limit, random 5xx."""

    def __init__(self, limit: int, server_error_ratio: float, seed: int = 7) -> None:
        self.limit = limit
        self.ratio = server_error_ratio
        self.rng = random.Random(seed)
        self.window: collections.deque[float] = collections.deque()
        self.too_many = 0
        self.server_errors = 0
        self.sent_at: list[float] = []  # every send Telegram took (not the 429s)

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        if method.lower() not in SENDS or params.get("chat_id") == ORGANISER:
            return
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.limit:
            self.too_many += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self.window.append(now)
        self.sent_at.append(now)
        if self.rng.random() < self.ratio:
            self.server_errors += 1
            raise ApiError(502, "Bad Gateway")


async def _broadcast(
    telegram: FakeTelegram,
    limits: TelegramLimits,
    ids: list[int],
    path: Path,
    store_url: str,
    limit: int,
) -> dict[str, int]:
    """The broadcast itself: people, the queued copies, the engine until all are done."""
    settings = make_settings(telegram, path, database_url=store_url, send_rate=limit)
    db = await open_database(settings)
    bot = create_bot(settings)
    try:
        people = PersonRepo(db)
        for tg_id in ids:
            await people.complete_profile(
                tg_id=tg_id,
                language="ru",
                profile=NewProfile("Участник", 1, "culture", "Ансамбль", utc_now()),
            )
        source = await bot.send_message(ORGANISER, "<b>Фестиваль белорусской культуры</b>")
        outbox = OutboxRepo(db)
        await outbox.enqueue(
            [
                NewMessage(
                    chat_id=tg_id,
                    purpose="broadcast",
                    from_chat_id=ORGANISER,
                    from_message_id=source.message_id,
                    dedup_key=f"bench:{tg_id}",
                )
                for tg_id in ids
            ]
        )
        telegram.gate = limits
        engine = DeliveryEngine(
            outbox,
            people,
            bot_sender(bot),
            DeliveryConfig(rate=limit, max_in_flight=50),
        )
        await engine.start()
        async with asyncio.timeout(len(ids) / limit * 5 + 60):
            while True:
                counts = await outbox.counts()
                if not counts.get("queued") and not counts.get("sending"):
                    break
                await asyncio.sleep(0.2)
        await engine.stop()
    finally:
        await bot.session.close()
        await db.close()
    return counts


async def run(recipients: int, limit: int, database_url: str | None = None) -> str:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    limits = TelegramLimits(limit, 0.03)
    rng = random.Random(11)
    ids = [FIRST_ID + index for index in range(recipients)]
    telegram.blocked_chats.update(rng.sample(ids, k=recipients * 2 // 100))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        async with bench_store(database_url, path) as store_url:
            counts = await _broadcast(telegram, limits, ids, path, store_url, limit)
    await telegram.stop()
    received = collections.Counter(
        call.params["chat_id"] for call in telegram.calls_of("copyMessage") if call.ok
    )
    delivered = counts.get("sent", 0)
    blocked = counts.get("blocked", 0)
    failed = counts.get("failed", 0)
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    lost = recipients - delivered - blocked - failed + (delivered - len(received))
    # From the first request to the last one Telegram took: the engine's own pace.
    elapsed = max(limits.sent_at[-1] - limits.sent_at[0], 1e-9)
    achieved = len(limits.sent_at) / elapsed
    return (
        f"broadcast recipients={recipients} delivered={delivered} blocked={blocked}"
        f" failed={failed} duplicates={duplicates} lost={lost}"
        f" rate_ratio={achieved / limit:.2f} too_many_requests={limits.too_many}"
        f" store={store_name(database_url)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://user@host:5432/db (a schema of the run's own); default: SQLite",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(
        asyncio.run(run(args.recipients, args.limit, args.database_url))
    )  # a benchmark prints its figures


if __name__ == "__main__":
    main()
