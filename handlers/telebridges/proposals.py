"""Telebridges after they are proposed: the card, "Мои телемосты", open offers, the
answers (accept, decline with a reason), cancelling, the video link, the .ics file,
"Не напоминать" under a reminder, and "Состоялся ли телемост?" with its report.

Handlers parse the press and call TelebridgeService, which decides whether the person
may do it; notices to the other side go through TelebridgeNotices (the outbox).
"""

from __future__ import annotations

from dataclasses import replace

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.timefmt import local_text, utc_now
from bot.delivery.capability import Delivery
from bot.delivery.reminders import ReminderKind
from bot.telebridges.notices import TelebridgeNotices
from bot.telebridges.service import (
    BOOKED,
    Change,
    Institution,
    Telebridge,
    TelebridgeService,
    TelebridgeStatus,
    card_actions,
    display_status,
)
from bot.telebridges.texts import TelebridgeView
from handlers.kit.buttons import button, markup
from handlers.kit.filters import Has, Onboarded
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import (
    Target,
    alert,
    send_new,
    set_buttons,
    show,
    show_error,
    zone_of,
)
from handlers.telebridges.callbacks import TbAction, TbCb, TbFormAction, TbFormCb, TbListCb
from handlers.telebridges.viewer import Viewer, with_viewer
from handlers.telebridges.views import (
    PAGE_SIZE,
    card_keyboard,
    details_keyboard,
    details_only,
    home_button,
    list_keyboard,
    offers_keyboard,
    tb_text_keyboard,
    telebridge_label,
)


class TbAnswer(StatesGroup):
    accept_link = State()  # accepting a proposal that has no video link yet
    decline_reason = State()
    cancel_reason = State()
    link = State()
    report_text = State()
    report_photo = State()


