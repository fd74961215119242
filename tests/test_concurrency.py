"""PostgreSQL runs transactions side by side (SQLite has one writer): the seats of a trip
(taken, or freed and passed down the waiting list), a one-time invite and an open
telebridge offer stay correct when two transactions decide at the same moment; workers
starting at once apply the migrations once, however long the others wait; and a
connection the server closes costs a person at most one "повторите действие", with
nothing half-written."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.app import create_services
from bot.core.config import Settings
from bot.runner import open_database
from handlers.trips.callbacks import TripAction, TripCb
from storage import postgres
from storage.db import Database, utc_now
from storage.dialect import POSTGRES
from storage.institutions import InstitutionRepo, NewInstitution
from storage.invites import InviteRepo
from storage.migrate import (
    MIGRATION_LOCK,
    MIGRATIONS_DIR,
    MigrationError,
    load_migrations,
    migrate,
)
from storage.telebridges import TelebridgeRepo, Terms
from tests.conftest import TEST_DATABASE_URL, RunningBot, TgUser, store_url_for
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
    mode: str, url: str, trip_id: int, first: int, count: int
) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.race_worker",
        mode,
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


async def _race(*workers: asyncio.subprocess.Process) -> list[dict[str, str]]:
    """Tell the workers (all waiting) to go; what each printed: {tg_id: its result}."""
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    outputs = []
    for worker in workers:
        out, _ = await asyncio.wait_for(worker.communicate(), 60)
        assert worker.returncode == 0
        outputs.append(dict(line.split() for line in out.decode().splitlines()))
    return outputs


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
    outputs = await _race(
        await _race_worker("register", url, trip_id, first, per_process),
        await _race_worker("register", url, trip_id, first + per_process, per_process),
    )
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


async def test_two_processes_cancel_at_once_and_the_first_in_line_move_up(
    settings: Settings, db: Database
) -> None:
    """A full trip (10 seats) with 12 people waiting; two processes cancel 3 seated
    registrations each at the same moment. The 6 freed seats go to the first 6 in line
    (the line's order is when people joined it; their rows were inserted in the opposite
    order, so ids would give the last 6), each of them once and told once; the trip is
    full again and the other 6 still wait, in their order."""
    seats, waiting, per_process = 10, 12, 3
    seated = list(range(7300, 7300 + seats))
    line = list(range(7400, 7400 + waiting))  # in the order they joined the line
    await add_people(db, seated + line)
    programme = await add_programme(db, audience=())
    trip_id = await add_trip(db, programme_id=programme, capacity=seats)
    joined = utc_now() - timedelta(hours=1)
    async with db.transaction() as conn:
        for tg_id in seated:
            await conn.execute(
                "INSERT INTO registrations (trip_id, tg_id, status, answers, created_at,"
                " updated_at) VALUES (?, ?, 'approved', '{}', ?, ?)",
                (trip_id, tg_id, joined, joined),
            )
        for place, tg_id in reversed(list(enumerate(line))):
            moment = joined + timedelta(minutes=place)
            await conn.execute(
                "INSERT INTO registrations (trip_id, tg_id, status, answers, waitlisted_at,"
                " created_at, updated_at) VALUES (?, ?, 'waitlisted', '{}', ?, ?, ?)",
                (trip_id, tg_id, moment, moment, moment),
            )
    leaving = seated[: 2 * per_process]
    first_in_line = line[: len(leaving)]
    url = settings.store_url
    outputs = await _race(
        await _race_worker("cancel", url, trip_id, leaving[0], per_process),
        await _race_worker("cancel", url, trip_id, leaving[per_process], per_process),
    )

    promoted = [
        int(tg_id)
        for output in outputs
        for moved in output.values()
        if moved != "-"
        for tg_id in moved.split(",")
    ]
    assert len(promoted) == len(set(promoted)), f"promoted twice: {promoted}"
    assert sorted(promoted) == first_in_line
    assert await _statuses(db, trip_id) == {
        "approved": seats,
        "cancelled": len(leaving),
        "waitlisted": waiting - len(leaving),
    }
    async with db.read.execute(
        "SELECT tg_id FROM registrations WHERE trip_id = ? AND status = 'approved'",
        (trip_id,),
    ) as cur:
        assert sorted(row[0] for row in await cur.fetchall()) == sorted(
            seated[len(leaving) :] + first_in_line
        )
    async with db.read.execute(
        "SELECT tg_id FROM registrations WHERE trip_id = ? AND status = 'waitlisted'"
        " ORDER BY waitlisted_at, id",
        (trip_id,),
    ) as cur:
        assert [row[0] for row in await cur.fetchall()] == line[len(leaving) :]
    # One notice to each who moved up, none to anyone else (queued with the promotion).
    async with db.read.execute(
        "SELECT chat_id, COUNT(*) FROM outbox WHERE text LIKE ? GROUP BY chat_id",
        ("%освободилось место%",),
    ) as cur:
        told = {row[0]: row[1] for row in await cur.fetchall()}
    assert told == dict.fromkeys(first_in_line, 1)


async def test_a_person_promoted_while_leaving_frees_the_seat(
    settings: Settings, db: Database
) -> None:
    """B, waiting, leaves the trip just as A's leaving moves B up: B's cancellation read B
    as waiting, then waited for the trip while A's transaction promoted B. Read again
    under the trip's lock, B is seated, and B's leaving passes the seat on to C (read
    once, before the lock, the seat would stay empty with C still waiting)."""
    programme = await add_programme(db, audience=())
    trip_id = await add_trip(db, programme_id=programme, capacity=1)
    a, b, c = await add_people(db, range(7300, 7303))
    registration = create_services(settings, db).registration
    ids = {}
    for tg_id in (a, b, c):
        result = await registration.register(
            trip_id=trip_id, tg_id=tg_id, answers={}, now=utc_now()
        )
        ids[tg_id] = result.registration_id
    assert await _statuses(db, trip_id) == {"approved": 1, "waitlisted": 2}
    holder = await _connect(settings)
    watcher = await _connect(settings)
    try:
        async with holder.transaction():
            # A's cancellation under way: it holds the trip, as the service does.
            await holder.execute("SELECT id FROM trips WHERE id = $1 FOR UPDATE", trip_id)
            leaving = asyncio.create_task(
                registration.cancel(registration_id=ids[b], tg_id=b, now=utc_now())
            )
            await _blocked_backend(watcher, await holder.fetchval("SELECT pg_backend_pid()"))
            # ...and A leaves, B moves up (what the service's promotion writes).
            await holder.execute(
                "UPDATE registrations SET status = 'cancelled' WHERE id = $1", ids[a]
            )
            await holder.execute(
                "UPDATE registrations SET status = 'approved' WHERE id = $1", ids[b]
            )
        promotions = await asyncio.wait_for(leaving, WAIT)
    finally:
        await holder.close()
        await watcher.close()
    assert [promotion.tg_id for promotion in promotions] == [c]
    async with db.read.execute(
        "SELECT tg_id, status FROM registrations WHERE trip_id = ? ORDER BY tg_id", (trip_id,)
    ) as cur:
        assert [tuple(row) for row in await cur.fetchall()] == [
            (a, "cancelled"),
            (b, "cancelled"),
            (c, "approved"),
        ]


async def _waiting_for_lock(watcher: asyncpg.Connection, holder: int) -> asyncpg.Record:
    """This process's pool connection that waits for a lock the session `holder` holds
    (another test run may wait for the same advisory lock: it is not ours to watch)."""
    async with asyncio.timeout(WAIT):
        while True:
            row = await watcher.fetchrow(
                "SELECT pid, wait_event_type, wait_event, query FROM pg_stat_activity"
                " WHERE application_name = $1 AND $2 = ANY(pg_blocking_pids(pid))",
                f"pobratim-{os.getpid()}",
                holder,
            )
            if row is not None:
                return row
            await asyncio.sleep(0.02)


async def _lock_timeout(db: Database) -> str:
    async with db.read.execute("SHOW lock_timeout") as cur:
        row = await cur.fetchone()
    assert row is not None
    return str(row[0])


async def test_workers_starting_at_once_apply_each_migration_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three databases (a pool each, as three worker processes have) migrate one fresh
    schema at the same moment: one applies every migration, the other two wait for its
    advisory lock and then find nothing to do; each migration is recorded once.

    The pools' lock_timeout is cut from 10 s to 50 ms (the pool reads LOCK_TIMEOUT when
    it connects): the two wait for the whole run of the migrations, many times longer,
    and must not be ended by the limit meant for a person's update."""
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT", "50ms")
    url = store_url_for(tmp_path / "fresh")
    assert url is not None
    dbs = [await Database.open(url) for _ in range(3)]
    try:
        assert await _lock_timeout(dbs[0]) == "50ms"
        results = await asyncio.wait_for(asyncio.gather(*(migrate(db) for db in dbs)), 60)
        async with dbs[0].read.execute(
            "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version"
        ) as cur:
            recorded = [tuple(row) for row in await cur.fetchall()]
    finally:
        for db in dbs:
            await db.close()
    migrations = load_migrations(dialect=POSTGRES)
    assert sorted(len(done) for done in results) == [0, 0, len(migrations)]
    assert recorded == [(migration.version, 1) for migration in migrations]


