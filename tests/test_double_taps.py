"""A button pressed twice before the first press is answered (a double tap).

Both presses carry the same old message, so the second cannot be told from the first
by looking at it: the service says the thing is done already, the handler answers with a
pop-up and edits nothing. An edit Telegram would refuse as "message is not modified"
is never sent, and if one slipped through it would be taken as done, not as an error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from handlers.trips.callbacks import TripAction, TripCb
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard
from tests.event_seed import add_event
from tests.fake_telegram import NOT_MODIFIED, ApiCall
from tests.telebridge_steps import coordinator, press_starting, propose, sochi_time
from tests.trip_seed import add_programme, add_trip

GENERIC_ERROR = "Что-то пошло не так"
EDITS = ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")


async def double_tap(user: TgUser, label: str) -> tuple[list[ApiCall], list[dict[str, Any]]]:
    """Two presses of one button as Telegram delivers them: both with the message as it
    was; returns the calls and the two answers in order."""
    message, button = user.find_button(label)
    first = user.updates.callback(message, button["callback_data"])
    second = user.updates.callback(message, button["callback_data"])
    calls = await user.app.process(first, second)
    answers = [
        user.telegram.callback_answers[update["callback_query"]["id"]]
        for update in (first, second)
    ]
    return calls, answers


def assert_clean(calls: list[ApiCall], caplog: pytest.LogCaptureFixture) -> None:
    assert all(call.ok for call in calls), [(c.method, c.result) for c in calls if not c.ok]
    assert not any(GENERIC_ERROR in str(c.params.get("text", "")) for c in calls)
    assert not [r for r in caplog.records if r.name == "handlers.kit.errors"]


def edits(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method in EDITS]


async def test_fake_telegram_refuses_an_identical_edit(app: RunningBot, member: TgUser) -> None:
    """The fake answers as Telegram does, so the tests below can see a repeated edit."""
    message = app.telegram.last_message(member.id)
    await app.bot.edit_message_text(
        "Новый текст", chat_id=member.id, message_id=message.message_id
    )
    with pytest.raises(Exception, match="message is not modified") as raised:
        await app.bot.edit_message_text(
            "Новый текст", chat_id=member.id, message_id=message.message_id
        )
    assert NOT_MODIFIED.removeprefix("Bad Request: ") in str(raised.value)


async def test_double_tapped_approve_decides_once_and_edits_once(
    app: RunningBot, admin: TgUser, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(
        app.db, programme_id=programme, capacity=2, needs_approval=True, organisers=(ADMIN_ID,)
    )
    applicant = make_user(7100)
    await onboard(applicant, name="Ольга Кравец")
    await applicant.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    await applicant.press("✅ Подтвердить")
    assert "Новая заявка" in admin.last_text
    caplog.clear()
    calls, answers = await double_tap(admin, "✅ Одобрить")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1  # the first press notes the decision; the second edits nothing
    assert not answers[0].get("text")
    assert "Решение уже принято" in answers[1]["text"]
    told = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == applicant.id]
    assert len(told) == 1 and "одобрена" in told[0].params["text"]


async def test_double_tapped_join_decision_is_taken_once(
    app: RunningBot, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    first = await coordinator(make_user, 7201, school="Гимназия № 3", city="Сочи")
    colleague = make_user(7202, first_name="Коллега")
    await onboard(colleague, name="Ирина Коллегова", city="Сочи", role="Педагог")
    await colleague.send("/school")
    await colleague.press("🤝 Присоединиться к учреждению")
    await press_starting(colleague, "🏫 Гимназия № 3")
    await colleague.press("🤝 Стать координатором этого учреждения")
    assert "просит стать координатором" in first.last_text
    caplog.clear()
    calls, answers = await double_tap(first, "✅ Принять")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1  # the buttons go once
    assert "уже принято решение" in answers[1]["text"]
    told = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == colleague.id]
    assert len(told) == 1


async def test_double_tapped_subscribe_and_mute_change_the_card_once(
    app: RunningBot, member: TgUser, caplog: Any
) -> None:
    assert app.db is not None
    await add_event(app.db, title="Фестиваль дружбы")
    await member.send("/events")
    await member.press(next(label for label in member.labels() if "Фестиваль" in label))
    caplog.clear()
    calls, answers = await double_tap(member, "🔔 Напомнить мне")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1
    assert answers[0].get("text") and answers[1].get("text") == answers[0]["text"]
    assert "Подписчиков: 1" in member.last_text
    caplog.clear()
    calls, _ = await double_tap(member, "🔕 Не напоминать")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1
    assert "Подписчиков: 0" in member.last_text


async def test_double_tapped_follow_redraws_the_roadmap_once(
    app: RunningBot, member: TgUser, caplog: Any
) -> None:
    await member.send("/roadmap")
    caplog.clear()
    calls, answers = await double_tap(member, "🔔 Следить за дорожной картой")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1
    assert all(a.get("text") for a in answers)
    assert "🔕 Не следить" in member.labels()


async def test_an_identical_edit_is_taken_as_done(
    app: RunningBot, member: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    """A screen with nothing to decide ("Дорожная карта") double-tapped: the second press carries
    the old menu, so the bot edits again, Telegram says "not modified", and that is done."""
    await member.send("/start")
    caplog.clear()
    calls, answers = await double_tap(member, "🗺 Дорожная карта")
    refused = [c for c in calls if not c.ok]
    assert [c.result for c in refused] == [NOT_MODIFIED]  # the fake behaves as Telegram
    assert not any(GENERIC_ERROR in str(c.params.get("text", "")) for c in calls)
    assert not [r for r in caplog.records if r.name == "handlers.kit.errors"]
    assert len(answers) == 2
    assert "🔔 Следить за дорожной картой" in member.labels()


async def test_double_tapped_telebridge_accept_confirms_once(
    app: RunningBot, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    minsk = await coordinator(make_user, 7302, school="Средняя школа № 5", city="Минск")
    sochi = await coordinator(make_user, 7301, school="Гимназия № 1", city="Сочи")
    when, _ = sochi_time(days=4, hour=11)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    caplog.clear()
    calls, answers = await double_tap(minsk, "✅ Принять")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1  # the buttons go once
    assert answers[1].get("text") and answers[1]["text"] != answers[0].get("text")
    confirmed = [
        c
        for c in calls
        if c.method == "sendMessage" and "Телемост подтверждён" in c.params["text"]
    ]
    assert len([c for c in confirmed if c.params["chat_id"] == minsk.id]) == 1


async def test_double_tapped_verification_verifies_once(
    app: RunningBot, admin: TgUser, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    school = await coordinator(make_user, 7401, school="Гимназия № 8", city="Сочи")
    school_id = (await app.dp["telebridges"].institutions.membership(tg_id=school.id))[0].id
    await admin.send(f"/start school_{school_id}")
    caplog.clear()
    calls, answers = await double_tap(admin, "✅ Подтвердить учреждение")
    assert_clean(calls, caplog)
    assert len(edits(calls)) == 1
    assert answers[1].get("text") and answers[1]["text"] != answers[0].get("text")
    assert "Подтверждено организаторами" in admin.last_text


async def test_double_tapped_reject_asks_for_the_reason_once(
    app: RunningBot, admin: TgUser, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(
        app.db, programme_id=programme, capacity=2, needs_approval=True, organisers=(ADMIN_ID,)
    )
    applicant = make_user(7500)
    await onboard(applicant, name="Ольга Кравец")
    await applicant.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    await applicant.press("✅ Подтвердить")
    caplog.clear()
    calls, answers = await double_tap(admin, "❌ Отклонить")
    assert_clean(calls, caplog)
    asked = [
        c for c in calls if c.method == "sendMessage" and "причину отказа" in c.params["text"]
    ]
    assert len(asked) == 1
    assert "уже спрошена" in answers[1]["text"]
    await admin.send("Мест нет")
    assert "отклонена" in applicant.last_text


async def test_double_tapped_telebridge_decline_asks_for_the_reason_once(
    app: RunningBot, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    minsk = await coordinator(make_user, 7602, school="Средняя школа № 5", city="Минск")
    sochi = await coordinator(make_user, 7601, school="Гимназия № 1", city="Сочи")
    when, _ = sochi_time(days=4, hour=11)
    await propose(sochi, partner="🏫 Средняя школа № 5", when=when)
    caplog.clear()
    calls, answers = await double_tap(minsk, "❌ Отклонить")
    assert_clean(calls, caplog)
    asked = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == minsk.id]
    assert len(asked) == 1
    assert "Вопрос уже задан ниже" in answers[1]["text"]


async def test_approve_after_another_organiser_decided_retires_this_copys_buttons(
    app: RunningBot, admin: TgUser, make_user: Callable[..., TgUser], caplog: Any
) -> None:
    """Not a double tap: the other organiser's copy still has its buttons; pressing one
    says who was first and takes them off that copy too."""
    colleague = make_user(7701, first_name="Пётр")
    await onboard(colleague, name="Пётр Организаторов", city="Минск")
    await admin.send(f"/grant {colleague.id}")
    assert app.db is not None
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(
        app.db,
        programme_id=programme,
        capacity=2,
        needs_approval=True,
        organisers=(ADMIN_ID, colleague.id),
    )
    applicant = make_user(7702)
    await onboard(applicant, name="Ольга Кравец")
    await applicant.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    await applicant.press("✅ Подтвердить")
    assert "✅ Одобрить" in admin.labels() and "✅ Одобрить" in colleague.labels()
    await admin.press("✅ Одобрить")
    caplog.clear()
    calls = await colleague.press("✅ Одобрить")
    assert_clean(calls, caplog)
    (answer,) = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "Решение уже принято" in answer.params["text"]
    assert len(edits(calls)) == 1 and "✅ Одобрить" not in colleague.labels()


def _edits_and_catches(path: Path) -> list[str]:
    """Calls that edit a message (edit_text, edit_message_reply_markup, …) and handlers of
    TelegramBadRequest (which would swallow "message is not modified" on their own)."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("edit_")
        ):
            found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
        if (
            isinstance(node, ast.ExceptHandler)
            and node.type is not None
            and "TelegramBadRequest" in ast.unparse(node.type)
        ):
            found.append(f"{path.name}:{node.lineno} except TelegramBadRequest")
    return found


