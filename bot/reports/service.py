"""Making a report: its figures computed, its chart and table drawn, the export audited.

The figures (bot.reports.figures) know nothing of drawing; the chart and the table
(bot.reports.chart, bot.reports.xlsx) draw figures; this module uses all three, so
nothing imports back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access, require_organiser
from bot.reports import chart as report_chart
from bot.reports import xlsx as report_xlsx
from bot.reports.figures import OBJECT_KIND, Period, ReportFigures, compute
from bot.staff import audit
from bot.staff.audit import Action, AuditService
from storage.cities import City, CityRepo
from storage.reports import ReportRepo
from storage.roadmap import RoadmapRepo


@dataclass(frozen=True, slots=True)
class ReportFile:
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Report:
    figures: ReportFigures
    chart: ReportFile
    table: ReportFile


def file_stem(period: Period, city: City | None) -> str:
    stem = f"pobratim-report-{period.first.isoformat()}-{period.last.isoformat()}"
    return f"{stem}-{city.code}" if city else stem


def _files(t: Translator, figures: ReportFigures) -> tuple[bytes, bytes]:
    """The chart (PNG) and the table (XLSX), texts included: blocking, a second or so."""
    labels = report_chart.chart_labels(t, figures)
    sheets = report_xlsx.sheets(t, figures)
    return report_chart.render_png(figures, labels), report_xlsx.build_workbook(sheets)


async def render(t: Translator, figures: ReportFigures) -> Report:
    """Both files, made in a worker thread: their texts too (a table of a long period is
    thousands of cells), so that the event loop only waits."""
    png, xlsx = await asyncio.to_thread(_files, t, figures)
    stem = file_stem(figures.period, figures.city)
    return Report(figures, ReportFile(f"{stem}.png", png), ReportFile(f"{stem}.xlsx", xlsx))


class ReportService:
    def __init__(
        self, repo: ReportRepo, roadmap: RoadmapRepo, cities: CityRepo, audit_log: AuditService
    ) -> None:
        self._repo = repo
        self._roadmap = roadmap
        self._cities = cities
        self._audit = audit_log

    async def city(self, city_id: int | None) -> City | None:
        if not city_id:
            return None
        city = await self._cities.get(city_id=city_id)
        if city is None:
            raise UserError("error-stale-button")
        return city

    async def make(
        self,
        *,
        actor_id: int | None,
        actor_access: Access | None,
        period: Period,
        city_id: int | None,
        t: Translator,
        now: datetime,
    ) -> Report:
        """The report's files; an organiser's (or the command line's: actor None, access
        ADMIN) export, written to the audit log."""
        require_organiser(actor_access)
        city = await self.city(city_id)
        figures = await compute(self._repo, self._roadmap, period=period, city=city, now=now)
        report = await render(t, figures)
        await self._audit.add(
            audit.entry(
                actor=actor_id,
                action=Action.EXPORT,
                kind=OBJECT_KIND,
                diff={
                    "from": period.first.isoformat(),
                    "to": period.last.isoformat(),
                    "city": city.code if city else "all",
                },
            )
        )
        return report
