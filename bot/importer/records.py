"""Import of programmes, trips (with their questions) and events from YAML or XLSX.

The format is described in docs/import-format.md; bot/importer/files.py reads a file into
records. Here every record is checked as a whole first and every problem is collected
with the place it is at ("trips[2].capacity" in YAML, "лист trips, строка 5, столбец
capacity" in a table); only a file without problems is written, in one transaction.
Rows carry stable keys, so importing the same file again updates them instead of adding
copies.

A trip that exists already changes by the bot's rules (bot/trips/admin.py): cancelled and
finished trips stay as they are, the status moves only where the bot's buttons move it,
capacity stays above the seats taken. These rules depend on the trip's state, so they are
checked again inside the write transaction, which also fills freed seats from the waiting
list: nobody can register in between.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.i18n import Html, Translator
from bot.core.roles import MemberRole
from bot.core.text import has_visible, strip_invisible
from bot.events.service import EventChange, EventNotices
from bot.importer.files import (
    EVENT_FIELDS,
    MAX_FILE_BYTES,
    MB,
    PROGRAMME_FIELDS,
    QUESTION_FIELDS,
    ROADMAP_FIELDS,
    SECTIONS,
    TRIP_FIELDS,
    BadValue,
    Issue,
    Record,
    Sections,
    Where,
    as_text,
    blank,
    detect_format,
    key_text,
    megabytes,
    records_from_document,
    shown,
    unknown_field,
)
from bot.importer.sandbox import ImportReader
from bot.roadmap.service import BOTH, NUMBER_MAX, OBJECT_KIND, RoadmapStatus, parse_due
from bot.roadmap.service import NOTES_MAX as ROADMAP_NOTES_MAX
from bot.roadmap.service import TITLE_MAX as ROADMAP_TITLE_MAX
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from bot.trips.admin import CANCELLABLE, EDITABLE, next_statuses
from bot.trips.catalogue import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Direction,
    TripStatus,
    check_trip,
    parse_local_datetime,
)
from bot.trips.questions import QuestionKind
from bot.trips.registration import Promotion, RegistrationService
from storage.cities import City, CityRepo
from storage.db import Database, Writer, to_db_time
from storage.events import EventRepo, NewEvent
from storage.imports import ImportRepo, StoredTrip, TripState
from storage.roadmap import LinkKind, NewItem, RoadmapRepo
from storage.trips import NewProgramme, NewTrip, Question, Trip, TripRepo

MAX_LIST_ITEMS = 50  # audience roles, organisers, options
LIST_TEXT_MAX = 5000  # such a list written in one cell
OPTIONS_MAX = 20
OPTION_MAX = 60
LABEL_MAX = 200
VENUE_MAX = 200
KEY_MAX = 64
QUESTION_KEY_MAX = 32

_KEY = re.compile(r"[\w.-]+")
# Question keys may end up in callback data and JSON: plain ASCII only.
_QUESTION_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_SPACES = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_YES = frozenset({"yes", "y", "true", "1", "да", "д", "так", "on"})
_ALL = frozenset({"all", "все", "всё", "усе", "ўсе"})
_NONE = frozenset({"none", "нет", "не", "никаких", "no"})
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
class ImportServices:
    """What the import's transaction uses besides the repositories: the waiting lists
    move up and the subscribers of moved or cancelled events are told, all in that
    transaction. Built by the application (bot/app.py), never here."""

    db: Database
    registration: RegistrationService
    event_notices: EventNotices


@dataclass(frozen=True, slots=True)
class ImportSummary:
    programmes: Counts
    trips: Counts
    events: Counts
    # People moved from the waiting list to seats an update added (told already).
    promotions: tuple[Promotion, ...] = ()
    # Events the file moved or cancelled, with their subscribers (told already).
    event_changes: tuple[EventChange, ...] = ()
    roadmap: Counts = Counts()
    # Status changes of roadmap items (history ids): their followers are to be told.
    roadmap_changes: tuple[int, ...] = ()


def _clean(text: str, *, multiline: bool) -> str:
    """As typed text is cleaned (`bot.core.text`): a value with nothing visible in it, only
    zero-width characters or Hangul fillers, counts as empty."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", strip_invisible(text, keep_newlines=multiline))
    if not multiline:
        text = " ".join(text.split())
    else:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text if has_visible(text) else ""


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