# Where messages may be edited, and where a refusal of Telegram's may be caught, and why.
EDITORS = {
    "handlers/kit/render.py": "where handlers edit a message (through bot/core/edits.py)",
    "bot/core/edits.py": "tells Telegram's refusals of an edit apart",
    "bot/broadcasts/monitor.py": "edits the progress of a broadcast (through bot/core/edits.py)",
    "bot/runner.py": "setWebhook refusals become a settings error (no edit)",
    "handlers/broadcasts/history.py": "a copied broadcast whose source is gone (no edit)",
}


def test_messages_are_edited_in_one_place() -> None:
    root = Path(__file__).resolve().parent.parent
    found = [
        spot
        for package in ("bot", "handlers", "storage")
        for path in sorted((root / package).rglob("*.py"))
        if path.relative_to(root).as_posix() not in EDITORS
        for spot in _edits_and_catches(path)
    ]
    assert found == [], f"edit messages through handlers/kit/render.py: {found}"


def test_one_place_knows_the_not_modified_refusal() -> None:
    """How Telegram's "message is not modified" is told apart lives in bot/core/edits.py only:
    every edit elsewhere goes through it, so a change to the wording is made once."""
    root = Path(__file__).resolve().parent.parent
    spelled = [
        str(path.relative_to(root))
        for package in ("bot", "handlers", "storage")
        for path in sorted((root / package).rglob("*.py"))
        if "not modified" in path.read_text(encoding="utf-8")
        and path.relative_to(root) != Path("bot/core/edits.py")
    ]
    assert not spelled, f"'message is not modified' handled outside bot/core/edits.py: {spelled}"
