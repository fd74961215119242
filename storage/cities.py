"""Cities of the partnership: data, not code."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class City:
    id: int
    code: str
    name_ru: str
    name_be: str
    country: str
    timezone: str

    def name(self, language: str) -> str:
        return self.name_be if language == "be" else self.name_ru


class CityRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self) -> list[City]:
        async with self._db.read.execute(
            "SELECT id, code, name_ru, name_be, country, timezone FROM cities"
            " ORDER BY position, id"
        ) as cur:
            return [City(*row) for row in await cur.fetchall()]

    async def get(self, *, city_id: int) -> City | None:
        async with self._db.lookup.execute(
            "SELECT id, code, name_ru, name_be, country, timezone FROM cities WHERE id = ?",
            (city_id,),
        ) as cur:
            row = await cur.fetchone()
        return City(*row) if row else None

    async def by_id(self) -> dict[int, City]:
        return {city.id: city for city in await self.list()}
