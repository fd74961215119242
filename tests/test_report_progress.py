"""A pressed button whose answer takes seconds (a report, a participants export) is
answered at once, before the files are made, and not by the pop-up that comes with them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.reports import chart as report_chart
from bot.trips import exports
from handlers.reports.callbacks import ReportCb
from handlers.trips.callbacks import TripAction, TripCb
from tests.conftest import RunningBot, TgUser
from tests.fake_telegram import ApiCall
from tests.import_data import PROGRAMME, add_person, register, seed, trip_id, trip_yaml

SLOW = 0.6  # seconds the slowed-down file making takes


def _slowed(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, app: RunningBot
) -> list[list[ApiCall]]:
    """Make `module.name` slow, and record which Bot API calls had reached the fake
    Telegram when it began (it runs in a thread: a blocking sleep stalls nobody)."""
    original = getattr(module, name)
    seen: list[list[ApiCall]] = []

    def slow(*args: Any, **kwargs: Any) -> Any:
        seen.append(list(app.telegram.calls))
        time.sleep(SLOW)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
    return seen


def _answer(calls: list[ApiCall]) -> ApiCall:
    (answer,) = [c for c in calls if c.method == "answerCallbackQuery"]
    return answer


async def test_report_press_is_answered_before_the_report_is_made(
    app: RunningBot, admin: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _slowed(monkeypatch, report_chart, "render_png", app)
    await admin.send("/report")
    await admin.press("Этот квартал")
    mark = len(app.telegram.calls)
    calls = await admin.press("Все города")
    # When drawing began, the press had been answered with "Готовлю отчёт…".
    (before,) = seen
    answer = _answer(before[mark:])
    assert answer.ok and answer.params["text"] == "Готовлю отчёт…"
    assert answer.params.get("show_alert") in (None, False)
    # One answer only (Telegram refuses a second), and the files came after it.
    assert _answer(calls) is answer
    (photo,) = [c for c in calls if c.method == "sendPhoto"]
    (document,) = [c for c in calls if c.method == "sendDocument"]
    assert photo.ok and document.ok
    assert answer.at + SLOW <= photo.at + 0.05
    assert app.telegram.messages(admin.id)[-1].document is not None


async def test_a_stale_city_is_a_pop_up_and_no_report(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/report")
    await admin.press("Этот квартал")
    message, button = admin.find_button("Все города")
    stale = ReportCb.unpack(button["callback_data"]).model_copy(update={"city": 999})
    calls = await app.process(admin.updates.callback(message, stale.pack()))
    answer = _answer(calls)
    assert "больше не действует" in answer.params["text"] and answer.params["show_alert"]
    assert not [c for c in calls if c.method in ("sendPhoto", "sendDocument", "sendMessage")]


async def test_export_press_is_answered_before_the_files_are_made(
    app: RunningBot, admin: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same kind elsewhere: "Выгрузить" of a trip's participants ("Готовлю файлы…")."""
    assert app.db is not None
    await seed(app.db, PROGRAMME + "trips:" + trip_yaml())
    trip = await trip_id(app.db)
    for tg_id in (3001, 3002):
        await add_person(app, tg_id, f"Участник {tg_id}")
        await register(app, trip, tg_id)
    seen = _slowed(monkeypatch, exports, "build_xlsx", app)
    mark = len(app.telegram.calls)
    calls = await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    (before,) = seen
    answer = _answer(before[mark:])
    assert answer.ok and answer.params["text"] == "Готовлю файлы…"
    assert _answer(calls) is answer
    documents = [c for c in calls if c.method == "sendDocument"]
    assert len(documents) == 2 and all(answer.at + SLOW <= d.at + 0.05 for d in documents)
