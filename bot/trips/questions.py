"""A trip's own questions: the kinds and how each answer is checked."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.text import clean_text
from bot.core.timefmt import local_text
from storage.trips import Question

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000
YES, NO = "yes", "no"


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    YES_NO = "yes_no"
    DATE = "date"


def parse_date(text: str | None) -> date:
    """A date as people write it here: 15.03.2027 (also 15.03.27 and 2027-03-15)."""
    value = (text or "").strip()
    for pattern in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise UserError("error-date-format")


def parse_answer(question: Question, raw: str | None) -> str:
    """The stored form of one answer, or a UserError that says what is wrong."""
    match question.kind:
        case QuestionKind.SHORT_TEXT:
            return clean_text(raw, limit=SHORT_TEXT_MAX)
        case QuestionKind.LONG_TEXT:
            return clean_text(raw, limit=LONG_TEXT_MAX, keep_newlines=True)
        case QuestionKind.CHOICE:
            if raw not in question.options:
                raise UserError("error-choice")
            return raw
        case QuestionKind.YES_NO:
            if raw not in (YES, NO):
                raise UserError("error-choice")
            return raw
        case QuestionKind.DATE:
            return parse_date(raw).isoformat()
    raise UserError("error-choice")


def check_answers(questions: list[Question], answers: dict[str, str]) -> dict[str, str]:
    """Re-check a whole set of answers before it is written (form data is client-driven)."""
    checked = {}
    for question in questions:
        value = answers.get(question.key)
        if value is None or value == "":
            if question.required:
                raise UserError("reg-error-missing-answer", question=question.label)
            continue
        checked[question.key] = parse_answer(question, value)
    return checked


def answer_text(t: Translator, question: Question | None, value: str | None) -> str:
    """An answer as a person reads it (yes/no and dates in their words)."""
    if value is None or value == "":
        return t.button("reg-answer-skipped")
    if question is not None and question.kind == QuestionKind.YES_NO:
        return t.button("reg-yes" if value == YES else "reg-no")
    if question is not None and question.kind == QuestionKind.DATE:
        try:
            return local_text(date.fromisoformat(value), None, "date")
        except ValueError:  # an answer kept from before the question became a date
            return value
    return value
