"""Organisers' broadcasts, driven through the bot as an organiser does it."""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_bot
from bot.broadcasts.service import Segment, SegmentKind
from bot.core.config import Settings
from bot.delivery.engine import DeliveryConfig
from bot.runner import open_database
from storage.broadcasts import BroadcastRepo, RecipientFilter, Source
from storage.db import Database, utc_now
from storage.events import EventRepo
from storage.people import NewProfile, PersonRepo
from storage.registrations import RegistrationRepo
from tests.conftest import ADMIN_ID, TOKEN, RunningBot, TgUser, make_settings, onboard
from tests.event_seed import add_event
from tests.fake_telegram import FakeTelegram
from tests.trip_seed import MINSK, SOCHI, add_programme, add_trip

PROGRESS_SECONDS = 0.3


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    return make_settings(telegram, db_path, broadcast_progress_seconds=PROGRESS_SECONDS)


@pytest.fixture
async def organiser(admin: TgUser) -> TgUser:
    return admin  # an admin from ADMIN_IDS, in Minsk


def _db(app: RunningBot) -> Database:
    assert app.db is not None
    return app.db


async def add_people(
    app: RunningBot,
    ids: range | list[int],
    *,
    city: int = SOCHI,
    role: str = "teacher",
    language: str = "ru",
) -> None:
    repo = PersonRepo(_db(app))
    for tg_id in ids:
        await repo.complete_profile(
            tg_id=tg_id,
            language=language,
            profile=NewProfile(f"Человек {tg_id}", city, role, "Школа", utc_now()),
        )


