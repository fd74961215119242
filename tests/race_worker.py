"""One of the processes of the seat race (tests/test_concurrency.py): registers its people
for a trip through the same service the bot uses, all at once.

    python -m tests.race_worker DATABASE_URL TRIP_ID FIRST_TG_ID COUNT

Says "ready" once connected and waits for a line on its input, so that both processes
start together; then prints one line per person: `tg_id status`.
"""

from __future__ import annotations

import asyncio
import sys

from bot.app import create_services
from bot.core.config import Settings
from storage.db import Database, utc_now

TOKEN = "123456789:AAH-test-token-for-the-fake-server-0"


async def main(url: str, trip_id: int, first: int, count: int) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, database_url=url, admin_ids=frozenset()
    )
    db = await Database.open(url)
    try:
        registration = create_services(settings, db).registration
        people = range(first, first + count)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        results = await asyncio.gather(
            *(
                registration.register(trip_id=trip_id, tg_id=tg_id, answers={}, now=utc_now())
                for tg_id in people
            )
        )
    finally:
        await db.close()
    for tg_id, result in zip(people, results, strict=True):
        sys.stdout.write(f"{tg_id} {result.status}\n")


if __name__ == "__main__":
    url, trip, first, count = sys.argv[1:5]
    asyncio.run(main(url, int(trip), int(first), int(count)))
