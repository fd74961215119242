"""The telebridge form: a new proposal, a counter-proposal, a new time for an agreed one.

New: partner (or any school of the partner city) → topic → age group → date and start
time → duration → video link → note → preview → sent. A counter-proposal and a
reschedule ask from the date on. The start is typed in the coordinator's city time and
shown in both cities' time from then on. The form keeps primitives only; everything is
checked again by TelebridgeService when it is sent.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import City
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.ids import SMALL_MAX, parse_id, parse_int, parse_prefixed_id
from bot.core.timefmt import to_db_time, utc_now
from bot.telebridges.capability import Telebridges
from bot.telebridges.service import (
    AgeGroup,
    Change,
    Draft,
    Institution,
    Telebridge,
    TelebridgeService,
    Terms,
    check_start,
    clean_note,
    clean_topic,
    clean_video_url,
    parse_age_group,
    parse_duration,
)
from bot.telebridges.texts import TelebridgeView, times_lines
from bot.trips.catalogue import parse_local_datetime
from handlers.kit.filters import Has, Onboarded
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.keyboards import schools_button, way_on_keyboard
from handlers.kit.render import show, show_error
from handlers.telebridges.callbacks import TbAction, TbCb, TbFormAction, TbFormCb, TbPickCb
from handlers.telebridges.proposals import show_card
from handlers.telebridges.viewer import Viewer
from handlers.telebridges.views import (
    PAGE_SIZE,
    partner_pick_keyboard,
    preview_keyboard,
    tb_choices,
    tb_text_keyboard,
)

DURATIONS = (30, 45, 60, 90)
NEW, COUNTER, RESCHEDULE = "new", "counter", "reschedule"


class TbForm(StatesGroup):
    partner = State()
    topic = State()
    age = State()
    starts = State()
    duration = State()
    link = State()
    note = State()
    preview = State()


_NEW_STEPS = (
    Step(TbForm.partner, "partner_city_id"),
    Step(TbForm.topic, "topic", typed=True),
    Step(TbForm.age, "age"),
    Step(TbForm.starts, "starts_at", typed=True),
    # Chosen with a button or typed in minutes.
    Step(TbForm.duration, "duration", typed=True),
    Step(TbForm.link, "url", typed=True, skippable=True),
    Step(TbForm.note, "note", typed=True, skippable=True),
)
# A counter-proposal and a new time ask only for the terms.
_TERMS_STEPS = _NEW_STEPS[3:]
STEPS = {NEW: _NEW_STEPS, COUNTER: _TERMS_STEPS, RESCHEDULE: _TERMS_STEPS}


class TelebridgeFormSpec(FormSpec[Viewer]):
    def __init__(self) -> None:
        super().__init__(group=TbForm, steps=_NEW_STEPS, summary=TbForm.preview)

    def steps_in(self, data: FormData) -> tuple[Step, ...]:
        return STEPS.get(str(data.get("mode")), _NEW_STEPS)

    async def screen(self, ctx: Viewer, step: State, data: FormData) -> Screen:
        return await _screen(await _context(ctx), step, data)

    async def cancelled(self, ctx: Viewer, data: FormData) -> Screen:
        t = ctx.t
        return t("tb-form-cancelled"), way_on_keyboard(t, schools_button(t))


FORM = Form(TelebridgeFormSpec())


@dataclass(frozen=True, slots=True)
class Drawing:
    """What the form needs from the database to draw a step."""

    t: Translator
    own: Institution
    cities: dict[int, City]
    telebridges: Telebridges

    @property
    def zone(self) -> str:
        city = self.cities.get(self.own.city_id)
        return city.timezone if city else "Europe/Moscow"

    def city_name(self, city_id: int) -> str:
        city = self.cities.get(city_id)
        return city.name(self.t.language) if city else "—"

    def both_cities(self, form: dict[str, Any]) -> list[City]:
        """The coordinator's city and the other side's."""
        other = int(form.get("other_city_id") or form.get("partner_city_id") or 0)
        ids = dict.fromkeys([self.own.city_id, other])
        return [self.cities[city_id] for city_id in ids if city_id in self.cities]


def _terms(form: dict[str, Any]) -> Terms:
    try:
        return Terms(
            starts_at=datetime.fromisoformat(form["starts_at"]),
            duration_min=int(form["duration"]),
            video_url=form.get("url") or None,
            note=str(form.get("note") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError("org-error-form-incomplete") from exc


async def _context(viewer: Viewer) -> Drawing:
    service: TelebridgeService = viewer.telebridges.service
    own = await service.own_institution(viewer.person.tg_id)
    return Drawing(
        viewer.t,
        own,
        await viewer.cities.by_id(),
        viewer.telebridges,
    )


async def _screen(ctx: Drawing, step: State, form: dict[str, Any]) -> Screen:
    t = ctx.t
    back = step != FORM.spec.steps_in(form)[0].state
    if step == TbForm.partner:
        page = int(form.get("page") or 0)
        items, total = await ctx.telebridges.institutions.search(
            city_id=None,
            exclude_city_id=ctx.own.city_id,
            kind=None,
            age_group=None,
            partner_of=ctx.own.id,
            limit=PAGE_SIZE,
            offset=page * PAGE_SIZE,
        )
        others = [city for city in ctx.cities.values() if city.id != ctx.own.city_id]
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        markup = partner_pick_keyboard(t, items, ctx.cities, others, page=page, pages=pages)
        return t("tb-ask-partner"), markup
    if step == TbForm.topic:
        return t("tb-ask-topic"), tb_text_keyboard(t, back=back)
    if step == TbForm.age:
        choices = [(t.button(f"age-{group.value}"), group.value) for group in AgeGroup]
        return t("tb-ask-age"), tb_choices(t, choices, columns=2, back=back)
    if step == TbForm.starts:
        hint = t("tb-ask-starts", city=ctx.city_name(ctx.own.city_id))
        return hint, tb_text_keyboard(t, back=back)
    if step == TbForm.duration:
        starts = datetime.fromisoformat(form["starts_at"])
        lines = times_lines(t, starts, None, ctx.both_cities(form))
        text = t("tb-chosen-start") + "\n" + "\n".join(lines) + "\n\n" + t("tb-ask-duration")
        choices = [(t.button("tb-minutes", n=minutes), str(minutes)) for minutes in DURATIONS]
        return text, tb_choices(t, choices, columns=4, back=back)
    if step == TbForm.link:
        keep = "tb-btn-keep-link" if form.get("url") else None
        return t("tb-ask-link"), tb_text_keyboard(t, skip="tb-btn-skip-link", keep=keep, back=back)
    if step == TbForm.note:
        keep = "tb-btn-keep-note" if form.get("note") else None
        return t("tb-ask-note"), tb_text_keyboard(t, skip="tb-btn-skip-note", keep=keep, back=back)
    return await _preview(ctx, form), preview_keyboard(t)


async def _preview(ctx: Drawing, form: dict[str, Any]) -> str:
    t = ctx.t
    terms = _terms(form)
    lines = [t(f"tb-preview-{form.get('mode') or NEW}")]
    if form.get("mode") in (COUNTER, RESCHEDULE):
        # The telebridge being answered or moved, with the terms now proposed for it.
        current = await ctx.telebridges.repo.get(telebridge_id=int(form["tb"]))
        if current is None:
            raise UserError("tb-error-not-found")
        view = await ctx.telebridges.notices.view(current)
        lines.append(view.proposal_text(t, terms))
        return "\n\n".join(lines)
    partner_id = form.get("partner_id")
    partner = (
        await ctx.telebridges.institutions.get(institution_id=int(partner_id))
        if partner_id
        else None
    )
    draft = Telebridge(
        id=0,
        proposer_id=ctx.own.id,
        partner_id=partner.id if partner else None,
        partner_city_id=int(form.get("partner_city_id") or 0),
        topic=str(form.get("topic") or "—"),
        age_group=str(form.get("age") or AgeGroup.PRIMARY.value),
        starts_at=terms.starts_at,
        ends_at=terms.ends_at,
        duration_min=terms.duration_min,
        video_url=terms.video_url,
        note=terms.note,
        status="proposed",
        round=1,
        awaiting_id=None,
        reason=None,
        closed_by=None,
        sequence=0,
        created_by=0,
        confirmed_at=None,
        created_at=terms.starts_at,
        updated_at=terms.starts_at,
    )
    view = TelebridgeView(draft, ctx.own, partner, ctx.cities)
    lines.append(view.proposal_text(t, terms))
    if form.get("mode") == NEW and partner is None:
        lines.append(t("tb-preview-open-note"))
    return "\n\n".join(lines)


# Starting the form


async def new_telebridge(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    viewer = form_context
    t: Translator = viewer.t
    try:
        ctx = await _context(viewer)
        form: dict[str, Any] = {"mode": NEW, "page": 0}
        first = TbForm.partner
        if callback_data.id:
            partner = await ctx.telebridges.institutions.get(institution_id=callback_data.id)
            if partner is None:
                raise UserError("school-error-not-found")
            if partner.city_id == ctx.own.city_id:
                raise UserError("tb-error-same-city")
            form.update(partner_id=partner.id, partner_city_id=partner.city_id)
            first = TbForm.topic
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await FORM.start(callback, state, viewer, form, at=first, new=True)


async def counter_or_reschedule(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    viewer = form_context
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    actor = viewer.person.tg_id
    try:
        if callback_data.action is TbAction.COUNTER:
            own, current = await service.counterable(
                actor, callback_data.id, callback_data.round, now=utc_now()
            )
            mode = COUNTER
        else:
            own, current = await service.reschedulable(
                actor_id=actor, telebridge_id=callback_data.id, now=utc_now()
            )
            mode = RESCHEDULE
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    if own.id == current.proposer_id:
        other_city = current.partner_city_id
    else:
        proposer = await viewer.telebridges.institutions.get(institution_id=current.proposer_id)
        other_city = proposer.city_id if proposer else current.partner_city_id
    # A counter-proposal starts from the proposal it answers (a new time asked for an
    # agreed telebridge may carry its own link), a reschedule from the agreed terms.
    latest = await viewer.telebridges.repo.round(telebridge_id=current.id, number=current.round)
    terms = latest.terms if mode == COUNTER and latest else current.terms
    data: FormData = {
        "mode": mode,
        "tb": current.id,
        "round": current.round,
        "other_city_id": other_city,
        "url": terms.video_url or "",
        "note": terms.note,
        "duration": terms.duration_min,
    }
    await FORM.start(callback, state, viewer, data, at=TbForm.starts, new=True)


# Steps


async def pick(
    callback: CallbackQuery,
    callback_data: TbPickCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    viewer = form_context
    t: Translator = viewer.t
    current = await state.get_state()
    value = callback_data.value
    try:
        if current == TbForm.partner.state:
            ctx = await _context(viewer)
            if value.startswith("p"):
                page = parse_int(value[1:], low=0, high=SMALL_MAX)
                if page is None:
                    raise UserError("error-stale-button")
                await state.update_data(page=page)
                await FORM.show(callback, state, viewer, TbForm.partner)
                return
            if value.startswith("c"):
                city_id = parse_prefixed_id(value, "c")
                if city_id is None or city_id not in ctx.cities or city_id == ctx.own.city_id:
                    raise UserError("error-stale-button")
                update: FormData = {"partner_id": None, "partner_city_id": city_id}
            else:
                partner_id = parse_id(value)
                partner = (
                    await ctx.telebridges.institutions.get(institution_id=partner_id)
                    if partner_id is not None
                    else None
                )
                if partner is None or partner.city_id == ctx.own.city_id:
                    raise UserError("error-stale-button")
                update = {"partner_id": partner.id, "partner_city_id": partner.city_id}
        elif current == TbForm.age.state:
            update = {"age": parse_age_group(value).value}
        elif current == TbForm.duration.state:
            minutes = parse_int(value, low=0, high=SMALL_MAX)
            update = {"duration": parse_duration(minutes or 0)}
        else:
            raise UserError("error-stale-button")
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await FORM.answered(callback, state, viewer, FORM.step(current), update)


async def typed(message: Message, state: FSMContext, form_context: Viewer) -> None:
    viewer = form_context
    step = FORM.step(await state.get_state())
    try:
        update: FormData
        if step == TbForm.topic:
            update = {"topic": clean_topic(message.text)}
        elif step == TbForm.starts:
            ctx = await _context(viewer)
            if ":" not in (message.text or ""):
                raise UserError("tb-error-time-needed")
            moment = parse_local_datetime(message.text, ctx.zone)
            check_start(moment, utc_now())
            update = {"starts_at": to_db_time(moment)}
        elif step == TbForm.duration:
            update = {"duration": parse_duration(message.text)}
        elif step == TbForm.link:
            update = {"url": clean_video_url(message.text)}
        else:
            update = {"note": clean_note(message.text)}
    except UserError as error:
        await FORM.wrong(message, state, viewer, viewer.t(error.key, **error.args_))
        return
    await FORM.answered(message, state, viewer, step, update)


async def send(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    await _send(callback, state, callback_answer, form_context)


async def _send(
    callback: CallbackQuery,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    form = await state.get_data()
    actor = viewer.person.tg_id
    now = utc_now()
    try:
        terms = _terms(form)
        change: Change
        if form.get("mode") == COUNTER:
            change = await service.counter(
                actor_id=actor,
                telebridge_id=int(form["tb"]),
                round_number=int(form["round"]),
                terms=terms,
                now=now,
            )
        elif form.get("mode") == RESCHEDULE:
            change = await service.reschedule(
                actor_id=actor, telebridge_id=int(form["tb"]), terms=terms, now=now
            )
        else:
            partner = form.get("partner_id")
            change = await service.propose(
                actor_id=actor,
                draft=Draft(
                    partner_id=int(partner) if partner else None,
                    partner_city_id=int(form.get("partner_city_id") or 0),
                    topic=str(form.get("topic") or ""),
                    age_group=str(form.get("age") or ""),
                    terms=terms,
                ),
                now=now,
            )
    except (KeyError, ValueError):
        await show_error(callback, t, UserError("org-error-form-incomplete"), callback_answer)
        return
    except UserError as error:
        # The time may have been taken meanwhile: the coordinator picks another one.
        if error.key in ("tb-error-overlap", "tb-error-too-soon", "tb-error-past"):
            why = t(error.key, **error.args_)
            await FORM.show(callback, state, viewer, TbForm.starts, new=True, note=why)
            return
        # Somebody answered or changed the telebridge first: sending again could only be
        # refused again, so the form ends with why, and the telebridge as it is now.
        await state.clear()
        await show(callback, t(error.key, **error.args_), way_on_keyboard(t, schools_button(t)))
        if form.get("tb"):
            with suppress(UserError):
                await show_card(callback, int(form["tb"]), viewer, new=True)
        return
    await state.clear()
    # A message, not a pop-up (its own name keeps it apart from the pop-up keys of this
    # module, which tests/test_popups.py collects by the variable they are assigned to).
    if change.telebridge.is_open_offer:
        sent_key = "tb-sent-open"
    elif change.telebridge.offer_id is not None and change.round and change.round.number == 2:
        sent_key = "tb-sent-offer-counter"  # the school's first answer to an open offer
    else:
        sent_key = f"tb-sent-{form.get('mode')}"
    await show(callback, t(sent_key, topic=change.telebridge.topic))
    await show_card(callback, change.telebridge.id, viewer, new=True)


def create_router() -> Router:
    router = FORM.router(__name__, Viewer)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    cb, msg, form = router.callback_query.register, router.message.register, TbFormCb.filter
    cb(new_telebridge, TbCb.filter(F.action == TbAction.NEW))
    cb(
        counter_or_reschedule,
        TbCb.filter(F.action.in_({TbAction.COUNTER, TbAction.RESCHEDULE})),
    )
    cb(pick, TbPickCb.filter(), StateFilter(TbForm))
    typed_steps = (step.state for step in FORM.spec.steps if step.typed)
    msg(typed, StateFilter(*typed_steps), Has(F.text))
    cb(send, StateFilter(TbForm.preview), form(F.action == TbFormAction.SEND))
    FORM.register(
        router,
        back=form(F.action == TbFormAction.BACK),
        cancel=form(F.action == TbFormAction.CANCEL),
        keep=form(F.action == TbFormAction.KEEP),
        skip=form(F.action == TbFormAction.SKIP),
    )
    return router
