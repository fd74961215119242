"""Rules for what a person tells about themselves."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.errors import UserError
from bot.i18n import LANGUAGES
from bot.roles import MemberRole
from storage.cities import City, CityRepo
from storage.people import NewProfile, Person, PersonRepo

NAME_MAX = 100
ORGANISATION_MAX = 200
_SPACES = re.compile(r"\s+")


class ProfileField(StrEnum):
    NAME = "name"
    CITY = "city"
    ROLE = "role"
    ORGANISATION = "org"
    LANGUAGE = "lang"
    PHONE = "phone"

    @property
    def column(self) -> str:
        return _COLUMNS[self]


_COLUMNS = {
    ProfileField.NAME: "full_name",
    ProfileField.CITY: "city_id",
    ProfileField.ROLE: "role",
    ProfileField.ORGANISATION: "organisation",
    ProfileField.LANGUAGE: "language",
    ProfileField.PHONE: "phone",
}


@dataclass(frozen=True, slots=True)
class OnboardingAnswers:
    full_name: str
    city_id: int
    role: str
    organisation: str
    consent_at: datetime


def clean_text(text: str | None, *, limit: int, keep_newlines: bool = False) -> str:
    """Trim, fold whitespace, drop control characters; refuse empty or too long text."""
    if text is None:
        raise UserError("error-text-expected")
    cleaned = "".join(
        char
        for char in text
        if unicodedata.category(char) not in {"Cc", "Cf"}
        or char == "\u200d"
        or (keep_newlines and char == "\n")
    )
    if keep_newlines:
        lines = [_SPACES.sub(" ", line).strip() for line in cleaned.split("\n")]
        cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        cleaned = _SPACES.sub(" ", cleaned).strip()
    if not cleaned:
        raise UserError("error-text-empty")
    if cleaned.startswith("/"):
        # An unknown command typed in the middle of a form, not an answer.
        raise UserError("error-text-command")
    if len(cleaned) > limit:
        raise UserError("error-text-too-long", limit=limit, length=len(cleaned))
    return cleaned


def clean_name(text: str | None) -> str:
    return clean_text(text, limit=NAME_MAX)


def clean_organisation(text: str | None) -> str:
    return clean_text(text, limit=ORGANISATION_MAX)


def parse_role(value: str) -> MemberRole:
    try:
        return MemberRole(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def clean_phone(phone: str) -> str:
    digits = re.sub(r"[^\d+]", "", phone)
    if not re.fullmatch(r"\+?\d{7,15}", digits):
        raise UserError("error-phone")
    return digits if digits.startswith("+") else f"+{digits}"


class ProfileService:
    """Onboarding result and profile changes; validation happens here, not in handlers."""

    def __init__(self, people: PersonRepo, cities: CityRepo) -> None:
        self._people = people
        self._cities = cities

    async def choose_language(self, *, tg_id: int, language: str) -> None:
        if language not in LANGUAGES:
            raise UserError("error-stale-button")
        await self._people.set_language(tg_id=tg_id, language=language)

    async def city(self, city_id: int) -> City:
        city = await self._cities.get(city_id=city_id)
        if city is None:
            raise UserError("error-stale-button")
        return city

    async def complete_onboarding(
        self, *, tg_id: int, language: str, answers: OnboardingAnswers
    ) -> Person:
        """Validate everything the form collected and write it in one transaction."""
        profile = NewProfile(
            full_name=clean_name(answers.full_name),
            city_id=(await self.city(answers.city_id)).id,
            role=parse_role(answers.role).value,
            organisation=clean_organisation(answers.organisation),
            consent_at=answers.consent_at,
        )
        await self._people.complete_profile(tg_id=tg_id, language=language, profile=profile)
        person = await self._people.get(tg_id=tg_id)
        assert person is not None
        return person

    async def update(self, *, tg_id: int, field: ProfileField, raw: str | int | None) -> None:
        value: str | int | None
        match field:
            case ProfileField.NAME:
                value = clean_name(raw if isinstance(raw, str) else None)
            case ProfileField.ORGANISATION:
                value = clean_organisation(raw if isinstance(raw, str) else None)
            case ProfileField.CITY:
                value = (await self.city(int(raw or 0))).id
            case ProfileField.ROLE:
                value = parse_role(str(raw)).value
            case ProfileField.LANGUAGE:
                if raw not in LANGUAGES:
                    raise UserError("error-stale-button")
                value = raw
            case ProfileField.PHONE:
                value = None if raw is None else clean_phone(str(raw))
        await self._people.update_field(tg_id=tg_id, field=field.column, value=value)
        if field in (ProfileField.NAME, ProfileField.ORGANISATION, ProfileField.PHONE):
            # The value it replaced (a phone removed, say) must leave the disk as /forget's do.
            await self._people.wipe_replaced()
