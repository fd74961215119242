"""Texts and screens of the organiser's forms, built from the form's FSM data.

Form data holds only primitives: ids, strings, booleans, UTC ISO times and questions
as plain dicts. Times are shown in the organiser's city time (`zone` in the data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup

from bot.core.cities import City
from bot.core.i18n import Html, Translator
from bot.core.timefmt import local_text
from bot.trips.admin import QUESTIONS_MAX
from bot.trips.catalogue import Programme
from handlers.trips.admin_keyboards import (
    TripField,
    audience_keyboard,
    cities_buttons,
    description_keyboard,
    directions_buttons,
    form_keyboard,
    kinds_buttons,
    new_status_buttons,
    preview_keyboard,
    programmes_buttons,
    questions_keyboard,
    yes_no_buttons,
)
from handlers.trips.admin_states import TRIP_STEPS, ProgrammeForm, TripForm

Screen = tuple[str, InlineKeyboardMarkup]

# Which form value each step fills: shown as "Сейчас: …" and offered to keep.
TRIP_STEP_VALUES: dict[str | None, str] = {  # State.state is typed str | None
    TripForm.programme.state: "programme_id",
    TripForm.title.state: "title",
    TripForm.from_city.state: "from_city_id",
    TripForm.to_city.state: "to_city_id",
    TripForm.starts.state: "starts_at",
    TripForm.ends.state: "ends_at",
    TripForm.deadline.state: "deadline",
    TripForm.capacity.state: "capacity",
    TripForm.approval.state: "needs_approval",
    TripForm.minors.state: "for_minors",
    TripForm.questions.state: "questions_done",
    TripForm.description.state: "description",
    TripForm.status.state: "status",
}
FIELD_STEPS: dict[TripField, State] = {
    TripField.PROGRAMME: TripForm.programme,
    TripField.TITLE: TripForm.title,
    TripField.FROM: TripForm.from_city,
    TripField.TO: TripForm.to_city,
    TripField.STARTS: TripForm.starts,
    TripField.ENDS: TripForm.ends,
    TripField.DEADLINE: TripForm.deadline,
    TripField.CAPACITY: TripForm.capacity,
    TripField.APPROVAL: TripForm.approval,
    TripField.MINORS: TripForm.minors,
    TripField.QUESTIONS: TripForm.questions,
    TripField.DESCRIPTION: TripForm.description,
    TripField.STATUS: TripForm.status,
}


def step_key(step: State) -> str:
    """The question a step asks: org-trip-ask-from-city for TripForm:from_city."""
    name = (step.state or "").split(":")[-1]
    return f"org-trip-ask-{name.replace('_', '-')}"


def local(iso: str, zone: str) -> str:
    return local_text(datetime.fromisoformat(iso), zone)


def has_value(form: dict[str, Any], step: State) -> bool:
    key = TRIP_STEP_VALUES.get(step.state or "")
    if key is None:
        return False
    if key == "questions_done":
        return bool(form.get(key))
    return form.get(key) is not None  # False ("no approval") and "" (no description) count


@dataclass(frozen=True, slots=True)
class TripFormView:
    t: Translator
    form: dict[str, Any]
    programmes: dict[int, Programme]
    cities: dict[int, City]

    @property
    def editing(self) -> bool:
        return self.form.get("tid") is not None

    @property
    def returning(self) -> bool:
        """Changing one field from the preview: "Назад" goes back to the preview."""
        return bool(self.form.get("ret"))

    def _city(self, city_id: int | None) -> str:
        city = self.cities.get(city_id or 0)
        return city.name(self.t.language) if city else "—"

    def _programme(self, programme_id: int | None) -> str:
        programme = self.programmes.get(programme_id or 0)
        return programme.title if programme else "—"

    def _yes_no(self, value: bool | None) -> str:
        return self.t.button("org-btn-yes" if value else "org-btn-no")

    def current(self, step: State) -> str | None:
        """The step's value as text, or None when it has none yet."""
        form, zone = self.form, self.form["zone"]
        if not has_value(form, step) or step in (TripForm.questions, TripForm.status):
            return None
        match TRIP_STEP_VALUES[step.state or ""]:
            case "programme_id":
                return self._programme(form["programme_id"])
            case "from_city_id" | "to_city_id" as key:
                return self._city(form[key])
            case "starts_at" | "ends_at" | "deadline" as key:
                return local(form[key], zone)
            case "needs_approval" | "for_minors" as key:
                return self._yes_no(form[key])
            case "description":
                return form["description"] or self.t.button("org-no-description")
            case key:
                return str(form[key])

    def screen(self, step: State) -> Screen:
        if step == TripForm.preview:
            return self.preview()
        t, form = self.t, self.form
        back = self.returning or step != TRIP_STEPS[0]
        if step == TripForm.questions:
            # Its own text, the list so far (its key takes no city, unlike the others').
            labels = [question["label"] for question in form.get("questions", [])]
            can_add = len(labels) < QUESTIONS_MAX
            return self.questions_text(), questions_keyboard(t, labels, can_add=can_add, back=back)
        keep = has_value(form, step) and not self.returning
        text = t(step_key(step), city=form["zone_city"])
        current = self.current(step)
        if current is not None:
            text += "\n\n" + t("org-current", value=current)
        match step:
            case TripForm.programme:
                buttons = programmes_buttons(t, self.programmes.values())
                markup = form_keyboard(t, buttons, keep=keep, back=back)
            case TripForm.from_city:
                buttons = cities_buttons(t, self.cities.values())
                markup = form_keyboard(t, buttons, columns=2, keep=keep, back=back)
            case TripForm.to_city:
                buttons = cities_buttons(t, self.cities.values(), exclude=form.get("from_city_id"))
                markup = form_keyboard(t, buttons, columns=2, keep=keep, back=back)
            case TripForm.approval | TripForm.minors:
                markup = form_keyboard(t, yes_no_buttons(t), columns=2, keep=keep, back=back)
            case TripForm.q_kind:
                markup = form_keyboard(t, kinds_buttons(t), columns=2)
            case TripForm.q_required:
                markup = form_keyboard(t, yes_no_buttons(t), columns=2)
            case TripForm.description:
                markup = description_keyboard(t, keep=keep, back=back)
            case TripForm.status:
                markup = form_keyboard(t, new_status_buttons(t), columns=2, keep=keep, back=back)
            case _:  # title, capacity, a question's label and options: typed text
                markup = form_keyboard(t, keep=keep, back=back)
        return text, markup

    def question_lines(self) -> str:
        t = self.t
        lines = []
        for number, question in enumerate(self.form.get("questions", []), start=1):
            lines.append(
                t(
                    "org-question-line",
                    number=number,
                    label=question["label"],
                    kind=t.button(f"org-kind-{question['kind']}"),
                    required=t.button(
                        "org-question-required"
                        if question["required"]
                        else "org-question-optional"
                    ),
                )
            )
            if question.get("options"):
                lines.append(t("org-question-options", options=", ".join(question["options"])))
        return "\n".join(lines)

    def questions_text(self) -> str:
        lines = self.question_lines()
        if not lines:
            return self.t("org-trip-ask-questions-none")
        return self.t("org-trip-ask-questions", questions=Html(lines))

    def preview(self) -> Screen:
        t, form, zone = self.t, self.form, self.form["zone"]
        questions = self.question_lines() or t("org-preview-no-questions")
        text = t(
            "org-trip-preview-edit" if self.editing else "org-trip-preview",
            title=form.get("title") or "—",
            programme=self._programme(form.get("programme_id")),
            origin=self._city(form.get("from_city_id")),
            destination=self._city(form.get("to_city_id")),
            starts=local(form["starts_at"], zone) if form.get("starts_at") else "—",
            ends=local(form["ends_at"], zone) if form.get("ends_at") else "—",
            deadline=local(form["deadline"], zone) if form.get("deadline") else "—",
            city=form["zone_city"],
            capacity=form.get("capacity") or "—",
            approval=self._yes_no(form.get("needs_approval")),
            minors=self._yes_no(form.get("for_minors")),
            questions=Html(questions),
            description=form.get("description") or t.button("org-no-description"),
            status=t.button(f"org-status-{form.get('status') or 'draft'}"),
        )
        # The status of a saved trip changes by "Статус", with its own confirmation.
        fields = [f for f in TripField if not (self.editing and f is TripField.STATUS)]
        return text, preview_keyboard(t, fields, back=not self.editing)