def _pages(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


async def _own(viewer: Viewer) -> Institution | None:
    return await viewer.telebridges.service.active_institution(viewer.person.tg_id)


async def _view(telebridge: Telebridge, viewer: Viewer) -> TelebridgeView:
    notices: TelebridgeNotices = viewer.telebridges.notices
    view = await notices.view(telebridge)
    repo = viewer.telebridges.repo
    latest = await repo.round(telebridge_id=telebridge.id, number=telebridge.round)
    return TelebridgeView(view.telebridge, view.proposer, view.partner, view.cities, latest)


# The card


async def show_card(
    target: Target, telebridge_id: int, viewer: Viewer, *, new: bool = False
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    telebridge = await service.visible(
        actor_id=viewer.person.tg_id, access=viewer.access, telebridge_id=telebridge_id
    )
    view = await _view(telebridge, viewer)
    reports = tuple(await viewer.telebridges.repo.reports(telebridge_id=telebridge.id))
    view = replace(view, reports=reports)
    own = await _own(viewer)
    reported = own is not None and any(report.institution_id == own.id for report in reports)
    now = utc_now()
    countered = (
        own is not None
        and telebridge.is_open_offer
        and await viewer.telebridges.repo.pending_counter(
            offer_id=telebridge.id, institution_id=own.id
        )
        is not None
    )
    actions = card_actions(
        telebridge,
        own,
        proposal_starts=view.latest.terms.starts_at if view.latest else telebridge.starts_at,
        reported=reported,
        now=now,
        countered=countered,
    )
    photos = sum(1 for report in reports if report.photo_file_id)
    keyboard = card_keyboard(t, telebridge, actions, photos=photos)
    await (send_new if new else show)(target, view.card_text(t, now), keyboard)


async def open_card(
    callback: CallbackQuery, callback_data: TbCb, callback_answer: CallbackAnswer, viewer: Viewer
) -> None:
    # From a list the card takes the list's place; from a notice it comes as a new one.
    try:
        await show_card(
            callback, callback_data.id, viewer, new=callback_data.action is TbAction.DETAILS
        )
    except UserError as error:
        await show_error(callback, viewer.t, error, callback_answer)


# Lists


async def show_my(target: Target, *, past: bool, page: int, viewer: Viewer) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    try:
        own = await service.own_institution(viewer.person.tg_id)
    except UserError as error:  # no school yet, or a request to join not yet approved
        await show(target, t(error.key), markup([[home_button(t)]]))
        return
    repo = viewer.telebridges.repo
    page = max(page, 0)
    now = utc_now()
    items, total = await repo.of_institution(
        institution_id=own.id, upcoming=not past, now=now, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    labels = await _labels(items, own, viewer)
    if past:
        text = t("tb-my-past", count=total) if total else t("tb-my-past-empty")
    else:
        text = t("tb-my-upcoming", count=total) if total else t("tb-my-upcoming-empty")
    keyboard = list_keyboard(t, labels, past=past, page=page, pages=_pages(total))
    await show(target, text, keyboard)


async def _labels(
    items: list[Telebridge], own: Institution | None, viewer: Viewer
) -> list[tuple[str, int]]:
    t: Translator = viewer.t
    zone = await zone_of(viewer.person, viewer.cities, viewer.settings)
    now = utc_now()
    labels = []
    others = [
        item.other_side(own.id) if own and item.side_of(own.id) else item.proposer_id
        for item in items
    ]
    named = await viewer.telebridges.institutions.many(i for i in others if i)
    for item, other_id in zip(items, others, strict=True):
        other = named.get(other_id) if other_id else None
        other_name = other.name if other else t.button("tb-any-school")
        when = local_text(item.starts_at, zone)
        labels.append(
            (telebridge_label(t, item, other_name, when, display_status(item, now)), item.id)
        )
    return labels


async def my_command(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await state.clear()
    await show_my(message, past=False, page=0, viewer=viewer)


async def my_list(
    callback: CallbackQuery, callback_data: TbListCb, state: FSMContext, viewer: Viewer
) -> None:
    await state.clear()
    await show_my(callback, past=callback_data.past, page=callback_data.page, viewer=viewer)


async def offers(
    callback: CallbackQuery, callback_data: TbCb, callback_answer: CallbackAnswer, viewer: Viewer
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    try:
        own = await service.own_institution(viewer.person.tg_id)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    page = max(callback_data.page, 0)
    items, total = await viewer.telebridges.repo.open_offers(
        city_id=own.city_id, now=utc_now(), limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    labels = await _labels(items, own, viewer)
    text = t("tb-offers", count=total) if total else t("tb-offers-empty")
    await show(callback, text, offers_keyboard(t, labels, page=page, pages=_pages(total)))


# Answers


async def _send_calendar(telebridge: Telebridge, viewer: Viewer) -> None:
    """The telebridge's .ics file to the person who pressed, in their language."""
    t: Translator = viewer.t
    notices: TelebridgeNotices = viewer.telebridges.notices
    bot: Bot = viewer.bot
    content, name = notices.ics(t, await notices.view(telebridge), now=utc_now())
    await bot.send_document(
        viewer.person.tg_id,
        BufferedInputFile(content, filename=name),
        caption=notices.caption(t, telebridge),
        reply_markup=details_keyboard(t, telebridge.id),
    )


async def _confirmed(target: Target, change: Change, viewer: Viewer) -> None:
    """The one who accepted is answered here, with the .ics; everybody else was told in
    the agreement's own transaction."""
    t: Translator = viewer.t
    view = await _view(change.telebridge, viewer)
    await send_new(
        target, t("tb-confirmed") + "\n\n" + view.proposal_text(t, change.telebridge.terms)
    )
    await _send_calendar(change.telebridge, viewer)


async def accept(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    actor = viewer.person.tg_id
    try:
        await service.answering(actor, callback_data.id, callback_data.round, now=utc_now())
        latest = await viewer.telebridges.repo.round(
            telebridge_id=callback_data.id, number=callback_data.round
        )
        if latest is not None and not latest.terms.video_url:
            await state.set_state(TbAnswer.accept_link)
            await state.set_data({"tb": callback_data.id, "round": callback_data.round})
            await send_new(callback, t("tb-ask-link-to-accept"), tb_text_keyboard(t, back=False))
            return
        change = await service.accept(
            actor_id=actor,
            telebridge_id=callback_data.id,
            round_number=callback_data.round,
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup("tb-accepted")
    await set_buttons(callback, None)
    await _confirmed(callback, change, viewer)


async def accept_with_link(message: Message, state: FSMContext, viewer: Viewer) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    form = await state.get_data()
    try:
        change = await service.accept(
            actor_id=viewer.person.tg_id,
            telebridge_id=int(form["tb"]),
            round_number=int(form["round"]),
            now=utc_now(),
            video_url=message.text,
        )
    except UserError as error:
        if error.key == "tb-error-url":
            await _ask_answer_again(message, state, t, t(error.key))
            return
        # The telebridge changed meanwhile: the answer ends here, with the way on.
        await state.clear()
        await message.answer(t(error.key, **error.args_), reply_markup=_way_on(t))
        return
    await state.clear()
    await _confirmed(message, change, viewer)


async def withdraw(
    callback: CallbackQuery, callback_data: TbCb, callback_answer: CallbackAnswer, viewer: Viewer
) -> None:
    """ "Отозвать перенос": the agreed time stands, the other side is told."""
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    try:
        change = await service.withdraw(
            actor_id=viewer.person.tg_id,
            telebridge_id=callback_data.id,
            round_number=callback_data.round,
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup("tb-reschedule-withdrawn")
    await show_card(callback, change.telebridge.id, viewer)


async def ask_reason(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    viewer: Viewer,
) -> None:
    """ "Отклонить" and "Отменить": checked now, then a reason (or none) is asked for."""
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    actor = viewer.person.tg_id
    try:
        now = utc_now()
        if callback_data.action is TbAction.DECLINE:
            await service.declinable(actor, callback_data.id, callback_data.round, now=now)
            step, key = TbAnswer.decline_reason, "tb-ask-decline-reason"
        elif callback_data.action is TbAction.CANCEL:
            await service.cancellable(actor_id=actor, telebridge_id=callback_data.id, now=now)
            step, key = TbAnswer.cancel_reason, "tb-ask-cancel-reason"
        else:
            await service.linkable(actor_id=actor, telebridge_id=callback_data.id, now=now)
            step, key = TbAnswer.link, "tb-ask-new-link"
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    if (
        await state.get_state() == step.state
        and (await state.get_data()).get("tb") == callback_data.id
    ):
        # A double tap: the question is below already; asking twice would only confuse.
        alert(callback_answer, t.popup("error-asked-below"))
        return
    await state.set_state(step)
    await state.set_data({"tb": callback_data.id, "round": callback_data.round})
    skip = None if step == TbAnswer.link else "tb-btn-no-reason"
    await send_new(callback, t(key), tb_text_keyboard(t, skip=skip, back=False))


async def _answer(target: Target, state: FSMContext, text: str, viewer: Viewer) -> None:
    """The typed (or skipped) reason or link: the decision is made here."""
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    current = await state.get_state()
    form = await state.get_data()
    actor = viewer.person.tg_id
    now = utc_now()
    try:
        telebridge_id = int(form["tb"])
        if current == TbAnswer.decline_reason.state:
            change = await service.decline(
                actor_id=actor,
                telebridge_id=telebridge_id,
                round_number=int(form["round"]),
                reason=text,
                now=now,
            )
            done = (
                "tb-reschedule-declined"
                if change.before and change.before.status == TelebridgeStatus.RESCHEDULED
                else "tb-declined"
            )
        elif current == TbAnswer.cancel_reason.state:
            change = await service.cancel(
                actor_id=actor, telebridge_id=telebridge_id, reason=text, now=now
            )
            done = "tb-cancelled"
        else:
            change = await service.set_link(
                actor_id=actor, telebridge_id=telebridge_id, video_url=text, now=now
            )
            done = "tb-link-saved"
    except (KeyError, ValueError):
        await state.clear()
        await send_new(target, t("error-stale-button"), _way_on(t))
        return
    except UserError as error:
        if error.key in (
            "tb-error-url",
            "error-text-too-long",
            "error-text-empty",
            "error-text-command",
        ) and isinstance(target, Message):
            # The same question stands: asked again.
            await _ask_answer_again(target, state, t, t(error.key, **error.args_))
            return
        # The telebridge changed meanwhile: the answer ends here, with the way on.
        await state.clear()
        await send_new(target, t(error.key, **error.args_), _way_on(t))
        return
    await state.clear()
    await send_new(target, t(done, topic=change.telebridge.topic))
    if change.calendar_changed:
        await _send_calendar(change.telebridge, viewer)
    await show_card(target, change.telebridge.id, viewer, new=True)


async def reason_typed(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await _answer(message, state, message.text or "", viewer)


async def answer_button(
    callback: CallbackQuery,
    callback_data: TbFormCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    current = await state.get_state()
    if callback_data.action is TbFormAction.CANCEL:
        await state.clear()
        await show(callback, t("tb-answer-cancelled"), _way_on(t))
    elif callback_data.action is TbFormAction.SKIP and current in (
        TbAnswer.decline_reason.state,
        TbAnswer.cancel_reason.state,
    ):
        await _answer(callback, state, "", viewer)
    elif callback_data.action is TbFormAction.SKIP and current == TbAnswer.report_text.state:
        await state.set_state(TbAnswer.report_photo)
        await show(
            callback,
            t("tb-ask-report-photo"),
            tb_text_keyboard(t, skip="tb-btn-no-photo", back=False),
        )
    elif callback_data.action is TbFormAction.SKIP and current == TbAnswer.report_photo.state:
        await state.clear()
        await show(callback, t("tb-report-thanks"), _way_on(t))
    else:
        alert(callback_answer, t.popup("error-stale-button"))


# The question of each answer step: its text and its "skip" button.
_ANSWER_QUESTIONS: dict[str | None, tuple[str, str | None]] = {
    TbAnswer.accept_link.state: ("tb-ask-link-to-accept", None),
    TbAnswer.decline_reason.state: ("tb-ask-decline-reason", "tb-btn-no-reason"),
    TbAnswer.cancel_reason.state: ("tb-ask-cancel-reason", "tb-btn-no-reason"),
    TbAnswer.link.state: ("tb-ask-new-link", None),
    TbAnswer.report_text.state: ("tb-ask-report", "tb-btn-no-report"),
    TbAnswer.report_photo.state: ("tb-ask-report-photo", "tb-btn-no-photo"),
}


async def _ask_answer_again(
    message: Message, state: FSMContext, t: Translator, explanation: str
) -> None:
    """A wrong answer: say why, then the step's question again with its buttons."""
    key, skip = _ANSWER_QUESTIONS[await state.get_state()]
    await explain_and_ask_again(
        message,
        explanation,
        lambda: send_new(message, t(key), tb_text_keyboard(t, skip=skip, back=False)),
    )


async def not_text(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await _ask_answer_again(message, state, viewer.t, viewer.t("error-text-expected"))


# The .ics file and reminders


async def _visible(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> Telebridge | None:
    """The telebridge a button is about, if the person may see it (else a polite alert)."""
    service: TelebridgeService = viewer.telebridges.service
    try:
        return await service.visible(
            actor_id=viewer.person.tg_id, access=viewer.access, telebridge_id=callback_data.id
        )
    except UserError as error:
        await show_error(callback, viewer.t, error, callback_answer)
        return None


async def send_ics(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> None:
    telebridge = await _visible(callback, callback_data, callback_answer, viewer)
    if telebridge is None:
        return
    if telebridge.status not in BOOKED:
        error = UserError(f"tb-error-state-{telebridge.status}")
        await show_error(callback, viewer.t, error, callback_answer)
        return
    await _send_calendar(telebridge, viewer)


async def send_photos(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    viewer: Viewer,
) -> None:
    """The photos the sides sent with their reports, to whoever may see the telebridge."""
    t: Translator = viewer.t
    telebridge = await _visible(callback, callback_data, callback_answer, viewer)
    if telebridge is None:
        return
    view = await _view(telebridge, viewer)
    reports = await viewer.telebridges.repo.reports(telebridge_id=telebridge.id)
    photos = [report for report in reports if report.photo_file_id]
    # Under the last photo: back to the telebridge, the list, the menu.
    back = button(t.button("tb-btn-back-card"), TbCb(action=TbAction.OPEN, id=telebridge.id))
    for report in photos:
        side = view.proposer if report.institution_id == view.proposer.id else view.partner
        caption = t("tb-photo-caption", topic=telebridge.topic, school=side.name if side else "—")
        assert report.photo_file_id is not None  # only reports with a photo are listed
        await bot.send_photo(
            callback.from_user.id,
            report.photo_file_id,
            caption=caption,
            reply_markup=_way_on(t, back) if report is photos[-1] else None,
        )


async def mute(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    delivery: Delivery,
    viewer: Viewer,
) -> None:
    if await _visible(callback, callback_data, callback_answer, viewer) is None:
        return
    changed = await delivery.reminder_repo.opt_out(
        kind=ReminderKind.TELEBRIDGE, target_id=callback_data.id, tg_id=viewer.person.tg_id
    )
    callback_answer.text = t.popup("reminder-muted")
    if changed:  # a second tap: the first one has changed the buttons already
        await set_buttons(callback, details_only(t, callback_data.id))


# After it: "Состоялся ли телемост?"


async def held(
    callback: CallbackQuery,
    callback_data: TbCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    took_place = callback_data.action is TbAction.HELD
    try:
        change = await service.report(
            actor_id=viewer.person.tg_id,
            telebridge_id=callback_data.id,
            held=took_place,
            now=utc_now(),
        )
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    await set_buttons(callback, None)
    if took_place:
        await state.set_state(TbAnswer.report_text)
        await state.set_data({"tb": callback_data.id})
        keyboard = tb_text_keyboard(t, skip="tb-btn-no-report", back=False)
        await send_new(callback, t("tb-ask-report"), keyboard)
        return
    other = change.telebridge.other_side(change.actor_institution) or 0
    again = [_new_button(t, other)] if other else []
    await send_new(callback, t("tb-not-held-noted"), _way_on(t, *again))


def _way_on(t: Translator, *first: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """Under a message that ends an answer: what comes first, the telebridges, the menu."""
    return way_on_keyboard(t, *first, button(t.button("tb-btn-my"), TbListCb()))


def _new_button(t: Translator, partner_id: int) -> InlineKeyboardButton:
    return button(t.button("tb-btn-propose-again"), TbCb(action=TbAction.NEW, id=partner_id))


async def report_text(message: Message, state: FSMContext, viewer: Viewer) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    form = await state.get_data()
    try:
        await service.add_report_details(
            actor_id=viewer.person.tg_id, telebridge_id=int(form["tb"]), text=message.text
        )
    except UserError as error:
        await _ask_answer_again(message, state, t, t(error.key, **error.args_))
        return
    await state.set_state(TbAnswer.report_photo)
    await message.answer(
        t("tb-ask-report-photo"),
        reply_markup=tb_text_keyboard(t, skip="tb-btn-no-photo", back=False),
    )


async def report_photo(message: Message, state: FSMContext, viewer: Viewer) -> None:
    t: Translator = viewer.t
    service: TelebridgeService = viewer.telebridges.service
    form = await state.get_data()
    assert message.photo
    try:
        await service.add_report_details(
            actor_id=viewer.person.tg_id,
            telebridge_id=int(form["tb"]),
            photo_file_id=message.photo[-1].file_id,
        )
    except UserError as error:
        # Not the photo's fault (the telebridge or the person's role changed meanwhile):
        # the answer ends here, with the way on.
        await state.clear()
        await message.answer(t(error.key, **error.args_), reply_markup=_way_on(t))
        return
    await state.clear()
    await message.answer(t("tb-report-thanks"), reply_markup=_way_on(t))


async def photo_expected(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await _ask_answer_again(message, state, viewer.t, viewer.t("tb-error-photo-expected"))


def create_router() -> Router:
    router = with_viewer(Router(name=__name__))
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    cb, msg = router.callback_query.register, router.message.register
    msg(my_command, Command("telebridges"))
    cb(my_list, TbListCb.filter())
    cb(open_card, TbCb.filter(F.action.in_({TbAction.OPEN, TbAction.DETAILS})))
    cb(offers, TbCb.filter(F.action == TbAction.OFFERS))
    cb(accept, TbCb.filter(F.action == TbAction.ACCEPT))
    cb(
        ask_reason,
        TbCb.filter(F.action.in_({TbAction.DECLINE, TbAction.CANCEL, TbAction.LINK})),
    )
    cb(withdraw, TbCb.filter(F.action == TbAction.WITHDRAW))
    cb(send_ics, TbCb.filter(F.action == TbAction.ICS))
    cb(send_photos, TbCb.filter(F.action == TbAction.PHOTOS))
    cb(mute, TbCb.filter(F.action == TbAction.MUTE))
    cb(held, TbCb.filter(F.action.in_({TbAction.HELD, TbAction.NOT_HELD})))
    cb(answer_button, TbFormCb.filter(), StateFilter(TbAnswer))
    msg(accept_with_link, StateFilter(TbAnswer.accept_link), Has(F.text))
    msg(
        reason_typed,
        StateFilter(TbAnswer.decline_reason, TbAnswer.cancel_reason, TbAnswer.link),
        Has(F.text),
    )
    msg(report_text, StateFilter(TbAnswer.report_text), Has(F.text))
    msg(report_photo, StateFilter(TbAnswer.report_photo), Has(F.photo))
    msg(photo_expected, StateFilter(TbAnswer.report_photo))
    msg(not_text, StateFilter(TbAnswer))
    return router