class _Fields:
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
        number = _integer(raw)
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
        if word in _YES:
            return True
        if word in _NO:
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
            return _moment(raw, zone, end_of_day=end_of_day)
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


# ---------------------------------------------------------------------------------------------
# Checking the whole file
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Existing:
    """The file's trips that exist already, as read at one moment."""

    states: Mapping[str, TripState]
    stored: Mapping[str, StoredTrip]  # those nobody may edit any more, to compare with
    programme_ids: Mapping[str, int]  # the programmes the file's trips name, if stored


@dataclass(frozen=True, slots=True)
class _Context:
    now: datetime
    cities: Mapping[str, City]  # by code and by name, lower case
    programme_keys: frozenset[str]  # in the file or in the database
    trip_keys: frozenset[str]
    existing: _Existing
    event_keys: frozenset[str] = frozenset()
    roadmap_numbers: Mapping[int, str | None] = field(default_factory=dict)  # stored


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
    given_status: str | None  # None: keep the stored trip's status
    record: Record  # to say where a problem found while writing is


@dataclass(frozen=True, slots=True)
class _PlannedEvent:
    key: str
    programme: str | None
    trip: str | None
    event: NewEvent


@dataclass(frozen=True, slots=True)
class _PlannedItem:
    key: str
    item: NewItem
    given_status: str | None  # None: a stored item keeps its status
    notes: str | None  # None: a stored item keeps its notes
    all_telebridges: bool | None
    trips: tuple[str, ...] | None  # None: keep the stored links
    events: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    programmes: list[_PlannedProgramme]
    trips: list[_PlannedTrip]
    events: list[_PlannedEvent]
    roadmap: list[_PlannedItem] = field(default_factory=list)


def _programme(record: Record, issues: list[Issue]) -> _PlannedProgramme | None:
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
            f.fail("audience", "import-error-role", value=shown(value), allowed=", ".join(allowed))
        elif role not in roles:
            roles.append(role)
    if not f.ok or key is None or direction is None or title is None:
        return None
    return _PlannedProgramme(key, NewProgramme(direction, title, description, tuple(roles), key))


def _question(record: Record, issues: list[Issue]) -> Question | None:
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
                f.fail("options", "import-error-option-too-long", value=shown(option))
            elif option in seen:
                f.fail("options", "import-error-option-twice", value=shown(option))
            seen.add(option)
    elif options and kind is not None:
        f.fail("options", "import-error-options-unexpected", type=kind)
    if not f.ok or key is None or kind is None or label is None:
        return None
    return Question(key, kind, label, required, tuple(options) if kind == "choice" else ())


def _trip(record: Record, issues: list[Issue], ctx: _Context) -> _PlannedTrip | None:
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
    for_minors = f.flag("for_minors", default=False)
    existing = ctx.existing.states.get(key) if key is not None else None
    given_status = f.choice("status", [s.value for s in TripStatus], required=False)
    status = _status(given_status, existing)
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
    planned = None
    if f.ok and None not in (key, programme, title, origin, destination, starts, ends, deadline):
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
            for_minors=for_minors,
        )
        try:  # the same rules as the organiser's form, in case they say more than the above
            check_trip(trip, ctx.now, is_new=status != TripStatus.FINISHED)
        except UserError as error:
            issues.append(Issue(record.locate(None), error.key, error.args_))
        else:
            planned = _PlannedTrip(key, programme, trip, organisers, given_status, record)
    rules = _existing_trip_issues(
        record, ctx.existing, key, status=status, capacity=capacity, planned=planned
    )
    issues.extend(rules)
    return None if rules else planned


