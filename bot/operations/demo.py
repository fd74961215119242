"""`python -m bot demo`: a realistic Sochi–Minsk programme, loaded into an empty database
through the same import code as any organiser's file, so a newcomer sees a living bot.

The data (bot/demo/sochi_minsk_2027.yaml) is written for 2027. Once its first registration
deadline has passed, the dates of coming trips and of events move forward by whole years,
so the demo always lies ahead; the finished trip stays in the past as history.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.importer.files import load_yaml
from bot.importer.plan import ImportRejected, ImportServices, ImportSummary
from bot.importer.records import import_document
from bot.trips.catalogue import TripStatus, parse_local_datetime
from storage.db import Database
from storage.imports import ImportRepo

# The demo data sit in bot/demo/ (package data), beside the packages.
DEMO_FILE = Path(__file__).resolve().parents[1] / "demo" / "sochi_minsk_2027.yaml"
DATE_FIELDS = ("start", "end", "deadline")
_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})")
# All cities of the demo are on Moscow and Minsk time (UTC+3): one zone is enough to compare.
_ZONE = "Europe/Moscow"


class DemoRefused(Exception):
    """The database already has trips: demo data would mix with real ones."""

    def __init__(self, trips: int) -> None:
        super().__init__(trips)
        self.trips = trips


def _shift_date(text: str, years: int) -> str:
    return _DATE.sub(lambda m: f"{m[1]}.{m[2]}.{int(m[3]) + years}", text)


def _years_to_shift(document: dict[str, Any], now: datetime) -> int:
    """How many years to add so the earliest deadline of a coming trip is in the future."""
    deadlines = [
        parse_local_datetime(trip["deadline"], _ZONE, end_of_day=True)
        for trip in document.get("trips", [])
        if trip.get("status") != TripStatus.FINISHED
    ]
    years = 0
    while deadlines and min(deadlines).replace(year=min(deadlines).year + years) <= now:
        years += 1
    return years


def demo_document(now: datetime) -> dict[str, Any]:
    document, issues = load_yaml(DEMO_FILE.read_bytes())
    if issues or not isinstance(document, dict):  # our own file: a test keeps it readable
        raise ImportRejected(issues)
    years = _years_to_shift(document, now)
    if years:
        # Finished trips are history and stay where they were.
        items = [t for t in document.get("trips", []) if t.get("status") != TripStatus.FINISHED]
        for item in [*items, *document.get("events", [])]:
            for name in DATE_FIELDS:
                if isinstance(item.get(name), str):
                    item[name] = _shift_date(item[name], years)
    return document


async def load_demo(db: Database, *, now: datetime, services: ImportServices) -> ImportSummary:
    """Fill an empty database; raises DemoRefused if there are trips already."""
    trips = await ImportRepo(db).count_trips()
    if trips:
        raise DemoRefused(trips)
    return await import_document(db, demo_document(now), actor=None, now=now, services=services)
