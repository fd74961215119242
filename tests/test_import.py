"""Import of programmes, trips and events: from the bot, from the shell, and the demo data."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from bot.core.i18n import LANGUAGES, load_message_ids
from bot.core.roles import Access
from bot.importer import records as importer
from bot.importer.files import MAX_FILE_BYTES, MAX_UNPACKED_BYTES, FileFormat, read_file
from bot.importer.plan import ImportRejected
from bot.importer.records import import_file
from bot.operations.demo import load_demo
from bot.trips.exports import COLUMNS
from bot.trips.registration import Promotion, RegStatus
from examples.make_example_xlsx import build_workbook
from storage.db import Database, from_db_time, utc_now
from storage.events import EventRepo
from storage.migrate import migrate
from storage.trips import TripRepo
from tests.conftest import ADMIN_ID, TOKEN, RunningBot, TgUser, store_url_for
from tests.import_data import (
    PROGRAMME,
    add_person,
    count_rows,
    day,
    good_file,
    import_services,
    register,
    seed,
    send_file,
    trip_id,
    trip_yaml,
)

ROOT = Path(__file__).resolve().parent.parent
EMPTY = dict.fromkeys(("programmes", "trips", "trip_questions", "trip_organisers", "events"), 0)


async def test_organiser_imports_a_yaml_file(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await send_file(admin, "plan.yaml", good_file().encode())
    assert "Файл «plan.yaml» загружен" in admin.last_text
    assert "Поездки: новых 1, обновлено 0" in admin.last_text
    assert await count_rows(app.db) == {
        "programmes": 1,
        "trips": 1,
        "trip_questions": 5,
        "trip_organisers": 1,
        "events": 1,
    }
    trips = TripRepo(app.db)
    trip = await trips.get(trip_id=await trip_id(app.db))
    assert trip is not None
    # Dates are the departure city's (Sochi, UTC+3) time; a bare deadline is its last minute.
    sochi = ZoneInfo("Europe/Moscow")
    assert trip.starts_at.astimezone(sochi).strftime("%d.%m.%Y %H:%M") == day(60, "09:30")
    assert trip.registration_deadline.astimezone(sochi).strftime("%d.%m.%Y %H:%M") == day(
        30, "23:59"
    )
    assert (trip.capacity, trip.status, trip.needs_approval) == (10, "open", False)
    assert await trips.organisers(trip_id=trip.id) == [ADMIN_ID]
    questions = await trips.questions(trip_id=trip.id)
    assert [(q.key, q.kind, q.required) for q in questions] == [
        ("position", "short_text", True),
        ("level", "choice", True),
        ("hotel", "yes_no", True),
        ("passport", "date", True),
        ("diet", "long_text", False),
    ]
    assert questions[1].options == ("Школа", "Детский сад")
    async with app.db.read.execute("SELECT trip_id, kind FROM events") as cur:
        assert tuple(await cur.fetchone()) == (trip.id, "seminar")


async def test_importing_again_updates_by_key(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await send_file(admin, "plan.yaml", good_file().encode())
    before = await count_rows(app.db)
    await send_file(admin, "plan.yaml", good_file(capacity=25, title="Новое название").encode())
    assert "Поездки: новых 0, обновлено 1" in admin.last_text
    assert "Мероприятия: новых 0, обновлено 1" in admin.last_text
    assert await count_rows(app.db) == before
    trip = await TripRepo(app.db).get(trip_id=await trip_id(app.db))
    assert trip is not None and (trip.capacity, trip.title) == (25, "Новое название")


def _trips(*items: str) -> str:
    return PROGRAMME + "trips:" + "".join(items)


MISTAKES = [
    pytest.param(
        _trips(trip_yaml(capacity="много")),
        "trips[1].capacity: «много» — не целое число.",
        id="type",
    ),
    pytest.param(
        _trips(trip_yaml(capacity=0)), "trips[1].capacity: нужно число от 1 до", id="range"
    ),
    pytest.param(
        _trips(trip_yaml(capacity=10001)),
        "trips[1].capacity: нужно число от 1 до",
        id="range-high",
    ),
    pytest.param(
        PROGRAMME.replace("education", "space") + "trips:" + trip_yaml(),
        "programmes[1].direction: значение «space» не подходит. Возможные значения: education",
        id="enum",
    ),
    pytest.param(
        _trips(trip_yaml(status="published")),
        "trips[1].status: значение «published» не подходит",
        id="status",
    ),
    pytest.param(
        _trips(trip_yaml(start="31.02.2027")),
        "trips[1].start: дата «31.02.2027» не распознана.",
        id="date",
    ),
    pytest.param(
        _trips(trip_yaml(start=day(60), deadline=day(61))),
        "trips[1].deadline: запись должна заканчиваться раньше начала поездки.",
        id="deadline-after-start",
    ),
    pytest.param(
        _trips(trip_yaml(start=day(60), end=day(59))),
        "trips[1].end: окончание раньше начала.",
        id="end-before-start",
    ),
    pytest.param(
        _trips(trip_yaml(start=day(-10), end=day(-8), deadline=day(-20))),
        "trips[1].start: дата начала уже прошла.",
        id="past",
    ),
    pytest.param(
        _trips(trip_yaml(programme="nope")),
        "trips[1].programme: программа с ключом «nope» не найдена ни в файле, ни в базе.",
        id="reference",
    ),
    pytest.param(
        _trips(trip_yaml())
        + f"events:\n  - key: e1\n    kind: forum\n    title: Форум\n    city: minsk\n"
        f"    start: {day(70)}\n    trip: nope\n",
        "events[1].trip: поездка с ключом «nope» не найдена",
        id="event-reference",
    ),
    pytest.param(
        _trips(trip_yaml(), trip_yaml()),
        "trips[2].key: ключ «t1» уже встречается: trips[1].",
        id="duplicate-key",
    ),
    pytest.param(
        _trips(trip_yaml(extra="    capcity: 5\n")),
        "trips[1].capcity: неизвестное поле «capcity». Может быть, имелось в виду capacity?",
        id="unknown-field",
    ),
    pytest.param(
        _trips(trip_yaml()).replace("to_city: minsk", "to_city: gomel"),
        "trips[1].to_city: неизвестный город «gomel». Возможные: minsk, sochi.",
        id="city",
    ),
    pytest.param(
        _trips(trip_yaml()).replace("to_city: minsk", "to_city: sochi"),
        "trips[1].to_city: город назначения совпадает с городом отправления.",
        id="same-city",
    ),
    pytest.param(
        _trips(trip_yaml()).replace("    title: Педагоги в Минске\n", ""),
        "trips[1].title: обязательное поле не заполнено.",
        id="required",
    ),
    pytest.param(
        _trips(trip_yaml(approval="наверное")),
        "trips[1].approval: «наверное» — здесь нужно «да» или «нет»",
        id="flag",
    ),
    pytest.param(
        _trips(trip_yaml(extra="    for_minors: дети\n")),
        "trips[1].for_minors: «дети» — здесь нужно «да» или «нет»",
        id="minors-flag",
    ),
    pytest.param(
        _trips(trip_yaml(extra="    organisers: [12, abc]\n")),
        "trips[1].organisers: «abc» — не Telegram id",
        id="telegram-id",
    ),
    pytest.param(
        _trips(trip_yaml(questions="      - key: q\n        type: choice\n        label: Что?\n")),
        "trips[1].questions[1].options: для вопроса типа choice укажите хотя бы два варианта",
        id="choice-options",
    ),
    pytest.param(
        _trips(
            trip_yaml(
                questions="      - key: q\n        type: essay\n        label: Что?\n"
                "      - key: q\n        type: yes_no\n        label: Ещё?\n"
                "      - key: q\n        type: yes_no\n        label: И ещё?\n"
            )
        ),
        "trips[1].questions[3].key: ключ вопроса «q» уже есть у этой поездки.",
        id="question-key-twice",
    ),
    pytest.param(
        PROGRAMME.replace("[teacher]", "[teacher, astronaut]"),
        "programmes[1].audience: неизвестная сфера «astronaut»",
        id="role",
    ),
    pytest.param(
        PROGRAMME + "trip:\n  - key: x\n",
        "trip: неизвестный раздел «trip». Возможные разделы: programmes, trips, events, roadmap.",
        id="section",
    ),
    pytest.param(
        "programmes:\n  - key: p1\n    title: [unclosed\n",
        "ошибка разметки YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        PROGRAMME + "    title: Второй раз\n",
        "строка 7: поле «title» указано дважды.",
        id="field-twice",
    ),
    pytest.param("# только комментарий\n", "файл: в файле нет ни программ", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), MISTAKES)
async def test_each_mistake_is_located_and_nothing_is_written(
    app: RunningBot, admin: TgUser, text: str, expected: str
) -> None:
    assert app.db is not None
    await send_file(admin, "plan.yaml", text.encode())
    reply = admin.last_text
    assert "Файл «plan.yaml» не загружен" in reply and "Ничего не записано" in reply
    assert expected in reply
    assert await count_rows(app.db) == EMPTY


async def test_all_mistakes_are_listed_at_once(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    text = (
        PROGRAMME.replace("education", "space")
        + "trips:"
        + trip_yaml(capacity=0)
        + trip_yaml("t2", start="32.13.2027")
    )
    await send_file(admin, "plan.yaml", text.encode())
    reply = admin.last_text
    assert "найдены 3 ошибки" in reply
    for line in (
        "programmes[1].direction:",
        "trips[1].capacity:",
        "trips[2].start: дата «32.13.2027» не распознана",
    ):
        assert line in reply
    assert reply.index("programmes[1]") < reply.index("trips[1]") < reply.index("trips[2]")
    assert await count_rows(app.db) == EMPTY


async def test_a_past_trip_is_loaded_only_as_history(app: RunningBot) -> None:
    assert app.db is not None
    past = {"start": day(-40), "end": day(-35), "deadline": day(-50)}
    await seed(app.db, _trips(trip_yaml(status="finished", **past)))
    trip = await TripRepo(app.db).get(trip_id=await trip_id(app.db))
    assert trip is not None and trip.status == "finished"
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, _trips(trip_yaml("t2", status="closed", **past)))
    assert [(i.where.path, i.key) for i in rejected.value.issues] == [
        ("trips[1].start", "import-error-start-past"),
        ("trips[1].deadline", "import-error-deadline-past"),
    ]


async def test_a_trip_may_refer_to_a_programme_loaded_before(app: RunningBot) -> None:
    assert app.db is not None
    await seed(app.db, PROGRAMME)
    summary = await seed(app.db, "trips:" + trip_yaml())
    assert (summary.programmes.created, summary.trips.created) == (0, 1)


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


TRIP_COLUMNS = (
    *("key", "programme", "title", "from_city", "to_city", "start", "end", "deadline"),
    *("capacity", "approval", "status"),
)


def _table(capacity: object = 12, questions: list[list[object]] | None = None) -> bytes:
    start = (datetime.now(UTC) + timedelta(days=90)).replace(tzinfo=None, second=0, microsecond=0)
    return _workbook(
        {
            "programmes": [
                ["key", "direction", "title", "audience"],
                ["p1", "culture", "Фестивали культуры", "culture; youth"],
            ],
            "trips": [
                [*TRIP_COLUMNS],
                [
                    *("fest", "p1", "Фестиваль", "minsk", "sochi"),
                    *(start, start + timedelta(days=4), start - timedelta(days=30)),
                    *(capacity, "да", "open"),
                ],
            ],
            "questions": questions
            or [
                ["trip", "key", "type", "label", "required", "options"],
                ["fest", "genre", "choice", "Жанр", "да", "Вокал; Хореография; Театр"],
                ["fest", "hotel", "yes_no", "Нужна гостиница?", None, None],
            ],
            "Лист1": [],
        }
    )


async def test_xlsx_import(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await send_file(admin, "plan.xlsx", _table())
    assert "Файл «plan.xlsx» загружен" in admin.last_text
    trips = TripRepo(app.db)
    trip = await trips.get(trip_id=await trip_id(app.db, "fest"))
    assert trip is not None and trip.capacity == 12 and trip.needs_approval
    questions = await trips.questions(trip_id=trip.id)
    assert [(q.key, q.options) for q in questions] == [
        ("genre", ("Вокал", "Хореография", "Театр")),
        ("hotel", ()),
    ]
    programmes = await trips.list_programmes()
    assert programmes[0].audience == ("culture", "youth")


async def test_xlsx_mistakes_name_sheet_row_and_column(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    questions = [
        ["trip", "key", "type", "label", "colour"],
        ["fest", "hotel", "yes_no", "Нужна гостиница?", "red"],
        ["zzz", "genre", "short_text", "Жанр", None],
    ]
    await send_file(admin, "plan.xlsx", _table(capacity="много", questions=questions))
    reply = admin.last_text
    assert "лист trips, строка 2, столбец capacity: «много» — не целое число." in reply
    assert "лист questions, столбец colour: неизвестный столбец «colour»." in reply
    assert (
        "лист questions, строка 3, столбец trip: поездки с ключом «zzz» нет на листе trips."
        in reply
    )
    assert await count_rows(app.db) == EMPTY


async def _fresh_db(path: Path) -> Database:
    db = await Database.open(store_url_for(path) or path)
    await migrate(db)
    return db


async def _dump(db: Database) -> list[list[tuple]]:
    """Every imported row without ids and timestamps of the moment of import."""
    queries = (
        "SELECT ext_key, direction, title, description, audience FROM programmes ORDER BY id",
        "SELECT ext_key, title, from_city_id, to_city_id, starts_at, ends_at,"
        " registration_deadline, capacity, needs_approval, description, status, for_minors"
        " FROM trips ORDER BY id",
        "SELECT trip_id, position, key, kind, label, required, options FROM trip_questions"
        " ORDER BY id",
        "SELECT trip_id, tg_id FROM trip_organisers ORDER BY trip_id, tg_id",
        "SELECT ext_key, kind, title, city_id, venue, starts_at, ends_at, description,"
        " programme_id, trip_id, status FROM events ORDER BY id",
        "SELECT ext_key, number, direction, title, responsible_city_id, due_year, due_quarter,"
        " status, notes, all_telebridges FROM roadmap_items ORDER BY id",
        "SELECT item_id, trip_id FROM roadmap_trips ORDER BY item_id, trip_id",
        "SELECT item_id, event_id FROM roadmap_events ORDER BY item_id, event_id",
    )
    result = []
    for query in queries:
        async with db.read.execute(query) as cur:
            result.append([tuple(row) for row in await cur.fetchall()])
    return result


async def test_example_files_are_valid_and_say_the_same(tmp_path: Path) -> None:
    # The examples are written for 2027; they are checked as of the day they were written.
    written = datetime(2026, 11, 21, tzinfo=UTC)
    dumps = []
    for name in ("import_example.yaml", "import_example.xlsx"):
        db = await _fresh_db(tmp_path / name / "db.sqlite3")
        try:
            data = (ROOT / "examples" / name).read_bytes()
            summary = await import_file(
                db, data, file_name=name, actor=None, now=written, services=import_services(db)
            )
            assert (summary.programmes.created, summary.trips.created) == (2, 3)
            assert summary.events.created == 2
            assert summary.roadmap.created == 7
            dumps.append(await _dump(db))
        finally:
            await db.close()
    assert dumps[0] == dumps[1]
    assert len(dumps[0][2]) == 6 and dumps[0][3] == [(1, 123456789)]
    assert [row[-1] for row in dumps[0][1]] == [0, 0, 1]  # for_minors
    # The committed table is what the generator makes from the YAML example.
    committed = load_workbook(ROOT / "examples" / "import_example.xlsx")
    fresh = build_workbook()
    assert committed.sheetnames == fresh.sheetnames
    for name in fresh.sheetnames:
        assert [list(r) for r in committed[name].values] == [list(r) for r in fresh[name].values]


async def test_file_over_5_mb_is_refused_before_download(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await send_file(admin, "huge.yaml", b"#" * (MAX_FILE_BYTES + 1))
    assert "Файл «huge.yaml» слишком большой: 5,0 МБ" in admin.last_text
    assert "до 5 МБ" in admin.last_text
    assert app.telegram.calls_of("getFile") == []
    assert await count_rows(app.db) == EMPTY


async def test_member_sending_a_file_is_refused(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    await send_file(member, "plan.yaml", good_file().encode())
    assert "могут только организаторы" in member.last_text
    assert app.telegram.calls_of("getFile") == []
    assert await count_rows(app.db) == EMPTY


async def test_other_documents_are_not_taken_for_imports(app: RunningBot, admin: TgUser) -> None:
    await send_file(admin, "photo.pdf", b"%PDF-1.4")
    assert "Файл «photo.pdf» не похож на файл импорта" in admin.last_text
    await send_file(admin, "broken.xlsx", b"not a zip at all")
    assert "файл: файл не открывается как таблица Excel" in admin.last_text


async def test_a_long_error_list_is_cut_to_one_message_and_escaped(
    app: RunningBot, admin: TgUser
) -> None:
    assert app.db is not None
    items = "".join(trip_yaml(f"<b>k{n}</b>", capacity=0) for n in range(150))
    await send_file(admin, "plan.yaml", _trips(items).encode())
    message = app.telegram.last_message(admin.id)
    assert message.text is not None and len(message.text) <= 4096
    reply = message.plain_text()
    # The key as written, shown as text: the fake Bot API refuses unescaped tags.
    assert "trips[1].key: ключ «<b>k0</b>» не подходит" in reply
    total = int(re.search(r"найдено (\d+) ошибок", reply)[1])  # type: ignore[index]
    more = int(re.search(r"…и ещё (\d+) ошиб\w+\.$", reply)[1])  # type: ignore[index]
    shown = len(re.findall(r"^trips\[\d+\]\.", reply, flags=re.MULTILINE))
    assert total == 300 and shown + more == total and shown > 10


async def test_more_seats_on_reimport_go_to_the_waiting_list(
    app: RunningBot, admin: TgUser, make_user
) -> None:
    assert app.db is not None
    await seed(app.db, _trips(trip_yaml(capacity=1)))
    trip = await trip_id(app.db)
    for tg_id, name in ((3001, "Первый Участник"), (3002, "Второй Участник")):
        await add_person(app, tg_id, name)
    assert (await register(app, trip, 3001)).status == "approved"
    assert (await register(app, trip, 3002)).status == "waitlisted"

    await send_file(admin, "plan.yaml", _trips(trip_yaml(capacity=2)).encode())
    assert "из листа ожидания переведён 1 человек" in admin.last_text
    counts = await app.dp["trips"].registrations.counts(trip_id=trip)
    assert counts == {"approved": 2}
    assert any("освободилось место" in text for text in make_user(3002).texts())

    # Fewer seats than people already seated, or a silent cancellation: refused.
    text = _trips(trip_yaml(capacity=1), trip_yaml("t2", status="cancelled"))
    await seed(app.db, _trips(trip_yaml("t2")))
    await register(app, await trip_id(app.db, "t2"), 3001)
    await send_file(admin, "plan.yaml", text.encode())
    assert "trips[1].capacity: на поездку уже записаны 2 человека" in admin.last_text
    assert "trips[2].status: у поездки 1 действующая заявка" in admin.last_text


# -- Trips that exist: the bot's rules, checked again inside the write --------------------


def _issues(rejected: pytest.ExceptionInfo[ImportRejected]) -> list[tuple[str | None, str]]:
    return [(issue.where.path, issue.key) for issue in rejected.value.issues]


async def _stored(db: Database, key: str = "t1") -> tuple[str, str | None, str, int]:
    trip = await TripRepo(db).get(trip_id=await trip_id(db, key))
    assert trip is not None
    return trip.status, trip.cancel_reason, trip.title, trip.capacity


async def test_a_cancelled_trip_is_not_reopened_or_edited_by_a_file(
    app: RunningBot, admin: TgUser
) -> None:
    assert app.db is not None
    await send_file(admin, "plan.yaml", good_file().encode())
    trip = await trip_id(app.db)
    await app.dp["trips"].admin.cancel_trip(
        actor_access=Access.ORGANISER, trip_id=trip, reason="Рейс отменён"
    )
    before = await count_rows(app.db)

    # The same file again: its `status: open` would reopen the trip without a word.
    await send_file(admin, "plan.yaml", good_file().encode())
    reply = admin.last_text
    assert "Файл «plan.yaml» не загружен" in reply and "Ничего не записано" in reply
    assert "trips[1]: Отменённую или завершённую поездку изменить нельзя." in reply
    # Without a status the trip stays cancelled, but other changes are refused too.
    edited = good_file(title="Новое название").replace("    status: open\n", "")
    await send_file(admin, "plan.yaml", edited.encode())
    assert "trips[1]: Отменённую или завершённую поездку изменить нельзя." in admin.last_text
    assert await _stored(app.db) == ("cancelled", "Рейс отменён", "Педагоги в Минске", 10)
    assert await count_rows(app.db) == before

    # A file that says what is stored leaves the trip alone, and the rest is imported.
    same = good_file().replace("    status: open\n", "    status: cancelled\n")
    await send_file(admin, "plan.yaml", same.encode())
    assert "Файл «plan.yaml» загружен" in admin.last_text
    assert "Поездки: новых 0, обновлено 0" in admin.last_text
    assert "Мероприятия: новых 0, обновлено 1" in admin.last_text
    assert await _stored(app.db) == ("cancelled", "Рейс отменён", "Педагоги в Минске", 10)


async def test_a_finished_trip_is_history(app: RunningBot) -> None:
    assert app.db is not None
    past = {"start": day(-40), "end": day(-35), "deadline": day(-50), "status": "finished"}
    await seed(app.db, _trips(trip_yaml(**past)))
    summary = await seed(app.db, _trips(trip_yaml(**past)))  # the same file again
    assert (summary.trips.created, summary.trips.updated) == (0, 0)
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, _trips(trip_yaml(capacity=20, **past)))
    assert _issues(rejected) == [("trips[1]", "org-error-not-editable")]

    # Finished in the bot: the file that opened the trip no longer edits it.
    await seed(app.db, _trips(trip_yaml("t2")))
    trip = await trip_id(app.db, "t2")
    await app.dp["trips"].admin.change_status(
        actor_access=Access.ORGANISER, trip_id=trip, status="finished", now=utc_now()
    )
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, _trips(trip_yaml("t2", title="Другое")))
    assert _issues(rejected) == [("trips[1]", "org-error-not-editable")]
    assert await _stored(app.db, "t2") == ("finished", None, "Педагоги в Минске", 10)


@pytest.mark.parametrize(
    ("stored", "wanted", "allowed"),
    [
        ("open", "draft", "open, closed, finished, cancelled"),
        ("draft", "closed", "draft, open, cancelled"),
        ("draft", "finished", "draft, open, cancelled"),
        ("closed", "draft", "closed, open, finished, cancelled"),
    ],
)
async def test_a_status_moves_only_as_the_bot_lets_it(
    app: RunningBot, admin: TgUser, stored: str, wanted: str, allowed: str
) -> None:
    assert app.db is not None
    await seed(app.db, _trips(trip_yaml(status=stored)))
    await send_file(admin, "plan.yaml", _trips(trip_yaml(status=wanted, capacity=5)).encode())
    assert (
        f"trips[1].status: значение «{wanted}» не подходит. Возможные значения: {allowed}."
        in admin.last_text
    )
    assert await _stored(app.db) == (stored, None, "Педагоги в Минске", 10)


async def test_allowed_status_changes_and_a_missing_status(app: RunningBot) -> None:
    assert app.db is not None
    await seed(app.db, _trips(trip_yaml(status="draft")))
    for status in ("open", "closed", "open", "cancelled"):  # cancelled: nobody registered
        await seed(app.db, _trips(trip_yaml(status=status)))
        assert (await _stored(app.db))[0] == status
    await seed(app.db, _trips(trip_yaml("t2", status="closed")))
    await seed(app.db, _trips(trip_yaml("t2", title="Другое")).replace("    status: open\n", ""))
    assert await _stored(app.db, "t2") == ("closed", None, "Другое", 10)


async def test_trip_state_is_checked_again_inside_the_write(
    app: RunningBot, admin: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the file was checked against may change before the write: it is read again
    inside the import's transaction, and the import is refused with the same errors."""
    assert app.db is not None
    for tg_id, name in ((3001, "Первый Участник"), (3002, "Второй Участник")):
        await add_person(app, tg_id, name)
    await seed(app.db, _trips(trip_yaml(capacity=2), trip_yaml("t2"), trip_yaml("t3")))
    trip_1, trip_2, trip_3 = [await trip_id(app.db, key) for key in ("t1", "t2", "t3")]
    await register(app, trip_1, 3001)
    meanwhile: list[Callable[[], Awaitable[object]]] = []
    checked_with = importer.load_context

    async def context_then_meanwhile(*args: Any, **kwargs: Any) -> Any:
        context = await checked_with(*args, **kwargs)
        while meanwhile:
            await meanwhile.pop(0)()
        return context

    monkeypatch.setattr(importer, "load_context", context_then_meanwhile)
    meanwhile += [
        # A second seat is taken on t1, whose file lowers the capacity to 1;
        lambda: register(app, trip_1, 3002),
        # someone registers for t2, which the file cancels;
        lambda: register(app, trip_2, 3001),
        # an organiser cancels t3, which the file edits.
        lambda: app.dp["trips"].admin.cancel_trip(
            actor_access=Access.ORGANISER, trip_id=trip_3, reason="Нет автобуса"
        ),
    ]
    text = _trips(
        trip_yaml(capacity=1), trip_yaml("t2", status="cancelled"), trip_yaml("t3", capacity=3)
    )
    before = await count_rows(app.db)
    await send_file(admin, "plan.yaml", text.encode())
    reply = admin.last_text
    assert "Файл «plan.yaml» не загружен" in reply and "найдены 3 ошибки" in reply
    assert "trips[1].capacity: на поездку уже записаны 2 человека" in reply
    assert "trips[2].status: у поездки 1 действующая заявка" in reply
    assert "trips[3]: Отменённую или завершённую поездку изменить нельзя." in reply
    assert await count_rows(app.db) == before
    assert await _stored(app.db) == ("open", None, "Педагоги в Минске", 2)
    assert await _stored(app.db, "t2") == ("open", None, "Педагоги в Минске", 10)
    assert await _stored(app.db, "t3") == ("cancelled", "Нет автобуса", "Педагоги в Минске", 10)


