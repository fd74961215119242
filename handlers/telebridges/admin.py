"""Organisers' side of telebridges: every telebridge of their city with the monthly
figures (held ones count for the roadmap's education items), and the schools that wait
for verification. Organisers only; anyone else gets a polite no."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.core.i18n import Translator
from bot.core.timefmt import local_text, utc_now
from bot.telebridges.service import display_status, month_figures
from handlers.kit.access import organisers_only, refusals_router, staff_router
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.render import show, zone_of
from handlers.telebridges.callbacks import TbOrgCb
from handlers.telebridges.viewer import Viewer, with_viewer
from handlers.telebridges.views import (
    PAGE_SIZE,
    org_keyboard,
    telebridge_label,
    unverified_keyboard,
)

MONTHS_SHOWN = 12


def _pages(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


async def overview(callback: CallbackQuery, page: int, viewer: Viewer) -> None:
    """The organiser's city: counts per month by status, then the telebridges."""
    t: Translator = viewer.t
    person = viewer.person
    cities = await viewer.cities.by_id()
    city = cities.get(person.city_id or 0)
    zone = await zone_of(person, viewer.cities, viewer.settings)
    repo = viewer.telebridges.repo
    months = month_figures(
        await repo.starts_and_statuses(city_id=city.id if city else None), zone, utc_now()
    )
    lines = [t("tb-org-head", city=city.name(t.language) if city else "—")]
    for month, figures in list(months.items())[-MONTHS_SHOWN:]:
        lines.append(
            t(
                "tb-org-month",
                month=t.button(f"event-month-{month % 100}", year=str(month // 100)),
                held=figures.held,
                confirmed=figures.agreed,
                proposed=figures.proposed,
                other=figures.other,
            )
        )
    if not months:
        lines.append(t("tb-org-none"))
    page = max(page, 0)
    items, total = await repo.of_city(
        city_id=city.id if city else 0, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    now = utc_now()
    labels = []
    proposers = await viewer.telebridges.institutions.many(item.proposer_id for item in items)
    for item in items:
        proposer = proposers.get(item.proposer_id)
        when = local_text(item.starts_at, zone)
        name = proposer.name if proposer else "—"
        labels.append((telebridge_label(t, item, name, when, display_status(item, now)), item.id))
    _, unverified = await viewer.telebridges.institutions.unverified(limit=1, offset=0)
    keyboard = org_keyboard(t, labels, page=page, pages=_pages(total), unverified=unverified)
    await show(callback, "\n".join(lines), keyboard)


async def org_page(callback: CallbackQuery, callback_data: TbOrgCb, viewer: Viewer) -> None:
    if callback_data.unverified:
        await unverified(callback, callback_data.page, viewer)
    else:
        await overview(callback, callback_data.page, viewer)


async def from_panel(callback: CallbackQuery, viewer: Viewer) -> None:
    await overview(callback, 0, viewer)


async def unverified(callback: CallbackQuery, page: int, viewer: Viewer) -> None:
    t: Translator = viewer.t
    page = max(page, 0)
    items, total = await viewer.telebridges.institutions.unverified(
        limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    cities = await viewer.cities.by_id()
    text = t("tb-org-unverified", count=total) if total else t("tb-org-unverified-none")
    await show(
        callback, text, unverified_keyboard(t, items, cities, page=page, pages=_pages(total))
    )


def create_router() -> Router:
    staff = with_viewer(staff_router(__name__))
    staff.callback_query.register(org_page, TbOrgCb.filter())
    staff.callback_query.register(from_panel, PanelCb.filter(F.action == PanelAction.TELEBRIDGES))
    refusals = refusals_router(
        __name__,
        messages=(),
        callbacks=(TbOrgCb.filter(), PanelCb.filter(F.action == PanelAction.TELEBRIDGES)),
    )
    return organisers_only(__name__, staff, refusals)
