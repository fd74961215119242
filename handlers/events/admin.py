"""Organisers' side of events: the form (new and edit), sharing, cancelling.

The form: kind → title → city → venue → start → end → description → link → preview →
saved. Editing starts at the preview, which has a button per field: that step is
asked with the same checks, then the preview comes back. Times are typed in the
event city's time and kept in the form as UTC ISO strings. The staff router takes
organisers only; the refusals router answers the same triggers from anyone else with
a polite no, and EventService checks the access again on every write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.core.cities import City
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.ids import parse_id, parse_prefixed_id
from bot.core.roles import Access
from bot.core.timefmt import to_db_time, utc_now
from bot.events.capability import Events
from bot.events.service import (
    Event,
    EventKind,
    EventStatus,
    NewEvent,
    check_end,
    check_start,
    clean_venue,
    parse_kind,
    when_text,
)
from bot.trips.admin import clean_description, clean_title
from bot.trips.capability import Trips
from bot.trips.catalogue import TripStatus, parse_local_datetime
from handlers.events.callbacks import (
    EventAction,
    EventCb,
    EventField,
    EventFieldCb,
    EventFormAction,
    EventFormCb,
    EventPickCb,
)
from handlers.events.viewer import Viewer
from handlers.events.views import back_to_event_keyboard, cancel_confirm_keyboard
from handlers.kit.access import organisers_only, refusals_router, staff_router
from handlers.kit.filters import Has
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.keyboards import InlineKeyboard
from handlers.kit.panel import to_panel_button
from handlers.kit.render import alert, send_new, shorten, show, show_error

LABEL_MAX = 60
LINKS_SHOWN = 8  # programmes and trips offered as links, each
NONE = "none"


class EventForm(StatesGroup):
    kind = State()
    title = State()
    city = State()
    venue = State()
    starts = State()
    ends = State()
    description = State()
    link = State()
    preview = State()


class EventFormSpec(FormSpec[Viewer]):
    def __init__(self) -> None:
        super().__init__(
            group=EventForm,
            steps=(
                Step(EventForm.kind, "kind"),
                Step(EventForm.title, "title", typed=True),
                Step(EventForm.city, "city_id"),
                Step(EventForm.venue, "venue", typed=True, skippable=True),
                Step(EventForm.starts, "starts_at", typed=True),
                # Left empty, the end equals the start.
                Step(EventForm.ends, "ends_at", typed=True, skippable=True),
                Step(EventForm.description, "description", typed=True, skippable=True),
                Step(EventForm.link, "link", skippable=True),
            ),
            summary=EventForm.preview,
            saved_key="eid",
        )

    async def screen(self, ctx: Viewer, step: State, data: FormData) -> Screen:
        cities = await ctx.cities.by_id()
        return FormView(ctx.t, data, cities, await _links(ctx.t, ctx.trips, data)).screen(step)

    async def cancelled(self, ctx: Viewer, data: FormData) -> Screen:
        return ctx.t("event-form-cancelled"), _saved_keyboard(ctx.t, data.get("eid"))

    def clash(self, data: FormData) -> tuple[State, str] | None:
        if data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            return EventForm.ends, "event-error-end-before-start"
        return None

    def skipped(self, data: FormData, step: Step) -> FormData:
        if step.key == "ends_at":  # no separate end: it ends when it starts
            return {"ends_at": data.get("starts_at")}
        return super().skipped(data, step)


SPEC = EventFormSpec()
FORM = Form(SPEC)
STEPS = tuple(step.state for step in SPEC.steps)
# Which form value each step fills.
VALUES = {step.state.state: key for step in SPEC.steps if (key := step.key)}
FIELD_STEPS = {
    EventField.KIND: EventForm.kind,
    EventField.TITLE: EventForm.title,
    EventField.CITY: EventForm.city,
    EventField.VENUE: EventForm.venue,
    EventField.STARTS: EventForm.starts,
    EventField.ENDS: EventForm.ends,
    EventField.DESCRIPTION: EventForm.description,
    EventField.LINK: EventForm.link,
}
# Steps that may be left empty with "Пропустить".
SKIPPABLE = tuple(step.state for step in SPEC.steps if step.skippable)


def _has(form: dict[str, Any], step: State) -> bool:
    key = VALUES.get(step.state or "")
    return key is not None and form.get(key) is not None


def _button(text: str, data: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _nav(t: Translator, builder: InlineKeyboard, *, back: bool) -> None:
    row = []
    if back:
        row.append(_button(t.button("btn-back"), EventFormCb(action=EventFormAction.BACK)))
    row.append(_button(t.button("btn-cancel"), EventFormCb(action=EventFormAction.CANCEL)))
    builder.row(*row)


class FormView:
    """The form's screens from its FSM data (primitives only)."""

    def __init__(
        self,
        t: Translator,
        form: dict[str, Any],
        cities: dict[int, City],
        links: dict[str, str],
    ) -> None:
        self.t, self.form, self.cities, self.links = t, form, cities, links

    def zone(self) -> str:
        city = self.cities.get(self.form.get("city_id") or 0)
        return city.timezone if city else "Europe/Moscow"

    def city_name(self) -> str:
        city = self.cities.get(self.form.get("city_id") or 0)
        return city.name(self.t.language) if city else "—"

    def value(self, step: State) -> str | None:
        t, form = self.t, self.form
        if not _has(form, step):
            return None
        match VALUES[step.state or ""]:
            case "kind":
                return t.button(f"event-kind-{form['kind']}")
            case "city_id":
                return self.city_name()
            case "starts_at" | "ends_at" as key:
                return when_text(
                    datetime.fromisoformat(form[key]),
                    datetime.fromisoformat(form[key]),
                    self.zone(),
                )
            case "link":
                return self.links.get(form["link"]) or t.button("event-no-link")
            case "venue" | "description" as key:
                return form[key] or t.button("event-empty")
            case key:
                return str(form[key])

    def screen(self, step: State) -> tuple[str, InlineKeyboardMarkup]:
        if step == EventForm.preview:
            return self.preview()
        t, form = self.t, self.form
        returning = bool(form.get("ret"))
        name = (step.state or "").split(":")[-1]
        text = t(f"event-ask-{name}", city=self.city_name())
        current = self.value(step)
        if current is not None:
            text += "\n\n" + t("org-current", value=current)
        builder = InlineKeyboard()
        if step == EventForm.kind:
            for kind in EventKind:
                builder.button(
                    text=t.button(f"event-kind-{kind.value}"),
                    callback_data=EventPickCb(value=kind.value),
                )
            builder.adjust(2)
        elif step == EventForm.city:
            for city in self.cities.values():
                builder.button(
                    text=city.name(t.language), callback_data=EventPickCb(value=str(city.id))
                )
            builder.adjust(2)
        elif step == EventForm.link:
            for value, label in self.links.items():
                builder.row(_button(shorten(label, LABEL_MAX), EventPickCb(value=value)))
        if step in SKIPPABLE:
            builder.row(
                _button(t.button(f"event-skip-{name}"), EventFormCb(action=EventFormAction.SKIP))
            )
        if _has(form, step) and not returning:
            keep_as_is = EventFormCb(action=EventFormAction.KEEP)
            builder.row(_button(t.button("org-btn-keep"), keep_as_is))
        _nav(t, builder, back=returning or step != STEPS[0])
        return text, builder.as_markup()

    def preview(self) -> tuple[str, InlineKeyboardMarkup]:
        t, form = self.t, self.form
        editing = form.get("eid") is not None
        starts = form.get("starts_at")
        ends = form.get("ends_at") or starts
        when = "—"
        if starts and ends:
            when = when_text(
                datetime.fromisoformat(starts), datetime.fromisoformat(ends), self.zone()
            )
        text = t(
            "event-preview-edit" if editing else "event-preview",
            kind=t.button(f"event-kind-{form.get('kind') or 'other'}"),
            title=form.get("title") or "—",
            city=self.city_name(),
            venue=form.get("venue") or t.button("event-empty"),
            when=when,
            description=form.get("description") or t.button("event-empty"),
            link=self.links.get(form.get("link") or "") or t.button("event-no-link"),
        )
        builder = InlineKeyboard()
        builder.row(_button(t.button("org-btn-save"), EventFormCb(action=EventFormAction.SAVE)))
        fields = [
            _button(t.button(f"event-field-{field.value}"), EventFieldCb(field=field))
            for field in EventField
        ]
        for index in range(0, len(fields), 2):
            builder.row(*fields[index : index + 2])
        _nav(t, builder, back=not editing)
        return text, builder.as_markup()