def programme_screen(t: Translator, form: dict[str, Any], step: State) -> Screen:
    match step:
        case ProgrammeForm.direction:
            text = t("org-prog-ask-direction")
            if form.get("direction"):
                direction = t.button(f"direction-{form['direction']}")
                text += "\n\n" + t("org-current", value=direction)
            markup = form_keyboard(
                t, directions_buttons(t), columns=2, keep=bool(form.get("direction")), back=False
            )
        case ProgrammeForm.title:
            text = t("org-prog-ask-title")
            if form.get("title"):
                text += "\n\n" + t("org-current", value=form["title"])
            markup = form_keyboard(t, keep=bool(form.get("title")))
        case ProgrammeForm.description:
            text = t("org-prog-ask-description")
            if form.get("description"):
                text += "\n\n" + t("org-current", value=form["description"])
            markup = description_keyboard(t, keep=form.get("description") is not None, back=True)
        case ProgrammeForm.audience:
            text = t("org-prog-ask-audience")
            markup = audience_keyboard(t, form.get("audience", []))
        case _:
            text = programme_preview(t, form)
            markup = preview_keyboard(t)
    return text, markup


def audience_text(t: Translator, audience: list[str]) -> str:
    if not audience:
        return t.button("org-audience-everyone")
    return ", ".join(t.button(f"role-{role}") for role in audience)


def programme_preview(t: Translator, form: dict[str, Any]) -> str:
    return t(
        "org-prog-preview-edit" if form.get("pid") else "org-prog-preview",
        direction=t.button(f"direction-{form.get('direction')}"),
        title=form.get("title") or "—",
        description=form.get("description") or t.button("org-no-description"),
        audience=audience_text(t, form.get("audience", [])),
    )
