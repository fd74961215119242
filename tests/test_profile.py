"""/profile shows what is stored and changes any field; /language and /help."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBot, TgUser, onboard


async def _row(app: RunningBot, tg_id: int) -> dict:
    assert app.db is not None
    async with app.db.read.execute("SELECT * FROM people WHERE tg_id = ?", (tg_id,)) as cur:
        row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def test_profile_shows_everything_stored(app: RunningBot, member: TgUser) -> None:
    await member.send("/profile")
    text = member.last_text
    for expected in ("Мария Иванова", "Сочи", "Педагог", "Гимназия № 1", "Русский", "не указан"):
        assert expected in text
    assert "Согласие на обработку данных" in text
    assert {"Имя", "Город", "Сфера", "Организация", "Язык", "Телефон"} <= set(member.labels())


async def test_change_every_field(app: RunningBot, member: TgUser) -> None:
    await member.send("/profile")
    await member.press("Имя")
    assert "новое имя" in member.last_text
    await member.send("Мария Петровна Иванова")
    assert "Мария Петровна Иванова" in member.last_text

    await member.press("Организация")
    await member.send("x" * 201)
    assert "Слишком длинно" in member.texts()[-2]
    await member.send("Лицей № 22")
    assert "Лицей № 22" in member.last_text

    await member.press("Город")
    await member.press("Минск")
    assert "Город: Минск" in member.last_text

    await member.press("Сфера")
    await member.press("Молодёжь")
    assert "Сфера: Молодёжь" in member.last_text

    await member.press("Телефон")
    await member.send_contact("+7 900 123-45-67")
    assert "+79001234567" in member.last_text
    assert "Удалить телефон" in member.labels()
    await member.press("Удалить телефон")
    assert "Телефон: не указан" in member.last_text

    await member.press("Язык")
    await member.press("Беларуская")
    assert "Ваш профіль" in member.last_text
    assert "Горад: Мінск" in member.last_text

    row = await _row(app, member.id)
    assert row["full_name"] == "Мария Петровна Иванова"
    assert row["organisation"] == "Лицей № 22"
    assert row["city_id"] == 2
    assert row["role"] == "youth"
    assert row["phone"] is None
    assert row["language"] == "be"


async def test_someone_elses_contact_is_refused(app: RunningBot, member: TgUser) -> None:
    await member.send("/profile")
    await member.press("Телефон")
    update = member.updates.contact("+375291234567")
    update["message"]["contact"]["user_id"] = 999999
    await app.process(update)
    assert "только свой номер" in member.texts()[-2]
    assert member.last_text.startswith("Нажмите кнопку «Отправить мой номер»")  # asked again
    assert (await _row(app, member.id))["phone"] is None


async def test_cancel_profile_edit_changes_nothing(app: RunningBot, member: TgUser) -> None:
    await member.send("/profile")
    await member.press("Имя")
    await member.press("Отмена")
    assert "ничего не меняем" in member.texts()[-2]
    await member.send("Новое имя")  # not an answer any more
    assert (await _row(app, member.id))["full_name"] == "Мария Иванова"


async def test_language_command_switches_language(app: RunningBot, member: TgUser) -> None:
    await member.send("/language")
    await member.press("Беларуская")
    await member.send("/help")
    assert "Што ўмее бот" in member.last_text
    await member.send("/language")
    await member.press("Русский")
    await member.send("/help")
    assert "Что умеет бот" in member.last_text


async def test_help_depends_on_role(app: RunningBot, member: TgUser, admin: TgUser) -> None:
    await member.send("/help")
    assert "/profile" in member.last_text
    assert "/grant" not in member.last_text
    await admin.send("/help")
    assert "/grant" in admin.last_text and "/invite" in admin.last_text


async def test_profile_needs_onboarding(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(777)
    await user.send("/profile")
    assert "познакомимся" in user.last_text


@pytest.mark.parametrize(
    ("city", "typed", "stored"),
    [
        # A number typed the local way means something only in the person's country.
        ("Минск", "80291234567", "+375291234567"),
        ("Минск", "8 (029) 123-45-67", "+375291234567"),
        ("Сочи", "89001234567", "+79001234567"),
        ("Сочи", "8 900 123-45-67", "+79001234567"),
        # Not a number of the person's country: the other city's is tried next.
        ("Сочи", "80291234567", "+375291234567"),
        ("Минск", "89001234567", "+79001234567"),
        ("Минск", "+7 900 123-45-67", "+79001234567"),
        ("Сочи", "+375 29 123 45 67", "+375291234567"),
    ],
)
async def test_a_typed_phone_is_stored_in_international_form(
    app: RunningBot, make_user, city: str, typed: str, stored: str
) -> None:
    user: TgUser = make_user(2101)
    await onboard(user, city=city)
    await user.send("/profile")
    await user.press("Телефон")
    await user.send(typed)
    assert f"Телефон: {stored}" in user.last_text
    assert (await _row(app, user.id))["phone"] == stored


@pytest.mark.parametrize(
    ("city", "contact", "stored"),
    [
        # Telegram gives a shared contact's number without its plus.
        ("Сочи", "79001234567", "+79001234567"),
        ("Сочи", "375291234567", "+375291234567"),
        ("Минск", "80291234567", "+375291234567"),
        ("Минск", "+79001234567", "+79001234567"),
    ],
)
async def test_a_shared_contact_is_stored_in_international_form(
    app: RunningBot, make_user, city: str, contact: str, stored: str
) -> None:
    user: TgUser = make_user(2102)
    await onboard(user, city=city)
    await user.send("/profile")
    await user.press("Телефон")
    await user.send_contact(contact)
    assert (await _row(app, user.id))["phone"] == stored


@pytest.mark.parametrize(
    "typed",
    [
        "не скажу",
        "12345",
        "+80291234567",  # no country has the code 80
        "80291234567000",
        "+7 000 000-00-00",  # a Russian number that is not in the numbering plan
        "+7 900 CALL-ME",  # letters, although a keypad would read them
        "+7 900 123-45-67 доб. 5",
        "8" * 41,
        "+49 30 12345678",  # valid, but not of the partnership's countries (+7, +375)
        "+7 701 123 45 67",  # +7 is Kazakhstan's code too: a valid number, not Russia's
    ],
)
async def test_a_wrong_phone_is_refused_and_asked_again(
    app: RunningBot, make_user, typed: str
) -> None:
    user: TgUser = make_user(2103)
    await onboard(user, city="Минск")
    await user.send("/profile")
    await user.press("Телефон")
    await user.send(typed)
    refusal, question = user.texts()[-2:]
    assert "Номер телефона не распознан" in refusal
    assert "+7 900 123-45-67 или +375 29 123-45-67" in refusal
    assert question.startswith("Нажмите кнопку «Отправить мой номер»")
    assert "📱 Отправить мой номер" in user.labels()
    assert (await _row(app, user.id))["phone"] is None
    # Still the phone question: the right number is taken now.
    await user.send("80291234567")
    assert (await _row(app, user.id))["phone"] == "+375291234567"


async def test_a_wrong_shared_contact_is_refused_and_asked_again(
    app: RunningBot, member: TgUser
) -> None:
    await member.send("/profile")
    await member.press("Телефон")
    await member.send_contact("80291234567000")
    refusal, question = member.texts()[-2:]
    assert "Номер телефона не распознан" in refusal
    assert question.startswith("Нажмите кнопку «Отправить мой номер»")
    assert (await _row(app, member.id))["phone"] is None
