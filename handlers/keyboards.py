"""Keyboard builders. Labels come from the translation files."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.profile import ProfileField
from bot.roles import Access, MemberRole
from handlers.callbacks import (
    CityCb,
    ConsentCb,
    Ctx,
    LanguageCb,
    MenuCb,
    MenuItem,
    NavAction,
    NavCb,
    PhoneRemoveCb,
    ProfileEditCb,
    RoleCb,
    TelegramNameCb,
)
from storage.cities import City

BUTTON_NAME_MAX = 40


def _nav_row(t: Translator, *, back: bool = True) -> list[InlineKeyboardButton]:
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
    return InlineKeyboardMarkup(inline_keyboard=[_nav_row(t, back=back)])


def language_keyboard(t: Translator, ctx: Ctx) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    # Language names are shown in their own language whatever the current one is.
    builder.button(text="Русский", callback_data=LanguageCb(ctx=ctx, code="ru"))
    builder.button(text="Беларуская", callback_data=LanguageCb(ctx=ctx, code="be"))
    builder.adjust(2)
    builder.row(*_nav_row(t, back=False))
    return builder.as_markup()


def consent_keyboard(t: Translator, *, policy_url: str | None, nav: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button("btn-agree"), callback_data=ConsentCb(agree=True))
    builder.button(text=t.button("btn-disagree"), callback_data=ConsentCb(agree=False))
    builder.adjust(2)
    if policy_url:
        builder.row(InlineKeyboardButton(text=t.button("btn-policy"), url=policy_url))
    if nav:
        builder.row(*_nav_row(t))
    return builder.as_markup()


def agree_later_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button("btn-agree"), callback_data=ConsentCb(agree=True))
    return builder.as_markup()


def name_keyboard(t: Translator, telegram_name: str | None, ctx: Ctx) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if telegram_name:
        label = telegram_name
        if len(label) > BUTTON_NAME_MAX:
            label = label[: BUTTON_NAME_MAX - 1] + "…"
        builder.button(
            text=t.button("btn-use-telegram-name", name=label),
            callback_data=TelegramNameCb(ctx=ctx),
        )
    builder.row(*_nav_row(t, back=ctx is Ctx.ONBOARDING))
    return builder.as_markup()


def cities_keyboard(
    t: Translator, cities: list[City], ctx: Ctx, *, nav: bool = True
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for city in cities:
        builder.button(text=city.name(t.language), callback_data=CityCb(ctx=ctx, id=city.id))
    builder.adjust(2)
    if nav:
        builder.row(*_nav_row(t, back=ctx is Ctx.ONBOARDING))
    return builder.as_markup()


def roles_keyboard(t: Translator, ctx: Ctx) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role in MemberRole:
        builder.button(
            text=t.button(f"role-{role.value}"), callback_data=RoleCb(ctx=ctx, role=role)
        )
    builder.adjust(2)
    builder.row(*_nav_row(t, back=ctx is Ctx.ONBOARDING))
    return builder.as_markup()


def main_menu_keyboard(t: Translator, access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
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


def profile_keyboard(t: Translator, *, has_phone: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
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
