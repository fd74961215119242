"""The trip form: programme → title → from → to → start → end → deadline → capacity →
approval → questions → description → status → preview → saved.

Editing a saved trip starts at the preview, which has a button per field: the field's
step is asked with the same checks, then the preview comes back. Dates are typed in
the organiser's city time and kept in the form as UTC ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.render import alert, show, show_error, zone_of
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
from handlers.trips.admin_states import TRIP_STEPS, TripForm
from handlers.trips.admin_views import FIELD_STEPS, TRIP_STEP_VALUES, TripFormView, has_value
from handlers.trips.callbacks import TripAction, TripCb


async def _place(
    person: Person, t: Translator, cities: Cities, settings: Settings
) -> tuple[str, str]:
    """The organiser's time zone and the name of their city, for typing dates."""
    zone = await zone_of(person, cities, settings)
    city = await cities.get(city_id=person.city_id) if person.city_id else None
    return zone, city.name(t.language) if city else zone


_TYPED = (
    TripForm.title,
    TripForm.starts,
    TripForm.ends,
    TripForm.deadline,
    TripForm.capacity,
    TripForm.description,
)


@dataclass(frozen=True, slots=True)
class TripFormContext:
    """What the trip form's screens take (built once per update on the form's router)."""

    t: Translator
    trips: Trips
    cities: Cities


class TripFormSpec(FormSpec[TripFormContext]):
    def __init__(self) -> None:
        super().__init__(
            group=TripForm,
            steps=tuple(
                Step(
                    step,
                    TRIP_STEP_VALUES[step.state],
                    typed=step in _TYPED,
                    skippable=step == TripForm.description,
                )
                for step in TRIP_STEPS
            ),
            # One question being added, from the questions step.
            side_steps=(
                Step(TripForm.q_kind),
                Step(TripForm.q_label, typed=True),
                Step(TripForm.q_options, typed=True),
                Step(TripForm.q_required),
            ),
            summary=TripForm.preview,
            saved_key="tid",
        )

    async def screen(self, ctx: TripFormContext, step: State, data: FormData) -> Screen:
        view = TripFormView(
            t=ctx.t,
            form=data,
            programmes={p.id: p for p in await ctx.trips.repo.list_programmes()},
            cities={city.id: city for city in await ctx.cities.list()},
        )
        return view.screen(step)

    async def cancelled(self, ctx: TripFormContext, data: FormData) -> Screen:
        # Leaving the edit of a saved trip offers its card again.
        trip_id = data.get("tid")
        return ctx.t("org-form-cancelled"), saved_keyboard(
            ctx.t, int(trip_id) if trip_id is not None else None
        )

    def has(self, data: FormData, step: Step) -> bool:
        return has_value(data, step.state)

    def clash(self, data: FormData) -> tuple[State, str] | None:
        if data["to_city_id"] == data["from_city_id"]:
            return TripForm.to_city, "trip-error-same-city"
        starts = datetime.fromisoformat(data["starts_at"])
        if datetime.fromisoformat(data["ends_at"]) < starts:
            return TripForm.ends, "trip-error-end-before-start"
        if datetime.fromisoformat(data["deadline"]) >= starts:
            return TripForm.deadline, "trip-error-deadline"
        return None

    def back_from_side(self, data: FormData, step: State) -> State:
        if step == TripForm.q_required:
            is_choice = (data.get("question") or {}).get("kind") == QuestionKind.CHOICE
            return TripForm.q_options if is_choice else TripForm.q_label
        return {
            TripForm.q_kind.state: TripForm.questions,
            TripForm.q_label.state: TripForm.q_kind,
            TripForm.q_options.state: TripForm.q_label,
        }[step.state]


FORM = Form(TripFormSpec())


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
    person: Person,
    form_context: TripFormContext,
    settings: Settings,
) -> None:
    t, trips, cities = form_context.t, form_context.trips, form_context.cities
    if not await trips.repo.list_programmes():
        await state.clear()
        await show(callback, t("org-trip-no-programmes"), no_programmes_keyboard(t))
        return
    zone, city = await _place(person, t, cities, settings)
    await state.set_data(
        {"tid": None, "ret": False, "zone": zone, "zone_city": city, "questions": []}
    )
    await FORM.show(callback, state, form_context, TripForm.programme)


