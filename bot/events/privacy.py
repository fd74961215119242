"""Event subscriptions in "Мои данные" and /forget: deleted (see bot/people/personal_data.py)."""

from __future__ import annotations

from typing import Any

from bot.people.personal_data import (
    Collected,
    DataSection,
    Erased,
    Subject,
    View,
    stored_time,
)
from storage.db import Writer
from storage.privacy import PrivacyRepo


class SubscriptionsSection(DataSection):
    key = "subscriptions"

    def __init__(self, privacy: PrivacyRepo) -> None:
        self._privacy = privacy

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        found = await self._privacy.subscriptions(tg_id=subject.tg_id)
        if not found:
            return None
        data = [
            {
                "event_id": item.event_id,
                "title": item.title,
                "starts_at": stored_time(item.starts_at),
                "subscribed_at": stored_time(item.subscribed_at),
            }
            for item in found
        ]
        lines = [
            view.t(
                "mydata-subscription",
                title=item.title,
                city=view.city(item.city_id),
                when=view.when(item.starts_at),
                since=view.when(item.subscribed_at),
            )
            for item in found
        ]
        return Collected(data, tuple(lines), count=len(found))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        count = await self._privacy.delete_subscriptions(conn, tg_id=subject.tg_id)
        return Erased(erased={"forget-erased-subscriptions": count})

    async def expire(self, conn: Writer, *, before: Any, now: Any) -> int:
        return await self._privacy.delete_subscriptions_ended(conn, before=before)
