"""aiogram routers, in the order they are tried.

Routers are built anew for every dispatcher (a router can belong to one dispatcher
only), so the bot, a restart in tests and the webhook server each get their own.
"""

from __future__ import annotations

from aiogram import Router

from bot.deeplinks import PayloadHandler
from handlers import (
    admin,
    audit,
    broadcast,
    common,
    errors,
    event_admin,
    events,
    fallback,
    onboarding,
    participants,
    privacy,
    profile,
    registration,
    reports,
    roadmap,
    roadmap_admin,
    schools,
    start,
    telebridge_admin,
    telebridge_form,
    telebridges,
    trip_admin,
    trip_import,
    trips,
)


def get_routers() -> list[Router]:
    # The order they are tried in; catch-alls last. A typed command goes first to the
    # routers that register it (HandlerRouters), so it works in the middle of any form.
    modules = (
        errors,
        start,
        common,
        privacy,
        admin,
        audit,
        onboarding,
        trip_admin,
        event_admin,
        trip_import,
        participants,
        broadcast,
        telebridge_admin,
        roadmap_admin,
        reports,
        trips,
        events,
        roadmap,
        registration,
        schools,
        telebridge_form,
        telebridges,
        profile,
        fallback,
    )
    return [module.create_router() for module in modules]


def get_deep_links() -> dict[str, PayloadHandler]:
    """Deep-link payload kinds and their handlers, from every capability."""
    return {
        **admin.DEEP_LINKS,
        **trips.DEEP_LINKS,
        **events.DEEP_LINKS,
        **schools.DEEP_LINKS,
    }
