"""Seeding events for tests through the repository the bot uses."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database, utc_now
from storage.events import EventRepo, NewEvent
from tests.trip_seed import SOCHI


async def add_event(
    db: Database,
    *,
    title: str = "Фестиваль белорусской культуры",
    kind: str = "festival",
    city: int = SOCHI,
    venue: str = "Зимний театр",
    starts_at: datetime | None = None,
    hours: float = 3,
    description: str = "Концерты, выставки, мастер-классы.",
    programme_id: int | None = None,
    trip_id: int | None = None,
    status: str = "scheduled",
) -> int:
    starts = starts_at or (utc_now() + timedelta(days=30)).replace(
        hour=7, minute=0, second=0, microsecond=0
    )
    async with db.transaction() as conn:
        return await EventRepo(db).save(
            conn,
            event=NewEvent(
                kind=kind,
                title=title,
                city_id=city,
                venue=venue,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                description=description,
                programme_id=programme_id,
                trip_id=trip_id,
                status=status,
            ),
            actor=None,
        )