def _status(given: str | None, existing: TripState | None) -> str:
    """An absent status keeps what the trip has, so a re-import does not unpublish it."""
    return given or (existing.status if existing is not None else TripStatus.DRAFT.value)


def _status_choices(current: str) -> tuple[str, ...]:
    """Where the bot lets a trip's status go: its "Статус" steps, or cancelling."""
    choices = [current, *next_statuses(current)]
    if current in CANCELLABLE:
        choices.append(TripStatus.CANCELLED)
    return tuple(choices)


def _compared(trip: NewTrip | Trip, programme_id: int | None) -> tuple[Any, ...]:
    return (
        programme_id,
        trip.title,
        trip.from_city_id,
        trip.to_city_id,
        to_db_time(trip.starts_at),  # to the second, as stored
        to_db_time(trip.ends_at),
        to_db_time(trip.registration_deadline),
        trip.capacity,
        trip.needs_approval,
        trip.description,
        trip.status,
        trip.for_minors,
    )


def _unchanged(planned: _PlannedTrip, existing: _Existing) -> bool:
    """The file says what is stored: importing the same file again leaves history alone."""
    stored = existing.stored.get(planned.key)
    if stored is None:
        return False
    new = _compared(planned.trip, existing.programme_ids.get(planned.programme))
    old = _compared(stored.trip, stored.trip.programme_id)
    organisers = planned.organisers
    return (
        new == old
        and planned.trip.questions == stored.questions
        and (organisers is None or tuple(sorted(organisers)) == stored.organisers)
    )


def _existing_trip_issues(
    record: Record,
    existing: _Existing,
    key: str | None,
    *,
    status: str,
    capacity: int | None,
    planned: _PlannedTrip | None,
) -> list[Issue]:
    """The bot's rules for changing a stored trip (bot/trips/admin.py), against its state
    as read: checked with the file, and again inside the write transaction."""
    state = existing.states.get(key) if key is not None else None
    if state is None:
        return []
    if state.status not in EDITABLE:
        # Cancelled and finished trips are history; an unchanged copy of one is no edit.
        if planned is not None and not _unchanged(planned, existing):
            return [Issue(record.locate(None), "org-error-not-editable")]
        return []
    issues = []
    if capacity is not None and capacity < state.seated:
        issues.append(
            Issue(
                record.locate("capacity"),
                "import-error-capacity-below-seated",
                {"seated": state.seated},
            )
        )
    if status != state.status:
        choices = _status_choices(state.status)
        if status not in choices:
            issues.append(
                Issue(
                    record.locate("status"),
                    "import-error-choice",
                    {"value": status, "allowed": ", ".join(choices)},
                )
            )
        elif status == TripStatus.CANCELLED and state.active:
            # Cancelling must tell every registered person, which the bot's button does.
            issues.append(
                Issue(
                    record.locate("status"), "import-error-cancel-in-bot", {"count": state.active}
                )
            )
    return issues


def _organisers(f: _Fields) -> tuple[int, ...] | None:
    values = f.items("organisers", separators=",;")
    if values is None:
        return None
    ids: list[int] = []
    for value in values:
        number = _integer(value)
        if number is None or number <= 0:
            f.fail("organisers", "import-error-telegram-id", value=shown(value))
        elif number not in ids:
            ids.append(number)
    return tuple(ids)


def _questions(record: Record, issues: list[Issue], f: _Fields) -> list[Question] | None:
    if not record.questions_given:
        f.ok = False
    questions: list[Question] = []
    first: dict[str, Record] = {}
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


def _event(record: Record, issues: list[Issue], ctx: _Context) -> _PlannedEvent | None:
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


_BOTH_WORDS = frozenset({BOTH, "оба", "обе", "оба города", "абодва", "абодва гарады"})


