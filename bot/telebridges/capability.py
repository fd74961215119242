"""What the telebridges capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telebridges.notices import TelebridgeNotices
from bot.telebridges.service import TelebridgeService
from storage.institutions import InstitutionRepo
from storage.telebridges import TelebridgeRepo


@dataclass(frozen=True, slots=True)
class Telebridges:
    institutions: InstitutionRepo  # schools and kindergartens, their coordinators
    repo: TelebridgeRepo  # telebridges as the screens read them
    service: TelebridgeService  # every change, with its notices
    notices: TelebridgeNotices  # views and calendar files the screens share with notices
