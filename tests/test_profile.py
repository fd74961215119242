"""/profile shows what is stored and changes any field; /language and /help."""

from __future__ import annotations

from tests.conftest import RunningBot, TgUser


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
    assert "только свой номер" in member.last_text
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
