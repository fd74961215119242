"""The trip form: programme → title → from → to → start → end → deadline → capacity →
approval → questions → description → status → preview → saved.

Editing a saved trip starts at the preview, which has a button per field: the field's
step is asked with the same checks, then the preview comes back. Dates are typed in
the organiser's city time and kept in the form as UTC ISO strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.ids import parse_id
from bot.core.roles import Access, Person
from bot.core.timefmt import to_db_time, utc_now
from bot.trips.admin import (
    EDITABLE,
    QUESTIONS_MAX,
    check_capacity,
    check_deadline,
    check_end,
    check_start,
    clean_description,
    clean_question_label,
    clean_title,
    next_question_key,
    parse_kind,
    parse_new_status,
    parse_options,
)
from bot.trips.capability import Trips
from bot.trips.catalogue import (
    NewTrip,
    Question,
    Trip,
    TripStatus,
    parse_capacity,
    parse_local_datetime,
)
from bot.trips.questions import QuestionKind
from handlers.kit.filters import Has
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, alert, send_new, show, show_error, zone_of
from handlers.trips.admin_keyboards import (
    NO,
    YES,
    DropQuestionCb,
    FieldCb,
    FormAction,
    FormCb,
    PickCb,
    TripField,
    no_programmes_keyboard,
    saved_keyboard,
)
from handlers.trips.admin_states import QUESTION_STEPS, TRIP_STEPS, TripForm
from handlers.trips.admin_views import FIELD_STEPS, TripFormView, has_value
from handlers.trips.callbacks import TripAction, TripCb

_BUTTON_STEPS = (
    TripForm.programme,
    TripForm.from_city,
    TripForm.to_city,
    TripForm.approval,
    TripForm.minors,
    TripForm.questions,
    TripForm.q_kind,
    TripForm.q_required,
    TripForm.status,
    TripForm.preview,
)
_TEXT_STEPS = (
    TripForm.title,
    TripForm.starts,
    TripForm.ends,
    TripForm.deadline,
    TripForm.capacity,
    TripForm.q_label,
    TripForm.q_options,
    TripForm.description,
)


async def _place(
    person: Person, t: Translator, cities: Cities, settings: Settings
) -> tuple[str, str]:
    """The organiser's time zone and the name of their city, for typing dates."""
    zone = await zone_of(person, cities, settings)
    city = await cities.get(city_id=person.city_id) if person.city_id else None
    return zone, city.name(t.language) if city else zone


async def _trip_step(
    target: Target,
    state: FSMContext,
    step: State,
    t: Translator,
    trips: Trips,
    cities: Cities,
    *,
    new: bool = False,
    note: str | None = None,
) -> None:
    await state.set_state(step)
    view = TripFormView(
        t=t,
        form=await state.get_data(),
        programmes={p.id: p for p in await trips.repo.list_programmes()},
        cities={city.id: city for city in await cities.list()},
    )
    text, markup = view.screen(step)
    if note:
        text = f"{note}\n\n{text}"
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


def _first_gap(form: dict[str, Any]) -> tuple[State, str | None]:
    """Where a form that returns to the preview must stop: a missing or clashing value."""
    for step in TRIP_STEPS:
        if not has_value(form, step):
            return step, None
    if form["to_city_id"] == form["from_city_id"]:
        return TripForm.to_city, "trip-error-same-city"
    starts = datetime.fromisoformat(form["starts_at"])
    if datetime.fromisoformat(form["ends_at"]) < starts:
        return TripForm.ends, "trip-error-end-before-start"
    if datetime.fromisoformat(form["deadline"]) >= starts:
        return TripForm.deadline, "trip-error-deadline"
    return TripForm.preview, None


async def _trip_advance(
    target: Target,
    state: FSMContext,
    current: State,
    t: Translator,
    trips: Trips,
    cities: Cities,
    *,
    new: bool = False,
) -> None:
    form = await state.get_data()
    note = None
    if form.get("ret"):
        step, note = _first_gap(form)
    else:
        index = TRIP_STEPS.index(current)
        step = TRIP_STEPS[index + 1] if index + 1 < len(TRIP_STEPS) else TripForm.preview
    await _trip_step(
        target, state, step, t, trips, cities, new=new, note=t(note) if note else None
    )


