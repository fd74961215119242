"""A new broadcast: segment → the message itself → preview → send now or schedule.

Organisers only: the staff router takes them, the refusals router answers everyone
else, and bot.broadcasts.service checks the access again on every action.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.broadcasts.capability import Broadcasts
from bot.broadcasts.service import (
    SEGMENT_FIELDS,
    BroadcastStatus,
    ContentKind,
    Segment,
    SegmentKind,
    Source,
    TripAudience,
    check_content,
    parse_schedule,
)
from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.ids import ID_MAX, parse_int
from bot.core.roles import Access, MemberRole, Person
from bot.core.timefmt import local_text, utc_now
from bot.events.capability import Events
from bot.events.service import EventStatus
from bot.trips.capability import Trips
from bot.trips.catalogue import TripStatus
from handlers.broadcasts import history
from handlers.broadcasts.keyboards import (
    PAGE_SIZE,
    BcAction,
    BcCb,
    BcFormAction,
    BcFormCb,
    BcPageCb,
    BcPickCb,
    audience_keyboard,
    cities_keyboard,
    content_keyboard,
    home_keyboard,
    institution_cities_keyboard,
    institution_kinds_keyboard,
    items_keyboard,
    kinds_keyboard,
    languages_keyboard,
    preview_keyboard,
    roles_keyboard,
    scheduled_keyboard,
    stop_keyboard,
)
from handlers.broadcasts.views import segment_label
from handlers.kit.access import organisers_only, refusals_router, staff_router
from handlers.kit.filters import Has
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.render import alert, send_new, shorten, show, zone_of

# Trips whose people can be written to: everything but drafts.
TRIP_STATUSES = tuple(status.value for status in TripStatus if status is not TripStatus.DRAFT)


class BroadcastForm(StatesGroup):
    segment = State()  # the kind, then each field the kind needs (see Segment.missing)
    content = State()
    preview = State()
    schedule = State()


# Home


async def home_command(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await send_new(message, t("bc-home"), home_keyboard(t))


async def home(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(callback, t("bc-home"), home_keyboard(t))


# The segment


def _segment(form: dict[str, Any]) -> Segment | None:
    raw = form.get("seg")
    return Segment.from_data(raw) if raw else None


@dataclass(frozen=True, slots=True)
class Composer:
    """The organiser writing a broadcast, and what the form's questions are drawn with
    (`composer`, built once per update by handlers.kit.context)."""

    t: Translator
    person: Person
    access: Access
    cities: Cities
    trips: Trips
    events: Events
    broadcasts: Broadcasts
    settings: Settings
    bot: Bot


class BroadcastFormSpec(FormSpec[Composer]):
    def __init__(self) -> None:
        super().__init__(
            group=BroadcastForm,
            steps=(
                # The kind, then each field the kind needs (Segment.missing), one by one.
                Step(BroadcastForm.segment, "seg"),
                # A text, a photo or a file: checked by its own handler.
                Step(BroadcastForm.content, "src", typed=True),
            ),
            # A time typed after "Запланировать" (anything else: "use the buttons").
            side_steps=(Step(BroadcastForm.schedule),),
            summary=BroadcastForm.preview,
        )

    async def screen(self, ctx: Composer, step: State, data: FormData) -> Screen:
        if step == BroadcastForm.segment:
            return await _segment_screen(ctx, _segment(data))
        if step == BroadcastForm.content:
            return await _content_screen(ctx, _segment(data))
        if step == BroadcastForm.schedule:
            return await _time_screen(ctx)
        return await _preview_screen(ctx, _segment(data))

    async def cancelled(self, ctx: Composer, data: FormData) -> Screen:
        return ctx.t("bc-cancelled"), home_keyboard(ctx.t)

    def leaving(self, data: FormData, step: State) -> FormData:
        if step == BroadcastForm.preview:
            return {"src": None}  # back to the message: a new one is asked for
        if step in (BroadcastForm.segment, BroadcastForm.content):
            previous = _step_back(_segment(data))  # the segment's last answer undone
            return {"seg": previous.to_json() if previous else None}
        return {}

    def back_from_side(self, data: FormData, step: State) -> State:
        return BroadcastForm.preview  # from the time back to the preview


FORM = Form(BroadcastFormSpec())


async def _segment_screen(composer: Composer, segment: Segment | None, page: int = 0) -> Screen:
    """The segment's next question (the kind first)."""
    t, cities = composer.t, composer.cities
    if segment is None:
        return t("bc-ask-kind"), kinds_keyboard(t)
    field = segment.missing()
    if field is None:  # complete: the message is asked for
        return await _content_screen(composer, segment)
    if field == "city_id":
        return t("bc-ask-city"), cities_keyboard(t, await cities.list())
    if field == "role":
        return t("bc-ask-role"), roles_keyboard(t)
    if field == "language":
        return t("bc-ask-language"), languages_keyboard(t)
    if field in ("trip_id", "event_id"):
        zone = await zone_of(composer.person, cities, composer.settings)
        if field == "trip_id":
            return await _trip_screen(t, composer.trips, zone, page=page)
        return await _event_screen(t, composer.events, zone, page=page)
    if field == "inst_city":
        return t("bc-ask-inst-city"), institution_cities_keyboard(t, await cities.list())
    if field == "inst_kind":
        return t("bc-ask-inst-kind"), institution_kinds_keyboard(t)
    trip = await composer.trips.repo.get(trip_id=segment.trip_id or 0)
    return t("bc-ask-audience", title=trip.title if trip else "?"), audience_keyboard(t)


