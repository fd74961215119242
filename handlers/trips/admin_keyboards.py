"""Callback data and keyboards of the organiser's tools (panel, forms, status, cancel).

Prefixes start with "ta" and stay short: callback data is limited to 64 bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.cities import City
from bot.core.i18n import Translator
from bot.core.roles import MemberRole
from bot.trips.catalogue import Direction, Programme, TripStatus
from bot.trips.questions import QuestionKind
from handlers.events.callbacks import EventFormAction, EventFormCb
from handlers.kit.buttons import pager
from handlers.kit.callbacks import Id, Small
from handlers.kit.keyboards import InlineKeyboard
from handlers.kit.panel import PanelAction, PanelCb, to_panel_button
from handlers.trips.callbacks import TripAction, TripCb

PAGE_SIZE = 8
LABEL_MAX = 60
YES, NO = "yes", "no"


class FormAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    KEEP = "keep"  # leave the current value as it is
    SKIP = "skip"  # no description
    DONE = "done"  # audience chosen, questions added
    ADD = "add"  # add a question
    SAVE = "save"
    CONFIRM = "ok"  # cancel the trip, really


class TripField(StrEnum):
    """What the trip preview offers to change; each is one step of the form."""

    PROGRAMME = "prog"
    TITLE = "title"
    FROM = "from"
    TO = "to"
    STARTS = "start"
    ENDS = "end"
    DEADLINE = "dl"
    CAPACITY = "cap"
    APPROVAL = "appr"
    MINORS = "minors"
    QUESTIONS = "qs"
    DESCRIPTION = "descr"
    STATUS = "status"


class FormCb(CallbackData, prefix="taf"):
    action: FormAction


class PickCb(CallbackData, prefix="tak"):
    """A choice in the current step; what it means depends on the step (checked there)."""

    value: str


class FieldCb(CallbackData, prefix="tae"):
    field: TripField


class DropQuestionCb(CallbackData, prefix="taq"):
    index: Small


class StatusCb(CallbackData, prefix="tas"):
    id: Id
    status: TripStatus
    confirm: bool = False


def short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def nav_row(
    t: Translator, *, back: bool = True, cancel: bool = True
) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(_button(t.button("btn-back"), FormCb(action=FormAction.BACK)))
    if cancel:
        row.append(_button(t.button("btn-cancel"), FormCb(action=FormAction.CANCEL)))
    return row


def form_keyboard(
    t: Translator,
    buttons: Iterable[InlineKeyboardButton] = (),
    *,
    columns: int = 1,
    keep: bool = False,
    back: bool = True,
    extra: Iterable[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """A step's choices, then "Оставить как есть" when there is a value, then navigation."""
    builder = InlineKeyboard()
    builder.add(*buttons)
    builder.adjust(columns)
    for button in extra:
        builder.row(button)
    if keep:
        builder.row(_button(t.button("org-btn-keep"), FormCb(action=FormAction.KEEP)))
    builder.row(*nav_row(t, back=back))
    return builder.as_markup()


def pick(text: str, value: str | int) -> InlineKeyboardButton:
    return _button(text, PickCb(value=str(value)))


# The panel and its lists


def panel_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for action, key in (
        (PanelAction.NEW_PROGRAMME, "org-btn-new-programme"),
        (PanelAction.NEW_TRIP, "org-btn-new-trip"),
        (PanelAction.PROGRAMMES, "org-btn-programmes"),
        (PanelAction.TRIPS, "org-btn-trips"),
        (PanelAction.BROADCASTS, "org-btn-broadcasts"),
        (PanelAction.TELEBRIDGES, "org-btn-telebridges"),
        (PanelAction.REPORT, "org-btn-report"),
    ):
        builder.button(text=t.button(key), callback_data=PanelCb(action=action))
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text=t.button("org-btn-new-event"),
            callback_data=EventFormCb(action=EventFormAction.NEW).pack(),
        )
    )
    return builder.as_markup()