def _roadmap_item(
    record: Record, issues: list[Issue], ctx: _Context, numbers: dict[int, Record]
) -> _PlannedItem | None:
    f = _Fields(record, issues, ROADMAP_FIELDS)
    key = f.key("key")
    number = f.integer("number", low=1, high=NUMBER_MAX, required=True)
    if number is not None:
        if number in numbers:
            issues.append(
                Issue(
                    record.locate("number"),
                    "import-error-roadmap-number-twice",
                    {"number": number},
                    other=numbers[number].locate(None),
                )
            )
            f.ok = False
        numbers.setdefault(number, record)
        owner = ctx.roadmap_numbers.get(number)
        if number in ctx.roadmap_numbers and owner != key:
            f.fail("number", "import-error-roadmap-number-taken", number=number)
    direction = f.choice("direction", [d.value for d in Direction], required=True)
    title = f.text("title", limit=ROADMAP_TITLE_MAX, required=True)
    responsible = _responsible(f, ctx)
    due = _due(f)
    status = f.choice("status", [s.value for s in RoadmapStatus], required=False)
    notes = f.text("notes", limit=ROADMAP_NOTES_MAX, multiline=True)
    trips = _keys_of(f, "trips", ctx.trip_keys, "import-error-unknown-trip")
    events = _keys_of(f, "events", ctx.event_keys, "import-error-unknown-event")
    telebridges = _telebridges(f)
    if not f.ok or None in (key, number, direction, title, due) or responsible is False:
        return None
    assert key and number and direction and title and due
    item = NewItem(
        number=number,
        direction=direction,
        title=title,
        responsible_city_id=responsible,
        due_year=due[0],
        due_quarter=due[1],
        status=status or RoadmapStatus.PLANNED.value,
        notes=notes or "",
        all_telebridges=bool(telebridges),
        ext_key=key,
    )
    given_notes = None if "notes" not in record.values else (notes or "")
    return _PlannedItem(key, item, status, given_notes, telebridges, trips, events)


def _responsible(f: _Fields, ctx: _Context) -> int | bool | None:
    """A city's id, None for both cities, False if the value is wrong or missing."""
    raw = f._scalar("responsible", True)
    if raw is None:
        return False
    value = " ".join(raw.strip().lower().split())
    if value in _BOTH_WORDS:
        return None
    city = ctx.cities.get(value)
    if city is None:
        codes = sorted({c.code for c in ctx.cities.values()})
        f.fail(
            "responsible", "import-error-responsible", value=shown(raw), allowed=", ".join(codes)
        )
        return False
    return city.id


def _due(f: _Fields) -> tuple[int, int | None] | None:
    raw = f._scalar("due", True)
    if raw is None:
        return None
    try:
        return parse_due(raw)
    except UserError:
        f.fail("due", "import-error-due", value=shown(raw))
        return None


def _keys_of(f: _Fields, name: str, known: frozenset[str], error: str) -> tuple[str, ...] | None:
    """A list of trip or event keys, each of the file or already stored."""
    if name not in f.record.values:
        return None
    values = f.items(name, separators=",;")
    keys: list[str] = []
    for value in values or []:
        if value not in known:
            f.fail(name, error, value=shown(value))
        elif value not in keys:
            keys.append(value)
    return tuple(keys)


def _telebridges(f: _Fields) -> bool | None:
    """`all`: every held telebridge counts for the item; `none`: only linked ones."""
    raw = f._scalar("telebridges", False)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in _ALL:
        return True
    if word in _NONE:
        return False
    f.fail("telebridges", "import-error-choice", value=shown(raw), allowed="all, none")
    return None


def _declared_keys(records: Iterable[Record]) -> dict[str, Record]:
    keys: dict[str, Record] = {}
    for record in records:
        key = key_text(record.values.get("key"))
        if key is not None:
            keys.setdefault(key, record)
    return keys


def _duplicate(record: Record, first: dict[str, Record], issues: list[Issue]) -> None:
    """Report a key already used earlier in the same section."""
    key = key_text(record.values.get("key"))
    if key is None:
        return
    if key in first:
        issues.append(
            Issue(
                record.locate("key"),
                "import-error-duplicate-key",
                {"value": shown(key)},
                other=first[key].locate(None),
            )
        )
    else:
        first[key] = record


