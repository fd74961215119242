"""A wrong answer in any form is explained, and the same question is asked again with its
buttons: a sticker, an empty text, a date that is not in the calendar, text where a button
is expected. One test per form; each checks the same thing through `asked_again`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb
from storage.db import utc_now
from storage.trips import Question
from tests.conftest import RunningBot, TgUser, onboard
from tests.fake_telegram import ApiCall
from tests.import_data import seed
from tests.roadmap_seed import item_yaml, roadmap_yaml
from tests.telebridge_steps import coordinator, press_starting
from tests.trip_seed import add_programme, add_trip

YEAR = utc_now().year + 2


async def asked_again(
    user: TgUser, wrong: Callable[[], Awaitable[list[ApiCall]]], explanation: str
) -> None:
    """The question the person is on; the wrong answer; then the explanation, and the same
    question (text and buttons) as the last message of the chat."""
    question = user.telegram.last_message(user.id)
    text, buttons = question.plain_text(), [b["text"] for b in question.buttons()]
    assert buttons, f"the question has no buttons: {text!r}"
    calls = await wrong()
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) >= 2, [c.params.get("text") for c in sent]
    assert explanation in user.texts()[-2], user.texts()[-2]
    again = user.telegram.last_message(user.id)
    assert again.message_id != question.message_id  # sent anew, below the explanation
    assert (again.plain_text(), [b["text"] for b in again.buttons()]) == (text, buttons)


def sticker(user: TgUser) -> Callable[[], Awaitable[list[ApiCall]]]:
    return lambda: user.app.process(user.updates.sticker())


def typed(user: TgUser, text: str) -> Callable[[], Awaitable[list[ApiCall]]]:
    return lambda: user.send(text)


async def test_onboarding(make_user: Callable[..., TgUser]) -> None:
    user = make_user(701)
    await user.send("/start")
    await user.press("Русский")  # a choice typed instead: asked again
    await asked_again(user, typed(user, "Не согласен"), "кнопк")
    await user.press("Согласен")
    await asked_again(user, sticker(user), "текстом")
    await asked_again(user, typed(user, "   "), "Ответ пустой")
    await user.send("Анна Смирнова")
    await user.press("Сочи")
    await user.press("Педагог")
    await asked_again(user, sticker(user), "текстом")


async def test_profile(member: TgUser) -> None:
    await member.send("/profile")
    await member.press("Имя")
    await asked_again(member, sticker(member), "текстом")
    await member.send("/profile")
    await member.press("Организация")
    await asked_again(member, typed(member, "   "), "Ответ пустой")


async def test_registration(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db)
    questions = (
        Question("position", "short_text", "Ваша должность", True),
        Question("passport", "date", "Паспорт действителен до", True),
        Question("hotel", "yes_no", "Нужна гостиница?", True),
    )
    trip = await add_trip(app.db, programme_id=programme, questions=questions)
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await member.press("✍️ Записаться")
    await asked_again(member, sticker(member), "текстом")
    await member.send("Учитель")
    await asked_again(member, typed(member, f"31.02.{YEAR}"), "Дата не распознана")
    await member.send(f"01.09.{YEAR}")
    await asked_again(member, typed(member, "Да"), "кнопк")
    await member.press("Да")
    assert "Проверьте заявку" in member.last_text
    await asked_again(member, typed(member, "Подтверждаю"), "кнопк")
    await member.press("✏️ Изменить ответ")
    await asked_again(member, sticker(member), "кнопк")


async def _trip_form(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await add_programme(app.db)
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    await admin.press("Образование · Обмен педагогическим опытом")


async def test_trip_form(app: RunningBot, admin: TgUser) -> None:
    await _trip_form(app, admin)
    await asked_again(admin, sticker(admin), "текстом")
    await admin.send("Педагоги в Минске")
    await asked_again(admin, typed(admin, "Минск"), "кнопк")
    await admin.press("Сочи")
    await admin.press("Минск")
    await asked_again(admin, typed(admin, f"31.02.{YEAR} 10:00"), "Дата не распознана")
    await asked_again(admin, typed(admin, "   "), "")


async def test_programme_form(admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая программа")
    await admin.press("Образование")
    await asked_again(admin, sticker(admin), "текстом")


async def test_event_form(admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await admin.press("Форум")
    await asked_again(admin, sticker(admin), "текстом")
    await admin.send("Минский молодёжный форум")
    await admin.press("Минск")
    await admin.send("Дворец молодёжи")
    await asked_again(admin, typed(admin, f"31.02.{YEAR} 10:00"), "Дата не распознана")


async def test_school_and_telebridge_forms(make_user: Callable[..., TgUser]) -> None:
    await coordinator(make_user, 801, school="Средняя школа № 5", city="Минск")
    user = make_user(802, first_name="Педагог802")
    await onboard(user, name="Педагог 802", city="Сочи", role="Педагог")
    await user.send("/school")
    await user.press("➕ Зарегистрировать учреждение")
    await asked_again(user, typed(user, "Школа"), "кнопк")
    await user.press("Школа")
    await asked_again(user, sticker(user), "текстом")
    await user.send("Гимназия № 1")
    await user.press("Сочи")
    await user.press("Без адреса")
    await user.press("▫️ 1–4 классы")
    await user.press("Готово")
    await user.press("✅ Зарегистрировать")

    await user.send("/school")
    await user.press("📡 Новый телемост")
    await press_starting(user, "🏫 Средняя школа № 5")
    await asked_again(user, sticker(user), "текстом")
    await user.send("Мой город — город-побратим")
    await user.press("1–4 классы")
    await asked_again(user, typed(user, f"31.02.{YEAR} 10:00"), "Дата не распознана")


async def test_broadcast(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await asked_again(admin, typed(admin, "Всем"), "кнопк")
    await admin.press("Всем участникам")
    await asked_again(admin, sticker(admin), "текст, фото или документ")
    await admin.send("Сбор в 10:00")
    await asked_again(admin, typed(admin, "Отправить"), "кнопк")
    await admin.press("🕒 Запланировать")
    await asked_again(admin, typed(admin, f"31.02.{YEAR} 10:00"), "Дата не распознана")
    await asked_again(admin, sticker(admin), "кнопк")


async def test_roadmap_notes(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3, title="Обмен педагогами")))
    await admin.send("/roadmap")
    await admin.press("Образование · 0/1")
    await admin.press("🗓 3. Обмен педагогами")
    await admin.press("📝 Заметки")
    await asked_again(admin, sticker(admin), "текстом")


async def test_report_dates(admin: TgUser) -> None:
    await admin.send("/organiser")
    await admin.press("📊 Отчёт")
    await admin.press("Другие даты")
    await asked_again(admin, typed(admin, "31.02.2027 01.03.2027"), "нет в календаре")
    await asked_again(admin, sticker(admin), "")


async def test_reasons_asked_of_organisers(app: RunningBot, admin: TgUser, member: TgUser) -> None:
    """The reason for a rejection and for a trip's cancellation."""
    assert app.db is not None
    programme = await add_programme(app.db)
    trip = await add_trip(app.db, programme_id=programme, needs_approval=True)
    registered = await app.dp["trips"].registration.register(
        trip_id=trip, tg_id=member.id, answers={}, now=utc_now()
    )
    # The organisers were sent the registration with it: delivered before going on.
    await app.dp["delivery"].engine.wait_idle(10)
    await admin.press_data(RegCb(action=RegAction.REJECT, id=registered.registration_id).pack())
    await asked_again(admin, sticker(admin), "текстом")
    await admin.press("Отмена")
    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip).pack())
    await asked_again(admin, sticker(admin), "текстом")
    await asked_again(admin, typed(admin, "   "), "Ответ пустой")
    await admin.send("Перенос")
    await asked_again(admin, typed(admin, "да"), "кнопк")
