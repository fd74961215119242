"""One look for every workbook the bot writes (the participants' export, the report), and
the cell rules of its CSV twin.

XLSX: every text goes in as an explicit string cell, so nothing a person typed can become
a formula (`=HYPERLINK(...)` stays text) and no apostrophe is needed: people read exactly
what was typed. The header is bold and frozen; every cell has a named font (without one a
spreadsheet program falls back to its default, often a serif), wraps and sits at the top,
so a multi-line answer grows its own row instead of being drawn over the row above;
columns are as wide as their header and contents, within bounds; dates and times are real
date cells with a number format, so they sort as dates.

CSV has no cell types: a program opening it evaluates a field that starts with `=`, `+`,
`-` or `@` (and, in some programs, a tab or a carriage return), so such a field gets a
leading apostrophe; a well-formed phone number (`+79001234567`) is left as it is.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from bot.core.timefmt import local_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone as the bot stores it (E.164): digits only after the plus, nothing to evaluate.
_PHONE = re.compile(r"\+\d{6,15}")
XLSX_DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
XLSX_DATE_FORMAT = "DD.MM.YYYY"
FONT_NAME = "Calibri"
FONT_SIZE = 11
WIDTH_MIN, WIDTH_MAX = 8, 60
# Bold letters (Cyrillic ones above all) are wider than the digit "0" that measures a
# column: a header's width is its length times this, plus a margin, or it is cut.
HEADER_WIDTH_FACTOR = 1.2
MARGIN = 2

Cell = str | int | float | datetime | date | None


def safe_text(value: str) -> str:
    """A CSV field a spreadsheet will show as text, never run as a formula."""
    if value.startswith(FORMULA_STARTS) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


def csv_field(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Already the organiser's wall-clock time (see bot/trips/exports.py): shown as it is.
        return local_text(value.replace(tzinfo=None), None, "datetime")
    if isinstance(value, date):
        return local_text(value, None, "date")
    if isinstance(value, int | float):
        return str(value)
    return safe_text(value)


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(XLSX_DATETIME_FORMAT)
    if isinstance(value, date):
        return len(XLSX_DATE_FORMAT)
    return max(len(line) for line in str(value).split("\n"))


def column_width(header: str, values: list[Cell]) -> int:
    """Wide enough for the bold header and the longest line of a value, within bounds (a
    longer text wraps)."""
    header_width = math.ceil(_width(header) * HEADER_WIDTH_FACTOR)
    widest = max([header_width, *(_width(value) for value in values)]) + MARGIN
    return min(max(widest, WIDTH_MIN), WIDTH_MAX)


def write_sheet(sheet: Any, header: list[str], rows: list[list[Cell]]) -> None:
    """Header and rows into an empty openpyxl sheet, in the one style of the bot's
    workbooks (see the module's text)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header_font = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
    body_font = Font(name=FONT_NAME, size=FONT_SIZE)
    alignment = Alignment(wrap_text=True, vertical="top")

    def put(row: int, column: int, value: Cell, font: Any) -> None:
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            # Control characters make a workbook that Excel refuses to open.
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            # openpyxl reads a text starting with "=" as a formula: a string it stays.
            cell.data_type = "s"
        else:
            cell.value = value
            if isinstance(value, datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = XLSX_DATE_FORMAT
        cell.font = font
        cell.alignment = alignment

    for column, title in enumerate(header, start=1):
        put(1, column, title, header_font)
    for number, row_values in enumerate(rows, start=2):
        for column, value in enumerate(row_values, start=1):
            put(number, column, value, body_font)
    sheet.freeze_panes = "A2"
    for column, name in enumerate(header, start=1):
        values = [row[column - 1] for row in rows]
        sheet.column_dimensions[get_column_letter(column)].width = column_width(name, values)
