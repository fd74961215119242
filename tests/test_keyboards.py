"""The keyboard builder lays buttons out exactly as aiogram's InlineKeyboardBuilder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.keyboards import InlineKeyboard

Steps = Callable[[Any], object]


def _button(n: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=f"b{n}", callback_data=f"x:{n}")


def _buttons(builder: Any, count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        builder.button(text=f"b{n}", callback_data=MenuCb(item=MenuItem.TRIPS))


LAYOUTS: dict[str, Steps] = {
    "buttons fill rows of eight": lambda b: _buttons(b, 11),
    "adjust(2)": lambda b: (_buttons(b, 9), b.adjust(2)),
    "adjust(1, 3) repeats the last": lambda b: (_buttons(b, 8), b.adjust(1, 3)),
    "adjust(1, 2, repeat=True)": lambda b: (_buttons(b, 8), b.adjust(1, 2, repeat=True)),
    "a button after a row joins it": lambda b: (b.row(_button(1), _button(2)), _buttons(b, 2)),
    "a row after buttons is its own": lambda b: (_buttons(b, 3), b.row(_button(9))),
    "row(width=2) splits": lambda b: b.row(*(_button(n) for n in range(5)), width=2),
    "an empty row adds nothing": lambda b: (b.row(), _buttons(b, 1)),
    "add fills the last row first": lambda b: (
        b.row(*(_button(n) for n in range(7))),
        b.add(*(_button(n) for n in range(7, 12))),
    ),
    "adjust then more rows": lambda b: (
        _buttons(b, 5),
        b.adjust(2),
        b.row(_button(20), _button(21)),
        b.button(text="url", url="https://example.org"),
    ),
    "nothing": lambda b: None,
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_same_layout_as_aiogram(name: str) -> None:
    ours, theirs = InlineKeyboard(), InlineKeyboardBuilder()
    LAYOUTS[name](ours)
    LAYOUTS[name](theirs)
    assert ours.as_markup() == theirs.as_markup()


def test_a_markup_does_not_change_when_building_goes_on() -> None:
    builder = InlineKeyboard()
    builder.button(text="a", callback_data="x:1")
    first = builder.as_markup()
    builder.button(text="b", callback_data="x:2")
    assert [[b.text for b in row] for row in first.inline_keyboard] == [["a"]]
    assert [[b.text for b in row] for row in builder.as_markup().inline_keyboard] == [["a", "b"]]


@pytest.mark.parametrize("size", [0, 9])
def test_row_sizes_outside_one_to_eight_are_refused(size: int) -> None:
    builder = InlineKeyboard()
    builder.button(text="a", callback_data="x:1")
    with pytest.raises(ValueError, match="Row size"):
        builder.adjust(size)
    with pytest.raises(ValueError, match="Row size"):
        builder.row(_button(1), width=size)