def _current_step(name: str | None) -> State:
    for step in (*TRIP_STEPS, *QUESTION_STEPS, TripForm.preview):
        if step.state == name:
            return step
    raise LookupError(name)


def _form_from_trip(trip: Trip, questions: list[Question], zone: str, city: str) -> dict[str, Any]:
    return {
        "tid": trip.id,
        "ret": True,
        "zone": zone,
        "zone_city": city,
        "programme_id": trip.programme_id,
        "title": trip.title,
        "from_city_id": trip.from_city_id,
        "to_city_id": trip.to_city_id,
        "starts_at": to_db_time(trip.starts_at),
        "ends_at": to_db_time(trip.ends_at),
        "deadline": to_db_time(trip.registration_deadline),
        "capacity": trip.capacity,
        "needs_approval": trip.needs_approval,
        "for_minors": trip.for_minors,
        "questions": [
            {
                "key": q.key,
                "kind": q.kind,
                "label": q.label,
                "required": q.required,
                "options": list(q.options),
            }
            for q in questions
        ],
        "questions_done": True,
        "description": trip.description,
        "status": trip.status,
    }


def _trip_from_form(form: dict[str, Any]) -> NewTrip:
    try:
        return NewTrip(
            programme_id=int(form["programme_id"]),
            title=str(form["title"]),
            from_city_id=int(form["from_city_id"]),
            to_city_id=int(form["to_city_id"]),
            starts_at=datetime.fromisoformat(form["starts_at"]),
            ends_at=datetime.fromisoformat(form["ends_at"]),
            registration_deadline=datetime.fromisoformat(form["deadline"]),
            capacity=int(form["capacity"]),
            needs_approval=bool(form["needs_approval"]),
            for_minors=bool(form.get("for_minors")),
            description=str(form.get("description") or ""),
            status=str(form.get("status") or TripStatus.DRAFT),
            questions=tuple(
                Question(
                    key=str(q["key"]),
                    kind=str(q["kind"]),
                    label=str(q["label"]),
                    required=bool(q["required"]),
                    options=tuple(q.get("options") or ()),
                )
                for q in form.get("questions") or ()
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError("org-error-form-incomplete") from exc


async def new_trip(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    if not await trips.repo.list_programmes():
        await state.clear()
        await show(callback, t("org-trip-no-programmes"), no_programmes_keyboard(t))
        return
    zone, city = await _place(person, t, cities, settings)
    await state.set_data(
        {"tid": None, "ret": False, "zone": zone, "zone_city": city, "questions": []}
    )
    await _trip_step(callback, state, TripForm.programme, t, trips, cities)


async def edit_trip(
    callback: CallbackQuery,
    callback_data: TripCb,
    state: FSMContext,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Изменить" (the preview with a button per field) or "Места" (capacity at once)."""
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    if trip.status not in EDITABLE:
        alert(callback_answer, t.popup("org-error-not-editable"))
        return
    zone, city = await _place(person, t, cities, settings)
    questions = await trips.repo.questions(trip_id=trip.id)
    await state.set_data(_form_from_trip(trip, questions, zone, city))
    step = TripForm.capacity if callback_data.action is TripAction.CAPACITY else TripForm.preview
    await _trip_step(callback, state, step, t, trips, cities, new=True)


async def trip_programme(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    value = callback_data.value
    programme_id = parse_id(value)
    programme = (
        await trips.repo.get_programme(programme_id=programme_id)
        if programme_id is not None
        else None
    )
    if programme is None:
        alert(callback_answer, t.popup("org-error-programme-not-found"))
        return
    await state.update_data(programme_id=programme.id)
    await _trip_advance(callback, state, TripForm.programme, t, trips, cities)


async def trip_title(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    try:
        title = clean_title(message.text)
    except UserError as error:
        await _ask_again(message, state, t, trips, cities, t(error.key, **error.args_))
        return
    await state.update_data(title=title)
    await _trip_advance(message, state, TripForm.title, t, trips, cities, new=True)


async def trip_city(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    value = callback_data.value
    city_id = parse_id(value)
    city = await cities.get(city_id=city_id) if city_id is not None else None
    if city is None:
        alert(callback_answer, t.popup("error-stale-button"))
        return
    current = _current_step(await state.get_state())
    if current == TripForm.to_city:
        if city.id == (await state.get_data()).get("from_city_id"):
            alert(callback_answer, t.popup("trip-error-same-city"))
            return
        await state.update_data(to_city_id=city.id)
    else:
        await state.update_data(from_city_id=city.id)
    await _trip_advance(callback, state, current, t, trips, cities)


async def trip_date(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    """Start, end or registration deadline, typed in the organiser's city time."""
    current = _current_step(await state.get_state())
    form = await state.get_data()
    starts = datetime.fromisoformat(form["starts_at"]) if form.get("starts_at") else None
    now = utc_now()
    try:
        # A bare end or deadline date means the end of that day, a bare start its beginning.
        moment = parse_local_datetime(
            message.text, form["zone"], end_of_day=current != TripForm.starts
        )
        if current == TripForm.starts:
            check_start(moment, now)
        elif current == TripForm.ends:
            check_end(starts, moment)
        else:
            check_deadline(starts, moment, now)
    except UserError as error:
        await _ask_again(message, state, t, trips, cities, t(error.key, **error.args_))
        return
    key = {TripForm.starts.state: "starts_at", TripForm.ends.state: "ends_at"}.get(
        current.state or "", "deadline"
    )
    await state.update_data({key: to_db_time(moment)})
    await _trip_advance(message, state, current, t, trips, cities, new=True)


async def trip_capacity(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    form = await state.get_data()
    try:
        capacity = parse_capacity(message.text)
        if form.get("tid") is not None:
            item = await trips.repo.get_item(trip_id=int(form["tid"]))
            check_capacity(capacity, item.taken if item else 0)
    except UserError as error:
        await _ask_again(message, state, t, trips, cities, t(error.key, **error.args_))
        return
    await state.update_data(capacity=capacity)
    await _trip_advance(message, state, TripForm.capacity, t, trips, cities, new=True)


async def trip_yes_no(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    """Whether each registration is approved, and whether the trip is for minors."""
    if callback_data.value not in (YES, NO):
        alert(callback_answer, t.popup("error-stale-button"))
        return
    current = _current_step(await state.get_state())
    key = "for_minors" if current == TripForm.minors else "needs_approval"
    await state.update_data({key: callback_data.value == YES})
    await _trip_advance(callback, state, current, t, trips, cities)


async def trip_questions_done(
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    await state.update_data(questions_done=True)
    await _trip_advance(callback, state, TripForm.questions, t, trips, cities)


async def trip_add_question(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    if len((await state.get_data()).get("questions") or ()) >= QUESTIONS_MAX:
        alert(callback_answer, t.popup("org-error-questions-max", limit=QUESTIONS_MAX))
        return
    await state.update_data(question={})
    await _trip_step(callback, state, TripForm.q_kind, t, trips, cities)


async def trip_drop_question(
    callback: CallbackQuery,
    callback_data: DropQuestionCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
) -> None:
    questions = list((await state.get_data()).get("questions") or ())
    if 0 <= callback_data.index < len(questions):
        questions.pop(callback_data.index)
    await state.update_data(questions=questions)
    await _trip_step(callback, state, TripForm.questions, t, trips, cities)


async def question_kind(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        kind = parse_kind(callback_data.value)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.update_data(question={"kind": kind.value})
    await _trip_step(callback, state, TripForm.q_label, t, trips, cities)


async def question_label(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    try:
        label = clean_question_label(message.text)
    except UserError as error:
        await _ask_again(message, state, t, trips, cities, t(error.key, **error.args_))
        return
    question = {**(await state.get_data()).get("question", {}), "label": label}
    await state.update_data(question=question)
    step = (
        TripForm.q_options if question.get("kind") == QuestionKind.CHOICE else TripForm.q_required
    )
    await _trip_step(message, state, step, t, trips, cities, new=True)


async def question_options(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    try:
        options = parse_options(message.text)
    except UserError as error:
        await _ask_again(message, state, t, trips, cities, t(error.key, **error.args_))
        return
    question = {**(await state.get_data()).get("question", {}), "options": list(options)}
    await state.update_data(question=question)
    await _trip_step(message, state, TripForm.q_required, t, trips, cities, new=True)


async def question_required(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    form = await state.get_data()
    draft = form.get("question") or {}
    if callback_data.value not in (YES, NO) or not draft.get("kind") or not draft.get("label"):
        alert(callback_answer, t.popup("error-stale-button"))
        return
    questions = list(form.get("questions") or ())
    questions.append(
        {
            "key": next_question_key(q["key"] for q in questions),
            "kind": draft["kind"],
            "label": draft["label"],
            "required": callback_data.value == YES,
            "options": draft.get("options") or [],
        }
    )
    await state.update_data(questions=questions, question=None)
    await _trip_step(callback, state, TripForm.questions, t, trips, cities)


async def trip_description(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    try:
        description = clean_description(message.text)
    except UserError as error:
        await _ask_again(message, state, t, trips, cities, t(error.key, **error.args_))
        return
    await state.update_data(description=description)
    await _trip_advance(message, state, TripForm.description, t, trips, cities, new=True)


async def trip_no_description(
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    await state.update_data(description="")
    await _trip_advance(callback, state, TripForm.description, t, trips, cities)


async def trip_status(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        status = parse_new_status(callback_data.value)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    if (await state.get_data()).get("tid") is not None:
        # A saved trip changes status by "Статус", with its own confirmation.
        alert(callback_answer, t.popup("error-stale-button"))
        return
    await state.update_data(status=status.value)
    await _trip_advance(callback, state, TripForm.status, t, trips, cities)


async def trip_field(
    callback: CallbackQuery,
    callback_data: FieldCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    callback_answer: CallbackAnswer,
) -> None:
    """A field button under the preview: change that one value, then come back."""
    form = await state.get_data()
    if callback_data.field is TripField.STATUS and form.get("tid") is not None:
        alert(callback_answer, t.popup("error-stale-button"))
        return
    await state.update_data(ret=True)
    await _trip_step(callback, state, FIELD_STEPS[callback_data.field], t, trips, cities)


async def trip_keep(
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    current = _current_step(await state.get_state())
    if current not in TRIP_STEPS or not has_value(await state.get_data(), current):
        await _trip_step(callback, state, current, t, trips, cities)
        return
    await _trip_advance(callback, state, current, t, trips, cities)


async def trip_back(
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    current = _current_step(await state.get_state())
    form = await state.get_data()
    if current == TripForm.q_kind:
        step = TripForm.questions
    elif current == TripForm.q_label:
        step = TripForm.q_kind
    elif current == TripForm.q_options:
        step = TripForm.q_label
    elif current == TripForm.q_required:
        is_choice = (form.get("question") or {}).get("kind") == QuestionKind.CHOICE
        step = TripForm.q_options if is_choice else TripForm.q_label
    elif current == TripForm.preview:
        # An existing trip's edit starts at the preview: nothing lies behind it.
        step = TripForm.preview if form.get("tid") is not None else TRIP_STEPS[-1]
    elif form.get("ret"):
        step = TripForm.preview
    else:
        step = TRIP_STEPS[max(TRIP_STEPS.index(current) - 1, 0)]
    await _trip_step(callback, state, step, t, trips, cities)


async def trip_save(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    access: Access,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    form = await state.get_data()
    now = utc_now()
    try:
        trip = _trip_from_form(form)
        if form.get("tid") is None:
            saved = await trips.admin.create_trip(
                actor_id=callback.from_user.id, actor_access=access, trip=trip, now=now
            )
        else:
            saved = await trips.admin.update_trip(
                actor_id=callback.from_user.id,
                actor_access=access,
                trip_id=int(form["tid"]),
                trip=trip,
                now=now,
            )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.clear()
    key = "org-trip-created" if saved.created else "org-trip-updated"
    await show(callback, t(key, title=trip.title), saved_keyboard(t, saved.trip_id))


async def trip_cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    trip_id = (await state.get_data()).get("tid")
    await state.clear()
    # Leaving the edit of a saved trip offers its card again.
    markup = saved_keyboard(t, int(trip_id) if trip_id is not None else None)
    await show(callback, t("org-form-cancelled"), markup)


async def _ask_again(
    message: Message,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    cities: Cities,
    explanation: str,
) -> None:
    """A wrong answer: say why, then the step's question again with its buttons."""
    step = _current_step(await state.get_state())
    await explain_and_ask_again(
        message,
        explanation,
        lambda: _trip_step(message, state, step, t, trips, cities, new=True),
    )


async def expect_text(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    """A photo, sticker or file where a typed answer is expected."""
    await _ask_again(message, state, t, trips, cities, t("error-text-expected"))


async def expect_button(
    message: Message, state: FSMContext, t: Translator, trips: Trips, cities: Cities
) -> None:
    """Typed text where a choice is expected: say so and show the choice again."""
    await _ask_again(message, state, t, trips, cities, t("error-choice"))


def register(router: Router) -> None:
    cb, msg, form = router.callback_query.register, router.message.register, FormCb.filter
    cb(new_trip, PanelCb.filter(F.action == PanelAction.NEW_TRIP))
    cb(edit_trip, TripCb.filter(F.action.in_({TripAction.EDIT, TripAction.CAPACITY})))
    cb(trip_programme, StateFilter(TripForm.programme), PickCb.filter())
    msg(trip_title, StateFilter(TripForm.title), Has(F.text))
    cb(trip_city, StateFilter(TripForm.from_city, TripForm.to_city), PickCb.filter())
    msg(trip_date, StateFilter(TripForm.starts, TripForm.ends, TripForm.deadline), Has(F.text))
    msg(trip_capacity, StateFilter(TripForm.capacity), Has(F.text))
    cb(trip_yes_no, StateFilter(TripForm.approval, TripForm.minors), PickCb.filter())
    cb(trip_add_question, StateFilter(TripForm.questions), form(F.action == FormAction.ADD))
    cb(trip_drop_question, StateFilter(TripForm.questions), DropQuestionCb.filter())
    cb(trip_questions_done, StateFilter(TripForm.questions), form(F.action == FormAction.DONE))
    cb(question_kind, StateFilter(TripForm.q_kind), PickCb.filter())
    msg(question_label, StateFilter(TripForm.q_label), Has(F.text))
    msg(question_options, StateFilter(TripForm.q_options), Has(F.text))
    cb(question_required, StateFilter(TripForm.q_required), PickCb.filter())
    msg(trip_description, StateFilter(TripForm.description), Has(F.text))
    cb(trip_no_description, StateFilter(TripForm.description), form(F.action == FormAction.SKIP))
    cb(trip_status, StateFilter(TripForm.status), PickCb.filter())
    cb(trip_field, StateFilter(TripForm.preview), FieldCb.filter())
    cb(trip_keep, StateFilter(TripForm), form(F.action == FormAction.KEEP))
    cb(trip_back, StateFilter(TripForm), form(F.action == FormAction.BACK))
    cb(trip_save, StateFilter(TripForm.preview), form(F.action == FormAction.SAVE))
    cb(trip_cancel, StateFilter(TripForm), form(F.action == FormAction.CANCEL))
    msg(expect_text, StateFilter(*_TEXT_STEPS))
    msg(expect_button, StateFilter(*_BUTTON_STEPS))
