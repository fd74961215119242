"""Messages the bot sends on its own to one person: in their language, never fatal.

The delivery-engine issue replaces the direct send with its durable outbox; callers
only ever use `Notifier.tell`.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translations, Translator
from storage.people import PersonRepo

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(self, bot: Bot, people: PersonRepo, translations: Translations) -> None:
        self._bot = bot
        self._people = people
        self._translations = translations

    async def translator_for(self, tg_id: int) -> Translator:
        person = await self._people.get(tg_id=tg_id)
        return self._translations.get(person.language if person else None)

    async def tell(
        self,
        tg_id: int | None,
        key: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        **args: Any,
    ) -> bool:
        """Send text `key` to a person; False if they cannot be reached."""
        if tg_id is None:
            return False
        t = await self.translator_for(tg_id)
        return await self.send(tg_id, t(key, **args), markup=markup)

    async def send(
        self, tg_id: int, text: str, *, markup: InlineKeyboardMarkup | None = None
    ) -> bool:
        try:
            await self._bot.send_message(tg_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            logger.info("Chat %s blocked the bot; notice not delivered", tg_id)
            return False
        except TelegramAPIError as exc:
            logger.warning("Notice to chat %s failed: %s", tg_id, type(exc).__name__)
            return False
        return True
