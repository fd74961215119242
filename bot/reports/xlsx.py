"""The numbers behind the report's chart as a workbook: a summary sheet, then one sheet
per block (trips by direction and the trips themselves, registrations, events,
telebridges by month, broadcasts, the roadmap), in the one style of the bot's workbooks
(`bot.core.sheets`). Figures are numbers and dates are dates, so a spreadsheet can add them
up; texts typed by people (titles) are text cells, never formulas.

`sheets()` makes the content in the organiser's language; `build_workbook()` writes it
(blocking, in a child process: run it in a thread).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.i18n import Translator
from bot.core.sheets import Cell
from bot.core.timefmt import to_local
from bot.reports.figures import EventState, ReportFigures, period_text
from bot.reports.workbook import SheetContent, build_in_child
from bot.roadmap.service import RoadmapStatus


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def _local(moment: datetime, zone: str) -> datetime:
    return to_local(moment, zone).replace(tzinfo=None)


def _with_total(rows: Iterable[list[Cell]], total: list[Cell]) -> list[list[Cell]]:
    """A table's rows and its total row below them."""
    return [*rows, total]


def sheets(t: Translator, figures: ReportFigures) -> list[Sheet]:
    zone = figures.period.zone
    col = t.button
    reach = figures.reach()
    roadmap_totals = figures.roadmap_totals()

    summary = Sheet(
        col("report-sheet-summary"),
        [col("report-col-figure"), col("report-col-value")],
        [
            [col("report-sum-period"), period_text(t, figures)],
            [col("report-sum-generated"), _local(figures.generated_at, zone)],
            [col("report-sum-trips"), figures.trips_total],
            [col("report-sum-people"), figures.people_total],
            [col("report-sum-registrations"), figures.registrations_total],
            [col("report-sum-events"), len(figures.events)],
            [col("report-sum-events-held"), len(figures.events_in(EventState.HELD))],
            [col("report-sum-subscribers"), figures.subscribers_total],
            [col("report-sum-telebridges"), figures.telebridges_total],
            [col("report-sum-broadcasts"), len(figures.broadcasts)],
            [col("report-reach-recipients"), reach["recipients"]],
            [col("report-reach-delivered"), reach["delivered"]],
            [col("report-reach-unreachable"), reach["unreachable"]],
            [col("report-reach-failed"), reach["failed"]],
            [col("report-sum-roadmap"), sum(roadmap_totals.values())],
            [col("report-sum-roadmap-done"), roadmap_totals[RoadmapStatus.DONE]],
        ],
    )
    directions = Sheet(
        col("report-sheet-directions"),
        [col("report-col-direction"), col("report-col-trips"), col("report-col-people")],
        _with_total(
            (
                [col(f"direction-{item.direction}"), item.trips, item.people]
                for item in figures.trips_by_direction
            ),
            [col("report-total"), figures.trips_total, figures.people_total],
        ),
    )
    trips = Sheet(
        col("report-sheet-trips"),
        [
            col("report-col-trip"),
            col("report-col-direction"),
            col("report-col-start"),
            col("report-col-end"),
            col("report-col-status"),
            col("report-col-people"),
        ],
        [
            [
                trip.title,
                col(f"direction-{trip.direction}"),
                _local(trip.starts_at, zone),
                _local(trip.ends_at, zone),
                col(f"trip-status-{trip.status}"),
                trip.travelled,
            ]
            for trip in figures.trips
        ],
    )
    registrations = Sheet(
        col("report-sheet-registrations"),
        [col("report-col-status"), col("report-col-registrations")],
        _with_total(
            (
                [col(f"reg-status-{status}"), count]
                for status, count in figures.registrations.items()
            ),
            [col("report-total"), figures.registrations_total],
        ),
    )
    events = Sheet(
        col("report-sheet-events"),
        [
            col("report-col-event"),
            col("report-col-kind"),
            col("report-col-start"),
            col("report-col-state"),
            col("report-col-subscribers"),
        ],
        [
            [
                event.row.title,
                col(f"event-kind-{event.row.kind}"),
                _local(event.row.starts_at, zone),
                col(f"report-event-{event.state}"),
                event.row.subscribers,
            ]
            for event in figures.events
        ],
    )
    telebridges = Sheet(
        col("report-sheet-telebridges"),
        [col("report-col-month"), col("report-col-held")],
        _with_total(
            (
                [col(f"event-month-{month % 100}", year=str(month // 100)), count]
                for month, count in figures.telebridges_by_month
            ),
            [col("report-total"), figures.telebridges_total],
        ),
    )
    broadcasts = Sheet(
        col("report-sheet-broadcasts"),
        [
            col("report-col-broadcast"),
            col("report-col-started"),
            col("report-reach-recipients"),
            col("report-reach-delivered"),
            col("report-reach-unreachable"),
            col("report-reach-failed"),
        ],
        _with_total(
            (
                [
                    b.id,
                    _local(b.started_at, zone),
                    b.recipients,
                    b.delivered,
                    b.unreachable,
                    b.failed,
                ]
                for b in figures.broadcasts
            ),
            [
                col("report-total"),
                None,
                reach["recipients"],
                reach["delivered"],
                reach["unreachable"],
                reach["failed"],
            ],
        ),
    )
    statuses = list(RoadmapStatus)
    roadmap = Sheet(
        col("report-sheet-roadmap"),
        [
            col("report-col-direction"),
            *[col(f"roadmap-status-{status.value}") for status in statuses],
            # Not «Итого»: that names the last row, and one word for both reads as a repeat.
            col("report-col-items"),
        ],
        _with_total(
            (
                [
                    col(f"direction-{direction.direction}"),
                    *[direction.count(status) for status in statuses],
                    direction.total,
                ]
                for direction in figures.roadmap
            ),
            [
                col("report-total"),
                *[roadmap_totals[status.value] for status in statuses],
                sum(roadmap_totals.values()),
            ],
        ),
    )
    return [summary, directions, trips, registrations, events, telebridges, broadcasts, roadmap]


def build_workbook(content: list[Sheet]) -> bytes:
    """The workbook, written by a child process (`bot.reports.workbook`). Blocking: call
    it in a thread."""
    return build_in_child([SheetContent(item.title, item.header, item.rows) for item in content])
