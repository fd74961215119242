"""Texts that draw nothing (zero-width characters, direction controls, Hangul fillers)
are refused wherever people type something others read: every cleaning function of the
bot's services, and the forms themselves through the fake Telegram. "🎉" is a name."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import bot
from bot.broadcasts.service import ContentKind, check_content
from bot.core.errors import UserError
from bot.core.text import clean_text, has_visible, strip_invisible
from bot.importer.plan import ImportRejected
from bot.trips.admin import parse_options
from bot.trips.questions import QuestionKind, parse_answer
from handlers.trips.callbacks import TripAction, TripCb
from storage.trips import Question
from tests.conftest import RunningBot, TgUser, onboard
from tests.import_data import PROGRAMME, seed, trip_id, trip_yaml
from tests.roadmap_seed import item_yaml, roadmap_yaml
from tests.telebridge_steps import coordinator, press_starting
from tests.test_trip_admin import _programme, _start_trip_form
from tests.trip_seed import add_programme, add_trip

INVISIBLE = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u3164\u3164",  # Hangul filler
    "\u115f\u1160",  # Hangul choseong and jungseong fillers
    "\uffa0",  # halfwidth Hangul filler
    "\u200e\u200f",  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e",  # embeddings and overrides
    "\u2066\u2067\u2068\u2069",  # isolates
    "\u200c\u200d\u200d",  # zero-width non-joiner and joiners
    "\u2060\ufeff",  # word joiner, byte order mark
    "\u2800",  # blank braille pattern
    "\u00ad\u034f",  # soft hyphen, combining grapheme joiner
    "\u3164 \u200b \u3164\u00a0\u3000",  # mixed with spaces of several kinds
]
VISIBLE = {
    "🎉": "🎉",
    "👨\u200d👩\u200d👧": "👨\u200d👩\u200d👧",  # a family: the joiners stay
    "❤️\u200d🔥": "❤️\u200d🔥",
    "\u202eАнна\u202c Ли": "Анна Ли",
    "Анна\u3164Смирнова": "Анна Смирнова",
    "\u200bО\u200bл\u200bя": "Оля",
    "Анна\u200dЛи": "АннаЛи",  # a joiner between letters joins nothing visible
    "7": "7",
}
REFUSAL = "Ответ пустой: в нём нет ни одной видимой буквы, цифры или эмодзи"
NOT_TEXT_FIELDS = {"clean_audience", "clean_age_groups"}  # choices from buttons, not typed


def _cleaning_functions() -> list[tuple[str, Callable[[str], Any]]]:
    """Every `clean_*` function of the bot's services that takes a typed text: a new
    field's function is checked here without being listed."""
    found: dict[str, Callable[[str], Any]] = {}
    for module_info in pkgutil.walk_packages(bot.__path__, "bot."):
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("clean_") or name in NOT_TEXT_FIELDS:
                continue
            if function.__module__ != module.__name__:
                continue
            first = next(iter(inspect.signature(function).parameters), None)
            if first == "text":
                found[f"{module.__name__}.{name}"] = function
    return sorted(found.items())


CLEANERS = _cleaning_functions()


def test_the_cleaning_functions_are_found() -> None:
    names = {name for name, _ in CLEANERS}
    for expected in (
        "bot.people.profile.clean_name",
        "bot.people.profile.clean_organisation",
        "bot.telebridges.service.clean_institution_name",
        "bot.telebridges.service.clean_address",
        "bot.telebridges.service.clean_topic",
        "bot.telebridges.service.clean_note",
        "bot.telebridges.service.clean_report",
        "bot.core.text.clean_title",
        "bot.core.text.clean_description",
        "bot.trips.admin.clean_reason",
        "bot.trips.admin.clean_question_label",
        "bot.events.service.clean_venue",
        "bot.roadmap.service.clean_notes",
        "bot.core.text.clean_text",
    ):
        assert expected in names


@pytest.mark.parametrize("value", INVISIBLE)
@pytest.mark.parametrize(("name", "clean"), CLEANERS, ids=[name for name, _ in CLEANERS])
def test_every_field_refuses_invisible_text(
    name: str, clean: Callable[..., Any], value: str
) -> None:
    arguments = {"limit": 1000} if name == "bot.core.text.clean_text" else {}
    with pytest.raises(UserError) as refused:
        clean(value, **arguments)
    if name != "bot.telebridges.service.clean_video_url":  # refused as "not a link"
        assert refused.value.key == "error-text-empty"


@pytest.mark.parametrize("value", INVISIBLE)
def test_answers_options_and_broadcasts_refuse_invisible_text(value: str) -> None:
    for kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        question = Question(key="q", kind=kind, label="Вопрос", required=True)
        with pytest.raises(UserError, match="error-text-empty"):
            parse_answer(question, value)
    with pytest.raises(UserError, match="error-text-empty"):
        parse_options(f"Да\n{value}")
    with pytest.raises(UserError, match="error-text-empty"):
        check_content(ContentKind.TEXT, value)


