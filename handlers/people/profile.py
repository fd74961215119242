"""/profile: what the bot stores about a person, and changing any of it."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.command_menu import set_personal_menu
from bot.core.errors import UserError
from bot.core.i18n import Translations, Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import local_text
from bot.people.capability import People
from bot.people.profile import ProfileField, usable_name
from handlers.kit.callbacks import (
    CityCb,
    Ctx,
    LanguageCb,
    MenuCb,
    MenuItem,
    NavAction,
    NavCb,
    RoleCb,
)
from handlers.kit.filters import Has, Onboarded
from handlers.kit.keyboards import cities_keyboard, language_keyboard, roles_keyboard
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, send_new, show, show_error
from handlers.people.callbacks import PhoneRemoveCb, ProfileEditCb, TelegramNameCb
from handlers.people.keyboards import name_keyboard, profile_keyboard, share_phone_keyboard
from handlers.people.states import ProfileEdit

_TEXT_STATES = {
    ProfileField.NAME: ProfileEdit.name,
    ProfileField.ORGANISATION: ProfileEdit.organisation,
}


async def profile_text(t: Translator, person: Person, cities: Cities) -> str:
    city = await cities.get(city_id=person.city_id) if person.city_id else None
    zone = city.timezone if city else "UTC"
    return t(
        "profile-card",
        name=person.full_name or "",
        city=city.name(t.language) if city else "—",
        role=t.button(f"role-{person.role}") if person.role else "—",
        organisation=person.organisation or "",
        language=t.button(f"language-{person.language}"),
        phone=person.phone or t.button("profile-no-phone"),
        consent_at=local_text(person.consent_at, zone) if person.consent_at else "—",
    )


async def show_profile(
    target: Target,
    t: Translator,
    person_id: int,
    people: People,
    cities: Cities,
    *,
    new: bool = False,
) -> None:
    person = await people.repo.get(tg_id=person_id)
    assert person is not None
    text = await profile_text(t, person, cities)
    markup = profile_keyboard(t, has_phone=person.phone is not None)
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


async def profile_command(
    message: Message, state: FSMContext, t: Translator, people: People, cities: Cities
) -> None:
    await state.clear()
    assert message.from_user is not None
    await show_profile(message, t, message.from_user.id, people, cities)


async def profile_menu(
    callback: CallbackQuery, t: Translator, people: People, cities: Cities
) -> None:
    await show_profile(callback, t, callback.from_user.id, people, cities)


async def _ask_text_field(
    target: Target, t: Translator, field: ProfileField, *, new: bool
) -> None:
    """The question for a typed field (the name offers the Telegram name as a button)."""
    assert target.from_user is not None
    full_name = target.from_user.full_name
    # A Telegram name that draws nothing is not offered as a button.
    telegram_name = usable_name(full_name) if field is ProfileField.NAME else None
    markup = name_keyboard(t, telegram_name, Ctx.PROFILE)
    text = t(f"profile-ask-{field.value}")
    await (send_new(target, text, markup) if new else show(target, text, markup))


async def edit_field(
    callback: CallbackQuery,
    callback_data: ProfileEditCb,
    state: FSMContext,
    t: Translator,
    cities: Cities,
) -> None:
    field = callback_data.field
    if field in _TEXT_STATES:
        await state.set_state(_TEXT_STATES[field])
        await _ask_text_field(callback, t, field, new=False)
    elif field is ProfileField.CITY:
        await show(
            callback, t("profile-ask-city"), cities_keyboard(t, await cities.list(), Ctx.PROFILE)
        )
    elif field is ProfileField.ROLE:
        await show(callback, t("profile-ask-role"), roles_keyboard(t, Ctx.PROFILE))
    elif field is ProfileField.LANGUAGE:
        await show(callback, t("profile-ask-lang"), language_keyboard(t, Ctx.PROFILE))
    else:
        await state.set_state(ProfileEdit.phone)
        await send_new(callback, t("profile-ask-phone"), share_phone_keyboard(t))


async def _save(
    target: Target,
    field: ProfileField,
    value: str | int | None,
    t: Translator,
    state: FSMContext,
    people: People,
    cities: Cities,
    answer: CallbackAnswer | None = None,
) -> bool:
    """Change one field, then show the profile again (in `t`'s language: a new language
    is shown in itself)."""
    assert target.from_user is not None
    try:
        await people.profiles.update(tg_id=target.from_user.id, field=field, raw=value)
    except UserError as error:
        await show_error(target, t, error, answer)
        return False
    await state.clear()
    if isinstance(target, CallbackQuery) and answer is not None:
        answer.text = t.popup("profile-saved")
        await show_profile(target, t, target.from_user.id, people, cities)
    else:
        await send_new(target, t("profile-saved"), ReplyKeyboardRemove())
        await show_profile(target, t, target.from_user.id, people, cities, new=True)
    return True


async def type_text_field(
    message: Message,
    state: FSMContext,
    t: Translator,
    people: People,
    cities: Cities,
) -> None:
    current = await state.get_state()
    field = ProfileField.NAME if current == ProfileEdit.name.state else ProfileField.ORGANISATION
    try:
        await people.profiles.update(tg_id=message.chat.id, field=field, raw=message.text)
    except UserError as error:
        await explain_and_ask_again(
            message,
            t(error.key, **error.args_),
            lambda: _ask_text_field(message, t, field, new=True),
        )
        return
    await state.clear()
    await message.answer(t("profile-saved"))
    await show_profile(message, t, message.chat.id, people, cities, new=True)


async def use_telegram_name(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    people: People,
    cities: Cities,
) -> None:
    name = callback.from_user.full_name
    await _save(callback, ProfileField.NAME, name, t, state, people, cities, callback_answer)


async def choose_city(
    callback: CallbackQuery,
    callback_data: CityCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    people: People,
    cities: Cities,
) -> None:
    city = callback_data.id
    await _save(callback, ProfileField.CITY, city, t, state, people, cities, callback_answer)


async def choose_role(
    callback: CallbackQuery,
    callback_data: RoleCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    people: People,
    cities: Cities,
) -> None:
    role = callback_data.role.value
    await _save(callback, ProfileField.ROLE, role, t, state, people, cities, callback_answer)


async def choose_language(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    bot: Bot,
    access: Access,
    translations: Translations,
    people: People,
    cities: Cities,
) -> None:
    new_t = translations.get(callback_data.code)
    saved = await _save(
        callback,
        ProfileField.LANGUAGE,
        callback_data.code,
        new_t,
        state,
        people,
        cities,
        callback_answer,
    )
    if saved and access >= Access.ORGANISER:
        await set_personal_menu(bot, new_t, chat_id=callback.from_user.id, access=access)


async def _ask_phone_again(message: Message, t: Translator) -> None:
    await message.answer(t("profile-ask-phone"), reply_markup=share_phone_keyboard(t))


async def share_phone(
    message: Message, state: FSMContext, t: Translator, people: People, cities: Cities
) -> None:
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        # Only a person's own number: a forwarded contact card is someone else's data.
        await message.answer(t("error-phone-not-own"))
        await _ask_phone_again(message, t)
        return
    phone = message.contact.phone_number
    if not await _save(message, ProfileField.PHONE, phone, t, state, people, cities):
        await _ask_phone_again(message, t)


async def phone_other(
    message: Message,
    state: FSMContext,
    t: Translator,
    people: People,
    cities: Cities,
) -> None:
    """A typed number (checked like a shared one), "Отмена", or anything else."""
    if message.text == t.button("btn-cancel"):
        await state.clear()
        await message.answer(t("profile-unchanged"), reply_markup=ReplyKeyboardRemove())
        await show_profile(message, t, message.chat.id, people, cities, new=True)
        return
    if message.text is None:
        await message.answer(t("error-phone-button"))
        await _ask_phone_again(message, t)
        return
    if not await _save(message, ProfileField.PHONE, message.text, t, state, people, cities):
        await _ask_phone_again(message, t)


async def remove_phone(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    people: People,
    cities: Cities,
) -> None:
    await _save(callback, ProfileField.PHONE, None, t, state, people, cities, callback_answer)


async def cancel_edit(
    callback: CallbackQuery, state: FSMContext, t: Translator, people: People, cities: Cities
) -> None:
    """ "Отмена" under a profile question: nothing changes, the profile is shown again."""
    await state.clear()
    await show(callback, t("profile-unchanged"))
    await show_profile(callback, t, callback.from_user.id, people, cities, new=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    router.message.register(profile_command, Command("profile"))
    router.callback_query.register(profile_menu, MenuCb.filter(F.item == MenuItem.PROFILE))
    router.callback_query.register(edit_field, ProfileEditCb.filter())
    router.message.register(type_text_field, StateFilter(ProfileEdit.name))
    router.message.register(type_text_field, StateFilter(ProfileEdit.organisation))
    router.callback_query.register(
        use_telegram_name,
        StateFilter(ProfileEdit.name),
        TelegramNameCb.filter(F.ctx == Ctx.PROFILE),
    )
    router.callback_query.register(choose_city, CityCb.filter(F.ctx == Ctx.PROFILE))
    router.callback_query.register(choose_role, RoleCb.filter(F.ctx == Ctx.PROFILE))
    router.callback_query.register(choose_language, LanguageCb.filter(F.ctx == Ctx.PROFILE))
    router.message.register(share_phone, StateFilter(ProfileEdit.phone), Has(F.contact))
    router.message.register(phone_other, StateFilter(ProfileEdit.phone))
    router.callback_query.register(remove_phone, PhoneRemoveCb.filter())
    router.callback_query.register(
        cancel_edit, StateFilter(ProfileEdit, None), NavCb.filter(F.action == NavAction.CANCEL)
    )
    return router
