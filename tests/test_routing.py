"""Routers skip button presses and commands meant for others, through aiogram's own
filters (handlers/kit/routing.py): a plain aiogram Router works beside them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from handlers import get_routers
from handlers.kit.routing import Routing, all_commands, callback_prefixes, handler_routers
from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
USER = User(id=1, is_bot=False, first_name="Анна")
CHAT = Chat(id=1, type="private")


def _press(data: str) -> Update:
    message = Message(message_id=1, date=0, chat=CHAT)
    callback = CallbackQuery(id="1", from_user=USER, chat_instance="1", message=message, data=data)
    return Update(update_id=1, callback_query=callback)


def _typed(text: str) -> Update:
    return Update(
        update_id=1, message=Message(message_id=2, date=0, chat=CHAT, from_user=USER, text=text)
    )


def _named(name: str, prefix: type[TripCb] | type[RegCb] | None, calls: list[str]) -> Router:
    router = Router(name=name)

    async def handled(callback: CallbackQuery) -> str:
        calls.append(name)
        return f"{name}: {callback.data}"

    if prefix is None:
        router.callback_query.register(handled)
    else:
        router.callback_query.register(handled, prefix.filter())
    return router


async def _feed(routers: list[Router], update: Update) -> object:
    dp = Dispatcher()
    dp.include_router(handler_routers(routers))
    return await dp.feed_update(bot=Bot(token=TOKEN), update=update)


async def test_a_router_takes_the_prefixes_of_its_sub_routers() -> None:
    parent, child = Router(), Router()
    parent.include_router(child)
    parent.callback_query.register(lambda c: None, TripCb.filter())
    child.callback_query.register(lambda c: None, RegCb.filter())
    assert callback_prefixes(parent) == {TripCb.__prefix__, RegCb.__prefix__}
    assert callback_prefixes(child) == {RegCb.__prefix__}


def test_a_catch_all_button_handler_keeps_every_press() -> None:
    router = Router()
    router.callback_query.register(lambda c: None, TripCb.filter())
    router.callback_query.register(lambda c: None)
    assert callback_prefixes(router) is None


async def test_a_press_is_offered_only_to_the_routers_of_its_prefix_in_order() -> None:
    calls: list[str] = []
    routers = [_named("trips", TripCb, calls), _named("any", None, calls)]
    routers.append(_named("regs", RegCb, calls))
    reg = RegCb(action=RegAction.OPEN, id=5).pack()
    # The catch-all before "regs" takes its press, as aiogram's order says.
    assert await _feed(routers, _press(reg)) == f"any: {reg}"
    calls.clear()
    assert (
        await _feed([_named("trips", TripCb, calls), _named("regs", RegCb, calls)], _press(reg))
        == f"regs: {reg}"
    )
    assert await _feed([_named("trips", TripCb, calls)], _press(reg)) is UNHANDLED
    # A router that does not handle the prefix was never offered the press.
    assert calls == ["regs"]


async def test_a_plain_router_works_beside_them() -> None:
    calls: list[str] = []
    plain = Router(name="plain")

    async def anything(callback: CallbackQuery) -> str:
        return "plain"

    plain.callback_query.register(anything)
    trip = TripCb(action=TripAction.OPEN, id=5).pack()
    assert await _feed([_named("regs", RegCb, calls), plain], _press(trip)) == "plain"


async def test_a_command_skips_earlier_routers_that_do_not_register_it() -> None:
    async def catch_all(message: Message) -> str:
        return "form's catch-all"

    async def trips(message: Message) -> str:
        return "trips"

    def routers() -> list[Router]:
        form, owner = Router(name="form"), Router(name="owner")
        form.message.register(catch_all)
        owner.message.register(trips, Command("trips"))
        return [form, owner]

    assert await _feed(routers(), _typed("/trips")) == "trips"
    assert await _feed(routers(), _typed("/unknown")) == "form's catch-all"
    assert await _feed(routers(), _typed("some text")) == "form's catch-all"


def test_the_fallback_router_still_sees_every_press() -> None:
    routers = get_routers()
    fallback = routers[-1]
    assert fallback.name == "handlers.kit.fallback"
    routing = Routing("callback_query", routers)
    assert routing._by_prefix[RegCb.__prefix__][-1] is fallback
    assert routing._any_press[-1] is fallback


def test_every_command_of_the_bot_is_routed() -> None:
    assert {"start", "trips", "events", "broadcast"} <= all_commands(get_routers())


def _aiogram_overrides() -> list[str]:
    """Methods of aiogram's classes that a class of ours redefines, where aiogram's
    method is not an abstract one meant to be written (a middleware's or a filter's
    __call__, a storage's methods)."""
    found = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = importlib.import_module(name.removesuffix(".__init__"))
            for cls in vars(module).values():
                if not isinstance(cls, type) or cls.__module__ != module.__name__:
                    continue
                parents = [p for p in cls.__mro__[1:] if p.__module__.startswith("aiogram")]
                for attr, value in vars(cls).items():
                    if not callable(value) or attr == "__init__":
                        continue
                    for parent in parents:
                        theirs = getattr(parent, attr, None)
                        if theirs is not None and not getattr(
                            theirs, "__isabstractmethod__", False
                        ):
                            found.append(
                                f"{name}.{cls.__name__}.{attr} overrides {parent.__name__}'s"
                            )
                            break
    return found


def test_nothing_overrides_or_imports_aiogram_internals() -> None:
    """aiogram's public API only: no private name of aiogram imported or passed, and no
    method of aiogram's overridden, in bot/ or handlers/ (an upgrade inside 3.x then
    cannot silently change what the bot does)."""
    found = _aiogram_overrides()
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text())
            where = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aiogram"):
                    found += [
                        f"{where}: imports {node.module}.{alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_") or "._" in (node.module or "")
                    ]
                if (
                    isinstance(node, ast.keyword)
                    and (node.arg or "").startswith("_")
                    and node.arg != "_env_file"  # pydantic-settings' documented argument
                ):
                    found.append(f"{where}:{node.lineno} passes {node.arg}=")
    assert not found, "\n".join(found)
