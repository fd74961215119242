"""What the trips capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.importer.plan import ImportServices
from bot.importer.sandbox import ImportReader
from bot.trips.admin import TripAdminService
from bot.trips.notices import TripNotices
from bot.trips.registration import RegistrationService
from storage.registrations import RegistrationRepo
from storage.trips import TripRepo


@dataclass(frozen=True, slots=True)
class Trips:
    repo: TripRepo  # programmes, trips and their questions, as the catalogue reads them
    registrations: RegistrationRepo  # as the lists and the person's own trips read them
    registration: RegistrationService  # seats, the waiting list, decisions
    admin: TripAdminService  # what organisers change
    notices: TripNotices
    importing: ImportServices  # what an import file writes through
    import_reader: ImportReader  # parses import files in a child process
