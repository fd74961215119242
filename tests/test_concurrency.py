"""PostgreSQL runs transactions side by side (SQLite has one writer): the seats of a trip,
a one-time invite and an open telebridge offer stay correct when two transactions decide
at the same moment, and a connection the server closes costs a person at most one
"повторите действие", with nothing half-written."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from bot.core.config import Settings
from bot.runner import open_database
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import Database, utc_now
from storage.institutions import InstitutionRepo, NewInstitution
from storage.invites import InviteRepo
from storage.telebridges import TelebridgeRepo, Terms
from tests.conftest import TEST_DATABASE_URL, RunningBot, TgUser
from tests.people_seed import add_people
from tests.trip_seed import MINSK, SOCHI, add_programme, add_trip

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="transactions side by side: PostgreSQL only (TEST_DATABASE_URL is not set)",
)
WAIT = 10.0  # seconds


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await open_database(settings)
    yield database
    await database.close()


async def _statuses(db: Database, trip_id: int) -> dict[str, int]:
    async with db.read.execute(
        "SELECT status, COUNT(*) FROM registrations WHERE trip_id = ? GROUP BY status",
        (trip_id,),
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def _race_worker(
    url: str, trip_id: int, first: int, count: int
) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.race_worker",
        url,
        str(trip_id),
        str(first),
        str(count),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        assert await process.stdout.readline() == b"ready\n"
    return process


async def test_two_processes_race_for_the_last_seats(settings: Settings, db: Database) -> None:
    """Two processes register 20 people each at the same moment for a trip with 3 seats
    left: exactly 3 get one, the other 37 wait in one line without gaps."""
    per_process, seats, taken = 20, 10, 7
    await add_people(db, range(7000, 7000 + taken + 2 * per_process))
    programme = await add_programme(db, audience=())
    trip_id = await add_trip(db, programme_id=programme, capacity=seats)
    for index in range(taken):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO registrations (trip_id, tg_id, status, answers, created_at,"
                " updated_at) VALUES (?, ?, 'approved', '{}', ?, ?)",
                (trip_id, 7000 + index, utc_now(), utc_now()),
            )
    first = 7000 + taken
    url = settings.store_url
    workers = [
        await _race_worker(url, trip_id, first, per_process),
        await _race_worker(url, trip_id, first + per_process, per_process),
    ]
    outputs = []
    for worker in workers:  # both are waiting: go
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    for worker in workers:
        out, _ = await asyncio.wait_for(worker.communicate(), 60)
        assert worker.returncode == 0
        outputs.append(dict(line.split() for line in out.decode().splitlines()))
    statuses = [status for output in outputs for status in output.values()]
    assert statuses.count("approved") == seats - taken
    assert statuses.count("waitlisted") == 2 * per_process - (seats - taken)
    assert await _statuses(db, trip_id) == {
        "approved": seats,
        "waitlisted": 2 * per_process - (seats - taken),
    }
    async with db.read.execute(
        "SELECT waitlisted_at FROM registrations WHERE trip_id = ? AND status = 'waitlisted'",
        (trip_id,),
    ) as cur:
        assert all(row[0] is not None for row in await cur.fetchall())


async def _connect(settings: Settings) -> asyncpg.Connection:
    # The test's schema is in the URL (`?search_path=`), which asyncpg passes on.
    return await asyncpg.connect(settings.store_url)


async def _blocked_backend(watcher: asyncpg.Connection, holder: int) -> int:
    """The connection that waits for a row the session `holder` (a backend pid) holds."""
    async with asyncio.timeout(WAIT):
        while True:
            pid = await watcher.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                holder,
            )
            if pid is not None:
                return int(pid)
            await asyncio.sleep(0.02)


async def _second_waits_for_first(
    settings: Settings,
    db_first: Database,
    db_second: Database,
    first: Callable[[Any], Awaitable[bool]],
    second: Callable[[Any], Awaitable[bool]],
) -> tuple[bool, bool]:
    """Run `first` in a transaction and keep it open until `second`, in a transaction of
    another pool, is seen waiting for the same row; then commit the first. On PostgreSQL
    the second then sees the row as the first left it."""
    watcher = await _connect(settings)
    try:
        async with db_first.transaction() as conn:
            first_won = await first(conn)
            async with conn.execute("SELECT pg_backend_pid()") as cur:
                holder = (await cur.fetchone())[0]

            async def run_second() -> bool:
                async with db_second.transaction() as other:
                    return await second(other)

            waiting = asyncio.create_task(run_second())
            await _blocked_backend(watcher, holder)
        second_won = await asyncio.wait_for(waiting, WAIT)
    finally:
        await watcher.close()
    return first_won, second_won


async def test_a_one_time_invite_makes_one_organiser(settings: Settings, db: Database) -> None:
    await add_people(db, range(7100, 7100 + 2))
    invites = InviteRepo(db)
    now = utc_now()
    await invites.create(
        code="race-invite", created_by=1000, now=now, expires_at=now + timedelta(days=1)
    )
    other = await Database.open(settings.store_url)
    try:
        won = await _second_waits_for_first(
            settings,
            db,
            other,
            lambda conn: InviteRepo.redeem(conn, code="race-invite", tg_id=7100, now=now),
            lambda conn: InviteRepo.redeem(conn, code="race-invite", tg_id=7101, now=now),
        )
    finally:
        await other.close()
    assert won == (True, False)
    async with db.read.execute(
        "SELECT tg_id FROM people WHERE is_organiser AND tg_id IN (7100, 7101)"
    ) as cur:
        assert [row[0] for row in await cur.fetchall()] == [7100]


async def test_an_open_offer_is_taken_by_one_school(settings: Settings, db: Database) -> None:
    await add_people(db, range(7200, 7200 + 3))
    institutions = InstitutionRepo(db)
    telebridges = TelebridgeRepo(db)
    now = utc_now()
    ids = []
    for tg_id, city, name in (
        (7200, SOCHI, "Школа 1"),
        (7201, MINSK, "Гимназия 2"),
        (7202, MINSK, "Лицей 3"),
    ):
        async with db.transaction() as conn:
            institution_id = await institutions.create(
                conn,
                institution=NewInstitution("school", name, city, "", ("middle",)),
                created_by=tg_id,
                now=now,
            )
        assert institution_id is not None
        ids.append(institution_id)
    proposer, school_a, school_b = ids
    terms = Terms(starts_at=now + timedelta(days=7), duration_min=45, video_url=None)
    async with db.transaction() as conn:
        offer_id = await telebridges.create(
            conn,
            proposer_id=proposer,
            partner_id=None,
            partner_city_id=MINSK,
            topic="Открытый урок",
            age_group="middle",
            terms=terms,
            tg_id=7200,
            now=now,
        )
    offer = await telebridges.get(telebridge_id=offer_id)
    assert offer is not None and offer.partner_id is None

    def accept(school: int) -> Callable[[Any], Awaitable[bool]]:
        return lambda conn: telebridges.confirm(
            conn, current=offer, partner_id=school, terms=terms, now=now
        )

    other = await Database.open(settings.store_url)
    try:
        won = await _second_waits_for_first(
            settings, db, other, accept(school_a), accept(school_b)
        )
    finally:
        await other.close()
    assert won == (True, False)
    taken = await telebridges.get(telebridge_id=offer_id)
    assert taken is not None and taken.partner_id == school_a and taken.status == "confirmed"


async def test_a_lost_connection_asks_to_try_again_and_loses_nothing(
    app: RunningBot, member: TgUser, settings: Settings
) -> None:
    """The server ends the bot's connection while a registration waits for its trip: the
    person is asked to repeat, nothing is written, and the repeat registers them once."""
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(app.db, programme_id=programme, capacity=5)
    await member.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    assert member.find_button("✅ Подтвердить")
    holder = await _connect(settings)
    watcher = await _connect(settings)
    try:
        locked = holder.transaction()
        await locked.start()
        await holder.execute("SELECT id FROM trips WHERE id = $1 FOR UPDATE", trip_id)
        pressing = asyncio.create_task(member.press("✅ Подтвердить"))
        backend = await _blocked_backend(watcher, holder.get_server_pid())
        assert await watcher.fetchval("SELECT pg_terminate_backend($1)", backend)
        await locked.rollback()
        await asyncio.wait_for(pressing, WAIT)
    finally:
        await holder.close()
        await watcher.close()
    assert "кратковременного сбоя" in member.last_text
    async with app.db.read.execute(
        "SELECT COUNT(*) FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        assert (await cur.fetchone())[0] == 0

    # The same button again (the summary it is under was left as it was).
    calls = await member.press("✅ Подтвердить")
    assert any("Вы записаны" in str(call.params.get("text")) for call in calls)
    # Every connection of the bot ended while idle: the next update just works.
    watcher = await _connect(settings)
    try:
        await watcher.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            f"pobratim-{os.getpid()}",
        )
    finally:
        await watcher.close()
    await member.send("/mytrips")
    assert "Педагоги Сочи в Минске" in member.last_text
    async with app.db.read.execute(
        "SELECT tg_id, status FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        assert [tuple(row) for row in await cur.fetchall()] == [(member.id, "approved")]
