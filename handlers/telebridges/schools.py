"""Schools: "Школы и телемосты", registering an institution or joining one as a second
coordinator, partner schools of the other city, an institution's card (and the
school_<id> deep link), verification by organisers.

The registration form: type → name → city → address → age groups → preview → saved.
Rules live in bot/telebridges/service.py; every press is checked there again.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.ids import parse_id
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.telebridges.capability import Telebridges
from bot.telebridges.service import (
    Institution,
    Membership,
    NewInstitution,
    TelebridgeService,
    clean_address,
    clean_age_groups,
    clean_institution_name,
    parse_age_group,
    parse_institution_kind,
)
from bot.telebridges.texts import age_groups_text, institution_card
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.filters import Has, Onboarded
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.keyboards import schools_button, way_on_keyboard
from handlers.kit.render import Target, alert, send_new, set_buttons, show, show_error
from handlers.telebridges.callbacks import (
    JoinDecisionCb,
    PartnersCb,
    SchoolAction,
    SchoolCb,
    SchoolFormAction,
    SchoolFormCb,
    SchoolPickCb,
)
from handlers.telebridges.viewer import Viewer, with_viewer
from handlers.telebridges.views import (
    PAGE_SIZE,
    age_groups_keyboard,
    hub_keyboard,
    join_list_keyboard,
    leave_keyboard,
    partners_keyboard,
    school_card_keyboard,
    school_city_keyboard,
    school_keyboard,
    school_kind_keyboard,
    school_nav_keyboard,
    school_preview_keyboard,
    school_skip_keyboard,
)


class SchoolForm(StatesGroup):
    kind = State()
    name = State()
    city = State()
    address = State()
    ages = State()
    preview = State()


class SchoolFormSpec(FormSpec[Viewer]):
    """A school or kindergarten joins: kind → name → city → address → age groups →
    preview → registered (an organiser checks it)."""

    def __init__(self) -> None:
        super().__init__(
            group=SchoolForm,
            steps=(
                Step(SchoolForm.kind, "kind"),
                Step(SchoolForm.name, "name", typed=True),
                Step(SchoolForm.city, "city_id"),
                Step(SchoolForm.address, "address", typed=True, skippable=True),
                Step(SchoolForm.ages, "ages"),  # toggled on and off, then "Готово"
            ),
            summary=SchoolForm.preview,
        )

    async def screen(self, ctx: Viewer, step: State, data: FormData) -> Screen:
        t = ctx.t
        if step == SchoolForm.kind:
            return t("school-ask-kind"), school_kind_keyboard(t)
        if step == SchoolForm.name:
            return t("school-ask-name"), school_nav_keyboard(t)
        if step == SchoolForm.city:
            return t("school-ask-city"), school_city_keyboard(t, await ctx.cities.list())
        if step == SchoolForm.address:
            return t("school-ask-address"), school_skip_keyboard(t)
        if step == SchoolForm.ages:
            return t("school-ask-ages"), age_groups_keyboard(t, data.get("ages", []))
        return _preview(t, data, await ctx.cities.by_id()), school_preview_keyboard(t)


FORM = Form(SchoolFormSpec())


def _pages(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


# "Школы и телемосты"


async def show_hub(target: Target, viewer: Viewer, *, new: bool = False) -> None:
    t: Translator = viewer.t
    person: Person = viewer.person
    institutions = viewer.telebridges.institutions
    membership = await institutions.membership(tg_id=person.tg_id)
    offers = 0
    if membership is None:
        text = t("school-hub-none")
    elif membership[1] != Membership.ACTIVE:
        text = t("school-hub-pending", school=membership[0].name)
    else:
        institution = membership[0]
        coordinators = await institutions.coordinators(institution_id=institution.id)
        cities = await viewer.cities.by_id()
        text = t("school-hub-active") + "\n\n"
        text += institution_card(t, institution, cities, coordinators=len(coordinators))
        _, offers = await viewer.telebridges.repo.open_offers(
            city_id=institution.city_id, now=utc_now(), limit=1, offset=0
        )
    status = membership[1] if membership else None
    markup = hub_keyboard(t, status, viewer.access, offers=offers)
    await (send_new if new else show)(target, text, markup)


async def hub_command(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await state.clear()
    await show_hub(message, viewer)


async def hub_menu(callback: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    await state.clear()
    await show_hub(callback, viewer)


# The registration form


def _preview(t: Translator, form: dict[str, Any], cities: dict[int, Any]) -> str:
    city = cities.get(form.get("city_id") or 0)
    return t(
        "school-preview",
        kind=t.button(f"school-kind-{form.get('kind') or 'other'}"),
        name=form.get("name") or "—",
        city=city.name(t.language) if city else "—",
        address=form.get("address") or t.button("school-no-address"),
        ages=age_groups_text(t, tuple(form.get("ages") or ())),
    )


async def register(
    callback: CallbackQuery,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    form_context: Viewer,
) -> None:
    viewer = form_context
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    try:
        await service.may_register(actor=viewer.person, access=viewer.access)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await FORM.start(callback, state, viewer, {"ages": []}, at=SchoolForm.kind)


async def form_pick(
    callback: CallbackQuery,
    callback_data: SchoolPickCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    viewer = form_context
    t: Translator = viewer.t
    current = FORM.step(await state.get_state())
    value = callback_data.value
    try:
        if current == SchoolForm.kind:
            values: FormData = {"kind": parse_institution_kind(value).value}
        elif current == SchoolForm.city:
            city_id = parse_id(value)
            city = await viewer.cities.get(city_id=city_id) if city_id is not None else None
            if city is None:
                raise UserError("error-stale-button")
            values = {"city_id": city.id}
        elif current == SchoolForm.ages:
            group = parse_age_group(value).value
            ages = list((await state.get_data()).get("ages") or [])
            ages = [a for a in ages if a != group] if group in ages else [*ages, group]
            await state.update_data(ages=ages)
            await FORM.show(callback, state, viewer, SchoolForm.ages)
            return
        else:
            raise UserError("error-stale-button")
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await FORM.answered(callback, state, viewer, current, values)


async def form_text(message: Message, state: FSMContext, form_context: Viewer) -> None:
    t: Translator = form_context.t
    current = FORM.step(await state.get_state())
    try:
        if current == SchoolForm.name:
            values = {"name": clean_institution_name(message.text)}
        else:
            values = {"address": clean_address(message.text)}
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await FORM.answered(message, state, form_context, current, values)


async def ages_done(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    try:
        clean_age_groups((await state.get_data()).get("ages") or [])
    except UserError as error:
        await show_error(callback, form_context.t, error, callback_answer)
        return
    await FORM.answered(callback, state, form_context, SchoolForm.ages, {})


async def save(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    form_context: Viewer,
) -> None:
    await _save(callback, state, callback_answer, form_context)


async def cancel(callback: CallbackQuery, state: FSMContext, form_context: Viewer) -> None:
    """ "Отмена": said where the form was, and the hub comes back below."""
    await state.clear()
    await show(callback, form_context.t("school-form-cancelled"))
    await show_hub(callback, form_context, new=True)


async def _save(
    callback: CallbackQuery,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    form = await state.get_data()
    try:
        institution = await service.register(
            actor=viewer.person,
            access=viewer.access,
            institution=NewInstitution(
                kind=str(form.get("kind") or ""),
                name=str(form.get("name") or ""),
                city_id=int(form.get("city_id") or 0),
                address=str(form.get("address") or ""),
                age_groups=tuple(str(age) for age in form.get("ages") or ()),
            ),
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.clear()
    await show(callback, t("school-registered", name=institution.name))
    await show_hub(callback, viewer, new=True)


# Joining an institution


async def join_list(callback: CallbackQuery, callback_data: SchoolCb, viewer: Viewer) -> None:
    t: Translator = viewer.t
    person: Person = viewer.person
    institutions = viewer.telebridges.institutions
    page = max(callback_data.page, 0)
    items, total = await institutions.search(
        city_id=person.city_id,
        exclude_city_id=None,
        kind=None,
        age_group=None,
        partner_of=None,
        limit=PAGE_SIZE,
        offset=page * PAGE_SIZE,
    )
    cities = await viewer.cities.by_id()
    text = t("school-join-list", count=total) if total else t("school-join-empty")
    markup = join_list_keyboard(
        t, [item.institution for item in items], cities, page=page, pages=_pages(total)
    )
    await show(callback, text, markup)


async def join(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    callback_answer: CallbackAnswer,
    telebridges: Telebridges,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    try:
        request = await telebridges.service.request_join(
            actor=viewer.person, access=viewer.access, institution_id=callback_data.id
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await show(callback, t("school-join-sent", school=request.institution.name))
    await show_hub(callback, viewer, new=True)


async def decide_join(
    callback: CallbackQuery,
    callback_data: JoinDecisionCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    access: Access,
    telebridges: Telebridges,
) -> None:
    try:
        decision = await telebridges.service.decide_join(
            actor_id=person.tg_id,
            access=access,
            institution_id=callback_data.institution,
            tg_id=callback_data.tg_id,
            approve=callback_data.approve,
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    key = "school-join-approved" if decision.approved else "school-join-declined"
    callback_answer.text = t.popup(key)
    # The request's buttons give way to where the coordinator goes on: the hub or the menu.
    await set_buttons(callback, school_keyboard(t))


async def withdraw(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    telebridges: Telebridges,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    try:
        institution = await telebridges.service.leave(actor_id=viewer.person.tg_id)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup("school-left", school=institution.name)
    await show_hub(callback, viewer)


async def leave_ask(callback: CallbackQuery, viewer: Viewer) -> None:
    t: Translator = viewer.t
    membership = await viewer.telebridges.institutions.membership(tg_id=viewer.person.tg_id)
    if membership is None:
        await show_hub(callback, viewer)
        return
    await show(callback, t("school-leave-ask", school=membership[0].name), leave_keyboard(t))


async def share(
    callback: CallbackQuery, callback_answer: CallbackAnswer, bot: Bot, viewer: Viewer
) -> None:
    t: Translator = viewer.t
    membership = await viewer.telebridges.institutions.membership(tg_id=viewer.person.tg_id)
    if membership is None or membership[1] != Membership.ACTIVE:
        alert(callback_answer, t.popup("school-error-none"))
        return
    link = await create_start_link(bot, f"school_{membership[0].id}")
    await send_new(
        callback,
        t("school-share-link", school=membership[0].name, link=link),
        way_on_keyboard(t, schools_button(t)),
    )


# Partner schools and a school's card


async def partners(
    callback: CallbackQuery,
    callback_data: PartnersCb,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    try:
        own = await service.own_institution(viewer.person.tg_id)
        kind = parse_institution_kind(callback_data.kind).value if callback_data.kind else ""
        age = parse_age_group(callback_data.age).value if callback_data.age else ""
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    page = max(callback_data.page, 0)
    items, total = await viewer.telebridges.institutions.search(
        city_id=None,
        exclude_city_id=own.city_id,
        kind=kind or None,
        age_group=age or None,
        partner_of=own.id,
        limit=PAGE_SIZE,
        offset=page * PAGE_SIZE,
    )
    pages = _pages(total)
    text = t("school-partners", count=total) if total else t("school-partners-empty")
    cities = await viewer.cities.by_id()
    markup = partners_keyboard(t, items, cities, kind=kind, age=age, page=page, pages=pages)
    await show(callback, text, markup)


async def show_school_card(
    target: Target, institution: Institution, viewer: Viewer, *, new: bool = False
) -> None:
    t: Translator = viewer.t
    institutions = viewer.telebridges.institutions
    membership = await institutions.membership(tg_id=viewer.person.tg_id)
    coordinators = await institutions.coordinators(institution_id=institution.id)
    cities = await viewer.cities.by_id()
    text = institution_card(t, institution, cities, coordinators=len(coordinators))
    markup = school_card_keyboard(
        t,
        institution,
        own=membership[0] if membership else None,
        own_status=membership[1] if membership else None,
        access=viewer.access,
    )
    await (send_new if new else show)(target, text, markup)


async def open_school(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> None:
    institution = await viewer.telebridges.institutions.get(institution_id=callback_data.id)
    if institution is None:
        alert(callback_answer, viewer.t.popup("school-error-not-found"))
        return
    await show_school_card(callback, institution, viewer)


async def verify(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    callback_answer: CallbackAnswer,
    telebridges: Telebridges,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    try:
        institution = await telebridges.service.verify(
            actor_id=viewer.person.tg_id, access=viewer.access, institution_id=callback_data.id
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup("school-verified", school=institution.name)
    await show_school_card(callback, institution, viewer)


async def open_school_link(
    message: Message,
    argument: str,
    t: Translator,
    person: Person,
    access: Access,
    telebridges: Telebridges,
    cities: Cities,
    settings: Settings,
    bot: Bot,
) -> None:
    """Deep link school_<id>: the institution's card, after onboarding for a newcomer
    (called by the deep-link dispatch, not through this capability's routers: it builds
    its viewer)."""
    viewer = Viewer(t, person, access, telebridges, cities, settings, bot)
    institution_id = parse_id(argument)
    institution = (
        await viewer.telebridges.institutions.get(institution_id=institution_id)
        if institution_id is not None
        else None
    )
    if institution is None:
        await message.answer(t("school-error-not-found"), reply_markup=way_on_keyboard(t))
        return
    await show_school_card(message, institution, viewer)


DEEP_LINKS = {"school": open_school_link}


def create_router() -> Router:
    router = with_viewer(Router(name=__name__))
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    cb, msg = router.callback_query.register, router.message.register
    msg(hub_command, Command("school"))
    cb(hub_menu, MenuCb.filter(F.item == MenuItem.SCHOOLS))
    cb(hub_menu, SchoolCb.filter(F.action == SchoolAction.HOME))
    cb(join_list, SchoolCb.filter(F.action == SchoolAction.JOIN_LIST))
    cb(join, SchoolCb.filter(F.action == SchoolAction.JOIN))
    cb(withdraw, SchoolCb.filter(F.action.in_({SchoolAction.WITHDRAW, SchoolAction.LEAVE_OK})))
    cb(leave_ask, SchoolCb.filter(F.action == SchoolAction.LEAVE))
    cb(share, SchoolCb.filter(F.action == SchoolAction.SHARE))
    cb(open_school, SchoolCb.filter(F.action == SchoolAction.OPEN))
    cb(verify, SchoolCb.filter(F.action == SchoolAction.VERIFY))
    cb(partners, PartnersCb.filter())
    cb(decide_join, JoinDecisionCb.filter())
    router.include_router(_form_router())
    return router


def _form_router() -> Router:
    router = FORM.router(__name__, Viewer)
    cb, msg, form = router.callback_query.register, router.message.register, SchoolFormCb.filter
    cb(register, SchoolCb.filter(F.action == SchoolAction.REGISTER))
    cb(form_pick, SchoolPickCb.filter(), StateFilter(SchoolForm))
    msg(form_text, StateFilter(SchoolForm.name, SchoolForm.address), Has(F.text))
    cb(ages_done, StateFilter(SchoolForm.ages), form(F.action == SchoolFormAction.DONE))
    cb(save, StateFilter(SchoolForm.preview), form(F.action == SchoolFormAction.SAVE))
    # Its own "Отмена": the hub comes back under the word that the form is left.
    cb(cancel, StateFilter(SchoolForm), form(F.action == SchoolFormAction.CANCEL))
    FORM.register(
        router,
        back=form(F.action == SchoolFormAction.BACK),
        skip=form(F.action == SchoolFormAction.SKIP),
    )
    return router
