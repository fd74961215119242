"""Onboarding form: language → consent → name → city → role → organisation → menu.

Answers stay in the FSM (kept in SQLite, so a restart does not lose them) and the
profile is written once, at the end. Declining consent keeps only the id and language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, User
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
from handlers.kit.deeplinks import DeepLinks, with_deep_links
from handlers.kit.forms import Form, FormData, FormSpec, Screen, Step
from handlers.kit.keyboards import (
    cities_keyboard,
    language_keyboard,
    nav_keyboard,
    roles_keyboard,
    start_keyboard,
)
from handlers.kit.render import alert, show, show_error, show_main_menu
from handlers.people.callbacks import ConsentCb, TelegramNameCb
from handlers.people.keyboards import agree_later_keyboard, consent_keyboard, name_keyboard
from handlers.people.privacy import backups_text
from handlers.people.states import Onboarding


@dataclass(frozen=True, slots=True)
class Newcomer:
    """What the onboarding's questions are drawn with: the person's language and Telegram
    account, the city list, the privacy policy's address, and what /forget cannot erase
    (said before consent)."""

    t: Translator
    event_from_user: User | None
    cities: Cities
    settings: Settings
    people: People


class OnboardingSpec(FormSpec[Newcomer]):
    """Language → consent → name → city → role → organisation; the profile is written
    once, with the last answer."""

    def __init__(self) -> None:
        super().__init__(
            group=Onboarding,
            steps=(
                Step(Onboarding.language),
                Step(Onboarding.consent, "consent_at"),
                Step(Onboarding.name, "full_name", typed=True),
                Step(Onboarding.city, "city_id"),
                Step(Onboarding.role, "role"),
                Step(Onboarding.organisation, typed=True),
            ),
            summary=None,
        )

    async def screen(self, ctx: Newcomer, step: State, data: FormData) -> Screen:
        t = ctx.t
        if step == Onboarding.language:
            return t("onb-choose-language"), language_keyboard(t, Ctx.ONBOARDING)
        if step == Onboarding.consent:
            # What /forget can and cannot erase is said before the person agrees, not after.
            backups = backups_text(t, ctx.people)
            markup = consent_keyboard(t, policy_url=ctx.settings.privacy_policy_url, nav=True)
            return t("onb-consent", backups=Html(backups)), markup
        if step == Onboarding.name:
            user = ctx.event_from_user
            telegram_name = usable_name(user.full_name) if user else None
            return t("onb-name"), name_keyboard(t, telegram_name, Ctx.ONBOARDING)
        if step == Onboarding.city:
            return t("onb-city"), cities_keyboard(t, await ctx.cities.list(), Ctx.ONBOARDING)
        if step == Onboarding.role:
            return t("onb-role"), roles_keyboard(t, Ctx.ONBOARDING)
        return t("onb-organisation"), nav_keyboard(t)

    async def cancelled(self, ctx: Newcomer, data: FormData) -> Screen:
        # Nothing was kept: the way on is starting again (the language first).
        return ctx.t("onb-cancelled"), start_keyboard(ctx.t, again=True)


FORM = Form(OnboardingSpec())


async def choose_language(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    state: FSMContext,
    t: Translator,
    translations: Translations,
    callback_answer: CallbackAnswer,
    form_context: Newcomer,
) -> None:
    try:
        await form_context.people.profiles.choose_language(
            tg_id=callback.from_user.id, language=callback_data.code
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    # From here on the form speaks the chosen language.
    chosen = replace(form_context, t=translations.get(callback_data.code))
    await FORM.answered(callback, state, chosen, Onboarding.language, {})


async def agree(
    callback: CallbackQuery,
    state: FSMContext,
    person: Person | None,
    t: Translator,
    access: Access,
    callback_answer: CallbackAnswer,
    form_context: Newcomer,
) -> None:
    """Works in the form and later, from the button under the "declined" message."""
    if person is not None and person.is_onboarded:
        alert(callback_answer, t.popup("onb-already-done"))
        await show_main_menu(callback, t, access)
        return
    # Agreeing later, from an older message: ask the next question below, not up there.
    later = await state.get_state() != Onboarding.consent.state
    await state.update_data(consent_at=utc_now().isoformat())
    await FORM.show(callback, state, form_context, Onboarding.name, new=later)


async def decline(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    # Leave the form but keep the remembered deep link for when they agree.
    await state.set_state(None)
    await show(callback, t("onb-declined"), agree_later_keyboard(t))


async def use_telegram_name(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    callback_answer: CallbackAnswer,
    form_context: Newcomer,
) -> None:
    try:
        name = clean_name(callback.from_user.full_name)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await FORM.answered(callback, state, form_context, Onboarding.name, {"full_name": name})


async def type_name(message: Message, state: FSMContext, form_context: Newcomer) -> None:
    t = form_context.t
    try:
        name = clean_name(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await FORM.answered(message, state, form_context, Onboarding.name, {"full_name": name})


async def choose_city(
    callback: CallbackQuery,
    callback_data: CityCb,
    state: FSMContext,
    t: Translator,
    callback_answer: CallbackAnswer,
    form_context: Newcomer,
) -> None:
    try:
        city = await form_context.people.profiles.city(callback_data.id)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await FORM.answered(callback, state, form_context, Onboarding.city, {"city_id": city.id})


async def choose_role(
    callback: CallbackQuery, callback_data: RoleCb, state: FSMContext, form_context: Newcomer
) -> None:
    role = {"role": callback_data.role.value}
    await FORM.answered(callback, state, form_context, Onboarding.role, role)


async def type_organisation(
    message: Message,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    translations: Translations,
    form_context: Newcomer,
    deep_link: DeepLinks,
) -> None:
    """The last answer; then the greeting, staff's menu, and where the deep link the
    person came with points (or the menu)."""
    try:
        organisation = clean_organisation(message.text)
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
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
        await FORM.show(message, state, form_context, Onboarding.language, new=True)
        return
    try:
        person = await form_context.people.profiles.complete_onboarding(
            tg_id=message.from_user.id, language=t.language, answers=answers
        )
    except UserError as error:
        await FORM.wrong(message, state, form_context, t(error.key, **error.args_))
        return
    await state.clear()
    # The person's language may be new: the greeting and what follows speak it.
    t = translations.get(person.language)
    access = access_of(person.tg_id, person, form_context.settings.admin_ids)
    if access >= Access.ORGANISER:
        await set_personal_menu(bot, t, chat_id=person.tg_id, access=access)
    await message.answer(t("onb-done", name=person.full_name))
    payload = answers_so_far.get("payload")
    # The link's handler sees the person as they are now, onboarded, in their language.
    changed = {"t": t, "person": person, "access": access}
    if payload and await deep_link.follow(payload, message, changed):
        return
    await show_main_menu(message, t, access, new=True)


def create_router() -> Router:
    # Every step's handler gets what the questions are drawn with (handlers.kit.context).
    router = with_deep_links(FORM.router(__name__, Newcomer))
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
    FORM.register(
        router,
        back=NavCb.filter(F.action == NavAction.BACK),
        cancel=NavCb.filter(F.action == NavAction.CANCEL),
    )
    return router
