"""/mydata and /forget: a person sees everything the bot keeps about them and erases it.

Both work for anyone, onboarded or not: someone who only chose a language has data too.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)

from bot.core.command_menu import set_personal_menu
from bot.core.i18n import Html, Translator
from bot.core.roles import Access
from bot.core.timefmt import utc_now
from bot.people.capability import People
from bot.people.personal_data import ForgetReport
from bot.staff.capability import Staff
from handlers.kit.keyboards import InlineKeyboard, start_keyboard, way_on_keyboard
from handlers.kit.render import show


class ForgetCb(CallbackData, prefix="fgt"):
    confirm: bool


def _forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=t.button("forget-btn-confirm"), callback_data=ForgetCb(confirm=True))
    builder.button(text=t.button("forget-btn-keep"), callback_data=ForgetCb(confirm=False))
    builder.adjust(1)
    return builder.as_markup()


async def mydata_command(message: Message, t: Translator, bot: Bot, people: People) -> None:
    assert message.from_user is not None
    tg_id = message.from_user.id
    copy = await people.personal_data.copy(tg_id=tg_id, t=t, now=utc_now())
    # The way on goes under the last message (the file, when there is one).
    for index, text in enumerate(copy.messages):
        last = index == len(copy.messages) - 1 and not copy.sections
        await message.answer(text, reply_markup=way_on_keyboard(t) if last else None)
    if copy.sections:
        await bot.send_document(
            tg_id,
            BufferedInputFile(copy.document, filename=copy.filename),
            caption=t("mydata-file-caption"),
            reply_markup=way_on_keyboard(t),
        )


async def forget_command(message: Message, t: Translator, people: People) -> None:
    assert message.from_user is not None
    found = await people.personal_data.summary(tg_id=message.from_user.id, t=t, now=utc_now())
    if not found:
        await message.answer(t("forget-nothing"), reply_markup=start_keyboard(t))
        return
    items = "\n".join(
        t("forget-item", section=t.button(f"mydata-section-{key}-short"), count=count)
        for key, count in found
    )
    await message.answer(
        t(
            "forget-confirm",
            items=Html(items),
            backups=Html(backups_text(t, people)),
        ),
        reply_markup=_forget_keyboard(t),
    )


def backups_text(t: Translator, people: People) -> str:
    """How long erased data lives on in the daily backups (BACKUP_KEEP), or that there are
    none."""
    if people.personal_data.backup_days is None:
        return t("forget-no-backups")
    return t("forget-backups", days=people.personal_data.backup_days)


def report_text(t: Translator, report: ForgetReport, backups: str) -> str:
    erased = "\n".join(t(key, count=count) for key, count in report.erased.items())
    kept = "\n".join(t(key, count=count) for key, count in report.kept.items())
    text = t("forget-done", erased=Html(erased or t("forget-erased-nothing")))
    if kept:
        text += "\n\n" + t("forget-kept", kept=Html(kept))
    text += "\n\n" + backups
    if not report.wiped:  # after "erased from the database at once", which stays true
        text += "\n\n" + t("forget-wiped-later")
    return text + "\n\n" + t("forget-after")


async def forget_pressed(
    callback: CallbackQuery,
    callback_data: ForgetCb,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    access: Access,
    people: People,
    staff: Staff,
) -> None:
    if not callback_data.confirm:
        await show(callback, t("forget-cancelled"), way_on_keyboard(t))
        return
    await state.clear()  # first: the erasure deletes the stored form too
    tg_id = callback.from_user.id
    report = await people.personal_data.forget(tg_id=tg_id, now=utc_now())
    # Nothing of the person is left: the way on is starting again (the language first).
    await show(
        callback,
        report_text(t, report, backups_text(t, people)),
        start_keyboard(t, again=True),
    )
    if access >= Access.ORGANISER:
        # Organiser rights went with the profile; an admin (ADMIN_IDS) stays one.
        await set_personal_menu(bot, t, chat_id=tg_id, access=await staff.organisers.access(tg_id))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(mydata_command, Command("mydata"))
    router.message.register(forget_command, Command("forget"))
    router.callback_query.register(forget_pressed, ForgetCb.filter())
    return router
