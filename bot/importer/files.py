"""Reading import files: YAML or XLSX into records of raw values, and where each is.

This is the format of docs/import-format.md as far as its shape goes: sections, sheets,
fields and columns. What the values mean is checked sheet by sheet (programmes.py,
trips.py, events.py, roadmap.py, brought together by checking.py) and written by
writing.py; records.py is the entry point. Problems are `Issue`s: a place and a text key
with arguments, rendered by the translator in the reader's language.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from io import BytesIO
from typing import Any

import yaml

MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX file is a zip archive: a small file may unpack into gigabytes, so the unpacked
# size, the number of parts and how hard each part is compressed are checked before
# openpyxl reads it. A workbook Excel saves has a dozen parts compressed 5-20 times.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_COMPRESSION_RATIO = 200  # for parts over RATIO_CHECKED_FROM bytes unpacked
RATIO_CHECKED_FROM = 1024 * 1024
MAX_RECORDS = 5000  # per section or sheet
# Columns read on a sheet (A..AX): the widest sheet has 14. Data further right is refused,
# not skipped, so nothing in a file is silently lost.
MAX_COLUMNS = 50
# Excel's own last row: stray data is looked for down to it, and a row below it is refused.
LAST_SHEET_ROW = 1_048_576
QUESTIONS_MAX = 20
SHOWN_MAX = 40  # a value quoted back in an error message is cut to this length
MB = 1024 * 1024


def megabytes(size: int) -> str:
    """A size as people read it here: 5,2 (MB)."""
    return f"{size / MB:.1f}".replace(".", ",")


class FileFormat(StrEnum):
    YAML = "yaml"
    XLSX = "xlsx"


def detect_format(file_name: str | None) -> FileFormat | None:
    name = (file_name or "").lower()
    if name.endswith((".yaml", ".yml")):
        return FileFormat.YAML
    if name.endswith(".xlsx"):
        return FileFormat.XLSX
    return None


# Fields of each section, in the order the documentation and the example table show them.
PROGRAMME_FIELDS = ("key", "direction", "title", "description", "audience")
TRIP_FIELDS = (
    "key",
    "programme",
    "title",
    "from_city",
    "to_city",
    "start",
    "end",
    "deadline",
    "capacity",
    "approval",
    "for_minors",
    "status",
    "description",
    "organisers",
    "questions",
)
QUESTION_FIELDS = ("key", "type", "label", "required", "options")
EVENT_FIELDS = (
    "key",
    "kind",
    "title",
    "city",
    "venue",
    "start",
    "end",
    "description",
    "programme",
    "trip",
    "status",
)
ROADMAP_FIELDS = (
    "key",
    "number",
    "direction",
    "title",
    "responsible",
    "due",
    "status",
    "notes",
    "trips",
    "events",
    "telebridges",
)
SECTIONS = ("programmes", "trips", "events", "roadmap")
QUESTIONS_SHEET = "questions"
# Columns of each sheet of a table; questions get a sheet of their own, tied by trip key.
SHEET_FIELDS: dict[str, tuple[str, ...]] = {
    "programmes": PROGRAMME_FIELDS,
    "trips": tuple(name for name in TRIP_FIELDS if name != "questions"),
    QUESTIONS_SHEET: ("trip", *QUESTION_FIELDS),
    "events": EVENT_FIELDS,
    "roadmap": ROADMAP_FIELDS,
}
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    "programmes": frozenset({"key", "direction", "title"}),
    "trips": frozenset(
        {"key", "programme", "title", "from_city", "to_city", "start", "end", "deadline"}
    )
    | {"capacity"},
    QUESTIONS_SHEET: frozenset({"trip", "key", "type", "label"}),
    "events": frozenset({"key", "kind", "title", "city", "start"}),
    "roadmap": frozenset({"key", "number", "direction", "title", "responsible", "due"}),
}


# ---------------------------------------------------------------------------------------------
# Problems and where they are
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Where:
    """A place in the file: a YAML path, a table cell (or row, column, sheet), or a line."""

    path: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    where: Where
    key: str
    args: Mapping[str, Any] = field(default_factory=dict)
    other: Where | None = None  # a second place, e.g. where a duplicate key first appeared


# ---------------------------------------------------------------------------------------------
# Reading a file into records
# ---------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One item of a section, as raw values with a way to name the place of each field."""

    values: dict[str, Any]
    locate: Locator
    questions: list[Record] = field(default_factory=list)
    questions_given: bool = True  # YAML: `questions` was a list (or absent)
    silent: frozenset[str] = frozenset()  # required columns whose absence was reported once


