"""Organiser rights: /invite, /grant, /revoke and the invite_<code> deep link.

Every action is authorised by OrganiserService; the hidden menu is only a convenience.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.core.cities import Cities
from bot.core.command_menu import set_personal_menu
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translations, Translator
from bot.core.roles import Person
from bot.core.timefmt import local_text, utc_now
from bot.people.capability import People
from bot.staff.capability import Staff
from bot.staff.organisers import (
    GrantResult,
    RedeemResult,
    RevokeResult,
)
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.filters import Onboarded
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import Target, send_new, show_error, zone_of


async def _invite(
    target: Target,
    t: Translator,
    bot: Bot,
    person: Person,
    staff: Staff,
    cities: Cities,
    settings: Settings,
    answer: CallbackAnswer | None = None,
) -> None:
    try:
        invite = await staff.organisers.create_invite(actor_id=person.tg_id, now=utc_now())
    except UserError as error:
        await show_error(target, t, error, answer)
        return
    link = await create_start_link(bot, f"invite_{invite.code}")
    expires = local_text(invite.expires_at, await zone_of(person, cities, settings))
    await send_new(
        target, t("admin-invite-created", link=link, expires=expires), way_on_keyboard(t)
    )


async def invite_command(
    message: Message,
    t: Translator,
    bot: Bot,
    person: Person,
    staff: Staff,
    cities: Cities,
    settings: Settings,
) -> None:
    await _invite(message, t, bot, person, staff, cities, settings)


async def invite_menu(
    callback: CallbackQuery,
    t: Translator,
    bot: Bot,
    person: Person,
    staff: Staff,
    cities: Cities,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    await _invite(callback, t, bot, person, staff, cities, settings, callback_answer)


async def _refresh_menu(
    bot: Bot,
    translations: Translations,
    people: People,
    staff: Staff,
    tg_id: int,
) -> Person | None:
    target = await people.repo.get(tg_id=tg_id)
    t = translations.get(target.language if target else None)
    await set_personal_menu(bot, t, chat_id=tg_id, access=await staff.organisers.access(tg_id))
    return target


async def _change_rights(
    message: Message,
    command: CommandObject,
    t: Translator,
    bot: Bot,
    translations: Translations,
    people: People,
    staff: Staff,
    *,
    grant: bool,
) -> None:
    """/grant and /revoke: the service decides; the person concerned is told and gets
    the command menu of their new role."""
    assert message.from_user is not None
    organisers = staff.organisers
    change = organisers.grant if grant else organisers.revoke
    try:
        target_id, result = await change(actor_id=message.from_user.id, target=command.args)
    except UserError as error:
        await message.answer(t(error.key, **error.args_), reply_markup=way_on_keyboard(t))
        return
    verb = "grant" if grant else "revoke"
    await message.answer(
        t(f"admin-{verb}-{result.value}", user_id=target_id), reply_markup=way_on_keyboard(t)
    )
    if result in (GrantResult.ALREADY, RevokeResult.NOT_ORGANISER):
        return
    # The person was told (in the change's transaction); their command menu follows.
    await _refresh_menu(bot, translations, people, staff, target_id)


async def grant_command(
    message: Message,
    command: CommandObject,
    t: Translator,
    bot: Bot,
    translations: Translations,
    people: People,
    staff: Staff,
) -> None:
    await _change_rights(message, command, t, bot, translations, people, staff, grant=True)


async def revoke_command(
    message: Message,
    command: CommandObject,
    t: Translator,
    bot: Bot,
    translations: Translations,
    people: People,
    staff: Staff,
) -> None:
    await _change_rights(message, command, t, bot, translations, people, staff, grant=False)


async def open_invite(
    message: Message,
    argument: str,
    t: Translator,
    bot: Bot,
    translations: Translations,
    person: Person | None,
    people: People,
    staff: Staff,
) -> None:
    """Deep link invite_<code>: redeem it for the person who opened it."""
    assert message.from_user is not None
    redemption = await staff.organisers.redeem_invite(
        code=argument, tg_id=message.from_user.id, now=utc_now()
    )
    onboarded = person is not None and person.is_onboarded
    await message.answer(
        t(f"invite-{redemption.result.value}"),
        # Their menu (with the organiser's panel, once granted) is the way on.
        reply_markup=way_on_keyboard(t) if onboarded else None,
    )
    if redemption.result is not RedeemResult.GRANTED or redemption.invite is None:
        return
    # The invitation's author was told in the same transaction; the new menu follows.
    await _refresh_menu(bot, translations, people, staff, message.from_user.id)


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
