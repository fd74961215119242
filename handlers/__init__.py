"""aiogram routers, in the order they are tried: one package per thing a person can do
(`people`, `staff`, `trips`, `events`, `telebridges`, `broadcasts`, `roadmap`,
`reports`), and `kit` for what they all use.

Routers are built anew for every dispatcher (a router can belong to one dispatcher
only), so the bot, a restart in tests and the webhook server each get their own.
"""

from __future__ import annotations

from aiogram import Router

from bot.core.deeplinks import PayloadHandler
from handlers.broadcasts import compose as broadcasts_compose
from handlers.events import admin as events_admin
from handlers.events import catalogue as events_catalogue
from handlers.kit import errors as kit_errors
from handlers.kit import fallback as kit_fallback
from handlers.people import menu as people_menu
from handlers.people import onboarding as people_onboarding
from handlers.people import privacy as people_privacy
from handlers.people import profile as people_profile
from handlers.people import start as people_start
from handlers.reports import report as reports_report
from handlers.roadmap import admin as roadmap_admin
from handlers.roadmap import overview as roadmap_overview
from handlers.staff import admin as staff_admin
from handlers.staff import audit as staff_audit
from handlers.telebridges import admin as telebridges_admin
from handlers.telebridges import form as telebridges_form
from handlers.telebridges import proposals as telebridges_proposals
from handlers.telebridges import schools as telebridges_schools
from handlers.trips import admin as trips_admin
from handlers.trips import catalogue as trips_catalogue
from handlers.trips import importing as trips_importing
from handlers.trips import participants as trips_participants
from handlers.trips import registration as trips_registration


def get_routers() -> list[Router]:
    # The order they are tried in; catch-alls last. A typed command goes first to the
    # routers that register it (handler_routers), so it works in the middle of any form.
    modules = (
        kit_errors,
        people_start,
        people_menu,
        people_privacy,
        staff_admin,
        staff_audit,
        people_onboarding,
        trips_admin,
        events_admin,
        trips_importing,
        trips_participants,
        broadcasts_compose,
        telebridges_admin,
        roadmap_admin,
        reports_report,
        trips_catalogue,
        events_catalogue,
        roadmap_overview,
        trips_registration,
        telebridges_schools,
        telebridges_form,
        telebridges_proposals,
        people_profile,
        kit_fallback,
    )
    return [module.create_router() for module in modules]


def get_deep_links() -> dict[str, PayloadHandler]:
    """Deep-link payload kinds and their handlers, from every capability."""
    return {
        **staff_admin.DEEP_LINKS,
        **trips_catalogue.DEEP_LINKS,
        **events_catalogue.DEEP_LINKS,
        **telebridges_schools.DEEP_LINKS,
    }
