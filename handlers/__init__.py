"""aiogram routers, in the order they are tried: one package per thing a person can do
(`people`, `staff`, `trips`, `events`, `telebridges`, `broadcasts`, `roadmap`,
`reports`), and `kit` for what they all use.

Routers are built anew for every dispatcher (a router can belong to one dispatcher
only), so the bot, a restart in tests and the webhook server each get their own.
"""

from __future__ import annotations

from aiogram import Router

from bot.core.deeplinks import PayloadHandler
from handlers.broadcasts import compose as broadcast
from handlers.events import admin as event_admin
from handlers.events import catalogue as events
from handlers.kit import errors, fallback
from handlers.people import menu as common
from handlers.people import onboarding, privacy, profile, start
from handlers.reports import report as reports
from handlers.roadmap import admin as roadmap_admin
from handlers.roadmap import overview as roadmap
from handlers.staff import admin, audit
from handlers.telebridges import admin as telebridge_admin
from handlers.telebridges import form as telebridge_form
from handlers.telebridges import proposals as telebridges
from handlers.telebridges import schools
from handlers.trips import admin as trip_admin
from handlers.trips import catalogue as trips
from handlers.trips import importing as trip_import
from handlers.trips import participants, registration


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