async def _links(t: Translator, trips: Trips, form: dict[str, Any]) -> dict[str, str]:
    """What an event may belong to: programmes and the trips that are not history."""
    links: dict[str, str] = {}
    for programme in (await trips.repo.list_programmes())[:LINKS_SHOWN]:
        links[f"p{programme.id}"] = t.button("event-link-programme", title=programme.title)
    items, _ = await trips.repo.catalogue(
        statuses=(TripStatus.DRAFT, TripStatus.OPEN, TripStatus.CLOSED),
        role=None,
        from_city_id=None,
        limit=LINKS_SHOWN,
        offset=0,
    )
    for item in items:
        links[f"t{item.trip.id}"] = t.button("event-link-trip", title=item.trip.title)
    # The value already chosen stays on offer even if it fell out of the lists.
    current = form.get("link")
    if current and current not in links:
        if (programme_id := parse_prefixed_id(current, "p")) is not None:
            chosen = await trips.repo.get_programme(programme_id=programme_id)
            if chosen is not None:
                links[current] = t.button("event-link-programme", title=chosen.title)
        elif (trip_id := parse_prefixed_id(current, "t")) is not None:
            trip = await trips.repo.get(trip_id=trip_id)
            if trip is not None:
                links[current] = t.button("event-link-trip", title=trip.title)
    return links


