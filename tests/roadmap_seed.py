"""A known data set for the roadmap and the reports: trips with people on them, events,
institutions and telebridges, seeded through the repositories (telebridges by SQL: the
agreeing takes a dozen steps that have tests of their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, utc_now
from storage.search_key import search_key
from tests.conftest import RunningBot
from tests.event_seed import add_event
from tests.import_data import add_person
from tests.trip_seed import MINSK, SOCHI, add_programme, add_trip


async def add_school(db: Database, name: str, city: int) -> int:
    """An institution without coordinators (InstitutionRepo.create adds its creator as one)."""
    stamp = utc_now()
    async with (
        db.transaction() as conn,
        conn.execute(
            "INSERT INTO institutions (kind, name, name_key, city_id, age_groups, created_at,"
            " updated_at) VALUES ('school', ?, ?, ?, 'middle', ?, ?) RETURNING id",
            (name, search_key(name), city, stamp, stamp),
        ) as cur,
    ):
        return int((await cur.fetchone())[0])


async def add_telebridge(
    db: Database, proposer: int, partner: int, starts_at: datetime, status: str = "held"
) -> int:
    async with (
        db.transaction() as conn,
        conn.execute(
            "INSERT INTO telebridges (proposer_id, partner_id, partner_city_id, topic, age_group,"
            " starts_at, ends_at, duration_min, status, created_at, updated_at)"
            " VALUES (?, ?, ?, 'Наши города', 'middle', ?, ?, 45, ?, ?, ?) RETURNING id",
            (
                proposer,
                partner,
                MINSK,
                starts_at,
                starts_at + timedelta(minutes=45),
                status,
                starts_at - timedelta(days=10),
                starts_at,
            ),
        ) as cur,
    ):
        return int((await cur.fetchone())[0])


async def set_status(db: Database, registration_id: int, status: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE registrations SET status = ? WHERE id = ?", (status, registration_id)
        )


@dataclass
class Activities:
    travelled: int  # a trip that has begun: 3 approved, 1 rejected, 1 cancelled
    cancelled: int  # a cancelled trip that had begun: 2 approved (not counted)
    coming: int  # a trip ahead: 2 approved (not counted)
    sport: int  # a finished sport trip: 1 approved
    held: int  # an event that took place
    called_off: int  # a cancelled event whose dates passed
    ahead: int  # an event ahead
    telebridges_held: list[int]  # three held
    telebridge_booked: int  # one agreed, not yet held


async def seed_activities(app: RunningBot, *, now: datetime | None = None) -> Activities:
    """Trips started 20 days ago (or cancelled), one ahead; events; telebridges."""
    db = app.db
    assert db is not None
    now = now or utc_now()
    education = await add_programme(db)
    sport = await add_programme(db, title="Турниры", direction="sport", audience=("sport",))
    past = (now - timedelta(days=20)).replace(microsecond=0)
    travelled = await add_trip(
        db, programme_id=education, title="Педагоги в Минске", starts_at=past, status="finished"
    )
    cancelled = await add_trip(db, programme_id=education, title="Отменённая", starts_at=past)
    coming = await add_trip(db, programme_id=education, title="Будущая")
    sport_trip = await add_trip(
        db,
        programme_id=sport,
        title="Волейбол в Сочи",
        from_city=MINSK,
        to_city=SOCHI,
        starts_at=past + timedelta(days=1),
        status="finished",
    )
    people = iter(range(5001, 5100))
    # Registrations are made while the trips are open and ahead, then moved in time.
    for trip_id, statuses in (
        (travelled, ("approved", "approved", "approved", "rejected", "cancelled")),
        (cancelled, ("approved", "approved")),
        (coming, ("approved", "approved")),
        (sport_trip, ("approved",)),
    ):
        for status in statuses:
            tg_id = next(people)
            await add_person(app, tg_id, f"Участник {tg_id}")
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO registrations (trip_id, tg_id, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (trip_id, tg_id, status, now, now),
                )
    async with db.transaction() as conn:
        await conn.execute("UPDATE trips SET status = 'cancelled' WHERE id = ?", (cancelled,))
    held = await add_event(db, title="Семинар педагогов", starts_at=past, hours=5)
    called_off = await add_event(
        db, title="Отменённый форум", starts_at=past, hours=5, status="cancelled"
    )
    ahead = await add_event(db, title="Фестиваль впереди")
    sochi_school = await add_school(db, "Гимназия № 1", SOCHI)
    minsk_school = await add_school(db, "Средняя школа № 5", MINSK)
    telebridges = [
        await add_telebridge(db, sochi_school, minsk_school, past + timedelta(days=day))
        for day in (0, 1, 2)
    ]
    booked = await add_telebridge(
        db, sochi_school, minsk_school, now + timedelta(days=5), status="confirmed"
    )
    return Activities(
        travelled,
        cancelled,
        coming,
        sport_trip,
        held,
        called_off,
        ahead,
        telebridges,
        booked,
    )


def roadmap_yaml(*items: str) -> str:
    return "roadmap:" + "".join(items)


def item_yaml(
    key: str,
    number: int,
    *,
    direction: str = "education",
    title: str = "Обмен педагогическим опытом",
    responsible: str = "both",
    due: str = "II квартал 2027",
    extra: str = "",
) -> str:
    return f"""
  - key: {key}
    number: {number}
    direction: {direction}
    title: {title}
    responsible: {responsible}
    due: {due}
{extra}"""
