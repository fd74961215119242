"""Onboarding as a newcomer goes through it, in both languages."""

from __future__ import annotations

from tests.conftest import RunningBot, TgUser, onboard
from tests.trip_seed import add_programme, add_trip


async def _person(app: RunningBot, tg_id: int) -> dict | None:
    assert app.db is not None
    async with app.db.read.execute("SELECT * FROM people WHERE tg_id = ?", (tg_id,)) as cur:
        row = await cur.fetchone()
    return dict(row) if row else None


async def test_onboarding_in_russian(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(501, first_name="Пётр", last_name="Сидоров")
    await user.send("/start")
    assert "Выберите язык" in user.last_text
    assert user.labels() == ["Русский", "Беларуская", "Отмена"]

    await user.press("Русский")
    assert "Согласны ли вы на обработку" in user.last_text
    # What erasing can do is said before the person agrees (no daily backups here).
    assert "удалить — командой /forget" in user.last_text
    assert "Ежедневных резервных копий базы бот не делает" in user.last_text
    assert {"Согласен", "Не согласен", "← Назад", "Отмена"} <= set(user.labels())

    await user.press("Согласен")
    assert "Как к вам обращаться" in user.last_text
    assert "Использовать: Пётр Сидоров" in user.labels()

    await user.send("Пётр Сидоров")
    assert "Из какого вы города" in user.last_text
    assert {"Сочи", "Минск"} <= set(user.labels())

    await user.press("Минск")
    assert "Чем вы занимаетесь" in user.last_text
    assert {
        "Педагог",
        "Медицинский работник",
        "Молодёжь",
        "Культура",
        "Спорт",
        "Бизнес",
        "Представитель администрации",
        "Другое",
    } <= set(user.labels())

    await user.press("Медицинский работник")
    assert "название вашей организации" in user.last_text

    await user.send("Городская клиническая больница № 4")
    texts = user.texts()
    assert any("Спасибо, Пётр Сидоров" in text for text in texts)
    assert "Главное меню" in user.last_text
    assert "👤 Профиль" in user.labels()

    person = await _person(app, 501)
    assert person is not None
    assert person["full_name"] == "Пётр Сидоров"
    assert person["role"] == "medic"
    assert person["organisation"] == "Городская клиническая больница № 4"
    assert person["language"] == "ru"
    assert person["consent_at"] is not None
    assert person["city_id"] == 2  # Минск

    # A known person gets the main menu straight away.
    await user.send("/start")
    assert "Главное меню" in user.last_text


async def test_onboarding_in_belarusian(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(502, language_code="be")
    await user.send("/start")
    await user.press("Беларуская")
    assert "Ці згодны вы на апрацоўку" in user.last_text
    await user.press("Згодны")
    assert "Як да вас звяртацца" in user.last_text
    await user.send("Алесь Карпенка")
    assert "З якога вы горада" in user.last_text
    assert "Мінск" in user.labels()
    await user.press("Мінск")
    await user.press("Культура")
    await user.send("Мінскі гарадскі Палац культуры")
    assert "Галоўнае меню" in user.last_text
    assert any("Дзякуй, Алесь Карпенка" in text for text in user.texts())
    person = await _person(app, 502)
    assert person is not None and person["language"] == "be" and person["role"] == "culture"


async def test_telegram_name_button(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(503, first_name="Ирина", last_name="Ковалёва")
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Использовать: Ирина Ковалёва")
    assert "Из какого вы города" in user.last_text
    await user.press("Сочи")
    await user.press("Спорт")
    await user.send("СШОР № 1")
    person = await _person(app, 503)
    assert person is not None and person["full_name"] == "Ирина Ковалёва"


async def test_declining_consent_keeps_only_id_and_language(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(504)
    await user.send("/start")
    await user.press("Беларуская")
    await user.press("Не згодны")
    assert "нічога пра вас не захавалі" in user.last_text
    assert "Без згоды" in user.last_text
    person = await _person(app, 504)
    assert person is not None
    stored = {key for key, value in person.items() if value not in (None, 0)}
    assert stored == {"tg_id", "language", "created_at", "updated_at"}
    assert person["language"] == "be"

    # Anything but /start now asks them to begin; the bot keeps nothing else.
    await user.send("Привет")
    assert "пазнаёмімся" in user.last_text

    # They change their mind with the button under the explanation.
    await user.press("Згодны")
    assert "Як да вас звяртацца" in user.last_text
    await user.send("Янка Купала")
    await user.press("Сочы")
    await user.press("Іншае")
    await user.send("Бібліятэка")
    person = await _person(app, 504)
    assert person is not None and person["consent_at"] is not None


async def test_back_and_cancel_work_at_every_step(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(505)
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.send("Вера Петрова")
    await user.press("Сочи")
    await user.press("Педагог")
    assert "название вашей организации" in user.last_text

    await user.press("← Назад")
    assert "Чем вы занимаетесь" in user.last_text
    await user.press("← Назад")
    assert "Из какого вы города" in user.last_text
    await user.press("← Назад")
    assert "Как к вам обращаться" in user.last_text
    await user.press("← Назад")
    assert "Согласны ли вы" in user.last_text
    await user.press("← Назад")
    assert "Выберите язык" in user.last_text

    # The answers given so far are kept in the form when going forward again.
    await user.press("Русский")
    await user.press("Согласен")
    await user.send("Вера Петрова")
    await user.press("Минск")
    await user.press("Отмена")
    assert "Ничего из этой анкеты не сохранено" in user.last_text
    person = await _person(app, 505)
    assert person is not None and person["full_name"] is None and person["consent_at"] is None

    # Buttons of the cancelled form no longer work, and say so.
    calls = await user.press_data("rol:o:teacher")
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and "/start" in answers[0].params.get("text", "")
    person = await _person(app, 505)
    assert person is not None and person["role"] is None


async def test_cancel_command_leaves_the_form(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(506)
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.send("/cancel")
    assert "Чтобы начать знакомство, нажмите «Познакомиться»" in user.last_text
    assert user.labels() == ["👋 Познакомиться"]
    await user.send("Анна")  # no longer an answer to the form
    assert "познакомимся" in user.last_text
    person = await _person(app, 506)
    assert person is not None and person["full_name"] is None


async def test_typed_text_where_a_button_is_expected(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(507)
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.send("Анна")
    await user.send("Сочи")  # typed, not pressed
    texts = user.texts()
    assert "выберите вариант кнопкой" in texts[-2]
    assert "Из какого вы города" in texts[-1]
    assert {"Сочи", "Минск"} <= set(user.labels())


async def test_restart_in_the_middle_of_onboarding(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(508)
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.send("Дмитрий Орлов")
    await user.press("Сочи")
    assert "Чем вы занимаетесь" in user.last_text

    await app.restart()

    await user.press("Бизнес")
    assert "название вашей организации" in user.last_text
    await user.send("ООО «Курорт»")
    person = await _person(app, 508)
    assert person is not None
    assert person["full_name"] == "Дмитрий Орлов"
    assert person["city_id"] == 1
    assert person["role"] == "business"
    assert person["organisation"] == "ООО «Курорт»"


async def test_html_emoji_and_long_text_in_answers(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(509)
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")

    too_long = "<b>Имя</b> & 😀 " + "я" * 290
    assert len(too_long) >= 300
    await user.send(too_long)
    assert "Слишком длинно" in user.texts()[-2]
    assert "не больше 100" in user.texts()[-2]
    assert "Как к вам обращаться" in user.last_text  # the same step, asked again

    await user.send("<b>Анна</b> & 😀 Ли")
    assert "Из какого вы города" in user.last_text
    await user.press("Сочи")
    await user.press("Культура")

    long_org = "<i>Ансамбль</i> & «Кубань» 🎻 " + "ы" * 300
    await user.send(long_org)
    assert "Слишком длинно" in user.texts()[-2] and "не больше 200" in user.texts()[-2]
    await user.send("<i>Ансамбль</i> & «Кубань» 🎻")

    person = await _person(app, 509)
    assert person is not None
    assert person["full_name"] == "<b>Анна</b> & 😀 Ли"
    assert person["organisation"] == "<i>Ансамбль</i> & «Кубань» 🎻"
    greeting = next(m for m in user.telegram.messages(509) if "Спасибо" in m.plain_text())
    # Sent escaped (Telegram's HTML parser accepted it) and shown as typed.
    assert "&lt;b&gt;Анна&lt;/b&gt; &amp; 😀 Ли" in (greeting.text or "")
    assert "<b>Анна</b> & 😀 Ли" in greeting.plain_text()

    await user.send("/profile")
    assert "<i>Ансамбль</i> & «Кубань» 🎻" in user.last_text


async def test_non_text_answer_is_refused_politely(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(510)
    await user.send("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.send_contact("+79001234567")
    assert "отправьте ответ текстом" in user.texts()[-2]
    await user.send("   ")
    assert "Ответ пустой" in user.texts()[-2]


async def test_double_tap_is_handled_once(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(511)
    await user.send("/start")
    message, button = user.find_button("Русский")
    first = user.updates.callback(message, button["callback_data"])
    second = user.updates.callback(message, button["callback_data"])
    calls = await app.process(first, second)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 2  # both taps answered
    edits = [c for c in calls if c.method == "editMessageText"]
    assert len(edits) == 1  # but only one went to the consent step
    assert "Согласны ли вы" in user.last_text


async def test_a_trip_link_after_onboarding_speaks_the_language_chosen(
    app: RunningBot, make_user
) -> None:
    """A trip link a newcomer came with opens after onboarding, in the language chosen."""
    assert app.db is not None
    trip_id = await add_trip(app.db, programme_id=await add_programme(app.db))
    user: TgUser = make_user(513)
    await onboard(user, start=f"/start trip_{trip_id}", language="Беларуская", city="Сочы")
    assert "Педагоги Сочи в Минске" in user.last_text
    assert "✍️ Запісацца" in user.labels()


async def test_deep_link_survives_onboarding(app: RunningBot, make_user) -> None:
    user: TgUser = make_user(512)
    await onboard(user, start="/start bogus_payload")
    texts = user.texts()
    assert any("Ссылка не распознана" in text for text in texts)
    assert "Главное меню" in user.last_text
