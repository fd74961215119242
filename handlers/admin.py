"""Organiser rights: /invite, /grant, /revoke and the invite_<code> deep link.

Every action is authorised by OrganiserService; the hidden menu is only a convenience.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.command_menu import set_personal_menu
from bot.config import Settings
from bot.errors import UserError
from bot.i18n import Translations, Translator
from bot.organisers import (
    GrantResult,
    OrganiserService,
    RedeemResult,
    RevokeResult,
)
from handlers.callbacks import MenuCb, MenuItem
from handlers.filters import Onboarded
from handlers.render import Target, local_time, send_new, show_error, zone_of
from storage.cities import CityRepo
from storage.db import utc_now
from storage.people import Person, PersonRepo

logger = logging.getLogger(__name__)


async def _invite(
    target: Target,
    t: Translator,
    bot: Bot,
    person: Person,
    organisers: OrganiserService,
    cities: CityRepo,
    settings: Settings,
    answer: CallbackAnswer | None = None,
) -> None:
    try:
        invite = await organisers.create_invite(actor_id=person.tg_id, now=utc_now())
    except UserError as error:
        await show_error(target, t, error, answer)
        return
    link = await create_start_link(bot, f"invite_{invite.code}")
    expires = local_time(invite.expires_at, await zone_of(person, cities, settings))
    await send_new(target, t("admin-invite-created", link=link, expires=expires))


async def invite_command(
    message: Message,
    t: Translator,
    bot: Bot,
    person: Person,
    organisers: OrganiserService,
    cities: CityRepo,
    settings: Settings,
) -> None:
    await _invite(message, t, bot, person, organisers, cities, settings)


async def invite_menu(
    callback: CallbackQuery,
    t: Translator,
    bot: Bot,
    person: Person,
    organisers: OrganiserService,
    cities: CityRepo,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    await _invite(callback, t, bot, person, organisers, cities, settings, callback_answer)


async def _notify(bot: Bot, chat_id: int, text: str) -> None:
    """A courtesy note to another person; their having blocked the bot changes nothing."""
    try:
        await bot.send_message(chat_id, text)
    except TelegramAPIError as exc:
        logger.warning("Cannot notify chat %s: %s", chat_id, exc)


async def _refresh_menu(
    bot: Bot,
    translations: Translations,
    people: PersonRepo,
    organisers: OrganiserService,
    tg_id: int,
) -> Person | None:
    target = await people.get(tg_id=tg_id)
    t = translations.get(target.language if target else None)
    await set_personal_menu(bot, t, chat_id=tg_id, access=await organisers.access(tg_id))
    return target


async def grant_command(
    message: Message,
    command: CommandObject,
    t: Translator,
    bot: Bot,
    organisers: OrganiserService,
    people: PersonRepo,
    translations: Translations,
) -> None:
    assert message.from_user is not None
    try:
        target_id, result = await organisers.grant(
            actor_id=message.from_user.id, target=command.args
        )
    except UserError as error:
        await message.answer(t(error.key, **error.args_))
        return
    await message.answer(t(f"admin-grant-{result.value}", user_id=target_id))
    if result is not GrantResult.ALREADY:
        target = await _refresh_menu(bot, translations, people, organisers, target_id)
        if target is not None and target.is_onboarded:
            await _notify(bot, target_id, translations.get(target.language)("organiser-granted"))


async def revoke_command(
    message: Message,
    command: CommandObject,
    t: Translator,
    bot: Bot,
    organisers: OrganiserService,
    people: PersonRepo,
    translations: Translations,
) -> None:
    assert message.from_user is not None
    try:
        target_id, result = await organisers.revoke(
            actor_id=message.from_user.id, target=command.args
        )
    except UserError as error:
        await message.answer(t(error.key, **error.args_))
        return
    await message.answer(t(f"admin-revoke-{result.value}", user_id=target_id))
    if result is RevokeResult.REVOKED:
        target = await _refresh_menu(bot, translations, people, organisers, target_id)
        if target is not None and target.is_onboarded:
            await _notify(bot, target_id, translations.get(target.language)("organiser-revoked"))


async def open_invite(message: Message, argument: str, **data: Any) -> None:
    """Deep link invite_<code>: redeem it for the person who opened it."""
    t: Translator = data["t"]
    bot: Bot = data["bot"]
    organisers: OrganiserService = data["organisers"]
    translations: Translations = data["translations"]
    people: PersonRepo = data["people"]
    assert message.from_user is not None
    redemption = await organisers.redeem_invite(
        code=argument, tg_id=message.from_user.id, now=utc_now()
    )
    await message.answer(t(f"invite-{redemption.result.value}"))
    if redemption.result is not RedeemResult.GRANTED or redemption.invite is None:
        return
    person = await _refresh_menu(bot, translations, people, organisers, message.from_user.id)
    admin = await people.get(tg_id=redemption.invite.created_by)
    admin_t = translations.get(admin.language if admin else None)
    name = person.full_name if person and person.full_name else str(message.from_user.id)
    await _notify(
        bot,
        redemption.invite.created_by,
        admin_t("admin-invite-used", name=name, user_id=message.from_user.id),
    )


DEEP_LINKS = {"invite": open_invite}


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    router.message.register(invite_command, Command("invite"))
    router.callback_query.register(invite_menu, MenuCb.filter(F.item == MenuItem.INVITE))
    router.message.register(grant_command, Command("grant"))
    router.message.register(revoke_command, Command("revoke"))
    return router
