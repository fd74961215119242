"""How one value of an import record is read and checked: text cleaned as typed
text is, dates in the city's time, numbers, yes/no, keys and lists."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.text import has_visible, strip_invisible
from bot.importer.files import (
    BadValue,
    Issue,
    Record,
    as_text,
    blank,
    shown,
    unknown_field,
)
from bot.trips.catalogue import parse_local_datetime
from storage.cities import City

MAX_LIST_ITEMS = 50  # audience roles, organisers, options
LIST_TEXT_MAX = 5000  # such a list written in one cell
OPTIONS_MAX = 20
OPTION_MAX = 60
LABEL_MAX = 200
VENUE_MAX = 200
KEY_MAX = 64
QUESTION_KEY_MAX = 32

KEY = re.compile(r"[\w.-]+")
# Question keys may end up in callback data and JSON: plain ASCII only.
QUESTION_KEY = re.compile(r"[A-Za-z0-9_-]+")
INTEGER = re.compile(r"[+-]?\d{1,12}")
SPACES = re.compile(r"[^\S\n]+")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
YES = frozenset({"yes", "y", "true", "1", "да", "д", "так", "on"})
ALL = frozenset({"all", "все", "всё", "усе", "ўсе"})
NONE = frozenset({"none", "нет", "не", "никаких", "no"})
NO = frozenset({"no", "n", "false", "0", "нет", "н", "не", "off"})


def clean(text: str, *, multiline: bool) -> str:
    """As typed text is cleaned (`bot.core.text`): a value with nothing visible in it, only
    zero-width characters or Hangul fillers, counts as empty."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = CONTROL.sub("", strip_invisible(text, keep_newlines=multiline))
    if not multiline:
        text = " ".join(text.split())
    else:
        lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text if has_visible(text) else ""


def moment(value: Any, zone: str, *, end_of_day: bool) -> datetime:
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
    text = " ".join(as_text(value).split())
    if len(text) > 40:
        raise BadValue("import-error-datetime", value=shown(text))
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
        raise BadValue("import-error-datetime", value=shown(text)) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


class Fields:
    """Reads one record's fields by their rules, collecting every problem."""

    def __init__(self, record: Record, issues: list[Issue], allowed: Sequence[str]) -> None:
        self.record = record
        self.issues = issues
        self.ok = True
        for name in record.values:
            if name not in allowed:
                self.issues.append(unknown_field(record.locate(shown(name)), name, allowed))
                self.ok = False

    def fail(self, name: str | None, key: str, **args: Any) -> None:
        self.fail_at(self.record, name, key, **args)

    def fail_at(self, record: Record, name: str | None, key: str, **args: Any) -> None:
        """A problem of a part of this record (a question of a trip)."""
        self.issues.append(Issue(record.locate(name), key, args))
        self.ok = False

    def _raw(self, name: str, required: bool) -> Any:
        value = self.record.values.get(name)
        if blank(value):
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
            return as_text(value)
        except BadValue as bad:
            self.fail(name, bad.key, **bad.args_)
            return None

    def text(
        self, name: str, *, limit: int, required: bool = False, multiline: bool = False
    ) -> str | None:
        raw = self._scalar(name, required)
        if raw is None:
            return None
        # Checked before cleaning too: an enormous value is refused without being processed.
        text = raw if len(raw) > limit * 2 else clean(raw, multiline=multiline)
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
        pattern: re.Pattern[str] = KEY,
        limit: int = KEY_MAX,
        error: str = "import-error-key",
    ) -> str | None:
        raw = self._scalar(name, required)
        if raw is None:
            return None
        text = raw.strip()
        if len(text) > limit or not pattern.fullmatch(text):
            self.fail(name, error, value=shown(text), limit=limit)
            return None
        return text

    def choice(self, name: str, allowed: Sequence[str], *, required: bool) -> str | None:
        raw = self._scalar(name, required)
        if raw is None:
            return None
        value = raw.strip().lower()
        if value not in allowed:
            self.fail(name, "import-error-choice", value=shown(raw), allowed=", ".join(allowed))
            return None
        return value

    def integer(self, name: str, *, low: int, high: int, required: bool) -> int | None:
        raw = self._raw(name, required)
        if raw is None:
            return None
        number = integer(raw)
        if number is None:
            self.fail(name, "import-error-integer", value=shown(raw))
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
            word = as_text(raw).strip().lower()
        except BadValue as bad:
            self.fail(name, bad.key, **bad.args_)
            return default
        if word in YES:
            return True
        if word in NO:
            return False
        self.fail(name, "import-error-flag", value=shown(raw))
        return default

    def moment(
        self, name: str, zone: str, *, required: bool, end_of_day: bool = False
    ) -> datetime | None:
        raw = self._raw(name, required)
        if raw is None:
            return None
        try:
            return moment(raw, zone, end_of_day=end_of_day)
        except BadValue as bad:
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
            text = self._scalar(name, False) or ""
            if len(text) > LIST_TEXT_MAX:
                self.fail(name, "import-error-too-long", length=len(text), limit=LIST_TEXT_MAX)
                return None
            values = re.split(f"[{re.escape(separators)}]", text)
        if len(values) > MAX_LIST_ITEMS:
            self.fail(name, "import-error-too-many-items", count=len(values), limit=MAX_LIST_ITEMS)
            return None
        result = []
        for value in values:
            if blank(value):
                continue
            try:
                result.append(" ".join(as_text(value).split()))
            except BadValue:
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
            self.fail(name, "import-error-city", value=shown(raw), allowed=", ".join(codes))
        return city


def integer(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if not isinstance(raw, str):
        return None
    text = raw.replace(" ", "").replace("\u00a0", "")
    return int(text) if INTEGER.fullmatch(text) else None
