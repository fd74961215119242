"""FSM forms of the organiser's tools: a programme, a trip, cancelling a trip."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ProgrammeForm(StatesGroup):
    direction = State()
    title = State()
    description = State()
    audience = State()
    preview = State()


class TripForm(StatesGroup):
    programme = State()
    title = State()
    from_city = State()
    to_city = State()
    starts = State()
    ends = State()
    deadline = State()
    capacity = State()
    approval = State()
    minors = State()
    questions = State()
    # One question being added: its kind, label, options (choice only), required.
    q_kind = State()
    q_label = State()
    q_options = State()
    q_required = State()
    description = State()
    status = State()
    preview = State()


class TripCancel(StatesGroup):
    reason = State()
    confirm = State()


# The trip form's main steps in order, for "Назад" and for walking forward.
TRIP_STEPS = (
    TripForm.programme,
    TripForm.title,
    TripForm.from_city,
    TripForm.to_city,
    TripForm.starts,
    TripForm.ends,
    TripForm.deadline,
    TripForm.capacity,
    TripForm.approval,
    TripForm.minors,
    TripForm.questions,
    TripForm.description,
    TripForm.status,
)
QUESTION_STEPS = (TripForm.q_kind, TripForm.q_label, TripForm.q_options, TripForm.q_required)
