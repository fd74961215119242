"""Rules for what a person tells about themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import phonenumbers

from bot.core.errors import UserError
from bot.core.i18n import LANGUAGES
from bot.core.roles import MemberRole
from bot.core.text import clean_text  # the one rule for typed text; others import it from here too
from storage.cities import City, CityRepo
from storage.people import NewProfile, Person, PersonRepo

NAME_MAX = 100
ORGANISATION_MAX = 200
PHONE_TEXT_MAX = 40
# What a phone number is written with: digits, spaces, brackets, dashes, dots, one leading
# plus. Letters are refused although phonenumbers would read them as on a keypad.
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-]+")


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


def clean_name(text: str | None) -> str:
    return clean_text(text, limit=NAME_MAX)


def usable_name(text: str | None) -> str | None:
    """A Telegram name cleaned as a typed one, or None where nothing would be left (a name
    of Hangul fillers): then the bot does not offer it."""
    try:
        return clean_name(text)
    except UserError:
        return None


def clean_organisation(text: str | None) -> str:
    return clean_text(text, limit=ORGANISATION_MAX)


def parse_role(value: str) -> MemberRole:
    try:
        return MemberRole(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def parse_phone(raw: str, regions: Sequence[str]) -> str:
    """A phone number in E.164 (+79001234567, +375291234567), or UserError("error-phone").

    Written the local way (80291234567 in Minsk, 89001234567 in Sochi) a number means
    something only in a country: it is read as a number of each of `regions` in turn (the
    person's city's country first, then the other cities'), then as an international
    number without its plus (how Telegram gives a shared contact). Only a number that
    exists in its country's numbering plan, and whose country is one of `regions` (the
    partnership's cities: +7… and +375… for Sochi and Minsk), is kept; letters, extensions,
    digits that are no number anywhere and other countries' numbers are refused, with the
    expected form in the message, so nothing like +80291234567 is stored.
    """
    text = raw.strip()
    if len(text) > PHONE_TEXT_MAX or not _PHONE_CHARS.fullmatch(text):
        raise UserError("error-phone")
    attempts: list[tuple[str, str | None]] = [(text, None)]
    if not text.startswith("+"):
        attempts = [*((text, region) for region in regions), ("+" + text, None)]
    for candidate, region in attempts:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if (
            phonenumbers.is_valid_number(number)
            and not number.extension
            and phonenumbers.region_code_for_number(number) in regions
        ):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise UserError("error-phone")


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

    async def _regions(self, tg_id: int) -> list[str]:
        """Countries to read a local phone number in: the person's city's first."""
        person = await self._people.get(tg_id=tg_id)
        cities = await self._cities.list()
        own = [c.country for c in cities if person is not None and c.id == person.city_id]
        return list(dict.fromkeys([*own, *(city.country for city in cities)]))

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
                value = None if raw is None else parse_phone(str(raw), await self._regions(tg_id))
        await self._people.update_field(tg_id=tg_id, field=field.column, value=value)
        if field in (ProfileField.NAME, ProfileField.ORGANISATION, ProfileField.PHONE):
            # The value it replaced (a phone removed, say) must leave the disk as /forget's do.
            await self._people.wipe_replaced()
