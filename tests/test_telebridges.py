"""Telebridges as coordinators and organisers use them, through the fake Bot API:
proposals in rounds, open offers, conflicts, confirmation with an .ics file, reschedule,
cancellation, forged and stale buttons, times in both cities."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from handlers.telebridges.callbacks import (
    JoinDecisionCb,
    SchoolAction,
    SchoolCb,
    TbAction,
    TbCb,
    TbOrgCb,
)
from storage.db import Database, db_time
from storage.telebridges import Telebridge, TelebridgeRepo
from tests.conftest import RunningBot, TgUser, onboard
from tests.fake_telegram import ApiCall
from tests.telebridge_steps import (
    coordinator,
    ics_of,
    new_time,
    press_label,
    press_starting,
    propose,
    sochi_time,
)

LINK = "https://telemost.yandex.ru/j/123456"


async def _only_telebridge(db: Database) -> Telebridge:
    async with db.read.execute("SELECT id FROM telebridges ORDER BY id DESC LIMIT 1") as cur:
        row = await cur.fetchone()
    assert row is not None
    telebridge = await _get(db, row[0])
    assert telebridge is not None
    return telebridge


async def _get(db: Database, telebridge_id: int) -> Telebridge | None:
    return await TelebridgeRepo(db).get(telebridge_id=telebridge_id)


@pytest.fixture
async def sochi(make_user: Callable[..., TgUser]) -> TgUser:
    return await coordinator(make_user, 3001, school="Гимназия № 1", city="Сочи")


@pytest.fixture
async def minsk(make_user: Callable[..., TgUser]) -> TgUser:
    return await coordinator(make_user, 3002, school="Средняя школа № 5", city="Минск")


# Schools


async def test_registering_and_joining_an_institution(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    first = await coordinator(
        make_user, 3001, school="Гимназия <b>№ 1</b> & Co", city="Сочи", kind="Детский сад"
    )
    text = first.texts()[-1]
    assert "вы координатор" in text
    assert "Детский сад: Гимназия <b>№ 1</b> & Co" in text  # shown as typed, not as HTML
    assert "Пока не подтверждено организаторами" in text
    assert "📡 Новый телемост" in first.labels()

    colleague = make_user(3003, first_name="Коллега")
    await onboard(colleague, name="Ирина Коллегова", city="Сочи", role="Педагог")
    await colleague.send("/school")
    await colleague.press("🤝 Присоединиться к учреждению")
    await press_starting(colleague, "🏫 Гимназия <b>№ 1</b>")
    await colleague.press("🤝 Стать координатором этого учреждения")
    assert "Заявка отправлена координаторам" in colleague.texts()[-2]
    assert "ждёт подтверждения" in colleague.last_text
    # A second school while the request is pending is refused.
    await colleague.send("/school")
    assert "➕ Зарегистрировать учреждение" not in colleague.labels()

    assert "Ирина Коллегова просит стать координатором" in first.last_text
    await first.press("✅ Принять")
    assert "Вы стали координатором «Гимназия <b>№ 1</b> & Co»" in colleague.last_text
    # The same request decided again (a second press, the other button): one decision.
    institution_id = (await app.dp["telebridges"].institutions.membership(tg_id=first.id))[0].id
    calls = await first.press_data(
        JoinDecisionCb(institution=institution_id, tg_id=colleague.id, approve=False).pack()
    )
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "уже принято решение" in alert.params["text"]
    membership = await app.dp["telebridges"].institutions.membership(tg_id=colleague.id)
    assert membership is not None and membership[1] == "active"
    await colleague.send("/school")
    assert "Координаторов: 2" in colleague.last_text


async def test_only_teachers_register_and_bad_input_is_explained(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    doctor = make_user(3010, first_name="Врач")
    await onboard(doctor, name="Пётр Врачев", city="Минск", role="Медицинский работник")
    await doctor.send("/school")
    calls = await doctor.press("➕ Зарегистрировать учреждение")
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "могут педагоги" in alert.params["text"]

    teacher = make_user(3011, first_name="Учитель")
    await onboard(teacher, name="Анна Учителева", city="Минск")
    await teacher.send("/school")
    await teacher.press("➕ Зарегистрировать учреждение")
    await teacher.press("Школа")
    await teacher.send("x" * 151)
    assert "151" in teacher.texts()[-2] and "Шаг 2 из 5" in teacher.last_text
    await teacher.send("Средняя школа № 5")
    await teacher.press("Минск")
    await teacher.send("ул. Притыцкого, 5")
    calls = await teacher.press("Готово")  # no age group yet
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "хотя бы один возраст" in alert.params["text"]
    await teacher.press("▫️ Дошкольники")
    await teacher.press("✅ Дошкольники")  # pressed twice: unticked
    await teacher.press("▫️ 10–11 классы")
    await teacher.press("Готово")
    assert "Возраст: 10–11 классы" in teacher.last_text
    assert "Адрес: ул. Притыцкого, 5" in teacher.last_text
    await teacher.press("✅ Зарегистрировать")
    async with app.db.read.execute("SELECT name, age_groups, city_id FROM institutions") as cur:  # type: ignore[union-attr]
        rows = [tuple(row) for row in await cur.fetchall()]
    assert rows == [("Средняя школа № 5", "senior", 2)]


async def test_partner_schools_filter_and_deep_link(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser, admin: TgUser
) -> None:
    await coordinator(
        make_user,
        3004,
        school="Ясли-сад № 7",
        city="Минск",
        kind="Детский сад",
        ages=("Дошкольники",),
    )
    await sochi.send("/school")
    await sochi.press("🌍 Школы-партнёры")
    labels = sochi.labels()
    assert any(label.startswith("🏫 Средняя школа № 5 · Минск") for label in labels)
    assert any(label.startswith("🏫 Ясли-сад № 7 · Минск") for label in labels)
    assert not any("Гимназия № 1" in label for label in labels)  # not its own city
    assert labels.count("📡 Предложить") == 2
    assert labels[0].startswith("🏫 Средняя школа № 5")  # by name while nothing was held

    # A pair that has held a telebridge comes first, with the count.
    own = (await app.dp["telebridges"].institutions.membership(tg_id=sochi.id))[0].id
    nursery = (await app.dp["telebridges"].institutions.membership(tg_id=3004))[0].id
    assert app.db is not None
    async with app.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO telebridges (proposer_id, partner_id, partner_city_id, topic, age_group,"
            " starts_at, ends_at, duration_min, status, created_by, created_at, updated_at)"
            " VALUES (?, ?, 2, 'Осень', 'preschool', '2026-10-01T07:00:00+00:00',"
            " '2026-10-01T07:45:00+00:00', 45, 'held', ?, '2026-09-20T07:00:00+00:00',"
            " '2026-10-01T08:00:00+00:00')",
            (own, nursery, sochi.id),
        )
    await sochi.send("/school")
    await sochi.press("🌍 Школы-партнёры")
    labels = sochi.labels()
    assert labels[0].startswith("🏫 Ясли-сад № 7 · Минск") and labels[0].endswith("📡1")
    await sochi.press("Детсады")
    labels = sochi.labels()
    assert any("Ясли-сад" in label for label in labels)
    assert not any("Средняя школа" in label for label in labels)
    await sochi.press("5–9")
    assert "пока нет" in sochi.last_text

    # The school_<id> link opens the card; an organiser can verify it there.
    school_id = (await app.dp["telebridges"].institutions.membership(tg_id=minsk.id))[0].id
    await admin.send(f"/start school_{school_id}")
    assert "Школа: Средняя школа № 5" in admin.last_text
    await admin.press("✅ Подтвердить учреждение")
    assert "Подтверждено организаторами" in admin.last_text
    await sochi.send(f"/start school_{school_id}")
    assert "✅ Подтвердить учреждение" not in sochi.labels()
    assert "📡 Предложить телемост" in sochi.labels()
    # A coordinator forging the verify button gets a polite no; nothing changes.
    other = (await app.dp["telebridges"].institutions.membership(tg_id=sochi.id))[0].id
    calls = await minsk.press_data(SchoolCb(action=SchoolAction.VERIFY, id=other).pack())
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "только организаторам" in alert.params["text"]
    assert not (await app.dp["telebridges"].institutions.get(institution_id=other)).verified


# Proposing and agreeing


async def test_a_proposal_accepted_both_sides_get_details_and_ics(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, instant = sochi_time(days=4, hour=11)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when, note="Будет 25 детей <3")
    assert "Предложение «Мой город — город-побратим» отправлено" in sochi.texts()[-2]
    notice = minsk.last_text
    assert "Вам предлагают телемост — Гимназия № 1 (Сочи" in notice
    local = instant + timedelta(hours=3)
    assert f"{local:%d.%m.%Y %H:%M}–{local + timedelta(minutes=45):%H:%M} (время: Сочи)" in notice
    assert "(время: Минск)" in notice  # both cities' time, always
    assert "Будет 25 детей <3" in notice
    assert minsk.labels() == [
        "✅ Принять",
        "🕒 Предложить другое время",
        "❌ Отклонить",
        "Подробнее",
    ]

    await minsk.press("✅ Принять")
    telebridge = await _only_telebridge(app.db)
    assert telebridge.status == "confirmed" and telebridge.starts_at == instant
    assert "Телемост подтверждён" in minsk.texts()[-2]
    for person in (minsk, sochi):
        (event,) = ics_of(person.telegram.last_message(person.id)).walk("VEVENT")
        assert event.decoded("dtstart").astimezone(UTC) == instant
        assert event.decoded("dtend").astimezone(UTC) == instant + timedelta(minutes=45)
        assert str(event["uid"]) == f"telebridge-{telebridge.id}@pobratim.bot"
        assert int(event["sequence"]) == 1
        assert str(event["location"]) == LINK
    assert "Телемост подтверждён" in sochi.texts()[-2]
    # The notice's answer buttons are gone; pressing the old one again is refused.
    calls = await minsk.press_data(TbCb(action=TbAction.ACCEPT, id=telebridge.id, round=1).pack())
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "уже подтверждён" in alert.params["text"]
    await sochi.send("/telebridges")
    assert any(label.startswith("✅ ") for label in sochi.labels())


async def test_counter_proposals_only_the_latest_can_be_accepted(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    first, _ = sochi_time(days=3, hour=10)
    second, _ = sochi_time(days=3, hour=12)
    third, third_instant = sochi_time(days=5, hour=9, minute=30)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=first)
    old_notice, _ = press_label(minsk, "✅ Принять")

    await minsk.press("🕒 Предложить другое время")
    await minsk.send(second)
    await minsk.press("60 мин")
    await minsk.press("Оставить прежнюю ссылку")
    await minsk.press("Без комментария")
    # The preview is the telebridge being answered, with the new terms in both cities.
    preview = minsk.last_text
    assert "Проверьте ваше встречное предложение" in preview
    assert "Телемост «Мой город — город-побратим»" in preview
    assert "Предлагает: Гимназия № 1 (Сочи" in preview
    assert "Партнёр: Средняя школа № 5 (Минск" in preview
    assert "(время: Сочи)" in preview and "(время: Минск)" in preview
    await minsk.press("✅ Отправить предложение")
    assert "Встречное предложение" in sochi.last_text
    assert "Раунд согласования: 2" in minsk.last_text

    await sochi.press("🕒 Предложить другое время")
    await sochi.send(third)
    await sochi.press("90 мин")
    await sochi.press("Оставить прежнюю ссылку")
    await sochi.send("Давайте утром: у нас вторая смена")
    await sochi.press("✅ Отправить предложение")
    assert "Встречное предложение" in minsk.last_text

    telebridge = await _only_telebridge(app.db)
    assert telebridge.round == 3 and telebridge.status == "proposed"
    # The stale "Принять" under the first notice: refused, nothing changes.
    data = next(b["callback_data"] for b in old_notice.buttons() if b["text"] == "✅ Принять")
    calls = await minsk.app.process(minsk.updates.callback(old_notice, data))
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "устарело" in alert.params["text"] and "раунд 3" in alert.params["text"]
    # The side that made the latest proposal cannot accept it itself (a forged press).
    calls = await sochi.press_data(TbCb(action=TbAction.ACCEPT, id=telebridge.id, round=3).pack())
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "ход другой стороны" in alert.params["text"]
    assert (await _get(app.db, telebridge.id)).status == "proposed"  # type: ignore[union-attr]

    await minsk.press("✅ Принять")
    confirmed = await _get(app.db, telebridge.id)
    assert confirmed is not None and confirmed.status == "confirmed"
    assert confirmed.starts_at == third_instant and confirmed.duration_min == 90
    assert confirmed.note == "Давайте утром: у нас вторая смена"


async def test_overlaps_and_bad_times_are_refused(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time(days=3, hour=10)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when, topic="Зимние праздники")
    await minsk.press("✅ Принять")
    await coordinator(make_user, 3004, school="Лицей № 2", city="Минск")

    # Another proposal that overlaps the confirmed one by 15 minutes.
    overlapping, _ = sochi_time(days=3, hour=10, minute=30)
    await sochi.send("/school")
    await sochi.press("📡 Новый телемост")
    await press_starting(sochi, "🏫 Лицей № 2")
    await sochi.send("Космос")
    await sochi.press("5–9 классы")
    await sochi.send(overlapping)
    await sochi.press("45 мин")
    await sochi.send(LINK)
    await sochi.press("Без комментария")
    await sochi.press("✅ Отправить предложение")
    assert "уже есть подтверждённый телемост: «Зимние праздники»" in sochi.last_text
    assert "Когда начало?" in sochi.last_text  # back at the time step, nothing sent
    assert "не позже чем за час до начала" in sochi.last_text

    # Bad times and links get a clear answer at their step.
    await sochi.send("31.02.2027 10:00")
    assert "Дата не распознана" in sochi.texts()[-2]
    past = (datetime.now(UTC) + timedelta(hours=3) - timedelta(days=1)).strftime("%d.%m.%Y %H:%M")
    await sochi.send(past)
    assert "уже прошло" in sochi.texts()[-2]
    soon = (datetime.now(UTC) + timedelta(hours=3, minutes=30)).strftime("%d.%m.%Y %H:%M")
    await sochi.send(soon)
    assert "хотя бы час" in sochi.texts()[-2]
    await sochi.send(when.split()[0])
    assert "и дату, и время" in sochi.texts()[-2]
    later, _ = sochi_time(days=3, hour=15)
    await sochi.send(later)
    await sochi.send("200")
    assert "от 15 до 180 минут" in sochi.texts()[-2]
    await sochi.send("30")
    await sochi.send("javascript:alert(1)")
    assert "не похоже на ссылку" in sochi.texts()[-2]
    await sochi.send("https://sferum.ru/?call_link=abc")
    await sochi.press("Без комментария")
    await sochi.press("✅ Отправить предложение")
    assert "отправлено" in sochi.texts()[-2]
    async with app.db.read.execute("SELECT COUNT(*) FROM telebridges") as cur:
        assert (await cur.fetchone())[0] == 2  # type: ignore[index]


async def test_link_required_before_confirmation(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when, link=None)
    assert "Ссылка на видеосвязь пока не добавлена" in minsk.last_text
    await minsk.press("✅ Принять")
    assert "нужна ссылка на видеосвязь" in minsk.last_text
    await minsk.send("telemost")
    assert "не похоже на ссылку" in minsk.texts()[-2]
    assert (await _only_telebridge(app.db)).status == "proposed"
    await minsk.send("https://telemost.yandex.ru/j/777")
    telebridge = await _only_telebridge(app.db)
    assert telebridge.status == "confirmed" and telebridge.video_url.endswith("/777")  # type: ignore[union-attr]
    assert "https://telemost.yandex.ru/j/777" in sochi.texts()[-2]


async def test_a_link_typed_after_the_proposal_was_withdrawn_ends_with_the_way_on(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    """Asked for the link to accept, and meanwhile the proposer withdrew: the link is
    not taken as an answer to a question that is gone; the answer says what happened and
    ends with the way on, and the form is closed."""
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when, link=None)
    await minsk.press("✅ Принять")
    assert "нужна ссылка на видеосвязь" in minsk.last_text
    telebridge = await _only_telebridge(app.db)
    await sochi.press_data(TbCb(action=TbAction.CANCEL, id=telebridge.id).pack())
    await sochi.press("Без причины")
    await minsk.send("https://telemost.yandex.ru/j/777")
    assert "не похоже на ссылку" not in minsk.last_text
    assert minsk.labels() == ["📋 Мои телемосты", "☰ Главное меню"]
    assert (await _only_telebridge(app.db)).status == "cancelled"
    await minsk.send("https://telemost.yandex.ru/j/778")  # the form is closed
    assert "Я не понял это сообщение" in minsk.texts()[-2]


async def test_open_offer_is_taken_by_exactly_one_of_two(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    lyceum = await coordinator(make_user, 3004, school="Лицей № 2", city="Минск")
    when, _ = sochi_time()
    await propose(sochi, partner="🌍 Любая школа: Минск", when=when, topic="Открытый урок")
    assert "Открытое предложение «Открытый урок» отправлено" in sochi.texts()[-2]
    for rival in (minsk, lyceum):
        assert "Открытое предложение телемоста" in rival.last_text
        assert rival.labels() == ["✅ Принять", "🕒 Предложить другое время", "Подробнее"]

    presses = []
    for rival in (minsk, lyceum):
        message, button = rival.find_button("✅ Принять")
        presses.append(rival.updates.callback(message, button["callback_data"]))
    calls = await app.process(*presses)  # both at the same moment
    telebridge = await _only_telebridge(app.db)
    assert telebridge.status == "confirmed"
    winner = (
        minsk
        if telebridge.partner_id
        == (await app.dp["telebridges"].institutions.membership(tg_id=minsk.id))[0].id
        else lyceum
    )
    loser = lyceum if winner is minsk else minsk
    assert "Телемост подтверждён" in winner.texts()[-2]
    alerts = [
        c.params.get("text", "")
        for c in calls
        if c.method == "answerCallbackQuery" and c.params.get("show_alert")
    ]
    assert alerts == ["Это открытое предложение уже приняла другая школа."]
    assert not any("Телемост подтверждён" in text for text in loser.texts()[-3:])
    # The loser can no longer see it as an offer; a late press says why.
    await loser.send("/school")
    assert not any(label.startswith("📣 Открытые предложения") for label in loser.labels())
    telebridge_id = telebridge.id
    for data in (
        TbCb(action=TbAction.ACCEPT, id=telebridge_id, round=1).pack(),
        TbCb(action=TbAction.DETAILS, id=telebridge_id).pack(),
    ):
        late = await loser.press_data(data)
        alert = [c for c in late if c.method == "answerCallbackQuery"][-1]
        assert alert.params["text"] == "Это открытое предложение уже приняла другая школа."


async def _press_under(user: TgUser, text: str, label: str) -> list[ApiCall]:
    """Press `label` under the newest message of the user's chat that contains `text`."""
    for message in reversed(user.telegram.messages(user.id)):
        if text in message.plain_text():
            [button] = [b for b in message.buttons() if b.get("text") == label]
            return await user.app.process(user.updates.callback(message, button["callback_data"]))
    raise AssertionError(f"no message with {text!r} in chat {user.id}")


