"""Registering for a trip (the trip's own questions), "Мои поездки", and organisers'
decisions on new registrations."""

from __future__ import annotations

import logging
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


async def _ask(
    target: Target,
    t: Translator,
    trip: Trip,
    questions: list[Question],
    index: int,
    *,
    new: bool,
) -> None:
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
    markup = _question_keyboard(t, question)
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


async def _summary(
    target: Target,
    t: Translator,
    trip: Trip,
    questions: list[Question],
    answers: dict[str, str],
    *,
    editing: bool,
    new: bool,
) -> None:
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
    if new:
        await send_new(target, text, builder.as_markup())
    else:
        await show(target, text, builder.as_markup())


# The form


async def _load(trips: Trips, trip_id: int) -> tuple[Trip, list[Question]]:
    trip = await trips.repo.get(trip_id=trip_id)
    if trip is None:
        raise UserError("trip-error-not-found")
    return trip, await trips.repo.questions(trip_id=trip_id)


async def _next(
    target: Target, state: FSMContext, t: Translator, trips: Trips, *, new: bool
) -> None:
    """After an answer: the next question, or the summary (also after a single change)."""
    data = await state.get_data()
    trip, questions = await _load(trips, data["trip_id"])
    index = data["index"] + 1
    if data.get("back_to_summary") or index >= len(questions):
        await state.set_state(RegistrationForm.summary)
        await _summary(
            target,
            t,
            trip,
            questions,
            data["answers"],
            editing=data.get("registration_id") is not None,
            new=new,
        )
        return
    await state.update_data(index=index)
    await _ask(target, t, trip, questions, index, new=new)


async def start_registration(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    refusal = await trips.registration.refusal(trip=trip, tg_id=person.tg_id, now=utc_now())
    if refusal:
        alert(callback_answer, t.popup(refusal))
        return
    questions = await trips.repo.questions(trip_id=trip.id)
    await state.set_data({"trip_id": trip.id, "index": 0, "answers": {}})
    if not questions:
        await state.set_state(RegistrationForm.summary)
        await _summary(callback, t, trip, questions, {}, editing=False, new=True)
        return
    await state.set_state(RegistrationForm.answering)
    await _ask(callback, t, trip, questions, 0, new=True)


async def typed_answer(message: Message, state: FSMContext, t: Translator, trips: Trips) -> None:
    data = await state.get_data()
    trip, questions = await _load(trips, data["trip_id"])
    index = data["index"]
    if index >= len(questions):
        await _next(message, state, t, trips, new=True)
        return
    question = questions[index]

    async def ask_again() -> None:
        await _ask(message, t, trip, questions, index, new=True)

    if question.kind in (QuestionKind.CHOICE, QuestionKind.YES_NO):
        await explain_and_ask_again(message, t("error-choice"), ask_again)
        return
    try:
        value = parse_answer(question, message.text)
    except UserError as error:
        await explain_and_ask_again(message, t(error.key, **error.args_), ask_again)
        return
    await state.update_data(answers={**data["answers"], question.key: value})
    await _next(message, state, t, trips, new=True)


async def pressed_answer(
    callback: CallbackQuery,
    callback_data: AnswerCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    trips: Trips,
) -> None:
    data = await state.get_data()
    _, questions = await _load(trips, data["trip_id"])
    index = data["index"]
    if index >= len(questions):
        await _next(callback, state, t, trips, new=False)
        return
    question = questions[index]
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
        await show_error(callback, t, error, callback_answer)
        return
    await state.update_data(answers=answers)
    await _next(callback, state, t, trips, new=False)


async def form_back(
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips
) -> None:
    data = await state.get_data()
    trip, questions = await _load(trips, data["trip_id"])
    if data.get("back_to_summary"):
        await state.update_data(back_to_summary=False)
        await state.set_state(RegistrationForm.summary)
        await _summary(
            callback,
            t,
            trip,
            questions,
            data["answers"],
            editing=data.get("registration_id") is not None,
            new=False,
        )
        return
    index = data["index"] - 1
    if index < 0:
        await state.clear()
        await show(callback, t("reg-form-left"), _after_form(t, trip.id))
        return
    await state.update_data(index=index)
    await _ask(callback, t, trip, questions, index, new=False)


async def form_cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    trip_id = (await state.get_data()).get("trip_id")
    await state.clear()
    await show(
        callback,
        t("reg-form-cancelled"),
        _after_form(t, trip_id if isinstance(trip_id, int) else None),
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
    callback: CallbackQuery, state: FSMContext, t: Translator, trips: Trips
) -> None:
    data = await state.get_data()
    _, questions = await _load(trips, data["trip_id"])
    await state.set_state(RegistrationForm.choosing)
    await state.update_data(back_to_summary=True)
    await show(callback, t("reg-choose-change"), _change_keyboard(t, questions))


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
    t: Translator,
    trips: Trips,
) -> None:
    data = await state.get_data()
    trip, questions = await _load(trips, data["trip_id"])
    if not 0 <= callback_data.index < len(questions):
        alert(callback_answer, t.popup("error-stale-button"))
        return
    await state.set_state(RegistrationForm.answering)
    await state.update_data(index=callback_data.index, back_to_summary=True)
    await _ask(callback, t, trip, questions, callback_data.index, new=False)


