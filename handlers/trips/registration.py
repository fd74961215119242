"""Registering for a trip (the trip's own questions), "Мои поездки", and organisers'
decisions on new registrations."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Html, Translator
from bot.core.roles import Access, Person
from bot.core.text import clean_text
from bot.core.timefmt import utc_now
from bot.people.profile import clean_name
from bot.trips.capability import Trips
from bot.trips.catalogue import Question, Trip, TripStatus, can_change_answers
from bot.trips.questions import NO, YES, QuestionKind, answer_text, parse_answer
from bot.trips.registration import ACTIVE, Guardian, Registration, RegStatus, holds_place
from handlers.kit.callbacks import MenuCb, MenuItem, Small
from handlers.kit.filters import Onboarded
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.keyboards import InlineKeyboard, trips_button, way_on_keyboard
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import (
    Target,
    alert,
    retire_buttons,
    send_new,
    shorten,
    show,
    show_error,
    zone_of,
)
from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb
from handlers.trips.views import local

logger = logging.getLogger(__name__)

REASON_MAX = 500
MY_TRIPS_LIMIT = 30


class RegistrationForm(StatesGroup):
    answering = State()
    summary = State()
    choosing = State()
    # A trip with minors: a parent's or guardian's name, then their confirmation.
    guardian_name = State()
    guardian_confirm = State()


class RejectForm(StatesGroup):
    reason = State()


class AnswerKind(StrEnum):
    OPTION = "opt"
    YES = "yes"
    NO = "no"
    SKIP = "skip"


class FormAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    CONFIRM = "ok"
    CHANGE = "change"
    PICK = "pick"
    NO_REASON = "noreason"
    GUARDIAN_SELF = "gself"  # "I am the parent or guardian"
    GUARDIAN_OK = "gok"


class AnswerCb(CallbackData, prefix="ra"):
    kind: AnswerKind
    value: Small = 0


class FormCb(CallbackData, prefix="rf"):
    action: FormAction
    index: Small = 0


# Rendering


def _nav_row(t: Translator) -> list[InlineKeyboardButton]:
    """ "Назад" and "Отмена" under every step of the form."""
    return [
        InlineKeyboardButton(
            text=t.button("btn-back"), callback_data=FormCb(action=FormAction.BACK).pack()
        ),
        InlineKeyboardButton(
            text=t.button("btn-cancel"), callback_data=FormCb(action=FormAction.CANCEL).pack()
        ),
    ]


def _question_keyboard(t: Translator, question: Question) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if question.kind == QuestionKind.CHOICE:
        for index, option in enumerate(question.options):
            builder.row(
                InlineKeyboardButton(
                    text=option,
                    callback_data=AnswerCb(kind=AnswerKind.OPTION, value=index).pack(),
                )
            )
    elif question.kind == QuestionKind.YES_NO:
        builder.row(
            InlineKeyboardButton(
                text=t.button("reg-yes"), callback_data=AnswerCb(kind=AnswerKind.YES).pack()
            ),
            InlineKeyboardButton(
                text=t.button("reg-no"), callback_data=AnswerCb(kind=AnswerKind.NO).pack()
            ),
        )
    if not question.required:
        builder.row(
            InlineKeyboardButton(
                text=t.button("reg-skip"), callback_data=AnswerCb(kind=AnswerKind.SKIP).pack()
            )
        )
    builder.row(*_nav_row(t))
    return builder.as_markup()


ANSWER_PREVIEW_MAX = 300  # per answer in a message; the export has them in full
ANSWERS_BLOCK_MAX = 3000  # leaves room in Telegram's 4096 for the rest of the message


def answers_block(t: Translator, questions: list[Question], answers: dict[str, str]) -> str:
    if not questions:
        return t("reg-no-questions")
    lines: list[str] = []
    size = 0
    for question in questions:
        answer = answer_text(t, question, answers.get(question.key))
        if len(answer) > ANSWER_PREVIEW_MAX:
            answer = answer[: ANSWER_PREVIEW_MAX - 1] + "…"
        line = t("reg-answer-line", question=question.label, answer=answer)
        if size + len(line) > ANSWERS_BLOCK_MAX:
            lines.append("…")
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def _question_screen(t: Translator, trip: Trip, questions: list[Question], index: int) -> Screen:
    question = questions[index]
    text = t(
        "reg-question",
        trip=trip.title,
        number=index + 1,
        total=len(questions),
        question=question.label,
        hint=Html(t(f"reg-hint-{question.kind}")),
        optional=Html(t("reg-optional") if not question.required else ""),
    )
    return text, _question_keyboard(t, question)


def _summary_screen(
    t: Translator,
    trip: Trip,
    questions: list[Question],
    answers: dict[str, str],
    *,
    editing: bool,
) -> Screen:
    builder = InlineKeyboard()
    builder.button(
        text=t.button("reg-save-answers" if editing else "reg-confirm"),
        callback_data=FormCb(action=FormAction.CONFIRM),
    )
    if questions:
        builder.button(text=t.button("reg-change"), callback_data=FormCb(action=FormAction.CHANGE))
    builder.button(text=t.button("btn-cancel"), callback_data=FormCb(action=FormAction.CANCEL))
    builder.adjust(1)
    text = t(
        "reg-summary",
        trip=trip.title,
        answers=Html(answers_block(t, questions, answers)),
    )
    return text, builder.as_markup()


# The form


async def _load(trips: Trips, trip_id: int) -> tuple[Trip, list[Question]]:
    trip = await trips.repo.get(trip_id=trip_id)
    if trip is None:
        raise UserError("trip-error-not-found")
    return trip, await trips.repo.questions(trip_id=trip_id)


@dataclass(frozen=True, slots=True)
class Registering:
    """The person registering and what the form's screens are drawn with (built once per
    update on the form's router)."""

    t: Translator
    person: Person
    trips: Trips
    # The trip and its questions, read once per update however many screens need them.
    loaded: dict[int, tuple[Trip, list[Question]]] = field(default_factory=dict)

    async def load(self, trip_id: int) -> tuple[Trip, list[Question]]:
        if trip_id not in self.loaded:
            self.loaded[trip_id] = await _load(self.trips, trip_id)
        return self.loaded[trip_id]


