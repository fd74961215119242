"""Organisers' reports: the period (this quarter, this year, or two dates typed in the
organiser's city time), the figures of a period (pure data, from storage/reports.py),
and the two files made of them: a PNG chart (bot/reports/chart.py) and an XLSX with the
numbers behind it (bot/reports/xlsx.py).

Making a report is an export of the partnership's figures: it goes to the audit log.
Drawing and writing the files take a second or so of CPU, so they run in a thread and
the bot answers everybody else meanwhile.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.timefmt import local_text, to_local
from bot.events.service import EventStatus
from bot.roadmap.service import DirectionProgress, RoadmapStatus
from bot.telebridges.service import month_counts
from bot.trips.catalogue import Direction
from bot.trips.registration import RegStatus
from storage.cities import City
from storage.reports import BroadcastRow, EventRow, ReportRepo, TripRow, Window
from storage.roadmap import RoadmapRepo
from storage.telebridges import HELD

OBJECT_KIND = "report"
MAX_DAYS = 3 * 366  # a custom range: at most about three years (the roadmap's span)
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Period:
    """From the first day to the last day (both included), in a city's time."""

    first: date
    last: date
    zone: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), tzinfo=ZoneInfo(self.zone))

    @property
    def end(self) -> datetime:
        """The moment after the last day: the period is [start, end)."""
        after = self.last + timedelta(days=1)
        return datetime.combine(after, datetime.min.time(), tzinfo=ZoneInfo(self.zone))

    def months(self) -> list[int]:
        """Every month of the period as YYYYMM."""
        months, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            months.append(year * 100 + month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def this_quarter(now: datetime, zone: str) -> Period:
    today = to_local(now, zone).date()
    first_month = (today.month - 1) // 3 * 3 + 1
    first = date(today.year, first_month, 1)
    after = (
        date(today.year + 1, 1, 1) if first_month == 10 else date(today.year, first_month + 3, 1)
    )
    return Period(first, after - timedelta(days=1), zone)


def this_year(now: datetime, zone: str) -> Period:
    year = to_local(now, zone).year
    return Period(date(year, 1, 1), date(year, 12, 31), zone)


def _date(match: re.Match[str]) -> date:
    try:
        if match[1]:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date(int(match[4]), int(match[5]), int(match[6]))
    except ValueError:
        raise UserError("report-error-date", value=match[0]) from None


def custom_period(first: date, last: date, zone: str) -> Period:
    if last < first:
        raise UserError("report-error-order")
    if (last - first).days >= MAX_DAYS:
        raise UserError("report-error-too-long", years=3)
    if not (first.year >= 2000 and last.year <= 2100):
        raise UserError("report-error-range")
    return Period(first, last, zone)


def parse_range(text: str | None, zone: str) -> Period:
    """Two dates, `01.01.2027 31.03.2027` (a dash or words between them are fine)."""
    found = list(_DATE.finditer(text or ""))
    if len(found) != 2:
        raise UserError("report-error-range")
    return custom_period(_date(found[0]), _date(found[1]), zone)


def day_number(day: date) -> int:
    """A date as YYYYMMDD, for callback data."""
    return day.year * 10000 + day.month * 100 + day.day


def from_day_number(value: int) -> date:
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        raise UserError("error-stale-button") from None


# The figures


class EventState:
    HELD = "held"
    UPCOMING = "upcoming"
    CANCELLED = "cancelled"
    ALL = ("held", "upcoming", "cancelled")


@dataclass(frozen=True, slots=True)
class DirectionTrips:
    direction: str
    trips: int
    people: int


@dataclass(frozen=True, slots=True)
class EventFigure:
    row: EventRow
    state: str  # EventState


@dataclass(frozen=True, slots=True)
class ReportFigures:
    period: Period
    city: City | None
    generated_at: datetime
    trips_by_direction: list[DirectionTrips]  # every direction, in the roadmap's order
    trips: list[TripRow]
    registrations: dict[str, int]  # every status, in the order of RegStatus
    events: list[EventFigure]
    telebridges_by_month: list[tuple[int, int]]  # (YYYYMM, held) for every month
    broadcasts: list[BroadcastRow]
    roadmap: list[DirectionProgress]  # directions with items

    @property
    def trips_total(self) -> int:
        return sum(item.trips for item in self.trips_by_direction)

    @property
    def people_total(self) -> int:
        return sum(item.people for item in self.trips_by_direction)

    @property
    def registrations_total(self) -> int:
        return sum(self.registrations.values())

    def events_in(self, state: str) -> list[EventFigure]:
        return [event for event in self.events if event.state == state]

    @property
    def subscribers_total(self) -> int:
        return sum(event.row.subscribers for event in self.events)

    @property
    def telebridges_total(self) -> int:
        return sum(count for _, count in self.telebridges_by_month)

    def reach(self) -> dict[str, int]:
        return {
            "recipients": sum(b.recipients for b in self.broadcasts),
            "delivered": sum(b.delivered for b in self.broadcasts),
            "unreachable": sum(b.unreachable for b in self.broadcasts),
            "failed": sum(b.failed for b in self.broadcasts),
        }

    def roadmap_totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for direction in self.roadmap:
            totals.update(direction.counts)
        return {status.value: totals.get(status.value, 0) for status in RoadmapStatus}


def _event_state(row: EventRow, now: datetime) -> str:
    if row.status == EventStatus.CANCELLED:
        return EventState.CANCELLED
    return EventState.HELD if row.ends_at <= now else EventState.UPCOMING


def _by_month(starts: list[datetime], period: Period) -> list[tuple[int, int]]:
    """Every month of the period, with the telebridges held in it (in the period's time)."""
    counts = month_counts(((moment, HELD) for moment in starts), period.zone)
    return [(month, counts.get(month, Counter())[HELD]) for month in period.months()]


async def compute(
    repo: ReportRepo,
    roadmap: RoadmapRepo,
    *,
    period: Period,
    city: City | None,
    now: datetime,
) -> ReportFigures:
    window = Window(period.start, period.end, now, city.id if city else None)
    trips = await repo.trips_held(window)
    per_direction = {d.value: [0, 0] for d in Direction}
    for trip in trips:
        per_direction[trip.direction][0] += 1
        per_direction[trip.direction][1] += trip.travelled
    registrations = await repo.registrations_by_status(window)
    roadmap_counts = await roadmap.status_counts(responsible_city_id=city.id if city else None)
    return ReportFigures(
        period=period,
        city=city,
        generated_at=now,
        trips_by_direction=[
            DirectionTrips(direction, counts[0], counts[1])
            for direction, counts in per_direction.items()
        ],
        trips=trips,
        registrations={status.value: registrations.get(status.value, 0) for status in RegStatus},
        events=[EventFigure(row, _event_state(row, now)) for row in await repo.events(window)],
        telebridges_by_month=_by_month(await repo.telebridges_held(window), period),
        broadcasts=await repo.broadcasts(window),
        roadmap=[
            DirectionProgress(d.value, dict(roadmap_counts[d.value]))
            for d in Direction
            if roadmap_counts.get(d.value)
        ],
    )


def summary_lines(t: Translator, figures: ReportFigures) -> list[str]:
    """The report in a few lines, as the caption of the chart."""
    reach = figures.reach()
    totals = figures.roadmap_totals()
    return [
        t(
            "report-caption-trips",
            trips=figures.trips_total,
            people=figures.people_total,
            registrations=figures.registrations_total,
        ),
        t(
            "report-caption-events",
            held=len(figures.events_in(EventState.HELD)),
            events=len(figures.events),
            subscribers=figures.subscribers_total,
        ),
        t("report-caption-telebridges", count=figures.telebridges_total),
        t(
            "report-caption-broadcasts",
            count=len(figures.broadcasts),
            delivered=reach["delivered"],
            recipients=reach["recipients"],
            unreachable=reach["unreachable"],
        ),
        t(
            "report-caption-roadmap",
            done=totals[RoadmapStatus.DONE],
            going=totals[RoadmapStatus.IN_PROGRESS],
            total=sum(totals.values()),
        ),
    ]


def period_text(t: Translator, figures: ReportFigures) -> str:
    city = figures.city.name(t.language) if figures.city else t.button("report-all-cities")
    return t.button(
        "report-period",
        first=local_text(figures.period.first, None, "date"),
        last=local_text(figures.period.last, None, "date"),
        city=city,
    )
