"""`python -m bot grant|revoke ID`: organiser rights from the shell."""

from __future__ import annotations

import asyncio
import logging

from aiogram.exceptions import TelegramAPIError

from bot.app import create_bot, create_services
from bot.core.command_menu import set_personal_menu
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translations
from bot.runner import open_database
from bot.staff.organisers import GrantResult, RevokeResult

logger = logging.getLogger(__name__)
MENU_TIMEOUT_SECONDS = 10

_LINES = {
    GrantResult.GRANTED: "Пользователь {id} теперь организатор.",
    GrantResult.GRANTED_UNKNOWN: (
        "Пользователь {id} теперь организатор; он ещё не открывал бота,"
        " права заработают, когда он нажмёт /start."
    ),
    GrantResult.ALREADY: "Пользователь {id} уже организатор или администратор.",
    RevokeResult.REVOKED: "Пользователь {id} больше не организатор.",
    RevokeResult.NOT_ORGANISER: "Пользователь {id} не был организатором.",
}


async def change_rights(settings: Settings, *, user_id: int, grant: bool) -> str:
    db = await open_database(settings)
    try:
        services = create_services(settings, db)
        organisers = services.organisers
        result: GrantResult | RevokeResult
        try:
            if grant:
                _, result = await organisers.grant(actor_id=None, target=user_id)
            else:
                _, result = await organisers.revoke(actor_id=None, target=user_id)
        except UserError as error:
            return {
                "error-revoke-admin": f"Пользователь {user_id} — администратор из ADMIN_IDS;"
                " уберите его оттуда.",
            }.get(error.key, f"Неверный id пользователя: {user_id}")
        access = await organisers.access(user_id)
        person = await services.people.get(tg_id=user_id)
    finally:
        await db.close()
    # Best effort: the running bot also sets staff menus at every start.
    bot = create_bot(settings)
    try:
        t = Translations(settings.default_language).get(person.language if person else None)
        await asyncio.wait_for(
            set_personal_menu(bot, t, chat_id=user_id, access=access), MENU_TIMEOUT_SECONDS
        )
    except (TelegramAPIError, TimeoutError) as exc:
        logger.warning("Command menu not updated now: %s", type(exc).__name__)
    finally:
        await bot.session.close()
    return _LINES[result].format(id=user_id)
