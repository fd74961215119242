"""Telebridge reminders to both sides, once, and the question after it with its report.

TELEBRIDGE_REMINDERS is a few seconds here and a confirmed telebridge is moved close to
now in the database (as if the days had passed), so the real scheduler runs against
the real clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from handlers.telebridges.callbacks import TbAction, TbCb
from storage.db import Database, utc_now
from tests.conftest import RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram
from tests.telebridge_steps import coordinator, new_time, propose, sochi_time


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path):
    return make_settings(telegram, db_path, telebridge_reminders="3s")


@pytest.fixture
async def pair(app: RunningBot, make_user: Callable[..., TgUser]) -> tuple[TgUser, TgUser, int]:
    """Two coordinators with a confirmed telebridge; its id."""
    sochi = await coordinator(make_user, 3001, school="Гимназия № 1", city="Сочи")
    minsk = await coordinator(make_user, 3002, school="Средняя школа № 5", city="Минск")
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when, topic="Сказки народов")
    await minsk.press("✅ Принять")
    assert app.db is not None
    async with app.db.read.execute("SELECT id FROM telebridges") as cur:
        (row,) = await cur.fetchall()
    return sochi, minsk, row[0]


async def _move(app: RunningBot, telebridge_id: int, *, start: float, end: float) -> None:
    """Let time pass: the telebridge now starts and ends this many seconds from now."""
    assert app.db is not None
    now = utc_now().replace(microsecond=0)
    async with app.db.transaction() as conn:
        await conn.execute(
            "UPDATE telebridges SET starts_at = ?, ends_at = ? WHERE id = ?",
            (
                now + timedelta(seconds=start),
                now + timedelta(seconds=end),
                telebridge_id,
            ),
        )
    app.dp["delivery"].reminders.poke()


def _texts(user: TgUser, needle: str) -> list[str]:
    return [text for text in user.texts() if needle in text]


async def _wait_for(check: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)


async def test_reminders_reach_both_sides_once(
    app: RunningBot, pair: tuple[TgUser, TgUser, int]
) -> None:
    sochi, minsk, telebridge_id = pair
    await _move(app, telebridge_id, start=5, end=3600)
    await _wait_for(
        lambda: (
            bool(_texts(sochi, "Напоминание: телемост"))
            and bool(_texts(minsk, "Напоминание: телемост"))
        )
    )
    await asyncio.sleep(1.5)  # another sweep must not send them again
    for person, other in ((sochi, "Средняя школа № 5"), (minsk, "Гимназия № 1")):
        (text,) = _texts(person, "Напоминание: телемост")
        assert "телемост «Сказки народов»" in text and f"Партнёр: {other}" in text
        assert "https://telemost.yandex.ru/j/123456" in text
        assert "время: Сочи" in text if person is sochi else "время: Минск" in text
    assert sochi.labels() == ["Подробнее", "🔕 Не напоминать"]
    await app.restart()  # a second start-up over the same database
    await asyncio.sleep(1)
    await app.dp["delivery"].engine.wait_idle(5)
    assert len(_texts(sochi, "Напоминание: телемост")) == 1
    assert len(_texts(minsk, "Напоминание: телемост")) == 1
    assert app.db is not None
    async with app.db.read.execute(
        "SELECT dedup_key FROM outbox WHERE purpose = 'reminder' ORDER BY chat_id"
    ) as cur:
        keys = [row[0] for row in await cur.fetchall()]
    assert keys == [
        f"reminder:telebridge:{telebridge_id}v1:3:{sochi.id}",
        f"reminder:telebridge:{telebridge_id}v1:3:{minsk.id}",
    ]


async def test_not_remind_me_and_cancelled_telebridges(
    app: RunningBot, make_user: Callable[..., TgUser], pair: tuple[TgUser, TgUser, int]
) -> None:
    sochi, minsk, telebridge_id = pair
    await minsk.press_data(TbCb(action=TbAction.MUTE, id=telebridge_id).pack())
    await _move(app, telebridge_id, start=5, end=3600)
    await _wait_for(lambda: bool(_texts(sochi, "Напоминание: телемост")))
    await asyncio.sleep(1)
    assert _texts(minsk, "Напоминание: телемост") == []

    # A cancelled telebridge is not reminded of.
    other_minsk = await coordinator(make_user, 3003, school="Лицей № 2", city="Минск")
    when, _ = sochi_time(days=5)
    await propose(sochi, partner="🏫 Лицей № 2", when=when, topic="Отменённый")
    await other_minsk.press("✅ Принять")
    assert app.db is not None
    async with app.db.read.execute("SELECT MAX(id) FROM telebridges") as cur:
        second = (await cur.fetchone())[0]  # type: ignore[index]
    await other_minsk.press_data(TbCb(action=TbAction.CANCEL, id=second).pack())
    await other_minsk.press("Без причины")
    await _move(app, second, start=4, end=3600)
    await asyncio.sleep(3)
    assert not any("Отменённый" in text for text in _texts(sochi, "Напоминание"))


async def test_the_question_after_it_and_the_report(
    app: RunningBot, telegram: FakeTelegram, pair: tuple[TgUser, TgUser, int], admin: TgUser
) -> None:
    sochi, minsk, telebridge_id = pair
    await _move(app, telebridge_id, start=-1800, end=3)
    await _wait_for(
        lambda: (
            bool(_texts(sochi, "Состоялся ли телемост"))
            and bool(_texts(minsk, "Состоялся ли телемост"))
        )
    )
    assert sochi.labels() == ["✅ Да", "Нет / перенесён"]
    assert "«Сказки народов»? Партнёр: Средняя школа № 5" in sochi.last_text

    await sochi.press("✅ Да")
    assert "одной строкой" in sochi.last_text
    await sochi.send("Было 40 детей, пели песни <и> танцевали")
    assert "фото" in sochi.last_text
    await sochi.app.process(sochi.updates.photo(b"\x89PNG fake", server=telegram))
    assert "отчёт сохранён" in sochi.last_text
    calls = await sochi.press_data(TbCb(action=TbAction.HELD, id=telebridge_id).pack())
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "уже ответила" in alert.params["text"]

    await minsk.press("Нет / перенесён")
    assert "не состоялся" in minsk.last_text
    assert minsk.labels() == ["📡 Предложить новое время", "📋 Мои телемосты", "☰ Главное меню"]

    db: Database | None = app.db
    assert db is not None
    async with db.read.execute(
        "SELECT t.status, r.held, r.report, r.photo_file_id IS NOT NULL FROM telebridges t"
        " JOIN telebridge_reports r ON r.telebridge_id = t.id ORDER BY r.held DESC"
    ) as cur:
        rows = [tuple(row) for row in await cur.fetchall()]
    assert rows == [
        ("held", 1, "Было 40 детей, пели песни <и> танцевали", 1),
        ("held", 0, "", 0),
    ]
    # The card shows both sides' answers, and the photo can be seen.
    await sochi.press_data(TbCb(action=TbAction.OPEN, id=telebridge_id).pack())
    card = sochi.last_text
    assert "📝 Гимназия № 1: Было 40 детей, пели песни <и> танцевали" in card
    assert "📝 Средняя школа № 5: не состоялся или перенесён" in card
    calls = await sochi.press("📷 Фото с телемоста (1)")
    (photo,) = [c for c in calls if c.method == "sendPhoto"]
    assert (
        "Сказки народов" in photo.params["caption"] and "Гимназия № 1" in photo.params["caption"]
    )
    # Held telebridges count in the organisers' monthly figures.
    await admin.send("/organiser")
    await admin.press("📡 Телемосты")
    assert "🏁 1" in admin.last_text
    # The question is asked once, however many sweeps and start-ups follow.
    await app.restart()
    await asyncio.sleep(1)
    assert len(_texts(sochi, "Состоялся ли телемост")) == 1


async def test_the_question_reaches_a_side_whose_partner_answered_first(
    app: RunningBot, pair: tuple[TgUser, TgUser, int]
) -> None:
    """Sochi's "Да" (from the card, a moment after the end) is in before the question
    goes out: Minsk is still asked, Sochi is not asked again."""
    sochi, minsk, telebridge_id = pair
    assert app.db is not None
    school = (await app.dp["telebridges"].institutions.membership(tg_id=sochi.id))[0].id
    async with app.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO telebridge_reports (telebridge_id, institution_id, tg_id, held,"
            " created_at) VALUES (?, ?, ?, TRUE, ?)",
            (telebridge_id, school, sochi.id, utc_now()),
        )
        await conn.execute("UPDATE telebridges SET status = 'held' WHERE id = ?", (telebridge_id,))
    await _move(app, telebridge_id, start=-1800, end=2)
    await _wait_for(lambda: bool(_texts(minsk, "Состоялся ли телемост")))
    assert minsk.labels() == ["✅ Да", "Нет / перенесён"]
    await asyncio.sleep(1)
    assert _texts(sochi, "Состоялся ли телемост") == []


async def test_an_accepted_new_time_is_reminded_of_afresh(
    app: RunningBot, pair: tuple[TgUser, TgUser, int]
) -> None:
    sochi, minsk, telebridge_id = pair
    await _move(app, telebridge_id, start=4, end=3600)
    await _wait_for(
        lambda: (
            bool(_texts(minsk, "Напоминание: телемост"))
            and bool(_texts(sochi, "Напоминание: телемост"))
        )
    )
    await _move(app, telebridge_id, start=3600, end=7200)  # not begun while it is moved

    # Sochi asks for another day; until Minsk accepts, the agreed time stands. (The card
    # comes as a new message: opened in place, it would replace the reminder's text.)
    await sochi.press_data(TbCb(action=TbAction.DETAILS, id=telebridge_id).pack())
    await new_time(sochi, "🕒 Перенести", sochi_time(days=6)[0])
    await minsk.press("✅ Принять")
    # Days pass again: the new time's reminder comes, under the new agreement's key.
    await _move(app, telebridge_id, start=4, end=3600)
    await _wait_for(lambda: len(_texts(minsk, "Напоминание: телемост")) == 2)
    await _wait_for(lambda: len(_texts(sochi, "Напоминание: телемост")) == 2)
    assert app.db is not None
    async with app.db.read.execute(
        "SELECT dedup_key FROM outbox WHERE purpose = 'reminder' AND chat_id = ? ORDER BY id",
        (minsk.id,),
    ) as cur:
        keys = [row[0] for row in await cur.fetchall()]
    assert keys == [
        f"reminder:telebridge:{telebridge_id}v1:3:{minsk.id}",
        f"reminder:telebridge:{telebridge_id}v2:3:{minsk.id}",
    ]


async def test_a_report_photo_after_leaving_the_school_ends_with_the_way_on(
    app: RunningBot, telegram: FakeTelegram, pair: tuple[TgUser, TgUser, int]
) -> None:
    """The photo step of the report, and meanwhile the person stopped being the school's
    coordinator (with the buttons of an older /school message, which leave the form
    open): the photo is not theirs to add any more; the answer says why, ends with the
    way on, and closes the form."""
    sochi, _, telebridge_id = pair
    await sochi.send("/school")  # an older message whose buttons are used later
    await _move(app, telebridge_id, start=-1800, end=3)
    await _wait_for(lambda: bool(_texts(sochi, "Состоялся ли телемост")))
    await sochi.press("✅ Да")
    await sochi.send("Было 40 детей")
    assert "фото" in sochi.last_text
    await sochi.press("Перестать быть координатором")
    await sochi.press("Да, перестать быть координатором")
    await sochi.app.process(sochi.updates.photo(b"\x89PNG fake", server=telegram))
    assert "Сначала зарегистрируйте своё учреждение" in sochi.last_text
    assert sochi.labels() == ["📋 Мои телемосты", "☰ Главное меню"]
    assert (
        await app.dp.fsm.storage.get_state(  # the form is closed
            StorageKey(bot_id=app.bot.id, chat_id=sochi.id, user_id=sochi.id)
        )
        is None
    )
    async with app.db.read.execute(  # type: ignore[union-attr]
        "SELECT report, photo_file_id FROM telebridge_reports WHERE tg_id = ?", (sochi.id,)
    ) as cur:
        assert [tuple(row) for row in await cur.fetchall()] == [("Было 40 детей", None)]
