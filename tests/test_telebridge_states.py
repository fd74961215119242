"""Telebridges when time passes between the steps: a proposal nobody answered before its
start, a new time still waiting when the agreed one comes, and the question after it
answered by one side before the other. Times are moved in the database, as if the days
had passed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from handlers.telebridges.callbacks import TbAction, TbCb
from storage.db import Database, utc_now
from storage.telebridges import Telebridge, TelebridgeRepo
from tests.conftest import RunningBot, TgUser
from tests.telebridge_steps import coordinator, new_time, propose, sochi_time


@pytest.fixture
async def sochi(make_user: Callable[..., TgUser]) -> TgUser:
    return await coordinator(make_user, 3001, school="Гимназия № 1", city="Сочи")


@pytest.fixture
async def minsk(make_user: Callable[..., TgUser]) -> TgUser:
    return await coordinator(make_user, 3002, school="Средняя школа № 5", city="Минск")


async def _latest(db: Database) -> Telebridge:
    async with db.read.execute("SELECT MAX(id) FROM telebridges") as cur:
        row = await cur.fetchone()
    telebridge = await TelebridgeRepo(db).get(telebridge_id=row[0])  # type: ignore[index]
    assert telebridge is not None
    return telebridge


async def _shift(db: Database, telebridge_id: int, *, starts_in: timedelta) -> None:
    """The agreed (or first proposed) time now starts `starts_in` from now."""
    start = utc_now().replace(microsecond=0) + starts_in
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE telebridges SET starts_at = ?, ends_at = ? WHERE id = ?",
            (start, start + timedelta(minutes=45), telebridge_id),
        )
        await conn.execute(
            "UPDATE telebridge_rounds SET starts_at = ? WHERE telebridge_id = ? AND round = 1",
            (start, telebridge_id),
        )


async def _agreed(app: RunningBot, sochi: TgUser, minsk: TgUser) -> Telebridge:
    """Sochi proposes, Minsk accepts: the confirmed telebridge."""
    assert app.db is not None
    await propose(sochi, partner="🏫 Средняя школа № 5", when=sochi_time()[0])
    await minsk.press("✅ Принять")
    return await _latest(app.db)


def _alert(calls: list) -> str:
    return [c for c in calls if c.method == "answerCallbackQuery"][-1].params.get("text", "")


async def _open(user: TgUser, telebridge_id: int) -> None:
    await user.press_data(TbCb(action=TbAction.OPEN, id=telebridge_id).pack())


async def test_a_proposal_unanswered_before_its_start_can_get_another_time(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    telebridge = await _latest(app.db)
    await _shift(app.db, telebridge.id, starts_in=-timedelta(hours=2))

    assert "не согласован вовремя" not in minsk.last_text
    calls = await minsk.press("✅ Принять")
    assert "Время этого предложения уже прошло: предложите другое время" in _alert(calls)
    await _open(minsk, telebridge.id)
    assert "Статус: не согласован вовремя" in minsk.last_text
    assert minsk.labels()[:2] == ["🕒 Предложить другое время", "❌ Отклонить"]
    assert "✅ Принять" not in minsk.labels()
    await _open(sochi, telebridge.id)
    assert sochi.labels() == ["📋 Мои телемосты", "🏫 Школы и телемосты"]

    later, later_instant = sochi_time(days=5)
    await new_time(minsk, "🕒 Предложить другое время", later)
    assert "Встречное предложение" in sochi.last_text
    await sochi.press("✅ Принять")
    agreed = await _latest(app.db)
    assert agreed.status == "confirmed" and agreed.starts_at == later_instant


async def test_a_new_time_still_waiting_lapses_when_the_agreed_one_comes(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    telebridge = await _agreed(app, sochi, minsk)
    await _reschedule(sochi, telebridge.id, sochi_time(days=6)[0])
    assert "Просьба перенести телемост" in minsk.last_text

    await _shift(app.db, telebridge.id, starts_in=-timedelta(minutes=5))
    before = await _latest(app.db)
    for label in ("✅ Принять", "🕒 Предложить другое время", "❌ Отклонить"):
        calls = await minsk.press(label)
        assert "Телемост уже начался" in _alert(calls), label
    assert await _latest(app.db) == before
    await _open(minsk, telebridge.id)
    card = minsk.last_text
    assert "Статус: подтверждён" in card and "Предложено новое время" not in card
    assert "✅ Принять" not in minsk.labels()

    # After it, both sides are asked whether it took place, as for any agreed one.
    await _shift(app.db, telebridge.id, starts_in=-timedelta(hours=1))
    await _open(minsk, telebridge.id)
    assert minsk.labels()[:2] == ["✅ Да", "Нет / перенесён"]
    await minsk.press("Нет / перенесён")
    assert (await _latest(app.db)).status == "not_held"


async def test_a_side_answers_after_the_other_said_it_took_place(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    telebridge = await _agreed(app, sochi, minsk)
    await _shift(app.db, telebridge.id, starts_in=-timedelta(hours=1))
    await _open(sochi, telebridge.id)
    await sochi.press("✅ Да")
    await sochi.press("Без отчёта")
    assert (await _latest(app.db)).status == "held"

    await _open(minsk, telebridge.id)
    assert "Статус: состоялся" in minsk.last_text
    assert minsk.labels()[:2] == ["✅ Да", "Нет / перенесён"]
    await minsk.press("✅ Да")
    assert "одной строкой" in minsk.last_text
    await _open(minsk, telebridge.id)
    assert "✅ Да" not in minsk.labels()
    async with app.db.read.execute(
        "SELECT COUNT(*) FROM telebridge_reports WHERE telebridge_id = ?", (telebridge.id,)
    ) as cur:
        assert (await cur.fetchone())[0] == 2  # type: ignore[index]


async def _reschedule(user: TgUser, telebridge_id: int, when: str, **form: str) -> None:
    await _open(user, telebridge_id)
    await new_time(user, "🕒 Перенести", when, **form)


async def test_the_side_that_asked_for_a_new_time_can_take_it_back(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    telebridge = await _agreed(app, sochi, minsk)
    instant = telebridge.starts_at
    mistyped, _ = sochi_time(days=33)
    await _reschedule(sochi, telebridge.id, mistyped)
    asked = await _latest(app.db)
    assert asked.status == "rescheduled" and asked.round == 2

    # The other side cannot take back what it did not ask for; a third school, nothing.
    forged = TbCb(action=TbAction.WITHDRAW, id=telebridge.id, round=2).pack()
    assert "предложила другая сторона" in _alert(await minsk.press_data(forged))
    stranger = await coordinator(make_user, 3005, school="Гимназия № 8", city="Минск")
    assert "другого учреждения" in _alert(await stranger.press_data(forged))
    stale = TbCb(action=TbAction.WITHDRAW, id=telebridge.id, round=1).pack()
    assert "устарело" in _alert(await sochi.press_data(stale))
    assert await _latest(app.db) == asked

    await _open(sochi, telebridge.id)
    assert "↩️ Отозвать перенос" in sochi.labels()
    calls = await sochi.press("↩️ Отозвать перенос")
    assert "Просьба о переносе отозвана" in _alert(calls)
    kept = await _latest(app.db)
    assert kept.status == "confirmed" and kept.starts_at == instant
    assert kept.sequence == asked.sequence  # the calendar entry stands as it was
    assert "Статус: подтверждён" in sochi.last_text
    assert "🕒 Перенести" in sochi.labels()
    notice = minsk.last_text
    assert "Просьба перенести телемост «Мой город — город-побратим» отозвана" in notice
    assert "Гимназия № 1 (Сочи" in notice
    calls = await minsk.press("✅ Принять")  # under the request, now taken back
    assert "уже подтверждён" in _alert(calls)
    assert await _latest(app.db) == kept

    # It can be moved again, to the right date this time.
    moved, moved_instant = sochi_time(days=5)
    await _reschedule(sochi, telebridge.id, moved)
    await minsk.press("✅ Принять")
    assert (await _latest(app.db)).starts_at == moved_instant


async def test_every_new_link_reaches_the_other_side(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when, link=None)
    telebridge = await _latest(app.db)
    for link in ("https://telemost.yandex.ru/j/1", "https://telemost.yandex.ru/j/2"):
        await _open(sochi, telebridge.id)
        await sochi.press("🔗 Ссылка на видеосвязь")
        await sochi.send(link)
        assert "сохранена, другая сторона её получила" in sochi.texts()[-2]
        notice = minsk.last_text
        assert "Новая ссылка на видеосвязь для телемоста" in notice and link in notice
    await minsk.press("✅ Принять")  # the proposal takes the latest link
    assert (await _latest(app.db)).video_url == "https://telemost.yandex.ru/j/2"


async def test_the_longest_names_topics_notes_and_reasons_fit_telegrams_limits(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    """The fake Bot API refuses texts over 4096 characters, captions over 1024 and
    callback data over 64 bytes, as Telegram does: every screen of a telebridge with the
    longest input allowed goes through."""
    assert app.db is not None
    sochi = await coordinator(make_user, 3001, school="Г" * 140 + " & <школа>", city="Сочи")
    minsk = await coordinator(make_user, 3002, school="Ш" * 150, city="Минск")
    link = "https://telemost.yandex.ru/j/" + "7" * 471
    note = ("Комментарий & <примечание> " * 20)[:499] + "!"
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 ШШШ", when=when, topic="Т" * 200, link=link, note=note)
    await minsk.press("🕒 Предложить другое время")
    await minsk.send(sochi_time(days=4)[0])
    await minsk.send("180")
    await minsk.press("Оставить прежнюю ссылку")
    await minsk.press("Оставить прежний комментарий")
    await minsk.press("✅ Отправить предложение")
    await sochi.press("✅ Принять")
    telebridge = await _latest(app.db)
    await _reschedule(sochi, telebridge.id, sochi_time(days=7)[0])
    await minsk.press("❌ Отклонить")
    await minsk.send("Причина " + "ж" * 491)
    await _open(minsk, telebridge.id)
    await minsk.press("❌ Отменить телемост")
    await minsk.send("Отмена " + "щ" * 493)
    for person in (sochi, minsk):
        await person.send("/telebridges")
        await person.press("🗂 Прошедшие")
        await _open(person, telebridge.id)
    assert "Статус: отменён" in sochi.last_text and "Причина: Отмена щщ" in sochi.last_text
    longest = max(len(m.plain_text()) for m in sochi.telegram.messages(sochi.id))
    assert 2000 < longest <= 4096


async def test_a_counter_to_a_new_time_keeps_the_link_that_came_with_it(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    telebridge = await _agreed(app, sochi, minsk)
    moved = sochi_time(days=6)[0]
    await _reschedule(sochi, telebridge.id, moved, link="https://sferum.ru/?call_link=new")
    later, later_instant = sochi_time(days=7)
    await new_time(minsk, "🕒 Предложить другое время", later, send=False)
    assert "https://sferum.ru/?call_link=new" in minsk.last_text
    await minsk.press("✅ Отправить предложение")
    await sochi.press("✅ Принять")
    agreed = await _latest(app.db)
    assert agreed.starts_at == later_instant
    assert agreed.video_url == "https://sferum.ru/?call_link=new"
