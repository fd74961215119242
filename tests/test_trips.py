"""Members' side of trips: catalogue, card, registration, waiting list, decisions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb
from storage.db import utc_now
from storage.trips import Question
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard
from tests.trip_seed import MINSK, SOCHI, add_programme, add_trip


async def _statuses(app: RunningBot, trip_id: int) -> dict[int, str]:
    assert app.db is not None
    async with app.db.read.execute(
        "SELECT tg_id, status FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def test_catalogue_filters_and_paging(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    teachers = await add_programme(app.db)
    medics = await add_programme(
        app.db, title="Медицинские делегации", direction="healthcare", audience=("medic",)
    )
    start = utc_now() + timedelta(days=40)
    for day in range(10):
        await add_trip(
            app.db,
            programme_id=teachers,
            title=f"Педагоги {day:02d}",
            starts_at=start + timedelta(days=day),
        )
    await add_trip(app.db, programme_id=medics, title="Врачи в Минск")
    await add_trip(
        app.db, programme_id=teachers, title="Из Минска", from_city=MINSK, to_city=SOCHI
    )
    await add_trip(app.db, programme_id=teachers, title="Черновик", status="draft")

    await member.send("/trips")
    assert "Поездки для вас" in member.last_text and "Всего: 10" in member.last_text
    labels = member.labels()
    trip_labels = [label for label in labels if "·" in label]
    assert len(trip_labels) == 8
    assert "Педагоги 00" in trip_labels[0] and "Педагоги 07" in trip_labels[-1]  # by start date
    assert "1/2" in labels
    await member.press("▶")
    trip_labels = [label for label in member.labels() if "·" in label]
    assert [label.split(" · ")[-1] for label in trip_labels] == ["Педагоги 08", "Педагоги 09"]

    await member.press("Показать все")
    assert "Всего: 12" in member.last_text
    await member.press("▶")
    shown = " ".join(member.labels())
    assert "Черновик" not in shown
    assert "Врачи в Минск" in shown and "Из Минска" in shown


async def test_card_shows_times_in_the_persons_city(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    starts = (utc_now() + timedelta(days=30)).replace(hour=6, minute=0, second=0, microsecond=0)
    trip_id = await add_trip(
        app.db,
        programme_id=programme,
        title="<b>Делегация</b> & Co",
        starts_at=starts,
        capacity=20,
        needs_approval=True,
    )
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
    text = member.last_text
    local = starts + timedelta(hours=3)  # Sochi is UTC+3
    assert local.strftime("%d.%m.%Y %H:%M") in text
    assert "<b>Делегация</b> & Co" in text  # shown as typed, escaped on the wire
    assert "Свободных мест: 20 из 20" in text
    assert "по одобрению организатора" in text
    assert "Сочи → Минск" in text
    assert "✍️ Записаться" in member.labels()
    assert "👥 Участники" not in member.labels()  # organiser buttons only for organisers


async def test_back_of_an_older_question_keeps_the_summary(
    app: RunningBot, member: TgUser
) -> None:
    """The summary has no "Назад"; the one under a question answered earlier, pressed
    there, shows the summary again instead of leaving it (or failing for a trip with no
    questions at all)."""
    assert app.db is not None
    programme = await add_programme(app.db)
    questions = (Question("position", "short_text", "Ваша должность", True),)
    with_one = await add_trip(app.db, programme_id=programme, questions=questions)
    without = await add_trip(app.db, programme_id=programme, title="Без вопросов")
    for trip_id, answer in ((with_one, "Учитель"), (without, None)):
        await member.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
        await member.press("✍️ Записаться")
        if answer:
            question = app.telegram.last_message(member.id)
            await member.send(answer)
        else:
            question = app.telegram.last_message(member.id)
        assert "Проверьте заявку" in member.last_text
        back = next(b for b in question.buttons() if b["text"] == "← Назад") if answer else None
        data = back["callback_data"] if back else "rf:back:0"
        await app.process(member.updates.callback(question, data))
        assert "Проверьте заявку" in member.last_text
        assert "Что-то пошло не так" not in " ".join(member.texts()[-3:])
        await member.press("✅ Подтвердить")
        assert "Вы записаны на поездку" in member.last_text


async def test_registration_with_every_question_type(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    questions = (
        Question("position", "short_text", "Ваша должность", True),
        Question("about", "long_text", "О себе", False),
        Question("diet", "choice", "Питание", True, ("Обычное", "Вегетарианское")),
        Question("hotel", "yes_no", "Нужна гостиница?", True),
        Question("passport", "date", "Паспорт действителен до", True),
    )
    trip_id = await add_trip(app.db, programme_id=programme, questions=questions)
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
    await member.press("✍️ Записаться")
    assert "Вопрос 1 из 5" in member.last_text and "Ваша должность" in member.last_text

    await member.send("д" * 201)
    assert "Слишком длинно" in member.texts()[-2]
    await member.send("Учитель <физики> & астрономии")
    assert "Вопрос 2 из 5" in member.last_text and "(необязательный)" in member.last_text
    await member.press("Пропустить")
    assert "Питание" in member.last_text
    await member.send("Обычное")  # typed where a button is expected
    assert "Питание" in member.last_text and "выберите" in member.texts()[-2].lower()
    await member.press("Вегетарианское")
    assert "Нужна гостиница?" in member.last_text
    await member.press("Да")
    await member.send("32.13.2027")
    assert "Дата не распознана" in member.texts()[-2]
    assert "Паспорт действителен до" in member.last_text  # asked again
    await member.send("01.09.2031")
    assert "Проверьте заявку" in member.last_text
    summary = member.last_text
    assert "Учитель <физики> & астрономии" in summary
    assert "О себе: —" in summary and "Нужна гостиница?: Да" in summary
    assert "Паспорт действителен до: 01.09.2031" in summary

    await member.press("✏️ Изменить ответ")
    await member.press("Нужна гостиница?")
    await member.press("Нет")
    assert "Нужна гостиница?: Нет" in member.last_text
    await member.press("✅ Подтвердить")
    assert "Вы записаны на поездку" in member.last_text

    async with app.db.read.execute(
        "SELECT status, answers FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        status, answers = await cur.fetchone()
    assert status == "approved"
    assert '"hotel": "no"' in answers and '"passport": "2031-09-01"' in answers
    assert '"about"' not in answers

    # Twice: refused with the reason.
    calls = await member.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "уже записаны" in answer.params["text"]


async def test_refusals_closed_cancelled_deadline(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    closed = await add_trip(app.db, programme_id=programme, status="closed")
    cancelled = await add_trip(app.db, programme_id=programme, status="cancelled")
    late = await add_trip(
        app.db, programme_id=programme, deadline=utc_now() + timedelta(seconds=1)
    )
    await asyncio.sleep(1.1)
    for trip_id, words in ((closed, "закрыта"), (cancelled, "отменена"), (late, "срок записи")):
        calls = await member.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
        answer = next(c for c in calls if c.method == "answerCallbackQuery")
        assert words in answer.params["text"]
    assert await _statuses(app, closed) == {}


async def _register(user: TgUser, trip_id: int) -> None:
    await user.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    await user.press("✅ Подтвердить")


async def test_waiting_list_and_promotion_on_cancel(app: RunningBot, make_user) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(app.db, programme_id=programme, capacity=1)
    users = []
    for index in range(3):
        user = make_user(6000 + index)
        await onboard(user, name=f"Участник {index}")
        users.append(user)
    first, second, third = users
    await _register(first, trip_id)
    assert "Вы записаны" in first.last_text
    await _register(second, trip_id)
    assert "листе ожидания" in second.last_text and "номер в очереди — 1" in second.last_text
    await _register(third, trip_id)
    assert "номер в очереди — 2" in third.last_text

    await first.send("/mytrips")
    await first.press(first.labels()[0])
    await first.press("Отменить участие")
    assert "Место перейдёт следующему" in first.last_text
    await first.press("Да, отменить участие")
    assert "Участие отменено" in first.last_text
    assert "освободилось место, и оно ваше" in second.last_text
    assert await _statuses(app, trip_id) == {
        6000: "cancelled",
        6001: "approved",
        6002: "waitlisted",
    }
    await third.send("/mytrips")
    assert "в листе ожидания, номер 1" in third.last_text


async def test_approval_is_idempotent_and_reject_tells_the_reason(
    app: RunningBot, admin: TgUser, make_user
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(
        app.db, programme_id=programme, capacity=1, needs_approval=True, organisers=(ADMIN_ID,)
    )
    applicant = make_user(6100)
    await onboard(applicant, name="Ольга <i>Кравец</i>")
    waiting = make_user(6101)
    await onboard(waiting, name="Пётр Ждущий")
    await _register(applicant, trip_id)
    assert "Организатор рассмотрит" in applicant.last_text
    await _register(waiting, trip_id)
    assert "номер в очереди — 1" in waiting.last_text

    note = admin.telegram.last_message(ADMIN_ID)
    assert "Новая заявка" in note.plain_text() and "Ольга <i>Кравец</i>" in note.plain_text()
    registration_id = int(
        next(b["callback_data"] for b in note.buttons() if b["text"] == "✅ Одобрить").split(":")[
            -1
        ]
    )

    # A member forging the organiser's button changes nothing.
    calls = await waiting.press_data(RegCb(action=RegAction.APPROVE, id=registration_id).pack())
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "только организаторам" in answer.params["text"]
    assert (await _statuses(app, trip_id))[6100] == "pending"

    # Two presses of "Одобрить": one decision, a clear note the second time.
    message, button = admin.find_button("✅ Одобрить")
    first = admin.updates.callback(message, button["callback_data"])
    second = admin.updates.callback(message, button["callback_data"])
    calls = await app.process(first, second)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 2
    assert any("Решение уже принято" in (c.params.get("text") or "") for c in answers)
    approvals = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 6100]
    assert len(approvals) == 1 and "одобрена" in approvals[0].params["text"]
    assert (await _statuses(app, trip_id))[6100] == "approved"

    # Rejecting after approval is refused (already decided).
    calls = await admin.press_data(RegCb(action=RegAction.REJECT, id=registration_id).pack())
    assert any("Решение уже принято" in (c.params.get("text") or "") for c in calls)


async def test_reject_with_reason_promotes_the_waiting_list(
    app: RunningBot, admin: TgUser, make_user
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(
        app.db, programme_id=programme, capacity=1, needs_approval=True, organisers=(ADMIN_ID,)
    )
    applicant, waiting = make_user(6200), make_user(6201)
    await onboard(applicant)
    await onboard(waiting)
    await _register(applicant, trip_id)
    await _register(waiting, trip_id)
    message, button = admin.find_button("❌ Отклонить")
    await app.process(admin.updates.callback(message, button["callback_data"]))
    assert "причину отказа" in admin.last_text
    await admin.send("Нет мест в гостинице <для> всех")
    texts = admin.texts()
    assert "Заявка отклонена" in texts[-2]
    assert "Причина: Нет мест в гостинице <для> всех" in applicant.last_text
    assert "ждёт одобрения организатора" in waiting.last_text
    assert await _statuses(app, trip_id) == {6200: "rejected", 6201: "pending"}
    # The decided request lost its buttons; the promoted person's request came to decide.
    assert message.message_id != admin.telegram.last_message(ADMIN_ID).message_id
    assert admin.telegram.message(ADMIN_ID, message.message_id).buttons() == []
    assert "Новая заявка" in texts[-1] and "✅ Одобрить" in admin.labels()


async def test_trip_deep_link_after_onboarding(app: RunningBot, make_user) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    trip_id = await add_trip(app.db, programme_id=programme, title="Молодёжный форум")
    newcomer = make_user(6300)
    await onboard(newcomer, start=f"/start trip_{trip_id}")
    assert "Молодёжный форум" in newcomer.last_text
    assert "✍️ Записаться" in newcomer.labels()
    await newcomer.send("/start trip_999999")
    assert "Поездка не найдена" in newcomer.last_text


async def test_two_hundred_people_rush_ten_seats(app: RunningBot, make_user) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(app.db, programme_id=programme, capacity=10)
    users = [make_user(7000 + index) for index in range(200)]
    await asyncio.gather(*(onboard(user) for user in users))
    await app.process(
        *(
            u.updates.callback(
                u.telegram.last_message(u.id),
                TripCb(action=TripAction.REGISTER, id=trip_id).pack(),
            )
            for u in users
        )
    )
    confirms = []
    for user in users:
        message, button = user.find_button("✅ Подтвердить")
        confirms.append(user.updates.callback(message, button["callback_data"]))
    await app.process(*confirms)  # all at once

    statuses = await _statuses(app, trip_id)
    assert len(statuses) == 200  # nobody lost
    assert sum(1 for s in statuses.values() if s == "approved") == 10
    assert sum(1 for s in statuses.values() if s == "waitlisted") == 190
    async with app.db.read.execute(
        "SELECT r.id FROM registrations r WHERE trip_id = ? AND status = 'waitlisted'", (trip_id,)
    ) as cur:
        ids = [row[0] for row in await cur.fetchall()]
    positions = sorted(
        [(await app.dp["trips"].registrations.get(registration_id=i)).position for i in ids]
    )
    assert positions == list(range(1, 191))
    for user in users:  # everybody was answered
        assert "Вы записаны" in user.last_text or "листе ожидания" in user.last_text


async def test_answers_can_be_changed_until_the_deadline(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    questions = (Question("position", "short_text", "Ваша должность", True),)
    trip_id = await add_trip(app.db, programme_id=programme, questions=questions)
    await member.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    await member.send("Учитель")
    await member.press("✅ Подтвердить")

    await member.send("/mytrips")
    assert "Вы в списке" in member.last_text or "одобрена" in member.last_text
    await member.press(member.labels()[0])
    await member.press("✏️ Изменить ответы")
    await member.press("✏️ Изменить ответ")
    await member.press("Ваша должность")
    await member.send("Завуч")
    assert "Ваша должность: Завуч" in member.last_text
    await member.press("✅ Сохранить ответы")
    assert "Ответы сохранены" in member.last_text
    async with app.db.read.execute(
        "SELECT answers FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        assert "Завуч" in (await cur.fetchone())[0]

    # After the deadline the answers are locked, and the button says why.
    await app.db.execute_write(
        "UPDATE trips SET registration_deadline = ? WHERE id = ?",
        (utc_now() - timedelta(minutes=1), trip_id),
    )
    async with app.db.read.execute(
        "SELECT id FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        registration_id = (await cur.fetchone())[0]
    calls = await member.press_data(RegCb(action=RegAction.ANSWERS, id=registration_id).pack())
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "больше нельзя изменить" in answer.params["text"]


async def test_share_link_for_organisers_only(
    app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    trip_id = await add_trip(app.db, programme_id=programme)
    await admin.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
    assert "🔗 Поделиться" in admin.labels()
    await admin.press("🔗 Поделиться")
    assert f"start=trip_{trip_id}" in admin.last_text
    calls = await member.press_data(TripCb(action=TripAction.SHARE, id=trip_id).pack())
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "только организаторам" in answer.params["text"]
    assert not [c for c in calls if c.method == "sendMessage"]


async def test_someone_elses_registration_cannot_be_touched(
    app: RunningBot, member: TgUser, make_user
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(app.db, programme_id=programme)
    await _register(member, trip_id)
    async with app.db.read.execute(
        "SELECT id FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        registration_id = (await cur.fetchone())[0]
    intruder = make_user(6400)
    await onboard(intruder)
    for action in (RegAction.OPEN, RegAction.ANSWERS, RegAction.CANCEL, RegAction.CANCEL_CONFIRM):
        calls = await intruder.press_data(RegCb(action=action, id=registration_id).pack())
        answer = next(c for c in calls if c.method == "answerCallbackQuery")
        assert "не найдена" in answer.params["text"]
        assert not [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    assert await _statuses(app, trip_id) == {member.id: "approved"}


async def test_longest_answers_and_description_fit_in_messages(
    app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    questions = tuple(Question(f"q{i}", "long_text", f"Вопрос {i}", True) for i in range(4))
    trip_id = await add_trip(
        app.db,
        programme_id=programme,
        questions=questions,
        needs_approval=True,
        organisers=(ADMIN_ID,),
    )
    await app.db.execute_write(
        "UPDATE trips SET description = ? WHERE id = ?", ("Описание & <детали> " * 150, trip_id)
    )
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
    assert "Описание & <детали>" in member.last_text and "{???}" not in member.last_text
    await member.press("✍️ Записаться")
    for _ in questions:
        await member.send("ж" * 2000)
    assert "Проверьте заявку" in member.last_text and "{???}" not in member.last_text
    await member.press("✅ Подтвердить")
    assert "Организатор рассмотрит" in member.last_text
    note = admin.telegram.last_message(ADMIN_ID).plain_text()
    assert "Новая заявка" in note and "{???}" not in note
    async with app.db.read.execute(
        "SELECT answers FROM registrations WHERE trip_id = ?", (trip_id,)
    ) as cur:
        assert len((await cur.fetchone())[0]) > 8000  # stored in full; only messages are cut