class RegistrationFormSpec(FormSpec[Registering]):
    """The trip's questions one by one → the summary (any answer can be changed) → for a
    trip with minors, a parent's or guardian's name and consent → submitted."""

    def __init__(self) -> None:
        super().__init__(
            group=RegistrationForm,
            steps=(Step(RegistrationForm.answering, "answers", typed=True, repeated=True),),
            side_steps=(
                Step(RegistrationForm.choosing),  # which answer to change
                Step(RegistrationForm.guardian_name, typed=True),
                Step(RegistrationForm.guardian_confirm),
            ),
            summary=RegistrationForm.summary,
            returning_key="back_to_summary",
            # The summary has no "Назад": an answer is changed with "Изменить ответ". A
            # "Назад" of an older question message pressed there keeps the summary.
            back_from_summary=False,
        )

    async def count(self, ctx: Registering, data: FormData, step: Step) -> int:
        return len((await ctx.load(data["trip_id"]))[1])

    async def screen(self, ctx: Registering, step: State, data: FormData) -> Screen:
        t = ctx.t
        trip, questions = await ctx.load(data["trip_id"])
        if step == RegistrationForm.answering:
            return _question_screen(t, trip, questions, int(data["index"]))
        if step == RegistrationForm.choosing:
            return t("reg-choose-change"), _change_keyboard(t, questions)
        if step == RegistrationForm.guardian_name:
            return _guardian_screen(t, ctx.person, trip.title)
        if step == RegistrationForm.guardian_confirm:
            return _guardian_confirm_screen(t, str(data.get("guardian", "")), trip.title)
        editing = data.get("registration_id") is not None
        return _summary_screen(t, trip, questions, data["answers"], editing=editing)

    async def cancelled(self, ctx: Registering, data: FormData) -> Screen:
        trip_id = data.get("trip_id")
        return ctx.t("reg-form-cancelled"), _after_form(
            ctx.t, trip_id if isinstance(trip_id, int) else None
        )

    async def left(self, ctx: Registering, data: FormData) -> Screen | None:
        trip, _ = await ctx.load(data["trip_id"])
        return ctx.t("reg-form-left"), _after_form(ctx.t, trip.id)

    def leaving(self, data: FormData, step: State) -> FormData:
        # Back to the summary from a single change: the next answer walks on again.
        if data.get("back_to_summary") and step != RegistrationForm.summary:
            return {"back_to_summary": False}
        return {}

    def back_from_side(self, data: FormData, step: State) -> State:
        if step == RegistrationForm.guardian_confirm:
            return RegistrationForm.guardian_name
        return RegistrationForm.summary  # from choosing an answer, or from the name


