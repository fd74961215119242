"""N people register for a trip with S seats within one second, through the full stack.

The real dispatcher and middlewares poll a fake Bot API over HTTP and write a real
SQLite file. Each person presses "Записаться" and then "Подтвердить"; the latency of a
person is from the first press to the bot's answer to the second. Prints one last line:

registration_rush users=1000 seats=50 approved=50 waitlisted=950 lost=0 p50_ms=… p95_ms=… total_s=…

Run: .venv/bin/python -m bench.registration_rush [--users N] [--seats S] [--spread SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path

from handlers.trip_callbacks import TripAction, TripCb
from storage.db import utc_now
from storage.people import NewProfile, PersonRepo
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram
from tests.trip_seed import add_programme, add_trip

FIRST_ID = 10_000_000


async def _seed_people(app: RunningBot, users: int) -> None:
    assert app.db is not None
    people = PersonRepo(app.db)
    for index in range(users):
        await people.complete_profile(
            tg_id=FIRST_ID + index,
            language="ru",
            profile=NewProfile(f"Участник {index}", 1, "teacher", "Школа", utc_now()),
        )


async def _one_person(user: TgUser, trip_id: int, delay: float) -> float:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    # The person opens the bot from a trip link; the card has "Записаться".
    register = TripCb(action=TripAction.REGISTER, id=trip_id).pack()
    await user.app.process(user.updates.callback(user.telegram.last_message(user.id), register))
    message, button = user.find_button("✅ Подтвердить")
    await user.app.process(user.updates.callback(message, button["callback_data"]))
    return time.perf_counter() - started


async def run(users: int, seats: int, spread: float) -> str:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(telegram, Path(folder) / "bench.sqlite3", flood_limit=100)
        app = RunningBot(telegram, settings)
        await app.start()
        try:
            assert app.db is not None
            programme = await add_programme(app.db, audience=())
            trip_id = await add_trip(app.db, programme_id=programme, capacity=seats)
            await _seed_people(app, users)
            crowd = [TgUser(app, FIRST_ID + index) for index in range(users)]
            await app.process(*(user.updates.message("/start") for user in crowd))
            rng = random.Random(42)
            started = time.perf_counter()
            latencies = await asyncio.gather(
                *(_one_person(user, trip_id, rng.uniform(0, spread)) for user in crowd)
            )
            total = time.perf_counter() - started
            async with app.db.read.execute(
                "SELECT status, COUNT(*) FROM registrations WHERE trip_id = ? GROUP BY status",
                (trip_id,),
            ) as cur:
                counts = {row[0]: row[1] for row in await cur.fetchall()}
            answered = sum(
                1
                for user in crowd
                if "Вы записаны" in user.last_text or "листе ожидания" in user.last_text
            )
        finally:
            await app.stop()
            await telegram.stop()
    approved = counts.get("approved", 0)
    waitlisted = counts.get("waitlisted", 0)
    lost = users - min(approved + waitlisted, answered)
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"registration_rush users={users} seats={seats} approved={approved}"
        f" waitlisted={waitlisted} lost={lost} p50_ms={cuts[49] * 1000:.0f}"
        f" p95_ms={cuts[94] * 1000:.0f} total_s={total:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--spread", type=float, default=1.0, help="arrivals spread, seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    line = asyncio.run(run(args.users, args.seats, args.spread))
    print(line)  # a benchmark prints its figures


if __name__ == "__main__":
    main()