async def confirm(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
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
        await state.set_state(RegistrationForm.guardian_name)
        await _ask_guardian(callback, t, person, trip.title, new=False)
        return
    await _submit(callback, state, t, person, trips, None)


async def _submit(
    target: Target,
    state: FSMContext,
    t: Translator,
    person: Person,
    trips: Trips,
    guardian: Guardian | None,
) -> None:
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


async def _ask_guardian(
    target: Target, t: Translator, person: Person, title: str, *, new: bool
) -> None:
    builder = InlineKeyboard()
    if person.full_name:
        builder.row(
            InlineKeyboardButton(
                text=shorten(t.button("reg-guardian-self", name=person.full_name), 60),
                callback_data=FormCb(action=FormAction.GUARDIAN_SELF).pack(),
            )
        )
    text = t("reg-guardian-ask", trip=title)
    if new:
        await send_new(target, text, _guardian_nav(t, builder))
    else:
        await show(target, text, _guardian_nav(t, builder))


async def _confirm_guardian(
    target: Target, state: FSMContext, t: Translator, trips: Trips, name: str, *, new: bool
) -> None:
    data = await state.get_data()
    trip = await trips.repo.get(trip_id=data["trip_id"])
    await state.update_data(guardian=name)
    await state.set_state(RegistrationForm.guardian_confirm)
    builder = InlineKeyboard()
    builder.row(
        InlineKeyboardButton(
            text=t.button("reg-guardian-ok"),
            callback_data=FormCb(action=FormAction.GUARDIAN_OK).pack(),
        )
    )
    text = t("reg-guardian-confirm", name=name, trip=trip.title if trip else "")
    if new:
        await send_new(target, text, _guardian_nav(t, builder))
    else:
        await show(target, text, _guardian_nav(t, builder))


async def typed_guardian(
    message: Message, state: FSMContext, t: Translator, person: Person, trips: Trips
) -> None:
    try:
        name = clean_name(message.text)
    except UserError as error:
        trip = await trips.repo.get(trip_id=(await state.get_data())["trip_id"])
        title = trip.title if trip else ""
        await explain_and_ask_again(
            message,
            t(error.key, **error.args_),
            lambda: _ask_guardian(message, t, person, title, new=True),
        )
        return
    await _confirm_guardian(message, state, t, trips, name, new=True)


async def guardian_self(
    callback: CallbackQuery, state: FSMContext, t: Translator, person: Person, trips: Trips
) -> None:
    await _confirm_guardian(callback, state, t, trips, clean_name(person.full_name), new=False)


async def guardian_ok(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    data = await state.get_data()
    try:
        guardian = Guardian(name=clean_name(data.get("guardian")), consented_at=utc_now())
    except UserError:
        # No name in the form (it was tampered with): ask for it again.
        trip = await trips.repo.get(trip_id=data["trip_id"])
        await state.set_state(RegistrationForm.guardian_name)
        await _ask_guardian(callback, t, person, trip.title if trip else "", new=False)
        return
    await _submit(callback, state, t, person, trips, guardian)


async def guardian_back(
    callback: CallbackQuery, state: FSMContext, t: Translator, person: Person, trips: Trips
) -> None:
    data = await state.get_data()
    trip, questions = await _load(trips, data["trip_id"])
    if await state.get_state() == RegistrationForm.guardian_confirm.state:
        await state.set_state(RegistrationForm.guardian_name)
        await _ask_guardian(callback, t, person, trip.title, new=False)
        return
    await state.set_state(RegistrationForm.summary)
    await _summary(callback, t, trip, questions, data["answers"], editing=False, new=False)


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


async def use_the_buttons(
    message: Message, state: FSMContext, t: Translator, trips: Trips
) -> None:
    """Typed text where the form waits for a button: say so and show the buttons again."""
    current = await state.get_state()
    data = await state.get_data()
    trip, questions = await _load(trips, data["trip_id"])

    async def ask_again() -> None:
        if current == RegistrationForm.choosing.state:
            await send_new(message, t("reg-choose-change"), _change_keyboard(t, questions))
        elif current == RegistrationForm.guardian_confirm.state:
            await _confirm_guardian(message, state, t, trips, data.get("guardian", ""), new=True)
        else:
            await _summary(
                message,
                t,
                trip,
                questions,
                data.get("answers", {}),
                editing=data.get("registration_id") is not None,
                new=True,
            )

    await explain_and_ask_again(message, t("error-choice"), ask_again)


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
    t: Translator,
    person: Person,
    trips: Trips,
) -> None:
    own = await _own(callback, callback_answer, t, callback_data.id, person, trips)
    if own is None:
        return
    item, trip, questions = own
    if not holds_place(item, trip) or not can_change_answers(trip, utc_now()):
        await show_error(callback, t, UserError("reg-error-answers-locked"), callback_answer)
        return
    await state.set_state(RegistrationForm.summary)
    await state.set_data(
        {"trip_id": trip.id, "index": 0, "answers": item.answers, "registration_id": item.id}
    )
    await _summary(callback, t, trip, questions, item.answers, editing=True, new=False)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    # The command before the form's catch-alls, so it works in the middle of the form.
    router.message.register(my_trips_command, Command("mytrips"))
    router.callback_query.register(
        start_registration, TripCb.filter(F.action == TripAction.REGISTER)
    )
    router.message.register(typed_answer, StateFilter(RegistrationForm.answering))
    router.callback_query.register(
        pressed_answer, StateFilter(RegistrationForm.answering), AnswerCb.filter()
    )
    router.callback_query.register(
        form_back,
        StateFilter(RegistrationForm.answering, RegistrationForm.choosing),
        FormCb.filter(F.action == FormAction.BACK),
    )
    router.callback_query.register(
        form_cancel,
        StateFilter(
            RegistrationForm.answering,
            RegistrationForm.summary,
            RegistrationForm.guardian_name,
            RegistrationForm.guardian_confirm,
        ),
        FormCb.filter(F.action == FormAction.CANCEL),
    )
    router.message.register(typed_guardian, StateFilter(RegistrationForm.guardian_name))
    router.callback_query.register(
        guardian_self,
        StateFilter(RegistrationForm.guardian_name),
        FormCb.filter(F.action == FormAction.GUARDIAN_SELF),
    )
    router.callback_query.register(
        guardian_ok,
        StateFilter(RegistrationForm.guardian_confirm),
        FormCb.filter(F.action == FormAction.GUARDIAN_OK),
    )
    router.callback_query.register(
        guardian_back,
        StateFilter(RegistrationForm.guardian_name, RegistrationForm.guardian_confirm),
        FormCb.filter(F.action == FormAction.BACK),
    )
    router.callback_query.register(
        choose_change,
        StateFilter(RegistrationForm.summary),
        FormCb.filter(F.action == FormAction.CHANGE),
    )
    router.callback_query.register(
        pick_question,
        StateFilter(RegistrationForm.choosing),
        FormCb.filter(F.action == FormAction.PICK),
    )
    router.callback_query.register(
        confirm,
        StateFilter(RegistrationForm.summary),
        FormCb.filter(F.action == FormAction.CONFIRM),
    )
    router.callback_query.register(approve, RegCb.filter(F.action == RegAction.APPROVE))
    router.callback_query.register(reject, RegCb.filter(F.action == RegAction.REJECT))
    # A sticker or photo as a reason gets "please write text" from clean_text.
    router.message.register(typed_reason, StateFilter(RejectForm.reason))
    router.message.register(
        use_the_buttons,
        StateFilter(
            RegistrationForm.summary, RegistrationForm.choosing, RegistrationForm.guardian_confirm
        ),
    )
    router.callback_query.register(
        no_reason, StateFilter(RejectForm.reason), FormCb.filter(F.action == FormAction.NO_REASON)
    )
    router.callback_query.register(
        reject_cancel, StateFilter(RejectForm.reason), FormCb.filter(F.action == FormAction.CANCEL)
    )
    router.callback_query.register(my_trips_menu, MenuCb.filter(F.item == MenuItem.MY_TRIPS))
    router.callback_query.register(open_registration, RegCb.filter(F.action == RegAction.OPEN))
    router.callback_query.register(ask_leave, RegCb.filter(F.action == RegAction.CANCEL))
    router.callback_query.register(leave, RegCb.filter(F.action == RegAction.CANCEL_CONFIRM))
    router.callback_query.register(change_answers, RegCb.filter(F.action == RegAction.ANSWERS))
    return router
