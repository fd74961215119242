"""Pop-ups (answerCallbackQuery) fit Telegram's 200 characters, whatever they name.

Every pop-up text is found in the code: the keys handlers pass to `t.popup()`, and every
UserError key (show_error answers a pressed button with it as a pop-up). Each is
formatted with the longest values its fields allow, read from the code's limits.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from fluent.syntax.visitor import Visitor

from bot.core.i18n import LANGUAGES, LOCALES_DIR, POPUP_MAX, Translations, fit_popup
from bot.core.ids import ID_MAX
from bot.events import service as events
from bot.people import profile
from bot.roadmap import service as roadmap
from bot.telebridges import service as telebridges
from bot.trips import admin as trip_admin
from bot.trips import catalogue as trips
from tests.conftest import RunningBot, TgUser
from tests.fake_telegram import MAX_CALLBACK_ANSWER_LENGTH, utf16_len
from tests.telebridge_steps import coordinator, press_label, propose, sochi_time

ROOT = Path(__file__).resolve().parent.parent

# The longest value of each field a pop-up may name, from the limits the code enforces.
LONGEST_TEXT = {
    "topic": telebridges.TOPIC_MAX,
    "school": telebridges.NAME_MAX,
    "institution": telebridges.NAME_MAX,
    "partner": telebridges.NAME_MAX,
    "title": max(trips.TITLE_MAX, roadmap.TITLE_MAX, events.VENUE_MAX),
    "trip": trips.TITLE_MAX,
    "event": trips.TITLE_MAX,
    "name": profile.NAME_MAX,
    "organisation": profile.ORGANISATION_MAX,
    "venue": events.VENUE_MAX,
    "reason": trip_admin.REASON_MAX,
    "label": trip_admin.QUESTION_LABEL_MAX,
}
UNKNOWN_TEXT = 400  # a field without a known limit: longer than any pop-up
NUMBERS = {"id": ID_MAX, "user_id": ID_MAX, "number": roadmap.NUMBER_MAX}
NUMERIC = {"count", "limit", "low", "high", "size", "total", "days", "minutes", "max", "min"}


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _literal_keys(node: ast.expr) -> set[str]:
    """ "key", or both keys of `"a" if x else "b"`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) | _literal_keys(node.orelse)
    return set()


def popup_keys() -> set[str]:
    """Keys passed to `popup()` or raised as UserError. A key built at run time counts by
    what it can be: an f-string by every text its fixed start begins, a variable by every
    key assigned to that name in the module, and a text key a function returns."""
    known = set(_variables("ru"))
    keys: set[str] = set()
    for path in [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        tree = ast.parse(path.read_text("utf-8"))
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, set()).update(_literal_keys(node.value))
            elif isinstance(node, ast.Return) and node.value is not None:
                keys |= _literal_keys(node.value) & known
        for call in _calls(tree):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in ("popup", "UserError") or not call.args:
                continue
            arg = call.args[0]
            keys |= _literal_keys(arg)
            if isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                start = str(arg.values[0].value)
                keys |= {key for key in known if key.startswith(start)}
            elif isinstance(arg, ast.Name):
                keys |= assigned.get(arg.id, set()) & known
    return keys


def _variables(language: str) -> dict[str, set[str]]:
    """Each message's variables (in selectors and variants too)."""
    found: dict[str, set[str]] = {}
    parser = FluentParser(with_spans=False)

    class Collect(Visitor):
        def __init__(self) -> None:
            self.names: set[str] = set()

        def visit_VariableReference(self, node: fluent_ast.VariableReference) -> None:
            self.names.add(node.id.name)

    for path in sorted((LOCALES_DIR / language).glob("*.ftl")):
        for entry in parser.parse(path.read_text("utf-8")).body:
            if isinstance(entry, fluent_ast.Message):
                collect = Collect()
                collect.visit(entry)
                found[entry.id.name] = collect.names
    return found


