"""Export of a trip's participants: XLSX and CSV sent to an organiser, checked cell by cell."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.core.roles import Access
from bot.core.sheets import csv_field, safe_text
from bot.reports import workbook
from bot.trips.registration import RegistrationService
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import utc_now
from tests.conftest import RunningBot, TgUser
from tests.import_data import PROGRAMME, QUESTIONS, add_person, register, seed, trip_id, trip_yaml

HEADER = [
    "Статус",
    "Место в листе ожидания",
    "Заявка подана",
    "Последнее изменение",
    "Решение организатора",
    "Имя",
    "Организация",
    "Сфера",
    "Город",
    "Телефон",
    "Должность",
    "Где вы работаете?",
    "Нужна ли гостиница?",
    "Паспорт действует до",
    "Особенности питания",
]
ANSWERS = {"position": "Учитель", "level": "Детский сад", "hotel": "no", "passport": "01.01.2031"}
MINSK = ZoneInfo("Europe/Minsk")


async def _trip_with_people(app: RunningBot, admin_id: int) -> int:
    """Approved, pending, wait-listed and cancelled registrations, with tricky values."""
    assert app.db is not None
    await seed(
        app.db, PROGRAMME + "trips:" + trip_yaml(capacity=3, approval="да", questions=QUESTIONS)
    )
    trip = await trip_id(app.db)
    service: RegistrationService = app.dp["trips"].registration
    await add_person(app, 3001, '=HYPERLINK("x")', organisation="+7 школа", phone="+375291234567")
    await add_person(app, 3002, "Анна <b>Смирнова</b>", city="minsk")
    await add_person(app, 3003, "Олег Петров")
    await add_person(app, 3004, "Ирина Ковалёва")
    await add_person(app, 3005, "Павел Орлов")
    first = await register(
        app,
        trip,
        3001,
        {**ANSWERS, "position": "-1 учитель", "hotel": "yes", "diet": "@вегетарианство"},
    )
    await service.decide(
        registration_id=first.registration_id,
        actor_id=admin_id,
        actor_access=Access.ADMIN,
        approve=True,
        now=utc_now(),
    )
    await register(app, trip, 3002, ANSWERS)
    leaving = await register(app, trip, 3003, ANSWERS)
    await service.cancel(registration_id=leaving.registration_id, tg_id=3003, now=utc_now())
    await register(app, trip, 3004, ANSWERS)
    assert (await register(app, trip, 3005, ANSWERS)).position == 1
    return trip


def _documents(app: RunningBot, chat_id: int) -> dict[str, bytes]:
    return {
        message.document[0].rsplit(".", 1)[1]: message.document[1]
        for message in app.telegram.messages(chat_id)
        if message.document is not None
    }


async def test_organiser_gets_xlsx_and_csv(app: RunningBot, admin: TgUser) -> None:
    trip = await _trip_with_people(app, admin.id)
    await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())

    sent = app.telegram.calls_of("sendDocument")
    assert len(sent) == 2 and all(call.params["chat_id"] == admin.id for call in sent)
    assert [m.plain_text() for m in app.telegram.messages(admin.id)[-2:]] == [
        "Участники поездки «Педагоги в Минске»: 5 заявок."
    ] * 2
    files = _documents(app, admin.id)
    assert set(files) == {"xlsx", "csv"}

    sheet = load_workbook(io.BytesIO(files["xlsx"])).active
    assert sheet is not None and sheet.title == "Участники"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    # Approved first, then pending, the waiting list, and cancelled last; what people typed
    # reads exactly as typed (no guarding apostrophe: the cells are text, not formulas).
    assert [(row[0], row[1], row[5]) for row in rows[1:]] == [
        ("Одобрена", None, '=HYPERLINK("x")'),
        ("Ждёт решения", None, "Анна <b>Смирнова</b>"),
        ("Ждёт решения", None, "Ирина Ковалёва"),
        ("В листе ожидания", 1, "Павел Орлов"),
        ("Отменена", None, "Олег Петров"),
    ]
    first = rows[1]
    assert first[6:] == [
        "+7 школа",
        "Педагог",
        "Сочи",
        "+375291234567",
        "-1 учитель",
        "Детский сад",
        "Да",
        datetime(2031, 1, 1),  # noqa: DTZ001 - a date answer is a date cell (openpyxl reads it back so)
        "@вегетарианство",
    ]
    assert sheet["N2"].number_format == "DD.MM.YYYY"
    assert all(sheet.cell(row=1, column=n).data_type == "s" for n in range(1, len(HEADER) + 1))
    # Not one formula in the sheet's XML, and the typed texts are there as text cells.
    with zipfile.ZipFile(io.BytesIO(files["xlsx"])) as archive:
        sheets_xml = [
            archive.read(name)
            for name in archive.namelist()
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)
        ]
    assert len(sheets_xml) == 1
    root = ElementTree.fromstring(sheets_xml[0])
    assert not [node for node in root.iter() if node.tag.endswith("}f")]
    texts = {node.text for node in root.iter() if node.tag.endswith("}t")}
    typed = {'=HYPERLINK("x")', "+7 школа", "+375291234567", "-1 учитель", "@вегетарианство"}
    assert typed <= texts
    assert rows[2][8] == "Минск" and rows[2][12] == "Нет" and rows[2][14] is None
    # Times are the organiser's (Minsk) time, as real date cells.
    registrations = await app.dp["trips"].registrations.participants(trip_id=trip)
    created = registrations[0].registration.created_at.astimezone(MINSK).replace(tzinfo=None)
    assert isinstance(first[2], datetime) and abs(first[2] - created) < timedelta(minutes=1)
    assert isinstance(first[4], datetime) and rows[2][4] is None
    assert sheet["C2"].number_format == "DD.MM.YYYY HH:MM"
    widths = {column: sheet.column_dimensions[column].width for column in "AFL"}
    assert widths["A"] >= len("В листе ожидания")  # the longest value of the column
    assert widths["F"] >= len("Анна <b>Смирнова</b>") and widths["L"] >= len("Где вы работаете?")

    raw = files["csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(HEADER)
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(table) == 6 and all(len(row) == len(HEADER) for row in table)

    def as_csv(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            # openpyxl reads a date cell back as a datetime at midnight.
            return value.strftime(
                "%d.%m.%Y" if value.date() == date(2031, 1, 1) else "%d.%m.%Y %H:%M"
            )
        if isinstance(value, str) and value[:1] in "=+-@" and value != "+375291234567":
            return "'" + value  # CSV has no text cells: guarded, except a phone number
        return str(value)

    assert table[1:] == [[as_csv(value) for value in row] for row in rows[1:]]
    assert table[1][9] == "+375291234567" and table[1][5] == '\'=HYPERLINK("x")'


async def test_a_member_cannot_export(app: RunningBot, admin: TgUser, member: TgUser) -> None:
    trip = await _trip_with_people(app, admin.id)
    await member.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    answer = app.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "Это действие доступно только организаторам."
    assert answer["show_alert"] is True
    assert app.telegram.calls_of("sendDocument") == []


async def test_nothing_to_export(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await seed(app.db, PROGRAMME + "trips:" + trip_yaml())
    await admin.press_data(TripCb(action=TripAction.EXPORT, id=await trip_id(app.db)).pack())
    answer = app.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "В поездке пока нет заявок: выгружать нечего."
    await admin.press_data(TripCb(action=TripAction.EXPORT, id=9999).pack())
    answer = app.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "Поездка не найдена: возможно, её удалили."
    assert app.telegram.calls_of("sendDocument") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+375", "'+375"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Анна", "Анна"),
        # A phone as stored (E.164) has nothing to evaluate: people read it as it is.
        ("+79001234567", "+79001234567"),
        ("+375291234567", "+375291234567"),
        ("+7 900 123", "'+7 900 123"),
        ("+1+1", "'+1+1"),
        ("+7900123456789012345", "'+7900123456789012345"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_guard(value: str, expected: str) -> None:
    assert safe_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (7, "7"),
        (datetime(2027, 3, 1, 18, 5), "01.03.2027 18:05"),  # noqa: DTZ001 - city time
        (date(2031, 1, 1), "01.01.2031"),
        ("=1+1", "'=1+1"),
        ("+79001234567", "+79001234567"),
    ],
)
def test_csv_fields(value: object, expected: str) -> None:
    assert csv_field(value) == expected  # type: ignore[arg-type]


async def test_an_export_that_fails_answers_its_press_once(app: RunningBot, admin: TgUser) -> None:
    """The press was answered at once ("готовлю файлы"), before the files: when sending
    them fails, the error handler apologises and does not answer the press again."""
    trip = await _trip_with_people(app, admin.id)
    app.telegram.fail_next("sendDocument", error_code=500, description="Internal Server Error")
    calls = await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and answers[0].ok
    assert "Что-то пошло не так" in admin.last_text


async def test_a_workbook_that_cannot_be_written_is_explained(
    app: RunningBot, admin: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child process that writes the XLSX fails: the organiser is told in plain words
    that nothing is lost and to try again; no temporary folder of it is left behind."""
    trip = await _trip_with_people(app, admin.id)
    monkeypatch.setattr(workbook, "_CHILD_CODE", "import sys; sys.exit(3)")
    before = _scratch_folders()
    await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    assert "Не получилось собрать таблицу" in admin.last_text
    assert "Что-то пошло не так" not in admin.last_text
    assert _scratch_folders() == before


def _scratch_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("pobratim-workbook-*"))
