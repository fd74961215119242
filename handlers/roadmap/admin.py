"""Organisers' side of the roadmap: an item's status (with confirmation; followers are
told), its notes, the trips, events and telebridges linked to it, and whether every held
telebridge counts for it. Organisers only; anyone else gets a polite no, and the rules
in bot/roadmap/service.py check the access again."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.timefmt import utc_now
from bot.roadmap.capability import Roadmap
from bot.roadmap.service import (
    NOTES_MAX,
    Item,
    RoadmapNotices,
    StatusChange,
    parse_kind,
    parse_status,
    status_name,
)
from handlers.kit.access import organisers_only, refusals_router, staff_router
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.context import with_context
from handlers.kit.filters import Has
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import alert, send_new, show, show_error, zone_of
from handlers.roadmap.callbacks import RmOrgAction, RmOrgCb
from handlers.roadmap.overview import Reader, show_card
from handlers.roadmap.states import RoadmapNotes
from handlers.roadmap.views import (
    PAGE_SIZE,
    notes_keyboard,
    picker_keyboard,
    status_confirm_keyboard,
    status_keyboard,
)


async def _item(
    callback: CallbackQuery, item_id: int, roadmap: Roadmap, t: Translator, answer: CallbackAnswer
) -> Item | None:
    item = await roadmap.repo.get(item_id=item_id)
    if item is None:
        alert(answer, t.popup("roadmap-error-not-found"))
    return item


async def status_menu(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    roadmap: Roadmap,
) -> None:
    item = await _item(callback, callback_data.id, roadmap, t, callback_answer)
    if item is None:
        return
    text = t(
        "roadmap-status-choose",
        number=item.number,
        title=item.title,
        status=status_name(t, item.status),
    )
    await show(callback, text, status_keyboard(t, item))


async def announce(notices: RoadmapNotices, change: StatusChange, now: datetime) -> int:
    return await notices.announce(change.history_id, now=now)


async def set_status(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    reader: Reader,
) -> None:
    t, access, roadmap = reader.t, reader.access, reader.roadmap
    item = await _item(callback, callback_data.id, roadmap, t, callback_answer)
    if item is None:
        return
    try:
        status = parse_status(callback_data.value)
        if not callback_data.confirm:
            if status == item.status:
                raise UserError("roadmap-error-status-same")
            text = t(
                "roadmap-status-confirm",
                number=item.number,
                title=item.title,
                old=status_name(t, item.status),
                new=status_name(t, status),
            )
            await show(callback, text, status_confirm_keyboard(t, item, status.value))
            return
        now = utc_now()
        change = await roadmap.service.change_status(
            actor_id=callback.from_user.id,
            actor_access=access,
            item_id=item.id,
            status=status.value,
            now=now,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    told = await announce(roadmap.notices, change, now)
    callback_answer.text = t.popup("roadmap-status-changed", count=told)
    await show_card(callback, item.id, reader)


class NotesFormSpec(FormSpec[Reader]):
    """One question, the item's notes, saved as soon as they are typed."""

    def __init__(self) -> None:
        super().__init__(
            group=RoadmapNotes,
            steps=(Step(RoadmapNotes.text, "notes", typed=True),),
            summary=None,
        )

    async def screen(self, ctx: Reader, step: State, data: FormData) -> Screen:
        item = await ctx.roadmap.repo.get(item_id=int(data["roadmap_item"]))
        if item is None:  # deleted meanwhile: the handlers end the form first
            raise UserError("roadmap-error-not-found")
        return ctx.t("roadmap-notes-ask", number=item.number, limit=NOTES_MAX), notes_keyboard(
            ctx.t, item
        )


FORM = Form(NotesFormSpec())


async def notes_start(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Reader,
) -> None:
    t, roadmap = form_context.t, form_context.roadmap
    item = await _item(callback, callback_data.id, roadmap, t, callback_answer)
    if item is None:
        return
    await FORM.start(
        callback, state, form_context, {"roadmap_item": item.id}, at=RoadmapNotes.text
    )


def _roadmap_way_on(t: Translator) -> InlineKeyboardMarkup:
    """Where an answer about an item that is gone leads: the roadmap, the menu."""
    roadmap = InlineKeyboardButton(
        text=t.button("menu-roadmap"), callback_data=MenuCb(item=MenuItem.ROADMAP).pack()
    )
    return way_on_keyboard(t, roadmap)


async def _ask_notes_again(
    message: Message, item_id: int, explanation: str, state: FSMContext, reader: Reader
) -> None:
    """A wrong note: say why, then the question again with its buttons."""
    if await reader.roadmap.repo.get(item_id=item_id) is None:
        # Deleted meanwhile: nothing left to ask about, the form ends.
        await state.clear()
        await message.answer(explanation, reply_markup=_roadmap_way_on(reader.t))
        return
    await FORM.wrong(message, state, reader, explanation)


