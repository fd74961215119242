"""The report's chart: one PNG, 1080 px wide, of panels stacked for a phone screen, with
large type and Cyrillic labels (DejaVu Sans, which comes with matplotlib).

matplotlib is imported only when a chart is drawn: it costs some 30 MB, which a bot that
never makes a report should not carry. It draws on a `Figure` with the Agg canvas
directly (no pyplot and no global state), so `render_png` can run in a thread.
The labels are made from the translations before (in the event loop), the drawing
needs nothing but figures and strings.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from typing import Any

from bot.i18n import Translator
from bot.registration import RegStatus
from bot.reports import EventState, ReportFigures, period_text
from bot.roadmap import RoadmapStatus

WIDTH_PX = 1080
DPI = 100
FONT = 17
TITLE_FONT = 22
HEAD_INCHES = 1.6  # the report's title above the panels
LABEL_MAX = 30
LINE_MAX = 16
# Colours that stay apart for people who do not tell red from green.
BLUE, ORANGE, GREEN, GREY, RED, PURPLE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9e9e9e",
    "#d62728",
    "#6a3d9a",
)
ROADMAP_COLOURS = {
    RoadmapStatus.DONE: GREEN,
    RoadmapStatus.IN_PROGRESS: BLUE,
    RoadmapStatus.PLANNED: "#c7d7ea",
    RoadmapStatus.POSTPONED: ORANGE,
    RoadmapStatus.CANCELLED: GREY,
}


def _short(text: str) -> str:
    """A label on two lines at most, so that the bars keep their room."""
    text = text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"
    return (
        "\n".join(textwrap.wrap(text, LINE_MAX, break_long_words=False)[:2])
        if len(text) > LINE_MAX
        else text
    )


def chart_labels(t: Translator, figures: ReportFigures) -> dict[str, Any]:
    """Every string the chart shows, in the organiser's language."""
    labels: dict[str, Any] = {
        key: t.button(f"report-chart-{key}")
        for key in (
            "trips",
            "trips-legend",
            "people-legend",
            "registrations",
            "events",
            "telebridges",
            "broadcasts",
            "roadmap",
            "nothing",
        )
    }
    labels["title"] = t.button("report-chart-title", period=period_text(t, figures))
    labels["directions"] = {
        item.direction: _short(t.button(f"direction-{item.direction}"))
        for item in [*figures.trips_by_direction, *figures.roadmap]
    }
    labels["statuses"] = {s.value: _short(t.button(f"reg-status-{s.value}")) for s in RegStatus}
    labels["event_states"] = {s: t.button(f"report-event-{s}") for s in EventState.ALL}
    labels["event_bars"] = {
        state: t.button(
            "report-chart-event-bar",
            count=len(found := figures.events_in(state)),
            subscribers=sum(event.row.subscribers for event in found),
        )
        for state in EventState.ALL
    }
    labels["reach"] = {
        key: t.button(f"report-reach-{key}")
        for key in ("recipients", "delivered", "unreachable", "failed")
    }
    labels["roadmap_statuses"] = {
        s.value: t.button(f"roadmap-status-{s.value}") for s in RoadmapStatus
    }
    labels["months"] = {
        month: f"{month % 100:02d}.{month // 100 % 100:02d}"
        for month, _ in figures.telebridges_by_month
    }
    return labels


def _nothing(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=FONT, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)


def _barh(ax: Any, names: list[str], values: list[int], colour: str) -> None:
    positions = list(range(len(names)))
    bars = ax.barh(positions, values, color=colour)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.bar_label(bars, padding=4, fontsize=FONT)
    ax.set_xlim(0, max(max(values, default=0) * 1.25, 1))
    _tidy(ax)


def _tidy(ax: Any) -> None:
    ax.tick_params(labelsize=FONT)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _trips(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["trips"], fontsize=TITLE_FONT, loc="left")
    rows = [item for item in figures.trips_by_direction if item.trips or item.people]
    if not rows:
        _nothing(ax, labels["nothing"])
        return
    names = [labels["directions"][item.direction] for item in rows]
    positions = list(range(len(rows)))
    height = 0.4
    trips = ax.barh(
        [p - height / 2 for p in positions],
        [item.trips for item in rows],
        height,
        color=BLUE,
        label=labels["trips-legend"],
    )
    people = ax.barh(
        [p + height / 2 for p in positions],
        [item.people for item in rows],
        height,
        color=ORANGE,
        label=labels["people-legend"],
    )
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    for bars in (trips, people):
        ax.bar_label(bars, padding=4, fontsize=FONT)
    ax.set_xlim(0, max(max(item.people for item in rows) * 1.25, 1))
    ax.legend(fontsize=FONT, loc="lower right", frameon=False)
    _tidy(ax)


