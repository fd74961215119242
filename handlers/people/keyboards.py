"""Keyboards of people's own screens: consent, the name, the profile, the phone."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.core.i18n import Translator
from bot.people.profile import ProfileField
from handlers.kit.callbacks import Ctx
from handlers.kit.keyboards import InlineKeyboard, nav_row
from handlers.people.callbacks import ConsentCb, PhoneRemoveCb, ProfileEditCb, TelegramNameCb

NAME_BUTTON_MAX = 40  # a Telegram name longer than this is cut on its button


def consent_keyboard(t: Translator, *, policy_url: str | None, nav: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=t.button("btn-agree"), callback_data=ConsentCb(agree=True))
    builder.button(text=t.button("btn-disagree"), callback_data=ConsentCb(agree=False))
    builder.adjust(2)
    if policy_url:
        builder.row(InlineKeyboardButton(text=t.button("btn-policy"), url=policy_url))
    if nav:
        builder.row(*nav_row(t))
    return builder.as_markup()


def agree_later_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=t.button("btn-agree"), callback_data=ConsentCb(agree=True))
    return builder.as_markup()


def name_keyboard(t: Translator, telegram_name: str | None, ctx: Ctx) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if telegram_name:
        label = telegram_name
        if len(label) > NAME_BUTTON_MAX:
            label = label[: NAME_BUTTON_MAX - 1] + "…"
        builder.button(
            text=t.button("btn-use-telegram-name", name=label),
            callback_data=TelegramNameCb(ctx=ctx),
        )
    builder.row(*nav_row(t, back=ctx is Ctx.ONBOARDING))
    return builder.as_markup()


def profile_keyboard(t: Translator, *, has_phone: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for field in ProfileField:
        builder.button(
            text=t.button(f"btn-edit-{field.value}"), callback_data=ProfileEditCb(field=field)
        )
    if has_phone:
        builder.button(text=t.button("btn-phone-remove"), callback_data=PhoneRemoveCb())
    builder.adjust(2)
    return builder.as_markup()


def share_phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t.button("btn-share-phone"), request_contact=True)],
            [KeyboardButton(text=t.button("btn-cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