async def _save_notes(
    target: Message | CallbackQuery,
    item_id: int,
    notes: str | None,
    state: FSMContext,
    reader: Reader,
) -> bool:
    t = reader.t
    assert target.from_user is not None
    try:
        await reader.roadmap.service.set_notes(
            actor_id=target.from_user.id, actor_access=reader.access, item_id=item_id, notes=notes
        )
    except UserError as error:
        if isinstance(target, Message):
            explanation = t(error.key, **error.args_)
            await _ask_notes_again(target, item_id, explanation, state, reader)
        else:
            await send_new(target, t(error.key, **error.args_), _roadmap_way_on(t))
        return False
    return True


async def notes_typed(message: Message, state: FSMContext, form_context: Reader) -> None:
    reader = form_context
    item_id = (await state.get_data()).get("roadmap_item")
    if not isinstance(item_id, int):
        await state.clear()
        return
    if await _save_notes(message, item_id, message.text, state, reader):
        await state.clear()
        await message.answer(reader.t("roadmap-notes-saved"))
        await show_card(message, item_id, reader, new=True)


async def notes_not_text(message: Message, state: FSMContext, form_context: Reader) -> None:
    item_id = (await state.get_data()).get("roadmap_item")
    if not isinstance(item_id, int):
        await state.clear()
        return
    explanation = form_context.t("error-text-expected")
    await _ask_notes_again(message, item_id, explanation, state, form_context)


async def notes_clear(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    reader: Reader,
) -> None:
    t = reader.t
    await state.clear()
    if await _save_notes(callback, callback_data.id, None, state, reader):
        callback_answer.text = t.popup("roadmap-notes-cleared")
        await show_card(callback, callback_data.id, reader)


async def picker(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    reader: Reader,
) -> None:
    t, roadmap = reader.t, reader.roadmap
    repo = roadmap.repo
    item = await _item(callback, callback_data.id, roadmap, t, callback_answer)
    if item is None:
        return
    try:
        kind = parse_kind(callback_data.value)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    page = max(callback_data.page, 0)
    choices, total = await repo.pickable(
        item_id=item.id, kind=kind, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page >= pages and total:
        page = pages - 1
        choices, total = await repo.pickable(
            item_id=item.id, kind=kind, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
    linked = len(await repo.linked_ids(item_id=item.id, kind=kind))
    key = f"roadmap-pick-{kind.value}" if total else f"roadmap-pick-{kind.value}-none"
    text = t(key, number=item.number, title=item.title, linked=linked)
    zone = await zone_of(reader.person, reader.cities, reader.settings)
    await show(
        callback, text, picker_keyboard(t, item, kind, choices, zone, page=page, pages=pages)
    )


async def toggle(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    reader: Reader,
) -> None:
    t, access, roadmap = reader.t, reader.access, reader.roadmap
    repo = roadmap.repo
    try:
        kind = parse_kind(callback_data.value)
        linked = callback_data.target in await repo.linked_ids(item_id=callback_data.id, kind=kind)
        await roadmap.service.set_link(
            actor_id=callback.from_user.id,
            actor_access=access,
            item_id=callback_data.id,
            kind=kind.value,
            target_id=callback_data.target,
            linked=not linked,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup("roadmap-unlinked" if linked else "roadmap-linked")
    await picker(callback, callback_data, callback_answer, reader)


async def all_telebridges(
    callback: CallbackQuery,
    callback_data: RmOrgCb,
    callback_answer: CallbackAnswer,
    reader: Reader,
) -> None:
    t, access, roadmap = reader.t, reader.access, reader.roadmap
    item = await _item(callback, callback_data.id, roadmap, t, callback_answer)
    if item is None:
        return
    try:
        updated = await roadmap.service.set_all_telebridges(
            actor_id=callback.from_user.id,
            actor_access=access,
            item_id=item.id,
            value=not item.all_telebridges,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup(
        "roadmap-all-on-done" if updated.all_telebridges else "roadmap-all-off-done"
    )
    await show_card(callback, item.id, reader)


def create_router() -> Router:
    # The card's handlers get the reader of an item's card (handlers.kit.context), the
    # notes form the same object as its form_context (a router of its own: built once).
    cards = with_context(Router(name=f"{__name__}.cards"), "reader", Reader)
    cb = cards.callback_query.register
    org = RmOrgCb.filter
    cb(status_menu, org(F.action == RmOrgAction.STATUS))
    cb(set_status, org(F.action == RmOrgAction.SET_STATUS))
    cb(notes_clear, org(F.action == RmOrgAction.CLEAR_NOTES))
    cb(picker, org(F.action == RmOrgAction.LINKS))
    cb(toggle, org(F.action == RmOrgAction.TOGGLE))
    cb(all_telebridges, org(F.action == RmOrgAction.ALL_TELEBRIDGES))
    notes = FORM.router(__name__, Reader)
    notes.callback_query.register(notes_start, org(F.action == RmOrgAction.NOTES))
    notes.message.register(notes_typed, StateFilter(RoadmapNotes.text), Has(F.text))
    # Not the engine's own catch-all: an item deleted meanwhile ends the form.
    notes.message.register(notes_not_text, StateFilter(RoadmapNotes.text))
    staff = staff_router(__name__)
    staff.include_routers(cards, notes)
    refusals = refusals_router(
        __name__, messages=(StateFilter(RoadmapNotes),), callbacks=(RmOrgCb.filter(),)
    )
    return organisers_only(__name__, staff, refusals)