async def _reach(composer: Composer, segment: Segment | None) -> tuple[str, int, int]:
    """The segment in words, how many people it reaches, and how many of them blocked
    the bot: said when the message is asked for and again on the preview."""
    assert segment is not None
    total, blocked = await composer.broadcasts.service.count(
        actor_access=composer.access, segment=segment
    )
    t = composer.t
    label = await segment_label(t, segment, composer.cities, composer.trips, composer.events)
    return label, total, blocked


async def _content_screen(composer: Composer, segment: Segment | None) -> Screen:
    """The request for the message, with how many people the segment reaches."""
    t = composer.t
    label, total, blocked = await _reach(composer, segment)
    return t("bc-ask-content", segment=label, count=total, blocked=blocked), content_keyboard(t)


async def _trip_screen(t: Translator, trips: Trips, zone: str, *, page: int) -> Screen:
    async def load(limit: int, offset: int) -> tuple[list[tuple[str, int]], int]:
        items, total = await trips.repo.catalogue(
            statuses=TRIP_STATUSES, role=None, from_city_id=None, limit=limit, offset=offset
        )
        labels = [
            (_item_label(t, item.trip.starts_at, item.trip.title, zone), item.trip.id)
            for item in items
        ]
        return labels, total

    return await _item_screen(t, load, page=page, ask="bc-ask-trip", none="bc-no-trips")


async def _event_screen(t: Translator, events: Events, zone: str, *, page: int) -> Screen:
    async def load(limit: int, offset: int) -> tuple[list[tuple[str, int]], int]:
        items, total = await events.repo.catalogue(now=utc_now(), limit=limit, offset=offset)
        labels = [(_item_label(t, e.starts_at, e.title, zone), e.id) for e in items]
        return labels, total

    return await _item_screen(t, load, page=page, ask="bc-ask-event", none="bc-no-events")


def _item_label(t: Translator, starts_at: datetime, title: str, zone: str) -> str:
    """A trip or an event to pick, dated in the organiser's city time."""
    return shorten(t.button("bc-item", date=local_text(starts_at, zone, "date"), title=title), 60)


async def _item_screen(
    t: Translator,
    load: Callable[[int, int], Awaitable[tuple[list[tuple[str, int]], int]]],
    *,
    page: int,
    ask: str,
    none: str,
) -> Screen:
    """One page of a list to pick a trip or an event from."""
    _, total = await load(1, 0)
    if total == 0:
        return t(none), content_keyboard(t)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    items, _ = await load(PAGE_SIZE, page * PAGE_SIZE)
    return t(ask), items_keyboard(t, items, page=page, pages=pages)


async def new_broadcast(
    callback: CallbackQuery, state: FSMContext, form_context: Composer
) -> None:
    await FORM.start(callback, state, form_context, {}, at=BroadcastForm.segment)


async def _known(field: str, number: int, cities: Cities, trips: Trips, events: Events) -> bool:
    """Whether a picked city, trip or event exists and may be written to."""
    if field in ("city_id", "inst_city"):
        return (field == "inst_city" and number == 0) or (
            await cities.get(city_id=number) is not None
        )
    if field == "trip_id":
        trip = await trips.repo.get(trip_id=number)
        return trip is not None and trip.status in TRIP_STATUSES
    event = await events.repo.get(event_id=number)
    return event is not None and event.status == EventStatus.SCHEDULED


