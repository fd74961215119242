"""Who looks at a telebridges screen, and what drawing it takes, as one typed object
(`viewer`, built once per update by handlers.kit.context)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Router

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.telebridges.capability import Telebridges
from handlers.kit.context import with_context


@dataclass(frozen=True, slots=True)
class Viewer:
    t: Translator
    person: Person  # onboarded: the capability's routers let nobody else through
    access: Access
    telebridges: Telebridges
    cities: Cities
    settings: Settings
    bot: Bot


def with_viewer(router: Router) -> Router:
    return with_context(router, "viewer", Viewer)
