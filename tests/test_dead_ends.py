"""No dead ends: after each flow a person starts, the last message the bot sent or edited
in their chat offers a way on (the next step, back, or the menu), so nobody has to know to
type /start. One flow a test, each ending with `assert_way_on`.

The same is checked after every update of every test by `no_dead_ends` in conftest.py, so
the whole suite is the sweep; the flows here make sure each flow is walked to its end at
least once, with the deep-link kinds enumerated from the code."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

from handlers import get_deep_links
from handlers.events.callbacks import EventAction, EventCb
from handlers.telebridges.callbacks import TbAction, TbCb
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import utc_now
from storage.trips import Question
from tests import conftest
from tests.conftest import ADMIN_ID, RunningBot, TgUser, has_way_on, last_touched, onboard
from tests.event_seed import add_event
from tests.import_data import good_file, seed, send_file
from tests.roadmap_seed import item_yaml, roadmap_yaml
from tests.telebridge_steps import coordinator, press_starting, propose, sochi_time
from tests.test_broadcast import wait_finished
from tests.trip_seed import add_programme, add_trip


def assert_way_on(user: TgUser) -> None:
    message = last_touched(user.telegram, user.id, user.telegram.calls)
    assert message is not None, f"the bot said nothing in chat {user.id}"
    assert has_way_on(message), f"a dead end: {message.plain_text()!r}"


async def _trip(app: RunningBot, *questions: Question) -> int:
    assert app.db is not None
    programme = await add_programme(app.db)
    return await add_trip(app.db, programme_id=programme, questions=questions)


YEAR = utc_now().year + 2
QUESTION = Question("position", "short_text", "Ваша должность", True)


async def _register(app: RunningBot, member: TgUser) -> int:
    trip = await _trip(app)
    await member.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await member.press("✍️ Записаться")
    await member.press("✅ Подтвердить")
    return trip


async def flow_onboarding(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user, name="Пётр Новиков")
    return user


async def flow_profile(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await user.send("/profile")
    await user.press("Имя")
    await user.send("Пётр Новиков")
    return user


async def flow_language(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await user.send("/language")
    await user.press("Беларуская")
    return user


async def flow_trip_card(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await _trip(app)
    await user.send("/trips")
    await user.press(next(label for label in user.labels() if "Педагоги" in label))
    return user


async def flow_registration(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await _register(app, user)
    assert "Вы записаны" in user.last_text
    return user


async def flow_registration_back(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    trip = await _trip(app, QUESTION)
    await user.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await user.press("✍️ Записаться")
    await user.press("← Назад")
    return user


async def flow_registration_cancel(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    trip = await _trip(app, QUESTION)
    await user.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await user.press("✍️ Записаться")
    await user.press("Отмена")
    return user


async def flow_my_trips(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await _register(app, user)
    await user.send("/mytrips")
    await user.press(next(label for label in user.labels() if "Педагоги" in label))
    assert "🎫 Мои поездки" in user.labels()  # back to the list
    return user


async def flow_leave(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await flow_my_trips(app, user, admin)
    await user.press("Отменить участие")
    await user.press("Да, отменить участие")
    return user


async def flow_events(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    assert app.db is not None
    await add_event(app.db, title="Форум молодёжи")
    await user.send("/events")
    await user.press(next(label for label in user.labels() if "Форум" in label))
    await user.press("🔔 Напомнить мне")
    await user.send("/myevents")
    return user


def _typed(command: str, *, staff: bool = False) -> Callable[..., Awaitable[TgUser]]:
    async def flow(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
        if staff:
            await admin.send(command)
            return admin
        await onboard(user)
        await user.send(command)
        return user

    return flow


async def flow_trip_form_cancelled(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    assert app.db is not None
    await add_programme(app.db)
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    await admin.press("Отмена")
    return admin


async def flow_event_form_cancelled(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await admin.press("Отмена")
    return admin


async def flow_import(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await send_file(admin, "plan.yaml", good_file().encode())
    return admin


async def flow_forget(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await user.send("/forget")
    await user.press("🗑 Да, удалить мои данные")
    return user


async def flow_forget_and_start_again(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await flow_forget(app, user, admin)
    await user.press("🔄 Начать заново")
    assert {"Русский", "Беларуская"} <= set(user.labels())  # onboarding, from the start
    return user


async def flow_main_menu(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await flow_registration(app, user, admin)
    result = user.telegram.last_message(user.id)
    await user.press("☰ Главное меню")
    assert "🎫 Мои поездки" in user.labels()  # the menu, as a new message
    assert user.telegram.message(user.id, result.message_id).plain_text() == result.plain_text()
    return user


async def flow_onboarding_cancelled(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await user.send("/start")
    await user.press("Отмена")
    await user.press("🔄 Начать заново")
    await user.press("Русский")
    await user.press("Отмена")
    return user


async def flow_telebridge_proposed(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    await coordinator(make_user, 4201, school="Средняя школа № 5", city="Минск")
    sochi = await coordinator(make_user, 4202, school="Гимназия № 1", city="Сочи")
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    return sochi


async def flow_report(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await admin.send("/report")
    await admin.press(admin.labels()[0])
    if "Все города" in admin.labels():
        await admin.press("Все города")
    return admin


async def flow_event_calendar(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    assert app.db is not None
    await add_event(app.db, title="Форум молодёжи")
    await user.send("/events")
    await user.press(next(label for label in user.labels() if "Форум" in label))
    await user.press(next(label for label in user.labels() if "календар" in label))
    assert user.telegram.last_message(user.id).document is not None
    return user


async def flow_trip_calendar(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await flow_trip_card(app, user, admin)
    await user.press(next(label for label in user.labels() if "календар" in label))
    assert user.telegram.last_message(user.id).document is not None
    return user


def _deep_link(payload: str) -> Callable[..., Awaitable[TgUser]]:
    async def flow(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
        await onboard(user)
        await user.send(f"/start {payload}")
        return user

    return flow


async def flow_import_refused(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await send_file(admin, "plan.txt", b"not a table")  # a format the import does not read
    return admin


async def flow_import_not_utf8(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await send_file(admin, "plan.yaml", "программы: []".encode("cp1251"))
    return admin


async def flow_import_by_member(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await send_file(user, "plan.yaml", good_file().encode())
    return user


async def flow_telebridge_form_cancelled(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    await coordinator(make_user, 4203, school="Средняя школа № 7", city="Минск")
    sochi = await coordinator(make_user, 4204, school="Гимназия № 2", city="Сочи")
    await sochi.send("/school")
    await sochi.press(next(label for label in sochi.labels() if "Новый телемост" in label))
    await sochi.press(next(label for label in sochi.labels() if "Отмена" in label))
    assert "ничего не отправлено" in sochi.last_text
    return sochi


async def flow_cancel_in_form(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await user.send("/profile")
    await user.press("Имя")
    await user.send("/cancel")
    return user


async def flow_trip_saved(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    assert app.db is not None
    await add_programme(app.db)
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    await admin.press("Образование · Обмен педагогическим опытом")
    await admin.send("Педагоги Минска в Сочи")
    await admin.press("Минск")
    await admin.press("Сочи")
    await admin.send(f"15.03.{YEAR} 09:00")
    await admin.send(f"18.03.{YEAR}")
    await admin.send(f"01.03.{YEAR}")
    await admin.send("20")
    await admin.press("Нет")
    await admin.press("Нет")
    await admin.press("Без вопросов")
    await admin.send("Открытые уроки в гимназиях Сочи.")
    await admin.press("Запись открыта")
    await admin.press("✅ Сохранить")
    assert "сохранена" in admin.last_text
    return admin


async def flow_event_saved(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await admin.press("Форум")
    await admin.send("Минский молодёжный форум")
    await admin.press("Минск")
    await admin.send("Дворец молодёжи")
    await admin.send(f"15.03.{YEAR} 10:00")
    await admin.send(f"17.03.{YEAR} 18:00")
    await admin.press("Без описания")
    await admin.press("Ни к какой")
    await admin.press("✅ Сохранить")
    assert "создано" in admin.last_text
    return admin


async def flow_broadcast_sent(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)  # in Sochi
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Городу")
    await admin.press("Сочи")
    await admin.send("Фестиваль белорусской культуры в Сочи")
    await admin.press("📤 Отправить")
    await wait_finished(app, 1)
    assert "Рассылка №1 завершена" in admin.last_text  # the report is the last message
    return admin


async def _roadmap_item(app: RunningBot, admin: TgUser) -> None:
    """An organiser opens item 3 of the roadmap from /roadmap."""
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3, title="Обмен педагогами")))
    await admin.send("/roadmap")
    await admin.press("Образование · 0/1")
    await admin.press("🗓 3. Обмен педагогами")


async def flow_roadmap_status(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await _roadmap_item(app, admin)
    await admin.press("🔄 Статус")
    await admin.press("✅ Выполнен")
    await admin.press("Да, изменить статус")
    assert "Статус: ✅ Выполнен" in admin.last_text
    return admin


async def flow_roadmap_notes(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await _roadmap_item(app, admin)
    await admin.press("📝 Заметки")
    await admin.send("Согласованы даты поездки")
    assert "Заметки: Согласованы даты поездки" in admin.last_text
    return admin


async def flow_profile_city(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await user.send("/profile")
    await user.press("Город")
    await user.press("Минск")
    assert "Город: Минск" in user.last_text
    return user


async def flow_profile_role(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await onboard(user)
    await user.send("/profile")
    await user.press("Сфера")
    await user.press("Молодёжь")
    assert "Сфера: Молодёжь" in user.last_text
    return user


async def _applied(app: RunningBot, user: TgUser) -> None:
    """The member asks to join a trip whose organiser (the admin) approves requests."""
    assert app.db is not None
    await onboard(user)
    programme = await add_programme(app.db, audience=())
    trip = await add_trip(
        app.db, programme_id=programme, needs_approval=True, organisers=(ADMIN_ID,)
    )
    await user.press_data(TripCb(action=TripAction.REGISTER, id=trip).pack())
    await user.press("✅ Подтвердить")
    assert "Организатор рассмотрит" in user.last_text
    assert_way_on(user)


async def flow_registration_approved(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await _applied(app, user)
    await admin.press("✅ Одобрить")
    assert "одобрена" in user.last_text
    assert_way_on(user)  # the member told, with a way to the trip
    return admin


async def flow_registration_rejected(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await _applied(app, user)
    await admin.press("❌ Отклонить")
    await admin.send("Нет мест в гостинице")
    assert "Причина: Нет мест в гостинице" in user.last_text
    assert_way_on(user)
    return admin


async def flow_report_typed_dates(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await admin.send("/report")
    await admin.press("Другие даты")
    await admin.send(f"01.01.{YEAR - 2} 31.03.{YEAR - 2}")
    if "Все города" in admin.labels():
        await admin.press("Все города")
    assert "отчёт" in admin.last_text.lower()
    return admin


def _school_join(decision: str) -> Callable[..., Awaitable[TgUser]]:
    async def flow(
        app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
    ) -> TgUser:
        return await _colleague_asks(make_user, decision)

    return flow


async def _colleague_asks(make_user: Callable[..., TgUser], decision: str) -> TgUser:
    first = await coordinator(make_user, 4201, school="Гимназия № 1", city="Сочи")
    colleague = make_user(4203, first_name="Коллега")
    await onboard(colleague, name="Ирина Коллегова", city="Сочи", role="Педагог")
    await colleague.send("/school")
    await colleague.press("🤝 Присоединиться к учреждению")
    await press_starting(colleague, "🏫 Гимназия № 1")
    await colleague.press("🤝 Стать координатором этого учреждения")
    assert "ждёт подтверждения" in colleague.last_text
    assert_way_on(colleague)
    await first.press(decision)
    assert "«Гимназия № 1»" in colleague.last_text
    assert_way_on(colleague)  # the colleague, told of the decision
    return first


async def _proposed(make_user: Callable[..., TgUser]) -> tuple[TgUser, TgUser]:
    """A Sochi school proposes a telebridge to a Minsk one: (proposer, partner)."""
    minsk = await coordinator(make_user, 4201, school="Средняя школа № 5", city="Минск")
    sochi = await coordinator(make_user, 4202, school="Гимназия № 1", city="Сочи")
    when, _ = sochi_time()
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    return sochi, minsk


async def flow_telebridge_accepted(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    sochi, minsk = await _proposed(make_user)
    await minsk.press("✅ Принять")
    assert any("Телемост подтверждён" in text for text in sochi.texts()[-3:])
    assert_way_on(sochi)  # the proposer, told of the agreement
    return minsk


async def flow_telebridge_declined(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    sochi, minsk = await _proposed(make_user)
    await minsk.press("❌ Отклонить")
    await minsk.send("В этот день у нас экзамены")
    assert "Причина: В этот день у нас экзамены" in sochi.last_text
    assert_way_on(sochi)
    return minsk


async def flow_telebridge_gone_while_giving_a_reason(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    """The partner starts declining; meanwhile the proposer cancels; then the reason."""
    sochi, minsk = await _proposed(make_user)
    await minsk.press("❌ Отклонить")
    assert app.db is not None
    async with app.db.read.execute("SELECT MAX(id) FROM telebridges") as cur:
        telebridge = (await cur.fetchone())[0]  # type: ignore[index]
    await sochi.press_data(TbCb(action=TbAction.CANCEL, id=telebridge).pack())
    await sochi.press("Без причины")
    await minsk.send("В этот день у нас экзамены")
    assert "отменён" in minsk.last_text
    return minsk


async def flow_telebridge_refused_at_sending(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    """A new proposal at its preview; meanwhile its author stopped being the school's
    coordinator (with an older /school message's buttons); then "Отправить"."""
    await coordinator(make_user, 4201, school="Средняя школа № 5", city="Минск")
    sochi = await coordinator(make_user, 4202, school="Гимназия № 1", city="Сочи")
    await sochi.send("/school")
    await sochi.press("📡 Новый телемост")
    await press_starting(sochi, "🏫 Средняя школа № 5")
    await sochi.send("Мой город — город-побратим")
    await sochi.press("1–4 классы")
    await sochi.send(sochi_time()[0])
    await sochi.press("45 мин")
    await sochi.press("Ссылку добавлю позже")
    await sochi.press("Без комментария")
    await sochi.press("Перестать быть координатором")
    await sochi.press("Да, перестать быть координатором")
    await sochi.press("✅ Отправить предложение")
    assert "Сначала зарегистрируйте своё учреждение" in sochi.last_text
    return sochi


async def flow_school_link(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    sochi = await coordinator(make_user, 4202, school="Гимназия № 1", city="Сочи")
    await sochi.send("/school")
    await sochi.press("🔗 Ссылка на учреждение")
    assert "?start=school_" in sochi.last_text
    return sochi


async def flow_event_link(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    assert app.db is not None
    event = await add_event(app.db, title="Форум молодёжи")
    await admin.press_data(EventCb(action=EventAction.DETAILS, id=event).pack())
    await admin.press("🔗 Поделиться")
    assert "?start=event_" in admin.last_text
    return admin


async def flow_broadcast_shown_again(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await flow_broadcast_sent(app, user, admin)
    await admin.send("/broadcast")
    await admin.press(next(label for label in admin.labels() if "История" in label))
    await admin.press(next(label for label in admin.labels() if "№1" in label))
    await admin.press("👁 Показать сообщение")
    assert "так, как её получили люди" in admin.last_text
    return admin


async def flow_newcomer_error_then_menu(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    """Someone not yet acquainted meets the generic error: its button leads to getting
    acquainted (the menu would have nothing for them)."""
    app.telegram.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    await user.send("/help")
    assert "Что-то пошло не так" in user.last_text
    await user.press("👋 Познакомиться")
    assert "Выберите язык" in user.last_text
    return user


async def flow_waiting_list_promoted(
    app: RunningBot, user: TgUser, admin: TgUser, make_user: Callable[..., TgUser]
) -> TgUser:
    """Someone leaves a full trip: the first person waiting is told the seat is theirs."""
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip = await add_trip(app.db, programme_id=programme, capacity=1)
    first = make_user(4205)
    for person in (first, user):
        await onboard(person)
        await person.press_data(TripCb(action=TripAction.REGISTER, id=trip).pack())
        await person.press("✅ Подтвердить")
    await first.send("/mytrips")
    await first.press(first.labels()[0])
    await first.press("Отменить участие")
    await first.press("Да, отменить участие")
    assert_way_on(first)
    assert "оно ваше" in user.last_text
    return user


async def flow_rights_granted(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    """An admin grants a person the organiser's rights: the person is told, with a way on."""
    await onboard(user)
    await admin.send(f"/grant {user.id}")
    assert_way_on(admin)
    await app.dp["delivery"].engine.wait_idle(5)
    assert "права организатора" in user.last_text
    await user.press("🛠 Организатору")  # the way on leads to the organiser's panel
    return user


async def flow_rights_revoked(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    await flow_rights_granted(app, user, admin)
    await admin.send(f"/revoke {user.id}")
    await app.dp["delivery"].engine.wait_idle(5)
    assert "права организатора сняты" in user.last_text
    return user


async def flow_invite_used(app: RunningBot, user: TgUser, admin: TgUser) -> TgUser:
    """A newcomer joins through an admin's invite: both are left with a way on."""
    await admin.send("/invite")
    match = re.search(r"start=(invite_[A-Za-z0-9_-]+)", admin.last_text)
    assert match, admin.last_text
    await onboard(user, start=f"/start {match[1]}")
    assert_way_on(user)
    assert "принял ваше приглашение" in admin.last_text
    return admin


FLOWS: dict[str, Callable[..., Awaitable[TgUser]]] = {
    "onboarding": flow_onboarding,
    "onboarding cancelled": flow_onboarding_cancelled,
    "telebridge proposed": flow_telebridge_proposed,
    "report made": flow_report,
    "profile": flow_profile,
    "language": flow_language,
    "trip card": flow_trip_card,
    "registration": flow_registration,
    "registration back": flow_registration_back,
    "registration cancel": flow_registration_cancel,
    "my trips": flow_my_trips,
    "leave a trip": flow_leave,
    "events": flow_events,
    "help": _typed("/help"),
    "school": _typed("/school"),
    "telebridges": _typed("/telebridges"),
    "roadmap": _typed("/roadmap"),
    "mydata": _typed("/mydata"),
    "cancel": flow_cancel_in_form,
    "forget": flow_forget,
    "forget, then start again": flow_forget_and_start_again,
    "main menu": flow_main_menu,
    "organiser": _typed("/organiser", staff=True),
    "broadcast": _typed("/broadcast", staff=True),
    "report": _typed("/report", staff=True),
    "audit": _typed("/audit", staff=True),
    "invite": _typed("/invite", staff=True),
    "grant": _typed("/grant 4242", staff=True),
    "rights granted": flow_rights_granted,
    "rights revoked": flow_rights_revoked,
    "invite used": flow_invite_used,
    "trip form cancelled": flow_trip_form_cancelled,
    "event form cancelled": flow_event_form_cancelled,
    "import": flow_import,
    "import refused: unknown format": flow_import_refused,
    "import refused: not UTF-8": flow_import_not_utf8,
    "import by a member": flow_import_by_member,
    "telebridge form cancelled": flow_telebridge_form_cancelled,
    "audit help": _typed("/audit help", staff=True),
    "audit with a mistake": _typed("/audit от:вчера-завтра", staff=True),
    "audit by a member": _typed("/audit"),
    "organiser panel by a member": _typed("/organiser"),
    "my trips, none yet": _typed("/mytrips"),
    "trip saved": flow_trip_saved,
    "event saved": flow_event_saved,
    "broadcast sent": flow_broadcast_sent,
    "roadmap status changed": flow_roadmap_status,
    "roadmap notes edited": flow_roadmap_notes,
    "profile city": flow_profile_city,
    "profile role": flow_profile_role,
    "registration approved": flow_registration_approved,
    "registration rejected": flow_registration_rejected,
    "waiting list promoted": flow_waiting_list_promoted,
    "report of typed dates": flow_report_typed_dates,
    "school: a colleague's request accepted": _school_join("✅ Принять"),
    "school: a colleague's request declined": _school_join("❌ Отказать"),
    "telebridge accepted": flow_telebridge_accepted,
    "telebridge declined": flow_telebridge_declined,
    "event calendar file": flow_event_calendar,
    "event link": flow_event_link,
    "school link": flow_school_link,
    "broadcast shown again": flow_broadcast_shown_again,
    "telebridge gone while giving a reason": flow_telebridge_gone_while_giving_a_reason,
    "telebridge refused at sending": flow_telebridge_refused_at_sending,
    "newcomer: the generic error": flow_newcomer_error_then_menu,
    "trip calendar file": flow_trip_calendar,
    "deep link of no known kind": _deep_link("nosuch_1"),
    # Every kind the bot registers, pointing at nothing (enumerated from the code).
    **{
        f"deep link {kind} not found": _deep_link(f"{kind}_{2**63 - 1}")
        for kind in get_deep_links()
    },
}


@pytest.mark.parametrize("name", FLOWS)
async def test_every_flow_ends_with_a_way_on(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, name: str
) -> None:
    flow = FLOWS[name]
    if "make_user" in flow.__code__.co_varnames:
        user = await flow(app, make_user(4100), admin, make_user)
    else:
        user = await flow(app, make_user(4100), admin)
    assert_way_on(user)


async def test_the_check_after_every_update_finds_a_dead_end(
    app: RunningBot, member: TgUser
) -> None:
    """The check conftest runs after every update: a reply with no button is reported
    (and one with a button is not)."""
    mark = len(app.telegram.calls)
    await app.bot.send_message(member.id, "Тупик")
    update = member.updates.message("что-то")
    conftest._check_way_on(app.telegram, (update,), app.telegram.calls[mark:])
    found, conftest._DEAD_ENDS[:] = list(conftest._DEAD_ENDS), []
    assert found == ["'что-то' → 'Тупик'"]
    await member.send("/help")
    assert conftest._DEAD_ENDS == []