async def _checked_value(
    segment: Segment | None, value: str, cities: Cities, trips: Trips, events: Events
) -> Segment:
    """The pressed choice applied to the segment; a stale or forged one is refused."""
    try:
        if segment is None:
            return Segment(kind=SegmentKind(value))
        field = segment.missing()
        if field in ("city_id", "trip_id", "event_id", "inst_city"):
            # 0 is "any city" for institutions; anything unparsed is refused below.
            number = parse_int(value, low=0, high=ID_MAX)
            if number is None or not await _known(field, number, cities, trips, events):
                raise UserError("bc-error-choice")
            return segment.with_value(field, number)
        if field == "role":
            return segment.with_value(field, MemberRole(value).value)
        if field in ("language", "audience", "inst_kind"):
            checked = TripAudience(value).value if field == "audience" else value
            return segment.with_value(field, checked)  # checked by Segment.from_data
    except ValueError:
        pass
    raise UserError("bc-error-choice")


async def segment_pick(
    callback: CallbackQuery,
    callback_data: BcPickCb,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    form_context: Composer,
) -> None:
    composer = form_context
    try:
        segment = await _checked_value(
            _segment(await state.get_data()),
            callback_data.value,
            composer.cities,
            composer.trips,
            composer.events,
        )
    except UserError as error:
        alert(callback_answer, composer.t.popup(error.key, **error.args_))
        return
    values = {"seg": segment.to_json()}
    if segment.missing() is None:  # complete: on to the message
        await FORM.answered(callback, state, composer, BroadcastForm.segment, values)
        return
    await state.update_data(values)
    await FORM.show(callback, state, composer, BroadcastForm.segment)


async def list_page(
    callback: CallbackQuery, callback_data: BcPageCb, state: FSMContext, form_context: Composer
) -> None:
    segment = _segment(await state.get_data())
    if segment is not None and segment.missing() in ("event_id", "trip_id"):
        screen = await _segment_screen(form_context, segment, page=callback_data.page)
        await show(callback, *screen)


def _step_back(segment: Segment | None) -> Segment | None:
    """The segment without its last answer (None: choose the kind again)."""
    if segment is None:
        return None
    for field in reversed(SEGMENT_FIELDS[segment.kind]):
        if getattr(segment, field) is not None:
            return segment.with_value(field, None)
    return None


# The message itself


def _content_kind(message: Message) -> ContentKind | None:
    if message.photo:
        return ContentKind.PHOTO
    if message.document:
        return ContentKind.DOCUMENT
    if message.text is not None:
        return ContentKind.TEXT
    return None


async def content(message: Message, state: FSMContext, form_context: Composer) -> None:
    composer, t = form_context, form_context.t
    kind = _content_kind(message)
    try:
        check_content(kind, message.caption if kind is not ContentKind.TEXT else message.text)
    except UserError as error:
        await FORM.wrong(message, state, composer, t(error.key, **error.args_))
        return
    assert kind is not None
    await state.update_data(src=[message.chat.id, message.message_id, kind.value])
    # The preview is the very copy people will get.
    await message.answer(t("bc-preview-above"))
    await composer.bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    await FORM.show(message, state, composer, BroadcastForm.preview, new=True)


async def _preview_screen(composer: Composer, segment: Segment | None) -> Screen:
    t = composer.t
    label, total, blocked = await _reach(composer, segment)
    text = t("bc-preview", segment=label, count=total, blocked=blocked)
    return text, preview_keyboard(t, can_send=total > 0)


def _source(form: dict[str, Any]) -> Source:
    chat_id, message_id, kind = form["src"]
    return Source(chat_id=int(chat_id), message_id=int(message_id), kind=str(kind))


