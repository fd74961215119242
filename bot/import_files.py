"""Reading import files: YAML or XLSX into records of raw values, and where each is.

This is the format of docs/import-format.md as far as its shape goes: sections, sheets,
fields and columns. What the values mean is checked by bot/importer.py, which also
writes them. Problems are `Issue`s: a place and a text key with arguments, rendered by
the translator in the reader's language.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from io import BytesIO
from typing import Any, ClassVar

import yaml

MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX file is a zip archive: a small file may unpack into gigabytes, so the unpacked
# size is checked before openpyxl reads it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RECORDS = 5000  # per section or sheet
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
    locate: Callable[[str | None], Where]
    questions: list[Record] = field(default_factory=list)
    questions_given: bool = True  # YAML: `questions` was a list (or absent)
    silent: frozenset[str] = frozenset()  # required columns whose absence was reported once


Sections = dict[str, list[Record]]


def path_locator(prefix: str) -> Callable[[str | None], Where]:
    return lambda name: Where(path=f"{prefix}.{name}" if name else prefix)


def _cell_locator(sheet: str, row: int) -> Callable[[str | None], Where]:
    return lambda name: Where(sheet=sheet, row=row, column=name)


class _DuplicateField(yaml.YAMLError):
    def __init__(self, name: str, line: int) -> None:
        super().__init__(name)
        self.name = name
        self.line = line


class _Loader(yaml.SafeLoader):
    """YAML where every scalar stays text and a field given twice is an error.

    Text, because YAML 1.1 would turn `no` into False, `2027-03-15` into a date and
    `08:30` into a number of minutes; each field is interpreted by its own rule instead.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [
            (tag, pattern)
            for tag, pattern in resolvers
            if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise _DuplicateField(key_node.value, key_node.start_mark.line + 1)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def load_yaml(data: bytes) -> tuple[Any, list[Issue]]:
    """The YAML document, or None and the reason it cannot be read."""
    try:
        return yaml.load(data, Loader=_Loader), []
    except _DuplicateField as exc:
        return None, [Issue(Where(line=exc.line), "import-error-field-twice", {"field": exc.name})]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        problem = exc.problem or exc.context or type(exc).__name__
        return None, [Issue(Where(line=line), "import-error-yaml", {"problem": problem})]
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [Issue(Where(), "import-error-yaml", {"problem": type(exc).__name__})]


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


def _read_workbook(data: bytes, issues: list[Issue]) -> dict[str, tuple[str, list[tuple]]]:
    """Sheets of a workbook: lower-cased name -> (name as written, rows of cell values)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        issues.append(Issue(Where(), "import-error-not-xlsx"))
        return {}
    if unpacked > MAX_UNPACKED_BYTES:
        issues.append(
            Issue(Where(), "import-error-unpacked-too-big", {"limit": MAX_UNPACKED_BYTES // MB})
        )
        return {}
    import openpyxl  # imported here: only tables need it, and it takes a while to load

    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any failure to read means it is not a workbook we understand
        issues.append(Issue(Where(), "import-error-not-xlsx"))
        return {}
    sheets: dict[str, tuple[str, list[tuple]]] = {}
    try:
        for sheet in workbook.worksheets:
            rows: list[tuple] = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(row)
                if len(rows) > MAX_RECORDS + 1:  # the header and one row too many
                    break
            sheets.setdefault(sheet.title.strip().lower(), (sheet.title, rows))
    except Exception:
        issues.append(Issue(Where(), "import-error-not-xlsx"))
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


def _records_from_sheet(
    title: str, kind: str, rows: list[tuple], issues: list[Issue]
) -> list[Record]:
    if not rows:
        return []
    header = [_as_name(cell) for cell in rows[0]]
    usable, missing = _header(title, kind, header, issues)
    data_rows = rows[1:]
    if len(data_rows) > MAX_RECORDS:
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
    for kind, (title, rows) in sheets.items():
        if kind not in SHEET_FIELDS:
            # Excel adds empty sheets by itself; only a sheet with data is a mistake.
            if any(not blank(cell) for row in rows for cell in row):
                issues.append(
                    Issue(
                        Where(sheet=title),
                        "import-error-unknown-sheet",
                        {"name": title, "expected": ", ".join(SHEET_FIELDS)},
                    )
                )
            continue
        records = _records_from_sheet(title, kind, rows, issues)
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
    """Parse a file (CPU-bound: callers run it in a thread)."""
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
