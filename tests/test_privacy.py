"""Personal data: /mydata shows everything, /forget erases it (seats released, the waiting
list told, figures unchanged), the retention job anonymises only what is old."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.core.errors import UserError
from bot.people.personal_data import split_message, utf16_length
from handlers.trips.callbacks import TripAction, TripCb
from storage import privacy as privacy_storage
from storage.db import utc_now
from storage.events import EventRepo
from storage.outbox import NewMessage, OutboxRepo
from storage.registrations import Guardian, RegistrationRepo
from storage.reminders import ReminderRepo
from storage.trips import Question
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard
from tests.event_seed import add_event
from tests.import_data import add_person, register
from tests.trip_seed import add_programme, add_trip

QUESTIONS = (
    Question("position", "short_text", "Ваша должность", True),
    Question("hotel", "yes_no", "Нужна гостиница?", True),
)


async def _rows(app: RunningBot, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    assert app.db is not None
    async with app.db.read.execute(sql, params) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def _one(app: RunningBot, sql: str, *params: Any) -> Any:
    return (await _rows(app, sql, *params))[0][0]


def _documents(app: RunningBot, chat_id: int) -> list[tuple[str, bytes]]:
    return [m.document for m in app.telegram.messages(chat_id) if m.document is not None]


async def _past_trip(app: RunningBot, programme: int, title: str, *, days_ago: int) -> int:
    """A trip that ended `days_ago` days ago (loaded as history, status finished)."""
    assert app.db is not None
    starts = utc_now() - timedelta(days=days_ago + 4)
    return await add_trip(
        app.db,
        programme_id=programme,
        title=title,
        starts_at=starts,
        days=5,
        deadline=starts - timedelta(days=10),
        status="finished",
    )


async def _registered_in_the_past(
    app: RunningBot, trip_id: int, tg_id: int, answers: dict[str, str], status: str = "approved"
) -> int:
    """A registration made back then (the service refuses trips that have begun)."""
    assert app.db is not None
    async with app.db.transaction() as conn:
        return await RegistrationRepo(app.db).insert(
            conn,
            trip_id=trip_id,
            tg_id=tg_id,
            status=status,
            answers=answers,
            now=utc_now() - timedelta(days=500),
        )


async def _share_phone(user: TgUser, phone: str) -> None:
    await user.send("/profile")
    await user.press("Телефон")
    await user.send_contact(phone)


# /mydata


async def test_mydata_shows_everything_as_text_and_json(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    await _share_phone(member, "+375 29 123-45-67")
    programme = await add_programme(app.db)
    trip = await add_trip(
        app.db, programme_id=programme, title="Педагоги в Минске", questions=QUESTIONS
    )
    await register(app, trip, member.id, {"position": "Учитель <химии>", "hotel": "yes"})
    other_trip = await add_trip(app.db, programme_id=programme, title="Вторая поездка")
    await ReminderRepo(app.db).opt_out(kind="trip", target_id=other_trip, tg_id=member.id)
    event = await add_event(app.db, title="Фестиваль белорусской культуры")
    await EventRepo(app.db).subscribe(event_id=event, tg_id=member.id)
    await add_person(app, 3001, "Чужой Человек", phone="+79990000000")
    await register(app, trip, 3001, {"position": "Директор", "hotel": "no"})

    before = len(app.telegram.messages(member.id))
    await member.send("/mydata")
    sent = app.telegram.messages(member.id)[before:]
    text = "\n".join(m.plain_text() for m in sent if m.document is None)
    for expected in (
        f"Telegram id: {member.id}",
        "Имя: Мария Иванова",
        "Город: Сочи",
        "Организация: Гимназия № 1",
        "Телефон: +375291234567",
        "Педагоги в Минске",
        "Ваша должность: Учитель <химии>",
        "Нужна гостиница?: Да",
        "Фестиваль белорусской культуры",
        "«Вторая поездка»: не напоминать",
        "/forget",
    ):
        assert expected in text, expected
    assert "Чужой" not in text and "Директор" not in text and "+7999" not in text

    [(name, content)] = _documents(app, member.id)
    assert name.startswith(f"pobratim-my-data-{member.id}-") and name.endswith(".json")
    data = json.loads(content)
    assert data["telegram_id"] == member.id
    assert data["profile"]["full_name"] == "Мария Иванова"
    assert data["profile"]["phone"] == "+375291234567"
    assert data["profile"]["city"] == "sochi"
    [registration] = data["registrations"]
    assert registration["trip"]["title"] == "Педагоги в Минске"
    assert registration["status"] == "approved"
    assert registration["answers"]["position"] == {
        "question": "Ваша должность",
        "answer": "Учитель <химии>",
    }
    assert registration["history"][0]["status"] == "approved"
    assert registration["history"][0]["by_you"] is True
    assert [s["title"] for s in data["subscriptions"]] == ["Фестиваль белорусской культуры"]
    assert data["reminder_optouts"][0]["target_id"] == other_trip
    assert "messages" not in data  # the bot has sent her nothing on its own yet
    assert "Чужой" not in content.decode()


async def test_mydata_long_copy_is_split_into_messages(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    long_answer = "Опыт работы: " + "открытые уроки, семинары и проекты; " * 50
    titles = []
    for number in range(8):
        title = f"Поездка номер {number}"
        titles.append(title)
        trip = await add_trip(
            app.db,
            programme_id=programme,
            title=title,
            questions=(Question("about", "long_text", "О себе", True),),
            starts_at=utc_now() + timedelta(days=40 + number),
        )
        await register(app, trip, member.id, {"about": long_answer})
    before = len(app.telegram.messages(member.id))
    await member.send("/mydata")
    texts = [
        m.plain_text() for m in app.telegram.messages(member.id)[before:] if m.document is None
    ]
    assert len(texts) >= 3  # about 15,000 characters in all
    assert all(utf16_length(text) <= 4096 for text in texts)
    joined = "\n".join(texts)
    assert all(title in joined for title in titles)
    assert joined.count(long_answer.strip()) == 8  # every answer whole
    assert len(_documents(app, member.id)) == 1


def test_split_message_never_cuts_inside_an_entity() -> None:
    line = "слово &amp; " * 700  # one line far over the limit
    chunks = split_message("<b>Заголовок</b>\n" + line, limit=1000)
    assert len(chunks) > 5
    for chunk in chunks:
        assert utf16_length(chunk) <= 1000
        assert chunk.count("&") == chunk.count("&amp;")
    assert "".join(chunks).replace("\n", "").count("&amp;") == 700
    assert split_message("коротко") == ["коротко"]


async def test_mydata_of_a_stranger_says_nothing_is_kept(make_user: Callable[..., TgUser]) -> None:
    stranger = make_user(4040, language_code="en")
    await stranger.send("/mydata")
    assert "ничего о вас не хранит" in stranger.last_text
    assert not _documents(stranger.app, stranger.id)
    await stranger.send("/forget")
    assert "удалять нечего" in stranger.last_text


# /forget


async def test_forget_erases_everything_personal_and_promotes_the_waiting_list(
    app: RunningBot, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    assert app.db is not None
    await _share_phone(member, "+375 29 765-43-21")
    programme = await add_programme(app.db)
    # A trip still ahead: Мария holds its only seat, Олег waits in line.
    ahead = await add_trip(
        app.db, programme_id=programme, title="Поездка впереди", capacity=1, questions=QUESTIONS
    )
    await register(app, ahead, member.id, {"position": "Учитель", "hotel": "no"})
    waiting = make_user(3002, first_name="Олег")
    await onboard(waiting, name="Олег Петров")
    assert (await register(app, ahead, 3002, {"position": "Завуч", "hotel": "no"})).position
    # A trip that needs approval: organisers got a notice with her name and answers.
    approved_trip = await add_trip(
        app.db,
        programme_id=programme,
        title="Поездка с одобрением",
        needs_approval=True,
        organisers=(ADMIN_ID,),
    )
    await member.press_data(TripCb(action=TripAction.OPEN, id=approved_trip).pack())
    await member.press("✍️ Записаться")
    await member.press("✅ Подтвердить")
    assert any("Мария Иванова" in m.plain_text() for m in app.telegram.messages(ADMIN_ID))
    # A trip that is history: she went.
    past = await _past_trip(app, programme, "Прошлогодняя поездка", days_ago=30)
    await _registered_in_the_past(app, past, member.id, {"position": "Учитель"})
    await _registered_in_the_past(app, past, 3002, {"position": "Завуч"})
    event = await add_event(app.db)
    await EventRepo(app.db).subscribe(event_id=event, tg_id=member.id)
    await ReminderRepo(app.db).opt_out(kind="trip", target_id=ahead, tg_id=member.id)
    # A message to her, queued for later: it must not go out.
    await OutboxRepo(app.db).enqueue(
        [
            NewMessage(
                chat_id=member.id,
                purpose="notice",
                text="Мария, напоминаем",
                not_before=utc_now() + timedelta(hours=1),
            )
        ]
    )
    counts = "SELECT trip_id, status, COUNT(*) FROM registrations GROUP BY trip_id, status"
    totals = "SELECT trip_id, COUNT(*) FROM registrations GROUP BY trip_id"
    totals_before = await _rows(app, totals)
    past_before = [row for row in await _rows(app, counts) if row[0] == past]

    await member.send("/forget")
    confirm = member.last_text
    assert "Удалить ваши данные?" in confirm
    assert "Заявки на поездки: 3" in confirm and "Профиль" in confirm
    assert "Подписки на мероприятия" in confirm
    await member.press("🗑 Да, удалить мои данные")
    done = member.last_text
    assert "ваши данные удалены" in done
    assert "освобождено мест в предстоящих поездках" in done
    assert "подписки на мероприятия: 1" in done
    assert "заявки на поездки: 3" in done and "отчёты" in done  # what stays, and why

    # Nothing personal is left.
    assert await _one(app, "SELECT COUNT(*) FROM people WHERE tg_id = ?", member.id) == 0
    for table in ("registrations", "event_subscriptions", "reminder_optouts"):
        sql = f"SELECT COUNT(*) FROM {table} WHERE tg_id = ?"
        assert await _one(app, sql, member.id) == 0, table
    assert await _one(app, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", member.id) == 0
    assert await _one(app, "SELECT COUNT(*) FROM outbox WHERE state = 'queued'") == 0
    assert (
        await _one(
            app,
            "SELECT COUNT(*) FROM outbox WHERE instr(text, 'Мария') > 0 OR instr(text, '765') > 0",
        )
        == 0
    )
    fsm = "SELECT COUNT(*) FROM fsm_states WHERE instr(storage_key, ?) > 0"
    assert await _one(app, fsm, f":{member.id}:") == 0
    anonymous = await _rows(
        app,
        "SELECT trip_id, status, answers, anonymised_at FROM registrations"
        " WHERE tg_id IS NULL ORDER BY trip_id",
    )
    assert len(anonymous) == 3
    assert all(row[2] == "{}" and row[3] is not None for row in anonymous)
    assert (
        await _one(
            app,
            "SELECT COUNT(*) FROM registration_history h JOIN registrations r"
            " ON r.id = h.registration_id WHERE r.tg_id IS NULL AND h.changed_by IS NOT NULL",
        )
        == 0
    )

    # Figures stay: as many registrations per trip, the past trip's exactly as they were.
    assert await _rows(app, totals) == totals_before
    assert [row for row in await _rows(app, counts) if row[0] == past] == past_before
    # Her seat went to the first in line, who was told.
    statuses = await _rows(
        app, "SELECT tg_id, status FROM registrations WHERE trip_id = ? ORDER BY id", ahead
    )
    assert statuses == [(None, "cancelled"), (3002, "approved")]
    assert any("Поездка впереди" in text and "мест" in text for text in waiting.texts())

    # She is a stranger now: /start begins anew.
    await member.send("/start")
    assert "Выберите язык" in member.last_text


async def test_forget_can_be_called_off(app: RunningBot, member: TgUser) -> None:
    await member.send("/forget")
    await member.press("Нет, оставить")
    assert "ничего не удаляем" in member.last_text
    assert await _one(app, "SELECT COUNT(*) FROM people WHERE tg_id = ?", member.id) == 1


async def test_forget_by_an_organiser_takes_the_rights_and_keeps_the_audit_entries(
    app: RunningBot, admin: TgUser, make_user: Callable[..., TgUser]
) -> None:
    organiser = make_user(3003, first_name="Ирина")
    await onboard(organiser, name="Ирина Организаторова")
    await admin.send("/grant 3003")
    assert "organiser" in app.telegram.commands_for(scope="chat:3003")
    await organiser.send("/organiser")
    await organiser.press("➕ Новая программа")
    await organiser.press("Образование")
    await organiser.send("Обмен опытом")
    await organiser.press("Без описания")
    await organiser.press("Готово")
    await organiser.press("✅ Сохранить")
    await organiser.send("/mydata")
    assert "Записей о ваших действиях в журнале организаторов: 1" in "\n".join(organiser.texts())

    await organiser.send("/forget")
    await organiser.press("🗑 Да, удалить мои данные")
    assert "права организатора" in organiser.last_text
    assert "записи журнала действий организаторов: 2" in organiser.last_text  # hers, and the grant
    assert app.telegram.commands_for(scope="chat:3003") == []
    assert await _one(app, "SELECT COUNT(*) FROM audit_log WHERE actor_id = 3003") == 1
    await organiser.send("/organiser")
    assert "Выберите язык" in organiser.last_text or "познакомимся" in organiser.last_text


# Retention


async def test_retention_anonymises_only_old_data(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    old = await _past_trip(app, programme, "Давняя поездка", days_ago=400)
    recent = await _past_trip(app, programme, "Недавняя поездка", days_ago=100)
    ahead = await add_trip(app.db, programme_id=programme, title="Будущая поездка")
    await _registered_in_the_past(app, old, member.id, {"position": "Учитель"})
    await _registered_in_the_past(app, recent, member.id, {"position": "Учитель"})
    await register(app, ahead, member.id)
    reminders = ReminderRepo(app.db)
    await reminders.opt_out(kind="trip", target_id=old, tg_id=member.id)
    await reminders.opt_out(kind="trip", target_id=ahead, tg_id=member.id)
    events = EventRepo(app.db)
    old_event = await add_event(
        app.db, title="Давний фестиваль", starts_at=utc_now() - timedelta(days=400)
    )
    new_event = await add_event(app.db, title="Будущий фестиваль")
    await events.subscribe(event_id=old_event, tg_id=member.id)
    await events.subscribe(event_id=new_event, tg_id=member.id)
    outbox = OutboxRepo(app.db)
    await outbox.enqueue(
        [
            NewMessage(chat_id=member.id, purpose="notice", text="давнее", dedup_key="old:1"),
            NewMessage(chat_id=member.id, purpose="notice", text="свежее", dedup_key="new:1"),
        ]
    )
    async with app.db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET state = 'sent', created_at = ? WHERE dedup_key = 'old:1'",
            (utc_now() - timedelta(days=400),),
        )

    counts = await app.dp["housekeeping"].run_retention()
    assert counts == {
        "profile": 0,
        "registrations": 1,
        "subscriptions": 1,
        "reminder_optouts": 1,
        "organiser": 0,
        "messages": 1,
        "roadmap": 0,  # following the roadmap does not expire
        "schools": 0,  # the telebridge section (main f379c7f) keeps nothing to expire
        "erasures": 0,  # kept: it keeps a restore from bringing the data back
    }
    rows = await _rows(
        app,
        "SELECT trip_id, tg_id, answers, anonymised_at IS NOT NULL FROM registrations"
        " ORDER BY trip_id",
    )
    assert rows == [
        (old, None, "{}", 1),
        (recent, member.id, '{"position": "Учитель"}', 0),
        (ahead, member.id, "{}", 0),
    ]
    assert await _rows(app, "SELECT target_id FROM reminder_optouts") == [(ahead,)]
    assert await _rows(app, "SELECT event_id FROM event_subscriptions") == [(new_event,)]
    assert await _rows(app, "SELECT text, dedup_key FROM outbox ORDER BY id") == [
        (None, None),
        ("свежее", "new:1"),
    ]
    assert await _one(app, "SELECT COUNT(*) FROM people WHERE tg_id = ?", member.id) == 1
    # A second run finds nothing more.
    again = await app.dp["housekeeping"].run_retention()
    assert not any(again.values())


# Guardian consent


async def test_minors_trip_asks_for_a_guardians_consent(
    app: RunningBot, member: TgUser, admin: TgUser
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    trip = await add_trip(
        app.db,
        programme_id=programme,
        title="Детский коллектив на форуме «Шаги»",
        questions=(Question("child", "short_text", "Имя ребёнка", True),),
    )
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE trips SET for_minors = TRUE WHERE id = ?", (trip,))
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    assert "Едут несовершеннолетние" in member.last_text
    await member.press("✍️ Записаться")
    await member.send("Вова Иванов")
    await member.press("✅ Подтвердить")
    assert "Согласие родителя или законного представителя" in member.last_text
    assert await _one(app, "SELECT COUNT(*) FROM registrations") == 0  # not submitted yet
    await member.press("← Назад")
    assert "Проверьте заявку" in member.last_text
    await member.press("✅ Подтвердить")
    await member.send("🙂" * 101)
    assert "Слишком длинно" in member.texts()[-2]
    await member.send("Ольга Петровна <Иванова>")
    assert "Я, Ольга Петровна <Иванова>, родитель или законный" in member.last_text
    await member.send("да")  # typed where the button is expected
    assert await _one(app, "SELECT COUNT(*) FROM registrations") == 0
    await member.press("✅ Подтверждаю согласие")
    # The consent screen (asked again after "да") is now the result.
    assert "Вы записаны на поездку «Детский коллектив" in member.last_text
    [(name, consent, answers)] = await _rows(
        app, "SELECT guardian_name, guardian_consent_at, answers FROM registrations"
    )
    assert name == "Ольга Петровна <Иванова>" and consent is not None
    assert json.loads(answers) == {"child": "Вова Иванов"}

    await member.send("/mydata")
    joined = "\n".join(member.texts()[-3:])
    assert "согласие родителя или законного представителя: Ольга Петровна <Иванова>" in joined
    data = json.loads(_documents(app, member.id)[-1][1])
    assert data["registrations"][0]["guardian"]["name"] == "Ольга Петровна <Иванова>"

    await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    csv_text = next(c for n, c in _documents(app, ADMIN_ID) if n.endswith(".csv")).decode(
        "utf-8-sig"
    )
    header, row = csv_text.splitlines()[:2]
    assert "Родитель или законный представитель;Согласие родителя дано;Имя ребёнка" in header
    assert "Ольга Петровна <Иванова>" in row


async def test_the_parent_registering_consents_with_one_button(
    app: RunningBot, member: TgUser
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    trip = await add_trip(app.db, programme_id=programme, title="Юные музыканты")
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE trips SET for_minors = TRUE WHERE id = ?", (trip,))
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await member.press("✍️ Записаться")
    await member.press("✅ Подтвердить")
    await member.press("Это я: Мария Иванова")
    await member.press("✅ Подтверждаю согласие")
    assert await _rows(app, "SELECT tg_id, guardian_name FROM registrations") == [
        (member.id, "Мария Иванова")
    ]


async def test_no_registration_for_minors_without_consent(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    trip = await add_trip(app.db, programme_id=programme, title="Юные музыканты")
    adults = await add_trip(app.db, programme_id=programme, title="Взрослые")
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE trips SET for_minors = TRUE WHERE id = ?", (trip,))
    with pytest.raises(UserError, match="reg-error-guardian-required"):
        await register(app, trip, member.id)
    # The consent is asked for trips with minors only; other trips store none.
    service = app.dp["trips"].registration
    await service.register(
        trip_id=adults,
        tg_id=member.id,
        answers={},
        now=utc_now(),
        guardian=Guardian("Кто-то", utc_now()),
    )
    assert await _rows(app, "SELECT trip_id, guardian_name FROM registrations") == [(adults, None)]


async def test_retention_goes_batch_by_batch_to_the_end(
    app: RunningBot, make_user: Callable[..., TgUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows per transaction: seven old registrations take four batches, each one
    done once, and the job ends."""
    assert app.db is not None
    monkeypatch.setattr(privacy_storage, "RETENTION_BATCH", 2)
    programme = await add_programme(app.db)
    old = await _past_trip(app, programme, "Давняя поездка", days_ago=400)
    for number in range(7):
        await add_person(app, 8100 + number, f"Участник {number}")
        await _registered_in_the_past(app, old, 8100 + number, {"position": "Учитель"})
    counts = await app.dp["housekeeping"].run_retention()
    assert counts["registrations"] == 7
    anonymous = "SELECT COUNT(*) FROM registrations WHERE trip_id = ? AND tg_id IS NULL"
    assert await _one(app, anonymous, old) == 7
    assert (await app.dp["housekeeping"].run_retention())["registrations"] == 0
