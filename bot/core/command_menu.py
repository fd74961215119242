"""The command menu: defaults in Russian and Belarusian, a personal menu for staff.

Organiser and admin commands are shown only in the chats of those people
(BotCommandScopeChat); members see the default menu. Rights are still checked
on every command: a hidden command can always be typed.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.core.i18n import Translations, Translator
from bot.core.logging_setup import UserRef
from bot.core.roles import Access

logger = logging.getLogger(__name__)

MEMBER_COMMANDS = (
    "start",
    "trips",
    "mytrips",
    "events",
    "myevents",
    "school",
    "telebridges",
    "roadmap",
    "profile",
    "mydata",
    "language",
    "help",
    "cancel",
)
# /forget is left out of the menu on purpose (a tap too easily made); /mydata and
# /help name it.
ORGANISER_COMMANDS: tuple[str, ...] = ("organiser", "broadcast", "report")
ADMIN_COMMANDS = ("invite", "grant", "revoke", "audit")


def commands_for(access: Access) -> tuple[str, ...]:
    commands: tuple[str, ...] = MEMBER_COMMANDS
    if access >= Access.ORGANISER:
        commands += ORGANISER_COMMANDS
    if access >= Access.ADMIN:
        commands += ADMIN_COMMANDS
    return commands


def build_commands(t: Translator, access: Access) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=t.button(f"cmd-{name}"))
        for name in commands_for(access)
    ]


async def set_default_menus(bot: Bot, translations: Translations) -> None:
    """Russian for everyone by default, Belarusian for Belarusian-language apps."""
    await bot.set_my_commands(
        build_commands(translations.get("ru"), Access.MEMBER), scope=BotCommandScopeDefault()
    )
    await bot.set_my_commands(
        build_commands(translations.get("be"), Access.MEMBER),
        scope=BotCommandScopeDefault(),
        language_code="be",
    )


async def set_personal_menu(bot: Bot, t: Translator, *, chat_id: int, access: Access) -> None:
    """Give staff their menu in their chosen language; members fall back to the default."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    try:
        if access >= Access.ORGANISER:
            await bot.set_my_commands(build_commands(t, access), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramAPIError as exc:
        # A person who has never opened the bot has no chat yet; the menu is set
        # at the next start-up or when they open the bot.
        logger.warning("Cannot set the command menu for %s: %s", UserRef(chat_id), exc)
