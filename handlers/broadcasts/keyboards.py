"""Callback data and keyboards of broadcasts. Prefixes start with "bc" (64-byte limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcasts.service import ANY_KIND, BroadcastStatus, SegmentKind, TripAudience
from bot.core.cities import City
from bot.core.i18n import Translator
from bot.core.roles import MemberRole
from bot.telebridges.service import InstitutionKind
from handlers.kit.callbacks import IdOrZero, Small
from handlers.kit.keyboards import InlineKeyboard, way_on_keyboard
from handlers.kit.panel import to_panel_button

PAGE_SIZE = 8


class BcAction(StrEnum):
    HOME = "home"
    NEW = "new"
    HISTORY = "hist"  # `page`
    OPEN = "open"  # the card of broadcast `id`
    SHOW = "show"  # a copy of broadcast `id`'s message
    STOP = "stop"  # asks to confirm
    STOP_OK = "stopok"
    STOP_NO = "stopno"
    WITHDRAW = "wd"  # cancel a scheduled one


class BcFormAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    SEND = "send"
    SCHEDULE = "sched"


class BcCb(CallbackData, prefix="bc"):
    action: BcAction
    id: IdOrZero = 0
    page: Small = 0


class BcFormCb(CallbackData, prefix="bcf"):
    action: BcFormAction


class BcPickCb(CallbackData, prefix="bcp"):
    """A choice in the segment form; what it means depends on the step (checked there)."""

    value: str


class BcPageCb(CallbackData, prefix="bcl"):
    page: Small


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _pager(page: int, pages: int, to: Callable[[int], CallbackData]) -> list[InlineKeyboardButton]:
    if pages <= 1:
        return []
    row = [_button("◀", to(page - 1))] if page > 0 else []
    row.append(_button(f"{page + 1}/{pages}", to(page)))
    if page < pages - 1:
        row.append(_button("▶", to(page + 1)))
    return row


def _nav(t: Translator, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = [_button(t.button("btn-back"), BcFormCb(action=BcFormAction.BACK))] if back else []
    row.append(_button(t.button("btn-cancel"), BcFormCb(action=BcFormAction.CANCEL)))
    return row


def home_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.row(_button(t.button("bc-btn-new"), BcCb(action=BcAction.NEW)))
    builder.row(_button(t.button("bc-btn-history"), BcCb(action=BcAction.HISTORY)))
    builder.row(to_panel_button(t))
    return builder.as_markup()


def home_button(t: Translator) -> InlineKeyboardButton:
    return _button(t.button("bc-btn-home"), BcCb(action=BcAction.HOME))


def kinds_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for kind in SegmentKind:
        builder.button(text=t.button(f"bc-kind-{kind.value}"), callback_data=BcPickCb(value=kind))
    builder.adjust(2)
    builder.row(*_nav(t, back=False))
    return builder.as_markup()


def _choices(
    t: Translator, choices: Iterable[tuple[str, str]], *, columns: int = 2
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for label, value in choices:
        builder.button(text=label, callback_data=BcPickCb(value=value))
    builder.adjust(columns)
    builder.row(*_nav(t))
    return builder.as_markup()


def cities_keyboard(t: Translator, cities: Iterable[City]) -> InlineKeyboardMarkup:
    return _choices(t, ((city.name(t.language), str(city.id)) for city in cities))


def institution_cities_keyboard(t: Translator, cities: Iterable[City]) -> InlineKeyboardMarkup:
    choices = [(t.button("bc-all-cities"), "0")]
    choices += [(city.name(t.language), str(city.id)) for city in cities]
    return _choices(t, choices)


def institution_kinds_keyboard(t: Translator) -> InlineKeyboardMarkup:
    choices = [(t.button("bc-all-kinds"), ANY_KIND)]
    choices += [(t.button(f"school-kinds-{kind.value}"), kind.value) for kind in InstitutionKind]
    return _choices(t, choices)


def roles_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return _choices(t, ((t.button(f"role-{role.value}"), role.value) for role in MemberRole))


def languages_keyboard(t: Translator) -> InlineKeyboardMarkup:
    # Language names in their own language, as everywhere in the bot.
    return _choices(t, (("Русский", "ru"), ("Беларуская", "be")))


def audience_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return _choices(
        t,
        ((t.button(f"bc-audience-{item.value}"), item.value) for item in TripAudience),
        columns=1,
    )


def items_keyboard(
    t: Translator, items: Iterable[tuple[str, int]], *, page: int, pages: int
) -> InlineKeyboardMarkup:
    """A paged list to pick one trip or event from."""
    builder = InlineKeyboard()
    for label, item_id in items:
        builder.row(_button(label, BcPickCb(value=str(item_id))))
    pager = _pager(page, pages, lambda number: BcPageCb(page=number))
    if pager:
        builder.row(*pager)
    builder.row(*_nav(t))
    return builder.as_markup()


def content_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_nav(t)])


def preview_keyboard(t: Translator, *, can_send: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if can_send:
        builder.row(
            _button(t.button("bc-btn-send"), BcFormCb(action=BcFormAction.SEND)),
            _button(t.button("bc-btn-schedule"), BcFormCb(action=BcFormAction.SCHEDULE)),
        )
    builder.row(*_nav(t))
    return builder.as_markup()


def stop_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    """Under a running broadcast's progress message."""
    stop = _button(t.button("bc-btn-stop"), BcCb(action=BcAction.STOP, id=broadcast_id))
    return InlineKeyboardMarkup(inline_keyboard=[[stop]])


def report_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    """Under the finished broadcast's report to its author: back to the broadcasts, or the
    menu (the report is where the author's own action ends)."""
    return way_on_keyboard(t, home_button(t))


def stop_confirm_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.button("bc-btn-stop-yes"), BcCb(action=BcAction.STOP_OK, id=broadcast_id))],
            [_button(t.button("bc-btn-stop-no"), BcCb(action=BcAction.STOP_NO, id=broadcast_id))],
        ]
    )


def scheduled_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    withdraw = _button(
        t.button("bc-btn-withdraw"), BcCb(action=BcAction.WITHDRAW, id=broadcast_id)
    )
    return InlineKeyboardMarkup(inline_keyboard=[[withdraw], [home_button(t)]])


def history_keyboard(
    t: Translator, items: Iterable[tuple[str, int]], *, page: int, pages: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for label, broadcast_id in items:
        builder.row(_button(label, BcCb(action=BcAction.OPEN, id=broadcast_id, page=page)))
    pager = _pager(page, pages, lambda number: BcCb(action=BcAction.HISTORY, page=number))
    if pager:
        builder.row(*pager)
    builder.row(home_button(t))
    return builder.as_markup()


def card_keyboard(
    t: Translator, broadcast_id: int, *, status: str, page: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if status in (BroadcastStatus.RUNNING, BroadcastStatus.QUEUEING):
        builder.row(_button(t.button("bc-btn-stop"), BcCb(action=BcAction.STOP, id=broadcast_id)))
    elif status == BroadcastStatus.SCHEDULED:
        builder.row(
            _button(t.button("bc-btn-withdraw"), BcCb(action=BcAction.WITHDRAW, id=broadcast_id))
        )
    builder.row(_button(t.button("bc-btn-show"), BcCb(action=BcAction.SHOW, id=broadcast_id)))
    builder.row(_button(t.button("bc-btn-history"), BcCb(action=BcAction.HISTORY, page=page)))
    return builder.as_markup()
