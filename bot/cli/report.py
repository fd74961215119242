"""`python -m bot report --from YYYY-MM-DD --to YYYY-MM-DD [--city CODE] --out DIR`: the
organisers' report from the shell, the same PNG and XLSX the bot sends, in Russian.

Dates are days in the city's time (with --city) or in TIMEZONE; both days are included.
The report is written to the audit log as an export made from the command line.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from bot.cli.importing import CLI_LANGUAGE, CliResult
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translations
from bot.core.roles import Access
from bot.reports.figures import custom_period, period_text
from bot.reports.service import ReportService
from bot.runner import open_database
from bot.staff.audit import AuditService
from storage.audit import AuditRepo
from storage.cities import CityRepo
from storage.db import utc_now
from storage.reports import ReportRepo
from storage.roadmap import RoadmapRepo


class ReportArgumentError(Exception):
    """A wrong argument; the message is one Russian line."""


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ReportArgumentError(
            f"{name}: «{value}» — не дата; пишите ГГГГ-ММ-ДД, например 2027-03-31."
        ) from None


async def run_report(
    settings: Settings, *, first: date, last: date, city_code: str | None, out: Path
) -> CliResult:
    translations = Translations(settings.default_language)
    t = translations.get(CLI_LANGUAGE)
    db = await open_database(settings)
    try:
        cities = CityRepo(db)
        city = None
        if city_code is not None:
            known = {c.code: c for c in await cities.list()}
            city = known.get(city_code.strip().lower())
            if city is None:
                codes = ", ".join(sorted(known))
                return CliResult(
                    2, err=[f"--city: неизвестный город «{city_code}»; есть: {codes}."]
                )
        # No organiser runs the command in the bot: dates are in the report's city time
        # (the bot's own city for all cities); in the bot, the organiser's city time.
        zone = city.timezone if city else settings.timezone
        try:
            period = custom_period(first, last, zone)
        except UserError as error:
            return CliResult(2, err=[t.button(error.key, **error.args_)])
        service = ReportService(
            ReportRepo(db), RoadmapRepo(db), cities, AuditService(AuditRepo(db))
        )
        try:
            report = await service.make(
                actor_id=None,
                actor_access=Access.ADMIN,
                period=period,
                city_id=city.id if city else None,
                t=t,
                now=utc_now(),
            )
        except UserError as error:  # the workbook could not be written
            return CliResult(1, err=[t.button(error.key, **error.args_)])
    finally:
        await db.close()
    try:
        await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
        paths = []
        for file in (report.chart, report.table):
            path = out / file.filename
            await asyncio.to_thread(path.write_bytes, file.content)
            paths.append(path)
    except OSError as exc:
        return CliResult(2, err=[f"--out: не удаётся записать файлы в {out}: {exc.strerror}."])
    line = t.button(
        "report-cli-done",
        period=period_text(t, report.figures),
        png=str(paths[0]),
        xlsx=str(paths[1]),
    )
    return CliResult(0, out=[line])