FORM = Form(RegistrationFormSpec())


async def start_registration(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Registering,
) -> None:
    t, person, trips = form_context.t, form_context.person, form_context.trips
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    refusal = await trips.registration.refusal(trip=trip, tg_id=person.tg_id, now=utc_now())
    if refusal:
        alert(callback_answer, t.popup(refusal))
        return
    questions = await trips.repo.questions(trip_id=trip.id)
    form_context.loaded[trip.id] = trip, questions  # read just now: not again
    data: FormData = {"trip_id": trip.id, "index": 0, "answers": {}}
    first = RegistrationForm.answering if questions else RegistrationForm.summary
    await FORM.start(callback, state, form_context, data, at=first, new=True)


async def _current_question(
    state: FSMContext, form_context: Registering
) -> tuple[FormData, Question | None]:
    """The form's data and the question it is asking (None: the trip has fewer now)."""
    data = await state.get_data()
    _, questions = await form_context.load(data["trip_id"])
    index = data["index"]
    return data, questions[index] if index < len(questions) else None


async def typed_answer(message: Message, state: FSMContext, form_context: Registering) -> None:
    t = form_context.t
    data, question = await _current_question(state, form_context)
    if question is None:
        await FORM.answered(message, state, form_context, RegistrationForm.answering, {})
        return
    if question.kind in (QuestionKind.CHOICE, QuestionKind.YES_NO):
        await FORM.wrong(message, state, form_context, t("error-choice"))
        return
    try:
        value = parse_answer(question, message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    answers = {**data["answers"], question.key: value}
    await FORM.answered(
        message, state, form_context, RegistrationForm.answering, {"answers": answers}
    )


async def pressed_answer(
    callback: CallbackQuery,
    callback_data: AnswerCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Registering,
) -> None:
    data, question = await _current_question(state, form_context)
    if question is None:
        await FORM.answered(callback, state, form_context, RegistrationForm.answering, {})
        return
    answers = dict(data["answers"])
    try:
        match callback_data.kind:
            case AnswerKind.SKIP:
                if question.required:
                    raise UserError("reg-error-required")
                answers.pop(question.key, None)
            case AnswerKind.OPTION:
                options = question.options
                if not 0 <= callback_data.value < len(options):
                    raise UserError("error-stale-button")
                answers[question.key] = parse_answer(question, options[callback_data.value])
            case AnswerKind.YES | AnswerKind.NO:
                raw = YES if callback_data.kind is AnswerKind.YES else NO
                answers[question.key] = parse_answer(question, raw)
    except UserError as error:
        await show_error(callback, form_context.t, error, callback_answer)
        return
    await FORM.answered(
        callback, state, form_context, RegistrationForm.answering, {"answers": answers}
    )


def _trip_button(t: Translator, trip_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t.button("reg-open-trip"),
        callback_data=TripCb(action=TripAction.OPEN, id=trip_id).pack(),
    )


def _my_trips_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t.button("menu-mytrips"), callback_data=MenuCb(item=MenuItem.MY_TRIPS).pack()
    )


def _after_form(t: Translator, trip_id: int | None) -> InlineKeyboardMarkup:
    """Under the message that ends the form: the trip, "Мои поездки" and the menu."""
    trip = [_trip_button(t, trip_id)] if trip_id is not None else []
    return way_on_keyboard(t, *trip, _my_trips_button(t))


async def choose_change(
    callback: CallbackQuery, state: FSMContext, form_context: Registering
) -> None:
    await FORM.change(callback, state, form_context, RegistrationForm.choosing)


def _change_keyboard(t: Translator, questions: list[Question]) -> InlineKeyboardMarkup:
    """Which answer to change: one button per question, and "Назад" to the summary."""
    builder = InlineKeyboard()
    for index, question in enumerate(questions):
        builder.row(
            InlineKeyboardButton(
                text=shorten(question.label, 60),
                callback_data=FormCb(action=FormAction.PICK, index=index).pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=t.button("btn-back"), callback_data=FormCb(action=FormAction.BACK).pack()
        )
    )
    return builder.as_markup()


