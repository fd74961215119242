"""Organisers' side of trips: the panel, programme and trip forms, status, capacity, cancel.

Everything is driven through the real dispatcher and the fake Bot API: buttons are
pressed by their labels, dates typed as an organiser types them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.core.i18n import LANGUAGES, load_message_ids
from bot.core.roles import Access
from bot.trips.admin import (
    TripAdminService,
    next_question_key,
    parse_options,
)
from bot.trips.catalogue import Direction, TripStatus
from bot.trips.questions import QuestionKind
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.panel import PanelAction, PanelCb
from handlers.trips.admin_keyboards import (
    FormAction,
    FormCb,
    PickCb,
    StatusCb,
    TripField,
)
from handlers.trips.admin_states import QUESTION_STEPS, TRIP_STEPS
from handlers.trips.admin_views import step_key
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import db_time, utc_now
from storage.trips import NewProgramme, NewTrip, Question
from tests.conftest import RunningBot, TgUser, onboard

# Far enough ahead that "not in the past" holds whenever the suite runs.
YEAR = utc_now().year + 2
MINSK, SOCHI = 2, 1


# Helpers


async def _rows(app: RunningBot, sql: str, *params: object) -> list[dict]:
    assert app.db is not None
    async with app.db.read.execute(sql, params) as cur:
        return [dict(row) for row in await cur.fetchall()]


async def _trip_rows(app: RunningBot) -> list[dict]:
    return await _rows(app, "SELECT * FROM trips ORDER BY id")


def _last_alert(app: RunningBot) -> str:
    answers = app.telegram.calls_of("answerCallbackQuery")
    assert answers, "no callback was answered"
    return str(answers[-1].params.get("text") or "")


async def _programme(app: RunningBot, title: str = "Обмен педагогическим опытом") -> int:
    assert app.db is not None
    async with app.db.transaction() as conn:
        return await app.dp["trips"].repo.save_programme(
            conn,
            programme=NewProgramme(
                direction="education", title=title, description="", audience=("teacher",)
            ),
            actor=None,
        )


async def _trip(
    app: RunningBot,
    *,
    title: str = "Педагоги Минска в Сочи",
    capacity: int = 10,
    status: str = "open",
    needs_approval: bool = False,
    questions: tuple[Question, ...] = (),
) -> int:
    programme_id = await _programme(app, title=f"Программа для «{title}»")
    start = datetime(YEAR, 3, 15, 6, 0, tzinfo=UTC)
    trip = NewTrip(
        programme_id=programme_id,
        title=title,
        from_city_id=MINSK,
        to_city_id=SOCHI,
        starts_at=start,
        ends_at=start + timedelta(days=3),
        registration_deadline=start - timedelta(days=14),
        capacity=capacity,
        needs_approval=needs_approval,
        description="Визит в гимназии Сочи",
        status=status,
        questions=questions,
    )
    assert app.db is not None
    async with app.db.transaction() as conn:
        return await app.dp["trips"].repo.save(conn, trip=trip, actor=None)


async def _people(make_user: Callable[..., TgUser], *ids: int) -> list[TgUser]:
    users = []
    for user_id in ids:
        user = make_user(user_id, first_name=f"Участник{user_id}")
        await onboard(user, name=f"Участник {user_id}", city="Минск")
        users.append(user)
    return users


async def _register(app: RunningBot, trip_id: int, *users: TgUser) -> list[str]:
    statuses = []
    for user in users:
        result = await app.dp["trips"].registration.register(
            trip_id=trip_id, tg_id=user.id, answers={}, now=utc_now()
        )
        statuses.append(result.status.value)
    # Registrations awaiting approval were sent to the organisers: delivered first.
    await app.dp["delivery"].engine.wait_idle(10)
    return statuses


async def _status_of(app: RunningBot, trip_id: int, user: TgUser) -> str:
    rows = await _rows(
        app,
        "SELECT status FROM registrations WHERE trip_id = ? AND tg_id = ? ORDER BY id DESC",
        trip_id,
        user.id,
    )
    return rows[0]["status"]


# The panel


async def test_panel_for_organisers(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/organiser")
    assert "Инструменты организатора" in admin.last_text
    assert "YAML или XLSX" in admin.last_text
    assert admin.labels() == [
        "➕ Новая программа",
        "➕ Новая поездка",
        "📚 Программы",
        "🗂 Все поездки",
        "📣 Рассылки",
        "📡 Телемосты",
        "📊 Отчёт",
        "🎪 Новое мероприятие",
    ]
    # The main menu button opens the same panel.
    await admin.press_data(MenuCb(item=MenuItem.ORGANISER).pack())
    assert "Инструменты организатора" in admin.last_text


async def test_all_trips_lists_drafts_too(app: RunningBot, admin: TgUser) -> None:
    await _trip(app, title="Черновая поездка", status="draft")
    await _trip(app, title="Открытая поездка", status="open")
    await admin.send("/organiser")
    await admin.press("🗂 Все поездки")
    assert "включая черновики: 2" in admin.last_text
    labels = admin.labels()
    assert f"📝 15.03.{YEAR} · Черновая поездка" in labels
    assert f"🟢 15.03.{YEAR} · Открытая поездка" in labels
    # Each item opens the trip's card (the card itself is the members' module).
    _, button = admin.find_button(f"📝 15.03.{YEAR} · Черновая поездка")
    assert TripCb.unpack(button["callback_data"]).action is TripAction.OPEN


async def test_all_trips_pages(app: RunningBot, admin: TgUser) -> None:
    for number in range(10):
        await _trip(app, title=f"Поездка {number:02}")
    await admin.send("/organiser")
    await admin.press("🗂 Все поездки")
    assert "1/2" in admin.labels() and "▶" in admin.labels()
    assert sum(label.endswith(("Поездка 00", "Поездка 07")) for label in admin.labels()) == 2
    await admin.press("▶")
    assert "2/2" in admin.labels()
    assert any(label.endswith("Поездка 09") for label in admin.labels())
    assert not any(label.endswith("Поездка 00") for label in admin.labels())


async def test_the_cards_organiser_buttons_lead_here(app: RunningBot, admin: TgUser) -> None:
    """From the list to the card (the members' module) and on to these tools."""
    await _trip(app, title="Открытая поездка")
    await admin.send("/organiser")
    await admin.press("🗂 Все поездки")
    await admin.press(f"🟢 15.03.{YEAR} · Открытая поездка")
    await admin.press("🚦 Статус")
    assert "Выберите новый статус" in admin.last_text
    await admin.press("← К поездке")
    await admin.press("✏️ Изменить")
    assert "Изменение поездки" in admin.last_text
    await admin.press("Отмена")
    await admin.press("Открыть карточку поездки")
    await admin.press("🔢 Места")
    assert "Сколько мест" in admin.last_text


# The programme form


async def test_create_programme_end_to_end(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая программа")
    assert "К какому направлению" in admin.last_text
    await admin.press("Образование")
    await admin.send("Обмен педагогическим опытом")
    await admin.send("Учителя Сочи и Минска дают открытые уроки & делятся методиками.")
    await admin.press("Педагог")
    assert "✅ Педагог" in admin.labels()
    await admin.press("Молодёжь")
    await admin.press("✅ Молодёжь")  # a second press takes it back
    assert "Молодёжь" in admin.labels()
    await admin.press("Готово")
    preview = admin.last_text
    assert "Проверьте новую программу" in preview
    assert "Направление: Образование" in preview
    assert "Название: Обмен педагогическим опытом" in preview
    assert "Для кого: Педагог" in preview
    assert "открытые уроки & делятся" in preview
    await admin.press("✅ Сохранить")
    assert "создана" in admin.last_text

    rows = await _rows(app, "SELECT * FROM programmes")
    assert len(rows) == 1
    assert rows[0]["direction"] == "education"
    assert rows[0]["title"] == "Обмен педагогическим опытом"
    assert json.loads(rows[0]["audience"]) == ["teacher"]
    assert rows[0]["created_by"] == admin.id


async def test_programme_for_everyone_and_without_description(
    app: RunningBot, admin: TgUser
) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая программа")
    await admin.press("Культура")
    await admin.send("Фестивали")
    await admin.press("Без описания")
    await admin.press("Готово")
    assert "Для кого: для всех" in admin.last_text
    assert "Описание: без описания" in admin.last_text
    await admin.press("✅ Сохранить")
    rows = await _rows(app, "SELECT * FROM programmes")
    assert (rows[0]["audience"], rows[0]["description"]) == ("[]", "")


async def test_edit_programme_keeps_what_is_not_changed(app: RunningBot, admin: TgUser) -> None:
    programme_id = await _programme(app)
    await admin.send("/organiser")
    await admin.press("📚 Программы")
    await admin.press("Образование · Обмен педагогическим опытом")
    assert "Сейчас: Образование" in admin.last_text
    await admin.press("Оставить как есть")
    assert "Сейчас: Обмен педагогическим опытом" in admin.last_text
    await admin.send("Обмен опытом педагогов")
    await admin.press("Без описания")
    assert "✅ Педагог" in admin.labels()  # the audience is pre-filled
    await admin.press("Медицинский работник")
    await admin.press("Готово")
    assert "Проверьте изменения программы" in admin.last_text
    await admin.press("✅ Сохранить")
    rows = await _rows(app, "SELECT * FROM programmes")
    assert len(rows) == 1 and rows[0]["id"] == programme_id
    assert rows[0]["title"] == "Обмен опытом педагогов"
    assert rows[0]["direction"] == "education"
    assert json.loads(rows[0]["audience"]) == ["teacher", "medic"]


async def test_programme_form_wrong_input(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая программа")
    await admin.send("Образование")  # typed, where a button is expected
    assert "выберите вариант кнопкой" in admin.texts()[-2]
    assert "Образование" in admin.labels()
    await admin.press("Образование")
    await admin.send("x" * 151)
    assert "Слишком длинно" in admin.texts()[-2]
    await admin.send("Нормальное название")
    assert "Коротко опишите программу" in admin.last_text


# The trip form


async def _start_trip_form(admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    await admin.press("Образование · Обмен педагогическим опытом")


async def test_create_trip_end_to_end(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _start_trip_form(admin)
    await admin.send("Педагоги Минска в Сочи")
    assert "Откуда" in admin.last_text
    await admin.press("Минск")
    assert "Минск" not in admin.labels()  # the destination cannot be the origin
    await admin.press("Сочи")
    assert "по времени города Минск" in admin.last_text
    await admin.send(f"15.03.{YEAR} 09:00")
    await admin.send(f"18.03.{YEAR}")
    await admin.send(f"01.03.{YEAR}")
    await admin.send("20")
    await admin.press("Нет")
    assert "несовершеннолетние" in admin.last_text
    await admin.press("Да")  # minors: a parent's consent at registration
    assert "Вопросов пока нет" in admin.last_text
    await admin.press("➕ Добавить вопрос")
    await admin.press("Выбор из вариантов")
    await admin.send("Питание")
    await admin.send("Стандартное\nВегетарианское\nБез глютена")
    await admin.press("Да")
    assert "1. Питание — Выбор из вариантов, обязательный" in admin.last_text
    await admin.press("➕ Добавить вопрос")
    await admin.press("Короткий текст")
    await admin.send("Должность")
    await admin.press("Нет")
    assert "2. Должность — Короткий текст, необязательный" in admin.last_text
    await admin.press("Готово")
    await admin.send("Открытые уроки в гимназиях Сочи.")
    await admin.press("Запись открыта")

    preview = admin.last_text
    assert "Проверьте новую поездку" in preview
    for line in (
        "Название: Педагоги Минска в Сочи",
        "Программа: Обмен педагогическим опытом",
        "Маршрут: Минск → Сочи",
        f"Начало: 15.03.{YEAR} 09:00",
        f"Окончание: 18.03.{YEAR} 23:59",
        f"Запись до: 01.03.{YEAR} 23:59",
        "Мест: 20",
        "Одобрение заявок: Нет",
        "Несовершеннолетние: Да",
        "Статус: Запись открыта",
        "варианты: Стандартное, Вегетарианское, Без глютена",
    ):
        assert line in preview, line
    assert not await _trip_rows(app)  # nothing is written before "Сохранить"
    await admin.press("✅ Сохранить")
    assert "Поездка «Педагоги Минска в Сочи» сохранена" in admin.last_text
    assert "Открыть карточку поездки" in admin.labels()

    [trip] = await _trip_rows(app)
    # Typed in Minsk time (UTC+3), stored in UTC.
    assert db_time(trip["starts_at"]) == datetime(YEAR, 3, 15, 6, 0, tzinfo=UTC)
    assert db_time(trip["ends_at"]) == datetime(YEAR, 3, 18, 20, 59, tzinfo=UTC)
    assert db_time(trip["registration_deadline"]) == datetime(YEAR, 3, 1, 20, 59, tzinfo=UTC)
    assert (trip["from_city_id"], trip["to_city_id"]) == (MINSK, SOCHI)
    assert (trip["capacity"], trip["needs_approval"], trip["status"]) == (20, 0, "open")
    assert trip["for_minors"] == 1
    assert trip["description"] == "Открытые уроки в гимназиях Сочи."
    assert trip["created_by"] == admin.id
    questions = await _rows(
        app, "SELECT * FROM trip_questions WHERE trip_id = ? ORDER BY position", trip["id"]
    )
    assert [(q["key"], q["kind"], q["label"], q["required"]) for q in questions] == [
        ("q1", "choice", "Питание", 1),
        ("q2", "short_text", "Должность", 0),
    ]
    assert json.loads(questions[0]["options"]) == ["Стандартное", "Вегетарианское", "Без глютена"]
    organisers = await _rows(
        app, "SELECT tg_id FROM trip_organisers WHERE trip_id = ?", trip["id"]
    )
    assert organisers == [{"tg_id": admin.id}]


async def test_sochi_organiser_types_moscow_time(app: RunningBot, make_user) -> None:
    organiser: TgUser = make_user(1000)  # ADMIN_ID, onboarded in Sochi this time
    await onboard(organiser, city="Сочи")
    await _programme(app)
    await _start_trip_form(organiser)
    await organiser.send("Сочинцы в Минске")
    await organiser.press("Сочи")
    await organiser.press("Минск")
    assert "по времени города Сочи" in organiser.last_text
    await organiser.send(f"15.03.{YEAR} 09:00")
    await organiser.send(f"16.03.{YEAR} 18:00")
    await organiser.send(f"01.03.{YEAR} 12:00")
    await organiser.send("5")
    await organiser.press("Да")
    await organiser.press("Нет")
    await organiser.press("Без вопросов")
    await organiser.press("Без описания")
    await organiser.press("Черновик")
    await organiser.press("✅ Сохранить")
    [trip] = await _trip_rows(app)
    # Moscow is UTC+3 too.
    assert db_time(trip["starts_at"]) == datetime(YEAR, 3, 15, 6, 0, tzinfo=UTC)
    assert db_time(trip["registration_deadline"]) == datetime(YEAR, 3, 1, 9, 0, tzinfo=UTC)
    assert (trip["status"], trip["needs_approval"], trip["description"]) == ("draft", 1, "")


async def _to_dates(admin: TgUser) -> None:
    await _start_trip_form(admin)
    await admin.send("Проверка дат")
    await admin.press("Минск")
    await admin.press("Сочи")


async def test_each_date_error_keeps_the_step(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _to_dates(admin)

    await admin.send("завтра утром")
    assert "Дата не распознана" in admin.texts()[-2]
    await admin.send("01.01.2020 10:00")
    assert "Дата начала уже прошла" in admin.texts()[-2]
    await admin.send(f"15.03.{YEAR} 09:00")
    assert "Когда поездка заканчивается" in admin.last_text

    await admin.send(f"14.03.{YEAR}")
    assert "не может быть раньше даты начала" in admin.texts()[-2]
    await admin.send(f"15.03.{YEAR} 18:00")
    assert "До какого момента открыта запись" in admin.last_text

    await admin.send(f"16.03.{YEAR}")
    assert "Запись должна заканчиваться раньше начала поездки" in admin.texts()[-2]
    await admin.send(f"15.03.{YEAR}")  # the whole start day: still after 09:00
    assert "раньше начала поездки" in admin.texts()[-2]
    await admin.send("01.01.2020")
    assert "Срок записи уже прошёл" in admin.texts()[-2]
    await admin.send(f"15.03.{YEAR} 08:59")
    assert "Сколько мест" in admin.last_text


async def test_each_capacity_error_keeps_the_step(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _to_dates(admin)
    await admin.send(f"15.03.{YEAR} 09:00")
    await admin.send(f"18.03.{YEAR}")
    await admin.send(f"01.03.{YEAR}")
    for wrong in ("0", "10001", "abc", "-5", "2.5"):
        await admin.send(wrong)
        assert "Число мест — целое число от 1 до 10\xa0000" in admin.texts()[-2], wrong
    await admin.send("10000")
    assert "одобрять каждую заявку" in admin.last_text


async def test_question_errors(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _to_dates(admin)
    await admin.send(f"15.03.{YEAR} 09:00")
    await admin.send(f"18.03.{YEAR}")
    await admin.send(f"01.03.{YEAR}")
    await admin.send("3")
    await admin.press("Да")
    await admin.press("Нет")
    await admin.press("➕ Добавить вопрос")
    await admin.press("Выбор из вариантов")
    await admin.send("Размер футболки")
    await admin.send("M")
    assert "Нужно от 2 до 10 вариантов" in admin.texts()[-2]
    await admin.send("M\nm")
    assert "указан дважды" in admin.texts()[-2]
    await admin.send("S\nM\nL")
    assert "обязателен" in admin.last_text
    await admin.press("Нет")
    await admin.press("🗑 1. Размер футболки")
    assert "Вопросов пока нет" in admin.last_text


async def test_same_city_is_refused(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _start_trip_form(admin)
    await admin.send("Никуда")
    await admin.press("Минск")
    await admin.press_data(PickCb(value=str(MINSK)).pack())  # forged: Минск is not offered
    assert "должны различаться" in _last_alert(app)
    assert "Куда едет делегация" in admin.last_text


async def test_back_and_cancel_in_the_middle_write_nothing(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _to_dates(admin)
    await admin.send(f"15.03.{YEAR} 09:00")
    assert "Когда поездка заканчивается" in admin.last_text
    await admin.press("← Назад")
    assert "Когда начинается поездка" in admin.last_text
    assert f"Сейчас: 15.03.{YEAR} 09:00" in admin.last_text
    await admin.press("Оставить как есть")
    assert "Когда поездка заканчивается" in admin.last_text
    await admin.press("← Назад")
    await admin.press("← Назад")
    assert "Куда едет делегация" in admin.last_text
    await admin.press("Отмена")
    assert "ничего не сохранено" in admin.last_text
    await admin.send(f"18.03.{YEAR}")  # no longer an answer to the form
    assert "Когда" not in admin.last_text
    assert not await _trip_rows(app)
    state = await _rows(app, "SELECT state FROM fsm_states WHERE state IS NOT NULL")
    assert state == []


async def test_cancel_at_the_preview_writes_nothing(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _to_dates(admin)
    for text in (f"15.03.{YEAR} 09:00", f"18.03.{YEAR}", f"01.03.{YEAR}", "3"):
        await admin.send(text)
    await admin.press("Нет")
    await admin.press("Нет")
    await admin.press("Без вопросов")
    await admin.press("Без описания")
    await admin.press("Черновик")
    assert "Проверьте новую поездку" in admin.last_text
    await admin.press("Отмена")
    assert not await _trip_rows(app)


async def test_a_field_changed_from_the_preview(app: RunningBot, admin: TgUser) -> None:
    await _programme(app)
    await _to_dates(admin)
    for text in (f"15.03.{YEAR} 09:00", f"18.03.{YEAR}", f"01.03.{YEAR}", "3"):
        await admin.send(text)
    await admin.press("Нет")
    await admin.press("Нет")
    await admin.press("Без вопросов")
    await admin.press("Без описания")
    await admin.press("Черновик")
    # Moving the start after the end: the form asks for a new end before the preview.
    await admin.press("Начало")
    await admin.send(f"20.03.{YEAR} 09:00")
    assert "не может быть раньше даты начала" in admin.last_text
    assert "Когда поездка заканчивается" in admin.last_text
    await admin.send(f"22.03.{YEAR}")
    assert f"Начало: 20.03.{YEAR} 09:00" in admin.last_text
    assert f"Окончание: 22.03.{YEAR} 23:59" in admin.last_text
    await admin.press("✅ Сохранить")
    [trip] = await _trip_rows(app)
    assert db_time(trip["starts_at"]) == datetime(YEAR, 3, 20, 6, 0, tzinfo=UTC)


async def test_no_programmes_yet(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    assert "Сначала создайте программу" in admin.last_text
    assert "➕ Новая программа" in admin.labels()


# Editing a saved trip


async def test_edit_a_field_of_a_saved_trip(app: RunningBot, admin: TgUser) -> None:
    trip_id = await _trip(app, status="draft")
    await admin.press_data(TripCb(action=TripAction.EDIT, id=trip_id).pack())
    assert "Изменение поездки" in admin.last_text
    assert f"Начало: 15.03.{YEAR} 09:00" in admin.last_text  # in the organiser's Minsk time
    assert "Статус" not in admin.labels()  # status has its own button on the card
    await admin.press("Название")
    assert "Сейчас: Педагоги Минска в Сочи" in admin.last_text
    await admin.send("Педагоги Минска в Сочи: весна")
    assert "Название: Педагоги Минска в Сочи: весна" in admin.last_text
    await admin.press("Срок записи")
    await admin.send(f"16.03.{YEAR}")
    assert "раньше начала поездки" in admin.texts()[-2]
    await admin.send(f"10.03.{YEAR} 12:00")
    assert f"Запись до: 10.03.{YEAR} 12:00" in admin.last_text
    before = (await _trip_rows(app))[0]
    assert before["title"] == "Педагоги Минска в Сочи"  # still nothing written
    await admin.press("✅ Сохранить")
    assert "Изменения поездки" in admin.last_text
    [after] = await _trip_rows(app)
    assert after["title"] == "Педагоги Минска в Сочи: весна"
    assert db_time(after["registration_deadline"]) == datetime(YEAR, 3, 10, 9, 0, tzinfo=UTC)
    assert (after["status"], after["capacity"]) == ("draft", 10)  # untouched fields stay


async def test_questions_keep_their_keys_when_edited(app: RunningBot, admin: TgUser) -> None:
    trip_id = await _trip(
        app,
        questions=(
            Question("position", "short_text", "Должность", True),
            Question("q1", "yes_no", "Нужна гостиница?", False),
        ),
    )
    await admin.press_data(TripCb(action=TripAction.EDIT, id=trip_id).pack())
    await admin.press("Вопросы")
    await admin.press("🗑 1. Должность")
    await admin.press("➕ Добавить вопрос")
    await admin.press("Дата")
    await admin.send("Дата рождения")
    await admin.press("Да")
    await admin.press("Готово")
    await admin.press("✅ Сохранить")
    questions = await _rows(
        app, "SELECT key, label FROM trip_questions WHERE trip_id = ? ORDER BY position", trip_id
    )
    assert questions == [
        {"key": "q1", "label": "Нужна гостиница?"},
        {"key": "q2", "label": "Дата рождения"},
    ]


async def test_capacity_raised_promotes_the_waiting_list(
    app: RunningBot, admin: TgUser, make_user
) -> None:
    trip_id = await _trip(app, capacity=1)
    first, second, third = await _people(make_user, 3001, 3002, 3003)
    assert await _register(app, trip_id, first, second, third) == [
        "approved",
        "waitlisted",
        "waitlisted",
    ]
    await admin.press_data(TripCb(action=TripAction.CAPACITY, id=trip_id).pack())
    assert "Сколько мест" in admin.last_text and "Сейчас: 1" in admin.last_text
    await admin.send("2")
    assert "Мест: 2" in admin.last_text
    assert await _status_of(app, trip_id, second) == "waitlisted"  # only after "Сохранить"
    await admin.press("✅ Сохранить")

    assert (await _trip_rows(app))[0]["capacity"] == 2
    assert await _status_of(app, trip_id, second) == "approved"
    assert await _status_of(app, trip_id, third) == "waitlisted"
    assert "освободилось место, и оно ваше" in second.last_text
    assert "освободилось место" not in third.last_text


async def test_capacity_cannot_drop_below_taken_seats(
    app: RunningBot, admin: TgUser, make_user
) -> None:
    trip_id = await _trip(app, capacity=5)
    people = await _people(make_user, 3001, 3002, 3003)
    await _register(app, trip_id, *people)
    await admin.press_data(TripCb(action=TripAction.CAPACITY, id=trip_id).pack())
    await admin.send("2")
    assert "меньше, чем уже занято: 3" in admin.texts()[-2]
    await admin.send("3")
    await admin.press("✅ Сохранить")
    assert (await _trip_rows(app))[0]["capacity"] == 3


async def test_cancelled_trip_cannot_be_edited(app: RunningBot, admin: TgUser) -> None:
    trip_id = await _trip(app, status="cancelled")
    await admin.send("/organiser")
    await admin.press_data(TripCb(action=TripAction.EDIT, id=trip_id).pack())
    assert "изменить нельзя" in _last_alert(app)
    assert "Инструменты организатора" in admin.last_text


# Status


async def test_status_change_with_confirmation(app: RunningBot, admin: TgUser) -> None:
    trip_id = await _trip(app, status="draft")
    await admin.send("/organiser")
    await admin.press_data(TripCb(action=TripAction.STATUS, id=trip_id).pack())
    assert "Сейчас: Черновик" in admin.last_text
    assert "→ Запись открыта" in admin.labels()
    await admin.press("→ Запись открыта")
    assert "из статуса «Черновик» в «Запись открыта»" in admin.last_text
    assert (await _trip_rows(app))[0]["status"] == "draft"  # not before the confirmation
    await admin.press("Да, изменить статус")
    assert "теперь статус «Запись открыта»" in admin.last_text
    assert (await _trip_rows(app))[0]["status"] == "open"

    await admin.press_data(TripCb(action=TripAction.STATUS, id=trip_id).pack())
    assert {"→ Запись закрыта", "→ Завершена"} <= set(admin.labels())
    await admin.press("→ Завершена")
    await admin.press("Да, изменить статус")
    await admin.press_data(TripCb(action=TripAction.STATUS, id=trip_id).pack())
    assert "больше нельзя изменить" in admin.last_text


@pytest.mark.parametrize(
    ("start", "target"),
    [("open", "cancelled"), ("draft", "finished"), ("finished", "open"), ("open", "open")],
)
async def test_status_transitions_are_checked(
    app: RunningBot, admin: TgUser, start: str, target: str
) -> None:
    trip_id = await _trip(app, status=start)
    await admin.send("/organiser")
    await admin.press_data(StatusCb(id=trip_id, status=TripStatus(target), confirm=True).pack())
    assert "перейти нельзя" in _last_alert(app) or "уже этот статус" in _last_alert(app)
    assert (await _trip_rows(app))[0]["status"] == start


# Cancelling a trip


async def test_cancel_trip_tells_everyone_with_the_reason(
    app: RunningBot, admin: TgUser, make_user
) -> None:
    trip_id = await _trip(app, capacity=2, needs_approval=True)
    people = await _people(make_user, 3001, 3002, 3003, 3004)
    assert await _register(app, trip_id, *people) == [
        "pending",
        "pending",
        "waitlisted",
        "waitlisted",
    ]
    gone = people[3]
    registration = await _rows(
        app, "SELECT id FROM registrations WHERE tg_id = ? AND trip_id = ?", gone.id, trip_id
    )
    await app.dp["trips"].registration.cancel(
        registration_id=registration[0]["id"], tg_id=gone.id, now=utc_now()
    )
    # The seat went to the first in line, whose registration the organisers were sent.
    await app.dp["delivery"].engine.wait_idle(10)

    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip_id).pack())
    assert "Напишите причину" in admin.last_text and "3 человека" in admin.last_text
    await admin.send("   ")
    assert "Ответ пустой" in admin.texts()[-2]
    reason = "Закрыт <аэропорт> & перенос рейсов"
    await admin.send(reason)
    assert "Отменить поездку" in admin.last_text and reason in admin.last_text
    assert (await _trip_rows(app))[0]["status"] == "open"  # not before the confirmation
    await admin.press("Да, отменить поездку")

    [trip] = await _trip_rows(app)
    assert (trip["status"], trip["cancel_reason"]) == ("cancelled", reason)
    for person in people[:3]:
        assert "отменена" in person.last_text
        assert reason in person.last_text  # escaped on the way, shown as typed
    assert "отменена" not in gone.last_text
    assert "участникам: 3 из 3" in admin.last_text


async def test_cancel_trip_back_and_cancel(app: RunningBot, admin: TgUser, member: TgUser) -> None:
    trip_id = await _trip(app)
    await _register(app, trip_id, member)
    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip_id).pack())
    await admin.send("Причина")
    await admin.press("← Назад")
    assert "Напишите причину" in admin.last_text
    await admin.press("Отмена")
    assert "не отменена" in admin.last_text
    await admin.send("Ещё одна причина")  # no longer in the form
    assert (await _trip_rows(app))[0]["status"] == "open"
    assert not any("отменена" in text for text in member.texts())


async def test_cancelled_trip_cannot_be_cancelled_again(app: RunningBot, admin: TgUser) -> None:
    trip_id = await _trip(app, status="cancelled")
    await admin.send("/organiser")
    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip_id).pack())
    assert "уже нельзя отменить" in _last_alert(app)


# Members are refused, and nothing changes


async def test_member_cannot_open_the_panel(app: RunningBot, member: TgUser) -> None:
    await member.send("/organiser")
    assert "только организаторам" in member.last_text
    for data in (
        MenuCb(item=MenuItem.ORGANISER),
        PanelCb(action=PanelAction.NEW_TRIP),
        PanelCb(action=PanelAction.TRIPS),
        FormCb(action=FormAction.SAVE),
    ):
        await member.press_data(data.pack())
        assert "только организаторам" in _last_alert(app), data


@pytest.mark.parametrize("action", [TripAction.EDIT, TripAction.STATUS, TripAction.CAPACITY])
async def test_member_forging_trip_buttons_is_refused(
    app: RunningBot, member: TgUser, action: TripAction
) -> None:
    trip_id = await _trip(app)
    before = await _trip_rows(app)
    await member.press_data(TripCb(action=action, id=trip_id).pack())
    assert "только организаторам" in _last_alert(app)
    await member.send("1")
    assert await _trip_rows(app) == before


async def test_member_forging_cancel_and_status_changes_nothing(
    app: RunningBot, member: TgUser, make_user
) -> None:
    trip_id = await _trip(app)
    [other] = await _people(make_user, 3001)
    await _register(app, trip_id, other)
    before = await _trip_rows(app)
    await member.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip_id).pack())
    assert "только организаторам" in _last_alert(app)
    await member.send("Хочу отменить")
    await member.press_data(FormCb(action=FormAction.CONFIRM).pack())
    assert "только организаторам" in _last_alert(app)
    closed = StatusCb(id=trip_id, status=TripStatus.CLOSED, confirm=True)
    await member.press_data(closed.pack())
    assert "только организаторам" in _last_alert(app)
    assert await _trip_rows(app) == before
    assert not any("отменена" in text for text in other.texts())


async def test_rights_taken_away_mid_form(app: RunningBot, admin: TgUser, make_user) -> None:
    organiser: TgUser = make_user(3100)
    await onboard(organiser, city="Минск")
    await admin.send(f"/grant {organiser.id}")
    await _programme(app)
    await _start_trip_form(organiser)
    await organiser.send("Поездка")
    await admin.send(f"/revoke {organiser.id}")
    await organiser.press("Минск")
    assert "только организаторам" in _last_alert(app)
    await organiser.send("15.03.2030")
    assert "только организаторам" in organiser.last_text
    assert not await _trip_rows(app)


async def test_the_service_checks_access_itself(app: RunningBot) -> None:
    trip_id = await _trip(app)
    service = TripAdminService(
        app.db,
        app.dp["trips"].repo,
        app.dp["trips"].registrations,
        app.dp["trips"].registration,
        app.dp["cities"],
        app.dp["trips"].notices,
    )
    programme = NewProgramme(direction="sport", title="Турниры", description="", audience=())
    with pytest.raises(UserError) as refused:
        await service.save_programme(actor_id=1, actor_access=Access.MEMBER, programme=programme)
    assert refused.value.key == "error-organisers-only"
    with pytest.raises(UserError):
        await service.cancel_trip(actor_access=Access.MEMBER, trip_id=trip_id, reason="Нет")
    with pytest.raises(UserError):
        await service.change_status(
            actor_access=None, trip_id=trip_id, status="closed", now=utc_now()
        )
    assert (await _trip_rows(app))[0]["status"] == "open"
    assert len(await _rows(app, "SELECT * FROM programmes")) == 1


# Rules and texts


def test_question_keys_are_never_reused() -> None:
    assert next_question_key([]) == "q1"
    assert next_question_key(["q1", "q3"]) == "q4"
    assert next_question_key(["position", "diet"]) == "q1"


def test_options_are_one_per_line_or_semicolon() -> None:
    assert parse_options("Да; Нет ;\n Не знаю\n\n") == ("Да", "Нет", "Не знаю")
    with pytest.raises(UserError) as error:
        parse_options("x" * 61 + "\nОк")
    assert error.value.key == "error-text-too-long"


def test_every_built_key_exists_in_both_languages() -> None:
    keys = {f"direction-{d.value}" for d in Direction}  # the members' texts, shared
    keys |= {f"org-status-{s.value}" for s in TripStatus}
    keys |= {f"org-status-mark-{s.value}" for s in TripStatus}
    keys |= {f"org-status-hint-{s.value}" for s in TripStatus}
    keys |= {f"org-kind-{k.value}" for k in QuestionKind}
    keys |= {f"org-field-{f.value}" for f in TripField}
    keys |= {step_key(step) for step in (*TRIP_STEPS, *QUESTION_STEPS)}
    for language in LANGUAGES:
        missing = keys - load_message_ids(language)
        assert not missing, f"{language}: {sorted(missing)}"
