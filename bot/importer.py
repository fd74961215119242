"""Import of programmes, trips (with their questions) and events from YAML or XLSX.

The format is described in docs/import-format.md. A file is read and checked as a whole
first and every problem is collected with the place it is at ("trips[2].capacity" in YAML,
"лист trips, строка 5, столбец capacity" in a table); only a file without problems is
written, in one transaction. Rows carry stable keys, so importing the same file again
updates them instead of adding copies.

Problems are `Issue`s: a place and a text key with arguments, rendered by the translator,
so the bot shows them in the organiser's language and the command line in Russian.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from io import BytesIO
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import yaml

from bot.errors import UserError
from bot.i18n import Html, Translator
from bot.questions import QuestionKind
from bot.registration import Promotion, RegistrationService
from bot.roles import MemberRole
from bot.trips import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Direction,
    TripStatus,
    check_trip,
    parse_local_datetime,
)
from storage.cities import City, CityRepo
from storage.db import Database
from storage.events import EventRepo, NewEvent
from storage.imports import ImportRepo, TripState
from storage.trips import NewProgramme, NewTrip, Question, TripRepo

MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX file is a zip archive: a small file may unpack into gigabytes, so the unpacked
# size is checked before openpyxl reads it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RECORDS = 5000  # per section or sheet
MAX_LIST_ITEMS = 50  # audience roles, organisers, options
QUESTIONS_MAX = 20
OPTIONS_MAX = 20
OPTION_MAX = 60
LABEL_MAX = 200
VENUE_MAX = 200
KEY_MAX = 64
QUESTION_KEY_MAX = 32
SHOWN_MAX = 40  # a value quoted back in an error message is cut to this length
MB = 1024 * 1024

_KEY = re.compile(r"[\w.-]+")
# Question keys may end up in callback data and JSON: plain ASCII only.
_QUESTION_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_SPACES = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_YES = frozenset({"yes", "y", "true", "1", "да", "д", "так", "on"})
_NO = frozenset({"no", "n", "false", "0", "нет", "н", "не", "off"})


class EventKind(StrEnum):
    FESTIVAL = "festival"
    FORUM = "forum"
    CONTEST = "contest"
    SEMINAR = "seminar"
    TOURNAMENT = "tournament"
    OTHER = "other"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


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
SECTIONS = ("programmes", "trips", "events")
QUESTIONS_SHEET = "questions"
# Columns of each sheet of a table; questions get a sheet of their own, tied by trip key.
SHEET_FIELDS: dict[str, tuple[str, ...]] = {
    "programmes": PROGRAMME_FIELDS,
    "trips": tuple(name for name in TRIP_FIELDS if name != "questions"),
    QUESTIONS_SHEET: ("trip", *QUESTION_FIELDS),
    "events": EVENT_FIELDS,
}
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    "programmes": frozenset({"key", "direction", "title"}),
    "trips": frozenset(
        {"key", "programme", "title", "from_city", "to_city", "start", "end", "deadline"}
        | {"capacity"}
    ),
    QUESTIONS_SHEET: frozenset({"trip", "key", "type", "label"}),
    "events": frozenset({"key", "kind", "title", "city", "start"}),
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


class ImportRejected(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__(f"{len(issues)} problems")
        self.issues = list(issues)


@dataclass(frozen=True, slots=True)
class Counts:
    created: int = 0
    updated: int = 0


@dataclass(frozen=True, slots=True)
class ImportSummary:
    programmes: Counts
    trips: Counts
    events: Counts
    updated_trip_ids: tuple[int, ...] = ()  # their capacity may have changed: seats to fill


# ---------------------------------------------------------------------------------------------
# Reading a file into records
# ---------------------------------------------------------------------------------------------


@dataclass
class _Record:
    """One item of a section, as raw values with a way to name the place of each field."""

    values: dict[str, Any]
    locate: Callable[[str | None], Where]
    questions: list[_Record] = field(default_factory=list)
    questions_given: bool = True  # YAML: `questions` was a list (or absent)
    silent: frozenset[str] = frozenset()  # required columns whose absence was reported once


Sections = dict[str, list[_Record]]


def _path_locator(prefix: str) -> Callable[[str | None], Where]:
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


def _records_from_document(document: Any, issues: list[Issue]) -> Sections:
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
                    Where(path=_shown(name)),
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
            record = _Record(
                {str(key): value for key, value in item.items()}, _path_locator(prefix)
            )
            if name == "trips":
                _attach_yaml_questions(record, prefix, issues)
            records.append(record)
    return sections


def _attach_yaml_questions(record: _Record, prefix: str, issues: list[Issue]) -> None:
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
        record.questions.append(_Record(values, _path_locator(where)))


def _blank(value: Any) -> bool:
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
            issues.append(_unknown(Where(sheet=title, column=name), name, allowed, column=True))
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
) -> list[_Record]:
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
        if all(_blank(cell) for cell in row):
            continue
        values: dict[str, Any] = {}
        for index, cell in enumerate(row):
            if _blank(cell):
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
        records.append(_Record(values, _cell_locator(title, number), silent=missing))
    return records


def _records_from_xlsx(data: bytes, issues: list[Issue]) -> Sections:
    sheets = _read_workbook(data, issues)
    sections: Sections = {}
    questions: list[_Record] = []
    for kind, (title, rows) in sheets.items():
        if kind not in SHEET_FIELDS:
            # Excel adds empty sheets by itself; only a sheet with data is a mistake.
            if any(not _blank(cell) for row in rows for cell in row):
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
    trips: list[_Record], questions: list[_Record], issues: list[Issue]
) -> None:
    """Rows of the questions sheet go to their trips, in the order of the rows."""
    by_key: dict[str, _Record] = {}
    for record in trips:
        key = _key_text(record.values.get("key"))
        if key is not None:
            by_key.setdefault(key, record)
    for question in questions:
        raw = question.values.pop("trip", None)
        if _blank(raw):
            if "trip" not in question.silent:
                issues.append(Issue(question.locate("trip"), "import-error-required"))
            continue
        trip = by_key.get(_key_text(raw) or "")
        if trip is None:
            issues.append(
                Issue(
                    question.locate("trip"), "import-error-question-trip", {"value": _shown(raw)}
                )
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
    return _records_from_document(document, issues), issues


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


def _as_text(value: Any) -> str:
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
    raise _Bad("import-error-not-scalar")


def _as_name(value: Any) -> str | None:
    if _blank(value):
        return None
    try:
        return _as_text(value).strip().lower()
    except _Bad:
        return None


def _key_text(value: Any) -> str | None:
    try:
        text = _as_text(value).strip()
    except _Bad:
        return None
    return text or None


def _shown(value: Any) -> str:
    """A value quoted back to the person, short enough for a message."""
    try:
        text = " ".join(_as_text(value)[: SHOWN_MAX * 4].split())
    except _Bad:
        text = "…"
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def _clean(text: str, *, multiline: bool) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    if not multiline:
        return " ".join(text.split())
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _moment(value: Any, zone: str, *, end_of_day: bool) -> datetime:
    """A date or date and time in a city's time; a bare date is its start (or, for a
    deadline, its last minute)."""
    tz = ZoneInfo(zone)
    if isinstance(value, datetime):  # a date cell of a table: no time zone, no "bare date"
        if value.tzinfo is not None:
            return value
        if value.time() == time(0, 0):
            value = datetime.combine(value.date(), time(23, 59) if end_of_day else time(0, 0))
        return value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59) if end_of_day else time(0, 0), tzinfo=tz)
    text = " ".join(_as_text(value).split())
    if len(text) > 40:
        raise _Bad("import-error-datetime", value=_shown(text))
    try:
        return parse_local_datetime(text, zone, end_of_day=end_of_day)
    except UserError:
        pass
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59) if end_of_day else time(0, 0), tzinfo=tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad("import-error-datetime", value=_shown(text)) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


class _Fields:
    """Reads one record's fields by their rules, collecting every problem."""

    def __init__(self, record: _Record, issues: list[Issue], allowed: Sequence[str]) -> None:
        self.record = record
        self.issues = issues
        self.ok = True
        for name in record.values:
            if name not in allowed:
                self.issues.append(_unknown(record.locate(_shown(name)), name, allowed))
                self.ok = False

    def fail(self, name: str | None, key: str, **args: Any) -> None:
        self.fail_at(self.record, name, key, **args)

    def fail_at(self, record: _Record, name: str | None, key: str, **args: Any) -> None:
        """A problem of a part of this record (a question of a trip)."""
        self.issues.append(Issue(record.locate(name), key, args))
        self.ok = False

    def _raw(self, name: str, required: bool) -> Any:
        value = self.record.values.get(name)
        if _blank(value):
            if required:
                self.ok = False
                if name not in self.record.silent:
                    self.fail(name, "import-error-required")
            return None
        return value

    def _scalar(self, name: str, required: bool) -> str | None:
        value = self._raw(name, required)
        if value is None:
            return None
        try:
            return _as_text(value)
        except _Bad as bad:
            self.fail(name, bad.key, **bad.args_)
            return None

    def text(
        self, name: str, *, limit: int, required: bool = False, multiline: bool = False
    ) -> str | None:
        raw = self._scalar(name, required)
        if raw is None:
            return None
        # Checked before cleaning too: an enormous value is refused without being processed.
        text = raw if len(raw) > limit * 2 else _clean(raw, multiline=multiline)
        if len(text) > limit:
            self.fail(name, "import-error-too-long", length=len(text), limit=limit)
            return None
        if not text and required:
            self.fail(name, "import-error-required")
            return None
        return text or None

    def key(
        self,
        name: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] = _KEY,
        limit: int = KEY_MAX,
        error: str = "import-error-key",
    ) -> str | None:
        raw = self._scalar(name, required)
        if raw is None:
            return None
        text = raw.strip()
        if len(text) > limit or not pattern.fullmatch(text):
            self.fail(name, error, value=_shown(text), limit=limit)
            return None
        return text

    def choice(self, name: str, allowed: Sequence[str], *, required: bool) -> str | None:
        raw = self._scalar(name, required)
        if raw is None:
            return None
        value = raw.strip().lower()
        if value not in allowed:
            self.fail(name, "import-error-choice", value=_shown(raw), allowed=", ".join(allowed))
            return None
        return value

    def integer(self, name: str, *, low: int, high: int, required: bool) -> int | None:
        raw = self._raw(name, required)
        if raw is None:
            return None
        number = _integer(raw)
        if number is None:
            self.fail(name, "import-error-integer", value=_shown(raw))
            return None
        if not low <= number <= high:
            self.fail(name, "import-error-range", value=number, low=low, high=high)
            return None
        return number

    def flag(self, name: str, *, default: bool) -> bool:
        raw = self._raw(name, False)
        if raw is None:
            return default
        if isinstance(raw, bool):
            return raw
        try:
            word = _as_text(raw).strip().lower()
        except _Bad as bad:
            self.fail(name, bad.key, **bad.args_)
            return default
        if word in _YES:
            return True
        if word in _NO:
            return False
        self.fail(name, "import-error-flag", value=_shown(raw))
        return default

    def moment(
        self, name: str, zone: str, *, required: bool, end_of_day: bool = False
    ) -> datetime | None:
        raw = self._raw(name, required)
        if raw is None:
            return None
        try:
            return _moment(raw, zone, end_of_day=end_of_day)
        except _Bad as bad:
            self.fail(name, bad.key, **bad.args_)
            return None

    def items(self, name: str, *, separators: str) -> list[str] | None:
        """A list: a YAML list, or one text with the values separated (for tables)."""
        raw = self._raw(name, False)
        if raw is None:
            return None
        if isinstance(raw, list):
            values = raw
        elif isinstance(raw, dict):
            self.fail(name, "import-error-list")
            return None
        else:
            text = _as_text(raw)
            values = re.split(f"[{re.escape(separators)}]", text[: MAX_LIST_ITEMS * 200])
        if len(values) > MAX_LIST_ITEMS:
            self.fail(name, "import-error-too-many-items", count=len(values), limit=MAX_LIST_ITEMS)
            return None
        result = []
        for value in values:
            if _blank(value):
                continue
            try:
                result.append(" ".join(_as_text(value).split()))
            except _Bad:
                self.fail(name, "import-error-list")
                return None
        return result

    def city(self, name: str, cities: Mapping[str, City]) -> City | None:
        raw = self._scalar(name, True)
        if raw is None:
            return None
        city = cities.get(raw.strip().lower())
        if city is None:
            codes = sorted({city.code for city in cities.values()})
            self.fail(name, "import-error-city", value=_shown(raw), allowed=", ".join(codes))
        return city