async def pick_question(
    callback: CallbackQuery,
    callback_data: FormCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Registering,
) -> None:
    data = await state.get_data()
    _, questions = await form_context.load(data["trip_id"])
    if not 0 <= callback_data.index < len(questions):
        alert(callback_answer, form_context.t.popup("error-stale-button"))
        return
    await state.update_data(index=callback_data.index, back_to_summary=True)
    await FORM.show(callback, state, form_context, RegistrationForm.answering)


async def confirm(callback: CallbackQuery, state: FSMContext, form_context: Registering) -> None:
    t, person, trips = form_context.t, form_context.person, form_context.trips
    data = await state.get_data()
    if data.get("registration_id") is not None:
        try:
            await trips.registration.change_answers(
                registration_id=data["registration_id"],
                tg_id=person.tg_id,
                answers=data["answers"],
                now=utc_now(),
            )
        except UserError as error:
            await state.clear()
            await show(callback, t(error.key, **error.args_), _after_form(t, data["trip_id"]))
            return
        await state.clear()
        await show(callback, t("reg-answers-saved"), _after_form(t, data["trip_id"]))
        return
    trip = await trips.repo.get(trip_id=data["trip_id"])
    if trip is not None and trip.for_minors:
        # Minors: a parent or guardian consents before anything is submitted.
        await FORM.show(callback, state, form_context, RegistrationForm.guardian_name)
        return
    await _submit(callback, state, form_context, None)


async def _submit(
    target: Target, state: FSMContext, form_context: Registering, guardian: Guardian | None
) -> None:
    t, person, trips = form_context.t, form_context.person, form_context.trips
    data = await state.get_data()
    try:
        result = await trips.registration.register(
            trip_id=data["trip_id"],
            tg_id=person.tg_id,
            answers=data["answers"],
            now=utc_now(),
            guardian=guardian,
        )
    except UserError as error:
        # The trip filled up, closed or was cancelled meanwhile: the form ends here.
        await state.clear()
        await show(target, t(error.key, **error.args_), _after_form(t, data["trip_id"]))
        return
    await state.clear()
    text = t(
        f"reg-result-{result.status.value}", trip=result.trip.title, position=result.position or 0
    )
    await show(target, text, _after_form(t, result.trip.id))


# A parent's or guardian's consent (trips with minors)


def _guardian_nav(t: Translator, builder: InlineKeyboard) -> InlineKeyboardMarkup:
    builder.row(*_nav_row(t))
    return builder.as_markup()


def _guardian_screen(t: Translator, person: Person, title: str) -> Screen:
    builder = InlineKeyboard()
    if person.full_name:
        builder.row(
            InlineKeyboardButton(
                text=shorten(t.button("reg-guardian-self", name=person.full_name), 60),
                callback_data=FormCb(action=FormAction.GUARDIAN_SELF).pack(),
            )
        )
    return t("reg-guardian-ask", trip=title), _guardian_nav(t, builder)


def _guardian_confirm_screen(t: Translator, name: str, title: str) -> Screen:
    builder = InlineKeyboard()
    builder.row(
        InlineKeyboardButton(
            text=t.button("reg-guardian-ok"),
            callback_data=FormCb(action=FormAction.GUARDIAN_OK).pack(),
        )
    )
    return t("reg-guardian-confirm", name=name, trip=title), _guardian_nav(t, builder)


