"""aiogram routers, in the order they are tried."""

from __future__ import annotations

from aiogram import Router

from handlers import admin, common, errors, fallback, onboarding, profile, start


def get_routers() -> list[Router]:
    # Commands first so they work in the middle of any form; catch-alls last.
    return [
        errors.router,
        start.router,
        common.router,
        admin.router,
        onboarding.router,
        profile.router,
        fallback.router,
    ]


def get_deep_links() -> dict:
    """Deep-link payload kinds and their handlers, from every capability."""
    return {**admin.DEEP_LINKS}
