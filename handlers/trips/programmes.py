"""The programme form: direction → title → description → audience → preview → saved.

Editing walks the same steps pre-filled, each with "Оставить как есть".
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access
from bot.trips.admin import (
    clean_description,
    clean_title,
    parse_direction,
    parse_role,
)
from bot.trips.capability import Trips
from bot.trips.catalogue import NewProgramme
from handlers.kit.filters import Has
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.render import alert, show, show_error
from handlers.trips.admin_keyboards import (
    FormAction,
    FormCb,
    PickCb,
    saved_keyboard,
)
from handlers.trips.admin_states import ProgrammeForm
from handlers.trips.admin_views import programme_screen


@dataclass(frozen=True, slots=True)
class ProgrammeFormContext:
    t: Translator


class ProgrammeFormSpec(FormSpec[ProgrammeFormContext]):
    def __init__(self) -> None:
        super().__init__(
            group=ProgrammeForm,
            steps=(
                Step(ProgrammeForm.direction, "direction"),
                Step(ProgrammeForm.title, "title", typed=True),
                Step(ProgrammeForm.description, "description", typed=True, skippable=True),
                # Roles are toggled on and off; "Готово" moves on (nothing to keep).
                Step(ProgrammeForm.audience),
            ),
            summary=ProgrammeForm.preview,
        )

    async def screen(self, ctx: ProgrammeFormContext, step: State, data: FormData) -> Screen:
        return programme_screen(ctx.t, data, step)

    async def cancelled(self, ctx: ProgrammeFormContext, data: FormData) -> Screen:
        return ctx.t("org-form-cancelled"), saved_keyboard(ctx.t)


FORM = Form(ProgrammeFormSpec())


async def new_programme(
    callback: CallbackQuery, state: FSMContext, form_context: ProgrammeFormContext
) -> None:
    data: FormData = {
        "pid": None,
        "direction": None,
        "title": None,
        "description": None,
        "audience": [],
    }
    await FORM.start(callback, state, form_context, data, at=ProgrammeForm.direction)


async def edit_programme(
    callback: CallbackQuery,
    callback_data: PanelCb,
    state: FSMContext,
    form_context: ProgrammeFormContext,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    programme = await trips.repo.get_programme(programme_id=callback_data.id)
    if programme is None:
        alert(callback_answer, form_context.t.popup("org-error-programme-not-found"))
        return
    data = {
        "pid": programme.id,
        "direction": programme.direction,
        "title": programme.title,
        "description": programme.description,
        "audience": list(programme.audience),
    }
    # An edit walks the same steps, each with "Оставить как есть".
    await FORM.start(callback, state, form_context, data, at=ProgrammeForm.direction)


async def programme_direction(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: ProgrammeFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        direction = parse_direction(callback_data.value)
    except UserError as error:
        await show_error(callback, form_context.t, error, callback_answer)
        return
    values = {"direction": direction.value}
    await FORM.answered(callback, state, form_context, ProgrammeForm.direction, values)


async def programme_title(
    message: Message, state: FSMContext, form_context: ProgrammeFormContext
) -> None:
    t = form_context.t
    try:
        title = clean_title(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await FORM.answered(message, state, form_context, ProgrammeForm.title, {"title": title})


async def programme_description(
    message: Message, state: FSMContext, form_context: ProgrammeFormContext
) -> None:
    t = form_context.t
    try:
        description = clean_description(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    values = {"description": description}
    await FORM.answered(message, state, form_context, ProgrammeForm.description, values)


async def programme_toggle_role(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    form_context: ProgrammeFormContext,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        role = parse_role(callback_data.value).value
    except UserError as error:
        await show_error(callback, form_context.t, error, callback_answer)
        return
    audience = list((await state.get_data()).get("audience", []))
    if role in audience:
        audience.remove(role)
    else:
        audience.append(role)
    await state.update_data(audience=audience)
    await FORM.show(callback, state, form_context, ProgrammeForm.audience)


async def programme_audience_done(
    callback: CallbackQuery, state: FSMContext, form_context: ProgrammeFormContext
) -> None:
    await FORM.answered(callback, state, form_context, ProgrammeForm.audience, {})


async def programme_save(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    access: Access,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    form = await state.get_data()
    programme = NewProgramme(
        direction=str(form.get("direction") or ""),
        title=str(form.get("title") or ""),
        description=str(form.get("description") or ""),
        audience=tuple(form.get("audience") or ()),
    )
    try:
        await trips.admin.save_programme(
            actor_id=callback.from_user.id,
            actor_access=access,
            programme=programme,
            programme_id=form.get("pid"),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.clear()
    key = "org-prog-updated" if form.get("pid") else "org-prog-created"
    await show(callback, t(key, title=programme.title), saved_keyboard(t))


def create_router() -> Router:
    """The programme form, for the organisers' router to include."""
    router = FORM.router(__name__, ProgrammeFormContext)
    cb, msg, form = router.callback_query.register, router.message.register, FormCb.filter
    cb(new_programme, PanelCb.filter(F.action == PanelAction.NEW_PROGRAMME))
    cb(edit_programme, PanelCb.filter(F.action == PanelAction.PROGRAMME))
    cb(programme_direction, StateFilter(ProgrammeForm.direction), PickCb.filter())
    msg(programme_title, StateFilter(ProgrammeForm.title), Has(F.text))
    msg(programme_description, StateFilter(ProgrammeForm.description), Has(F.text))
    cb(programme_toggle_role, StateFilter(ProgrammeForm.audience), PickCb.filter())
    cb(
        programme_audience_done,
        StateFilter(ProgrammeForm.audience),
        form(F.action == FormAction.DONE),
    )
    cb(programme_save, StateFilter(ProgrammeForm.preview), form(F.action == FormAction.SAVE))
    FORM.register(
        router,
        back=form(F.action == FormAction.BACK),
        cancel=form(F.action == FormAction.CANCEL),
        keep=form(F.action == FormAction.KEEP),
        skip=form(F.action == FormAction.SKIP),
    )
    return router
