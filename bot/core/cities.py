"""The partnership's cities as screens read them: reference data (names in both
languages, time zones) seeded by the migrations.

A protocol, so that handlers and the services they call depend on what they read,
not on the storage class that reads it (storage.cities.CityRepo is the one
implementation).
"""

from __future__ import annotations

from typing import Protocol

from storage.cities import City


class Cities(Protocol):
    async def list(self) -> list[City]: ...

    async def get(self, *, city_id: int) -> City | None: ...

    async def by_id(self) -> dict[int, City]: ...
