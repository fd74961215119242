"""Every workbook the bot writes has the one sheet style of `bot.core.sheets`: the
participants' export and the report, each fetched through the bot as an organiser gets
it, checked cell by cell and in the sheet's XML."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bot.core.sheets import FONT_NAME, WIDTH_MAX, Cell
from bot.reports.workbook import PICKLE_ROWS, SheetContent, build_in_child
from examples.make_example_xlsx import build_workbook
from handlers.trips.callbacks import TripAction, TripCb
from tests.conftest import RunningBot, TgUser
from tests.test_export import _documents, _trip_with_people
from tests.test_reports import _known_data, _period, _range_text

DATE_FORMATS = {"DD.MM.YYYY", "DD.MM.YYYY HH:MM"}
HOSTILE_TITLE = '=HYPERLINK("http://example.com","x")'


async def _export(app: RunningBot, admin: TgUser) -> bytes:
    trip = await _trip_with_people(app, admin.id)
    assert app.db is not None
    # A multi-line answer: it must wrap in its own row, not run over the row above.
    async with app.db.transaction() as conn:
        async with conn.execute(
            "SELECT answers FROM registrations WHERE trip_id = ? AND tg_id = 3002", (trip,)
        ) as cur:
            answers = json.loads((await cur.fetchone())[0])
        answers["diet"] = "без глютена\nбез лактозы\nи без орехов, пожалуйста"
        await conn.execute(
            "UPDATE registrations SET answers = ? WHERE trip_id = ? AND tg_id = 3002",
            (json.dumps(answers, ensure_ascii=False), trip),
        )
    await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    return _documents(app, admin.id)["xlsx"]


async def _report(app: RunningBot, admin: TgUser) -> bytes:
    await _known_data(app)
    assert app.db is not None
    async with app.db.transaction() as conn:
        # An organiser's title that a spreadsheet would otherwise run.
        await conn.execute(
            "UPDATE trips SET title = ? WHERE title = 'Волейбол в Сочи'", (HOSTILE_TITLE,)
        )
    await admin.send("/organiser")
    await admin.press("📊 Отчёт")
    await admin.press("Другие даты")
    await admin.send(_range_text(_period()))
    await admin.press("Все города")
    document = app.telegram.messages(admin.id)[-1].document
    assert document is not None and document[0].endswith(".xlsx")
    return document[1]


def _assert_style(sheet: object) -> None:
    """The checks every sheet of every workbook passes."""
    header = [cell.value for cell in sheet[1]]  # type: ignore[index]
    assert sheet.freeze_panes == "A2", sheet.title  # type: ignore[attr-defined]
    # One name per column, and none that is also a row's name (as «Итого» was).
    labels = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}  # type: ignore[attr-defined]
    assert len(set(header)) == len(header) and not set(header) & labels, header
    for row in sheet.iter_rows():  # type: ignore[attr-defined]
        for cell in row:
            where = f"{sheet.title}!{cell.coordinate}"  # type: ignore[attr-defined]
            assert cell.font.name == FONT_NAME, where
            assert bool(cell.font.b) is (cell.row == 1), where
            assert cell.alignment.wrap_text is True, where
            assert cell.alignment.vertical == "top", where
            if isinstance(cell.value, datetime | date):
                assert cell.number_format in DATE_FORMATS, where
            elif isinstance(cell.value, str):
                assert cell.data_type == "s", where
    for column, name in enumerate(header, start=1):
        width = sheet.column_dimensions[get_column_letter(column)].width  # type: ignore[attr-defined]
        assert width >= min(len(str(name)), WIDTH_MAX), (sheet.title, name, width)  # type: ignore[attr-defined]
        assert width <= WIDTH_MAX


def _formulas(xlsx: bytes) -> list[str]:
    found = []
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                root = ElementTree.fromstring(archive.read(name))
                found += [
                    f"{name}: {node.text}" for node in root.iter() if node.tag.endswith("}f")
                ]
    return found


async def test_the_participants_export_has_the_sheet_style(app: RunningBot, admin: TgUser) -> None:
    xlsx = await _export(app, admin)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    _assert_style(sheet)
    assert _formulas(xlsx) == []
    header = [cell.value for cell in sheet[1]]
    passport = header.index("Паспорт действует до") + 1
    dates = [sheet.cell(row=n, column=passport).value for n in range(2, sheet.max_row + 1)]
    assert dates and all(isinstance(value, datetime) for value in dates)  # dates, not texts
    diet = header.index("Особенности питания") + 1
    assert any("\n" in str(sheet.cell(row=n, column=diet).value) for n in range(2, 7))


async def test_the_report_workbook_has_the_sheet_style(app: RunningBot, admin: TgUser) -> None:
    xlsx = await _report(app, admin)
    workbook = load_workbook(io.BytesIO(xlsx))
    assert len(workbook.sheetnames) == 8
    for sheet in workbook:
        _assert_style(sheet)
    assert _formulas(xlsx) == []
    titles = [row[0] for row in workbook["Поездки"].iter_rows(min_row=2, values_only=True)]
    assert HOSTILE_TITLE in titles  # as typed, no apostrophe
    roadmap = [cell.value for cell in workbook["Дорожная карта"][1]]
    assert roadmap[-1] == "Всего пунктов"


@pytest.mark.parametrize("kind", ["export", "report"])
async def test_workbooks_render_in_libreoffice(
    app: RunningBot, admin: TgUser, tmp_path: Path, kind: str
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-calc)")
    source = tmp_path / f"{kind}.xlsx"
    source.write_bytes(await (_export if kind == "export" else _report)(app, admin))
    await asyncio.to_thread(
        subprocess.run,
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / f"{kind}.pdf").read_bytes().startswith(b"%PDF")


def test_the_import_example_has_the_sheet_style() -> None:
    """The example table organisers copy is written the same way (and committed so)."""
    root = Path(__file__).resolve().parent.parent
    for workbook in (build_workbook(), load_workbook(root / "examples" / "import_example.xlsx")):
        for sheet in workbook:
            _assert_style(sheet)


def test_sheets_reach_the_child_whole_in_small_pickles() -> None:
    """The rows go to the workbook's process a few hundred at a time (one long pickle
    kept the GIL, and so the event loop, ~30 ms): every sheet, row and cell arrives, in
    order, an empty sheet and a last short chunk included."""
    # A sheet's times are the reader's local ones, without a zone (bot/core/sheets.py).
    start = datetime(2027, 5, 1, 9, 0)  # noqa: DTZ001
    rows: list[list[Cell]] = [
        [f"Участник {n}", n, start + timedelta(minutes=n), None] for n in range(601)
    ]
    sheets = [
        SheetContent("Участники", ["Имя", "№", "Время", "Пусто"], rows, autofilter=True),
        SheetContent("Пустой", ["Колонка"], []),
        SheetContent("Один", ["А"], [["б"]]),
    ]
    data = build_in_child(sheets)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Участники", "Пустой", "Один"]
    got = [list(row) for row in book["Участники"].iter_rows(min_row=2, values_only=True)]
    assert got == rows
    assert book["Участники"].auto_filter.ref == "A1:D602"
    assert book["Пустой"].max_row == 1
    assert book["Один"]["A2"].value == "б"
    assert len(rows) // 2 > PICKLE_ROWS  # so this was several chunks
