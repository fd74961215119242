"""Typed callback data. Prefixes are short: callback data is limited to 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.profile import ProfileField
from bot.roles import MemberRole


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


class ConsentCb(CallbackData, prefix="cns"):
    agree: bool


class CityCb(CallbackData, prefix="cty"):
    ctx: Ctx
    id: int


class RoleCb(CallbackData, prefix="rol"):
    ctx: Ctx
    role: MemberRole


class TelegramNameCb(CallbackData, prefix="tgn"):
    ctx: Ctx


class NavCb(CallbackData, prefix="nav"):
    action: NavAction


class MenuCb(CallbackData, prefix="menu"):
    item: MenuItem


class ProfileEditCb(CallbackData, prefix="pe"):
    field: ProfileField


class PhoneRemoveCb(CallbackData, prefix="phd"):
    pass