def _registrations(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["registrations"], fontsize=TITLE_FONT, loc="left")
    if not figures.registrations_total:
        _nothing(ax, labels["nothing"])
        return
    statuses = list(figures.registrations)
    _barh(
        ax,
        [labels["statuses"][status] for status in statuses],
        [figures.registrations[status] for status in statuses],
        PURPLE,
    )


def _events(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["events"], fontsize=TITLE_FONT, loc="left")
    if not figures.events:
        _nothing(ax, labels["nothing"])
        return
    counts = [len(figures.events_in(state)) for state in EventState.ALL]
    positions = list(range(len(counts)))
    bars = ax.barh(positions, counts, color=GREEN)
    ax.set_yticks(positions, [labels["event_states"][state] for state in EventState.ALL])
    ax.invert_yaxis()
    ax.bar_label(
        bars,
        labels=[labels["event_bars"][state] for state in EventState.ALL],
        padding=4,
        fontsize=FONT,
    )
    ax.set_xlim(0, max(max(counts) * 2.5, 1))
    _tidy(ax)


def _telebridges(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["telebridges"], fontsize=TITLE_FONT, loc="left")
    months = figures.telebridges_by_month
    positions = list(range(len(months)))
    bars = ax.bar(positions, [count for _, count in months], color=BLUE)
    # With many months only some are named, so that the names stay readable.
    step = max(1, (len(months) + 11) // 12)
    ax.set_xticks(
        positions[::step], [labels["months"][month] for month, _ in months][::step], rotation=45
    )
    ax.bar_label(bars, labels=[str(c) if c else "" for _, c in months], padding=2, fontsize=FONT)
    ax.set_ylim(0, max(max((c for _, c in months), default=0) * 1.3, 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(labelsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _broadcasts(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["broadcasts"], fontsize=TITLE_FONT, loc="left")
    if not figures.broadcasts:
        _nothing(ax, labels["nothing"])
        return
    reach = figures.reach()
    keys = ("recipients", "delivered", "unreachable", "failed")
    positions = list(range(len(keys)))
    bars = ax.barh(positions, [reach[key] for key in keys], color=[BLUE, GREEN, GREY, RED])
    ax.set_yticks(positions, [labels["reach"][key] for key in keys])
    ax.invert_yaxis()
    ax.bar_label(bars, padding=4, fontsize=FONT)
    ax.set_xlim(0, max(reach["recipients"] * 1.25, 1))
    _tidy(ax)


def _roadmap(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["roadmap"], fontsize=TITLE_FONT, loc="left")
    if not figures.roadmap:
        _nothing(ax, labels["nothing"])
        return
    positions = list(range(len(figures.roadmap)))
    left = [0] * len(positions)
    for status in (
        RoadmapStatus.DONE,
        RoadmapStatus.IN_PROGRESS,
        RoadmapStatus.PLANNED,
        RoadmapStatus.POSTPONED,
        RoadmapStatus.CANCELLED,
    ):
        values = [direction.count(status) for direction in figures.roadmap]
        if not any(values):
            continue
        bars = ax.barh(
            positions,
            values,
            left=left,
            color=ROADMAP_COLOURS[status],
            label=labels["roadmap_statuses"][status.value],
        )
        ax.bar_label(
            bars, labels=[str(v) if v else "" for v in values], label_type="center", fontsize=FONT
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, [labels["directions"][d.direction] for d in figures.roadmap])
    ax.invert_yaxis()
    ax.legend(
        fontsize=FONT - 2,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=3,
        frameon=False,
    )
    _tidy(ax)


PANELS = (_trips, _roadmap, _telebridges, _registrations, _events, _broadcasts)


def _heights(figures: ReportFigures) -> list[float]:
    """Each panel's height in inches: room for its title and its bars."""
    trips = sum(1 for item in figures.trips_by_direction if item.trips or item.people)
    return [
        2.2 + 0.9 * max(trips, 1),
        2.8 + 0.6 * max(len(figures.roadmap), 1),
        4.2,
        2.0 + 0.55 * len(figures.registrations),
        3.0,
        3.2,
    ]


def render_png(figures: ReportFigures, labels: Mapping[str, Any]) -> bytes:
    """The chart as PNG bytes (blocking: run it in a thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    heights = _heights(figures)
    total = sum(heights) + HEAD_INCHES
    figure = Figure(figsize=(WIDTH_PX / DPI, total), dpi=DPI)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(len(PANELS), 1, height_ratios=heights, hspace=0.6)
    figure.suptitle(labels["title"], fontsize=TITLE_FONT + 2, fontweight="bold", y=1 - 0.4 / total)
    for index, panel in enumerate(PANELS):
        panel(figure.add_subplot(grid[index]), figures, labels)
    figure.subplots_adjust(left=0.27, right=0.95, top=1 - HEAD_INCHES / total, bottom=0.03)
    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()
