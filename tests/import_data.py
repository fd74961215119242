"""Test data for import, export and participants: files built relative to today, so the
tests do not expire, and seeding through the importer rather than raw SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import create_services
from bot.core.config import Settings
from bot.importer.plan import ImportServices, ImportSummary
from bot.importer.records import import_file
from bot.trips.registration import Registered, RegistrationService
from storage.cities import CityRepo
from storage.db import Database, utc_now
from storage.imports import ImportRepo
from storage.people import NewProfile, PersonRepo
from tests.conftest import TOKEN, RunningBot, TgUser

TABLES = ("programmes", "trips", "trip_questions", "trip_organisers", "events")


def day(days: int, at: str | None = None) -> str:
    """A date `days` from today as an organiser writes it: 15.03.2027 [09:30]."""
    text = (utc_now() + timedelta(days=days)).strftime("%d.%m.%Y")
    return f"{text} {at}" if at else text


def trip_yaml(
    key: str = "t1",
    *,
    programme: str = "p1",
    title: str = "Педагоги в Минске",
    capacity: int | str = 10,
    start: str | None = None,
    end: str | None = None,
    deadline: str | None = None,
    status: str = "open",
    approval: str = "нет",
    extra: str = "",
    questions: str = "",
) -> str:
    """One trip item of the `trips:` list, in YAML."""
    text = f"""
  - key: {key}
    programme: {programme}
    title: {title}
    from_city: sochi
    to_city: minsk
    start: {start or day(60, "09:30")}
    end: {end or day(64)}
    deadline: {deadline or day(30)}
    capacity: {capacity}
    approval: {approval}
    status: {status}
"""
    text += extra
    if questions:
        text += "    questions:\n" + questions
    return text


QUESTIONS = """\
      - key: position
        type: short_text
        label: Должность
      - key: level
        type: choice
        label: Где вы работаете?
        options: [Школа, Детский сад]
      - key: hotel
        type: yes_no
        label: Нужна ли гостиница?
      - key: passport
        type: date
        label: Паспорт действует до
      - key: diet
        type: long_text
        label: Особенности питания
        required: нет
"""

PROGRAMME = """
programmes:
  - key: p1
    direction: education
    title: Обмен педагогическим опытом
    audience: [teacher]
"""


def good_file(*, capacity: int = 10, title: str = "Педагоги в Минске") -> str:
    return (
        PROGRAMME
        + "trips:"
        + trip_yaml(capacity=capacity, title=title, questions=QUESTIONS)
        + f"""
events:
  - key: e1
    kind: seminar
    title: Семинар педагогов
    city: minsk
    start: {day(61, "10:00")}
    end: {day(61, "17:00")}
    trip: t1
"""
    )


def import_services(db: Database) -> ImportServices:
    """The services an import writes through, built as the bot builds them (a test that
    runs the bot passes `app.dp["trips"].importing` instead, so notices wake its engine)."""
    # The services write to `db`, whichever store it is: the settings' own store is unused.
    settings = Settings(_env_file=None, bot_token=TOKEN)  # type: ignore[call-arg]
    return create_services(settings, db).importing


async def seed(db: Database, text: str, *, actor: int | None = None) -> ImportSummary:
    return await import_file(
        db,
        text.encode(),
        file_name="seed.yaml",
        actor=actor,
        now=utc_now(),
        services=import_services(db),
    )


async def count_rows(db: Database) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        async with db.read.execute(f"SELECT COUNT(*) FROM {table}") as cur:
            counts[table] = (await cur.fetchone())[0]
    return counts


async def trip_id(db: Database, key: str = "t1") -> int:
    return (await ImportRepo(db).trip_ids([key]))[key]


async def send_file(user: TgUser, name: str, content: bytes) -> None:
    await user.app.process(user.updates.document(name, content, server=user.telegram))


async def add_person(
    app: RunningBot,
    tg_id: int,
    name: str,
    *,
    city: str = "sochi",
    organisation: str = "Гимназия № 5",
    phone: str | None = None,
) -> None:
    """A member who finished onboarding (many are needed; the form has its own tests)."""
    assert app.db is not None
    cities = {c.code: c for c in await CityRepo(app.db).list()}
    people = PersonRepo(app.db)
    profile = NewProfile(
        full_name=name,
        city_id=cities[city].id,
        role="teacher",
        organisation=organisation,
        consent_at=datetime.now(UTC),
    )
    await people.complete_profile(tg_id=tg_id, language="ru", profile=profile)
    if phone is not None:
        await people.update_field(tg_id=tg_id, field="phone", value=phone)


async def register(
    app: RunningBot, trip: int, tg_id: int, answers: dict[str, Any] | None = None
) -> Registered:
    service: RegistrationService = app.dp["trips"].registration
    registered = await service.register(
        trip_id=trip, tg_id=tg_id, answers=answers or {}, now=utc_now()
    )
    # A registration awaiting approval was sent to the organisers with it: delivered
    # before the test goes on, as a person's registration through the bot would be.
    await app.dp["delivery"].engine.wait_idle(10)
    return registered