async def test_freed_seats_go_to_the_waiting_list_in_the_import_transaction(
    app: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.db is not None
    for tg_id, name in ((3001, "Первый"), (3002, "Второй"), (3003, "Третий")):
        await add_person(app, tg_id, name)
    await seed(app.db, _trips(trip_yaml(capacity=1)))
    trip = await trip_id(app.db)
    await register(app, trip, 3001)
    waiting = await register(app, trip, 3002)
    assert waiting.status == "waitlisted"

    # Anything failing after the trip is written undoes the promotion with the rest.
    async def broken_save(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(EventRepo, "save", broken_save)
    with pytest.raises(RuntimeError):
        await seed(app.db, good_file(capacity=2))
    monkeypatch.undo()
    assert await app.dp["trips"].registrations.counts(trip_id=trip) == {
        "approved": 1,
        "waitlisted": 1,
    }
    assert (await _stored(app.db))[3] == 1

    summary = await seed(app.db, _trips(trip_yaml(capacity=2)))
    # Committed together with the new capacity: a newcomer cannot take the seat first.
    newcomer = await register(app, trip, 3003)
    assert (newcomer.status, newcomer.position) == (RegStatus.WAITLISTED, 1)
    assert summary.promotions == (
        Promotion(waiting.registration_id, trip, 3002, RegStatus.APPROVED),
    )
    counts = await app.dp["trips"].registrations.counts(trip_id=trip)
    assert counts == {"approved": 2, "waitlisted": 1}


# -- The command line -----------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str, on_store: bool = True) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` on the test's store (its PostgreSQL schema in that pass), or
    with `on_store=False` on its SQLite file whatever the pass (a move to PostgreSQL
    starts from one)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "WEBHOOK_", "LOG_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_PATH=str(tmp_path / "db" / "bot.sqlite3"),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",  # nothing is sent in these tests
    )
    url = store_url_for(tmp_path / "db" / "bot.sqlite3") if on_store else None
    if url:
        env["DATABASE_URL"] = url  # the PostgreSQL pass: the test's own schema
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _query(tmp_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows from the store the command line wrote (`_cli`)."""

    async def rows() -> list[tuple[Any, ...]]:
        path = tmp_path / "db" / "bot.sqlite3"
        db = await Database.open(store_url_for(path) or path)
        try:
            async with db.read.execute(sql, params) as cur:
                return [tuple(row) for row in await cur.fetchall()]
        finally:
            await db.close()

    return asyncio.run(rows())


def _rows(tmp_path: Path, table: str) -> int:
    return _query(tmp_path, f"SELECT COUNT(*) FROM {table}")[0][0]


def test_cli_import(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(good_file(), "utf-8")
    result = _cli(tmp_path, "import", str(good))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "Файл good.yaml загружен.",
        "Программы: новых 1, обновлено 0.",
        "Поездки: новых 1, обновлено 0.",
    ]
    result = _cli(tmp_path, "import", str(good))
    assert "Поездки: новых 0, обновлено 1." in result.stdout
    assert _rows(tmp_path, "trips") == 1

    bad = tmp_path / "bad.yaml"
    bad.write_text(_trips(trip_yaml("t9", capacity=0), trip_yaml("t10", programme="x")), "utf-8")
    result = _cli(tmp_path, "import", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Файл bad.yaml не загружен: 2 ошибки. Ничего не записано."
    assert lines[1].startswith("trips[1].capacity: нужно число от 1 до")
    assert lines[2].startswith("trips[2].programme: программа с ключом «x» не найдена")
    assert "Traceback" not in result.stderr
    assert _rows(tmp_path, "trips") == 1

    huge = tmp_path / "huge.xlsx"
    huge.write_bytes(b"\0" * (MAX_FILE_BYTES + 1))
    result = _cli(tmp_path, "import", str(huge))
    assert result.returncode == 2 and "файл весит 5,0 МБ" in result.stderr
    result = _cli(tmp_path, "import", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2 and "не найден" in result.stderr


def test_cli_demo_fills_only_an_empty_database(tmp_path: Path) -> None:
    result = _cli(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Демонстрационная программа Сочи — Минск загружена.",
        "Программы: новых 7, обновлено 0.",
        "Поездки: новых 11, обновлено 0.",
        "Мероприятия: новых 10, обновлено 0.",
        "Дорожная карта: новых 8, обновлено 0.",
    ]
    now = utc_now()
    titles = [row[0] for row in _query(tmp_path, "SELECT title FROM trips")]
    assert any("«Шаги»" in title for title in titles)
    assert any("Минском молодёжном форуме" in title for title in titles)
    [(coming,)] = _query(
        tmp_path,
        "SELECT COUNT(*) FROM trips WHERE status != 'finished'"
        " AND registration_deadline > ? AND starts_at > ?",
        now,
        now,
    )
    assert coming == 10
    assert _rows(tmp_path, "trip_questions") > 40

    result = _cli(tmp_path, "demo")
    assert result.returncode == 1
    assert "В базе уже есть поездки (11)" in result.stderr
    assert _rows(tmp_path, "trips") == 11 and _rows(tmp_path, "events") == 10


async def test_demo_moves_ahead_once_2027_has_come(tmp_path: Path) -> None:
    db = await _fresh_db(tmp_path / "db.sqlite3")
    later = datetime(2029, 6, 1, tzinfo=UTC)
    try:
        await load_demo(db, now=later, services=import_services(db))
        async with db.read.execute(
            "SELECT status = 'finished', MIN(registration_deadline) FROM trips"
            " GROUP BY status = 'finished'"
        ) as cur:
            rows = {bool(row[0]): row[1] for row in await cur.fetchall()}
    finally:
        await db.close()
    assert from_db_time(rows[False]) > later
    assert from_db_time(rows[True]).year == 2026  # history stays where it was


def test_every_text_key_of_import_and_export_exists() -> None:
    used: set[str] = set()
    for name in (
        *(f"bot/importer/{path.name}" for path in (ROOT / "bot" / "importer").glob("*.py")),
        "bot/trips/exports.py",
        "bot/cli/importing.py",
        "handlers/trips/participants.py",
        "handlers/trips/importing.py",
    ):
        text = (ROOT / name).read_text("utf-8")
        used |= set(re.findall(r"\"((?:import|export|participants|demo)-[a-z-]+)\"", text))
    assert "import-error-capacity-below-seated" in used  # the search finds them
    # Keys built from values.
    used |= {
        f"import-error-unknown-{kind}{hint}"
        for kind in ("field", "column")
        for hint in ("", "-hint")
    }
    used |= {f"import-summary-{name}" for name in ("programmes", "trips", "events", "roadmap")}
    used |= {f"export-col-{name}" for name in COLUMNS}
    used |= {f"export-status-{status.value}" for status in RegStatus}
    used |= {f"participants-group-{status.value}" for status in RegStatus}
    for language in LANGUAGES:
        missing = used - load_message_ids(language)
        assert not missing, f"{language}: {sorted(missing)}"


def test_a_zip_bomb_is_not_unpacked() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (MAX_UNPACKED_BYTES + 1))
    assert len(output.getvalue()) < MAX_FILE_BYTES
    sections, issues = read_file(output.getvalue(), FileFormat.XLSX)
    assert sections == {}
    assert [issue.key for issue in issues] == ["import-error-unpacked-too-big"]


async def test_yaml_aliases_cannot_blow_up_the_check(app: RunningBot) -> None:
    assert app.db is not None
    # 200 trips x 100 x 100 questions if the aliases were followed blindly.
    laughs = "q: &q [" + ", ".join(["{key: a, type: yes_no, label: A}"] * 100) + "]\n"
    laughs += "l: &l [" + ", ".join(["*q"] * 100) + "]\n"
    trips = "".join(trip_yaml(f"t{n}", extra="    questions: *l\n") for n in range(200))
    started = asyncio.get_running_loop().time()
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, laughs + _trips(trips))
    assert asyncio.get_running_loop().time() - started < 10
    # Aliases are refused where the first one is, before anything is expanded.
    assert [(issue.key, issue.where.line) for issue in rejected.value.issues] == [
        ("import-error-yaml-alias", 2)
    ]


async def test_an_event_moved_or_cancelled_by_a_file_is_announced_to_subscribers(
    app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    assert app.db is not None
    await send_file(admin, "plan.yaml", good_file().encode())
    async with app.db.read.execute("SELECT id FROM events") as cur:
        event_id = (await cur.fetchone())[0]
    await EventRepo(app.db).subscribe(event_id=event_id, tg_id=member.id)

    # The same file again changes nothing: nobody is told anything.
    before = len(app.telegram.messages(member.id))
    await send_file(admin, "plan.yaml", good_file().encode())
    assert len(app.telegram.messages(member.id)) == before

    moved = good_file().replace(day(61, "10:00"), day(62, "11:00"))
    moved = moved.replace(day(61, "17:00"), day(62, "18:00"))
    await send_file(admin, "plan.yaml", moved.encode())
    notice = member.last_text
    assert "Мероприятие Семинар педагогов (Минск) перенесено" in notice
    assert day(61, "10:00") in notice and day(62, "11:00") in notice

    cancelled = moved.replace("    trip: t1\n", "    trip: t1\n    status: cancelled\n")
    await send_file(admin, "plan.yaml", cancelled.encode())
    assert "Семинар педагогов (Минск) отменено" in member.last_text
    await send_file(admin, "plan.yaml", cancelled.encode())
    assert sum("отменено" in text for text in member.texts()) == 1
