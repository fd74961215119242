"""The report's chart: one PNG, 1080 px wide, of panels stacked for a phone screen, with
large type and Cyrillic labels (DejaVu Sans, which comes with matplotlib).

matplotlib is imported only when a chart is drawn: it costs some 30 MB, which a bot that
never makes a report should not carry. It draws on a `Figure` with the Agg canvas
directly (no pyplot and no global state), so `render_png` can run in a thread.
The labels are made from the translations first (`chart_labels`, in the same worker
thread: bot/reports/service.py), so the drawing needs nothing but figures and strings.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from typing import Any

from bot.core.i18n import Translator
from bot.reports.figures import EventState, ReportFigures, period_text
from bot.roadmap.service import RoadmapStatus
from bot.trips.registration import RegStatus

WIDTH_PX = 1080
DPI = 100
FONT = 17
TITLE_FONT = 22
HEAD_INCHES = 0.9  # the report's title above the panels
LABEL_MAX = 30
LINE_MAX = 16
# The layout in inches: a panel's title above its axes, the tick labels (the months'
# slanted ones) and a legend below it, and a panel that says "за период ничего нет".
TITLE_INCHES = 0.8
TICKS_INCHES = 0.45
MONTHS_INCHES = 0.9
LEGEND_INCHES = 0.5
EMPTY_INCHES = 0.6
LEFT, RIGHT = 0.27, 0.95  # the axes' sides, as shares of the width (names on the left)
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
    directions = [item.direction for item in figures.trips_by_direction]
    directions += [item.direction for item in figures.roadmap]
    labels["directions"] = {
        direction: _short(t.button(f"direction-{direction}")) for direction in directions
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


def _text_px(digits: str, size: float) -> float:
    """The width in pixels of a number in DejaVu Sans (its digits are 0.64 em wide)."""
    return 0.64 * len(digits) * size * DPI / 72


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
    _tidy(ax)


def _legend_below(ax: Any, *, columns: int, fontsize: int = FONT) -> None:
    """The legend under the axis and its numbers, where it covers no bar and no label
    (placed in inches below the axis, so that a short panel keeps the same gap)."""
    from matplotlib.transforms import ScaledTranslation

    below = ScaledTranslation(0, -TICKS_INCHES, ax.figure.dpi_scale_trans)
    ax.legend(
        fontsize=fontsize,
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        bbox_transform=ax.transAxes + below,
        ncol=columns,
        frameon=False,
    )


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
    _legend_below(ax, columns=2)
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
    _tidy(ax)


def _telebridges(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["telebridges"], fontsize=TITLE_FONT, loc="left")
    if not figures.telebridges_total:
        _nothing(ax, labels["nothing"])
        return
    months = figures.telebridges_by_month
    positions = list(range(len(months)))
    bars = ax.bar(positions, [count for _, count in months], color=BLUE)
    # With many months only some are named, so that the names stay readable.
    step = max(1, (len(months) + 11) // 12)
    ax.set_xticks(
        positions[::step], [labels["months"][month] for month, _ in months][::step], rotation=45
    )
    # Over a narrow bar (three years are 37 of them) a number gets smaller, not over the
    # next one.
    slot = (RIGHT - LEFT) * WIDTH_PX / len(months) * 0.9
    widest = max(_text_px(str(count), 1) for _, count in months)
    size = min(FONT, slot / widest)
    ax.bar_label(bars, labels=[str(c) if c else "" for _, c in months], padding=2, fontsize=size)
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
    _tidy(ax)


def _roadmap(ax: Any, figures: ReportFigures, labels: Mapping[str, Any]) -> None:
    ax.set_title(labels["roadmap"], fontsize=TITLE_FONT, loc="left")
    if not figures.roadmap:
        _nothing(ax, labels["nothing"])
        return
    positions = list(range(len(figures.roadmap)))
    left = [0] * len(positions)
    # A number is written in its part of the bar only where it fits (the axis runs a
    # little past the longest bar: see _make_room).
    unit = (RIGHT - LEFT) * WIDTH_PX / (max(d.total for d in figures.roadmap) * 1.05)
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
        numbers = [str(v) if v * unit >= _text_px(str(v), FONT) + 6 else "" for v in values]
        ax.bar_label(bars, labels=numbers, label_type="center", fontsize=FONT)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, [labels["directions"][d.direction] for d in figures.roadmap])
    ax.invert_yaxis()
    _legend_below(ax, columns=3, fontsize=FONT - 2)
    _tidy(ax)


PANELS = (_trips, _roadmap, _telebridges, _registrations, _events, _broadcasts)


def _layout(figures: ReportFigures) -> list[tuple[float, float]]:
    """Each panel's axes height and the room under it (its tick labels, and the legend
    below the trips' and the roadmap's), in inches; a panel with nothing to show is a
    line of text. Sizes in inches, not shares of the figure, keep every gap the same
    whether a panel is tall or empty."""
    trips = sum(1 for item in figures.trips_by_direction if item.trips or item.people)
    below, legend = TICKS_INCHES, TICKS_INCHES + LEGEND_INCHES
    shown = [
        (0.3 + 0.9 * trips, legend) if trips else None,
        (0.3 + 0.6 * len(figures.roadmap), legend) if figures.roadmap else None,
        (2.6, MONTHS_INCHES) if figures.telebridges_total else None,
        (0.3 + 0.55 * len(figures.registrations), below) if figures.registrations_total else None,
        (2.2, below) if figures.events else None,
        (2.2, below) if figures.broadcasts else None,
    ]
    return [spec or (EMPTY_INCHES, 0.1) for spec in shown]


def draw(figures: ReportFigures, labels: Mapping[str, Any]) -> Any:
    """The chart as a matplotlib Figure, laid out: every bar and its number inside its
    axes, each legend under its axis, nothing over anything else."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    layout = _layout(figures)
    total = HEAD_INCHES + sum(TITLE_INCHES + axes + below for axes, below in layout) + 0.2
    figure = Figure(figsize=(WIDTH_PX / DPI, total), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    figure.suptitle(labels["title"], fontsize=TITLE_FONT + 2, fontweight="bold", y=1 - 0.4 / total)
    top = total - HEAD_INCHES
    for panel, (axes, below) in zip(PANELS, layout, strict=True):
        bottom = top - TITLE_INCHES - axes
        ax = figure.add_axes((LEFT, bottom / total, RIGHT - LEFT, axes / total))
        panel(ax, figures, labels)
        top = bottom - below
    renderer = canvas.get_renderer()
    for ax in figure.axes:
        _make_room(ax, renderer)
    return figure


def _make_room(ax: Any, renderer: Any) -> None:
    """Size the value axis by every bar shown and by the numbers written past their ends:
    the longest bar and the widest label both end inside the axes. A label's size is
    fixed in pixels while the bars scale with the axis, so the limit is solved for."""
    from matplotlib.container import BarContainer

    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    if not containers:
        return
    horizontal = containers[0].orientation == "horizontal"
    box = ax.get_window_extent(renderer)
    size = box.width if horizontal else box.height
    origin = box.x0 if horizontal else box.y0
    current = ax.get_xlim()[1] if horizontal else ax.get_ylim()[1]
    ends = [
        (bar.get_x() + bar.get_width()) if horizontal else (bar.get_y() + bar.get_height())
        for container in containers
        for bar in container
    ]
    needed = max([*ends, 0]) * 1.05
    for label in ax.texts:
        value = label.xy[0] if horizontal else label.xy[1]
        extent = label.get_window_extent(renderer)
        far = (extent.x1 if horizontal else extent.y1) - origin
        beyond = far - value * size / current  # the pixels the label takes past its bar
        # (A label at zero stands where it stands, whatever the limit.)
        if label.get_text() and value > 0 and 0 < beyond < size - 2:
            needed = max(needed, value * size / (size - beyond - 2))
    if horizontal:
        ax.set_xlim(0, max(needed, 1))
    else:
        ax.set_ylim(0, max(needed, 1))


def render_png(figures: ReportFigures, labels: Mapping[str, Any]) -> bytes:
    """The chart as PNG bytes (blocking: run it in a thread)."""
    figure = draw(figures, labels)
    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()
