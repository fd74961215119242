"""Buttons and keyboards as every capability builds them: a button from typed callback
data, a keyboard without empty rows, rows of a given width, and a pager row."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

Rows = list[list[InlineKeyboardButton]]


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def chunks(buttons: list[InlineKeyboardButton], size: int) -> Rows:
    return [buttons[index : index + size] for index in range(0, len(buttons), size)]


def pager(page: int, pages: int, to: Callable[[int], CallbackData]) -> list[InlineKeyboardButton]:
    if pages <= 1:
        return []
    row = [button("◀", to(page - 1))] if page > 0 else []
    row.append(button(f"{page + 1}/{pages}", to(page)))
    if page < pages - 1:
        row.append(button("▶", to(page + 1)))
    return row
