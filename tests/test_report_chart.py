"""The report's chart as a picture: for a period with nothing, one with a little and the
demo, every bar and its number inside its axes, no text or legend over another, panels
with nothing saying so, and the events' numbers in words. The figure is inspected as
matplotlib lays it out (bot.reports.chart.draw), in both languages."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations
from typing import Any

import pytest

from bot.core.i18n import Translations
from bot.operations.demo import load_demo
from bot.reports.chart import chart_labels, draw
from bot.reports.figures import (
    DirectionTrips,
    EventFigure,
    EventState,
    Period,
    ReportFigures,
    compute,
)
from bot.roadmap.service import DirectionProgress, RoadmapStatus
from bot.trips.catalogue import Direction
from bot.trips.registration import RegStatus
from storage.db import utc_now
from storage.reports import BroadcastRow, EventRow, ReportRepo
from storage.roadmap import RoadmapRepo
from tests.conftest import RunningBot
from tests.test_reports import MOSCOW, _known_data, _period

NOTHING = {"ru": "за период ничего нет", "be": "за перыяд нічога няма"}
PANELS = ("trips", "roadmap", "telebridges", "registrations", "events", "broadcasts")


async def _figures(app: RunningBot, period: Period) -> ReportFigures:
    assert app.db is not None
    return await compute(
        ReportRepo(app.db), RoadmapRepo(app.db), period=period, city=None, now=utc_now()
    )


def _texts(figure: Any) -> list[tuple[Any, Any]]:
    """Every visible, non-empty text of the figure with the axes it belongs to."""
    found = [(text, None) for text in figure.texts]  # the report's title
    for ax in figure.axes:
        texts = [ax.title, *ax.texts, *_tick_labels(ax.xaxis), *_tick_labels(ax.yaxis)]
        legend = ax.get_legend()
        if legend is not None:
            texts += legend.get_texts()
        found += [(text, ax) for text in texts if text.get_visible() and text.get_text()]
    return found


def _tick_labels(axis: Any) -> list[Any]:
    """The tick labels drawn: those of ticks inside the axis' limits."""
    low, high = sorted(axis.get_view_interval())
    return [
        tick.label1
        for tick in axis.get_major_ticks()
        if low - 1e-9 <= tick.get_loc() <= high + 1e-9
    ]


def check_layout(figure: Any) -> None:
    """What a person looking at the chart would notice, in numbers, once it is drawn."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    texts = _texts(figure)
    page = figure.bbox
    for text, _ in texts:
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
        assert page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
    for ax in figure.axes:
        _check_bars(ax, renderer)
    _check_overlaps(texts, renderer)
    for ax in figure.axes:
        if ax.get_legend() is not None:
            _check_legend(ax.get_legend(), figure, texts, renderer)


def _check_bars(ax: Any, renderer: Any) -> None:
    """Every bar ends inside the axis' limits; every number at a bar is inside the axes."""
    from matplotlib.container import BarContainer

    for container in (c for c in ax.containers if isinstance(c, BarContainer)):
        for bar in container:
            if container.orientation == "horizontal":
                assert bar.get_x() + bar.get_width() <= ax.get_xlim()[1]
            else:
                assert bar.get_y() + bar.get_height() <= ax.get_ylim()[1]
    area = ax.get_window_extent(renderer)
    for label in ax.texts:
        box = label.get_window_extent(renderer)
        assert area.x0 <= box.x0 and box.x1 <= area.x1 + 1, label.get_text()
        assert area.y0 - 1 <= box.y0 and box.y1 <= area.y1 + 1, label.get_text()


def _check_overlaps(texts: list[tuple[Any, Any]], renderer: Any) -> None:
    """No two texts overlap (slanted month names of one axis may share a box: they are
    drawn apart)."""
    months = {label for ax in {ax for _, ax in texts if ax} for label in _tick_labels(ax.xaxis)}
    boxes = [(text, ax, text.get_window_extent(renderer)) for text, ax in texts]
    for (first, first_ax, first_box), (second, second_ax, second_box) in combinations(boxes, 2):
        if first_ax is second_ax and first in months and second in months:
            continue
        assert not first_box.overlaps(second_box), (first.get_text(), second.get_text())


def _check_legend(legend: Any, figure: Any, texts: list[tuple[Any, Any]], renderer: Any) -> None:
    """A legend covers no bar and no text other than its own."""
    box = legend.get_window_extent(renderer)
    own = set(legend.get_texts())
    for text, _ in texts:
        if text not in own:
            assert not box.overlaps(text.get_window_extent(renderer)), text.get_text()
    for ax in figure.axes:
        for patch in ax.patches:
            assert not box.overlaps(patch.get_window_extent(renderer))


def panel_texts(figure: Any) -> dict[str, list[str]]:
    return {
        name: [text.get_text() for text in ax.texts]
        for name, ax in zip(PANELS, figure.axes, strict=True)
    }


