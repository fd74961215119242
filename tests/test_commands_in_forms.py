"""Every menu command works in the middle of every form, as the router order promises."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

import handlers  # imports every form's states
from bot.core.command_menu import commands_for
from bot.core.i18n import Translations
from bot.core.roles import Access
from handlers.kit.routing import all_commands
from handlers.people.states import Onboarding
from tests.conftest import RunningBot, TgUser


def _groups(group: type[StatesGroup] = StatesGroup) -> Iterator[type[StatesGroup]]:
    for sub in group.__subclasses__():
        yield sub
        yield from _groups(sub)


# Onboarding's states hold only people who have not finished it; they have no menu.
FORM_STATES: list[State] = [
    state for group in _groups() if group is not Onboarding for state in group.__all_states__
]
# Links with a one-time token differ at every call, and /invite names the minute its link
# expires (the minute may turn between two calls).
_TOKENS = re.compile(r"(start=|startapp=)\S+")
_EXPIRES = re.compile(r"(до )\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}")
# /audit lists the latest actions, which the other commands add to: its usual answer is
# taken again right before.
_GROWING = {"audit"}
# /mydata says that a form is open (its data is kept until it ends).
_MENTIONS_THE_FORM = {"mydata"}


async def _answer(app: RunningBot, user: TgUser, command: str, state: State | None) -> list[str]:
    """What the bot says (sends or edits) when the command is typed in the given state."""
    key = StorageKey(bot_id=app.bot.id, chat_id=user.id, user_id=user.id)
    storage = app.dp.fsm.storage
    await storage.set_state(key, state)
    await storage.set_data(key, {})
    # Under the tests' flood limit (100 updates a second), or commands would be dropped.
    await asyncio.sleep(0.011)
    calls = await user.send(f"/{command}")
    return [
        _EXPIRES.sub(
            r"\1…",
            _TOKENS.sub(r"\1…", str(call.params.get("text") or call.params.get("caption") or "")),
        )
        for call in calls
        if call.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
    ]


def test_the_forms_and_commands_are_all_found() -> None:
    """The sweep below covers what the code has: a new form or command joins it."""
    names = {state.state for state in FORM_STATES}
    assert {"RegistrationForm:summary", "TripForm:title", "BroadcastForm:content"} <= names
    routed = all_commands(handlers.get_routers())
    assert set(commands_for(Access.ADMIN)) <= routed


async def test_every_command_answers_as_usual_inside_every_form(
    app: RunningBot, admin: TgUser
) -> None:
    commands = [c for c in commands_for(Access.ADMIN) if c != "cancel"]
    usual = {command: await _answer(app, admin, command, None) for command in commands}
    for command, texts in usual.items():
        assert texts, f"/{command} got no answer outside a form"
    wrong = []
    for state in FORM_STATES:
        for command in commands:
            if command in _GROWING:
                usual[command] = await _answer(app, admin, command, None)
            got = await _answer(app, admin, command, state)
            if command in _MENTIONS_THE_FORM:
                # The full answer, with a line saying that an unfinished form is kept.
                same = set("\n".join(usual[command]).splitlines()) <= set(
                    "\n".join(got).splitlines()
                )
            else:
                same = got == usual[command]
            if not same:
                wrong.append(f"/{command} in {state.state}: {got!r}")
    assert not wrong, "commands answered by the form instead:\n" + "\n".join(wrong)


@pytest.mark.parametrize("state", FORM_STATES[::7], ids=lambda s: s.state)
async def test_cancel_inside_a_form_leaves_it(
    app: RunningBot, admin: TgUser, state: State
) -> None:
    texts = await _answer(app, admin, "cancel", state)
    assert texts[0] == Translations().get("ru")("cancel-done"), texts
    key = StorageKey(bot_id=app.bot.id, chat_id=admin.id, user_id=admin.id)
    assert await app.dp.fsm.storage.get_state(key) is None
