"""Who may press what on a telebridge, and presses at the same moment: every refusal is
a polite Russian alert and changes nothing in the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from handlers.telebridges.callbacks import (
    JoinDecisionCb,
    SchoolAction,
    SchoolCb,
    TbAction,
    TbCb,
    TbFormAction,
    TbFormCb,
)
from storage.db import Database
from tests.conftest import RunningBot, TgUser, onboard
from tests.telebridge_steps import coordinator, new_time, propose, sochi_time


@pytest.fixture
async def sochi(make_user: Callable[..., TgUser]) -> TgUser:
    return await coordinator(make_user, 3001, school="Гимназия № 1", city="Сочи")


@pytest.fixture
async def minsk(make_user: Callable[..., TgUser]) -> TgUser:
    return await coordinator(make_user, 3002, school="Средняя школа № 5", city="Минск")


async def _colleague(app: RunningBot, make_user: Callable[..., TgUser], first: TgUser) -> TgUser:
    """A second coordinator of `first`'s school, approved by `first`."""
    user = make_user(first.id + 100, first_name="Коллега")
    await onboard(user, name=f"Коллега {first.id}", city="Минск", role="Педагог")
    school = (await app.dp["telebridges"].institutions.membership(tg_id=first.id))[0].id
    await user.press_data(SchoolCb(action=SchoolAction.JOIN, id=school).pack())
    await first.press("✅ Принять")
    return user


async def _snapshot(db: Database) -> list[Any]:
    rows = []
    for table in ("telebridges", "telebridge_rounds", "telebridge_reports", "coordinators"):
        async with db.read.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cur:
            rows.append([tuple(row) for row in await cur.fetchall()])
    async with db.read.execute("SELECT COUNT(*) FROM outbox") as cur:
        rows.append((await cur.fetchone())[0])  # type: ignore[index]
    return rows


def _alerts(calls: list[Any]) -> list[str]:
    return [
        c.params.get("text", "")
        for c in calls
        if c.method == "answerCallbackQuery" and c.params.get("show_alert")
    ]


async def _telebridge_id(db: Database) -> int:
    async with db.read.execute("SELECT MAX(id) FROM telebridges") as cur:
        return (await cur.fetchone())[0]  # type: ignore[index,no-any-return]


