"""Seeding trips for tests through the same repositories the bot uses."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database, utc_now
from storage.trips import NewProgramme, NewTrip, Question, TripRepo

SOCHI, MINSK = 1, 2


async def add_programme(
    db: Database,
    *,
    title: str = "Обмен педагогическим опытом",
    direction: str = "education",
    audience: tuple[str, ...] = ("teacher",),
) -> int:
    async with db.transaction() as conn:
        return await TripRepo(db).save_programme(
            conn,
            programme=NewProgramme(direction, title, "Описание программы", audience),
            actor=None,
        )


async def add_trip(
    db: Database,
    *,
    programme_id: int,
    title: str = "Педагоги Сочи в Минске",
    from_city: int = SOCHI,
    to_city: int = MINSK,
    starts_at: datetime | None = None,
    days: int = 5,
    deadline: datetime | None = None,
    capacity: int = 10,
    needs_approval: bool = False,
    status: str = "open",
    questions: tuple[Question, ...] = (),
    organisers: tuple[int, ...] = (),
) -> int:
    starts = starts_at or (utc_now() + timedelta(days=60)).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    repo = TripRepo(db)
    async with db.transaction() as conn:
        trip_id = await repo.save(
            conn,
            trip=NewTrip(
                programme_id=programme_id,
                title=title,
                from_city_id=from_city,
                to_city_id=to_city,
                starts_at=starts,
                ends_at=starts + timedelta(days=days - 1),
                registration_deadline=deadline or starts - timedelta(days=10),
                capacity=capacity,
                needs_approval=needs_approval,
                description="Обмен опытом, открытые уроки, мастер-классы.",
                status=status,
                questions=questions,
            ),
            actor=None,
        )
        for organiser in organisers:
            await conn.execute(
                "INSERT INTO trip_organisers (trip_id, tg_id) VALUES (?, ?)", (trip_id, organiser)
            )
    return trip_id
