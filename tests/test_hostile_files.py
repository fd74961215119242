"""Hostile import files: each is refused with a reason an organiser understands, in bounded
time and without the bot's own memory growing; other people are answered meanwhile.

The files are parsed by a child process (bot/importer/sandbox.py). The bot's memory is the
peak resident size of this process (the bot runs in the test process), reset before each
file through /proc/self/clear_refs, so each file's own peak is measured.
"""

from __future__ import annotations

import asyncio
import io
import re
import resource
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook

from bot.cli.importing import run_import
from bot.core.config import Settings
from bot.importer.files import (
    MAX_COLUMNS,
    MAX_RECORDS,
    MAX_UNPACKED_BYTES,
    MB,
    CellLocator,
    FileFormat,
    Issue,
    PathLocator,
    Record,
    Where,
)
from bot.importer.sandbox import ImportReader, ParseLimits, pack_result, unpack_result
from tests.conftest import RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram
from tests.import_data import count_rows, good_file, send_file

MEMORY_GROWTH_MAX = 50 * MB
# Time for a refusal, however hostile the file: the child starts, looks and says no. Generous
# for a busy machine; without the limits these files took 8-9 s and hundreds of MB.
REFUSAL_SECONDS = 8.0


@pytest.fixture
def time_limit() -> float:
    return 30.0


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path, time_limit: float) -> Settings:
    return make_settings(telegram, db_path, import_time_limit=time_limit)


class Measured:
    seconds: float = 0.0
    memory_growth: int = 0


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


@contextmanager
def measured() -> Iterator[Measured]:
    """Wall time and the growth of this process's peak memory over the block."""
    result = Measured()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
        before, peak = _status_kb("VmRSS") * 1024, lambda: _status_kb("VmHWM") * 1024
    except OSError:  # not Linux: the lifetime peak, which can only hide growth, not invent it
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # noqa: E731
    loop = asyncio.get_running_loop()
    started = loop.time()
    yield result
    result.seconds = loop.time() - started
    result.memory_growth = peak() - before


async def _send_measured(admin: TgUser, name: str, content: bytes) -> Measured:
    with measured() as result:
        await send_file(admin, name, content)
    return result


def _assert_bounded(result: Measured) -> None:
    assert result.seconds < REFUSAL_SECONDS, result.seconds
    assert result.memory_growth < MEMORY_GROWTH_MAX, result.memory_growth // MB


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def billion_laughs() -> bytes:
    """Nine levels of ten aliases: 10^9 strings if expanded, about 1 KB as written."""
    lines = ['a0: &a0 ["ха-ха-ха-ха"]']
    for level in range(1, 10):
        items = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{items}]")
    lines.append("programmes: *a9")
    return ("\n".join(lines) + "\n").encode()


def _xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


PROGRAMMES_SHEET = [
    ["key", "direction", "title"],
    ["p1", "culture", "Фестивали культуры"],
]


def _good_xlsx() -> bytes:
    return _xlsx({"programmes": [list(row) for row in PROGRAMMES_SHEET]})


def _rewrite(data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes]) -> bytes:
    """The same archive with some parts changed and some added."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in extra.items():
            target.writestr(name, content)
    return output.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _declared_dimension(data: bytes, ref: str) -> bytes:
    def change(name: str, content: bytes) -> bytes:
        if name != SHEET:
            return content
        patched, count = re.subn(
            rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), content
        )
        assert count == 1
        return patched

    return _rewrite(data, change, {})


def _with_rows(data: bytes, rows: str) -> bytes:
    """Raw <row> elements added at the end of the first sheet's data."""

    def change(name: str, content: bytes) -> bytes:
        if name != SHEET:
            return content
        return content.replace(b"</sheetData>", rows.encode() + b"</sheetData>")

    return _rewrite(data, change, {})


STRINGS = "xl/sharedStrings.xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _entity_bomb(part: str) -> bytes:
    """The good table with nested XML entities (10^9 copies if expanded) used as the title,
    declared in the sheet itself or in a shared-strings part."""
    entities = ['<!ENTITY e0 "ха-ха-ха-ха-ха-ха-ха-ха">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY e{level} "{f"&e{level - 1};" * 10}">')
    prologue = f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE bomb [{"".join(entities)}]>'
    extra: dict[str, bytes] = {}
    if part == STRINGS:
        main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        strings = f'<sst xmlns="{main}" count="1" uniqueCount="1"><si><t>&e9;</t></si></sst>'
        extra[STRINGS] = (prologue + strings).encode()
        title = '<c r="C2" t="s"><v>0</v></c>'
    else:
        title = '<c r="C2" t="inlineStr"><is><t>&e9;</t></is></c>'

    def change(name: str, content: bytes) -> bytes:
        text = content.decode()
        if name == SHEET:
            cell = '<c r="C2" t="inlineStr"><is><t>Фестивали культуры</t></is></c>'
            assert cell in text
            text = text.replace(cell, title)
            if part == SHEET:
                text = prologue + text
        if name == "[Content_Types].xml" and part == STRINGS:
            override = f'<Override PartName="/{STRINGS}" ContentType="{_STRINGS_TYPE}"/>'
            text = text.replace("</Types>", override + "</Types>")
        return text.encode()

    return _rewrite(_good_xlsx(), change, extra)


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------


