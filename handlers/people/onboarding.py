"""Onboarding form: language → consent → name → city → role → organisation → menu.

Answers stay in the FSM (kept in SQLite, so a restart does not lose them) and the
profile is written once, at the end. Declining consent keeps only the id and language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.command_menu import set_personal_menu
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Html, Translations, Translator
from bot.core.roles import Access, Person, access_of
from bot.core.timefmt import utc_now
from bot.people.capability import People
from bot.people.profile import (
    OnboardingAnswers,
    clean_name,
    clean_organisation,
    usable_name,
)
from handlers.kit.callbacks import CityCb, Ctx, LanguageCb, NavAction, NavCb, RoleCb
from handlers.kit.context import with_context
from handlers.kit.deeplinks import dispatch_payload
from handlers.kit.keyboards import (
    cities_keyboard,
    language_keyboard,
    nav_keyboard,
    roles_keyboard,
    start_keyboard,
)
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, alert, send_new, show, show_error, show_main_menu
from handlers.people.callbacks import ConsentCb, TelegramNameCb
from handlers.people.keyboards import agree_later_keyboard, consent_keyboard, name_keyboard
from handlers.people.privacy import backups_text
from handlers.people.states import ONBOARDING_STEPS, Onboarding


@dataclass(frozen=True, slots=True)
class Form:
    """What the onboarding's questions are drawn with: the city list, the privacy
    policy's address, and what /forget cannot erase (said before consent)."""

    cities: Cities
    settings: Settings
    people: People


async def show_step(
    target: Target, step: State, t: Translator, form: Form, *, new: bool = False
) -> None:
    """Render one step of the form; a button press edits its message, typed text gets a new one."""
    if step == Onboarding.language:
        text, markup = t("onb-choose-language"), language_keyboard(t, Ctx.ONBOARDING)
    elif step == Onboarding.consent:
        policy_url = form.settings.privacy_policy_url
        # What /forget can and cannot erase is said before the person agrees, not after.
        backups = backups_text(t, form.people)
        text = t("onb-consent", backups=Html(backups))
        markup = consent_keyboard(t, policy_url=policy_url, nav=True)
    elif step == Onboarding.name:
        user = target.from_user
        telegram_name = usable_name(user.full_name) if user else None
        text, markup = t("onb-name"), name_keyboard(t, telegram_name, Ctx.ONBOARDING)
    elif step == Onboarding.city:
        text = t("onb-city")
        markup = cities_keyboard(t, await form.cities.list(), Ctx.ONBOARDING)
    elif step == Onboarding.role:
        text, markup = t("onb-role"), roles_keyboard(t, Ctx.ONBOARDING)
    else:
        text, markup = t("onb-organisation"), nav_keyboard(t)
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


async def _go(
    target: Target,
    state: FSMContext,
    step: State,
    t: Translator,
    form: Form,
    *,
    new: bool = False,
) -> None:
    await state.set_state(step)
    await show_step(target, step, t, form, new=new)