def _references(sections: Sections, section: str, name: str) -> set[str]:
    keys = set()
    for record in sections.get(section, []):
        key = key_text(record.values.get(name))
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
    wanted_trips |= _listed(sections, "roadmap", "trips") - trips
    known_trips = trips | set(await repo.trip_ids(wanted_trips))
    events = set(_declared_keys(sections.get("events", [])))
    wanted_events = _listed(sections, "roadmap", "events") - events
    known_events = events | set(await repo.event_ids(wanted_events))
    return _Context(
        now=now,
        cities=_city_index(await CityRepo(db).list()),
        programme_keys=frozenset(programmes),
        trip_keys=frozenset(known_trips),
        existing=await _existing_trips(
            repo, trips, _references(sections, "trips", "programme"), conn=None
        ),
        event_keys=frozenset(known_events),
        roadmap_numbers=await RoadmapRepo(db).numbers(),
    )


def _listed(sections: Sections, section: str, name: str) -> set[str]:
    """Keys named in a list field (a roadmap item's trips and events)."""
    keys: set[str] = set()
    for record in sections.get(section, []):
        value = record.values.get(name)
        values = value if isinstance(value, list) else re.split(r"[,;]", str(value or ""))
        keys |= {text for item in values if (text := key_text(item)) is not None}
    return keys


async def _existing_trips(
    repo: ImportRepo,
    trip_keys: Iterable[str],
    programme_keys: Iterable[str],
    *,
    conn: Writer | None,
) -> _Existing:
    states = await repo.trip_states(trip_keys, conn=conn)
    stored = {}
    for key, state in states.items():
        if state.status not in EDITABLE:
            found = await repo.stored_trip(trip_id=state.id, conn=conn)
            if found is not None:
                stored[key] = found
    programme_ids = await repo.programme_ids(programme_keys, conn=conn)
    return _Existing(states, stored, programme_ids)


def _check(sections: Sections, ctx: _Context, issues: list[Issue]) -> _Plan:
    """Every record of every section, problems in the order of the file."""
    plan = _Plan([], [], [])
    first: dict[str, Record] = {}
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
    first = {}
    numbers: dict[int, Record] = {}
    for record in sections.get("roadmap", []):
        _duplicate(record, first, issues)
        if (item := _roadmap_item(record, issues, ctx, numbers)) is not None:
            plan.roadmap.append(item)
    return plan


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


async def _recheck(
    conn: Writer, imports: ImportRepo, trips: list[_PlannedTrip]
) -> tuple[list[_PlannedTrip], _Existing]:
    """The trips' rules again, inside the write transaction: the state they were checked
    against may have changed since (a registration, a status changed in the bot)."""
    existing = await _existing_trips(
        imports, {t.key for t in trips}, {t.programme for t in trips}, conn=conn
    )
    issues: list[Issue] = []
    checked = []
    for item in trips:
        status = _status(item.given_status, existing.states.get(item.key))
        now_item = replace(item, trip=replace(item.trip, status=status))
        issues += _existing_trip_issues(
            item.record,
            existing,
            item.key,
            status=status,
            capacity=item.trip.capacity,
            planned=now_item,
        )
        checked.append(now_item)
    if issues:
        raise ImportRejected(issues)  # rolls the transaction back: nothing is written
    return checked, existing