async def test_billion_laughs_yaml_is_refused_at_once(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    laughs = billion_laughs()
    assert len(laughs) < 1200
    result = await _send_measured(admin, "laughs.yaml", laughs)
    assert "Файл «laughs.yaml» не загружен" in admin.last_text
    assert "строка 2: в файле есть ссылка YAML (*имя). Такие ссылки не принимаются" in (
        admin.last_text
    )
    _assert_bounded(result)
    assert set((await count_rows(app.db)).values()) == {0}


async def test_a_yaml_file_not_in_utf8_is_told_so(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    text = good_file()
    result = await _send_measured(admin, "plan.yaml", text.encode("cp1251"))
    # The first line with a Cyrillic letter is where the text stops being UTF-8.
    line = next(n for n, row in enumerate(text.split("\n"), 1) if re.search("[а-яА-Я]", row))
    assert f"строка {line}: файл не в кодировке UTF-8: сохраните его как UTF-8" in admin.last_text
    assert "разметки" not in admin.last_text and "отступы" not in admin.last_text
    _assert_bounded(result)
    assert set((await count_rows(app.db)).values()) == {0}

    # The same text in UTF-8 with a byte-order mark (as Notepad saves it) is imported.
    await send_file(admin, "plan.yaml", "\ufeff".encode() + text.encode())
    assert "Файл «plan.yaml» загружен" in admin.last_text


YAML_MISTAKES = [
    pytest.param(
        b"programmes:\n  - key: p1\n    title: [unclosed\n",
        "ошибка разметки YAML в этой строке или прямо перед ней",
        id="syntax",
    ),
    pytest.param(
        b"programmes:\n\t- key: p1\n",
        "строка 2: в отступе стоит табуляция",
        id="tab",
    ),
    pytest.param(
        "programmes:\n  - key: p1\n    title: Звонок\x07\n".encode(),
        "строка 3: в тексте есть невидимый служебный символ (U+0007)",
        id="control-character",
    ),
    pytest.param(
        b"defaults: &d {direction: culture}\nprogrammes:\n  - <<: *d\n    key: p1\n",
        "строка 3: в файле есть ссылка YAML",
        id="merge-alias",
    ),
    pytest.param(
        "Список участников на апрель\n".encode(),
        "файл: файл должен состоять из разделов programmes, trips, events и roadmap",
        id="not-sections",
    ),
]


@pytest.mark.parametrize(("content", "expected"), YAML_MISTAKES)
async def test_yaml_that_cannot_be_read_is_explained_in_russian_only(
    app: RunningBot, admin: TgUser, content: bytes, expected: str
) -> None:
    await send_file(admin, "plan.yaml", content)
    text = admin.last_text
    assert expected in text
    # None of YAML's own English: "while parsing", "expected", "found character"…
    assert not re.search(r"\b(while|expected|found|character|scanning|parsing)\b", text), text


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------


def test_openpyxl_reads_through_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


async def test_a_declared_range_of_a_whole_sheet_is_not_believed(
    app: RunningBot, admin: TgUser
) -> None:
    assert app.db is not None
    lying = _declared_dimension(_good_xlsx(), "A1:XFD5001")
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert b'<dimension ref="A1:XFD5001"' in archive.read(SHEET)
    result = await _send_measured(admin, "plan.xlsx", lying)
    assert "Файл «plan.xlsx» загружен" in admin.last_text
    assert "Программы: новых 1" in admin.last_text
    _assert_bounded(result)


async def test_far_cells_are_refused_by_row_without_padding_every_row(
    app: RunningBot, admin: TgUser
) -> None:
    assert app.db is not None
    # 5000 rows, each with one cell in the last column Excel has (XFD): read-only rows
    # padded to it would be 5000 x 16384 values.
    rows = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(3, 5002))
    data = _declared_dimension(_with_rows(_good_xlsx(), rows), "A1:XFD5001")
    assert len(data) < 60 * 1024
    result = await _send_measured(admin, "plan.xlsx", data)
    expected = (
        f"лист programmes, строка 3: данные правее столбца AX: на листе читаются только "
        f"первые {MAX_COLUMNS} столбцов"
    )
    assert expected in admin.last_text
    assert admin.last_text.count("правее столбца") == 1  # once per sheet, not per row
    _assert_bounded(result)
    assert set((await count_rows(app.db)).values()) == {0}


async def test_data_below_the_last_record_row_is_refused(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    last = MAX_RECORDS + 1  # the header and MAX_RECORDS records
    empty_styled = f'<row r="{last + 1}" s="1" customFormat="1"/>'
    # Empty rows below the data (Excel writes styled ones) do not count...
    await send_file(admin, "plan.xlsx", _with_rows(_good_xlsx(), empty_styled))
    assert "Файл «plan.xlsx» загружен" in admin.last_text
    # ...data there does, even far below; and a row below Excel's last, whatever it holds.
    limit = f"{MAX_RECORDS:,}".replace(",", "\xa0")  # as Fluent writes numbers in Russian
    for row in (last + 50_000, 99_999_999):
        far = f'<row r="{row}"><c r="B{row}" t="inlineStr"><is><t>x</t></is></c></row>'
        await send_file(admin, "plan.xlsx", _with_rows(_good_xlsx(), far))
        assert f"лист programmes: больше {limit} записей в одном разделе" in admin.last_text


def _bomb_member(size: int) -> dict[str, bytes]:
    return {"xl/media/image1.bin": b"\0" * size}


ARCHIVES = [
    pytest.param(
        lambda: _rewrite(
            _good_xlsx(), lambda _, content: content, _bomb_member(MAX_UNPACKED_BYTES + MB)
        ),
        f"файл: таблица слишком велика: в распакованном виде больше {MAX_UNPACKED_BYTES // MB} МБ",
        id="unpacked-size",
    ),
    pytest.param(
        lambda: _rewrite(_good_xlsx(), lambda _, content: content, _bomb_member(20 * MB)),
        "файл: таблица устроена необычно",
        id="compression-ratio",
    ),
    pytest.param(
        lambda: _rewrite(
            _good_xlsx(),
            lambda _, content: content,
            {f"xl/media/part{n}.bin": b"" for n in range(1200)},
        ),
        "файл: таблица устроена необычно",
        id="member-count",
    ),
    pytest.param(
        lambda: b"PK\x03\x04 not really a zip",
        "файл: файл не открывается как таблица Excel",
        id="not-a-zip",
    ),
    pytest.param(
        lambda: _good_xlsx()[: len(_good_xlsx()) // 2],
        "файл: файл не открывается как таблица Excel",
        id="cut-short",
    ),
]


@pytest.mark.parametrize(("build", "expected"), ARCHIVES)
async def test_archives_that_must_not_be_unpacked(
    app: RunningBot, admin: TgUser, build: Callable[[], bytes], expected: str
) -> None:
    assert app.db is not None
    data = build()
    assert len(data) < 200 * 1024
    result = await _send_measured(admin, "plan.xlsx", data)
    assert expected in admin.last_text
    _assert_bounded(result)
    assert set((await count_rows(app.db)).values()) == {0}


@pytest.mark.parametrize("part", [STRINGS, SHEET])
async def test_an_xml_entity_bomb_inside_a_table_is_refused(
    app: RunningBot, admin: TgUser, part: str
) -> None:
    assert app.db is not None
    data = _entity_bomb(part)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<!ENTITY e9" in archive.read(part)
    result = await _send_measured(admin, "plan.xlsx", data)
    assert "файл: внутри таблицы есть определения XML-сущностей" in admin.last_text
    _assert_bounded(result)
    assert set((await count_rows(app.db)).values()) == {0}


# ---------------------------------------------------------------------------------------------
# Limits on time and memory, and everyone else meanwhile
# ---------------------------------------------------------------------------------------------


def slow_yaml() -> bytes:
    """A well-formed file just under the size limit that takes a minute to read.

    Not a long text: PyYAML reads plain text at about half a microsecond a byte, and a fast
    machine read 4.7 MB of descriptions inside the 1.5 s limit. A flow list of one-letter
    items costs a node each, about twenty times more a byte, and memory grows only as fast
    as it is read (30 MB a second here): the time limit stops it long before the memory one.
    """
    text = (
        "programmes:\n  - key: p1\n    direction: culture\n    title: Программа\n"
        "    tags: [" + ",".join(["a"] * 2_300_000) + "]\n"
    )
    data = text.encode()
    assert 4 * MB < len(data) < 5 * MB
    return data


@pytest.mark.parametrize("time_limit", [1.5])
async def test_others_are_answered_while_a_file_is_read_and_the_reading_is_stopped(
    app: RunningBot, admin: TgUser, member: TgUser, time_limit: float
) -> None:
    assert app.db is not None
    loop = asyncio.get_running_loop()
    started = loop.time()
    importing = asyncio.create_task(send_file(admin, "slow.yaml", slow_yaml()))
    async with asyncio.timeout(5):  # the bot has the file and hands it to the reader
        while not app.telegram.calls_of("getFile"):
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    asked = loop.time()
    await member.send("/help")
    answered = loop.time() - asked
    assert "Что умеет бот" in member.last_text
    assert not importing.done()  # answered while the file was still being read
    assert answered < 1.0, answered
    await importing
    assert "бот читал файл 1,5 с и не дочитал" in admin.last_text
    # The organiser saw "typing…" while waiting.
    assert app.telegram.calls_of("sendChatAction", chat_id=admin.id)
    assert loop.time() - started < time_limit + REFUSAL_SECONDS
    assert set((await count_rows(app.db)).values()) == {0}


async def test_the_memory_limit_is_enforced_in_the_reader() -> None:
    # The same table read in a child allowed 40 MB and 32 MB: openpyxl needs about 35.
    table = _good_xlsx()
    sections, issues = await ImportReader(ParseLimits(seconds=20, memory_mb=40)).read(
        table, FileFormat.XLSX
    )
    assert (list(sections), issues) == (["programmes"], [])
    sections, issues = await ImportReader(ParseLimits(seconds=20, memory_mb=32)).read(
        table, FileFormat.XLSX
    )
    assert sections == {}
    assert [(issue.key, issue.args) for issue in issues] == [
        ("import-error-memory-limit", {"limit": 32})
    ]


# ---------------------------------------------------------------------------------------------
# The command line takes the same path
# ---------------------------------------------------------------------------------------------


async def test_the_command_line_refuses_hostile_files_the_same_way(
    settings: Settings, tmp_path: Path
) -> None:
    laughs = tmp_path / "laughs.yaml"
    laughs.write_bytes(billion_laughs())
    with measured() as timing:
        result = await run_import(settings, laughs)
    assert result.code == 2
    assert result.err[0].startswith("Файл laughs.yaml не загружен")
    assert "строка 2: в файле есть ссылка YAML" in result.err[1]
    _assert_bounded(timing)

    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_entity_bomb(STRINGS))
    result = await run_import(settings, bomb)
    assert result.code == 2
    assert "файл: внутри таблицы есть определения XML-сущностей" in result.err[1]


async def test_a_reader_that_cannot_start_is_not_blamed_on_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_process(self: ImportReader, file_format: FileFormat) -> Any:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(ImportReader, "_start", no_process)
    sections, issues = await ImportReader().read(b"programmes: []\n", FileFormat.YAML)
    assert (sections, [issue.key for issue in issues]) == ({}, ["import-error-reader-failed"])


def test_records_come_back_from_the_child_as_they_were_read() -> None:
    values = {
        "text": "Текст",
        "number": 12,
        "fraction": 1.5,
        "flag": True,
        "nothing": None,
        "moment": datetime(2027, 3, 15, 9, 30),  # noqa: DTZ001 (a cell's date is naive)
        "day": date(2027, 3, 15),
        "clock": dt_time(9, 30),
        "span": timedelta(hours=2),
        "list": ["a", ["b", None]],
        "map": {None: "x", "y": {"z": 1}},
    }
    question = Record({"key": "q"}, PathLocator("trips[1].questions[1]"))
    record = Record(
        values,
        PathLocator("trips[1]"),
        [question],
        questions_given=False,
        silent=frozenset({"end"}),
    )
    row = Record({"key": "p1"}, CellLocator("programmes", 2))
    issue = Issue(
        Where(sheet="trips", row=3), "import-error-duplicate-key", {"value": "t1"}, Where(path="x")
    )
    sections, issues = unpack_result(
        pack_result({"trips": [record], "programmes": [row]}, [issue])
    )
    assert issues == [issue]
    back, back_row = sections["trips"][0], sections["programmes"][0]
    assert back.values == values and back.locate == record.locate
    assert (back.questions_given, back.silent) == (False, frozenset({"end"}))
    assert [(q.values, q.locate) for q in back.questions] == [(question.values, question.locate)]
    assert (back_row.values, back_row.locate("title")) == (
        {"key": "p1"},
        Where(sheet="programmes", row=2, column="title"),
    )
