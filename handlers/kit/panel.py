"""The organiser's panel ("Инструменты организатора"): the hub every staff capability
leads back to, and the callback data of its entries."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton

from bot.core.i18n import Translator
from handlers.kit.buttons import button
from handlers.kit.callbacks import IdOrZero, Small


class PanelAction(StrEnum):
    MAIN = "main"
    NEW_PROGRAMME = "np"
    NEW_TRIP = "nt"
    PROGRAMMES = "pl"  # the list of programmes, `page`
    PROGRAMME = "pe"  # edit programme `id`
    TRIPS = "tl"  # every trip, drafts included, `page`
    BROADCASTS = "bc"  # handled by handlers.broadcasts.compose
    TELEBRIDGES = "tbs"  # handled by handlers.telebridges.admin
    REPORT = "rpt"  # handled by handlers.reports.report


class PanelCb(CallbackData, prefix="tao"):
    action: PanelAction
    page: Small = 0
    id: IdOrZero = 0


def to_panel_button(t: Translator) -> InlineKeyboardButton:
    return button(t.button("org-btn-panel"), PanelCb(action=PanelAction.MAIN))
