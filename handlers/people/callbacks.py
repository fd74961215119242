"""Callback data of people's own screens: consent, the name from Telegram, the profile.
Prefixes are short: callback data is limited to 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.people.profile import ProfileField
from handlers.kit.callbacks import Ctx


class ConsentCb(CallbackData, prefix="cns"):
    agree: bool


class TelegramNameCb(CallbackData, prefix="tgn"):
    ctx: Ctx


class ProfileEditCb(CallbackData, prefix="pe"):
    field: ProfileField


class PhoneRemoveCb(CallbackData, prefix="phd"):
    pass