def list_keyboard(
    t: Translator,
    items: Iterable[InlineKeyboardButton],
    *,
    action: PanelAction,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for item in items:
        builder.row(item)
    pages_row = pager(page, pages, lambda to: PanelCb(action=action, page=to))
    if pages_row:
        builder.row(*pages_row)
    builder.row(to_panel_button(t))
    return builder.as_markup()


def programme_item(t: Translator, programme: Programme) -> InlineKeyboardButton:
    label = t.button(
        "org-programme-item",
        direction=t.button(f"direction-{programme.direction}"),
        title=programme.title,
    )
    return _button(short(label), PanelCb(action=PanelAction.PROGRAMME, id=programme.id))


def trip_item(label: str, trip_id: int) -> InlineKeyboardButton:
    return _button(short(label), TripCb(action=TripAction.OPEN, id=trip_id))


def saved_keyboard(t: Translator, trip_id: int | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if trip_id is not None:
        builder.row(trip_item(t.button("org-btn-open-trip"), trip_id))
    builder.row(to_panel_button(t))
    return builder.as_markup()


def no_programmes_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=t.button("org-btn-new-programme"),
        callback_data=PanelCb(action=PanelAction.NEW_PROGRAMME),
    )
    builder.row(to_panel_button(t))
    return builder.as_markup()


# Choices inside the forms


def directions_buttons(t: Translator) -> list[InlineKeyboardButton]:
    return [pick(t.button(f"direction-{d.value}"), d.value) for d in Direction]


def audience_keyboard(t: Translator, selected: Iterable[str]) -> InlineKeyboardMarkup:
    chosen = set(selected)
    buttons = []
    for role in MemberRole:
        label = t.button(f"role-{role.value}")
        if role.value in chosen:
            label = t.button("org-audience-selected", role=label)
        buttons.append(pick(label, role.value))
    done = _button(t.button("org-btn-done"), FormCb(action=FormAction.DONE))
    return form_keyboard(t, buttons, columns=2, extra=[done])


def programmes_buttons(
    t: Translator, programmes: Iterable[Programme]
) -> list[InlineKeyboardButton]:
    return [
        pick(
            short(
                t.button(
                    "org-programme-item",
                    direction=t.button(f"direction-{p.direction}"),
                    title=p.title,
                )
            ),
            p.id,
        )
        for p in programmes
    ]


def cities_buttons(
    t: Translator, cities: Iterable[City], *, exclude: int | None = None
) -> list[InlineKeyboardButton]:
    return [pick(city.name(t.language), city.id) for city in cities if city.id != exclude]


def yes_no_buttons(t: Translator) -> list[InlineKeyboardButton]:
    return [pick(t.button("org-btn-yes"), YES), pick(t.button("org-btn-no"), NO)]


def kinds_buttons(t: Translator) -> list[InlineKeyboardButton]:
    return [pick(t.button(f"org-kind-{kind.value}"), kind.value) for kind in QuestionKind]


def new_status_buttons(t: Translator) -> list[InlineKeyboardButton]:
    return [
        pick(t.button(f"org-status-{status.value}"), status.value)
        for status in (TripStatus.DRAFT, TripStatus.OPEN)
    ]


def questions_keyboard(
    t: Translator, labels: list[str], *, can_add: bool, back: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if can_add:
        builder.row(_button(t.button("org-btn-add-question"), FormCb(action=FormAction.ADD)))
    for index, label in enumerate(labels):
        builder.row(
            _button(
                short(t.button("org-btn-drop-question", number=index + 1, label=label)),
                DropQuestionCb(index=index),
            )
        )
    done_key = "org-btn-questions-done" if labels else "org-btn-no-questions"
    builder.row(_button(t.button(done_key), FormCb(action=FormAction.DONE)))
    builder.row(*nav_row(t, back=back))
    return builder.as_markup()


def description_keyboard(t: Translator, *, keep: bool, back: bool) -> InlineKeyboardMarkup:
    skip = _button(t.button("org-btn-no-description"), FormCb(action=FormAction.SKIP))
    return form_keyboard(t, [skip], keep=keep, back=back)


def preview_keyboard(
    t: Translator, fields: Iterable[TripField] = (), *, back: bool = True
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.row(_button(t.button("org-btn-save"), FormCb(action=FormAction.SAVE)))
    for field in fields:
        builder.button(
            text=t.button(f"org-field-{field.value}"), callback_data=FieldCb(field=field)
        )
    builder.adjust(1, 2)
    builder.row(*nav_row(t, back=back))
    return builder.as_markup()


# Status and cancellation


def status_keyboard(
    t: Translator, trip_id: int, statuses: Iterable[TripStatus]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for status in statuses:
        builder.row(
            _button(
                t.button("org-btn-set-status", status=t.button(f"org-status-{status.value}")),
                StatusCb(id=trip_id, status=status),
            )
        )
    builder.row(trip_item(t.button("org-btn-to-trip"), trip_id))
    return builder.as_markup()


def status_confirm_keyboard(
    t: Translator, trip_id: int, status: TripStatus
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.row(
        _button(
            t.button("org-btn-status-confirm"), StatusCb(id=trip_id, status=status, confirm=True)
        )
    )
    builder.row(
        _button(t.button("btn-back"), TripCb(action=TripAction.STATUS, id=trip_id)),
        trip_item(t.button("btn-cancel"), trip_id),
    )
    return builder.as_markup()


def cancel_confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.row(_button(t.button("org-btn-cancel-confirm"), FormCb(action=FormAction.CONFIRM)))
    builder.row(*nav_row(t))
    return builder.as_markup()
