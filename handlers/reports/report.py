"""Organisers' reports: "📊 Отчёт" in the panel or /report → the period (this quarter,
this year, or two dates typed in the organiser's city time) → all cities or one → a PNG
chart and an XLSX. Organisers only; anyone else gets a polite no, and the service
checks the access again."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Html, Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import local_text, utc_now
from bot.reports.figures import (
    Period,
    custom_period,
    day_number,
    from_day_number,
    parse_range,
    period_text,
    summary_lines,
    this_quarter,
    this_year,
)
from bot.reports.service import ReportService
from handlers.kit.access import organisers_only, refusals_router, staff_router
from handlers.kit.buttons import button, markup
from handlers.kit.filters import Has
from handlers.kit.middlewares import answer_now
from handlers.kit.panel import PanelAction, PanelCb, to_panel_button
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, send_new, show, show_error, zone_of
from handlers.reports.callbacks import ReportCb, ReportPeriod
from handlers.reports.states import ReportRange


def _period_keyboard(t: Translator) -> Any:
    return markup(
        [
            [
                button(t.button("report-btn-quarter"), ReportCb(period=ReportPeriod.QUARTER)),
                button(t.button("report-btn-year"), ReportCb(period=ReportPeriod.YEAR)),
            ],
            [button(t.button("report-btn-custom"), ReportCb(period=ReportPeriod.CUSTOM))],
            [to_panel_button(t)],
        ]
    )


async def _start(target: Target, state: FSMContext, t: Translator, *, new: bool) -> None:
    await state.clear()
    if new:
        await send_new(target, t("report-choose-period"), _period_keyboard(t))
    else:
        await show(target, t("report-choose-period"), _period_keyboard(t))


async def report_command(message: Message, state: FSMContext, t: Translator) -> None:
    await _start(message, state, t, new=True)


async def report_panel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await _start(callback, state, t, new=False)


async def _period(callback_data: ReportCb, zone: str) -> Period:
    now = utc_now()
    if callback_data.period == ReportPeriod.QUARTER:
        return this_quarter(now, zone)
    if callback_data.period == ReportPeriod.YEAR:
        return this_year(now, zone)
    return custom_period(
        from_day_number(callback_data.start), from_day_number(callback_data.end), zone
    )


async def _choose_city(
    target: Target, period: Period, kind: ReportPeriod, t: Translator, cities: Cities
) -> None:
    listed = await cities.list()
    start, end = day_number(period.first), day_number(period.last)

    def to(city: int) -> ReportCb:
        return ReportCb(period=kind, start=start, end=end, city=city)

    rows = [[button(t.button("report-btn-all-cities"), to(0))]]
    rows.append([button(city.name(t.language), to(city.id)) for city in listed])
    rows.append([to_panel_button(t)])
    text = t(
        "report-choose-city",
        period=" — ".join(local_text(day, None, "date") for day in (period.first, period.last)),
    )
    if isinstance(target, Message):
        await send_new(target, text, markup(rows))
    else:
        await show(target, text, markup(rows))


async def report_step(
    callback: CallbackQuery,
    callback_data: ReportCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    person: Person,
    access: Access,
    reports: ReportService,
    cities: Cities,
    settings: Settings,
) -> None:
    if callback_data.period == ReportPeriod.CUSTOM and not callback_data.start:
        await state.set_state(ReportRange.dates)
        await _ask_range(callback, t, new=False)
        return
    zone = await zone_of(person, cities, settings)
    try:
        period = await _period(callback_data, zone)
        if callback_data.city < 0:
            await _choose_city(callback, period, callback_data.period, t, cities)
            return
        await reports.city(callback_data.city or None)  # a stale city: a pop-up
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    # The report takes seconds: the press is answered now, not when the files are there.
    await answer_now(callback, callback_answer, t.popup("report-making"))
    try:
        await _send_report(callback, period, callback_data.city, t, bot, access, reports)
    except UserError as error:
        await show_error(callback, t, error)  # the press is answered: as a message


async def _ask_range(target: Target, t: Translator, *, new: bool) -> None:
    text, keyboard = t("report-ask-range"), markup([[to_panel_button(t)]])
    await (send_new(target, text, keyboard) if new else show(target, text, keyboard))


async def range_typed(
    message: Message,
    state: FSMContext,
    t: Translator,
    person: Person,
    cities: Cities,
    settings: Settings,
) -> None:
    zone = await zone_of(person, cities, settings)
    try:
        period = parse_range(message.text, zone)
    except UserError as error:
        await explain_and_ask_again(
            message, t(error.key, **error.args_), lambda: _ask_range(message, t, new=True)
        )
        return
    await state.clear()
    await _choose_city(message, period, ReportPeriod.CUSTOM, t, cities)


async def range_not_text(message: Message, t: Translator) -> None:
    await explain_and_ask_again(
        message, t("report-error-range"), lambda: _ask_range(message, t, new=True)
    )


async def _send_report(
    target: Target,
    period: Period,
    city_id: int,
    t: Translator,
    bot: Bot,
    access: Access,
    reports: ReportService,
) -> None:
    assert target.from_user is not None  # private chats only: every update has a sender
    chat_id = target.from_user.id
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    report = await reports.make(
        actor_id=chat_id,
        actor_access=access,
        period=period,
        city_id=city_id or None,
        t=t,
        now=utc_now(),
    )
    caption = t(
        "report-caption",
        period=period_text(t, report.figures),
        lines=Html("\n".join(summary_lines(t, report.figures))),
    )
    await bot.send_photo(
        chat_id,
        BufferedInputFile(report.chart.content, filename=report.chart.filename),
        caption=caption,
    )
    await bot.send_document(
        chat_id,
        BufferedInputFile(report.table.content, filename=report.table.filename),
        caption=t("report-table-caption"),
        reply_markup=markup([[to_panel_button(t)]]),  # the way on: the organiser's panel
    )


def create_router() -> Router:
    staff = staff_router(__name__)
    staff.message.register(report_command, Command("report"))
    staff.callback_query.register(report_panel, PanelCb.filter(F.action == PanelAction.REPORT))
    staff.callback_query.register(report_step, ReportCb.filter())
    staff.message.register(range_typed, StateFilter(ReportRange.dates), Has(F.text))
    staff.message.register(range_not_text, StateFilter(ReportRange.dates))
    refusals = refusals_router(
        __name__,
        messages=(Command("report"), StateFilter(ReportRange)),
        callbacks=(ReportCb.filter(), PanelCb.filter(F.action == PanelAction.REPORT)),
    )
    return organisers_only(__name__, staff, refusals)