async def typed_guardian(message: Message, state: FSMContext, form_context: Registering) -> None:
    t = form_context.t
    try:
        name = clean_name(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await state.update_data(guardian=name)
    await FORM.show(message, state, form_context, RegistrationForm.guardian_confirm, new=True)


async def guardian_self(
    callback: CallbackQuery, state: FSMContext, form_context: Registering
) -> None:
    await state.update_data(guardian=clean_name(form_context.person.full_name))
    await FORM.show(callback, state, form_context, RegistrationForm.guardian_confirm)


async def guardian_ok(
    callback: CallbackQuery, state: FSMContext, form_context: Registering
) -> None:
    data = await state.get_data()
    try:
        guardian = Guardian(name=clean_name(data.get("guardian")), consented_at=utc_now())
    except UserError:
        # No name in the form (it was tampered with): ask for it again.
        await FORM.show(callback, state, form_context, RegistrationForm.guardian_name)
        return
    await _submit(callback, state, form_context, guardian)


def trip_notice_keyboard(t: Translator, trip_id: int) -> InlineKeyboardMarkup:
    """Under a decision or a seat a person is told of: their trip, "Мои поездки", the menu."""
    return _after_form(t, trip_id)


def decision_keyboard(t: Translator, registration_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=t.button("reg-approve"),
        callback_data=RegCb(action=RegAction.APPROVE, id=registration_id),
    )
    builder.button(
        text=t.button("reg-reject"),
        callback_data=RegCb(action=RegAction.REJECT, id=registration_id),
    )
    return builder.as_markup()


# Decisions


async def approve(
    callback: CallbackQuery,
    callback_data: RegCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    access: Access,
    trips: Trips,
) -> None:
    try:
        decision = await trips.registration.decide(
            registration_id=callback_data.id,
            actor_id=person.tg_id,
            actor_access=access,
            approve=True,
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    status_text = t.button(f"reg-status-{decision.registration.status}")
    if not decision.applied:
        alert(callback_answer, t.popup("reg-already-decided", status=status_text))
        if decision.registration.decided_by == person.tg_id:
            # The second tap of a double tap: the first has noted the decision already (both
            # carry the same old message, so the edit would repeat it and be refused).
            return
    # The decision (this one, another organiser's, or the person's leaving) replaces the
    # buttons of this copy, so nobody presses them again.
    if isinstance(callback.message, Message) and callback.message.html_text:
        note = t("reg-decision-note", status=status_text)
        # Where the organiser goes on from here: the trip (its participants) or the menu.
        markup = way_on_keyboard(t, _trip_button(t, decision.registration.trip_id))
        await show(callback, f"{callback.message.html_text}\n\n{note}", markup)


async def reject(
    callback: CallbackQuery,
    callback_data: RegCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    access: Access,
    trips: Trips,
) -> None:
    """Ask for a reason first; the decision itself is taken (and re-checked) after it."""
    if access < Access.ORGANISER:
        alert(callback_answer, t.popup("error-organisers-only"))
        return
    current = await trips.registrations.get(registration_id=callback_data.id)
    if current is None:
        alert(callback_answer, t.popup("reg-error-not-found"))
        return
    if current.status != RegStatus.PENDING:
        status_text = t.button(f"reg-status-{current.status}")
        alert(callback_answer, t.popup("reg-already-decided", status=status_text))
        return
    if (
        await state.get_state() == RejectForm.reason.state
        and (await state.get_data()).get("registration_id") == current.id
    ):
        # A double tap: the question is below already; asking twice would only confuse.
        alert(callback_answer, t.popup("reg-reason-asked"))
        return
    await state.set_state(RejectForm.reason)
    message_id = callback.message.message_id if callback.message else 0
    await state.set_data({"registration_id": current.id, "message_id": message_id})
    await _ask_reason(callback, t)


async def _ask_reason(target: Target, t: Translator) -> None:
    builder = InlineKeyboard()
    builder.button(
        text=t.button("reg-no-reason"), callback_data=FormCb(action=FormAction.NO_REASON)
    )
    builder.button(text=t.button("btn-cancel"), callback_data=FormCb(action=FormAction.CANCEL))
    await send_new(target, t("reg-ask-reason"), builder.as_markup())


async def _reject_with(
    target: Target,
    reason: str | None,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    person: Person,
    access: Access,
    trips: Trips,
) -> None:
    form = await state.get_data()
    await state.clear()
    try:
        decision = await trips.registration.decide(
            registration_id=form["registration_id"],
            actor_id=person.tg_id,
            actor_access=access,
            approve=False,
            now=utc_now(),
            reason=reason,
        )
    except UserError as error:
        await send_new(target, t(error.key, **error.args_), way_on_keyboard(t))
        return
    status_text = t.button(f"reg-status-{decision.registration.status}")
    await _retire_buttons(bot, target, form.get("message_id"))
    if not decision.applied:
        await send_new(target, t("reg-already-decided", status=status_text), way_on_keyboard(t))
        return
    await send_new(target, t("reg-rejected-done"), way_on_keyboard(t))


async def _retire_buttons(bot: Bot, target: Target, message_id: int | None) -> None:
    """Take "Одобрить"/"Отклонить" off the organiser's copy once it is decided."""
    if not message_id or target.from_user is None:
        return
    await retire_buttons(bot, target.from_user.id, message_id)


async def typed_reason(
    message: Message,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    person: Person,
    access: Access,
    trips: Trips,
) -> None:
    try:
        reason = clean_text(message.text, limit=REASON_MAX, keep_newlines=True)
    except UserError as error:
        await explain_and_ask_again(
            message, t(error.key, **error.args_), lambda: _ask_reason(message, t)
        )
        return
    await _reject_with(message, reason, state, t, bot, person, access, trips)


async def no_reason(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    person: Person,
    access: Access,
    trips: Trips,
) -> None:
    await _reject_with(callback, None, state, t, bot, person, access, trips)


async def reject_cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(callback, t("reg-reject-cancelled"), way_on_keyboard(t))


# My trips


async def my_trips(
    target: Target,
    *,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    mine = (await trips.registrations.for_person(tg_id=person.tg_id))[:MY_TRIPS_LIMIT]
    if not mine:
        await send_new(target, t("mytrips-empty"), way_on_keyboard(t, trips_button(t)))
        return
    builder = InlineKeyboard()
    lines = []
    trips_by_id = await trips.repo.many(item.trip_id for item in mine)
    for item in mine:
        trip = trips_by_id.get(item.trip_id)
        if trip is None:
            continue
        status = _status_text(t, item.status, item.position, trip.status)
        lines.append(t("mytrips-line", trip=trip.title, status=status))
        builder.row(
            InlineKeyboardButton(
                text=shorten(trip.title, 60),
                callback_data=RegCb(action=RegAction.OPEN, id=item.id).pack(),
            )
        )
    await send_new(target, t("mytrips", lines=Html("\n".join(lines))), builder.as_markup())


def _status_text(t: Translator, status: str, position: int | None, trip_status: str) -> str:
    if trip_status == TripStatus.CANCELLED and status in ACTIVE:
        return t.button("reg-status-trip-cancelled")
    if status == RegStatus.WAITLISTED:
        return t.button("reg-status-waitlisted-position", position=position or 0)
    return t.button(f"reg-status-{status}")


async def my_trips_command(
    message: Message,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    await my_trips(message, t=t, person=person, trips=trips)


async def my_trips_menu(
    callback: CallbackQuery,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    await my_trips(callback, t=t, person=person, trips=trips)


async def _own(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    t: Translator,
    registration_id: int,
    person: Person,
    trips: Trips,
) -> tuple[Registration, Trip, list[Question]] | None:
    """The person's own registration with its trip; someone else's id is "not found"."""
    item = await trips.registrations.get(registration_id=registration_id)
    try:
        if item is None or item.tg_id != person.tg_id:
            raise UserError("reg-error-not-found")
        trip, questions = await _load(trips, item.trip_id)
    except UserError as error:
        await show_error(callback, t, error, answer)
        return None
    return item, trip, questions


async def open_registration(
    callback: CallbackQuery,
    callback_data: RegCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    own = await _own(callback, callback_answer, t, callback_data.id, person, trips)
    if own is None:
        return
    item, trip, questions = own
    zone = await zone_of(person, cities, settings)
    active = holds_place(item, trip)
    builder = InlineKeyboard()
    if active and questions and can_change_answers(trip, utc_now()):
        builder.button(
            text=t.button("reg-change-answers"),
            callback_data=RegCb(action=RegAction.ANSWERS, id=item.id),
        )
    if active:
        builder.button(
            text=t.button("reg-leave"), callback_data=RegCb(action=RegAction.CANCEL, id=item.id)
        )
    builder.button(
        text=t.button("reg-open-trip"), callback_data=TripCb(action=TripAction.OPEN, id=trip.id)
    )
    builder.adjust(1)
    builder.row(_my_trips_button(t))  # back to the list the card was opened from
    text = t(
        "reg-card",
        trip=trip.title,
        starts=local(trip.starts_at, zone),
        ends=local(trip.ends_at, zone),
        status=_status_text(t, item.status, item.position, trip.status),
        answers=Html(answers_block(t, questions, item.answers)),
    )
    if item.guardian_name:
        text += "\n\n" + t(
            "reg-guardian-given",
            name=item.guardian_name,
            when=local(item.guardian_consent_at or item.created_at, zone),
        )
    if trip.cancel_reason:
        text += "\n\n" + t("trip-cancel-reason", reason=trip.cancel_reason)
    await show(callback, text, builder.as_markup())


async def ask_leave(
    callback: CallbackQuery,
    callback_data: RegCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    own = await _own(callback, callback_answer, t, callback_data.id, person, trips)
    if own is None:
        return
    item, trip, _ = own
    builder = InlineKeyboard()
    builder.button(
        text=t.button("reg-leave-yes"),
        callback_data=RegCb(action=RegAction.CANCEL_CONFIRM, id=item.id),
    )
    builder.button(
        text=t.button("reg-leave-no"), callback_data=RegCb(action=RegAction.OPEN, id=item.id)
    )
    builder.adjust(1)
    await show(callback, t("reg-leave-confirm", trip=trip.title), builder.as_markup())


async def leave(
    callback: CallbackQuery,
    callback_data: RegCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    try:
        await trips.registration.cancel(
            registration_id=callback_data.id, tg_id=person.tg_id, now=utc_now()
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await show(callback, t("reg-left"), way_on_keyboard(t, _my_trips_button(t)))


async def change_answers(
    callback: CallbackQuery,
    callback_data: RegCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Registering,
) -> None:
    t, person, trips = form_context.t, form_context.person, form_context.trips
    own = await _own(callback, callback_answer, t, callback_data.id, person, trips)
    if own is None:
        return
    item, trip, questions = own
    if not holds_place(item, trip) or not can_change_answers(trip, utc_now()):
        await show_error(callback, t, UserError("reg-error-answers-locked"), callback_answer)
        return
    form_context.loaded[trip.id] = trip, questions  # read just now: not again
    data = {"trip_id": trip.id, "index": 0, "answers": item.answers, "registration_id": item.id}
    await FORM.start(callback, state, form_context, data, at=RegistrationForm.summary)


def _form_router() -> Router:
    router = FORM.router(__name__, Registering)
    cb, msg, form = router.callback_query.register, router.message.register, FormCb.filter
    # The two presses of a registration rush come first: each handler a press is offered to
    # and refused costs its filters (measured with bench/registration_rush.py).
    cb(start_registration, TripCb.filter(F.action == TripAction.REGISTER))
    summary = StateFilter(RegistrationForm.summary)
    cb(confirm, summary, form(F.action == FormAction.CONFIRM))
    cb(change_answers, RegCb.filter(F.action == RegAction.ANSWERS))
    # Every message is an answer here: a sticker gets "please write text" from its check.
    msg(typed_answer, StateFilter(RegistrationForm.answering))
    cb(pressed_answer, StateFilter(RegistrationForm.answering), AnswerCb.filter())
    msg(typed_guardian, StateFilter(RegistrationForm.guardian_name))
    guardian_name, guardian_confirm = (
        RegistrationForm.guardian_name,
        RegistrationForm.guardian_confirm,
    )
    cb(guardian_self, StateFilter(guardian_name), form(F.action == FormAction.GUARDIAN_SELF))
    cb(guardian_ok, StateFilter(guardian_confirm), form(F.action == FormAction.GUARDIAN_OK))
    cb(choose_change, summary, form(F.action == FormAction.CHANGE))
    picking = StateFilter(RegistrationForm.choosing)
    cb(pick_question, picking, form(F.action == FormAction.PICK))
    FORM.register(
        router,
        back=form(F.action == FormAction.BACK),
        cancel=form(F.action == FormAction.CANCEL),
    )
    return router


def _decisions_router() -> Router:
    """Organisers' decisions on registrations, and a person's own registrations."""
    router = Router(name=f"{__name__}.decisions")
    cb = router.callback_query.register
    cb(approve, RegCb.filter(F.action == RegAction.APPROVE))
    cb(reject, RegCb.filter(F.action == RegAction.REJECT))
    # A sticker or photo as a reason gets "please write text" from clean_text.
    router.message.register(typed_reason, StateFilter(RejectForm.reason))
    reasoning = StateFilter(RejectForm.reason)
    cb(no_reason, reasoning, FormCb.filter(F.action == FormAction.NO_REASON))
    cb(reject_cancel, reasoning, FormCb.filter(F.action == FormAction.CANCEL))
    cb(my_trips_menu, MenuCb.filter(F.item == MenuItem.MY_TRIPS))
    cb(open_registration, RegCb.filter(F.action == RegAction.OPEN))
    cb(ask_leave, RegCb.filter(F.action == RegAction.CANCEL))
    cb(leave, RegCb.filter(F.action == RegAction.CANCEL_CONFIRM))
    return router


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    # The command before the form's catch-alls, so it works in the middle of the form.
    router.message.register(my_trips_command, Command("mytrips"))
    router.include_routers(_form_router(), _decisions_router())
    return router
