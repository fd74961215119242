"""The programme form: direction → title → description → audience → preview → saved.

Editing walks the same steps pre-filled, each with "Оставить как есть".
"""

from __future__ import annotations

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
from handlers.kit.panel import PanelAction, PanelCb
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, alert, send_new, show, show_error
from handlers.trips.admin_keyboards import (
    FormAction,
    FormCb,
    PickCb,
    saved_keyboard,
)
from handlers.trips.admin_states import PROGRAMME_STEPS, ProgrammeForm
from handlers.trips.admin_views import programme_screen


async def _programme_step(
    target: Target, state: FSMContext, step: State, t: Translator, *, new: bool = False
) -> None:
    await state.set_state(step)
    text, markup = programme_screen(t, await state.get_data(), step)
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


def _programme_next(step: str | None) -> State:
    index = next(i for i, s in enumerate(PROGRAMME_STEPS) if s.state == step)
    return (
        PROGRAMME_STEPS[index + 1] if index + 1 < len(PROGRAMME_STEPS) else ProgrammeForm.preview
    )


async def new_programme(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_data(
        {"pid": None, "direction": None, "title": None, "description": None, "audience": []}
    )
    await _programme_step(callback, state, ProgrammeForm.direction, t)


async def edit_programme(
    callback: CallbackQuery,
    callback_data: PanelCb,
    state: FSMContext,
    t: Translator,
    trips: Trips,
    callback_answer: CallbackAnswer,
) -> None:
    programme = await trips.repo.get_programme(programme_id=callback_data.id)
    if programme is None:
        alert(callback_answer, t.popup("org-error-programme-not-found"))
        return
    await state.set_data(
        {
            "pid": programme.id,
            "direction": programme.direction,
            "title": programme.title,
            "description": programme.description,
            "audience": list(programme.audience),
        }
    )
    await _programme_step(callback, state, ProgrammeForm.direction, t)


async def programme_direction(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        direction = parse_direction(callback_data.value)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.update_data(direction=direction.value)
    await _programme_step(callback, state, ProgrammeForm.title, t)


async def programme_title(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        title = clean_title(message.text)
    except UserError as error:
        await _ask_again(message, state, t, t(error.key, **error.args_))
        return
    await state.update_data(title=title)
    await _programme_step(message, state, ProgrammeForm.description, t, new=True)


async def programme_description(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        description = clean_description(message.text)
    except UserError as error:
        await _ask_again(message, state, t, t(error.key, **error.args_))
        return
    await state.update_data(description=description)
    await _programme_step(message, state, ProgrammeForm.audience, t, new=True)


async def programme_no_description(
    callback: CallbackQuery, state: FSMContext, t: Translator
) -> None:
    await state.update_data(description="")
    await _programme_step(callback, state, ProgrammeForm.audience, t)


async def programme_toggle_role(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    t: Translator,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        role = parse_role(callback_data.value).value
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    audience = list((await state.get_data()).get("audience", []))
    if role in audience:
        audience.remove(role)
    else:
        audience.append(role)
    await state.update_data(audience=audience)
    await _programme_step(callback, state, ProgrammeForm.audience, t)


async def programme_audience_done(
    callback: CallbackQuery, state: FSMContext, t: Translator
) -> None:
    await _programme_step(callback, state, ProgrammeForm.preview, t)


# The value "Оставить как есть" keeps at each step that offers it.
_KEPT = {
    ProgrammeForm.direction.state: "direction",
    ProgrammeForm.title.state: "title",
    ProgrammeForm.description.state: "description",
}


async def programme_keep(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    current = await state.get_state()
    key = _KEPT.get(current or "")
    if key is None or (await state.get_data()).get(key) is None:
        # A stale button: there is nothing to keep here, ask the same step again.
        step = next(s for s in (*PROGRAMME_STEPS, ProgrammeForm.preview) if s.state == current)
        await _programme_step(callback, state, step, t)
        return
    await _programme_step(callback, state, _programme_next(current), t)


async def programme_back(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    current = await state.get_state()
    if current == ProgrammeForm.preview.state:
        step = PROGRAMME_STEPS[-1]
    else:
        index = next(i for i, s in enumerate(PROGRAMME_STEPS) if s.state == current)
        step = PROGRAMME_STEPS[max(index - 1, 0)]
    await _programme_step(callback, state, step, t)


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


async def programme_cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(callback, t("org-form-cancelled"), saved_keyboard(t))


async def _ask_again(message: Message, state: FSMContext, t: Translator, explanation: str) -> None:
    """A wrong answer: say why, then the step's question again with its buttons."""
    current = await state.get_state()
    step = next(s for s in (*PROGRAMME_STEPS, ProgrammeForm.preview) if s.state == current)
    await explain_and_ask_again(
        message, explanation, lambda: _programme_step(message, state, step, t, new=True)
    )


async def expect_text(message: Message, state: FSMContext, t: Translator) -> None:
    """A photo, sticker or file where a typed answer is expected."""
    await _ask_again(message, state, t, t("error-text-expected"))


async def expect_button(message: Message, state: FSMContext, t: Translator) -> None:
    """Typed text where a choice is expected: say so and show the choice again."""
    await _ask_again(message, state, t, t("error-choice"))


def register(router: Router) -> None:
    cb, msg, form = router.callback_query.register, router.message.register, FormCb.filter
    cb(new_programme, PanelCb.filter(F.action == PanelAction.NEW_PROGRAMME))
    cb(edit_programme, PanelCb.filter(F.action == PanelAction.PROGRAMME))
    cb(programme_direction, StateFilter(ProgrammeForm.direction), PickCb.filter())
    msg(programme_title, StateFilter(ProgrammeForm.title), Has(F.text))
    msg(programme_description, StateFilter(ProgrammeForm.description), Has(F.text))
    cb(
        programme_no_description,
        StateFilter(ProgrammeForm.description),
        form(F.action == FormAction.SKIP),
    )
    cb(programme_toggle_role, StateFilter(ProgrammeForm.audience), PickCb.filter())
    cb(
        programme_audience_done,
        StateFilter(ProgrammeForm.audience),
        form(F.action == FormAction.DONE),
    )
    cb(programme_keep, StateFilter(ProgrammeForm), form(F.action == FormAction.KEEP))
    cb(programme_back, StateFilter(ProgrammeForm), form(F.action == FormAction.BACK))
    cb(programme_save, StateFilter(ProgrammeForm.preview), form(F.action == FormAction.SAVE))
    cb(programme_cancel, StateFilter(ProgrammeForm), form(F.action == FormAction.CANCEL))
    msg(expect_text, StateFilter(ProgrammeForm.title))
    msg(expect_text, StateFilter(ProgrammeForm.description))
    msg(expect_button, StateFilter(ProgrammeForm.direction))
    msg(expect_button, StateFilter(ProgrammeForm.audience))
    msg(expect_button, StateFilter(ProgrammeForm.preview))