async def edit_trip(
    callback: CallbackQuery,
    callback_data: TripCb,
    state: FSMContext,
    person: Person,
    form_context: TripFormContext,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Изменить" (the preview with a button per field) or "Места" (capacity at once)."""
    t, trips, cities = form_context.t, form_context.trips, form_context.cities
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
    await FORM.show(callback, state, form_context, step, new=True)


async def trip_programme(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    t, trips = form_context.t, form_context.trips
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
    await FORM.answered(
        callback, state, form_context, TripForm.programme, {"programme_id": programme.id}
    )


async def trip_title(message: Message, state: FSMContext, form_context: TripFormContext) -> None:
    t = form_context.t
    try:
        title = clean_title(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await FORM.answered(message, state, form_context, TripForm.title, {"title": title})


async def trip_city(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    t, cities = form_context.t, form_context.cities
    value = callback_data.value
    city_id = parse_id(value)
    city = await cities.get(city_id=city_id) if city_id is not None else None
    if city is None:
        alert(callback_answer, t.popup("error-stale-button"))
        return
    current = FORM.step(await state.get_state())
    if current == TripForm.to_city:
        if city.id == (await state.get_data()).get("from_city_id"):
            alert(callback_answer, t.popup("trip-error-same-city"))
            return
        values = {"to_city_id": city.id}
    else:
        values = {"from_city_id": city.id}
    await FORM.answered(callback, state, form_context, current, values)


async def trip_date(message: Message, state: FSMContext, form_context: TripFormContext) -> None:
    """Start, end or registration deadline, typed in the organiser's city time."""
    t = form_context.t
    current = FORM.step(await state.get_state())
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
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    key = {TripForm.starts.state: "starts_at", TripForm.ends.state: "ends_at"}.get(
        current.state or "", "deadline"
    )
    await FORM.answered(message, state, form_context, current, {key: to_db_time(moment)})


async def trip_capacity(
    message: Message, state: FSMContext, form_context: TripFormContext
) -> None:
    t, trips = form_context.t, form_context.trips
    form = await state.get_data()
    try:
        capacity = parse_capacity(message.text)
        if form.get("tid") is not None:
            item = await trips.repo.get_item(trip_id=int(form["tid"]))
            check_capacity(capacity, item.taken if item else 0)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await FORM.answered(message, state, form_context, TripForm.capacity, {"capacity": capacity})


async def trip_yes_no(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Whether each registration is approved, and whether the trip is for minors."""
    t = form_context.t
    if callback_data.value not in (YES, NO):
        alert(callback_answer, t.popup("error-stale-button"))
        return
    current = FORM.step(await state.get_state())
    key = "for_minors" if current == TripForm.minors else "needs_approval"
    await FORM.answered(callback, state, form_context, current, {key: callback_data.value == YES})


async def trip_questions_done(
    callback: CallbackQuery, state: FSMContext, form_context: TripFormContext
) -> None:
    await FORM.answered(
        callback, state, form_context, TripForm.questions, {"questions_done": True}
    )


async def trip_add_question(
    callback: CallbackQuery,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    t = form_context.t
    if len((await state.get_data()).get("questions") or ()) >= QUESTIONS_MAX:
        alert(callback_answer, t.popup("org-error-questions-max", limit=QUESTIONS_MAX))
        return
    await state.update_data(question={})
    await FORM.show(callback, state, form_context, TripForm.q_kind)


async def trip_drop_question(
    callback: CallbackQuery,
    callback_data: DropQuestionCb,
    state: FSMContext,
    form_context: TripFormContext,
) -> None:
    questions = list((await state.get_data()).get("questions") or ())
    if 0 <= callback_data.index < len(questions):
        questions.pop(callback_data.index)
    await state.update_data(questions=questions)
    await FORM.show(callback, state, form_context, TripForm.questions)


async def question_kind(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    t = form_context.t
    try:
        kind = parse_kind(callback_data.value)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.update_data(question={"kind": kind.value})
    await FORM.show(callback, state, form_context, TripForm.q_label)


async def question_label(
    message: Message, state: FSMContext, form_context: TripFormContext
) -> None:
    t = form_context.t
    try:
        label = clean_question_label(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    question = {**(await state.get_data()).get("question", {}), "label": label}
    await state.update_data(question=question)
    step = (
        TripForm.q_options if question.get("kind") == QuestionKind.CHOICE else TripForm.q_required
    )
    await FORM.show(message, state, form_context, step, new=True)


async def question_options(
    message: Message, state: FSMContext, form_context: TripFormContext
) -> None:
    t = form_context.t
    try:
        options = parse_options(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    question = {**(await state.get_data()).get("question", {}), "options": list(options)}
    await state.update_data(question=question)
    await FORM.show(message, state, form_context, TripForm.q_required, new=True)


async def question_required(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    t = form_context.t
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
    await FORM.show(callback, state, form_context, TripForm.questions)


async def trip_description(
    message: Message, state: FSMContext, form_context: TripFormContext
) -> None:
    t = form_context.t
    try:
        description = clean_description(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await FORM.answered(
        message, state, form_context, TripForm.description, {"description": description}
    )


async def trip_status(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    t = form_context.t
    try:
        status = parse_new_status(callback_data.value)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    if (await state.get_data()).get("tid") is not None:
        # A saved trip changes status by "Статус", with its own confirmation.
        alert(callback_answer, t.popup("error-stale-button"))
        return
    await FORM.answered(callback, state, form_context, TripForm.status, {"status": status.value})


async def trip_field(
    callback: CallbackQuery,
    callback_data: FieldCb,
    state: FSMContext,
    form_context: TripFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    """A field button under the preview: change that one value, then come back."""
    form = await state.get_data()
    if callback_data.field is TripField.STATUS and form.get("tid") is not None:
        alert(callback_answer, form_context.t.popup("error-stale-button"))
        return
    await FORM.change(callback, state, form_context, FIELD_STEPS[callback_data.field])


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


def create_router() -> Router:
    """The trip form, for the organisers' router to include."""
    router = FORM.router(__name__, TripFormContext)
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
    cb(trip_status, StateFilter(TripForm.status), PickCb.filter())
    cb(trip_field, StateFilter(TripForm.preview), FieldCb.filter())
    cb(trip_save, StateFilter(TripForm.preview), form(F.action == FormAction.SAVE))
    FORM.register(
        router,
        back=form(F.action == FormAction.BACK),
        cancel=form(F.action == FormAction.CANCEL),
        keep=form(F.action == FormAction.KEEP),
        skip=form(F.action == FormAction.SKIP),
    )
    return router