@pytest.mark.parametrize(("value", "expected"), VISIBLE.items())
def test_visible_text_is_kept(value: str, expected: str) -> None:
    assert clean_text(value, limit=100) == expected
    assert clean_text(f"{value}\n\u200b\nещё", limit=100, keep_newlines=True) == (
        f"{expected}\n\nещё"
    )


def test_blank_lookalikes_are_never_visible() -> None:
    assert not any(has_visible(strip_invisible(value)) for value in INVISIBLE)
    assert has_visible("🎉") and has_visible("№ 5") and not has_visible("—")


async def _refuses_all(user: TgUser) -> None:
    """Every invisible text is refused in Russian and the form stays on its question."""
    for value in INVISIBLE:
        before = len(user.texts())
        await user.send(value)
        new = user.texts()[before:]
        # The refusal, and in forms that do so, the question again.
        assert 1 <= len(new) <= 2 and REFUSAL in new[0], (value, new)
        assert not any(value in text for text in user.texts()[before:])


async def test_onboarding_name_and_organisation(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(801, first_name="\u3164", last_name="\u200b")
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    assert "Как к вам обращаться" in user.last_text
    # A Telegram name that draws nothing is not offered as a button.
    assert not [label for label in user.labels() if label.startswith("Использовать")]
    await _refuses_all(user)
    await user.send("🎉")
    assert "Из какого вы города?" in user.last_text
    await user.press("Минск")
    await user.press("Педагог")
    await _refuses_all(user)
    await user.send("\u202eГимназия № 5")
    assert app.db is not None
    async with app.db.read.execute(
        "SELECT full_name, organisation FROM people WHERE tg_id = ?", (user.id,)
    ) as cur:
        assert tuple(await cur.fetchone()) == ("🎉", "Гимназия № 5")


async def test_profile_name_and_organisation(app: RunningBot, member: TgUser) -> None:
    for button, value in (("Имя", "Мария\u3164Иванова-Ли"), ("Организация", "Лицей № 3")):
        await member.send("/profile")
        await member.press(button)
        await _refuses_all(member)
        await member.send(value)
        assert "Сохранено" in member.texts()[-2]
    text = member.last_text
    assert "Мария Иванова-Ли" in text and "Лицей № 3" in text


async def test_school_name(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(802)
    await onboard(user, city="Сочи")
    await user.send("/school")
    await user.press("➕ Зарегистрировать учреждение")
    await user.press("Школа")
    assert "напишите полное название" in user.last_text
    await _refuses_all(user)
    await user.send("Гимназия № 8")
    assert "Гимназия № 8" in user.last_text or "город" in user.last_text.lower()


async def test_telebridge_topic(app: RunningBot, make_user) -> None:
    await coordinator(make_user, 803, school="Гимназия № 1", city="Минск")
    sochi = await coordinator(make_user, 804, school="Школа № 2", city="Сочи")
    await sochi.send("/school")
    await sochi.press("📡 Новый телемост")
    await press_starting(sochi, "🏫 Гимназия № 1")
    assert "Тема телемоста?" in sochi.last_text
    await _refuses_all(sochi)
    await sochi.send("🎄 Новый год")
    assert "Тема телемоста?" not in sochi.last_text


async def test_trip_title(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _start_trip_form(admin)
    assert "Напишите название поездки" in admin.last_text
    await _refuses_all(admin)
    await admin.send("Педагоги Минска в Сочи")
    assert "Откуда" in admin.last_text


async def test_roadmap_notes(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3, title="Обмен педагогами")))
    await admin.send("/roadmap")
    await admin.press("Образование · 0/1")
    await admin.press("🗓 3. Обмен педагогами")
    await admin.press("📝 Заметки")
    await _refuses_all(admin)
    await admin.send("Согласованы даты")
    assert "Заметки: Согласованы даты" in admin.last_text


async def test_registration_answers(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    questions = (
        Question("position", "short_text", "Ваша должность", True),
        Question("about", "long_text", "О себе", False),
    )
    trip_id = await add_trip(app.db, programme_id=programme, questions=questions)
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
    await member.press("✍️ Записаться")
    assert "Вопрос 1 из 2" in member.last_text
    await _refuses_all(member)
    await member.send("Учитель")
    assert "Вопрос 2 из 2" in member.last_text
    await _refuses_all(member)
    await member.send("🎻\n\u200b\nскрипка")
    assert "Проверьте заявку" in member.last_text and "🎻\n\nскрипка" in member.last_text


@pytest.mark.parametrize("value", ["\u3164\u3164", "\u200b\u200e\u2066", "\u2800"])
async def test_an_imported_title_that_draws_nothing_is_missing(
    app: RunningBot, value: str
) -> None:
    assert app.db is not None
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, PROGRAMME + "trips:" + trip_yaml(title=f'"{value}"'))
    assert [(issue.where.path, issue.key) for issue in rejected.value.issues] == [
        ("trips[1].title", "import-error-required")
    ]
    # A title with letters in it loses only the invisible characters.
    await seed(app.db, PROGRAMME + "trips:" + trip_yaml(title=f'"{value}Педагоги\u200b"'))
    trip = await app.dp["trips"].repo.get(trip_id=await trip_id(app.db))
    assert trip.title == "Педагоги"
