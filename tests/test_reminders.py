"""Reminders: on time, once, across restarts, moved, cancelled, for blocked people.

Offsets are seconds here (EVENT_REMINDERS=3s and the like), so the real scheduler runs
against the real clock and the fake Bot API records when each reminder arrived.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import ConfigError, load_settings
from bot.core.durations import parse_offsets
from bot.core.i18n import Translations
from bot.core.roles import Access
from bot.delivery.reminders import ReminderConfig, Reminders
from bot.runner import open_database
from handlers.events.callbacks import EventAction, EventCb
from handlers.events.views import reminder_markup
from storage.cities import CityRepo
from storage.db import Database, utc_now
from storage.events import EventRepo, NewEvent
from storage.outbox import OutboxRepo
from storage.people import NewProfile, PersonRepo
from storage.reminders import ReminderRepo
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings, onboard
from tests.event_seed import add_event
from tests.fake_telegram import FakeTelegram
from tests.trip_seed import add_programme, add_trip


def test_offsets_are_parsed_strictly() -> None:
    assert parse_offsets("7d,1d,2h") == (7 * 86400, 86400, 7200)
    assert parse_offsets(" 5s , 1m ") == (60, 5)
    assert parse_offsets("") == ()
    for bad in ("7d,,1d", "1w", "2h,2h", "0s", "-1d", "1.5h", "d", "400d"):
        with pytest.raises(ValueError):
            parse_offsets(bad)


def test_bad_setting_stops_start_up_with_a_russian_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None, bot_token=TOKEN, event_reminders="7 days")
    message = str(info.value)
    assert message.startswith("Ошибка настройки EVENT_REMINDERS:")
    assert "7d,1d,2h" in message and "\n" not in message
    settings = load_settings(_env_file=None, bot_token=TOKEN, trip_reminders="3d, 12h")
    assert settings.trip_reminders == (3 * 86400, 12 * 3600)
    assert settings.event_reminders == (7 * 86400, 86400, 7200)  # the default


# Helpers


def _reminders(telegram: FakeTelegram, chat_id: int) -> list[tuple[float, str]]:
    """(arrival time, text) of every reminder the fake Bot API accepted for a chat."""
    return [
        (call.at, call.params["text"])
        for call in telegram.calls_of("sendMessage", chat_id=chat_id)
        if call.ok and "Напоминание" in call.params.get("text", "")
    ]


async def _wait_for(check: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)


def _whole_second(delay: float) -> datetime:
    """A moment `delay` seconds from now, on a whole second (as times are stored)."""
    return (utc_now() + timedelta(seconds=delay)).replace(microsecond=0)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


@pytest.fixture
def offset() -> str:
    """The reminder offset of the module's bot; a test may parametrize its own."""
    return "3s"


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path, offset: str):
    return make_settings(telegram, db_path, event_reminders=offset, trip_reminders=offset)


async def _subscribe(app: RunningBot, user: TgUser, event_id: int) -> None:
    await user.press_data(EventCb(action=EventAction.OPEN, id=event_id).pack())
    await user.press("🔔 Напомнить мне")


async def _two_people(app: RunningBot) -> tuple[TgUser, TgUser]:
    member, other = TgUser(app, 2001), TgUser(app, 2002)
    await onboard(member)
    await onboard(other, name="Олег Петров")
    return member, other


async def _subscribed_event(app: RunningBot, user: TgUser, **event: Any) -> int:
    """An event a month ahead added to the database, the person subscribed.

    Presses take their time on a loaded machine: a test moves the event close with
    `_starts_in` once its people have pressed, so no press races the reminder.
    """
    assert app.db is not None
    event_id = await add_event(app.db, **event)
    await _subscribe(app, user, event_id)
    return event_id


async def _starts_in(app: RunningBot, event_id: int, seconds: float) -> datetime:
    """Let time pass: the event now starts `seconds` from now (on a whole second)."""
    assert app.db is not None
    starts = _whole_second(seconds)
    async with app.db.transaction() as conn:
        await conn.execute(
            "UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
            (starts, starts + timedelta(hours=3), event_id),
        )
    app.dp["delivery"].reminders.poke()
    return starts