async def _write(
    db: Database,
    plan: _Plan,
    *,
    actor: int | None,
    now: datetime,
    services: ImportServices,
) -> ImportSummary:
    trips, events, imports = TripRepo(db), EventRepo(db), ImportRepo(db)
    programme_refs = {p.key for p in plan.programmes} | {t.programme for t in plan.trips}
    programme_refs |= {e.programme for e in plan.events if e.programme}
    trip_refs = {t.key for t in plan.trips} | {e.trip for e in plan.events if e.trip}
    async with db.transaction() as conn:
        planned_trips, existing = await _recheck(conn, imports, plan.trips)
        programme_ids = await imports.programme_ids(programme_refs, conn=conn)
        created = updated = 0
        for item in plan.programmes:
            existing_id = programme_ids.get(item.key)
            programme_ids[item.key] = await trips.save_programme(
                conn, programme=item.programme, actor=actor, programme_id=existing_id
            )
            created, updated = (created, updated + 1) if existing_id else (created + 1, updated)
        programme_counts = Counts(created, updated)

        trip_ids = await imports.trip_ids(trip_refs, conn=conn)
        created = updated = 0
        promotions: list[Promotion] = []
        for trip_item in planned_trips:
            state = existing.states.get(trip_item.key)
            if state is not None and state.status not in EDITABLE:
                continue  # history, unchanged (_recheck refused any change)
            existing_id = trip_ids.get(trip_item.key)
            trip = replace(trip_item.trip, programme_id=programme_ids[trip_item.programme])
            trip_id = await trips.save(conn, trip=trip, actor=actor, trip_id=existing_id)
            trip_ids[trip_item.key] = trip_id
            if trip_item.organisers is not None:
                await imports.set_trip_organisers(
                    conn, trip_id=trip_id, tg_ids=trip_item.organisers
                )
            if existing_id:
                updated += 1
                # More seats, or seats freed otherwise: the waiting list moves up in this
                # transaction, before anybody registering now could take a seat.
                promotions += await services.registration.promote_in(
                    conn, trip_id=trip_id, now=now
                )
            else:
                created += 1
        trip_counts = Counts(created, updated)

        event_ids = await imports.event_ids([e.key for e in plan.events], conn=conn)
        created = updated = 0
        changes: list[EventChange] = []
        for event_item in plan.events:
            existing_id = event_ids.get(event_item.key)
            event = replace(
                event_item.event,
                programme_id=programme_ids[event_item.programme] if event_item.programme else None,
                trip_id=trip_ids[event_item.trip] if event_item.trip else None,
            )
            before = await events.get(event_id=existing_id, conn=conn) if existing_id else None
            event_id = await events.save(conn, event=event, actor=actor, event_id=existing_id)
            created, updated = (created, updated + 1) if existing_id else (created + 1, updated)
            after = await events.get(event_id=event_id, conn=conn)
            if before is not None and after is not None:
                # Moved or cancelled: its subscribers are told in this transaction.
                change = await services.event_notices.announce_in(conn, events, after, before)
                if change.moved or change.cancelled:
                    changes.append(change)
        event_counts = Counts(created, updated)
        roadmap_counts, roadmap_changes = await _write_roadmap(
            db, conn, plan.roadmap, trip_ids, actor=actor, now=now
        )
        await audit.record(
            conn,
            actor=actor,
            action=Action.IMPORT,
            kind=ObjectKind.IMPORT,
            diff={
                f"{name}_{how}": count
                for name, counts in (
                    ("programmes", programme_counts),
                    ("trips", trip_counts),
                    ("events", event_counts),
                    ("roadmap", roadmap_counts),
                )
                for how, count in (("created", counts.created), ("updated", counts.updated))
                if count
            },
        )
    return ImportSummary(
        programme_counts,
        trip_counts,
        event_counts,
        tuple(promotions),
        tuple(changes),
        roadmap_counts,
        tuple(roadmap_changes),
    )