async def test_two_coordinators_of_a_school_accept_at_once(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    colleague = await _colleague(app, make_user, minsk)
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    presses = []
    for person in (minsk, colleague):
        message, button = person.find_button("✅ Принять")
        presses.append(person.updates.callback(message, button["callback_data"]))
    calls = await app.process(*presses)
    assert _alerts(calls) == ["Телемост уже подтверждён."]
    async with app.db.read.execute("SELECT status, sequence FROM telebridges") as cur:
        assert [tuple(row) for row in await cur.fetchall()] == [("confirmed", 1)]
    # One confirmation: each of the three coordinators has one .ics, not two.
    for person in (sochi, minsk, colleague):
        files = [m for m in person.telegram.messages(person.id) if m.document is not None]
        assert len(files) == 1, person.id


async def test_accepting_and_calling_it_off_at_once_gives_one_outcome(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    telebridge_id = await _telebridge_id(app.db)
    await sochi.press_data(TbCb(action=TbAction.CANCEL, id=telebridge_id).pack())
    accept_message, accept = minsk.find_button("✅ Принять")
    cancel_message, cancel = sochi.find_button("Без причины")
    calls = await app.process(
        minsk.updates.callback(accept_message, accept["callback_data"]),
        sochi.updates.callback(cancel_message, cancel["callback_data"]),
    )
    async with app.db.read.execute("SELECT status FROM telebridges") as cur:
        (status,) = [row[0] for row in await cur.fetchall()]
    # Whichever comes first, both people learn how it ended.
    if status == "confirmed":  # accepted between Sochi's look and its write
        # The answer to Sochi's press; the confirmation's notices (the calendar file) may
        # reach the chat before or after it.
        assert any("Телемост уже подтверждён." in text for text in sochi.texts()[-3:]), (
            sochi.texts()[-3:]
        )
    elif _alerts(calls):  # called off before Minsk's press
        assert status == "cancelled" and _alerts(calls) == ["Этот телемост отменён."]
    else:  # accepted, then called off as Sochi meant to
        assert status == "cancelled"
        assert any("отменён — Гимназия № 1" in text for text in minsk.texts()[-3:])


async def test_people_who_are_not_the_awaited_side_are_refused(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser, admin: TgUser
) -> None:
    assert app.db is not None
    colleague = await _colleague(app, make_user, minsk)
    pending = make_user(3020, first_name="Ожидающий")
    await onboard(pending, name="Пётр Ожидающий", city="Минск", role="Педагог")
    school = (await app.dp["telebridges"].institutions.membership(tg_id=minsk.id))[0].id
    await pending.press_data(SchoolCb(action=SchoolAction.JOIN, id=school).pack())
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    telebridge_id = await _telebridge_id(app.db)
    # The colleague leaves the school: the proposal's buttons no longer work for them.
    await colleague.send("/school")
    await colleague.press("Перестать быть координатором")
    await colleague.press("Да, перестать быть координатором")

    before = await _snapshot(app.db)
    cases = [
        (colleague, TbAction.ACCEPT, 1, "Сначала зарегистрируйте своё учреждение"),
        (pending, TbAction.ACCEPT, 1, "заявка стать координатором ещё не подтверждена"),
        (admin, TbAction.ACCEPT, 1, "Сначала зарегистрируйте своё учреждение"),
        (admin, TbAction.CANCEL, 0, "Сначала зарегистрируйте своё учреждение"),
        (sochi, TbAction.ACCEPT, 1, "Сейчас ход другой стороны"),
        (sochi, TbAction.COUNTER, 1, "Сейчас ход другой стороны"),
        (sochi, TbAction.DECLINE, 1, "Сейчас ход другой стороны"),
        (sochi, TbAction.WITHDRAW, 1, "Телемост ещё не подтверждён."),
        (minsk, TbAction.RESCHEDULE, 0, "Телемост ещё не подтверждён."),
        (minsk, TbAction.HELD, 0, "Телемост ещё не подтверждён."),
        (minsk, TbAction.ACCEPT, 2, "Это предложение устарело"),
        (minsk, TbAction.ACCEPT, 0, "Это предложение устарело"),
    ]
    for person, action, round_number, expected in cases:
        data = TbCb(action=action, id=telebridge_id, round=round_number).pack()
        alerts = _alerts(await person.press_data(data))
        assert len(alerts) == 1 and expected in alerts[0], (person.id, action, alerts)
    # Another telebridge's id, garbage and unknown actions.
    for data in (
        TbCb(action=TbAction.ACCEPT, id=telebridge_id + 7, round=1).pack(),
        "tb:acc:1:x:0",
        "tb:nope:1:1:0",
        "tb:acc",
        "scd:1:2:maybe",
    ):
        alerts = _alerts(await minsk.press_data(data))
        assert len(alerts) == 1 and ("не найден" in alerts[0] or "не действует" in alerts[0]), (
            data,
            alerts,
        )
    await pending.send("/telebridges")
    assert "ещё не подтверждена" in pending.last_text
    assert pending.labels() == ["🏫 Школы и телемосты"]
    # A coordinator of another school deciding a request to join Minsk's school.
    forged = JoinDecisionCb(institution=school, tg_id=pending.id, approve=True).pack()
    alerts = _alerts(await sochi.press_data(forged))
    assert alerts == ["Заявки в это учреждение подтверждают только его координаторы."]
    assert await _snapshot(app.db) == before


async def test_a_counter_proposal_sent_after_a_colleagues_ends_the_form(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    colleague = await _colleague(app, make_user, minsk)
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    for person, days in ((minsk, 4), (colleague, 5)):
        await new_time(person, "🕒 Предложить другое время", sochi_time(days=days)[0], send=False)
    await minsk.press("✅ Отправить предложение")
    before = await _snapshot(app.db)
    await colleague.press("✅ Отправить предложение")
    texts = colleague.texts()
    assert "Это предложение устарело: действует более новое (раунд 2)" in texts[-2]
    assert "Раунд согласования: 2" in texts[-1]  # the card as it is now
    calls = await colleague.press_data(TbFormCb(action=TbFormAction.SEND).pack())
    assert _alerts(calls) and "не действует" in _alerts(calls)[0]
    assert await _snapshot(app.db) == before
