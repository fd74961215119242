"""Notices about trips that the bot sends on its own (to members and organisers)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.notify import Notifier
from bot.registration import Promotion, RegStatus
from storage.trips import TripRepo


async def announce_promotions(
    notifier: Notifier, trips: TripRepo, promotions: Iterable[Promotion]
) -> None:
    """Tell each person who got a seat from the waiting list."""
    for promotion in promotions:
        trip = await trips.get(trip_id=promotion.trip_id)
        if trip is None:
            continue
        key = (
            "reg-promoted-approved"
            if promotion.status is RegStatus.APPROVED
            else "reg-promoted-pending"
        )
        await notifier.tell(promotion.tg_id, key, trip=trip.title)