def longest_values(names: set[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        if name in NUMBERS:
            values[name] = NUMBERS[name]
        elif name in NUMERIC:
            values[name] = 10**6
        else:
            # Wide letters, and an emoji that counts twice in UTF-16.
            values[name] = ("Ж" * (LONGEST_TEXT.get(name, UNKNOWN_TEXT) - 1)) + "🎉"
    return values


def test_popup_keys_are_found_in_the_code() -> None:
    keys = popup_keys()
    # The clash message, the stale button and a decision taken already are among them.
    assert {"tb-error-overlap", "error-stale-button", "reg-already-decided"} <= keys
    # Built at run time: tb-error-state-<status>, a refusal, the answer to a join request.
    assert {"tb-error-state-cancelled", "reg-error-deadline", "school-join-approved"} <= keys
    assert len(keys) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_popup_fits_with_the_longest_values(language: str) -> None:
    t = Translations().get(language)
    variables = _variables(language)
    too_long, cut = [], []
    for key in sorted(popup_keys()):
        assert key in variables, f"{key} is not in the {language} texts"
        values = longest_values(variables[key])
        text = t.popup(key, **values)
        if len(text.encode("utf-16-le")) // 2 > POPUP_MAX:
            too_long.append(key)
        # Only the values are shortened: every word of the text itself is still there.
        markers = {
            name: f"\x01{name}\x01" for name, value in values.items() if isinstance(value, str)
        }
        skeleton = t.button(key, **{**values, **markers})
        for marker in markers.values():
            skeleton = skeleton.replace(marker, "\x00")
        for piece in skeleton.split("\x00"):
            if piece.strip() and piece.strip() not in text:
                cut.append(key)
                break
    assert not too_long
    assert not cut


def test_popup_shortens_the_values_not_the_text() -> None:
    t = Translations().get("ru")
    topic = "Т" * 200
    text = t.popup("tb-error-overlap", topic=topic, id=7)
    assert len(text) <= POPUP_MAX
    assert text.startswith("В это время у одной из школ уже есть подтверждённый телемост: «ТТТ")
    assert text.endswith("…». Выберите другое время.")
    assert t.popup("tb-error-overlap", topic="Наш город", id=7) == t.button(
        "tb-error-overlap", topic="Наш город", id=7
    )


def test_fit_popup_is_the_last_resort() -> None:
    assert fit_popup("коротко") == "коротко"
    cut = fit_popup("🎉" * 300)
    assert cut.endswith("…") and len(cut.encode("utf-16-le")) // 2 <= POPUP_MAX


async def test_the_clash_popup_naming_a_200_character_topic_is_answered(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    """Minsk accepts one proposal and then another at the same time: the pop-up that
    refuses the second names the first, whose topic is as long as a topic can be."""
    minsk = await coordinator(make_user, 3402, school="Средняя школа № 5", city="Минск")
    first = await coordinator(make_user, 3401, school="Гимназия № 1", city="Сочи")
    second = await coordinator(make_user, 3403, school="Лицей № 3", city="Сочи")
    when, _ = sochi_time(days=4, hour=11)
    long_topic = ("Наш город и его побратим: " * 10)[: telebridges.TOPIC_MAX]
    await propose(first, partner="🏫 Средняя школа № 5", when=when, topic=long_topic)
    first_notice, _ = press_label(minsk, "✅ Принять")
    await propose(second, partner="🏫 Средняя школа № 5", when=when, topic="Короткая тема")
    second_notice, _ = press_label(minsk, "✅ Принять")
    assert first_notice.message_id != second_notice.message_id

    def accept(notice: Any) -> dict[str, Any]:
        button = next(b for b in notice.buttons() if b.get("text") == "✅ Принять")
        return minsk.updates.callback(notice, button["callback_data"])

    await app.process(accept(first_notice))
    update = accept(second_notice)
    calls = await app.process(update)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and all(c.ok for c in answers), [c.result for c in answers]
    text = answers[-1].params["text"]
    assert "уже есть подтверждённый телемост" in text and text.endswith("Выберите другое время.")
    assert utf16_len(text) <= MAX_CALLBACK_ANSWER_LENGTH
    assert not any("Что-то пошло не так" in str(c.params.get("text", "")) for c in calls)


async def test_a_too_long_popup_set_anywhere_is_cut_before_it_is_sent(
    app: RunningBot, member: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The middleware's guarantee: even a text no `popup()` shortened is answered."""
    from handlers.kit import fallback

    def long_alert(answer: Any, text: str) -> None:
        answer.text = "Очень длинное объяснение. " * 20  # set directly, past every helper
        answer.show_alert = True

    monkeypatch.setattr(fallback, "alert", long_alert)
    calls = await member.press_data("nothing:here")
    (answer,) = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.ok and answer.params["text"].endswith("…")
    assert utf16_len(answer.params["text"]) <= MAX_CALLBACK_ANSWER_LENGTH