async def choose_language(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    state: FSMContext,
    t: Translator,
    translations: Translations,
    callback_answer: CallbackAnswer,
    form: Form,
) -> None:
    try:
        await form.people.profiles.choose_language(
            tg_id=callback.from_user.id, language=callback_data.code
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    chosen = translations.get(callback_data.code)
    await _go(callback, state, Onboarding.consent, chosen, form)


async def agree(
    callback: CallbackQuery,
    state: FSMContext,
    person: Person | None,
    t: Translator,
    access: Access,
    callback_answer: CallbackAnswer,
    form: Form,
) -> None:
    """Works in the form and later, from the button under the "declined" message."""
    if person is not None and person.is_onboarded:
        alert(callback_answer, t.popup("onb-already-done"))
        await show_main_menu(callback, t, access)
        return
    # Agreeing later, from an older message: ask the next question below, not up there.
    later = await state.get_state() != Onboarding.consent.state
    await state.update_data(consent_at=utc_now().isoformat())
    await _go(callback, state, Onboarding.name, t, form, new=later)


async def decline(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    # Leave the form but keep the remembered deep link for when they agree.
    await state.set_state(None)
    await show(callback, t("onb-declined"), agree_later_keyboard(t))


async def use_telegram_name(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    callback_answer: CallbackAnswer,
    form: Form,
) -> None:
    try:
        name = clean_name(callback.from_user.full_name)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.update_data(full_name=name)
    await _go(callback, state, Onboarding.city, t, form)


async def type_name(
    message: Message,
    state: FSMContext,
    t: Translator,
    form: Form,
) -> None:
    try:
        name = clean_name(message.text)
    except UserError as error:
        await _ask_again(message, state, t, form, t(error.key, **error.args_))
        return
    await state.update_data(full_name=name)
    await _go(message, state, Onboarding.city, t, form)


async def choose_city(
    callback: CallbackQuery,
    callback_data: CityCb,
    state: FSMContext,
    t: Translator,
    callback_answer: CallbackAnswer,
    form: Form,
) -> None:
    try:
        city = await form.people.profiles.city(callback_data.id)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await state.update_data(city_id=city.id)
    await _go(callback, state, Onboarding.role, t, form)


async def choose_role(
    callback: CallbackQuery,
    callback_data: RoleCb,
    state: FSMContext,
    t: Translator,
    form: Form,
) -> None:
    await state.update_data(role=callback_data.role.value)
    await _go(callback, state, Onboarding.organisation, t, form)


async def type_organisation(
    message: Message,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    translations: Translations,
    form: Form,
    **data: Any,
) -> None:
    """The last answer; then the greeting, staff's menu, and where the deep link the
    person came with points (or the menu). `data`, the rest of aiogram's handler data,
    goes on to that deep link's handler, which takes from it the names it declares."""
    try:
        organisation = clean_organisation(message.text)
    except UserError as error:
        await _ask_again(message, state, t, form, t(error.key, **error.args_))
        return
    answers_so_far = await state.get_data()
    assert message.from_user is not None
    try:
        answers = OnboardingAnswers(
            full_name=answers_so_far["full_name"],
            city_id=int(answers_so_far["city_id"]),
            role=answers_so_far["role"],
            organisation=organisation,
            consent_at=datetime.fromisoformat(answers_so_far["consent_at"]),
        )
    except (KeyError, TypeError, ValueError):
        # The form lost a step (a state left by an older version): start it again.
        await message.answer(t("onb-restart"))
        await _go(message, state, Onboarding.language, t, form, new=True)
        return
    try:
        person = await form.people.profiles.complete_onboarding(
            tg_id=message.from_user.id, language=t.language, answers=answers
        )
    except UserError as error:
        await _ask_again(message, state, t, form, t(error.key, **error.args_))
        return
    await state.clear()
    # The person's language may be new: the greeting and what follows speak it.
    t = translations.get(person.language)
    access = access_of(person.tg_id, person, form.settings.admin_ids)
    if access >= Access.ORGANISER:
        await set_personal_menu(bot, t, chat_id=person.tg_id, access=access)
    await message.answer(t("onb-done", name=person.full_name))
    payload = answers_so_far.get("payload")
    context = {
        **data,
        "state": state,
        "t": t,
        "bot": bot,
        "translations": translations,
        "person": person,
        "access": access,
    }
    if payload and await dispatch_payload(payload, message, context):
        return
    await show_main_menu(message, t, access, new=True)


async def back(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    form: Form,
) -> None:
    current = await state.get_state()
    index = next(i for i, step in enumerate(ONBOARDING_STEPS) if step.state == current)
    step = ONBOARDING_STEPS[max(index - 1, 0)]
    await _go(callback, state, step, t, form)


async def cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    # Nothing was kept: the way on is starting again (the language first).
    await show(callback, t("onb-cancelled"), start_keyboard(t, again=True))


async def _ask_again(
    message: Message, state: FSMContext, t: Translator, form: Form, explanation: str
) -> None:
    """A wrong answer: say why, then the step's question again with its buttons."""
    step = await state.get_state()
    current = next(s for s in ONBOARDING_STEPS if s.state == step)
    await explain_and_ask_again(
        message, explanation, lambda: show_step(message, current, t, form, new=True)
    )


async def expected_button(
    message: Message,
    state: FSMContext,
    t: Translator,
    form: Form,
) -> None:
    """Typed text where a choice is expected: say so and show the choice again."""
    await _ask_again(message, state, t, form, t("error-choice"))


def create_router() -> Router:
    # Every step's handler gets what the questions are drawn with (handlers.kit.context).
    router = with_context(Router(name=__name__), "form", Form)
    router.callback_query.register(
        choose_language,
        StateFilter(Onboarding.language),
        LanguageCb.filter(F.ctx == Ctx.ONBOARDING),
    )
    router.callback_query.register(agree, ConsentCb.filter(F.agree))
    router.callback_query.register(
        decline, StateFilter(Onboarding.consent), ConsentCb.filter(~F.agree)
    )
    router.callback_query.register(
        use_telegram_name,
        StateFilter(Onboarding.name),
        TelegramNameCb.filter(F.ctx == Ctx.ONBOARDING),
    )
    router.message.register(type_name, StateFilter(Onboarding.name))
    router.callback_query.register(
        choose_city, StateFilter(Onboarding.city), CityCb.filter(F.ctx == Ctx.ONBOARDING)
    )
    router.callback_query.register(
        choose_role, StateFilter(Onboarding.role), RoleCb.filter(F.ctx == Ctx.ONBOARDING)
    )
    router.message.register(type_organisation, StateFilter(Onboarding.organisation))
    router.callback_query.register(
        back, StateFilter(*ONBOARDING_STEPS), NavCb.filter(F.action == NavAction.BACK)
    )
    router.callback_query.register(
        cancel, StateFilter(*ONBOARDING_STEPS), NavCb.filter(F.action == NavAction.CANCEL)
    )
    router.message.register(
        expected_button,
        StateFilter(Onboarding.language, Onboarding.consent, Onboarding.city, Onboarding.role),
    )
    return router
