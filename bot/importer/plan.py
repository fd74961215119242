"""What checking a whole import file yields: the plan of what to write, what exists
already, and the results an import reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.events.service import EventChange, EventNotices
from bot.importer.files import (
    Issue,
    Record,
)
from bot.trips.registration import Promotion, RegistrationService
from storage.cities import City
from storage.db import Database
from storage.events import NewEvent
from storage.imports import StoredTrip, TripState
from storage.roadmap import NewItem
from storage.trips import NewProgramme, NewTrip


class ImportRejected(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__(f"{len(issues)} problems")
        self.issues = list(issues)


@dataclass(frozen=True, slots=True)
class Counts:
    created: int = 0
    updated: int = 0


@dataclass(frozen=True, slots=True)
class ImportServices:
    """What the import's transaction uses besides the repositories: the waiting lists
    move up and the subscribers of moved or cancelled events are told, all in that
    transaction. Built by the application (bot/app.py), never here."""

    db: Database
    registration: RegistrationService
    event_notices: EventNotices


@dataclass(frozen=True, slots=True)
class ImportSummary:
    programmes: Counts
    trips: Counts
    events: Counts
    # People moved from the waiting list to seats an update added (told already).
    promotions: tuple[Promotion, ...] = ()
    # Events the file moved or cancelled, with their subscribers (told already).
    event_changes: tuple[EventChange, ...] = ()
    roadmap: Counts = Counts()
    # Status changes of roadmap items (history ids): their followers are to be told.
    roadmap_changes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Existing:
    """The file's trips that exist already, as read at one moment."""

    states: Mapping[str, TripState]
    stored: Mapping[str, StoredTrip]  # those nobody may edit any more, to compare with
    programme_ids: Mapping[str, int]  # the programmes the file's trips name, if stored


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    cities: Mapping[str, City]  # by code and by name, lower case
    programme_keys: frozenset[str]  # in the file or in the database
    trip_keys: frozenset[str]
    existing: Existing
    event_keys: frozenset[str] = frozenset()
    roadmap_numbers: Mapping[int, str | None] = field(default_factory=dict)  # stored


@dataclass(frozen=True, slots=True)
class PlannedProgramme:
    key: str
    programme: NewProgramme


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    key: str
    programme: str
    trip: NewTrip  # programme_id is filled in when the programme has been written
    organisers: tuple[int, ...] | None  # None: the file does not say, keep as is
    given_status: str | None  # None: keep the stored trip's status
    record: Record  # to say where a problem found while writing is


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    key: str
    programme: str | None
    trip: str | None
    event: NewEvent


@dataclass(frozen=True, slots=True)
class PlannedItem:
    key: str
    item: NewItem
    given_status: str | None  # None: a stored item keeps its status
    notes: str | None  # None: a stored item keeps its notes
    all_telebridges: bool | None
    trips: tuple[str, ...] | None  # None: keep the stored links
    events: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Plan:
    programmes: list[PlannedProgramme]
    trips: list[PlannedTrip]
    events: list[PlannedEvent]
    roadmap: list[PlannedItem] = field(default_factory=list)