async def test_a_worker_waits_for_the_migration_lock_past_lock_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another session holds the migration lock, migrate() waits, however long.

    Waiting out the real lock_timeout (10 s) would make a slow test, so the pool's limit
    is cut to 100 ms (read when the pool connects) and checked to be in force; the test
    holds the lock ten times as long, sees the worker's connection still waiting for it
    in pg_stat_activity (not failed with LockNotAvailableError), lets go, and migrate()
    finishes. Its session then has the pool's limit again."""
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT", "100ms")
    url = store_url_for(tmp_path / "fresh")
    assert url is not None
    db = await Database.open(url)
    holder = await asyncpg.connect(url)
    watcher = await asyncpg.connect(url)
    try:
        assert await _lock_timeout(db) == "100ms"
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        migrating = asyncio.create_task(migrate(db))
        waiting = await _waiting_for_lock(watcher, holder.get_server_pid())
        assert (waiting["wait_event_type"], waiting["wait_event"]) == ("Lock", "advisory")
        assert "pg_advisory_lock" in waiting["query"]
        await asyncio.sleep(1.0)
        assert not migrating.done()
        still = await _waiting_for_lock(watcher, holder.get_server_pid())
        assert still["pid"] == waiting["pid"]
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        done = await asyncio.wait_for(migrating, 60)
        # Every connection of the pool, the migration's one among them, has the limit.
        assert isinstance(db, postgres.PostgresDatabase) and db.pool.get_size() == 2
        async with db.pool.acquire() as first, db.pool.acquire() as second:
            limits = [await conn.fetchval("SHOW lock_timeout") for conn in (first, second)]
    finally:
        await holder.close()
        await watcher.close()
        await db.close()
    assert done == [migration.name for migration in load_migrations(dialect=POSTGRES)]
    assert limits == ["100ms", "100ms"]


async def test_a_migration_stuck_behind_a_table_lock_still_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the wait for the migration lock has no limit: a migration's own statement that
    waits for a table another transaction uses fails after the pool's lock_timeout (cut
    to 100 ms here), with the migration named, rather than waiting as long as the other
    transaction lasts with every statement of the bot on that table queued behind it."""
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT", "100ms")
    url = store_url_for(tmp_path / "fresh")
    assert url is not None
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / "9999_later.sql").write_text("ALTER TABLE people ADD COLUMN later TEXT;\n")
    db = await Database.open(url)
    holder = await asyncpg.connect(url)
    try:
        await migrate(db)
        async with holder.transaction():
            await holder.fetch("SELECT * FROM people")  # holds the table until the end
            with pytest.raises(MigrationError, match="9999_later"):
                await asyncio.wait_for(migrate(db, folder), WAIT)
        async with db.read.execute("SELECT MAX(version) FROM schema_migrations") as cur:
            last = (await cur.fetchone())[0]
    finally:
        await holder.close()
        await db.close()
    assert last == load_migrations(dialect=POSTGRES)[-1].version


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