# Delivery at the right time, once


async def test_reminder_arrives_once_at_its_time(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    event_id = await _subscribed_event(app, member, title="Форум «Шаги»", venue="Дворец")
    starts = await _starts_in(app, event_id, 6)
    await _wait_for(lambda: bool(_reminders(app.telegram, member.id)))
    await asyncio.sleep(1.5)  # a second sweep or a poke must not send it again
    reminders = _reminders(app.telegram, member.id)
    assert len(reminders) == 1
    arrived, text = reminders[0]
    due = _epoch(starts) - 3
    assert due - 0.05 <= arrived <= due + 2, arrived - due
    assert "Форум «Шаги»" in text and "Дворец, Сочи" in text
    local = (starts + timedelta(hours=3)).strftime("%d.%m.%Y %H:%M")  # Sochi is UTC+3
    assert local in text and "время: Сочи" in text
    labels = [b["text"] for b in app.telegram.last_message(member.id).buttons()]
    assert labels == ["Подробнее", "🔕 Не напоминать"]
    async with app.db.read.execute("SELECT dedup_key FROM outbox WHERE purpose = 'reminder'") as c:
        keys = [row[0] for row in await c.fetchall()]
    assert keys == [f"reminder:event:{event_id}:3:{member.id}"]


async def test_reminder_in_belarusian_with_the_persons_city(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    assert app.db is not None
    user = make_user(2101)
    await onboard(user, language="Беларуская", city="Мінск", role="Педагог")
    event_id = await add_event(app.db, title="Турнір")
    await user.press_data(EventCb(action=EventAction.SUBSCRIBE, id=event_id).pack())
    await _starts_in(app, event_id, 5)
    await _wait_for(
        lambda: any("Напамін" in m.plain_text() for m in app.telegram.messages(user.id))
    )
    text = app.telegram.last_message(user.id).plain_text()
    assert "Турнір" in text and "час: Мінск" in text and "праз" in text


async def test_mute_under_a_reminder_unsubscribes(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    event_id = await _subscribed_event(app, member)
    await _starts_in(app, event_id, 5)
    await _wait_for(lambda: bool(_reminders(app.telegram, member.id)))
    await member.press("🔕 Не напоминать")
    assert not await app.dp["events"].repo.is_subscribed(event_id=event_id, tg_id=member.id)
    assert member.labels() == ["Подробнее"]  # the reminder stays, its button goes
    assert "Напоминание" in member.last_text
    await member.press("Подробнее")
    assert "Подписчиков: 0" in member.last_text


# Restarts


async def test_restart_before_the_reminder(app: RunningBot, member: TgUser) -> None:
    event_id = await _subscribed_event(app, member)
    starts = await _starts_in(app, event_id, 8)
    await app.restart()  # before the reminder is due (5 s from now)
    await _wait_for(lambda: bool(_reminders(app.telegram, member.id)))
    await asyncio.sleep(1)
    reminders = _reminders(app.telegram, member.id)
    assert len(reminders) == 1
    assert reminders[0][0] >= _epoch(starts) - 3 - 0.05


@pytest.mark.parametrize("offset", ["8s"])  # room for a slow start-up before the event
async def test_missed_while_down_is_sent_at_start_up_if_still_ahead(
    app: RunningBot, member: TgUser
) -> None:
    event_id = await _subscribed_event(app, member)
    starts = await _starts_in(app, event_id, 12)  # due in 4 s
    await app.stop()
    await asyncio.sleep(max(_epoch(starts) - 8 - time.time() + 0.5, 0))  # due while down
    assert not _reminders(app.telegram, member.id)
    await app.start()
    await _wait_for(lambda: bool(_reminders(app.telegram, member.id)), seconds=5)
    assert time.time() < _epoch(starts)  # before the event, right after start-up
    await asyncio.sleep(1)
    assert len(_reminders(app.telegram, member.id)) == 1


async def test_missed_while_down_is_dropped_if_the_event_began(
    app: RunningBot, member: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    event_id = await _subscribed_event(app, member)
    starts = await _starts_in(app, event_id, 7)  # due in 4 s: the stop comes before
    await app.stop()
    await asyncio.sleep(max(_epoch(starts) - time.time() + 0.5, 0))  # it has begun
    with caplog.at_level(logging.WARNING, logger="bot.delivery.reminders"):
        await app.start()
        await asyncio.sleep(1)
    assert not _reminders(app.telegram, member.id)
    assert any(
        f"event {event_id} dropped for 1 people" in record.getMessage()
        for record in caplog.records
    )
    async with app.db.read.execute("SELECT COUNT(*) FROM outbox WHERE purpose = 'reminder'") as c:
        assert (await c.fetchone())[0] == 0


# Changes


async def test_moving_an_event_moves_reminders_and_does_not_repeat_sent_ones(
    telegram: FakeTelegram, db_path: Path
) -> None:
    # Its own bot, with short reminder offsets; not `make_user`, whose `app` would start a
    # second bot polling the same fake Telegram (Telegram's 409 "Conflict" then makes the
    # two take turns at the updates, and the test fails now and then).
    # 4 s between the two reminders: the move comes between them on a slow machine too.
    app = RunningBot(telegram, make_settings(telegram, db_path, event_reminders="6s,2s"))
    await app.start()
    try:
        assert app.db is not None
        member = TgUser(app, 2001)
        await onboard(member)
        event_id = await add_event(app.db)
        await _subscribe(app, member, event_id)
        starts = await _starts_in(app, event_id, 8)
        await _wait_for(lambda: bool(_reminders(app.telegram, member.id)))  # the 6 s one
        # Moved 5 s later: the 2 s reminder follows (due at new start − 2 s), the 6 s
        # reminder already sent is not sent again for the new time.
        moved = starts + timedelta(seconds=5)
        service = app.dp["events"].service
        event = await app.dp["events"].repo.get(event_id=event_id)
        change = await service.save(
            actor_id=1000,
            actor_access=Access.ORGANISER,
            event_id=event_id,
            now=utc_now(),
            event=NewEvent(
                kind=event.kind,
                title=event.title,
                city_id=event.city_id,
                venue=event.venue,
                starts_at=moved,
                ends_at=moved + timedelta(hours=1),
                description=event.description,
            ),
        )
        assert change.moved and change.event.sequence == event.sequence + 1
        assert change.told == 1  # told in the change's own transaction
        await _wait_for(lambda: len(_reminders(app.telegram, member.id)) == 2, seconds=12)
        await asyncio.sleep(1.5)
        reminders = _reminders(app.telegram, member.id)
        assert len(reminders) == 2
        assert reminders[1][0] >= _epoch(moved) - 2 - 0.05  # not at the old time
        assert any("перенесено" in text for text in member.texts())
    finally:
        await app.stop()


async def test_cancelling_drops_reminders_and_tells_subscribers(
    app: RunningBot, member: TgUser
) -> None:
    assert app.db is not None
    event_id = await _subscribed_event(app, member, title="Семинар")
    starts = await _starts_in(app, event_id, 5)
    change = await app.dp["events"].service.cancel(
        actor_access=Access.ORGANISER, event_id=event_id
    )
    assert change.told == 1  # told in the cancellation's own transaction
    await asyncio.sleep(max(_epoch(starts) - time.time(), 0) + 0.5)
    assert not _reminders(app.telegram, member.id)
    assert "Семинар" in member.last_text and "отменено" in member.last_text


async def test_unsubscribing_drops_that_persons_reminder(
    app: RunningBot, member: TgUser, admin: TgUser
) -> None:
    assert app.db is not None
    event_id = await _subscribed_event(app, member)
    await _subscribe(app, admin, event_id)
    await _starts_in(app, event_id, 8)  # both reminders planned, due in 5 s
    await member.press("🔕 Не напоминать")
    await _wait_for(lambda: bool(_reminders(app.telegram, admin.id)))
    await asyncio.sleep(0.5)
    assert not _reminders(app.telegram, member.id)


async def test_blocked_person_is_skipped_and_marked(telegram: FakeTelegram, db_path: Path) -> None:
    app = RunningBot(telegram, make_settings(telegram, db_path, event_reminders="4s,2s"))
    await app.start()
    try:
        assert app.db is not None
        member, other = await _two_people(app)
        event_id = await add_event(app.db)
        await _subscribe(app, member, event_id)
        await _subscribe(app, other, event_id)
        telegram.blocked_chats.add(member.id)
        await _starts_in(app, event_id, 6)
        await _wait_for(lambda: len(_reminders(telegram, other.id)) == 2, seconds=10)
        attempts = telegram.calls_of("sendMessage", chat_id=member.id)
        reminder_attempts = [c for c in attempts if "Напоминание" in c.params.get("text", "")]
        assert len(reminder_attempts) == 1 and reminder_attempts[0].error_code == 403
        person = await app.dp["people"].repo.get(tg_id=member.id)
        assert person is not None and person.blocked_at is not None
    finally:
        await app.stop()


async def test_trip_reminders_go_to_approved_participants_only(
    app: RunningBot, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    assert app.db is not None
    waiting = make_user(2003)
    await onboard(waiting, name="Ирина Ждёт")
    programme = await add_programme(app.db)
    starts = _whole_second(6)
    trip_id = await add_trip(
        app.db,
        programme_id=programme,
        title="Педагоги в Минске",
        starts_at=starts,
        deadline=starts - timedelta(seconds=1),
        capacity=1,
    )
    now = utc_now().replace(microsecond=0)
    async with app.db.transaction() as conn:
        for tg_id, status in ((member.id, "approved"), (waiting.id, "waitlisted")):
            await conn.execute(
                "INSERT INTO registrations (trip_id, tg_id, status, waitlisted_at, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (trip_id, tg_id, status, now if status == "waitlisted" else None, now, now),
            )
    app.dp["delivery"].reminders.poke()
    await _wait_for(lambda: bool(_reminders(app.telegram, member.id)))
    text = _reminders(app.telegram, member.id)[0][1]
    assert "Педагоги в Минске" in text and "Сочи → Минск" in text
    await asyncio.sleep(1)
    assert not _reminders(app.telegram, waiting.id)


# Two start-ups over the same database


async def _add_people(db: Database, ids: range) -> None:
    people = PersonRepo(db)
    for tg_id in ids:
        await people.complete_profile(
            tg_id=tg_id,
            language="ru",
            profile=NewProfile("Участник", 1, "culture", "Ансамбль", utc_now()),
        )


async def _reminders_over(db: Database, clock: Callable[[], datetime]) -> Reminders:
    return Reminders(
        ReminderRepo(db),
        OutboxRepo(db),
        CityRepo(db),
        Translations(),
        reminder_markup,
        ReminderConfig(event_offsets=(3600,), trip_offsets=()),
        clock=clock,
    )


async def test_two_start_ups_over_one_database_queue_each_reminder_once(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    settings = make_settings(telegram, tmp_path / "db.sqlite3")
    first_db = await open_database(settings)
    second_db = await open_database(settings)  # another process: its own connections
    try:
        await _add_people(first_db, range(10, 60))
        base = utc_now().replace(microsecond=0)
        event_id = await add_event(first_db, starts_at=base + timedelta(hours=2))
        for tg_id in range(10, 60):
            await EventRepo(first_db).subscribe(event_id=event_id, tg_id=tg_id)
        clock = [base]
        first = await _reminders_over(first_db, lambda: clock[0])
        second = await _reminders_over(second_db, lambda: clock[0])
        assert (await first.sweep()).queued == 0  # the very first start: a mark is set
        clock[0] = base + timedelta(hours=1, minutes=1)  # both were down past the due time
        results = await asyncio.gather(first.sweep(), second.sweep(), first.sweep())
        assert sum(result.queued for result in results) == 50
        assert await OutboxRepo(first_db).counts() == {"queued": 50}
        clock[0] += timedelta(minutes=5)
        assert (await second.sweep()).queued == 0
    finally:
        await first_db.close()
        await second_db.close()


def test_bad_reminder_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    from tests.test_cli import _run

    result = _run(tmp_path, BOT_TOKEN=TOKEN, TRIP_REMINDERS="7d,1 week")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Ошибка настройки TRIP_REMINDERS:") and "1 week" in lines[0]


async def test_a_big_sweep_is_read_in_parts_and_queues_everyone_once(
    telegram: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "bot.delivery.reminders.SWEEP_BATCH", 7
    )  # parts end inside an event's people
    db = await open_database(make_settings(telegram, tmp_path / "db.sqlite3"))
    try:
        await _add_people(db, range(10, 60))
        base = utc_now().replace(microsecond=0)
        events = [
            await add_event(db, starts_at=base + timedelta(hours=2, minutes=minutes))
            for minutes in (0, 30)
        ]
        for event_id in events:
            for tg_id in range(10, 60):
                await EventRepo(db).subscribe(event_id=event_id, tg_id=tg_id)
        clock = [base]
        reminders = await _reminders_over(db, lambda: clock[0])
        await reminders.sweep()  # the first start sets the mark
        clock[0] = base + timedelta(hours=1, minutes=31)  # both hour-before reminders due
        assert (await reminders.sweep()).queued == 100
        async with db.read.execute("SELECT dedup_key FROM outbox") as cur:
            keys = {row[0] for row in await cur.fetchall()}
        assert keys == {
            f"reminder:event:{event_id}:3600:{tg_id}"
            for event_id in events
            for tg_id in range(10, 60)
        }
    finally:
        await db.close()


async def test_reminder_shows_html_in_the_title_and_venue_as_typed(
    app: RunningBot, member: TgUser
) -> None:
    event_id = await _subscribed_event(app, member, title="<b>Шаги</b> & Co", venue="Зал <i>1</i>")
    await _starts_in(app, event_id, 5)
    await _wait_for(lambda: bool(_reminders(app.telegram, member.id)))
    text = member.last_text  # as Telegram shows it: the fake refuses broken HTML
    assert "<b>Шаги</b> & Co" in text and "Зал <i>1</i>, Сочи" in text


async def test_mute_under_a_trip_reminder_stops_that_trips_reminders(
    telegram: FakeTelegram, db_path: Path
) -> None:
    # 4 s between the two reminders: the mute press comes between them on a slow machine too.
    app = RunningBot(telegram, make_settings(telegram, db_path, trip_reminders="6s,2s"))
    await app.start()
    try:
        assert app.db is not None
        member, other = await _two_people(app)
        starts = _whole_second(8)
        trip_id = await add_trip(
            app.db,
            programme_id=await add_programme(app.db),
            title="Педагоги в Минске",
            starts_at=starts,
            deadline=starts - timedelta(seconds=1),
        )
        now = utc_now().replace(microsecond=0)
        async with app.db.transaction() as conn:
            for tg_id in (member.id, other.id):
                await conn.execute(
                    "INSERT INTO registrations (trip_id, tg_id, status, created_at, updated_at)"
                    " VALUES (?, ?, 'approved', ?, ?)",
                    (trip_id, tg_id, now, now),
                )
        app.dp["delivery"].reminders.poke()
        await _wait_for(lambda: bool(_reminders(telegram, member.id)))  # the 6 s one
        calls = await member.press("🔕 Не напоминать")
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert "больше не напомню" in answers[-1].params["text"]
        assert member.labels() == ["Подробнее"]
        await _wait_for(lambda: len(_reminders(telegram, other.id)) == 2)  # the 2 s one
        await asyncio.sleep(0.5)
        assert len(_reminders(telegram, member.id)) == 1  # not the second
        await member.press("Подробнее")
        assert "Педагоги в Минске" in member.last_text  # the trip's card
    finally:
        await app.stop()
