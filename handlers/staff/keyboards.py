"""The staff capability's keyboards that the services' notices carry."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import Translator
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.keyboards import way_on_keyboard


def rights_markup(t: Translator, granted: bool) -> InlineKeyboardMarkup:
    """Under a notice about rights: a new organiser's way on is their panel; otherwise
    the menu."""
    if not granted:
        return way_on_keyboard(t)
    panel = InlineKeyboardButton(
        text=t.button("menu-org"), callback_data=MenuCb(item=MenuItem.ORGANISER).pack()
    )
    return way_on_keyboard(t, panel)
