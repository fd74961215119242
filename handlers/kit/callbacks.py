"""Typed callback data. Prefixes are short: callback data is limited to 64 bytes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from aiogram.filters.callback_data import CallbackData
from pydantic import BeforeValidator

from bot.core.ids import ID_MAX, SMALL_MAX, parse_int
from bot.core.roles import MemberRole


def _ranged(low: int, high: int) -> BeforeValidator:
    """Read a number of callback data with bot.core.ids: canonical ASCII digits within range.

    Data that does not parse fails CallbackData.unpack, so the button's filter says no and
    the press reaches the fallback ("Эта кнопка больше не действует"), never a query."""

    def check(value: Any) -> int:
        number = parse_int(value, low=low, high=high)
        if number is None:
            raise ValueError(f"not a number in {low}..{high}")
        return number

    return BeforeValidator(check)


# Every integer field of every CallbackData is one of these (a test checks it).
Id = Annotated[int, _ranged(1, ID_MAX)]  # a row or a person that must exist
IdOrZero = Annotated[int, _ranged(0, ID_MAX)]  # 0: none chosen (or both cities)
Small = Annotated[int, _ranged(0, SMALL_MAX)]  # a page, a position, a round, YYYYMM(DD)
IdOrUnset = Annotated[int, _ranged(-1, ID_MAX)]  # -1: not chosen yet, 0: all


class Ctx(StrEnum):
    """Where a choice was offered: in the onboarding form or in the profile."""

    ONBOARDING = "o"
    PROFILE = "p"


class NavAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"


class MenuItem(StrEnum):
    TRIPS = "trips"
    MY_TRIPS = "mytrips"
    EVENTS = "events"
    MY_EVENTS = "myevents"
    SCHOOLS = "schools"
    ROADMAP = "roadmap"
    ORGANISER = "org"
    PROFILE = "profile"
    LANGUAGE = "lang"
    HELP = "help"
    INVITE = "invite"
    MAIN = "main"  # the main menu itself, under a message that ends a flow


class LanguageCb(CallbackData, prefix="lng"):
    ctx: Ctx
    code: str


class CityCb(CallbackData, prefix="cty"):
    ctx: Ctx
    id: Id


class RoleCb(CallbackData, prefix="rol"):
    ctx: Ctx
    role: MemberRole


class NavCb(CallbackData, prefix="nav"):
    action: NavAction


class MenuCb(CallbackData, prefix="menu"):
    item: MenuItem