def _form_from_event(event: Event) -> dict[str, Any]:
    link = None
    if event.programme_id is not None:
        link = f"p{event.programme_id}"
    elif event.trip_id is not None:
        link = f"t{event.trip_id}"
    return {
        "eid": event.id,
        "ret": True,
        "kind": event.kind,
        "title": event.title,
        "city_id": event.city_id,
        "venue": event.venue,
        "starts_at": to_db_time(event.starts_at),
        "ends_at": to_db_time(event.ends_at),
        "description": event.description,
        "link": link or "",
    }


def _event_from_form(form: dict[str, Any]) -> NewEvent:
    try:
        starts = datetime.fromisoformat(form["starts_at"])
        link = str(form.get("link") or "")
        return NewEvent(
            kind=str(form["kind"]),
            title=str(form["title"]),
            city_id=int(form["city_id"]),
            venue=str(form.get("venue") or ""),
            starts_at=starts,
            ends_at=datetime.fromisoformat(form["ends_at"]) if form.get("ends_at") else starts,
            description=str(form.get("description") or ""),
            programme_id=parse_prefixed_id(link, "p"),
            trip_id=parse_prefixed_id(link, "t"),
            status=EventStatus.SCHEDULED,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError("org-error-form-incomplete") from exc


# Starting the form


async def new_event(callback: CallbackQuery, state: FSMContext, form_context: Viewer) -> None:
    await FORM.start(callback, state, form_context, {"eid": None, "ret": False}, at=STEPS[0])


async def edit_event(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    viewer = form_context
    event = await viewer.events.repo.get(event_id=callback_data.id)
    if event is None:
        alert(callback_answer, viewer.t.popup("event-error-not-found"))
        return
    if event.status != EventStatus.SCHEDULED:
        alert(callback_answer, viewer.t.popup("event-error-cancelled"))
        return
    data = _form_from_event(event)
    await FORM.start(callback, state, viewer, data, at=EventForm.preview, new=True)


# Steps


async def pick(
    callback: CallbackQuery,
    callback_data: EventPickCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    viewer = form_context
    t: Translator = viewer.t
    current = FORM.step(await state.get_state())
    value = callback_data.value
    if current == EventForm.kind:
        try:
            update: dict[str, Any] = {"kind": parse_kind(value).value}
        except UserError as error:
            await show_error(callback, t, error, callback_answer)
            return
    elif current == EventForm.city:
        city_id = parse_id(value)
        city = await viewer.cities.get(city_id=city_id) if city_id is not None else None
        if city is None:
            alert(callback_answer, t.popup("error-stale-button"))
            return
        update = {"city_id": city.id}
    else:  # the link
        form = await state.get_data()
        if value not in await _links(t, viewer.trips, form):
            alert(callback_answer, t.popup("error-stale-button"))
            return
        update = {"link": value}
    await FORM.answered(callback, state, viewer, current, update)


async def typed(message: Message, state: FSMContext, form_context: Viewer) -> None:
    viewer = form_context
    t: Translator = viewer.t
    current = FORM.step(await state.get_state())
    form = await state.get_data()
    try:
        if current == EventForm.title:
            update: dict[str, Any] = {"title": clean_title(message.text)}
        elif current == EventForm.venue:
            update = {"venue": clean_venue(message.text)}
        elif current == EventForm.description:
            update = {"description": clean_description(message.text)}
        else:
            view = FormView(t, form, await viewer.cities.by_id(), {})
            moment = parse_local_datetime(
                message.text, view.zone(), end_of_day=current == EventForm.ends
            )
            if current == EventForm.starts:
                check_start(moment, utc_now())
                update = {"starts_at": to_db_time(moment)}
                if form.get("ends_at") and form.get("ends_at") == form.get("starts_at"):
                    update["ends_at"] = update["starts_at"]  # no end of its own: it follows
            else:
                starts = form.get("starts_at")
                check_end(datetime.fromisoformat(starts) if starts else None, moment)
                update = {"ends_at": to_db_time(moment)}
    except UserError as error:
        await FORM.wrong(message, state, viewer, t(error.key, **error.args_))
        return
    await FORM.answered(message, state, viewer, current, update)


async def field(
    callback: CallbackQuery, callback_data: EventFieldCb, state: FSMContext, form_context: Viewer
) -> None:
    await FORM.change(callback, state, form_context, FIELD_STEPS[callback_data.field])


def _saved_keyboard(t: Translator, event_id: int | None) -> InlineKeyboardMarkup:
    """The event (when there is one) and the organiser's panel: the ways on."""
    rows = [[to_panel_button(t)]]
    if event_id is not None:
        open_ = _button(t.button("event-btn-open"), EventCb(action=EventAction.OPEN, id=event_id))
        rows.insert(0, [open_])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def save(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    access: Access,
    events: Events,
) -> None:
    form = await state.get_data()
    try:
        event = _event_from_form(form)
        change = await events.service.save(
            actor_id=callback.from_user.id,
            actor_access=access,
            event=event,
            now=utc_now(),
            event_id=int(form["eid"]) if form.get("eid") is not None else None,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.clear()
    told = change.told  # the subscribers were told in the change's own transaction
    key = "event-created" if change.created else "event-updated"
    text = t(key, title=change.event.title)
    if change.moved:
        text += "\n" + t("event-subscribers-told", count=told)
    await show(callback, text, _saved_keyboard(t, change.event.id))


# Card actions


async def share(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    bot: Bot,
    events: Events,
) -> None:
    event = await events.repo.get(event_id=callback_data.id)
    if event is None:
        alert(callback_answer, t.popup("event-error-not-found"))
        return
    link = await create_start_link(bot, f"event_{event.id}")
    await send_new(
        callback,
        t("event-share-link", title=event.title, link=link),
        back_to_event_keyboard(t, event.id),
    )


async def cancel_ask(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    events: Events,
) -> None:
    event = await events.repo.get(event_id=callback_data.id)
    if event is None:
        alert(callback_answer, t.popup("event-error-not-found"))
        return
    if event.status != EventStatus.SCHEDULED:
        alert(callback_answer, t.popup("event-error-cancelled"))
        return
    count = await events.repo.subscriber_count(event_id=event.id)
    await show(
        callback,
        t("event-cancel-confirm", title=event.title, count=count),
        cancel_confirm_keyboard(t, event.id),
    )


async def cancel_confirm(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    events: Events,
) -> None:
    try:
        change = await events.service.cancel(
            actor_access=access, event_id=callback_data.id, actor_id=callback.from_user.id
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await show(
        callback,
        t("event-cancelled-done", title=change.event.title, count=change.told),
        _saved_keyboard(t, change.event.id),
    )


# Refusals


ORGANISER_ACTIONS = {
    EventAction.EDIT,
    EventAction.SHARE,
    EventAction.CANCEL,
    EventAction.CANCEL_CONFIRM,
}


def _form_router() -> Router:
    router = FORM.router(__name__, Viewer)
    cb, msg, form = router.callback_query.register, router.message.register, EventFormCb.filter
    cb(new_event, form(F.action == EventFormAction.NEW))
    cb(edit_event, EventCb.filter(F.action == EventAction.EDIT))
    cb(pick, StateFilter(EventForm.kind, EventForm.city, EventForm.link), EventPickCb.filter())
    msg(typed, StateFilter(*(step.state for step in SPEC.steps if step.typed)), Has(F.text))
    cb(field, StateFilter(EventForm.preview), EventFieldCb.filter())
    cb(save, StateFilter(EventForm.preview), form(F.action == EventFormAction.SAVE))
    FORM.register(
        router,
        back=form(F.action == EventFormAction.BACK),
        cancel=form(F.action == EventFormAction.CANCEL),
        keep=form(F.action == EventFormAction.KEEP),
        skip=form(F.action == EventFormAction.SKIP),
    )
    return router


def _staff_router() -> Router:
    router = staff_router(__name__)
    cb = router.callback_query.register
    cb(share, EventCb.filter(F.action == EventAction.SHARE))
    cb(cancel_ask, EventCb.filter(F.action == EventAction.CANCEL))
    cb(cancel_confirm, EventCb.filter(F.action == EventAction.CANCEL_CONFIRM))
    router.include_router(_form_router())
    return router


def create_router() -> Router:
    refusals = refusals_router(
        __name__,
        messages=(StateFilter(EventForm),),
        callbacks=(
            EventCb.filter(F.action.in_(ORGANISER_ACTIONS)),
            EventFormCb.filter(),
            EventPickCb.filter(),
            EventFieldCb.filter(),
        ),
    )
    return organisers_only(__name__, _staff_router(), refusals)