@pytest.mark.parametrize("language", ["ru", "be"])
async def test_a_period_with_nothing(app: RunningBot, language: str) -> None:
    """Every period-bound panel says there is nothing, telebridges included, with no bare
    axes; the roadmap (not bound to the period) is empty too in an empty database."""
    today = utc_now().date()
    figures = await _figures(app, Period(today - timedelta(days=400), today, MOSCOW))
    figure = draw(figures, chart_labels(Translations().get(language), figures))
    check_layout(figure)
    for name, texts in panel_texts(figure).items():
        assert texts == [NOTHING[language]], name
    for ax in figure.axes:
        assert not ax.containers and not ax.get_xticks().size and not ax.get_yticks().size


async def test_a_period_with_a_little(app: RunningBot) -> None:
    await _known_data(app)
    figures = await _figures(app, _period())
    assert figures.telebridges_total and figures.trips_total and figures.events
    figure = draw(figures, chart_labels(Translations().get("ru"), figures))
    check_layout(figure)
    texts = panel_texts(figure)
    assert all(NOTHING["ru"] not in panel for panel in texts.values())
    # Trips: the axis holds the trips' bars and the participants' (both series shown).
    trips_ax = figure.axes[0]
    values = [bar.get_width() for c in trips_ax.containers for bar in c]
    assert trips_ax.get_xlim()[1] >= max(values) > 0
    assert trips_ax.get_legend() is not None
    # Events: each bar says in words what it counts; the scale fits the largest bar.
    events_ax = figure.axes[4]
    counts = [len(figures.events_in(state)) for state in EventState.ALL]
    expected = {
        1: "1 мероприятие\nподписчиков: {}",
        2: "2 мероприятия\nподписчиков: {}",
    }
    for state, count, label in zip(EventState.ALL, counts, texts["events"], strict=True):
        subscribers = sum(e.row.subscribers for e in figures.events_in(state))
        assert label == (expected[count].format(subscribers) if count else "нет")
    assert max(counts) <= events_ax.get_xlim()[1] <= 2 * max(counts)
    # Telebridges: real bars, the numbers over them.
    assert figure.axes[2].containers and [t for t in texts["telebridges"] if t]


@pytest.mark.parametrize("language", ["ru", "be"])
async def test_the_demo(app: RunningBot, language: str) -> None:
    assert app.db is not None
    await load_demo(app.db, now=utc_now(), services=app.dp["trips"].importing)
    today = utc_now().date()
    figures = await _figures(
        app, Period(today - timedelta(days=365), today + timedelta(days=3 * 365), MOSCOW)
    )
    assert figures.events and figures.roadmap
    figure = draw(figures, chart_labels(Translations().get(language), figures))
    check_layout(figure)
    events_ax = figure.axes[4]
    counts = [len(figures.events_in(state)) for state in EventState.ALL]
    assert max(counts) <= events_ax.get_xlim()[1] <= 2 * max(counts)


def _event(index: int, state: str, subscribers: int) -> EventFigure:
    moment = utc_now()
    row = EventRow(
        index, f"Событие {index}", "festival", 1, moment, moment, "scheduled", subscribers
    )
    return EventFigure(row, state)


@pytest.mark.parametrize("scale", [1, 37, 12_345])
def test_every_direction_and_large_numbers_fit(scale: int) -> None:
    """The kind, not the three examples: every direction with trips, three years of
    telebridges, every status, and numbers from one to tens of thousands (the widest
    labels) still lay out with every bar and number inside and nothing covered."""
    today = utc_now().date()
    period = Period(today - timedelta(days=3 * 365), today, MOSCOW)
    months = period.months()
    figures = ReportFigures(
        period=period,
        city=None,
        generated_at=utc_now(),
        trips_by_direction=[
            DirectionTrips(d.value, scale * (i % 3), scale * (i + 1) * 7)
            for i, d in enumerate(Direction)
        ],
        trips=[],
        registrations={s.value: scale * (i + 1) for i, s in enumerate(RegStatus)},
        events=[_event(i, EventState.ALL[i % 3], scale * 11) for i in range(3 * (scale % 50 + 1))],
        telebridges_by_month=[(month, scale * (i % 5)) for i, month in enumerate(months)],
        broadcasts=[BroadcastRow(1, utc_now(), scale * 10, scale * 7, scale * 2, scale)],
        roadmap=[
            DirectionProgress(
                d.value, {s.value: scale * (i + 1) for i, s in enumerate(RoadmapStatus)}
            )
            for d in Direction
        ],
    )
    for language in ("ru", "be"):
        figure = draw(figures, chart_labels(Translations().get(language), figures))
        check_layout(figure)
        assert all(ax.containers for ax in figure.axes)  # every panel has its bars
