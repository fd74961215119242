"""Forged, stale and odd ids in buttons, deep links and typed text.

Callback data and deep links come from the client: any of them can hold a number beyond
64 bits (SQLite refuses it with OverflowError), a negative one, "²" (`isdigit()` says yes,
`int()` says no) or garbage. Every button prefix and every deep-link kind the bot
registers is enumerated from the code, so a new one is covered without anybody thinking
of it; each press must be answered, with no generic error, no error logged and no 400
from Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from enum import Enum
from typing import Any, get_args

import pytest
from aiogram.filters.callback_data import CallbackData
from pydantic.fields import FieldInfo

from bot.core.ids import ID_MAX, SMALL_MAX, parse_id, parse_int, parse_prefixed_id
from handlers import get_deep_links, get_routers
from handlers.kit.callbacks import Id, IdOrUnset, IdOrZero, Small
from handlers.kit.routing import callback_prefixes
from tests.conftest import RunningBot, TgUser, onboard
from tests.fake_telegram import ApiCall
from tests.telebridge_steps import coordinator, press_starting, sochi_time
from tests.trip_seed import add_programme

GENERIC_ERROR = "Что-то пошло не так"
HUGE = "99999999999999999999"
# Each typed integer field is one of the ranged types of handlers.kit.callbacks.
RANGED_CHECKS = [get_args(kind)[1] for kind in (Id, IdOrZero, Small, IdOrUnset)]


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def callback_classes() -> list[type[CallbackData]]:
    """Every CallbackData the handlers define (get_routers imports every handler module)."""
    get_routers()
    classes = [c for c in _all_subclasses(CallbackData) if c.__module__.startswith("handlers")]
    return sorted(classes, key=lambda c: c.__prefix__)


def _is_enum(field: FieldInfo) -> bool:
    return isinstance(field.annotation, type) and issubclass(field.annotation, Enum)


def _is_int(field: FieldInfo) -> bool:
    return field.annotation is int


def _plausible(field: FieldInfo) -> str:
    """A value the field accepts, to put beside the one being forged."""
    if _is_enum(field):
        return str(next(iter(field.annotation)).value)  # type: ignore[arg-type]
    if field.annotation is bool:
        return "1"
    return "1"  # an int field, or a str field that often holds an id


def _largest(cls: type[CallbackData], name: str) -> str:
    """The largest number the field accepts: a well-formed id nobody has."""
    for candidate in (ID_MAX, SMALL_MAX):
        try:
            cls.model_fields[name].annotation  # noqa: B018 (the field exists)
            values = {n: _plausible(f) for n, f in cls.model_fields.items()}
            values[name] = str(candidate)
            cls.unpack(":".join([cls.__prefix__, *values.values()]))
        except (TypeError, ValueError):
            continue
        return str(candidate)
    raise AssertionError(f"{cls.__name__}.{name} takes neither {ID_MAX} nor {SMALL_MAX}")


def forged_data(cls: type[CallbackData]) -> list[str]:
    """Callback data of `cls`'s prefix: odd values in each field in turn, a wrong number of
    fields, and well-formed data naming things that do not exist (each enum value)."""
    fields = cls.model_fields
    plausible = {name: _plausible(field) for name, field in fields.items()}
    datas: list[str] = []
    for name in fields:
        for odd in (HUGE, str(2**63), "-1", "²", "x", "", "p" + HUGE, "c²"):
            values = {**plausible, name: odd}
            datas.append(":".join([cls.__prefix__, *values.values()]))
    datas.append(":".join([cls.__prefix__, *plausible.values(), HUGE]))  # one field too many
    datas.append(cls.__prefix__)
    largest = {
        name: _largest(cls, name) if _is_int(field) else plausible[name]
        for name, field in fields.items()
    }
    if not any(_is_int(field) for field in fields.values()):
        # Well-formed data without an id is an ordinary button ("fgt:1" would erase the
        # person pressing it): only the odd values above are pressed.
        return list(dict.fromkeys(d for d in datas if len(d.encode()) <= 64))
    enums = [name for name, field in fields.items() if _is_enum(field)]
    strings = [name for name, field in fields.items() if field.annotation is str]
    members = list(fields[enums[0]].annotation) if enums else [None]  # type: ignore[arg-type]
    for member in members:
        values = dict(largest)
        if member is not None:
            values[enums[0]] = str(member.value)
        datas.append(":".join([cls.__prefix__, *values.values()]))
        for name in strings:
            for odd in (HUGE, str(ID_MAX), "p" + str(ID_MAX), "c" + str(ID_MAX), "²"):
                datas.append(":".join([cls.__prefix__, *{**values, name: odd}.values()]))
    # Telegram refuses callback data over 64 bytes, so a client cannot send it either.
    return list(dict.fromkeys(d for d in datas if len(d.encode()) <= 64))


def _problems(calls: list[ApiCall], caplog: pytest.LogCaptureFixture) -> list[str]:
    found = [f"{c.method} {c.error_code}: {c.result}" for c in calls if not c.ok]
    found += [
        f"generic error in {c.method}"
        for c in calls
        if GENERIC_ERROR in str(c.params.get("text", ""))
    ]
    found += [r.getMessage() for r in caplog.records if r.name == "handlers.kit.errors"]
    found += [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    return found


class Pacer:
    """Flood control drops more than 100 updates a second from one person (it has its own
    test): stay under it, or presses would go unanswered for the wrong reason."""

    def __init__(self) -> None:
        self._sent: deque[float] = deque()

    async def __call__(self) -> None:
        self._sent.append(time.monotonic())
        while len(self._sent) > 80:
            if time.monotonic() - self._sent[0] > 1.0:
                self._sent.popleft()
            else:
                await asyncio.sleep(0.05)


# The one place ids are parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        (HUGE, None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        ("12²", None),
        (" 1", None),
        ("+1", None),
        ("1_0", None),
        ("1.0", None),
        ("", None),
        (7, 7),
        (True, None),
        (None, None),
    ],
)
def test_parse_id_takes_ascii_digits_within_sqlite_range(text: Any, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_parse_prefixed_and_ranged() -> None:
    assert parse_prefixed_id("p12", "p") == 12
    assert parse_prefixed_id("p²", "p") is None
    assert parse_prefixed_id("p" + HUGE, "p") is None
    assert parse_prefixed_id("c12", "p") is None
    assert parse_int("-1", low=-1, high=5) == -1
    assert parse_int("6", low=-1, high=5) is None


def test_every_integer_in_callback_data_has_a_range() -> None:
    """A plain `int` field would let a huge number through to a query."""
    classes = callback_classes()
    assert len(classes) > 30
    for cls in classes:
        for name, field in cls.model_fields.items():
            if field.annotation is not int:
                continue
            assert any(m in RANGED_CHECKS for m in field.metadata), (
                f"{cls.__name__}.{name} is not a ranged type of handlers.kit.callbacks"
            )
            for odd in (HUGE, "-2", "²"):
                values = {n: _plausible(f) for n, f in cls.model_fields.items()}
                values[name] = odd
                with pytest.raises((TypeError, ValueError)):
                    cls.unpack(":".join([cls.__prefix__, *values.values()]))


def test_every_registered_prefix_is_enumerated() -> None:
    """The enumeration below covers every prefix a router takes, and more."""
    registered: set[str] = set()
    for router in get_routers():
        registered |= callback_prefixes(router) or set()
    enumerated = {cls.__prefix__ for cls in callback_classes()}
    assert registered and registered <= enumerated, registered - enumerated


# Through the fake Telegram


async def test_forged_data_at_every_prefix_is_answered_without_error(
    app: RunningBot, admin: TgUser, member: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    classes = callback_classes()
    paced = Pacer()

    for person in (admin, member):
        for cls in classes:
            fresh = False
            for data in forged_data(cls):
                if not fresh:
                    # Out of any form a press opened, under a fresh main menu.
                    await paced()
                    await person.send("/start")
                await paced()
                caplog.clear()
                mark = len(app.telegram.calls)
                update = person.updates.callback(app.telegram.last_message(person.id), data)
                query_id = update["callback_query"]["id"]
                await app.process(update)
                calls = app.telegram.calls[mark:]
                problems = _problems(calls, caplog)
                assert not problems, (person.id, data, problems)
                assert query_id in app.telegram.callback_answers, (person.id, data)
                # A press answered with a pop-up alone changed nothing: no need to start over.
                fresh = all(c.method == "answerCallbackQuery" for c in calls)
            # Still a member whom the buttons above reach (no press erased or blocked them).
            await paced()
            await person.send("/start")
            assert "Главное меню" in person.last_text, (person.id, cls.__name__)


@pytest.mark.parametrize("odd", [HUGE, str(2**63), str(ID_MAX), "0", "-1", "x", "1_2"])
async def test_deep_links_with_odd_ids_say_not_found(
    app: RunningBot, member: TgUser, caplog: pytest.LogCaptureFixture, odd: str
) -> None:
    kinds = sorted(get_deep_links())
    assert {"trip", "event", "school", "invite"} <= set(kinds)
    for kind in kinds:
        caplog.clear()
        calls = await member.send(f"/start {kind}_{odd}")
        assert not _problems(calls, caplog), (kind, odd)
        sent = [c for c in calls if c.method == "sendMessage"]
        assert sent, (kind, odd)


@pytest.mark.parametrize("kind", sorted(get_deep_links()))
async def test_a_newcomers_odd_deep_link_is_kept_through_onboarding(
    app: RunningBot, make_user: Any, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    newcomer = make_user(3100 + sorted(get_deep_links()).index(kind), first_name="Ирина")
    caplog.clear()
    calls = await onboard(newcomer, name="Ирина Петрова", start=f"/start {kind}_{HUGE}")
    assert not _problems(app.telegram.calls, caplog), kind
    assert any(c.method == "sendMessage" for c in calls)
    # The onboarding finished: the person is in and the menu works.
    await newcomer.send("/start")
    assert "Главное меню" in newcomer.last_text or newcomer.labels()


# Choices inside forms: the value of a picker button is read as an id there


async def _press_odd(user: TgUser, prefix: str, values: list[str], caplog: Any) -> None:
    """Press `prefix:<value>` for each value on the form's current question: each is
    answered with a pop-up, nothing breaks and the question stays."""
    question = user.telegram.last_message(user.id)
    for value in values:
        caplog.clear()
        update = user.updates.callback(question, f"{prefix}:{value}")
        calls = await user.app.process(update)
        assert not _problems(calls, caplog), (prefix, value)
        answer = user.telegram.callback_answers[update["callback_query"]["id"]]
        assert answer.get("text"), (prefix, value)  # a pop-up says why
    assert user.telegram.last_message(user.id).message_id == question.message_id


ODD_CHOICES = [HUGE, str(2**63), "²", "١٢", "-1", "0", "p" + HUGE, "c" + HUGE, "t²", "p²"]


async def test_odd_city_in_the_school_form_is_a_stale_button(
    app: RunningBot, member: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    await member.send("/school")
    await member.press("➕ Зарегистрировать учреждение")
    await member.press("Школа")
    await member.send("Гимназия № 7")
    assert "Сочи" in member.labels()
    await _press_odd(member, "sck", ODD_CHOICES, caplog)
    await member.press("Сочи")  # the form goes on as usual
    assert "Без адреса" in member.labels()


async def test_odd_city_in_the_event_form_is_a_stale_button(
    app: RunningBot, admin: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await admin.press("Форум")
    await admin.send("Минский молодёжный форум")
    assert "Минск" in admin.labels()
    await _press_odd(admin, "evk", ODD_CHOICES, caplog)
    await admin.press("Минск")
    assert "Минск" not in admin.labels()


async def test_odd_choices_in_the_trip_form_are_stale_buttons(
    app: RunningBot, admin: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    assert app.db is not None
    await add_programme(app.db)
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    await _press_odd(admin, "tak", ODD_CHOICES, caplog)  # the programme step
    await admin.press("Образование · Обмен педагогическим опытом")
    await admin.send("Педагоги Минска в Сочи")
    assert "Откуда" in admin.last_text
    await _press_odd(admin, "tak", ODD_CHOICES, caplog)  # the city step
    await admin.press("Минск")
    assert "Куда" in admin.last_text


async def test_odd_partner_and_duration_in_the_telebridge_form(
    app: RunningBot, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await coordinator(make_user, 3301, school="Гимназия № 5", city="Минск")
    sochi = await coordinator(make_user, 3302, school="Школа № 9", city="Сочи")
    await sochi.send("/school")
    await sochi.press("📡 Новый телемост")
    await _press_odd(sochi, "tbk", ODD_CHOICES, caplog)  # the partner step
    await press_starting(sochi, "🏫 Гимназия № 5")
    await sochi.send("Мой город — город-побратим")
    await sochi.press("1–4 классы")
    when, _ = sochi_time()
    await sochi.send(when)
    await _press_odd(sochi, "tbk", ODD_CHOICES, caplog)  # the duration step
    await sochi.press("45 мин")


@pytest.mark.parametrize("odd", [HUGE, str(2**63), "²", "١٢", "-1", "0"])
async def test_typed_ids_in_commands_are_explained(
    app: RunningBot, admin: TgUser, caplog: pytest.LogCaptureFixture, odd: str
) -> None:
    for command in (f"/audit {odd}", f"/audit trip {odd}", f"/grant {odd}", f"/revoke {odd}"):
        caplog.clear()
        calls = await admin.send(command)
        assert not _problems(calls, caplog), command
        sent = [c for c in calls if c.method == "sendMessage"]
        assert sent, command


async def test_odd_city_in_the_broadcast_segment_form_is_refused(
    app: RunningBot, admin: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Городу")
    await _press_odd(admin, "bcp", ODD_CHOICES, caplog)
    await admin.press("Минск")
    assert "Получатели: Минск" in admin.last_text


async def test_forged_data_during_onboarding_is_answered_without_error(
    app: RunningBot, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A newcomer in the middle of the form (a link kept for later) presses odd data of
    every prefix: each press is answered, and the form goes on."""
    newcomer = make_user(3200, first_name="Ирина")
    await newcomer.send(f"/start trip_{HUGE}")
    await newcomer.press("Русский")
    question = app.telegram.last_message(newcomer.id)
    paced = Pacer()
    for cls in callback_classes():
        for name in cls.model_fields:
            for odd in (HUGE, "²"):
                values = {n: _plausible(f) for n, f in cls.model_fields.items()}
                values[name] = odd
                data = ":".join([cls.__prefix__, *values.values()])
                await paced()
                caplog.clear()
                update = newcomer.updates.callback(question, data)
                calls = await app.process(update)
                assert not _problems(calls, caplog), data
                assert update["callback_query"]["id"] in app.telegram.callback_answers, data
    await asyncio.sleep(1.0)  # the flood window passes
    await newcomer.press("Согласен")
    await newcomer.send("Ирина Петрова")
    await newcomer.press("Сочи")
    await newcomer.press("Педагог")
    caplog.clear()
    calls = await newcomer.send("Гимназия № 2")
    assert not _problems(calls, caplog)
    assert "Поездка не найдена" in "\n".join(newcomer.texts()[-3:])
