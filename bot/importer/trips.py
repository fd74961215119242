"""The `trips` sheet (with `questions`): each record checked into a planned trip, and
the bot's rules for a trip that exists already (bot/trips/admin.py)."""

from __future__ import annotations

from typing import Any

from bot.core.errors import UserError
from bot.importer.fields import (
    LABEL_MAX,
    OPTION_MAX,
    OPTIONS_MAX,
    QUESTION_KEY,
    QUESTION_KEY_MAX,
    Fields,
    integer,
)
from bot.importer.files import (
    QUESTION_FIELDS,
    TRIP_FIELDS,
    Issue,
    Record,
    shown,
)
from bot.importer.plan import Context, Existing, PlannedTrip
from bot.trips.admin import CANCELLABLE, EDITABLE, next_statuses
from bot.trips.catalogue import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    DESCRIPTION_MAX,
    TITLE_MAX,
    TripStatus,
    check_trip,
)
from bot.trips.questions import QuestionKind
from storage.db import to_db_time
from storage.imports import TripState
from storage.trips import NewTrip, Question, Trip


def _question(record: Record, issues: list[Issue]) -> Question | None:
    f = Fields(record, issues, QUESTION_FIELDS)
    key = f.key(
        "key", pattern=QUESTION_KEY, limit=QUESTION_KEY_MAX, error="import-error-question-key"
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


def plan_trip(record: Record, issues: list[Issue], ctx: Context) -> PlannedTrip | None:
    f = Fields(record, issues, TRIP_FIELDS)
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
    status = planned_status(given_status, existing)
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
            planned = PlannedTrip(key, programme, trip, organisers, given_status, record)
    rules = existing_trip_issues(
        record, ctx.existing, key, status=status, capacity=capacity, planned=planned
    )
    issues.extend(rules)
    return None if rules else planned


def planned_status(given: str | None, existing: TripState | None) -> str:
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


def _unchanged(planned: PlannedTrip, existing: Existing) -> bool:
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


def existing_trip_issues(
    record: Record,
    existing: Existing,
    key: str | None,
    *,
    status: str,
    capacity: int | None,
    planned: PlannedTrip | None,
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


def _organisers(f: Fields) -> tuple[int, ...] | None:
    values = f.items("organisers", separators=",;")
    if values is None:
        return None
    ids: list[int] = []
    for value in values:
        number = integer(value)
        if number is None or number <= 0:
            f.fail("organisers", "import-error-telegram-id", value=shown(value))
        elif number not in ids:
            ids.append(number)
    return tuple(ids)


def _questions(record: Record, issues: list[Issue], f: Fields) -> list[Question] | None:
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
