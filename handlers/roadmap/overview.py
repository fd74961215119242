"""Everyone's side of the roadmap: progress by direction, a direction's items, an item's
card with what its linked activities have come to, following the roadmap."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.roadmap.capability import Roadmap
from bot.roadmap.service import RoadmapStatus
from bot.trips.catalogue import Direction
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.filters import Onboarded
from handlers.kit.render import Target, alert, send_new, show, show_error, zone_of
from handlers.roadmap.callbacks import RmAction, RmCb
from handlers.roadmap.states import RoadmapNotes
from handlers.roadmap.views import (
    PAGE_SIZE,
    card_keyboard,
    card_text,
    direction_keyboard,
    direction_text,
    overview_keyboard,
    overview_text,
)


async def show_overview(
    target: Target, t: Translator, roadmap: Roadmap, *, new: bool = False
) -> None:
    service = roadmap.service
    directions = await service.overview()
    assert target.from_user is not None  # private chats only: every update has a sender
    following = await service.is_following(tg_id=target.from_user.id)
    text = overview_text(t, directions, following=following)
    keyboard = overview_keyboard(t, directions, following=following)
    if new:
        await send_new(target, text, keyboard)
    else:
        await show(target, text, keyboard)


async def roadmap_command(message: Message, t: Translator, roadmap: Roadmap) -> None:
    await show_overview(message, t, roadmap, new=True)


async def roadmap_menu(callback: CallbackQuery, t: Translator, roadmap: Roadmap) -> None:
    await show_overview(callback, t, roadmap)


async def direction_page(
    callback: CallbackQuery,
    callback_data: RmCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    roadmap: Roadmap,
) -> None:
    if callback_data.direction not in set(Direction):
        # Forged or from an older release: no such direction to show (nor a text for it).
        alert(callback_answer, t.popup("error-stale-button"))
        return
    direction = callback_data.direction
    page = max(callback_data.page, 0)
    items, total = await roadmap.repo.page(
        direction=direction, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page >= pages and total:
        page = pages - 1
        items, total = await roadmap.repo.page(
            direction=direction, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
    counts = (await roadmap.repo.status_counts()).get(direction, {})
    done = counts.get(RoadmapStatus.DONE, 0)
    await show(
        callback,
        direction_text(t, direction, total, done),
        direction_keyboard(t, items, direction=direction, page=page, pages=pages),
    )


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads an item's card: their language, rights and city time."""

    t: Translator
    access: Access
    person: Person
    roadmap: Roadmap
    cities: Cities
    settings: Settings


async def show_card(
    target: Target, item_id: int, reader: Reader, *, page: int = 0, new: bool = False
) -> None:
    t = reader.t
    organiser = reader.access >= Access.ORGANISER
    card = await reader.roadmap.service.card(
        item_id=item_id, now=utc_now(), with_history=organiser
    )
    zone = await zone_of(reader.person, reader.cities, reader.settings)
    text = card_text(t, card, await reader.cities.by_id(), zone, organiser=organiser)
    keyboard = card_keyboard(t, card, organiser=organiser, page=page)
    if new:
        await send_new(target, text, keyboard)
    else:
        await show(target, text, keyboard)


async def item_card(
    callback: CallbackQuery,
    callback_data: RmCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    access: Access,
    person: Person,
    roadmap: Roadmap,
    cities: Cities,
    settings: Settings,
) -> None:
    if await state.get_state() == RoadmapNotes.text.state:
        await state.clear()  # "К пункту" from the notes screen: the notes stay as they were
    try:
        await show_card(
            callback,
            callback_data.id,
            Reader(t, access, person, roadmap, cities, settings),
            page=callback_data.page,
            new=callback_data.action == RmAction.DETAILS,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)


async def follow(
    callback: CallbackQuery,
    callback_data: RmCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    roadmap: Roadmap,
) -> None:
    on = callback_data.action == RmAction.FOLLOW
    changed = await roadmap.service.follow(tg_id=callback.from_user.id, now=utc_now(), on=on)
    callback_answer.text = t.popup("roadmap-followed" if on else "roadmap-unfollowed")
    if changed:  # a second tap carries the old screen: the first one has redrawn it
        await show_overview(callback, t, roadmap)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    router.message.register(roadmap_command, Command("roadmap"))
    router.callback_query.register(roadmap_menu, MenuCb.filter(F.item == MenuItem.ROADMAP))
    router.callback_query.register(roadmap_menu, RmCb.filter(F.action == RmAction.OVERVIEW))
    router.callback_query.register(direction_page, RmCb.filter(F.action == RmAction.DIRECTION))
    router.callback_query.register(
        item_card, RmCb.filter(F.action.in_({RmAction.ITEM, RmAction.DETAILS}))
    )
    router.callback_query.register(
        follow, RmCb.filter(F.action.in_({RmAction.FOLLOW, RmAction.UNFOLLOW}))
    )
    return router
