"""Routers skip button presses they have no handler for."""

from __future__ import annotations

import pytest
from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import CallbackQuery, Chat, Message, User

from handlers import get_routers
from handlers.kit.routing import (
    CapabilityRouter,
    HandlerRouters,
    callback_prefixes,
    skip_foreign_callbacks,
)
from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb


async def _handled(callback: CallbackQuery) -> str:
    return f"handled {callback.data}"


def _press(data: str) -> CallbackQuery:
    user = User(id=1, is_bot=False, first_name="Анна")
    message = Message(message_id=1, date=0, chat=Chat(id=1, type="private"))
    return CallbackQuery(id="1", from_user=user, chat_instance="1", message=message, data=data)


async def test_a_router_takes_the_prefixes_of_its_sub_routers() -> None:
    parent, child = CapabilityRouter(), CapabilityRouter()
    parent.include_router(child)
    parent.callback_query.register(_handled, TripCb.filter())
    child.callback_query.register(_handled, RegCb.filter())
    assert callback_prefixes(parent) == {TripCb.__prefix__, RegCb.__prefix__}

    skip_foreign_callbacks(parent)
    assert parent.callback_prefixes == {TripCb.__prefix__, RegCb.__prefix__}
    assert child.callback_prefixes == {RegCb.__prefix__}
    reg = RegCb(action=RegAction.OPEN, id=5).pack()
    trip = TripCb(action=TripAction.OPEN, id=5).pack()
    assert await parent.propagate_event("callback_query", _press(reg)) == f"handled {reg}"
    assert await parent.propagate_event("callback_query", _press(trip)) == f"handled {trip}"
    assert await parent.propagate_event("callback_query", _press("menu:main")) is UNHANDLED
    assert await child.propagate_event("callback_query", _press(trip)) is UNHANDLED


def test_a_catch_all_button_handler_keeps_every_press() -> None:
    router = CapabilityRouter()
    router.callback_query.register(_handled, TripCb.filter())
    router.callback_query.register(_handled)
    assert callback_prefixes(router) is None
    skip_foreign_callbacks(router)
    assert router.callback_prefixes is None


def test_the_fallback_router_still_sees_every_press() -> None:
    routers = HandlerRouters(get_routers())
    fallback = routers.sub_routers[-1]
    assert isinstance(fallback, CapabilityRouter)
    assert fallback.name == "handlers.kit.fallback"
    assert fallback.callback_prefixes is None
    assert routers._by_prefix[RegCb.__prefix__][-1] is fallback
    assert routers._any_press[-1] is fallback


def _named(name: str, prefix: type[TripCb] | type[RegCb] | None) -> CapabilityRouter:
    router = CapabilityRouter(name=name)

    async def handled(callback: CallbackQuery) -> str:
        return f"{name}: {callback.data}"

    if prefix is None:
        router.callback_query.register(handled)
    else:
        router.callback_query.register(handled, prefix.filter())
    return router


async def test_a_press_is_offered_to_the_routers_of_its_prefix_in_order() -> None:
    routers = HandlerRouters([_named("trips", TripCb), _named("any", None), _named("regs", RegCb)])
    reg = RegCb(action=RegAction.OPEN, id=5).pack()
    trip = TripCb(action=TripAction.OPEN, id=5).pack()
    assert [r.name for r in routers._by_prefix[RegCb.__prefix__]] == ["any", "regs"]
    # The catch-all before "regs" takes its press, as aiogram's order says.
    assert await routers.propagate_event("callback_query", _press(reg)) == f"any: {reg}"
    assert await routers.propagate_event("callback_query", _press(trip)) == f"trips: {trip}"
    forged = "zz:" + "9" * 60
    assert await routers.propagate_event("callback_query", _press(forged)) == f"any: {forged}"
    assert len(routers._by_prefix) == 2  # a forged prefix leaves nothing behind


def test_every_handler_module_builds_a_capability_router() -> None:
    with pytest.raises(TypeError, match="CapabilityRouter"):
        skip_foreign_callbacks(Router(name="plain"))
