"""Routers skip button presses they have no handler for."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Chat, Message, User

from handlers import get_routers
from handlers.filters import CallbackPrefix, callback_prefixes, skip_foreign_callbacks
from handlers.trip_callbacks import RegAction, RegCb, TripAction, TripCb


async def _noop(callback: CallbackQuery) -> None:
    return None


def _press(data: str) -> CallbackQuery:
    user = User(id=1, is_bot=False, first_name="Анна")
    message = Message(message_id=1, date=0, chat=Chat(id=1, type="private"))
    return CallbackQuery(id="1", from_user=user, chat_instance="1", message=message, data=data)


async def test_a_router_takes_the_prefixes_of_its_sub_routers() -> None:
    parent, child = Router(), Router()
    parent.include_router(child)
    parent.callback_query.register(_noop, TripCb.filter())
    child.callback_query.register(_noop, RegCb.filter())
    assert callback_prefixes(parent) == {TripCb.__prefix__, RegCb.__prefix__}

    skip_foreign_callbacks(parent)
    [prefix_filter] = [f.callback for f in parent.callback_query._handler.filters or ()]
    assert isinstance(prefix_filter, CallbackPrefix)
    assert await prefix_filter(_press(RegCb(action=RegAction.OPEN, id=5).pack()))
    assert await prefix_filter(_press(TripCb(action=TripAction.OPEN, id=5).pack()))
    assert not await prefix_filter(_press("menu:main"))


def test_a_catch_all_button_handler_keeps_every_press() -> None:
    router = Router()
    router.callback_query.register(_noop, TripCb.filter())
    router.callback_query.register(_noop)
    assert callback_prefixes(router) is None
    skip_foreign_callbacks(router)
    assert not router.callback_query._handler.filters


def test_the_fallback_router_still_sees_every_press() -> None:
    fallback = get_routers()[-1]
    assert fallback.name == "handlers.fallback"
    assert not fallback.callback_query._handler.filters
