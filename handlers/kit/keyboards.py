"""Keyboard builders. Labels come from the translation files."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, cycle
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.core.cities import City
from bot.core.i18n import Translator
from bot.core.roles import Access, MemberRole
from handlers.kit.callbacks import (
    CityCb,
    Ctx,
    LanguageCb,
    MenuCb,
    MenuItem,
    NavAction,
    NavCb,
    RoleCb,
)


class InlineKeyboard:
    """An inline keyboard being built: the methods and layout rules of aiogram's
    `InlineKeyboardBuilder` (`button`, `add`, `row`, `adjust`, `as_markup`), without its
    copies. aiogram deep-copies every button already added each time it adds one, and
    again to adjust and to export: a nine-button main menu made some sixty copies of
    pydantic models (~3 ms). Buttons are immutable, so none of that is needed."""

    MAX_WIDTH = 8  # buttons in a row, as aiogram's builder allows

    def __init__(self) -> None:
        self._rows: list[list[InlineKeyboardButton]] = []

    def button(
        self, *, text: str, callback_data: str | CallbackData | None = None, **kwargs: Any
    ) -> InlineKeyboard:
        """One more button, in the last row while it has room (as aiogram's builder)."""
        if isinstance(callback_data, CallbackData):
            callback_data = callback_data.pack()
        return self.add(InlineKeyboardButton(text=text, callback_data=callback_data, **kwargs))

    def add(self, *buttons: InlineKeyboardButton) -> InlineKeyboard:
        rest = list(buttons)
        if self._rows and len(self._rows[-1]) < self.MAX_WIDTH:
            room = self.MAX_WIDTH - len(self._rows[-1])
            self._rows[-1].extend(rest[:room])
            rest = rest[room:]
        while rest:
            self._rows.append(rest[: self.MAX_WIDTH])
            rest = rest[self.MAX_WIDTH :]
        return self

    def row(self, *buttons: InlineKeyboardButton, width: int | None = None) -> InlineKeyboard:
        """The buttons as a new row (several rows if there are more than `width`)."""
        size = self._size(self.MAX_WIDTH if width is None else width)
        self._rows.extend(list(buttons[at : at + size]) for at in range(0, len(buttons), size))
        return self

    def adjust(self, *sizes: int, repeat: bool = False) -> InlineKeyboard:
        """Lay all buttons out again in rows of these sizes (the last one repeats)."""
        checked = [self._size(size) for size in sizes or (self.MAX_WIDTH,)]
        widths: Iterator[int] = cycle(checked) if repeat else _repeat_last(checked)
        width = next(widths)
        rows: list[list[InlineKeyboardButton]] = []
        row: list[InlineKeyboardButton] = []
        for button in chain.from_iterable(self._rows):
            if len(row) >= width:
                rows.append(row)
                width = next(widths)
                row = []
            row.append(button)
        if row:
            rows.append(row)
        self._rows = rows
        return self

    def as_markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in self._rows])

    def _size(self, size: int) -> int:
        if not 1 <= size <= self.MAX_WIDTH:
            raise ValueError(f"Row size {size} is not allowed, range: [1, {self.MAX_WIDTH}]")
        return size


def _repeat_last(sizes: list[int]) -> Iterator[int]:
    yield from sizes
    while True:
        yield sizes[-1]


def nav_row(t: Translator, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(
            InlineKeyboardButton(
                text=t.button("btn-back"), callback_data=NavCb(action=NavAction.BACK).pack()
            )
        )
    row.append(
        InlineKeyboardButton(
            text=t.button("btn-cancel"), callback_data=NavCb(action=NavAction.CANCEL).pack()
        )
    )
    return row


def nav_keyboard(t: Translator, *, back: bool = True) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[nav_row(t, back=back)])


def language_keyboard(t: Translator, ctx: Ctx) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    # Language names are shown in their own language whatever the current one is.
    builder.button(text="Русский", callback_data=LanguageCb(ctx=ctx, code="ru"))
    builder.button(text="Беларуская", callback_data=LanguageCb(ctx=ctx, code="be"))
    builder.adjust(2)
    builder.row(*nav_row(t, back=False))
    return builder.as_markup()


def cities_keyboard(
    t: Translator, cities: list[City], ctx: Ctx, *, nav: bool = True
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for city in cities:
        builder.button(text=city.name(t.language), callback_data=CityCb(ctx=ctx, id=city.id))
    builder.adjust(2)
    if nav:
        builder.row(*nav_row(t, back=ctx is Ctx.ONBOARDING))
    return builder.as_markup()


def roles_keyboard(t: Translator, ctx: Ctx) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for role in MemberRole:
        builder.button(
            text=t.button(f"role-{role.value}"), callback_data=RoleCb(ctx=ctx, role=role)
        )
    builder.adjust(2)
    builder.row(*nav_row(t, back=ctx is Ctx.ONBOARDING))
    return builder.as_markup()


def menu_button(t: Translator) -> InlineKeyboardButton:
    """The way on from a message that ends a flow: the main menu, as a new message."""
    return InlineKeyboardButton(
        text=t.button("menu-main"), callback_data=MenuCb(item=MenuItem.MAIN).pack()
    )


def schools_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t.button("menu-schools"), callback_data=MenuCb(item=MenuItem.SCHOOLS).pack()
    )


def trips_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t.button("menu-trips"), callback_data=MenuCb(item=MenuItem.TRIPS).pack()
    )


def way_on_keyboard(t: Translator, *buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """The natural next steps, one a row, then the main menu."""
    return InlineKeyboardMarkup(inline_keyboard=[*([b] for b in buttons), [menu_button(t)]])


def start_keyboard(t: Translator, *, again: bool = False) -> InlineKeyboardMarkup:
    """For someone the bot does not know (yet, or any more): the way on is getting
    acquainted, the language first. `again` after a cancelled onboarding or /forget."""
    label = t.button("btn-start-again" if again else "btn-start")
    start = InlineKeyboardButton(text=label, callback_data=MenuCb(item=MenuItem.LANGUAGE).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[start]])


def main_menu_keyboard(t: Translator, access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=t.button("menu-trips"), callback_data=MenuCb(item=MenuItem.TRIPS))
    builder.button(text=t.button("menu-mytrips"), callback_data=MenuCb(item=MenuItem.MY_TRIPS))
    builder.button(text=t.button("menu-events"), callback_data=MenuCb(item=MenuItem.EVENTS))
    builder.button(text=t.button("menu-myevents"), callback_data=MenuCb(item=MenuItem.MY_EVENTS))
    builder.button(text=t.button("menu-schools"), callback_data=MenuCb(item=MenuItem.SCHOOLS))
    builder.button(text=t.button("menu-roadmap"), callback_data=MenuCb(item=MenuItem.ROADMAP))
    if access >= Access.ORGANISER:
        builder.button(text=t.button("menu-org"), callback_data=MenuCb(item=MenuItem.ORGANISER))
    builder.button(text=t.button("menu-profile"), callback_data=MenuCb(item=MenuItem.PROFILE))
    builder.button(text=t.button("menu-lang"), callback_data=MenuCb(item=MenuItem.LANGUAGE))
    builder.button(text=t.button("menu-help"), callback_data=MenuCb(item=MenuItem.HELP))
    if access >= Access.ADMIN:
        builder.button(text=t.button("menu-invite"), callback_data=MenuCb(item=MenuItem.INVITE))
    builder.adjust(2)
    return builder.as_markup()