Sections = dict[str, list[Record]]


@dataclass(frozen=True, slots=True)
class PathLocator:
    """Places inside a YAML item: `trips[2]` and `trips[2].capacity`.

    A class rather than a closure: records travel as plain data from the child process
    that reads the file (bot/importer/sandbox.py), and a locator is rebuilt from its fields.
    """

    prefix: str

    def __call__(self, name: str | None) -> Where:
        return Where(path=f"{self.prefix}.{name}" if name else self.prefix)


@dataclass(frozen=True, slots=True)
class CellLocator:
    """Places in a table row: the row, or a cell of it named by its column."""

    sheet: str
    row: int

    def __call__(self, name: str | None) -> Where:
        return Where(sheet=self.sheet, row=self.row, column=name)


Locator = PathLocator | CellLocator


def path_locator(prefix: str) -> PathLocator:
    return PathLocator(prefix)


def _cell_locator(sheet: str, row: int) -> CellLocator:
    return CellLocator(sheet, row)


class _DuplicateField(yaml.YAMLError):
    def __init__(self, name: str, line: int) -> None:
        super().__init__(name)
        self.name = name
        self.line = line


class _AliasRefused(yaml.YAMLError):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Loader(yaml.SafeLoader):
    """YAML where every scalar stays text, a field given twice is an error, and so is an
    alias (`*name`).

    Text, because YAML 1.1 would turn `no` into False, `2027-03-15` into a date and
    `08:30` into a number of minutes; each field is interpreted by its own rule instead.
    Aliases, because nested ones make a 1 KB file stand for billions of values ("billion
    laughs"); the format does not need them, and refusing them keeps the size of what is
    read the size of the file.
    """

    # PyYAML reads this per class (its stubs call it an instance variable, so no ClassVar).
    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {  # noqa: RUF012
        first: [
            (tag, pattern)
            for tag, pattern in resolvers
            if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused(self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise _DuplicateField(key_node.value, key_node.start_mark.line + 1)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _line_of(text: str | bytes, position: int) -> int:
    if isinstance(text, str):
        return text.count("\n", 0, position) + 1
    return text.count(b"\n", 0, position) + 1


def decode_text(data: bytes) -> tuple[str | None, list[Issue]]:
    """The file as text, or the line where it stops being UTF-8.

    Checked before YAML reads it: a file saved in Windows-1251 would otherwise be reported
    as a YAML syntax error somewhere, and the person would look for it in the wrong place.
    A byte-order mark at the start (Notepad writes one) is allowed.
    """
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return None, [Issue(Where(line=_line_of(data, exc.start)), "import-error-encoding")]


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """The Fluent key for a syntax error: YAML's own (English) words are not shown."""
    if "'\\t'" in (exc.problem or ""):
        return "import-error-yaml-tab"
    return "import-error-yaml"


def load_yaml(data: bytes) -> tuple[Any, list[Issue]]:
    """The YAML document, or None and the reason it cannot be read."""
    text, issues = decode_text(data)
    if text is None:
        return None, issues
    try:
        return yaml.load(text, Loader=_Loader), []
    except _DuplicateField as exc:
        return None, [Issue(Where(line=exc.line), "import-error-field-twice", {"field": exc.name})]
    except _AliasRefused as exc:
        return None, [Issue(Where(line=exc.line), "import-error-yaml-alias")]
    except yaml.reader.ReaderError as exc:  # a control character the YAML reader refuses
        where = Where(line=_line_of(text, exc.position))
        code = f"U+{exc.character:04X}"
        return None, [Issue(where, "import-error-yaml-character", {"code": code})]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        return None, [Issue(Where(line=line), _yaml_problem(exc))]
    except (yaml.YAMLError, RecursionError):
        return None, [Issue(Where(), "import-error-yaml")]


def records_from_document(document: Any, issues: list[Issue]) -> Sections:
    sections: Sections = {}
    if document is None:
        issues.append(Issue(Where(), "import-error-empty"))
        return sections
    if not isinstance(document, dict):
        issues.append(Issue(Where(), "import-error-top-level"))
        return sections
    for raw_name, items in document.items():
        name = str(raw_name)
        if name not in SECTIONS:
            issues.append(
                Issue(
                    Where(path=shown(name)),
                    "import-error-unknown-section",
                    {"name": name, "expected": ", ".join(SECTIONS)},
                )
            )
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            issues.append(Issue(Where(path=name), "import-error-not-list"))
            continue
        if len(items) > MAX_RECORDS:
            issues.append(Issue(Where(path=name), "import-error-too-many", {"limit": MAX_RECORDS}))
            continue
        records = sections.setdefault(name, [])
        for index, item in enumerate(items, start=1):
            prefix = f"{name}[{index}]"
            if not isinstance(item, dict):
                issues.append(Issue(Where(path=prefix), "import-error-not-mapping"))
                continue
            record = Record({str(key): value for key, value in item.items()}, path_locator(prefix))
            if name == "trips":
                _attach_yaml_questions(record, prefix, issues)
            records.append(record)
    return sections


def _attach_yaml_questions(record: Record, prefix: str, issues: list[Issue]) -> None:
    questions = record.values.pop("questions", None)
    if questions is None:
        return
    if not isinstance(questions, list):
        issues.append(Issue(Where(path=f"{prefix}.questions"), "import-error-not-list"))
        record.questions_given = False
        return
    if len(questions) > QUESTIONS_MAX:
        # Not checked one by one: a list made of YAML aliases could be enormous.
        issues.append(
            Issue(
                Where(path=f"{prefix}.questions"),
                "import-error-too-many-items",
                {"count": len(questions), "limit": QUESTIONS_MAX},
            )
        )
        record.questions_given = False
        return
    for index, question in enumerate(questions, start=1):
        where = f"{prefix}.questions[{index}]"
        if not isinstance(question, dict):
            issues.append(Issue(Where(path=where), "import-error-not-mapping"))
            record.questions_given = False
            continue
        values = {str(key): value for key, value in question.items()}
        record.questions.append(Record(values, path_locator(where)))


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _archive_issue(data: bytes) -> Issue | None:
    """Why a zip archive must not be unpacked, judged by its table of contents only.

    The sizes are those the archive declares; Python's zipfile stops reading a part at its
    declared size, so a part cannot unpack into more than it says.
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Issue(Where(), "import-error-not-xlsx")
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        return Issue(Where(), "import-error-unpacked-too-big", {"limit": MAX_UNPACKED_BYTES // MB})
    squeezed = any(
        info.file_size > RATIO_CHECKED_FROM
        and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        for info in members
    )
    if len(members) > MAX_ZIP_MEMBERS or squeezed:
        return Issue(Where(), "import-error-xlsx-unusual")
    return None


@dataclass
class _Sheet:
    title: str
    rows: list[tuple[Any, ...]]  # from the first row, at most MAX_RECORDS + 1 of them
    too_many_rows: bool = False


def _beyond(row: Sequence[Any], width: int) -> bool:
    """Whether a row has data right of its first `width` cells (C-speed for wide rows)."""
    tail = row[width:]
    if tail.count(None) == len(tail):
        return False
    return any(not blank(cell) for cell in tail if cell is not None)


def _read_sheet(sheet: Any, issues: list[Issue]) -> _Sheet:
    """Rows of a read-only sheet, within the caps of docs/import-format.md.

    The dimension a file declares (A1:XFD5001 claims 16 384 columns) is not believed:
    read-only rows are padded to it, so it is reset and each row is as wide as its own
    last cell. Only the first MAX_COLUMNS cells of a row are kept; data right of them, or
    below the last record row, is refused rather than dropped.
    """
    sheet.reset_dimensions()
    read = _Sheet(sheet.title, [])
    wide_reported = False
    # One row past Excel's last is read: a row there exists only in a made-up file.
    rows = sheet.iter_rows(max_row=LAST_SHEET_ROW + 1, values_only=True)
    for number, row in enumerate(rows, 1):
        if number > MAX_RECORDS + 1:  # the header and MAX_RECORDS records
            if (
                number > LAST_SHEET_ROW
                or any(not blank(cell) for cell in row[:MAX_COLUMNS])
                or _beyond(row, MAX_COLUMNS)
            ):
                read.too_many_rows = True
                break
            continue
        if not wide_reported and _beyond(row, MAX_COLUMNS):
            issues.append(
                Issue(
                    Where(sheet=sheet.title, row=number),
                    "import-error-too-many-columns",
                    {"column": _column_letter(MAX_COLUMNS - 1), "limit": MAX_COLUMNS},
                )
            )
            wide_reported = True
        read.rows.append(tuple(row[:MAX_COLUMNS]))
    return read


def _read_workbook(data: bytes, issues: list[Issue]) -> dict[str, _Sheet]:
    """Sheets of a workbook by lower-cased name."""
    refused = _archive_issue(data)
    if refused is not None:
        issues.append(refused)
        return {}
    import openpyxl  # imported here: only tables need it, and it takes a while to load

    # openpyxl parses with defusedxml when it is installed (a dependency): an XML entity
    # bomb inside a part is refused instead of expanded.
    from defusedxml import DefusedXmlException

    def unreadable(exc: Exception) -> Issue:
        # openpyxl wraps what its XML parser raised in a ValueError of its own.
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, DefusedXmlException):
                return Issue(Where(), "import-error-xlsx-unsafe")
            if isinstance(cause, MemoryError):
                raise cause  # the child process reports it as the memory limit
            cause = cause.__cause__ or cause.__context__
        return Issue(Where(), "import-error-not-xlsx")

    sheets: dict[str, _Sheet] = {}
    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to read means it is not a workbook we understand
        issues.append(unreadable(exc))
        return {}
    try:
        for sheet in workbook.worksheets:
            sheets.setdefault(sheet.title.strip().lower(), _read_sheet(sheet, issues))
    except Exception as exc:
        issues.append(unreadable(exc))
        return {}
    finally:
        workbook.close()
    return sheets


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _header(
    title: str, kind: str, header: list[str | None], issues: list[Issue]
) -> tuple[list[str | None], frozenset[str]]:
    """Columns of a sheet that can be read (None: ignored) and required ones that are absent."""
    allowed = SHEET_FIELDS[kind]
    usable: list[str | None] = []
    for name in header:
        if name is None:
            usable.append(None)
        elif name not in allowed:
            issues.append(
                unknown_field(Where(sheet=title, column=name), name, allowed, column=True)
            )
            usable.append(None)
        elif name in usable:
            issues.append(Issue(Where(sheet=title, column=name), "import-error-duplicate-column"))
            usable.append(None)
        else:
            usable.append(name)
    missing = frozenset(REQUIRED_FIELDS[kind] - set(usable))
    for name in sorted(missing, key=allowed.index):
        issues.append(Issue(Where(sheet=title), "import-error-missing-column", {"column": name}))
    return usable, missing


def _records_from_sheet(kind: str, sheet: _Sheet, issues: list[Issue]) -> list[Record]:
    title, rows = sheet.title, sheet.rows
    if not rows:
        return []
    header = [_as_name(cell) for cell in rows[0]]
    usable, missing = _header(title, kind, header, issues)
    data_rows = rows[1:]
    if sheet.too_many_rows:
        issues.append(Issue(Where(sheet=title), "import-error-too-many", {"limit": MAX_RECORDS}))
        return []
    records = []
    for number, row in enumerate(data_rows, start=2):
        if all(blank(cell) for cell in row):
            continue
        values: dict[str, Any] = {}
        for index, cell in enumerate(row):
            if blank(cell):
                continue
            name = usable[index] if index < len(usable) else None
            if name is not None:
                values[name] = cell
            elif index >= len(header) or header[index] is None:
                issues.append(
                    Issue(
                        Where(sheet=title, row=number),
                        "import-error-headerless",
                        {"column": _column_letter(index)},
                    )
                )
        records.append(Record(values, _cell_locator(title, number), silent=missing))
    return records


def _records_from_xlsx(data: bytes, issues: list[Issue]) -> Sections:
    sheets = _read_workbook(data, issues)
    sections: Sections = {}
    questions: list[Record] = []
    for kind, sheet in sheets.items():
        if kind not in SHEET_FIELDS:
            # Excel adds empty sheets by itself; only a sheet with data is a mistake.
            if sheet.too_many_rows or any(not blank(cell) for row in sheet.rows for cell in row):
                issues.append(
                    Issue(
                        Where(sheet=sheet.title),
                        "import-error-unknown-sheet",
                        {"name": sheet.title, "expected": ", ".join(SHEET_FIELDS)},
                    )
                )
            continue
        records = _records_from_sheet(kind, sheet, issues)
        if kind == QUESTIONS_SHEET:
            questions = records
        else:
            sections[kind] = records
    _attach_sheet_questions(sections.get("trips", []), questions, issues)
    return sections


def _attach_sheet_questions(
    trips: list[Record], questions: list[Record], issues: list[Issue]
) -> None:
    """Rows of the questions sheet go to their trips, in the order of the rows."""
    by_key: dict[str, Record] = {}
    for record in trips:
        key = key_text(record.values.get("key"))
        if key is not None:
            by_key.setdefault(key, record)
    for question in questions:
        raw = question.values.pop("trip", None)
        if blank(raw):
            if "trip" not in question.silent:
                issues.append(Issue(question.locate("trip"), "import-error-required"))
            continue
        trip = by_key.get(key_text(raw) or "")
        if trip is None:
            issues.append(
                Issue(question.locate("trip"), "import-error-question-trip", {"value": shown(raw)})
            )
            continue
        trip.questions.append(question)
    for trip in by_key.values():
        if len(trip.questions) > QUESTIONS_MAX:
            issues.append(
                Issue(
                    trip.locate(None),
                    "import-error-too-many-items",
                    {"count": len(trip.questions), "limit": QUESTIONS_MAX},
                )
            )
            trip.questions_given = False


def read_file(data: bytes, file_format: FileFormat) -> tuple[Sections, list[Issue]]:
    """Parse a file. CPU- and memory-bound on what a stranger may send: the bot runs it in a
    child process with limits (bot/importer/sandbox.py), never in its own."""
    issues: list[Issue] = []
    if file_format is FileFormat.XLSX:
        return _records_from_xlsx(data, issues), issues
    document, issues = load_yaml(data)
    if issues:
        return {}, issues
    return records_from_document(document, issues), issues


# ---------------------------------------------------------------------------------------------
# Raw values
# ---------------------------------------------------------------------------------------------


class BadValue(Exception):
    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


def as_text(value: Any) -> str:
    """A scalar as text: numbers and yes/no from a table, dates as ISO."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise BadValue("import-error-not-scalar")


def _as_name(value: Any) -> str | None:
    if blank(value):
        return None
    try:
        return as_text(value).strip().lower()
    except BadValue:
        return None


def key_text(value: Any) -> str | None:
    try:
        text = as_text(value).strip()
    except BadValue:
        return None
    return text or None


def shown(value: Any) -> str:
    """A value quoted back to the person, short enough for a message."""
    try:
        text = " ".join(as_text(value)[: SHOWN_MAX * 4].split())
    except BadValue:
        text = "…"
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def unknown_field(
    where: Where, name: str, allowed: Sequence[str], *, column: bool = False
) -> Issue:
    close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
    kind = "column" if column else "field"
    if close:
        return Issue(where, f"import-error-unknown-{kind}-hint", {"name": name, "hint": close[0]})
    return Issue(where, f"import-error-unknown-{kind}", {"name": name})
