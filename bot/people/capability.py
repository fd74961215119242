"""What the people capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.people.personal_data import PersonalData
from bot.people.profile import ProfileService
from storage.people import PersonRepo


@dataclass(frozen=True, slots=True)
class People:
    repo: PersonRepo
    profiles: ProfileService  # onboarding and the profile's fields
    personal_data: PersonalData  # "Мои данные": the copy and /forget
