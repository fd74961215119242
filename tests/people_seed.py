"""Seeding people with a finished profile, through the repository the bot uses."""

from __future__ import annotations

from collections.abc import Iterable

from storage.db import Database, utc_now
from storage.people import NewProfile, PersonRepo

SOCHI = 1


async def add_people(db: Database, ids: Iterable[int]) -> list[int]:
    """Teachers of Sochi named «Участник <id>», who agreed to the terms now."""
    people = PersonRepo(db)
    added = list(ids)
    for tg_id in added:
        await people.complete_profile(
            tg_id=tg_id,
            language="ru",
            profile=NewProfile(f"Участник {tg_id}", SOCHI, "teacher", "Школа", utc_now()),
        )
    return added