async def _write_roadmap(
    db: Database,
    conn: Writer,
    items: list[_PlannedItem],
    trip_ids: Mapping[str, int],
    *,
    actor: int | None,
    now: datetime,
) -> tuple[Counts, list[int]]:
    """Roadmap items after trips and events (they link to them). A status the file
    changes is kept in the item's history and the audit log, as a change in the bot is."""
    if not items:
        return Counts(), []
    repo, imports = RoadmapRepo(db), ImportRepo(db)
    existing = await repo.ids_by_key([i.key for i in items], conn=conn)
    wanted_trips = {key for i in items for key in i.trips or ()} - set(trip_ids)
    trip_ids = {**trip_ids, **await imports.trip_ids(wanted_trips, conn=conn)}
    event_ids = await imports.event_ids({k for i in items for k in i.events or ()}, conn=conn)
    created = updated = 0
    changes: list[int] = []
    for planned in items:
        item_id = existing.get(planned.key)
        stored = await repo.get(item_id=item_id, conn=conn) if item_id else None
        item = planned.item
        if stored is not None:
            item = replace(
                item,
                notes=stored.notes if planned.notes is None else planned.notes,
                all_telebridges=stored.all_telebridges
                if planned.all_telebridges is None
                else planned.all_telebridges,
            )
        item_id = await repo.save(conn, item=item, item_id=item_id)
        if stored is None:
            created += 1
        else:
            updated += 1
            if planned.given_status and planned.given_status != stored.status:
                history_id = await repo.set_status(
                    conn,
                    item_id=item_id,
                    old=stored.status,
                    new=planned.given_status,
                    actor=actor,
                    now=now,
                )
                if history_id is not None:
                    changes.append(history_id)
                    await audit.record(
                        conn,
                        actor=actor,
                        action=Action.STATUS,
                        kind=OBJECT_KIND,
                        object_id=item_id,
                        diff={"status": [stored.status, planned.given_status]},
                    )
        if planned.trips is not None:
            await repo.replace_links(
                conn,
                item_id=item_id,
                kind=LinkKind.TRIP,
                target_ids=[trip_ids[key] for key in planned.trips],
            )
        if planned.events is not None:
            await repo.replace_links(
                conn,
                item_id=item_id,
                kind=LinkKind.EVENT,
                target_ids=[event_ids[key] for key in planned.events],
            )
    return Counts(created, updated), changes


# ---------------------------------------------------------------------------------------------
# The entry points
# ---------------------------------------------------------------------------------------------


async def _import_sections(
    db: Database,
    sections: Sections,
    issues: list[Issue],
    *,
    actor: int | None,
    now: datetime,
    services: ImportServices,
) -> ImportSummary:
    if not issues and not any(sections.get(section) for section in SECTIONS):
        issues.append(Issue(Where(), "import-error-empty"))
    if issues and not sections:
        raise ImportRejected(issues)
    # Everything is checked even after the first problem, so the person sees them all.
    plan = _check(sections, await _context(db, sections, now), issues)
    if issues:
        raise ImportRejected(issues)
    return await _write(db, plan, actor=actor, now=now, services=services)


def size_issue(size: int) -> Issue:
    return Issue(
        Where(), "import-error-too-big", {"size": megabytes(size), "limit": MAX_FILE_BYTES // MB}
    )


async def import_file(
    db: Database,
    data: bytes,
    *,
    file_name: str,
    actor: int | None,
    now: datetime,
    services: ImportServices,
    reader: ImportReader | None = None,
) -> ImportSummary:
    """Check a whole file and write it in one transaction, or raise ImportRejected.

    The file is parsed by `reader` in a child process with limits on time and memory
    (bot/importer/sandbox.py); the event loop is free meanwhile.
    People the update moves from a waiting list to a seat, and subscribers of events it
    moves or cancels, are told in that same transaction (`services`).
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([size_issue(len(data))])
    file_format = detect_format(file_name)
    if file_format is None:
        raise ImportRejected([Issue(Where(), "import-error-format")])
    sections, issues = await (reader or ImportReader()).read(data, file_format)
    return await _import_sections(db, sections, issues, actor=actor, now=now, services=services)


async def import_document(
    db: Database,
    document: Any,
    *,
    actor: int | None,
    now: datetime,
    services: ImportServices,
) -> ImportSummary:
    """The same for a YAML document already loaded (the demo data)."""
    issues: list[Issue] = []
    sections = records_from_document(document, issues)
    return await _import_sections(db, sections, issues, actor=actor, now=now, services=services)


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
            ("roadmap", summary.roadmap),
        )
    ]


def success_report(t: Translator, summary: ImportSummary, *, name: str, promoted: int) -> str:
    lines = [t("import-done", name=name), *summary_lines(t, summary)]
    if promoted:
        lines.append(t("import-promoted", count=promoted))
    return "\n".join(lines)
