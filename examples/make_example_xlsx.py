"""Writes examples/import_example.xlsx from examples/import_example.yaml.

The table holds the same data as the YAML example, one sheet per section and a sheet of
questions tied to trips by key, so both examples always describe the same import.
Dates become real date cells, as Excel makes them when a person types a date.

Run from the repository root: `.venv/bin/python -m examples.make_example_xlsx`
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment

from bot.core.sheets import write_sheet
from bot.importer.files import QUESTIONS_SHEET, SHEET_FIELDS, load_yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "import_example.yaml"
TARGET = HERE / "import_example.xlsx"
DATE_COLUMNS = {"start", "end", "deadline"}
_DAY = re.compile(r"\d{2}\.\d{2}\.\d{4}")
_DAY_TIME = re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}")

# Hints shown as notes on the header cells.
HINTS = {
    "key": "Постоянный ключ записи: по нему повторная загрузка обновляет запись",
    "direction": "education, healthcare, youth, culture, sport, business, resort, urban_it, "
    "transport, investment",
    "audience": "Сферы участников через «;»: teacher, medic, youth, culture, sport, business, "
    "administration, other. Пусто — всем",
    "programme": "Ключ программы с листа programmes или уже загруженной",
    "from_city": "Код города: sochi или minsk. Даты поездки — по времени этого города",
    "to_city": "Код города: sochi или minsk",
    "start": "15.03.2027, 15.03.2027 09:30 или ячейка с датой",
    "end": "15.03.2027, 15.03.2027 09:30 или ячейка с датой",
    "deadline": "Срок записи; дата без времени — до 23:59 этого дня",
    "capacity": "Число мест, от 1 до 10000",
    "approval": "да — организатор одобряет каждую заявку, нет — запись сразу",
    "for_minors": "да — едут несовершеннолетние: при записи нужно согласие родителя или опекуна",
    "status": "draft, open, closed, cancelled, finished",
    "organisers": "Telegram id организаторов через «;»",
    "trip": "Ключ поездки с листа trips",
    "type": "short_text, long_text, choice, yes_no, date",
    "required": "да или нет (по умолчанию да)",
    "options": "Варианты ответа через «;» (только для choice)",
    "kind": "festival, forum, contest, seminar, tournament, other",
    "city": "Код города: sochi или minsk. Даты — по времени этого города",
    "number": "Номер пункта дорожной карты, разный у всех пунктов",
    "responsible": "Кто отвечает: sochi, minsk или both (оба города)",
    "due": "Срок: год (2026) или квартал (2026-Q2, II квартал 2026)",
    "notes": "Заметки к пункту; если столбца нет, прежние заметки остаются",
    "trips": "Ключи поездок через «;»",
    "events": "Ключи мероприятий через «;»",
    "telebridges": "all — считать все состоявшиеся телемосты, none — только привязанные",
}


def _cell(name: str, value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if name in DATE_COLUMNS and isinstance(value, str):
        if _DAY_TIME.fullmatch(value):
            return datetime.strptime(value, "%d.%m.%Y %H:%M")  # noqa: DTZ007 - a table cell
        if _DAY.fullmatch(value):
            return datetime.strptime(value, "%d.%m.%Y")  # noqa: DTZ007 - a table cell
        return datetime.fromisoformat(value)
    if name in ("capacity", "number"):
        return int(value)
    return value.strip() if isinstance(value, str) else value


def _rows(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {sheet: [] for sheet in SHEET_FIELDS}
    for section in ("programmes", "trips", "events", "roadmap"):
        for item in document.get(section) or []:
            questions = item.pop("questions", None) or []
            rows[section].append(item)
            for question in questions:
                rows[QUESTIONS_SHEET].append({"trip": item["key"], **question})
    return rows


def build_workbook(source: Path = SOURCE) -> Workbook:
    document, issues = load_yaml(source.read_bytes())
    if issues:
        raise SystemExit(f"{source}: not valid YAML")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, items in _rows(document).items():
        sheet = workbook.create_sheet(sheet_name)
        columns = SHEET_FIELDS[sheet_name]
        # The look of every workbook the bot writes (bold frozen header, a named font,
        # wrapped text, dates as dates).
        write_sheet(
            sheet,
            list(columns),
            [[_cell(name, item.get(name)) for name in columns] for item in items],
        )
        for index, name in enumerate(columns, start=1):
            if name in HINTS:
                sheet.cell(row=1, column=index).comment = Comment(HINTS[name], "Побратим")
    return workbook


def main() -> None:
    build_workbook().save(TARGET)


if __name__ == "__main__":
    main()