def _integer(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if not isinstance(raw, str):
        return None
    text = raw.replace(" ", "").replace("\u00a0", "")
    return int(text) if _INTEGER.fullmatch(text) else None


def _unknown(where: Where, name: str, allowed: Sequence[str], *, column: bool = False) -> Issue:
    close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
    kind = "column" if column else "field"
    if close:
        return Issue(where, f"import-error-unknown-{kind}-hint", {"name": name, "hint": close[0]})
    return Issue(where, f"import-error-unknown-{kind}", {"name": name})


# ---------------------------------------------------------------------------------------------
# Checking the whole file
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    now: datetime
    cities: Mapping[str, City]  # by code and by name, lower case
    programme_keys: frozenset[str]  # in the file or in the database
    trip_keys: frozenset[str]
    trips: Mapping[str, TripState]  # trips of the file that already exist


@dataclass(frozen=True, slots=True)
class _PlannedProgramme:
    key: str
    programme: NewProgramme


@dataclass(frozen=True, slots=True)
class _PlannedTrip:
    key: str
    programme: str
    trip: NewTrip  # programme_id is filled in when the programme has been written
    organisers: tuple[int, ...] | None  # None: the file does not say, keep as is


@dataclass(frozen=True, slots=True)
class _PlannedEvent:
    key: str
    programme: str | None
    trip: str | None
    event: NewEvent


@dataclass(frozen=True, slots=True)
class _Plan:
    programmes: list[_PlannedProgramme]
    trips: list[_PlannedTrip]
    events: list[_PlannedEvent]


def _programme(record: _Record, issues: list[Issue]) -> _PlannedProgramme | None:
    f = _Fields(record, issues, PROGRAMME_FIELDS)
    key = f.key("key")
    direction = f.choice("direction", [d.value for d in Direction], required=True)
    title = f.text("title", limit=TITLE_MAX, required=True)
    description = f.text("description", limit=DESCRIPTION_MAX, multiline=True) or ""
    roles: list[str] = []
    allowed = [role.value for role in MemberRole]
    for value in f.items("audience", separators=",;") or []:
        role = value.lower()
        if role not in allowed:
            f.fail(
                "audience", "import-error-role", value=_shown(value), allowed=", ".join(allowed)
            )
        elif role not in roles:
            roles.append(role)
    if not f.ok or key is None or direction is None or title is None:
        return None
    return _PlannedProgramme(key, NewProgramme(direction, title, description, tuple(roles), key))


def _question(record: _Record, issues: list[Issue]) -> Question | None:
    f = _Fields(record, issues, QUESTION_FIELDS)
    key = f.key(
        "key", pattern=_QUESTION_KEY, limit=QUESTION_KEY_MAX, error="import-error-question-key"
    )
    kind = f.choice("type", [k.value for k in QuestionKind], required=True)
    label = f.text("label", limit=LABEL_MAX, required=True)
    required = f.flag("required", default=True)
    options = f.items("options", separators=";") or []
    if kind == QuestionKind.CHOICE:
        if len(options) < 2:
            f.fail("options", "import-error-options-missing")
        if len(options) > OPTIONS_MAX:
            f.fail("options", "import-error-too-many-items", count=len(options), limit=OPTIONS_MAX)
        seen: set[str] = set()
        for option in options:
            if len(option) > OPTION_MAX:
                f.fail("options", "import-error-option-too-long", value=_shown(option))
            elif option in seen:
                f.fail("options", "import-error-option-twice", value=_shown(option))
            seen.add(option)
    elif options and kind is not None:
        f.fail("options", "import-error-options-unexpected", type=kind)
    if not f.ok or key is None or kind is None or label is None:
        return None
    return Question(key, kind, label, required, tuple(options) if kind == "choice" else ())


def _trip(record: _Record, issues: list[Issue], ctx: _Context) -> _PlannedTrip | None:
    f = _Fields(record, issues, TRIP_FIELDS)
    key = f.key("key")
    programme = f.key("programme")
    if programme is not None and programme not in ctx.programme_keys:
        f.fail("programme", "import-error-unknown-programme", value=programme)
    title = f.text("title", limit=TITLE_MAX, required=True)
    origin = f.city("from_city", ctx.cities)
    destination = f.city("to_city", ctx.cities)
    if origin is not None and destination is not None and origin.id == destination.id:
        f.fail("to_city", "import-error-same-city")
    # Dates are written in the departure city's time.
    zone = origin.timezone if origin is not None else "UTC"
    starts = f.moment("start", zone, required=True)
    ends = f.moment("end", zone, required=True)
    deadline = f.moment("deadline", zone, required=True, end_of_day=True)
    capacity = f.integer("capacity", low=CAPACITY_MIN, high=CAPACITY_MAX, required=True)
    approval = f.flag("approval", default=True)
    existing = ctx.trips.get(key) if key is not None else None
    status = f.choice("status", [s.value for s in TripStatus], required=False)
    # An absent status keeps what the trip has, so a re-import does not unpublish it.
    status = status or (existing.status if existing is not None else TripStatus.DRAFT.value)
    description = f.text("description", limit=DESCRIPTION_MAX, multiline=True) or ""
    organisers = _organisers(f)
    questions = _questions(record, issues, f)

    if starts is not None and ends is not None and ends < starts:
        f.fail("end", "import-error-end-before-start")
    if starts is not None and deadline is not None and deadline >= starts:
        f.fail("deadline", "import-error-deadline-after-start")
    # Past trips may be loaded as history, and only as such.
    if status != TripStatus.FINISHED:
        if starts is not None and starts <= ctx.now:
            f.fail("start", "import-error-start-past")
        if deadline is not None and deadline <= ctx.now:
            f.fail("deadline", "import-error-deadline-past")
    if existing is not None and capacity is not None and capacity < existing.seated:
        f.fail("capacity", "import-error-capacity-below-seated", seated=existing.seated)
    if (
        existing is not None
        and status == TripStatus.CANCELLED
        and existing.status != TripStatus.CANCELLED
        and existing.active
    ):
        # Cancelling must tell every registered person, which the bot's button does.
        f.fail("status", "import-error-cancel-in-bot", count=existing.active)
    if not f.ok or None in (key, programme, title, origin, destination, starts, ends, deadline):
        return None
    assert key and programme and title and origin and destination and capacity
    assert starts and ends and deadline and questions is not None
    trip = NewTrip(
        programme_id=0,
        title=title,
        from_city_id=origin.id,
        to_city_id=destination.id,
        starts_at=starts,
        ends_at=ends,
        registration_deadline=deadline,
        capacity=capacity,
        needs_approval=approval,
        description=description,
        status=status,
        questions=tuple(questions),
        ext_key=key,
    )
    try:  # the same rules as the organiser's form, in case they say more than the above
        check_trip(trip, ctx.now, is_new=status != TripStatus.FINISHED)
    except UserError as error:
        issues.append(Issue(record.locate(None), error.key, error.args_))
        return None
    return _PlannedTrip(key, programme, trip, organisers)


def _organisers(f: _Fields) -> tuple[int, ...] | None:
    values = f.items("organisers", separators=",;")
    if values is None:
        return None
    ids: list[int] = []
    for value in values:
        number = _integer(value)
        if number is None or number <= 0:
            f.fail("organisers", "import-error-telegram-id", value=_shown(value))
        elif number not in ids:
            ids.append(number)
    return tuple(ids)


def _questions(record: _Record, issues: list[Issue], f: _Fields) -> list[Question] | None:
    if not record.questions_given:
        f.ok = False
    questions: list[Question] = []
    first: dict[str, _Record] = {}
    for item in record.questions:
        question = _question(item, issues)
        if question is None:
            f.ok = False
            continue
        if question.key in first:
            f.fail_at(item, "key", "import-error-question-twice", value=question.key)
            continue
        first[question.key] = item
        questions.append(question)
    return questions if f.ok else None


def _event(record: _Record, issues: list[Issue], ctx: _Context) -> _PlannedEvent | None:
    f = _Fields(record, issues, EVENT_FIELDS)
    key = f.key("key")
    kind = f.choice("kind", [k.value for k in EventKind], required=True)
    title = f.text("title", limit=TITLE_MAX, required=True)
    city = f.city("city", ctx.cities)
    venue = f.text("venue", limit=VENUE_MAX) or ""
    zone = city.timezone if city is not None else "UTC"
    starts = f.moment("start", zone, required=True)
    ends = f.moment("end", zone, required=False) or starts
    if starts is not None and ends is not None and ends < starts:
        f.fail("end", "import-error-end-before-start")
    description = f.text("description", limit=DESCRIPTION_MAX, multiline=True) or ""
    programme = f.key("programme", required=False)
    if programme is not None and programme not in ctx.programme_keys:
        f.fail("programme", "import-error-unknown-programme", value=programme)
    trip = f.key("trip", required=False)
    if trip is not None and trip not in ctx.trip_keys:
        f.fail("trip", "import-error-unknown-trip", value=trip)
    status = f.choice("status", [s.value for s in EventStatus], required=False)
    if not f.ok or None in (key, kind, title, city, starts, ends):
        return None
    assert key and kind and title and city and starts and ends
    event = NewEvent(
        kind=kind,
        title=title,
        city_id=city.id,
        venue=venue,
        starts_at=starts,
        ends_at=ends,
        description=description,
        status=status or EventStatus.SCHEDULED.value,
        ext_key=key,
    )
    return _PlannedEvent(key, programme, trip, event)


def _declared_keys(records: Iterable[_Record]) -> dict[str, _Record]:
    keys: dict[str, _Record] = {}
    for record in records:
        key = _key_text(record.values.get("key"))
        if key is not None:
            keys.setdefault(key, record)
    return keys


def _duplicate(record: _Record, first: dict[str, _Record], issues: list[Issue]) -> None:
    """Report a key already used earlier in the same section."""
    key = _key_text(record.values.get("key"))
    if key is None:
        return
    if key in first:
        issues.append(
            Issue(
                record.locate("key"),
                "import-error-duplicate-key",
                {"value": _shown(key)},
                other=first[key].locate(None),
            )
        )
    else:
        first[key] = record


def _references(sections: Sections, section: str, name: str) -> set[str]:
    keys = set()
    for record in sections.get(section, []):
        key = _key_text(record.values.get(name))
        if key is not None:
            keys.add(key)
    return keys


def _city_index(cities: Iterable[City]) -> dict[str, City]:
    index: dict[str, City] = {}
    for city in cities:
        for name in (city.name_ru, city.name_be, city.code):
            index[name.lower()] = city
    return index


async def _context(db: Database, sections: Sections, now: datetime) -> _Context:
    repo = ImportRepo(db)
    programmes = set(_declared_keys(sections.get("programmes", [])))
    trips = set(_declared_keys(sections.get("trips", [])))
    wanted_programmes = (
        _references(sections, "trips", "programme") | _references(sections, "events", "programme")
    ) - programmes
    wanted_trips = _references(sections, "events", "trip") - trips
    programmes |= set(await repo.programme_ids(wanted_programmes))
    known_trips = trips | set(await repo.trip_ids(wanted_trips))
    return _Context(
        now=now,
        cities=_city_index(await CityRepo(db).list()),
        programme_keys=frozenset(programmes),
        trip_keys=frozenset(known_trips),
        trips=await repo.trip_states(trips),
    )


def _check(sections: Sections, ctx: _Context, issues: list[Issue]) -> _Plan:
    """Every record of every section, problems in the order of the file."""
    plan = _Plan([], [], [])
    first: dict[str, _Record] = {}
    for record in sections.get("programmes", []):
        _duplicate(record, first, issues)
        if (programme := _programme(record, issues)) is not None:
            plan.programmes.append(programme)
    first = {}
    for record in sections.get("trips", []):
        _duplicate(record, first, issues)
        if (trip := _trip(record, issues, ctx)) is not None:
            plan.trips.append(trip)
    first = {}
    for record in sections.get("events", []):
        _duplicate(record, first, issues)
        if (event := _event(record, issues, ctx)) is not None:
            plan.events.append(event)
    return plan


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


async def _write(db: Database, plan: _Plan, actor: int | None) -> ImportSummary:
    trips, events, imports = TripRepo(db), EventRepo(db), ImportRepo(db)
    programme_refs = {p.key for p in plan.programmes} | {t.programme for t in plan.trips}
    programme_refs |= {e.programme for e in plan.events if e.programme}
    trip_refs = {t.key for t in plan.trips} | {e.trip for e in plan.events if e.trip}
    async with db.transaction() as conn:
        programme_ids = await imports.programme_ids(programme_refs, conn=conn)
        created = updated = 0
        for item in plan.programmes:
            existing = programme_ids.get(item.key)
            programme_ids[item.key] = await trips.save_programme(
                conn, programme=item.programme, actor=actor, programme_id=existing
            )
            created, updated = (created, updated + 1) if existing else (created + 1, updated)
        programme_counts = Counts(created, updated)

        trip_ids = await imports.trip_ids(trip_refs, conn=conn)
        created = updated = 0
        updated_ids: list[int] = []
        for trip_item in plan.trips:
            existing = trip_ids.get(trip_item.key)
            trip = replace(trip_item.trip, programme_id=programme_ids[trip_item.programme])
            trip_id = await trips.save(conn, trip=trip, actor=actor, trip_id=existing)
            trip_ids[trip_item.key] = trip_id
            if trip_item.organisers is not None:
                await imports.set_trip_organisers(
                    conn, trip_id=trip_id, tg_ids=trip_item.organisers
                )
            if existing:
                updated += 1
                updated_ids.append(trip_id)
            else:
                created += 1
        trip_counts = Counts(created, updated)

        event_ids = await imports.event_ids([e.key for e in plan.events], conn=conn)
        created = updated = 0
        for event_item in plan.events:
            existing = event_ids.get(event_item.key)
            event = replace(
                event_item.event,
                programme_id=programme_ids[event_item.programme] if event_item.programme else None,
                trip_id=trip_ids[event_item.trip] if event_item.trip else None,
            )
            await events.save(conn, event=event, actor=actor, event_id=existing)
            created, updated = (created, updated + 1) if existing else (created + 1, updated)
        event_counts = Counts(created, updated)
    return ImportSummary(programme_counts, trip_counts, event_counts, tuple(updated_ids))


# ---------------------------------------------------------------------------------------------
# The entry points
# ---------------------------------------------------------------------------------------------


async def _import_sections(
    db: Database, sections: Sections, issues: list[Issue], *, actor: int | None, now: datetime
) -> ImportSummary:
    if not issues and not any(sections.get(section) for section in SECTIONS):
        issues.append(Issue(Where(), "import-error-empty"))
    if issues and not sections:
        raise ImportRejected(issues)
    # Everything is checked even after the first problem, so the person sees them all.
    plan = _check(sections, await _context(db, sections, now), issues)
    if issues:
        raise ImportRejected(issues)
    return await _write(db, plan, actor)


def size_issue(size: int) -> Issue:
    return Issue(
        Where(), "import-error-too-big", {"size": _megabytes(size), "limit": MAX_FILE_BYTES // MB}
    )


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


async def import_file(
    db: Database, data: bytes, *, file_name: str, actor: int | None, now: datetime
) -> ImportSummary:
    """Check a whole file and write it in one transaction, or raise ImportRejected."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([size_issue(len(data))])
    file_format = detect_format(file_name)
    if file_format is None:
        raise ImportRejected([Issue(Where(), "import-error-format")])
    sections, issues = await asyncio.to_thread(read_file, data, file_format)
    return await _import_sections(db, sections, issues, actor=actor, now=now)


async def import_document(
    db: Database, document: Any, *, actor: int | None, now: datetime
) -> ImportSummary:
    """The same for a YAML document already loaded (the demo data)."""
    issues: list[Issue] = []
    sections = _records_from_document(document, issues)
    return await _import_sections(db, sections, issues, actor=actor, now=now)


async def fill_freed_seats(
    registration: RegistrationService, summary: ImportSummary, *, now: datetime
) -> list[Promotion]:
    """An update may have raised a trip's capacity: the waiting list moves up at once."""
    promotions: list[Promotion] = []
    for trip_id in summary.updated_trip_ids:
        promotions.extend(await registration.promote(trip_id=trip_id, now=now))
    return promotions


# ---------------------------------------------------------------------------------------------
# Telling people
# ---------------------------------------------------------------------------------------------


def describe_where(t: Translator, where: Where, *, html: bool = True) -> str:
    say = t if html else t.button
    if where.path is not None:
        return say("import-at-path", path=where.path)
    if where.sheet is not None:
        if where.row is not None and where.column is not None:
            return say("import-at-cell", sheet=where.sheet, row=where.row, column=where.column)
        if where.row is not None:
            return say("import-at-row", sheet=where.sheet, row=where.row)
        if where.column is not None:
            return say("import-at-column", sheet=where.sheet, column=where.column)
        return say("import-at-sheet", sheet=where.sheet)
    if where.line is not None:
        return say("import-at-line", line=where.line)
    return say("import-at-file")


def describe_issue(t: Translator, issue: Issue, *, html: bool = True) -> str:
    say = t if html else t.button
    args = dict(issue.args)
    if issue.other is not None:
        args["first"] = describe_where(t, issue.other, html=False)
    problem = say(issue.key, **args)
    where = describe_where(t, issue.where, html=html)
    if html:
        return t("import-error-line", where=Html(where), problem=Html(problem))
    return t.button("import-error-line", where=where, problem=problem)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def failure_report(t: Translator, issues: Sequence[Issue], *, name: str, limit: int) -> str:
    """The error list for a chat message, cut to `limit` characters with "…and N more"."""
    text = t("import-failed", name=name, count=len(issues))
    for index, issue in enumerate(issues):
        line = "\n" + describe_issue(t, issue)
        rest = len(issues) - index
        # Room is kept for the closing line unless this is the last problem.
        tail = "" if rest == 1 else "\n" + t("import-errors-more", count=rest)
        if _utf16(text + line) + _utf16(tail) > limit:
            return text + "\n" + t("import-errors-more", count=rest)
        text += line
    return text


def summary_lines(t: Translator, summary: ImportSummary) -> list[str]:
    return [
        t.button(f"import-summary-{name}", created=counts.created, updated=counts.updated)
        for name, counts in (
            ("programmes", summary.programmes),
            ("trips", summary.trips),
            ("events", summary.events),
        )
    ]


def success_report(t: Translator, summary: ImportSummary, *, name: str, promoted: int) -> str:
    lines = [t("import-done", name=name), *summary_lines(t, summary)]
    if promoted:
        lines.append(t("import-promoted", count=promoted))
    return "\n".join(lines)