async def send(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    access: Access,
    broadcasts: Broadcasts,
    callback_answer: CallbackAnswer,
) -> None:
    data = await state.get_data()
    segment = _segment(data)
    assert segment is not None and isinstance(callback.message, Message)
    try:
        broadcast = await broadcasts.service.send_now(
            actor_id=callback.from_user.id,
            actor_access=access,
            segment=segment,
            source=_source(data),
            now=utc_now(),
            progress=(callback.message.chat.id, callback.message.message_id),
        )
    except UserError as error:
        alert(callback_answer, t.popup(error.key, **error.args_))
        return
    await state.clear()
    if broadcast.status == BroadcastStatus.QUEUEING:
        # Its first recipients are saved; the rest will be queued by the monitor.
        text = t("bc-started-queueing", id=broadcast.id)
    else:
        text = t("bc-started", id=broadcast.id, total=broadcast.recipients)
    await show(callback, text, stop_keyboard(t, broadcast.id))


# Scheduling


async def _city_time(
    t: Translator, person: Person, cities: Cities, settings: Settings
) -> tuple[str, str]:
    """The organiser's time zone and the name of the city it belongs to."""
    zone = await zone_of(person, cities, settings)
    city = await cities.get(city_id=person.city_id) if person.city_id else None
    return zone, city.name(t.language) if city else zone


async def ask_time(callback: CallbackQuery, state: FSMContext, form_context: Composer) -> None:
    await FORM.show(callback, state, form_context, BroadcastForm.schedule)


async def _time_screen(composer: Composer) -> Screen:
    t = composer.t
    zone, city = await _city_time(t, composer.person, composer.cities, composer.settings)
    example = local_text(utc_now() + timedelta(days=1), zone, "date") + " 10:00"
    return t("bc-ask-time", city=city, example=example), content_keyboard(t)


async def schedule(
    message: Message,
    state: FSMContext,
    access: Access,
    broadcasts: Broadcasts,
    form_context: Composer,
) -> None:
    composer, t, person = form_context, form_context.t, form_context.person
    zone, city = await _city_time(t, person, composer.cities, composer.settings)
    data = await state.get_data()
    segment = _segment(data)
    assert segment is not None
    try:
        at = parse_schedule(message.text, zone, utc_now())
        broadcast = await broadcasts.service.schedule(
            actor_id=person.tg_id,
            actor_access=access,
            segment=segment,
            source=_source(data),
            at=at,
            now=utc_now(),
        )
    except UserError as error:
        await FORM.wrong(message, state, composer, t(error.key, **error.args_))
        return
    await state.clear()
    sent = await message.answer(
        t("bc-scheduled", id=broadcast.id, when=local_text(at, zone), city=city),
        reply_markup=scheduled_keyboard(t, broadcast.id),
    )
    # This message turns into the progress message when the broadcast starts.
    await broadcasts.service.attach_progress(
        broadcast_id=broadcast.id, chat_id=sent.chat.id, message_id=sent.message_id
    )
    broadcasts.wake_monitor()


# Routers


def _form_router() -> Router:
    router = FORM.router(__name__, Composer)
    cb, msg, form = router.callback_query.register, router.message.register, BcFormCb.filter
    cb(new_broadcast, BcCb.filter(F.action == BcAction.NEW))
    cb(segment_pick, StateFilter(BroadcastForm.segment), BcPickCb.filter())
    cb(list_page, StateFilter(BroadcastForm.segment), BcPageCb.filter())
    msg(content, StateFilter(BroadcastForm.content))
    cb(send, StateFilter(BroadcastForm.preview), form(F.action == BcFormAction.SEND))
    cb(ask_time, StateFilter(BroadcastForm.preview), form(F.action == BcFormAction.SCHEDULE))
    msg(schedule, StateFilter(BroadcastForm.schedule), Has(F.text))
    FORM.register(
        router,
        back=form(F.action == BcFormAction.BACK),
        cancel=form(F.action == BcFormAction.CANCEL),
    )
    return router


def _staff_router() -> Router:
    router = staff_router(__name__)
    cb, msg = router.callback_query.register, router.message.register
    msg(home_command, Command("broadcast"))
    cb(home, PanelCb.filter(F.action == PanelAction.BROADCASTS))
    cb(home, BcCb.filter(F.action == BcAction.HOME))
    router.include_router(_form_router())
    history.register(router)
    return router


def create_router() -> Router:
    refusals = refusals_router(
        __name__,
        messages=(Command("broadcast"), StateFilter(BroadcastForm)),
        callbacks=(BcCb.filter(), BcFormCb.filter(), BcPickCb.filter(), BcPageCb.filter()),
    )
    return organisers_only(__name__, _staff_router(), refusals)
