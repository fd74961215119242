"""Notices about organiser rights, queued in the transaction of the change they tell:

- a person made an organiser (by /grant or by an invitation) is told, with their panel
  as the way on; one whose rights went is told too;
- the admin who made an invitation is told who used it.

People who have not finished onboarding are not told: they see their new menu when
they come (and a person /grant names before they ever opened the bot has no chat).
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import InlineKeyboardMarkup

from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from storage.db import Writer
from storage.people import PersonRepo

# The way on under a notice: with the organiser's panel (True) or the menu only (False).
RightsMarkup = Callable[[Translator, bool], InlineKeyboardMarkup]


class StaffNotices:
    def __init__(self, people: PersonRepo, notifier: Notifier, markup: RightsMarkup) -> None:
        self._people = people
        self._notifier = notifier
        self._markup = markup

    async def rights_changed(self, conn: Writer, tg_id: int, *, granted: bool) -> None:
        person = await self._people.get(tg_id=tg_id)
        if person is None or not person.is_onboarded:
            return
        t = await self._notifier.translator_for(tg_id)
        await self._notifier.tell(
            conn,
            tg_id,
            "organiser-granted" if granted else "organiser-revoked",
            markup=self._markup(t, granted),
        )

    async def invite_used(self, conn: Writer, *, creator: int, tg_id: int) -> None:
        person = await self._people.get(tg_id=tg_id)
        name = person.full_name if person and person.full_name else str(tg_id)
        t = await self._notifier.translator_for(creator)
        await self._notifier.tell(
            conn,
            creator,
            "admin-invite-used",
            markup=self._markup(t, False),
            name=name,
            user_id=tg_id,
        )
