"""Steps of the school and telebridge flows as coordinators take them in the bot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from storage.db import utc_now
from tests.conftest import TgUser, onboard
from tests.fake_telegram import SentMessage

SOCHI_ZONE = ZoneInfo("Europe/Moscow")


def press_label(user: TgUser, start: str) -> tuple[SentMessage, str]:
    """The newest button whose label starts with `start` (labels carry cities and marks)."""
    for message in reversed(user.telegram.messages(user.id)):
        for button in message.buttons():
            if button.get("text", "").startswith(start) and "callback_data" in button:
                return message, button["text"]
    raise AssertionError(f"no button starting with {start!r}: {user.labels()}")


async def press_starting(user: TgUser, start: str) -> None:
    message, label = press_label(user, start)
    data = next(b["callback_data"] for b in message.buttons() if b.get("text") == label)
    await user.app.process(user.updates.callback(message, data))


async def coordinator(
    make_user: Callable[..., TgUser],
    user_id: int,
    *,
    school: str,
    city: str,
    kind: str = "Школа",
    ages: tuple[str, ...] = ("1–4 классы", "5–9 классы"),
) -> TgUser:
    """A teacher who onboards and registers their institution through the bot."""
    user = make_user(user_id, first_name=f"Педагог{user_id}")
    await onboard(user, name=f"Педагог {user_id}", city=city, role="Педагог")
    await user.send("/school")
    await user.press("➕ Зарегистрировать учреждение")
    await user.press(kind)
    await user.send(school)
    await user.press(city)
    await user.press("Без адреса")
    for age in ages:
        await user.press("▫️ " + age)
    await user.press("Готово")
    await user.press("✅ Зарегистрировать")
    return user


def sochi_time(days: int = 3, hour: int = 10, minute: int = 0) -> tuple[str, datetime]:
    """A moment some days ahead as a Sochi coordinator types it, and its UTC instant."""
    local = (utc_now().astimezone(SOCHI_ZONE) + timedelta(days=days)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    return local.strftime("%d.%m.%Y %H:%M"), local.astimezone(ZoneInfo("UTC"))


async def propose(
    user: TgUser,
    *,
    partner: str,
    when: str,
    topic: str = "Мой город — город-побратим",
    age: str = "1–4 классы",
    minutes: str = "45 мин",
    link: str | None = "https://telemost.yandex.ru/j/123456",
    note: str | None = None,
) -> None:
    """ "Новый телемост" from the hub to the preview and "Отправить предложение"."""
    await user.send("/school")
    await user.press("📡 Новый телемост")
    await press_starting(user, partner)
    await user.send(topic)
    await user.press(age)
    await user.send(when)
    await user.press(minutes)
    if link is None:
        await user.press("Ссылку добавлю позже")
    else:
        await user.send(link)
    if note is None:
        await user.press("Без комментария")
    else:
        await user.send(note)
    await user.press("✅ Отправить предложение")


def ics_of(message: SentMessage) -> Calendar:
    assert message.document is not None, message
    return Calendar.from_ical(message.document[1])
