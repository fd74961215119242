"""A broadcast's recipients queued in batches: nothing goes out until all are queued, a
stop or withdrawal half-way sends nothing, and a queueing cut short goes on from where
it stopped, each person once. Driven through the bot, with the batch made tiny."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.broadcasts.service as broadcast_service
import storage.broadcasts as broadcast_storage
from bot.core.config import Settings
from storage.broadcasts import BroadcastRepo
from storage.db import utc_now
from storage.outbox import OutboxRepo
from tests.conftest import ADMIN_ID, RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram
from tests.test_broadcast import (
    PROGRESS_SECONDS,
    _db,
    _schedule_for_tomorrow,
    add_people,
    choose_segment,
    compose_text,
    copies_to,
    rows,
    wait_finished,
)

PEOPLE = range(5000, 5010)  # ten people in Sochi: batches of 3, 3, 3 and 1
Hook = Callable[[int, int], Awaitable[None]]  # (batch, broadcast id)


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    return make_settings(telegram, db_path, broadcast_progress_seconds=PROGRESS_SECONDS)


@pytest.fixture
async def organiser(admin: TgUser) -> TgUser:
    return admin


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broadcast_storage, "QUEUE_BATCH", 3)


def before_each_batch(monkeypatch: pytest.MonkeyPatch, hook: Hook) -> list[int | None]:
    """Runs `hook(n, broadcast_id)` before the n-th batch after the first (n = 1, 2, ...,
    counted over all broadcasts), between transactions, as another request or a crash
    would come; returns what each batch returned."""
    original = BroadcastRepo.queue_next
    returned: list[int | None] = []

    async def queue_next(self: BroadcastRepo, **kwargs: Any) -> int | None:
        await hook(len(returned) + 1, kwargs["broadcast_id"])
        result = await original(self, **kwargs)
        returned.append(result)
        return result

    monkeypatch.setattr(BroadcastRepo, "queue_next", queue_next)
    return returned


async def broadcast_rows(app: RunningBot) -> list[tuple[int, str]]:
    found = await rows(
        app, "SELECT chat_id, state FROM outbox WHERE broadcast_id = 1 ORDER BY chat_id"
    )
    return [(int(row[0]), str(row[1])) for row in found]


async def status(app: RunningBot) -> str:
    return str((await rows(app, "SELECT status FROM broadcasts WHERE id = 1"))[0][0])


async def audit_entries(app: RunningBot) -> list[Any]:
    return await rows(
        app, "SELECT action FROM audit_log WHERE object_kind = 'broadcast' AND object_id = 1"
    )


async def send_to_sochi(organiser: TgUser, *, deliveries: bool = True) -> list[Any]:
    """The organiser sends a text to everyone in Sochi at once; the calls of the press."""
    await choose_segment(organiser, "Городу", "Сочи")
    await compose_text(organiser)
    return await organiser.press("📤 Отправить", deliveries=deliveries)


def copies(app: RunningBot) -> int:
    return sum(len(copies_to(app.telegram, chat)) for chat in PEOPLE)


async def test_recipients_are_queued_in_batches_and_held_until_all_are_queued(
    app: RunningBot, organiser: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(app, PEOPLE)
    outbox = OutboxRepo(_db(app))
    seen: list[tuple[int, int, str, int]] = []

    async def look(batch: int, _: int) -> None:
        # What the delivery engine would take now, an hour ahead: none of the held rows.
        due = await outbox.due(now=utc_now() + timedelta(hours=1), limit=100, skip=set())
        held = [row for row in due if row.broadcast_id == 1]
        seen.append((batch, len(await broadcast_rows(app)), await status(app), len(held)))
        assert await outbox.next_due_at() is None
        assert copies(app) == 0

    returned = before_each_batch(monkeypatch, look)
    calls = await send_to_sochi(organiser, deliveries=False)
    shown = [str(c.params.get("text")) for c in calls if c.method == "editMessageText"]
    assert any("Рассылка №1</b> начата: 10 получателей" in text for text in shown), shown

    # The first batch went with the broadcast itself; each further one in its own
    # transaction, the rows held (status 'queueing') until the last.
    assert seen == [(1, 3, "queueing", 0), (2, 6, "queueing", 0), (3, 9, "queueing", 0)]
    assert returned == [5005, 5008, None]
    await wait_finished(app, 1)
    for chat in PEOPLE:
        assert len(copies_to(app.telegram, chat)) == 1, chat
    assert tuple((await rows(app, "SELECT status, recipients FROM broadcasts"))[0]) == ("done", 10)
    assert [row[0] for row in await audit_entries(app)] == ["broadcast"]
    assert "Доставлено: 10 из 10" in organiser.last_text


async def test_a_queueing_cut_short_goes_on_from_where_it_stopped(
    app: RunningBot, organiser: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(app, PEOPLE)
    crash = True

    async def lose_the_database(batch: int, _: int) -> None:
        if crash and batch == 2:
            raise ConnectionError("the database went away")

    before_each_batch(monkeypatch, lose_the_database)
    await send_to_sochi(organiser, deliveries=False)
    # Saved and going on: no «Что-то пошло не так» for a broadcast that will go out.
    answer = organiser.telegram.last_message(ADMIN_ID).text
    assert "получатели ещё ставятся в очередь, это продолжится автоматически" in answer
    assert not any("Что-то пошло не так" in text for text in organiser.texts())

    await asyncio.sleep(PROGRESS_SECONDS * 3)
    assert len(await broadcast_rows(app)) == 6  # two batches queued, held
    assert copies(app) == 0
    assert await status(app) == "queueing"
    assert [row[0] for row in await audit_entries(app)] == ["broadcast"]  # already there

    # The bot restarts; the queueing has been quiet long enough to be taken up.
    crash = False
    monkeypatch.setattr(broadcast_service, "QUEUEING_STALLED_AFTER", timedelta(0))
    await app.restart()
    await wait_finished(app, 1)
    for chat in PEOPLE:
        assert len(copies_to(app.telegram, chat)) == 1, chat
    assert [chat for chat, _ in await broadcast_rows(app)] == list(PEOPLE)
    assert (await rows(app, "SELECT recipients FROM broadcasts"))[0][0] == 10
    assert [row[0] for row in await audit_entries(app)] == ["broadcast"]
    assert "Доставлено: 10 из 10" in organiser.last_text


async def test_stopped_while_queueing_nothing_goes_out(
    app: RunningBot, organiser: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(app, PEOPLE)
    repo = BroadcastRepo(_db(app))

    async def stop_before_the_third(batch: int, _: int) -> None:
        if batch == 2:  # as the organiser's stop comes in between two batches
            assert await repo.stop(broadcast_id=1, stopped_by=ADMIN_ID, now=utc_now())

    returned = before_each_batch(monkeypatch, stop_before_the_third)
    await send_to_sochi(organiser)
    assert returned == [returned[0], None]  # the batch after the stop added nothing
    await wait_finished(app, 1)
    assert copies(app) == 0
    assert await broadcast_rows(app) == [(chat, "cancelled") for chat in range(5000, 5006)]
    report = organiser.last_text
    assert "⏹ Рассылка №1 остановлена" in report
    assert "Доставлено: 0 из 6" in report
    assert "Не отправлено из-за остановки: 6" in report

    # Taken up after a restart? No: it is no longer queueing.
    monkeypatch.setattr(broadcast_service, "QUEUEING_STALLED_AFTER", timedelta(0))
    await app.restart()
    await asyncio.sleep(PROGRESS_SECONDS * 3)
    assert copies(app) == 0
    assert len(await broadcast_rows(app)) == 6


async def test_the_stop_button_works_while_recipients_are_still_queued(
    app: RunningBot, organiser: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(app, PEOPLE)

    async def fail_the_second(batch: int, _: int) -> None:
        if batch == 2:
            raise ConnectionError("the database went away")

    before_each_batch(monkeypatch, fail_the_second)
    await send_to_sochi(organiser)
    await organiser.press("⏹ Остановить")
    assert "Остановить рассылку №1?" in organiser.last_text
    await organiser.press("Да, остановить")
    await wait_finished(app, 1)
    assert copies(app) == 0
    assert "Доставлено: 0 из 6" in organiser.last_text


async def test_scheduled_broadcast_withdrawn_before_its_last_batch_sends_nothing(
    app: RunningBot, organiser: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(app, PEOPLE)
    await _schedule_for_tomorrow(organiser)

    async def withdraw_before_the_last(batch: int, _: int) -> None:
        if batch == 3:  # 9 of 10 queued: the next batch would be the last
            assert await status(app) == "queueing"
            await organiser.press_data("bc:wd:1:0")

    returned = before_each_batch(monkeypatch, withdraw_before_the_last)
    async with _db(app).transaction() as conn:
        await conn.execute("UPDATE broadcasts SET scheduled_for = ?", (utc_now(),))
    app.dp["broadcasts"].monitor.wake()
    async with asyncio.timeout(10):
        while len(returned) < 3:
            await asyncio.sleep(0.05)
    assert returned[-1] is None
    assert "отменена, ничего не отправлено" in organiser.last_text
    await asyncio.sleep(PROGRESS_SECONDS * 3)
    assert copies(app) == 0
    assert await status(app) == "cancelled"
    assert await broadcast_rows(app) == [(chat, "cancelled") for chat in range(5000, 5009)]
    actions = [row[0] for row in await audit_entries(app)]
    assert sorted(actions) == ["schedule", "withdraw"]
    # Its card says what happened: withdrawn, nothing sent (not «завершена»).
    await organiser.press_data("bc:open:1:0")
    card = organiser.last_text
    assert "отменена до отправки" in card
    assert "завершена" not in card and "Доставлено" not in card


async def test_blocked_people_inside_the_batches_and_an_exact_multiple_of_the_batch(
    app: RunningBot, organiser: TgUser
) -> None:
    """Nine people in three full batches, two of whom blocked the bot: every batch and
    the empty last step count them once, and the blocked ones are closed at once."""
    await add_people(app, range(5000, 5009))
    async with _db(app).transaction() as conn:
        await conn.execute(
            "UPDATE people SET blocked_at = ? WHERE tg_id IN (5001, 5007)", (utc_now(),)
        )
    await send_to_sochi(organiser)
    await wait_finished(app, 1)
    for chat in range(5000, 5009):
        assert len(copies_to(app.telegram, chat)) == (0 if chat in (5001, 5007) else 1), chat
    states = dict(await broadcast_rows(app))
    assert len(states) == 9 and states[5001] == states[5007] == "blocked"
    report = organiser.last_text
    assert "Доставлено: 7 из 9" in report


async def test_a_broadcast_that_keeps_failing_does_not_hold_up_the_others(
    app: RunningBot, organiser: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(app, PEOPLE)
    first_works = False

    calls: dict[int, int] = {}

    async def database_trouble(_: int, broadcast_id: int) -> None:
        # Both broadcasts are cut short after their first batch; then the first one
        # keeps failing.
        calls[broadcast_id] = calls.get(broadcast_id, 0) + 1
        if calls[broadcast_id] == 1 or (broadcast_id == 1 and not first_works):
            raise ConnectionError("the database went away")

    before_each_batch(monkeypatch, database_trouble)
    for _ in range(2):
        await send_to_sochi(organiser, deliveries=False)
    statuses = await rows(app, "SELECT id, status FROM broadcasts ORDER BY id")
    assert [tuple(row) for row in statuses] == [(1, "queueing"), (2, "queueing")]

    monkeypatch.setattr(broadcast_service, "QUEUEING_STALLED_AFTER", timedelta(0))
    await app.restart()
    await wait_finished(app, 2)
    for chat in PEOPLE:
        assert len(copies_to(app.telegram, chat)) == 1, chat  # the second, once
    assert await status(app) == "queueing"  # the first: held, nothing of it sent
    first_works = True
    app.dp["broadcasts"].monitor.wake()
    await wait_finished(app, 1)
    for chat in PEOPLE:
        assert len(copies_to(app.telegram, chat)) == 2, chat
