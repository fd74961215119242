"""Events as members and organisers use them: catalogue, card, subscriptions, .ics,
the event_<id> deep link, the organisers' form, moving and cancelling, forged buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from handlers.events.callbacks import (
    EventAction,
    EventCb,
    EventField,
    EventFieldCb,
    EventFormAction,
    EventFormCb,
    EventPickCb,
)
from storage.db import db_time, utc_now
from tests.conftest import RunningBot, TgUser, onboard
from tests.event_seed import add_event
from tests.trip_seed import MINSK, SOCHI, add_programme


def _last_alert(app: RunningBot) -> str:
    answers = app.telegram.calls_of("answerCallbackQuery")
    assert answers, "no callback was answered"
    return str(answers[-1].params.get("text") or "")


async def _event_row(app: RunningBot, event_id: int) -> dict:
    assert app.db is not None
    async with app.db.read.execute("SELECT * FROM events WHERE id = ?", (event_id,)) as cur:
        row = await cur.fetchone()
    return dict(row) if row else {}


def _next_month_start() -> datetime:
    now = utc_now()
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 10, 7, 0, tzinfo=UTC)


# The catalogue


async def test_catalogue_both_cities_switch_month_and_pages(
    app: RunningBot, member: TgUser
) -> None:
    assert app.db is not None
    first = _next_month_start()
    for day in range(9):
        await add_event(app.db, title=f"Сочи {day}", starts_at=first + timedelta(days=day))
    await add_event(app.db, title="Минск весной", city=MINSK, starts_at=first + timedelta(days=40))
    await add_event(app.db, title="Отменённое", status="cancelled", starts_at=first)
    await add_event(app.db, title="Прошедшее", starts_at=utc_now() - timedelta(days=3))

    await member.send("/events")
    assert "Оба города" in member.last_text and "Всего: 10" in member.last_text
    labels = member.labels()
    events = [label for label in labels if "·" in label]
    assert len(events) == 8 and events[0].endswith("Сочи 0")
    assert "✓ Оба города" in labels and "1/2" in labels
    assert not any("Отменённое" in label or "Прошедшее" in label for label in labels)
    await member.press("▶")
    assert [label for label in member.labels() if "·" in label][-1].endswith("Минск весной")

    await member.press("Минск")
    assert "Всего: 1" in member.last_text and "✓ Минск" in member.labels()
    await member.press("✓ Минск")  # pressing the chosen city again keeps it
    await member.press("Сочи")
    assert "Всего: 9" in member.last_text

    await member.press("✓ Сочи")
    await member.press("Оба города")
    month = [label for label in member.labels() if label[:3].isalpha() and "20" in label]
    assert month, member.labels()
    await member.press(month[0])  # the first month: the nine in Sochi
    assert "Всего: 9" in member.last_text and f"✓ {month[0]}" in member.labels()
    await member.press(month[1])
    assert "Всего: 1" in member.last_text


async def test_card_subscribe_unsubscribe_and_my_events(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, title="Культурный обмен", direction="culture")
    starts = (utc_now() + timedelta(days=20)).replace(hour=7, minute=0, second=0, microsecond=0)
    event_id = await add_event(
        app.db,
        title="<b>Фестиваль</b> & друзья",
        kind="festival",
        venue="Зимний театр",
        starts_at=starts,
        hours=3,
        programme_id=programme,
    )
    await member.send("/events")
    await member.press(next(label for label in member.labels() if "Фестиваль" in label))
    text = member.last_text
    assert "Фестиваль: <b>Фестиваль</b> & друзья" in text  # shown as typed
    assert "Зимний театр, Сочи" in text
    local = starts + timedelta(hours=3)
    assert f"{local:%d.%m.%Y %H:%M}–{local + timedelta(hours=3):%H:%M} (время: Сочи)" in text
    assert "Программа: Культурный обмен" in text and "Подписчиков: 0" in text
    assert member.labels()[:2] == ["🔔 Напомнить мне", "📅 В календарь"]
    assert "✏️ Изменить" not in member.labels()

    await member.press("🔔 Напомнить мне")
    assert "Подписчиков: 1" in member.last_text and "Вы подписаны" in member.last_text
    assert await app.dp["events"].repo.subscriber_ids(event_id=event_id) == [member.id]
    await member.send("/myevents")
    assert "подписаны на 1 мероприятие" in member.last_text
    await member.press(next(label for label in member.labels() if "Фестиваль" in label))
    await member.press("🔕 Не напоминать")
    assert "Подписчиков: 0" in member.last_text
    assert await app.dp["events"].repo.subscriber_ids(event_id=event_id) == []
    await member.send("/myevents")
    assert "не подписаны" in member.last_text


async def test_my_events_marks_cancelled_events_apart(app: RunningBot, member: TgUser) -> None:
    """A cancelled event is not among those the bot will remind of: counted, marked and
    listed apart, its card promises no reminder and offers to take it off the list."""
    assert app.db is not None
    soon = (utc_now() + timedelta(days=5)).replace(microsecond=0)
    cancelled = await add_event(app.db, title="Форум отменённый", starts_at=soon)
    later = await add_event(app.db, title="Фестиваль поздний", starts_at=soon + timedelta(days=9))
    for event_id in (cancelled, later):
        await member.press_data(EventCb(action=EventAction.OPEN, id=event_id).pack())
        await member.press("🔔 Напомнить мне")
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE events SET status = 'cancelled' WHERE id = ?", (cancelled,))

    await member.send("/myevents")
    text = member.last_text
    assert "подписаны на 1 мероприятие" in text  # the one the bot will remind of
    assert "1 мероприятие из списка отменено" in text
    events = [label for label in member.labels() if "·" in label]
    assert "Фестиваль поздний" in events[0] and "❌" not in events[0]
    assert events[1].startswith("❌ Отменено · ") and "Форум отменённый" in events[1]

    await member.press(events[1])
    card = member.last_text
    assert "Мероприятие отменено" in card and "бот напомнит" not in card
    assert "🔔 Напомнить мне" not in member.labels()
    assert "🔕 Не напоминать" not in member.labels()
    assert "🔔 Мои мероприятия" in member.labels()  # the way back
    await member.press("🗑 Убрать из «Моих мероприятий»")
    await member.press("🔔 Мои мероприятия")
    assert "подписаны на 1 мероприятие" in member.last_text
    assert "отменено" not in member.last_text
    assert not [label for label in member.labels() if "Форум" in label]

    # Only cancelled ones left: nothing to be reminded of, said so.
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE events SET status = 'cancelled' WHERE id = ?", (later,))
    await member.send("/myevents")
    assert "о которых бот напомнит, нет" in member.last_text
    assert "1 мероприятие из списка отменено" in member.last_text


async def test_card_shows_the_other_citys_time_when_it_differs(
    app: RunningBot, member: TgUser
) -> None:
    assert app.db is not None
    async with (
        app.db.transaction() as conn,
        conn.execute(
            "INSERT INTO cities (code, name_ru, name_be, country, timezone, position)"
            " VALUES ('kld', 'Калининград', 'Калінінград', 'RU', 'Europe/Kaliningrad', 3)"
            " RETURNING id"
        ) as cur,
    ):
        kaliningrad = (await cur.fetchone())[0]
    starts = datetime(2031, 6, 1, 7, 0, tzinfo=UTC)
    event_id = await add_event(app.db, city=kaliningrad, starts_at=starts, hours=2)
    await member.press_data(EventCb(action=EventAction.OPEN, id=event_id).pack())
    text = member.last_text
    assert "01.06.2031 10:00–12:00 (время: Сочи)" in text
    assert "01.06.2031 09:00–11:00 (время: Калининград)" in text
    assert "(время: Минск)" not in text  # Minsk reads the same as Sochi


async def test_ics_file_parses_with_the_right_instant_and_stable_uid(
    app: RunningBot, member: TgUser, admin: TgUser
) -> None:
    assert app.db is not None
    starts = datetime(2031, 3, 15, 7, 0, tzinfo=UTC)
    event_id = await add_event(app.db, title="Форум", city=MINSK, starts_at=starts, hours=8)
    await member.press_data(EventCb(action=EventAction.OPEN, id=event_id).pack())
    await member.press("📅 В календарь")
    name, content = app.telegram.last_message(member.id).document or ("", b"")
    assert name == f"event-{event_id}.ics"
    (first,) = Calendar.from_ical(content).walk("VEVENT")
    assert first.decoded("dtstart").astimezone(UTC) == starts
    assert first["dtstart"].params["TZID"] == "Europe/Minsk"
    assert first.decoded("dtend").astimezone(UTC) == starts + timedelta(hours=8)
    assert str(first["uid"]) == f"event-{event_id}@pobratim.bot"
    assert int(first["sequence"]) == 0 and str(first["summary"]) == "Форум"

    # The organiser moves it by an hour: same UID, a higher SEQUENCE, the new instant.
    await admin.press_data(EventCb(action=EventAction.EDIT, id=event_id).pack())
    await admin.press("Начало")
    await admin.send("15.03.2031 11:00")
    await admin.press("✅ Сохранить")
    await member.press_data(EventCb(action=EventAction.ICS, id=event_id).pack())
    content = (app.telegram.last_message(member.id).document or ("", b""))[1]
    (second,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) == 1
    assert second.decoded("dtstart").astimezone(UTC) == starts + timedelta(hours=1)


async def test_deep_link_opens_the_card_after_onboarding(
    app: RunningBot, make_user: Callable[..., TgUser], member: TgUser
) -> None:
    assert app.db is not None
    event_id = await add_event(app.db, title="Турнир по мини-футболу")
    await member.send(f"/start event_{event_id}")
    assert "Турнир по мини-футболу" in member.last_text
    await member.send("/start event_99999")
    assert "не найдено" in member.last_text
    newcomer = make_user(2500)
    await onboard(newcomer, start=f"/start event_{event_id}")
    assert any("Турнир по мини-футболу" in text for text in newcomer.texts()[-2:])


# Organisers


async def test_organiser_creates_an_event_with_validation_and_preview(
    app: RunningBot, admin: TgUser
) -> None:
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    assert "Что это за мероприятие?" in admin.last_text
    await admin.send("Форум")  # typed where a button is expected
    assert "выберите вариант кнопкой" in admin.texts()[-2]
    await admin.press("Форум")
    await admin.send("Ф" * 151)
    assert "Слишком длинно" in admin.texts()[-2]
    await admin.send("Минский молодёжный форум")
    await admin.press("Минск")
    await admin.send("Дворец молодёжи")
    await admin.send("01.01.2020 10:00")
    assert "уже прошло" in admin.texts()[-2]
    await admin.send("32.13.2031")
    assert "Дата не распознана" in admin.texts()[-2]
    await admin.send("15.03.2031 10:00")
    await admin.send("14.03.2031")
    assert "раньше начала" in admin.texts()[-2]
    await admin.send("17.03.2031 18:00")
    await admin.press("Без описания")
    await admin.press("Назад" if "Назад" in admin.labels() else "← Назад")  # back to description
    assert "Описание" in admin.last_text
    await admin.send("Три дня дискуссий и мастер-классов")
    await admin.press("Ни к какой")
    preview = admin.last_text
    assert "Проверьте мероприятие" in preview and "Минский молодёжный форум" in preview
    assert "15.03.2031 10:00 – 17.03.2031 18:00" in preview and "Дворец молодёжи" in preview
    assert await _count_events(app) == 0  # nothing written before "Сохранить"
    await admin.press("Город")
    await admin.press("Сочи")
    assert "Город: Сочи" in admin.last_text
    await admin.press("✅ Сохранить")
    assert "создано" in admin.last_text
    (row,) = await _rows(app)
    assert row["title"] == "Минский молодёжный форум" and row["city_id"] == SOCHI
    assert db_time(row["starts_at"]) == datetime(2031, 3, 15, 7, 0, tzinfo=UTC)  # 10:00 in Sochi
    assert row["sequence"] == 0 and row["status"] == "scheduled"


async def _rows(app: RunningBot) -> list[dict]:
    assert app.db is not None
    async with app.db.read.execute("SELECT * FROM events ORDER BY id") as cur:
        return [dict(row) for row in await cur.fetchall()]


async def _count_events(app: RunningBot) -> int:
    return len(await _rows(app))


async def test_moving_and_cancelling_tell_subscribers(
    app: RunningBot, admin: TgUser, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    assert app.db is not None
    belarusian = make_user(2200)
    await onboard(belarusian, language="Беларуская", city="Мінск", role="Педагог")
    starts = datetime(2031, 5, 20, 7, 0, tzinfo=UTC)
    event_id = await add_event(app.db, title="Семинар педагогов", starts_at=starts, hours=2)
    for user in (member, belarusian):
        await user.press_data(EventCb(action=EventAction.SUBSCRIBE, id=event_id).pack())

    await admin.press_data(EventCb(action=EventAction.EDIT, id=event_id).pack())
    await admin.press("Название")
    await admin.send("Семинар педагогов Сочи и Минска")
    await admin.press("✅ Сохранить")
    assert not any("перенесено" in text for text in member.texts())  # a new title only
    assert (await _event_row(app, event_id))["sequence"] == 1

    await admin.press_data(EventCb(action=EventAction.EDIT, id=event_id).pack())
    await admin.press("Начало")
    await admin.send("21.05.2031 12:00")
    # The old end is now before the start: the form asks for the end before the preview.
    assert "раньше начала" in admin.last_text and "Когда окончание?" in admin.last_text
    await admin.send("21.05.2031 14:00")
    await admin.press("✅ Сохранить")
    assert "сообщение о переносе: 2" in admin.last_text
    text = member.last_text
    assert "перенесено" in text and "20.05.2031 10:00–12:00" in text
    assert "21.05.2031 12:00–14:00" in text
    assert "перанесена" in belarusian.last_text
    assert member.labels() == ["Подробнее"]

    await admin.press_data(EventCb(action=EventAction.CANCEL, id=event_id).pack())
    assert "Подписчиков: 2" in admin.last_text
    await admin.press("Да, отменить мероприятие")
    assert "отменено" in admin.last_text
    assert "отменено" in member.last_text and "адменена" in belarusian.last_text
    assert (await _event_row(app, event_id))["status"] == "cancelled"
    await member.send("/events")
    assert "Семинар" not in " ".join(member.labels())
    await admin.press_data(EventCb(action=EventAction.CANCEL_CONFIRM, id=event_id).pack())
    assert "отменено" in _last_alert(app)  # twice: refused, nobody told again
    assert sum("отменено" in t for t in member.texts()) == 1


async def test_forged_organiser_buttons_change_nothing(
    app: RunningBot, member: TgUser, admin: TgUser
) -> None:
    assert app.db is not None
    event_id = await add_event(app.db, title="Конкурс")
    before = await _event_row(app, event_id)
    for data in (
        EventCb(action=EventAction.EDIT, id=event_id),
        EventCb(action=EventAction.CANCEL, id=event_id),
        EventCb(action=EventAction.CANCEL_CONFIRM, id=event_id),
        EventCb(action=EventAction.SHARE, id=event_id),
        EventFormCb(action=EventFormAction.NEW),
        EventFormCb(action=EventFormAction.SAVE),
        EventPickCb(value="forum"),
        EventFieldCb(field=EventField.TITLE),
    ):
        await member.press_data(data.pack())
        assert _last_alert(app) == "Это действие доступно только организаторам."
    assert await _event_row(app, event_id) == before

    # An organiser's button for an event that does not exist, and a made-up city.
    await admin.press_data(EventCb(action=EventAction.CANCEL_CONFIRM, id=99999).pack())
    assert "не найдено" in _last_alert(app)
    await member.press_data(EventCb(action=EventAction.SUBSCRIBE, id=99999).pack())
    assert "не найдено" in _last_alert(app)
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await admin.press("Конкурс")
    await admin.send("Конкурс чтецов")
    await admin.press_data(EventPickCb(value="999").pack())
    assert "больше не действует" in _last_alert(app)
    assert "В каком городе" in admin.last_text  # still on the same step
    await admin.press_data(EventFormCb(action=EventFormAction.SAVE).pack())  # not at preview
    assert len(await _rows(app)) == 1


async def test_a_member_cannot_subscribe_to_a_cancelled_event(
    app: RunningBot, member: TgUser
) -> None:
    assert app.db is not None
    event_id = await add_event(app.db, status="cancelled")
    await member.press_data(EventCb(action=EventAction.SUBSCRIBE, id=event_id).pack())
    assert "отменено" in _last_alert(app)
    assert await app.dp["events"].repo.subscriber_ids(event_id=event_id) == []


async def test_organiser_form_refuses_far_dates_and_long_venues_and_shows_html_as_typed(
    app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    title = "<b>Шаги</b> & <script>alert(1)</script>"
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await admin.press("Фестиваль")
    await admin.send(title)
    await admin.press("Минск")
    await admin.send("П" * 201)
    assert "Слишком длинно" in admin.texts()[-2]
    await admin.send("Площадь <i>Победы</i>")
    await admin.send("15.03.2207 10:00")  # 2207 for 2027
    assert "слишком далеко" in admin.texts()[-2] and "5 лет" in admin.texts()[-2]
    assert "Когда начало?" in admin.last_text  # still on the same step
    await admin.send("15.03.2031 10:00")
    await admin.press("Без времени окончания")
    await admin.press("Без описания")
    await admin.press("Ни к какой")
    # Shown as typed: Telegram would refuse the message if the tags went through as HTML.
    assert title in admin.last_text and "Площадь <i>Победы</i>" in admin.last_text
    await admin.press("✅ Сохранить")
    assert f"Мероприятие «{title}» создано" in admin.last_text
    (row,) = await _rows(app)
    assert row["title"] == title and row["venue"] == "Площадь <i>Победы</i>"

    await member.press_data(EventCb(action=EventAction.SUBSCRIBE, id=row["id"]).pack())
    assert title in member.last_text and "Площадь <i>Победы</i>, Минск" in member.last_text
    await admin.press_data(EventCb(action=EventAction.EDIT, id=row["id"]).pack())
    await admin.press("Начало")
    await admin.send("01.01.2020 10:00")
    assert "уже прошло" in admin.texts()[-2]
    await admin.send("16.03.2031 10:00")
    await admin.press("✅ Сохранить")
    assert f"Мероприятие {title} (Минск) перенесено" in member.last_text
    await member.send("/events")
    assert any("<b>Шаги</b>" in label for label in member.labels())  # buttons are plain text
