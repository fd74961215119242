"""Messages the bot sends on its own to one person: in their language, through the outbox.

Direct replies to a person's own action are sent by the handlers; everything else
(status notices, the organisers' copies of new registrations) is queued here and
delivered by the delivery engine at Telegram's pace.

A notice is queued inside the transaction of the change it tells about (`conn`), by the
service that makes the change: both commit together or neither does, so a crash can
never leave a person approved but untold, nor told of a change that was rolled back.
The engine is woken once the transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.core.i18n import Translations, Translator
from storage.db import Writer
from storage.outbox import NewMessage, OutboxRepo
from storage.people import PersonRepo

logger = logging.getLogger(__name__)

NOTICE = "notice"


class Notifier:
    def __init__(
        self,
        people: PersonRepo,
        translations: Translations,
        outbox: OutboxRepo,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._people = people
        self._translations = translations
        self._outbox = outbox
        self._wake = wake  # the delivery engine's

    async def translator_for(self, tg_id: int) -> Translator:
        person = await self._people.get(tg_id=tg_id)
        return self._translations.get(person.language if person else None)

    async def tell(
        self,
        conn: Writer,
        tg_id: int | None,
        key: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        **args: Any,
    ) -> bool:
        """Queue text `key` for a person in their language; False if they cannot be reached."""
        if tg_id is None:
            return False
        t = await self.translator_for(tg_id)
        return await self.send(conn, tg_id, t(key, **args), markup=markup)

    async def tell_many(
        self, conn: Writer, recipients: Iterable[int], key: str, **args: Any
    ) -> int:
        """The same notice to many people, each in their language, queued in one go.

        Returns how many were queued (people who blocked the bot are left out).
        """
        messages = []
        for tg_id in recipients:
            person = await self._people.get(tg_id=tg_id)
            if person is not None and person.blocked_at is not None:
                continue
            t = self._translations.get(person.language if person else None)
            messages.append(NewMessage(chat_id=tg_id, purpose=NOTICE, text=t(key, **args)))
        if messages:
            await self._queue(conn, messages)
        return len(messages)

    async def send(
        self,
        conn: Writer,
        tg_id: int,
        text: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        dedup_key: str | None = None,
    ) -> bool:
        """Queue a ready text; a `dedup_key` already queued once is not queued again."""
        person = await self._people.get(tg_id=tg_id)
        if person is not None and person.blocked_at is not None:
            return False
        await self._queue(
            conn,
            [
                NewMessage(
                    chat_id=tg_id,
                    purpose=NOTICE,
                    text=text,
                    reply_markup=markup.model_dump(exclude_none=True) if markup else None,
                    dedup_key=dedup_key,
                )
            ],
        )
        return True

    async def _queue(self, conn: Writer, messages: list[NewMessage]) -> None:
        await self._outbox.enqueue(messages, conn=conn)
        if self._wake is not None:
            # After the commit: before it the engine would not see the rows yet (without
            # the wake-up the running bot finds them within a second).
            conn.after_commit(self._wake)