async def rows(app: RunningBot, sql: str, params: tuple = ()) -> list[Any]:
    async with _db(app).read.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def wait_finished(app: RunningBot, broadcast_id: int, seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while True:
            found = await rows(
                app, "SELECT finished_at FROM broadcasts WHERE id = ?", (broadcast_id,)
            )
            if found and found[0][0] is not None:
                break
            await asyncio.sleep(0.05)
    async with asyncio.timeout(seconds):  # the report goes to the author through the outbox
        while not await rows(
            app,
            "SELECT 1 FROM outbox WHERE dedup_key = ? AND state = 'sent'",
            (f"broadcast-report:{broadcast_id}",),
        ):
            await asyncio.sleep(0.05)


def copies_to(telegram: FakeTelegram, chat_id: int) -> list[Any]:
    return [c for c in telegram.calls_of("copyMessage", chat_id=chat_id) if c.ok]


async def choose_segment(user: TgUser, *labels: str) -> None:
    await user.send("/broadcast")
    await user.press("✉️ Новая рассылка")
    for label in labels:
        await user.press(label)


BOLD_TEXT = "Фестиваль белорусской культуры в Сочи: сбор в 10:00"
BOLD = [{"type": "bold", "offset": 0, "length": 10}]


async def compose_text(user: TgUser) -> None:
    await user.app.process(user.updates.formatted(BOLD_TEXT, BOLD))


# Sending


async def test_city_broadcast_reaches_that_city_only_with_formatting_kept(
    app: RunningBot, organiser: TgUser, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    minsk = make_user(2002, first_name="Янка")
    await onboard(minsk, name="Янка Купала", city="Минск", role="Культура")
    await add_people(app, range(5000, 5003))  # three more people in Sochi

    await choose_segment(organiser, "Городу", "Сочи")
    assert "сейчас 4 чел." in organiser.last_text

    await compose_text(organiser)
    # The preview is the very copy people will get, then the count and the choice.
    preview = organiser.telegram.messages(ADMIN_ID)[-2]
    assert preview.plain_text() == BOLD_TEXT
    assert preview.entities == BOLD
    assert "Получатели: Сочи — 4 чел." in organiser.last_text
    assert organiser.labels()[:2] == ["📤 Отправить", "🕒 Запланировать"]

    await organiser.press("📤 Отправить")
    assert "Рассылка №1" in organiser.last_text
    await wait_finished(app, 1)

    for chat_id in (member.id, 5000, 5001, 5002):
        copies = copies_to(app.telegram, chat_id)
        assert len(copies) == 1, chat_id
        received = app.telegram.messages(chat_id)[-1]
        assert received.plain_text() == BOLD_TEXT
        assert received.entities == BOLD
    assert copies_to(app.telegram, minsk.id) == []
    # Nobody outside the segment got anything, the organiser included.
    assert len(copies_to(app.telegram, ADMIN_ID)) == 1  # only their preview

    report = organiser.last_text
    assert "✅ Рассылка №1 завершена" in report
    assert "Доставлено: 4 из 4" in report
    assert "Недоступны (заблокировали бота или удалили аккаунт): 0" in report


async def test_photo_with_caption_to_approved_participants_of_a_trip(
    app: RunningBot, organiser: TgUser
) -> None:
    db = _db(app)
    await add_people(app, range(6000, 6004))
    trip_id = await add_trip(db, programme_id=await add_programme(db), title="Педагоги в Минске")
    statuses = {6000: "approved", 6001: "approved", 6002: "waitlisted", 6003: "pending"}
    async with db.transaction() as conn:
        for tg_id, status in statuses.items():
            await RegistrationRepo(db).insert(
                conn, trip_id=trip_id, tg_id=tg_id, status=status, answers={}, now=utc_now()
            )

    await choose_segment(organiser, "Участникам поездки")
    await organiser.press(organiser.labels()[0])  # the only trip
    assert "Кому из записавшихся на «Педагоги в Минске»?" in organiser.last_text
    await organiser.press("Одобренным")
    assert "сейчас 2 чел." in organiser.last_text

    caption = "Программа визита"
    await app.process(
        organiser.updates.photo(
            b"\x89PNG-photo",
            caption=caption,
            caption_entities=[{"type": "italic", "offset": 0, "length": 9}],
            server=app.telegram,
        )
    )
    await organiser.press("📤 Отправить")
    await wait_finished(app, 1)

    for tg_id, status in statuses.items():
        got = copies_to(app.telegram, tg_id)
        assert len(got) == (1 if status == "approved" else 0), tg_id
    received = app.telegram.messages(6000)[-1]
    assert "photo" in received.media
    assert received.plain_text() == caption
    assert received.entities == [{"type": "italic", "offset": 0, "length": 9}]


async def test_segment_of_city_and_role_and_of_language(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, [7000, 7001], city=SOCHI, role="medic")
    await add_people(app, [7002], city=SOCHI, role="teacher", language="be")
    await add_people(app, [7003], city=MINSK, role="medic", language="be")

    await choose_segment(organiser, "Городу и роли", "Сочи", "Медицинский работник")
    assert "Сочи · Медицинский работник" in organiser.last_text
    assert "сейчас 2 чел." in organiser.last_text
    await organiser.press("Отмена")
    assert "ничего не отправлено" in organiser.last_text

    await choose_segment(organiser, "По языку", "Беларуская")
    assert "сейчас 2 чел." in organiser.last_text  # 7002 and 7003; the admin speaks Russian
    assert await rows(app, "SELECT * FROM broadcasts") == []


async def test_back_walks_the_segment_form_one_step(app: RunningBot, organiser: TgUser) -> None:
    await choose_segment(organiser, "Городу и роли", "Сочи")
    assert organiser.last_text == "Выберите роль."
    await organiser.press("← Назад")
    assert organiser.last_text == "Выберите город."
    await organiser.press("← Назад")
    assert organiser.last_text == "Кому отправить рассылку?"


# Refusals and bad input


async def test_too_long_caption_is_refused_before_anything_is_queued(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, range(5000, 5002))
    await choose_segment(organiser, "Всем участникам")
    # A Premium user may write captions longer than a bot may copy.
    await app.process(
        organiser.updates.photo(b"photo", caption="Очень длинно. " * 100, server=app.telegram)
    )
    assert "Подпись слишком длинная: 1\xa0400 символов" in organiser.texts()[-2]
    assert "не больше 1\xa0024" in organiser.texts()[-2]
    await organiser.send("Т" * 4097)
    assert "Текст слишком длинный: 4\xa0097 символов" in organiser.texts()[-2]
    assert await rows(app, "SELECT * FROM outbox WHERE purpose = 'broadcast'") == []
    assert await rows(app, "SELECT * FROM broadcasts") == []

    # Still on the same step: a good message goes on to the preview.
    await organiser.send("Короткое объявление")
    assert organiser.labels()[0] == "📤 Отправить"


async def test_unsupported_content_is_explained(app: RunningBot, organiser: TgUser) -> None:
    await choose_segment(organiser, "Всем участникам")
    await app.process(organiser.updates.contact("+375291234567"))
    assert "текст, фото или документ" in organiser.texts()[-2]


async def test_members_cannot_broadcast_or_forge_broadcast_buttons(
    app: RunningBot, organiser: TgUser, member: TgUser
) -> None:
    await member.send("/broadcast")
    assert "только организаторам" in member.last_text

    # A running broadcast that the member tries to stop with forged callback data.
    await add_people(app, range(5000, 5030))
    app.telegram.delay_next("copyMessage", 0.2, times=30)
    await choose_segment(organiser, "Всем участникам")
    await compose_text(organiser)
    await organiser.press("📤 Отправить", deliveries=False)

    for data in ("bc:stopok:1:0", "bc:wd:1:0", "bc:new:0:0", "bcf:send", "bcp:all", "bcl:0"):
        calls = await member.press_data(data)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert "только организаторам" in answers[-1].params["text"], data
    await wait_finished(app, 1)
    status = await rows(app, "SELECT status, stopped_by FROM broadcasts WHERE id = 1")
    assert tuple(status[0]) == ("done", None)
    assert len(await rows(app, "SELECT * FROM broadcasts")) == 1


async def test_forged_choice_in_the_segment_form_is_refused(
    app: RunningBot, organiser: TgUser
) -> None:
    await choose_segment(organiser, "Городу")
    calls = await organiser.press_data("bcp:999")
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "больше недоступен" in answers[-1].params["text"]
    assert organiser.last_text == "Выберите город."
    await organiser.press("Минск")
    assert "Получатели: <b>Минск</b>" not in organiser.last_text  # escaped, shown as bold
    assert "Получатели: Минск" in organiser.last_text


async def test_empty_segment_cannot_be_sent(app: RunningBot, organiser: TgUser) -> None:
    await choose_segment(organiser, "Роли", "Спорт")
    assert "сейчас 0 чел." in organiser.last_text
    await organiser.send("Объявление")
    assert "отправлять некому" in organiser.last_text
    assert "📤 Отправить" not in organiser.labels()
    calls = await organiser.press_data("bcf:send")
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "никого нет" in answers[-1].params["text"]
    assert await rows(app, "SELECT * FROM broadcasts") == []


# Progress, stop, history


async def test_progress_is_edited_at_most_every_interval_and_stop_stops(
    telegram: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        telegram, db_path, broadcast_progress_seconds=PROGRESS_SECONDS, send_rate=20
    )
    app = RunningBot(telegram, settings)
    await app.start()
    try:
        organiser = TgUser(app, ADMIN_ID, first_name="Админ")
        await onboard(organiser, city="Минск", role="Представитель администрации")
        await add_people(app, range(5000, 5060))
        edits: list[float] = []

        def watch(method: str, params: dict[str, Any]) -> None:
            if method.lower() == "editmessagetext" and "Рассылка №1</b> идёт" in str(
                params.get("text")
            ):
                edits.append(time.monotonic())

        telegram.gate = watch
        await choose_segment(organiser, "Городу", "Сочи")
        await compose_text(organiser)
        progress_id = organiser.find_button("📤 Отправить")[0].message_id
        await organiser.press("📤 Отправить", deliveries=False)
        await asyncio.sleep(1.0)
        progress = telegram.message(ADMIN_ID, progress_id).plain_text()
        assert "Рассылка №1 идёт" in progress
        assert "Осталось времени: примерно" in progress

        await organiser.press("⏹ Остановить", deliveries=False)
        assert "Остановить рассылку №1?" in organiser.last_text
        await organiser.press("Да, остановить", deliveries=False)
        await wait_finished(app, 1)
        sent_at_stop = sum(len(copies_to(telegram, chat)) for chat in range(5000, 5060))
        await asyncio.sleep(0.5)
        assert sum(len(copies_to(telegram, chat)) for chat in range(5000, 5060)) == sent_at_stop
        assert 0 < sent_at_stop < 60

        report = organiser.last_text
        assert "⏹ Рассылка №1 остановлена" in report
        assert f"Доставлено: {sent_at_stop} из 60" in report
        assert f"Не отправлено из-за остановки: {60 - sent_at_stop}" in report
        # No "Остановить" any more: the way on, as under the report.
        shown = telegram.message(ADMIN_ID, progress_id).buttons()
        assert [b["text"] for b in shown] == ["← Рассылки", "☰ Главное меню"]
        gaps = [b - a for a, b in itertools.pairwise(edits)]
        assert gaps and min(gaps) >= PROGRESS_SECONDS * 0.8, gaps
    finally:
        telegram.gate = None
        await app.stop()


async def test_history_lists_broadcasts_with_their_figures(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, range(5000, 5003))
    async with _db(app).transaction() as conn:
        await conn.execute("UPDATE people SET blocked_at = ? WHERE tg_id = 5002", (utc_now(),))
    await choose_segment(organiser, "Всем участникам")
    assert "из них 1 заблокировали бота" in organiser.last_text
    await compose_text(organiser)
    await organiser.press("📤 Отправить")
    await wait_finished(app, 1)
    assert copies_to(app.telegram, 5002) == []

    await organiser.send("/broadcast")
    await organiser.press("🗂 История рассылок")
    assert organiser.labels()[0].startswith("№1 ✅")
    assert organiser.labels()[0].endswith("доставлено 3 из 4")
    await organiser.press(organiser.labels()[0])
    card = organiser.last_text
    assert "Рассылка №1 — завершена" in card
    assert "Получатели: все участники" in card
    assert "Автор: Ольга Админова" in card
    assert "Доставлено: 3 из 4" in card  # three people and the organiser
    assert "Недоступны (заблокировали бота или удалили аккаунт): 1" in card
    await organiser.press("👁 Показать сообщение")
    copy, below = organiser.telegram.messages(ADMIN_ID)[-2:]
    assert copy.plain_text() == BOLD_TEXT and not copy.buttons()  # as people got it
    assert below.plain_text() == "Выше — рассылка №1 так, как её получили люди."
    assert [b["text"] for b in below.buttons()] == [
        "← К рассылке",
        "← Рассылки",
        "☰ Главное меню",
    ]


async def test_blocked_during_the_broadcast_count_as_unreachable(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, range(5000, 5004))
    app.telegram.blocked_chats.add(5001)
    await choose_segment(organiser, "Всем участникам")
    await compose_text(organiser)
    await organiser.press("📤 Отправить")
    await wait_finished(app, 1)
    assert "Недоступны (заблокировали бота или удалили аккаунт): 1" in organiser.last_text
    assert "Доставлено: 4 из 5" in organiser.last_text
    blocked = await rows(app, "SELECT blocked_at FROM people WHERE tg_id = 5001")
    assert blocked[0][0] is not None


async def test_broadcast_survives_a_restart_half_way(
    telegram: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        telegram, db_path, broadcast_progress_seconds=PROGRESS_SECONDS, send_rate=20
    )
    app = RunningBot(telegram, settings)
    await app.start()
    organiser = TgUser(app, ADMIN_ID, first_name="Админ")
    await onboard(organiser, city="Минск", role="Представитель администрации")
    await add_people(app, range(5000, 5040))
    await choose_segment(organiser, "Городу", "Сочи")
    await compose_text(organiser)
    await organiser.press("📤 Отправить", deliveries=False)
    await asyncio.sleep(0.6)
    await app.restart()
    delivered_before = sum(len(copies_to(telegram, chat)) for chat in range(5000, 5040))
    assert 0 < delivered_before < 40
    try:
        await wait_finished(app, 1)
        for chat_id in range(5000, 5040):
            assert len(copies_to(telegram, chat_id)) == 1, chat_id  # graceful: no duplicates
        assert "Доставлено: 40 из 40" in organiser.last_text
    finally:
        await app.stop()


# Scheduling


async def _schedule_for_tomorrow(organiser: TgUser) -> None:
    await choose_segment(organiser, "Городу", "Сочи")
    await compose_text(organiser)
    await organiser.press("🕒 Запланировать")
    assert "по времени вашего города (Минск)" in organiser.last_text
    tomorrow = (utc_now() + timedelta(days=1)).strftime("%d.%m.%Y")
    await organiser.send(f"{tomorrow} 10:00")
    assert "Рассылка №1 запланирована на" in organiser.last_text
    assert "(время: Минск)" in organiser.last_text


async def test_schedule_time_is_validated(app: RunningBot, organiser: TgUser) -> None:
    await add_people(app, [5000])
    await choose_segment(organiser, "Городу", "Сочи")
    await compose_text(organiser)
    await organiser.press("🕒 Запланировать")
    await organiser.send("завтра утром")
    assert "Дата не распознана" in organiser.texts()[-2]
    await organiser.send("01.01.2020 10:00")
    assert "уже прошло" in organiser.texts()[-2]
    await organiser.send((utc_now() + timedelta(days=400)).strftime("%d.%m.%Y 10:00"))
    assert "не больше чем на год" in organiser.texts()[-2]
    assert await rows(app, "SELECT * FROM broadcasts") == []
    await organiser.press("← Назад")
    assert organiser.labels()[0] == "📤 Отправить"


async def test_scheduled_broadcast_missed_while_down_goes_out_late_after_restart(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, [5000, 5001])
    await _schedule_for_tomorrow(organiser)
    stored = await rows(app, "SELECT status, scheduled_for FROM broadcasts WHERE id = 1")
    assert stored[0][0] == "scheduled"
    await app.stop()
    # The bot was down when the time came.
    await app.start()
    async with _db(app).transaction() as conn:
        past = utc_now() - timedelta(minutes=30)
        await conn.execute("UPDATE broadcasts SET scheduled_for = ?", (past,))
    app.dp["broadcasts"].monitor.wake()
    await wait_finished(app, 1)
    for chat_id in (5000, 5001):
        assert len(copies_to(app.telegram, chat_id)) == 1
    assert "⏰ Отправлена с опозданием" in organiser.last_text
    assert "Доставлено: 2 из 2" in organiser.last_text


async def test_scheduled_broadcast_waits_for_its_time_across_a_restart(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, [5000])
    await _schedule_for_tomorrow(organiser)
    scheduled_message = organiser.telegram.last_message(ADMIN_ID).message_id
    await app.restart()
    async with _db(app).transaction() as conn:
        # SQLite stores it to the second: 3 s ahead is at least 2 s, past the wait below.
        soon = utc_now() + timedelta(seconds=3)
        await conn.execute("UPDATE broadcasts SET scheduled_for = ?", (soon,))
    await asyncio.sleep(1.0)
    assert copies_to(app.telegram, 5000) == []
    await wait_finished(app, 1)
    assert len(copies_to(app.telegram, 5000)) == 1
    final = app.telegram.message(ADMIN_ID, scheduled_message).plain_text()
    assert "✅ Рассылка №1 завершена" in final  # the scheduling message shows the result
    assert "с опозданием" not in final


async def test_withdrawn_scheduled_broadcast_is_never_sent(
    app: RunningBot, organiser: TgUser
) -> None:
    await add_people(app, [5000])
    await _schedule_for_tomorrow(organiser)
    await organiser.press("✖️ Отменить рассылку")
    assert "отменена, ничего не отправлено" in organiser.last_text
    async with _db(app).transaction() as conn:
        await conn.execute("UPDATE broadcasts SET scheduled_for = ?", (utc_now(),))
    app.dp["broadcasts"].monitor.wake()
    await asyncio.sleep(PROGRESS_SECONDS * 3)
    assert copies_to(app.telegram, 5000) == []
    calls = await organiser.press_data("bc:wd:1:0")
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "уже нельзя отменить" in answers[-1].params["text"]


async def test_subscribers_of_an_event(app: RunningBot, organiser: TgUser) -> None:
    db = _db(app)
    await add_people(app, range(8000, 8004))
    festival = await add_event(db, title="Фестиваль «Шаги»")
    other = await add_event(db, title="Молодёжный форум")
    for tg_id in (8000, 8001):
        await EventRepo(db).subscribe(event_id=festival, tg_id=tg_id)
    await EventRepo(db).subscribe(event_id=other, tg_id=8002)

    await choose_segment(organiser, "Подписчикам мероприятия")
    assert "тем, кто на него подписался" in organiser.last_text
    label = next(label for label in organiser.labels() if "Шаги" in label)
    await organiser.press(label)
    assert "Получатели: подписчики «Фестиваль «Шаги»» — сейчас 2 чел." in organiser.last_text
    await compose_text(organiser)
    await organiser.press("📤 Отправить")
    await wait_finished(app, 1)
    assert [len(copies_to(app.telegram, tg_id)) for tg_id in range(8000, 8004)] == [1, 1, 0, 0]


async def test_kill_9_half_way_resumes_without_loss_and_repeats_only_the_in_flight(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    """`python -m bot` killed with SIGKILL in the middle of a broadcast, then started again
    over the same database: nobody is skipped, and only the messages that were in flight
    at the kill (handed to Telegram, answer not recorded) can arrive twice."""
    from tests.test_cli import _env

    env = _env(
        tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=telegram.base_url,
        ADMIN_IDS=str(ADMIN_ID),
        SEND_RATE="25",
        BROADCAST_PROGRESS_SECONDS=str(PROGRESS_SECONDS),
    )
    settings = make_settings(
        telegram,
        Path(env["DATABASE_PATH"]),
        send_rate=25,
        broadcast_progress_seconds=PROGRESS_SECONDS,
    )
    env["DATABASE_URL"] = settings.store_url  # the test's PostgreSQL schema, or the file
    recipients = range(5000, 5100)
    db = await open_database(settings)
    bot = create_bot(settings)
    try:
        people = PersonRepo(db)
        for tg_id in [ADMIN_ID, *recipients]:
            city = MINSK if tg_id == ADMIN_ID else SOCHI  # the organiser is not a recipient
            await people.complete_profile(
                tg_id=tg_id,
                language="ru",
                profile=NewProfile("Участник", city, "culture", "Ансамбль", utc_now()),
            )
        source = await bot.send_message(ADMIN_ID, "<b>Фестиваль</b> в субботу")
        await BroadcastRepo(db).create(
            created_by=ADMIN_ID,
            segment=Segment(kind=SegmentKind.CITY, city_id=SOCHI).to_json(),
            audience=RecipientFilter(city_id=SOCHI),
            source=Source(chat_id=ADMIN_ID, message_id=source.message_id, kind="text"),
            now=utc_now(),
        )
    finally:
        await bot.session.close()
        await db.close()

    # Slow answers: each copy is delivered at once but answered 0.4 s later, so about
    # ten are in flight at any moment, and those in flight at the kill did reach people.
    telegram.delay_answers("copyMessage", 0.4, times=10_000)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(30):
            while sum(len(copies_to(telegram, c)) for c in recipients) < 30:
                assert process.returncode is None
                await asyncio.sleep(0.02)
    finally:
        process.kill()  # SIGKILL: nothing is recorded after this
        await process.wait()
    assert process.returncode == -signal.SIGKILL

    db = await open_database(settings)
    try:
        async with db.read.execute(
            "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = 1 GROUP BY state"
        ) as cur:
            states = {row[0]: row[1] for row in await cur.fetchall()}
        async with db.read.execute("SELECT chat_id FROM outbox WHERE state = 'sending'") as cur:
            in_flight_chats = {row[0] for row in await cur.fetchall()}
    finally:
        await db.close()
    in_flight = states.get("sending", 0)
    assert 0 < in_flight <= DeliveryConfig().max_in_flight, states
    assert states.get("queued", 0) > 0, states  # really half-way
    telegram._answer_delays.clear()

    app = RunningBot(telegram, settings)
    await app.start()
    try:
        await wait_finished(app, 1)
        received = {chat: len(copies_to(telegram, chat)) for chat in recipients}
        assert min(received.values()) == 1  # nobody skipped
        # Those in flight at the kill had reached Telegram, so each of them arrives twice
        # (here all of them: about ten); never anyone else, never more than max_in_flight.
        twice = {chat for chat, n in received.items() if n > 1}
        assert max(received.values()) == 2
        assert 0 < len(twice) <= in_flight and twice <= in_flight_chats, (twice, in_flight)
        assert "Доставлено: 100 из 100" in TgUser(app, ADMIN_ID).last_text
    finally:
        await app.stop()


async def test_document_with_caption_to_subscribers_of_an_event_with_html_in_its_title(
    app: RunningBot, organiser: TgUser
) -> None:
    db = _db(app)
    await add_people(app, range(8100, 8103))
    title = "<b>Шаги</b> & Co"
    festival = await add_event(db, title=title)
    for tg_id in (8100, 8101):
        await EventRepo(db).subscribe(event_id=festival, tg_id=tg_id)

    await choose_segment(organiser, "Подписчикам мероприятия")
    await organiser.press(next(label for label in organiser.labels() if "Шаги" in label))
    # The title is shown as typed (Telegram would refuse the message if it were HTML).
    assert f"Получатели: подписчики «{title}» — сейчас 2 чел." in organiser.last_text
    await app.process(
        organiser.updates.document(
            "programme.pdf", b"%PDF-1.4 programme", caption="Программа форума", server=app.telegram
        )
    )
    assert organiser.telegram.messages(ADMIN_ID)[-2].document is not None  # the preview copy
    await organiser.press("📤 Отправить")
    await wait_finished(app, 1)
    for tg_id in (8100, 8101):
        received = app.telegram.messages(tg_id)[-1]
        assert received.document is not None and received.document[0] == "programme.pdf"
        assert received.plain_text() == "Программа форума"
    assert copies_to(app.telegram, 8102) == []