async def _counters(db: Database, offer_id: int) -> list[Telebridge]:
    async with db.read.execute(
        "SELECT id FROM telebridges WHERE offer_id = ? ORDER BY id", (offer_id,)
    ) as cur:
        ids = [row[0] for row in await cur.fetchall()]
    return [t for t in [await _get(db, i) for i in ids] if t is not None]


def _alert(calls: list[ApiCall]) -> str:
    return [c for c in calls if c.method == "answerCallbackQuery"][-1].params.get("text", "")


async def _open_offer_countered(
    sochi: TgUser, schools: tuple[TgUser, ...], db: Database
) -> Telebridge:
    """Sochi makes an open offer to Minsk; each of `schools` answers with another time."""
    when, _ = sochi_time()
    await propose(sochi, partner="🌍 Любая школа: Минск", when=when, topic="Открытый урок")
    offer = await _only_telebridge(db)
    for hour, school in enumerate(schools, start=12):
        other, _ = sochi_time(days=4, hour=hour)
        await new_time(school, "🕒 Предложить другое время", other)
        assert "остаётся открытым и для других школ" in school.texts()[-2]
    return offer


async def test_a_counter_does_not_take_an_open_offer(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    """School B counters, school C can still accept the offer: that agreement takes it,
    and B's counter is closed with one notice to B."""
    assert app.db is not None
    lyceum = await coordinator(make_user, 3004, school="Лицей № 2", city="Минск")
    offer = await _open_offer_countered(sochi, (minsk,), app.db)
    assert "на ваше открытое предложение — Средняя школа № 5" in sochi.texts()[-1]
    still = await _get(app.db, offer.id)
    assert still is not None and still.is_open_offer and still.status == "proposed"
    [counter] = await _counters(app.db, offer.id)
    assert counter.partner_id is not None and counter.awaiting_id == offer.proposer_id
    # The counter's school cannot counter the same offer twice while it waits.
    calls = await _press_under(
        minsk, "Открытое предложение телемоста", "🕒 Предложить другое время"
    )
    assert _alert(calls).startswith("Ваша школа уже предложила другое время")

    await _press_under(lyceum, "Открытое предложение телемоста", "✅ Принять")
    assert "Телемост подтверждён" in lyceum.texts()[-2]
    taken = await _get(app.db, offer.id)
    assert taken is not None and taken.status == "confirmed"
    lyceum_id = (await app.dp["telebridges"].institutions.membership(tg_id=lyceum.id))[0].id
    assert taken.partner_id == lyceum_id
    [closed] = await _counters(app.db, offer.id)
    assert closed.status == "cancelled" and closed.closed_as_taken
    told = [text for text in minsk.texts() if "приняла другая школа — Лицей № 2" in text]
    assert len(told) == 1 and "Ваше встречное предложение закрыто" in told[0]
    # The proposer's late press on that counter says the offer is taken.
    calls = await sochi.press_data(TbCb(action=TbAction.ACCEPT, id=closed.id, round=2).pack())
    assert _alert(calls) == "Это открытое предложение уже приняла другая школа."


async def test_a_declined_counter_leaves_the_open_offer_open(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    """The proposer declines B's counter: the offer stays open to everyone, C's counter
    to it still waits, and a third school can still accept it."""
    assert app.db is not None
    lyceum = await coordinator(make_user, 3004, school="Лицей № 2", city="Минск")
    gymnasium = await coordinator(make_user, 3006, school="Гимназия № 7", city="Минск")
    offer = await _open_offer_countered(sochi, (minsk, lyceum), app.db)
    await _press_under(sochi, "Средняя школа № 5", "❌ Отклонить")
    await sochi.press("Без причины")
    declined, waiting = await _counters(app.db, offer.id)
    assert declined.status == "declined" and waiting.status == "proposed"
    assert "отклонено — Гимназия № 1" in minsk.texts()[-1]
    still = await _get(app.db, offer.id)
    assert still is not None and still.is_open_offer and still.status == "proposed"
    # Another school still sees it among the open offers and can take it.
    await gymnasium.send("/school")
    assert any(label.startswith("📣 Открытые предложения") for label in gymnasium.labels())
    await _press_under(gymnasium, "Открытое предложение телемоста", "✅ Принять")
    taken = await _get(app.db, offer.id)
    assert taken is not None and taken.status == "confirmed"
    closed = await _get(app.db, waiting.id)
    assert closed is not None and closed.closed_as_taken
    assert sum("приняла другая школа — Гимназия № 7" in t for t in lyceum.texts()) == 1
    assert not any("встречное предложение закрыто" in text for text in minsk.texts())


async def test_agreeing_on_one_counter_closes_the_others_once_in_their_language(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    lyceum = await coordinator(make_user, 3004, school="Лицей № 2", city="Минск")
    colleague = make_user(3005, first_name="Калега")
    await onboard(colleague, name="Калега Ліцэя", city="Минск", role="Педагог")
    await colleague.send("/school")
    await colleague.press("🤝 Присоединиться к учреждению")
    await press_starting(colleague, "🏫 Лицей № 2")
    await colleague.press("🤝 Стать координатором этого учреждения")
    await lyceum.press("✅ Принять")
    offer = await _open_offer_countered(sochi, (minsk, lyceum), app.db)
    minsk_counter, lyceum_counter = await _counters(app.db, offer.id)
    for person in (lyceum, colleague):  # the lyceum's coordinators read Belarusian now
        await person.send("/language")
        await person.press("Беларуская")

    await _press_under(sochi, "Средняя школа № 5", "✅ Принять")
    assert "Телемост подтверждён" in sochi.texts()[-2]
    agreed = await _get(app.db, offer.id)
    assert agreed is not None and agreed.status == "confirmed"
    assert agreed.partner_id == minsk_counter.partner_id
    assert agreed.starts_at == minsk_counter.starts_at  # the counter's terms
    assert [
        r.institution_id for r in await TelebridgeRepo(app.db).rounds(telebridge_id=offer.id)
    ] == [
        offer.proposer_id,
        minsk_counter.partner_id,
    ]
    # The counter is folded into the offer: its buttons reach the offer from now on.
    assert await _get(app.db, minsk_counter.id) == agreed
    calls = await sochi.press_data(
        TbCb(action=TbAction.ACCEPT, id=minsk_counter.id, round=2).pack()
    )
    assert _alert(calls) == "Телемост уже подтверждён."
    assert "Телемост подтверждён" in minsk.texts()[-2]
    closed = await _get(app.db, lyceum_counter.id)
    assert closed is not None and closed.closed_as_taken
    for person in (lyceum, colleague):
        told = [t for t in person.texts() if "прыняла іншая школа — Средняя школа № 5" in t]
        assert len(told) == 1, person.texts()[-3:]
        assert "Ваша сустрэчная прапанова закрыта" in told[0]
    assert not any("встречное предложение закрыто" in t for t in minsk.texts())
    # The lyceum's "Принять" under the original offer now says it is taken.
    calls = await _press_under(lyceum, "Открытое предложение телемоста", "✅ Принять")
    assert _alert(calls) == "Гэту адкрытую прапанову ўжо прыняла іншая школа."
    await lyceum.press_data(TbCb(action=TbAction.DETAILS, id=closed.id).pack())
    assert "адкрытую прапанову прыняла іншая школа" in lyceum.last_text
    # A restart of delivery repeats nothing: the notice is keyed per counter and person.
    async with app.db.read.execute(
        "SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE 'tb-counter-closed:%'"
    ) as cur:
        assert (await cur.fetchone())[0] == 2


async def test_an_agreed_counter_and_an_acceptance_at_once_take_the_offer_once(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    """The proposer accepts school B's counter while school C accepts the offer itself:
    one agreement takes it, the other press is told the offer is taken."""
    assert app.db is not None
    lyceum = await coordinator(make_user, 3004, school="Лицей № 2", city="Минск")
    offer = await _open_offer_countered(sochi, (minsk,), app.db)
    [counter] = await _counters(app.db, offer.id)
    presses = []
    for user, under, label in (
        (sochi, "Средняя школа № 5", "✅ Принять"),
        (lyceum, "Открытое предложение телемоста", "✅ Принять"),
    ):
        message = next(
            m for m in reversed(user.telegram.messages(user.id)) if under in m.plain_text()
        )
        [button] = [b for b in message.buttons() if b.get("text") == label]
        presses.append(user.updates.callback(message, button["callback_data"]))
    calls = await app.process(*presses)
    alerts = [
        c.params.get("text", "")
        for c in calls
        if c.method == "answerCallbackQuery" and c.params.get("show_alert")
    ]
    assert alerts == ["Это открытое предложение уже приняла другая школа."]
    agreed = await _get(app.db, offer.id)
    assert agreed is not None and agreed.status == "confirmed"
    left = await _get(app.db, counter.id)
    if agreed.partner_id == counter.partner_id:  # the counter won: folded into the offer
        assert left == agreed
    else:  # the lyceum won: the counter is closed and its school told once
        assert left is not None and left.closed_as_taken
        assert sum("приняла другая школа" in text for text in minsk.texts()) == 1


async def test_a_withdrawn_open_offer_closes_the_counters_to_it(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    offer = await _open_offer_countered(sochi, (minsk,), app.db)
    await sochi.press_data(TbCb(action=TbAction.CANCEL, id=offer.id).pack())
    await sochi.press("Без причины")
    [counter] = await _counters(app.db, offer.id)
    assert counter.status == "cancelled" and not counter.closed_as_taken
    told = [text for text in minsk.texts() if "отозвано — Гимназия № 1" in text]
    assert len(told) == 1 and "Ваше встречное предложение закрыто" in told[0]
    await minsk.press_data(TbCb(action=TbAction.DETAILS, id=counter.id).pack())
    assert "Статус: отменён" in minsk.last_text
    # The organisers' monthly figures count the offer, not each school's answer to it.
    figures = await TelebridgeRepo(app.db).starts_and_statuses(city_id=None)
    assert [status for _, status in figures] == ["cancelled"]


async def test_reschedule_and_cancel_tell_the_other_side(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, instant = sochi_time(days=3, hour=10)
    moved, moved_instant = sochi_time(days=4, hour=14)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    await minsk.press("✅ Принять")
    telebridge = await _only_telebridge(app.db)

    await sochi.press_data(TbCb(action=TbAction.OPEN, id=telebridge.id).pack())
    await sochi.press("🕒 Перенести")
    await sochi.send(moved)
    await sochi.press("45 мин")
    await sochi.press("Оставить прежнюю ссылку")
    await sochi.press("Без комментария")
    preview = sochi.last_text
    assert "Проверьте новое время" in preview and "«Мой город — город-побратим»" in preview
    assert "Партнёр: Средняя школа № 5 (Минск" in preview
    await sochi.press("✅ Отправить предложение")
    assert "Просьба перенести телемост" in minsk.last_text
    pending = await _get(app.db, telebridge.id)
    assert pending is not None and pending.status == "rescheduled"
    assert pending.starts_at == instant  # the agreed time stands until the answer
    await minsk.press("✅ Принять")
    moved_bridge = await _get(app.db, telebridge.id)
    assert moved_bridge is not None and moved_bridge.starts_at == moved_instant
    (event,) = ics_of(sochi.telegram.last_message(sochi.id)).walk("VEVENT")
    assert int(event["sequence"]) == 2  # the calendar replaces its entry
    assert event.decoded("dtstart").astimezone(UTC) == moved_instant

    await minsk.press_data(TbCb(action=TbAction.OPEN, id=telebridge.id).pack())
    await minsk.press("❌ Отменить телемост")
    await minsk.send("Карантин <в школе>")
    cancelled = await _get(app.db, telebridge.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    notice = sochi.texts()[-2]
    assert "Телемост «Мой город — город-побратим» отменён — Средняя школа № 5 (Минск" in notice
    assert "Причина: Карантин <в школе>" in notice
    # The calendar file that called it off, to both sides: the entry goes from calendars.
    for person in (sochi, minsk):
        files = [m for m in person.telegram.messages(person.id) if m.document is not None]
        (event,) = ics_of(files[-1]).walk("VEVENT")
        assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 3
        assert "отменён. Откройте файл" in files[-1].plain_text()


async def test_a_new_link_of_an_agreed_telebridge_comes_with_its_calendar_file(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    await propose(sochi, partner="🏫 Средняя школа № 5", when=sochi_time()[0])
    await minsk.press("✅ Принять")
    telebridge = await _only_telebridge(app.db)
    await minsk.press_data(TbCb(action=TbAction.OPEN, id=telebridge.id).pack())
    await minsk.press("🔗 Ссылка на видеосвязь")
    await minsk.send("https://sferum.ru/?call_link=moved")
    assert "Новая ссылка на видеосвязь" in sochi.texts()[-2]
    for person in (sochi, minsk):
        files = [m for m in person.telegram.messages(person.id) if m.document is not None]
        assert len(files) == 2, person.id  # the confirmation's and the new one
        (event,) = ics_of(files[-1]).walk("VEVENT")
        assert str(event["location"]) == "https://sferum.ru/?call_link=moved"
        assert int(event["sequence"]) == 2 and str(event["status"]) == "CONFIRMED"


async def test_a_declined_reschedule_keeps_the_agreed_time(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, instant = sochi_time(days=3, hour=10)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    await minsk.press("✅ Принять")
    telebridge = await _only_telebridge(app.db)
    await minsk.press_data(TbCb(action=TbAction.OPEN, id=telebridge.id).pack())
    await minsk.press("🕒 Перенести")
    later, _ = sochi_time(days=6, hour=10)
    await minsk.send(later)
    await minsk.press("45 мин")
    await minsk.press("Оставить прежнюю ссылку")
    await minsk.press("Без комментария")
    await minsk.press("✅ Отправить предложение")
    await sochi.press("❌ Отклонить")
    await sochi.send("В этот день у нас экзамены")
    kept = await _get(app.db, telebridge.id)
    assert kept is not None and kept.status == "confirmed" and kept.starts_at == instant
    assert "остаётся в прежнее время" in minsk.last_text
    assert "Причина: В этот день у нас экзамены" in minsk.last_text


async def test_a_third_school_cannot_act_on_someone_elses_telebridge(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    stranger = await coordinator(make_user, 3005, school="Гимназия № 8", city="Минск")
    member = make_user(3006, first_name="Участник")
    await onboard(member, name="Просто Участник", city="Минск", role="Молодёжь")
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    telebridge = await _only_telebridge(app.db)
    for action in (TbAction.ACCEPT, TbAction.DECLINE, TbAction.COUNTER):
        data = TbCb(action=action, id=telebridge.id, round=1).pack()
        calls = await stranger.press_data(data)
        alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
        assert "другого учреждения" in alert.params["text"], action
        calls = await member.press_data(data)
        alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
        assert "Сначала зарегистрируйте" in alert.params["text"], action
    for action in (TbAction.CANCEL, TbAction.LINK, TbAction.OPEN, TbAction.RESCHEDULE):
        calls = await stranger.press_data(TbCb(action=action, id=telebridge.id).pack())
        alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
        assert "другого учреждения" in alert.params["text"], action
    unchanged = await _get(app.db, telebridge.id)
    assert unchanged == telebridge
    # Broken callback data gets the usual polite answer.
    calls = await stranger.press_data("tb:acc:notanumber:1:0")
    assert [c for c in calls if c.method == "answerCallbackQuery"]


async def test_both_cities_times_across_a_daylight_saving_change(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    """Cities are data: with Minsk on a zone that changes its clocks (Berlin moves to
    summer time on 28.03.2027) the same Sochi time reads differently in the other city
    the day before and the day after."""
    assert app.db is not None
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE cities SET timezone = 'Europe/Berlin' WHERE code = 'minsk'")
    for day, expected in (("27.03.2027", "08:00"), ("29.03.2027", "09:00")):
        await sochi.send("/school")
        await sochi.press("📡 Новый телемост")
        await press_starting(sochi, "🏫 Средняя школа № 5")
        await sochi.send("Весна")
        await sochi.press("1–4 классы")
        await sochi.send(f"{day} 10:00")
        text = sochi.last_text
        assert f"{day} 10:00 (время: Сочи)" in text
        assert f"{day} {expected} (время: Минск)" in text
        await sochi.press("45 мин")
        await sochi.send(LINK)
        await sochi.press("Без комментария")
        assert f"{day} {expected}–{expected[:3]}45 (время: Минск)" in sochi.last_text
        await sochi.press("✅ Отправить предложение")
        assert f"{day} {expected}–{expected[:3]}45 (время: Минск)" in minsk.last_text
        await minsk.press("✅ Принять")
    async with app.db.read.execute("SELECT starts_at FROM telebridges ORDER BY id") as cur:
        starts = [db_time(row[0]) for row in await cur.fetchall()]
    assert starts == [datetime(2027, 3, 27, 7, tzinfo=UTC), datetime(2027, 3, 29, 7, tzinfo=UTC)]


async def test_organisers_see_their_citys_telebridges_per_month(
    app: RunningBot, sochi: TgUser, minsk: TgUser, admin: TgUser, member: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time(days=3)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    await minsk.press("✅ Принять")
    # An open offer to Minsk's schools is one of Minsk's telebridges too.
    await propose(sochi, partner="🌍 Любая школа: Минск", when=sochi_time(days=9)[0], topic="Хор")
    await admin.send("/organiser")
    await admin.press("📡 Телемосты")
    text = admin.last_text
    assert "Телемосты: Минск" in text
    assert "✅ 1 · ⏳ 1" in text
    assert any("Гимназия № 1 · Мой город" in label for label in admin.labels())
    assert any("Гимназия № 1 · Хор" in label for label in admin.labels())
    assert any(label.startswith("⚠️ Учреждения без подтверждения (2)") for label in admin.labels())
    await press_starting(admin, "✅ ")
    assert "Статус: подтверждён" in admin.last_text
    calls = await member.press_data(TbOrgCb().pack())
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "только организаторам" in alert.params["text"]


async def test_broadcast_to_school_coordinators(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, minsk: TgUser, admin: TgUser
) -> None:
    await coordinator(
        make_user,
        3004,
        school="Ясли-сад № 7",
        city="Минск",
        kind="Детский сад",
        ages=("Дошкольники",),
    )
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Координаторам школ")
    await admin.press("Минск")
    await admin.press("Школы")
    assert "Получатели: координаторы школ · Минск · Школы — сейчас 1 чел." in admin.last_text
    await admin.press("← Назад")
    await admin.press("Всех типов")
    assert "Получатели: координаторы школ · Минск — сейчас 2 чел." in admin.last_text
    await admin.press("← Назад")
    await admin.press("← Назад")
    await admin.press("Всех городов")
    await admin.press("Всех типов")
    assert "Получатели: координаторы школ — сейчас 3 чел." in admin.last_text


async def test_a_restart_does_not_send_a_proposal_again(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    before = len(minsk.texts())
    await app.restart()
    await asyncio.sleep(0.3)
    await app.dp["delivery"].engine.wait_idle(5)
    assert len(minsk.texts()) == before


# Personal data and the audit log


async def test_coordinators_data_in_mydata_and_forget(
    app: RunningBot, sochi: TgUser, minsk: TgUser, admin: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    await minsk.press("✅ Принять")
    school_id = (await app.dp["telebridges"].institutions.membership(tg_id=sochi.id))[0].id

    # The organiser's verification is in the audit log.
    await admin.send(f"/start school_{school_id}")
    await admin.press("✅ Подтвердить учреждение")
    async with app.db.read.execute(
        "SELECT actor_id, action, object_kind, object_id FROM audit_log WHERE action = 'verify'"
    ) as cur:
        assert [tuple(row) for row in await cur.fetchall()] == [
            (admin.id, "verify", "institution", school_id)
        ]

    await sochi.send("/mydata")
    text = "\n".join(sochi.texts()[-4:])
    assert "Школы и телемосты" in text
    assert "Гимназия № 1 (Сочи) — координатор" in text
    assert "предложений телемостов от вас: 1" in text

    await sochi.send("/forget")
    assert "Школы и телемосты" in sochi.last_text
    await sochi.press("🗑 Да, удалить мои данные")
    done = sochi.last_text
    assert "роли координатора учреждений и заявки на них: 1" in done
    assert "остаются у школ" in done
    for sql in (
        "SELECT COUNT(*) FROM coordinators WHERE tg_id = ?",
        "SELECT COUNT(*) FROM telebridge_rounds WHERE tg_id = ?",
        "SELECT COUNT(*) FROM telebridges WHERE created_by = ?",
        "SELECT COUNT(*) FROM institutions WHERE created_by = ?",
    ):
        async with app.db.read.execute(sql, (sochi.id,)) as cur:
            assert (await cur.fetchone())[0] == 0, sql  # type: ignore[index]
    telebridge = await _only_telebridge(app.db)
    assert telebridge.status == "confirmed"  # the schools' agreement stays
    await minsk.send("/telebridges")
    assert any(label.startswith("✅ ") for label in minsk.labels())


async def test_school_names_are_shown_as_typed_in_notices_and_cards(
    app: RunningBot, make_user: Callable[..., TgUser], minsk: TgUser
) -> None:
    """A name with HTML's special characters is escaped once, wherever it is put."""
    assert app.db is not None
    school = "Гимназия «Свет & <Знание>»"
    sochi = await coordinator(make_user, 3001, school=school, city="Сочи")
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    notice = minsk.telegram.last_message(minsk.id)
    assert f"Вам предлагают телемост — {school} (Сочи" in notice.plain_text()
    assert f"Предлагает: {school} (Сочи, не подтверждено организаторами)" in notice.plain_text()
    assert "&amp;amp;" not in (notice.text or "")
    telebridge = await _only_telebridge(app.db)
    await minsk.press_data(TbCb(action=TbAction.OPEN, id=telebridge.id).pack())
    assert f"Предлагает: {school} (Сочи" in minsk.last_text


async def test_a_withdrawn_open_offer_says_so_to_the_other_city(
    app: RunningBot, sochi: TgUser, minsk: TgUser
) -> None:
    assert app.db is not None
    when, _ = sochi_time()
    await propose(sochi, partner="🌍 Любая школа: Минск", when=when, topic="Открытый урок")
    telebridge = await _only_telebridge(app.db)
    await sochi.press_data(TbCb(action=TbAction.CANCEL, id=telebridge.id).pack())
    await sochi.press("Без причины")
    cancelled = await _get(app.db, telebridge.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    for label in ("✅ Принять", "🕒 Предложить другое время"):
        calls = await minsk.press(label)
        alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
        assert alert.params["text"] == "Этот телемост отменён.", label
    await minsk.press("Подробнее")
    assert "Статус: отменён" in minsk.last_text
    assert "✅ Принять" not in minsk.labels()
    # Its own school cannot take its offer.
    calls = await sochi.press_data(TbCb(action=TbAction.ACCEPT, id=telebridge.id, round=1).pack())
    alert = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "ход другой стороны" in alert.params["text"]
    assert await _get(app.db, telebridge.id) == cancelled


async def test_a_school_left_without_a_coordinator_is_decided_by_organisers(
    app: RunningBot, make_user: Callable[..., TgUser], sochi: TgUser, admin: TgUser
) -> None:
    await sochi.send("/school")
    await sochi.press("Перестать быть координатором")
    await sochi.press("Да, перестать быть координатором")
    newcomer = make_user(3007, first_name="Новый")
    await onboard(newcomer, name="Новый Координатор", city="Сочи")
    await newcomer.send("/school")
    await newcomer.press("🤝 Присоединиться к учреждению")
    await press_starting(newcomer, "🏫 Гимназия № 1")
    await newcomer.press("🤝 Стать координатором этого учреждения")
    assert "нет координатора" in admin.last_text
    assert "Новый Координатор" in admin.last_text
    await admin.press("✅ Принять")
    membership = await app.dp["telebridges"].institutions.membership(tg_id=newcomer.id)
    assert membership is not None and membership[1] == "active"
    assert "Вы стали координатором «Гимназия № 1»" in newcomer.last_text
