"""One of the processes of a race on a trip's seats (tests/test_concurrency.py): its people
register for the trip, or cancel their registrations, through the same service the bot
uses, all at once.

    python -m tests.race_worker register DATABASE_URL TRIP_ID FIRST_TG_ID COUNT
    python -m tests.race_worker cancel DATABASE_URL TRIP_ID FIRST_TG_ID COUNT

Says "ready" once connected (and, to cancel, once it has found each person's active
registration) and waits for a line on its input, so that both processes start together;
then prints one line per person: `tg_id status` after registering, `tg_id promoted` after
cancelling, where `promoted` is the comma-separated tg_ids of those the cancellation moved
up from the waiting list, or `-`.
"""

from __future__ import annotations

import asyncio
import sys

from bot.app import create_services
from bot.core.config import Settings
from storage.db import Database, utc_now
from storage.registrations import RegistrationRepo

TOKEN = "123456789:AAH-test-token-for-the-fake-server-0"
MODES = ("register", "cancel")


async def main(mode: str, url: str, trip_id: int, first: int, count: int) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, database_url=url, admin_ids=frozenset()
    )
    db = await Database.open(url)
    try:
        registration = create_services(settings, db).registration
        people = range(first, first + count)
        # Looked up before "ready": the race is between the cancellations alone.
        registration_ids: dict[int, int] = {}
        if mode == "cancel":
            repo = RegistrationRepo(db)
            for tg_id in people:
                active = await repo.active_for(trip_id=trip_id, tg_id=tg_id)
                assert active is not None, f"{tg_id} has no active registration"
                registration_ids[tg_id] = active.id
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if mode == "register":
            registered = await asyncio.gather(
                *(
                    registration.register(trip_id=trip_id, tg_id=tg_id, answers={}, now=utc_now())
                    for tg_id in people
                )
            )
            lines = [
                f"{tg_id} {result.status}"
                for tg_id, result in zip(people, registered, strict=True)
            ]
        else:
            cancelled = await asyncio.gather(
                *(
                    registration.cancel(
                        registration_id=registration_ids[tg_id], tg_id=tg_id, now=utc_now()
                    )
                    for tg_id in people
                )
            )
            lines = [
                f"{tg_id} {','.join(str(p.tg_id) for p in promotions) or '-'}"
                for tg_id, promotions in zip(people, cancelled, strict=True)
            ]
    finally:
        await db.close()
    sys.stdout.write("".join(line + "\n" for line in lines))


if __name__ == "__main__":
    mode, url, trip, first, count = sys.argv[1:6]
    if mode not in MODES:
        sys.exit(f"mode: one of {', '.join(MODES)}")
    asyncio.run(main(mode, url, int(trip), int(first), int(count)))
