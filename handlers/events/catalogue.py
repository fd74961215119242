"""Members' side of events: the catalogue, a card, reminders on and off, the .ics file,
"Мои мероприятия", the event_<id> deep link."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.calendar.ics import event_ics, ics_filename
from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.ids import parse_id
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.delivery.capability import Delivery
from bot.delivery.reminders import ReminderKind
from bot.events.capability import Events
from bot.events.service import EventStatus
from bot.trips.capability import Trips
from handlers.events.callbacks import (
    EventAction,
    EventCb,
    EventsPageCb,
    MyEventsCb,
    TripReminderCb,
)
from handlers.events.viewer import Viewer, with_viewer
from handlers.events.views import (
    MONTHS_SHOWN,
    PAGE_SIZE,
    EventCard,
    back_to_event_keyboard,
    catalogue_keyboard,
    details_only,
    month_of,
    my_events_keyboard,
)
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.filters import Onboarded
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import Target, alert, send_new, set_buttons, show, show_error, zone_of


def _month_bounds(month: int, zone: str) -> tuple[datetime, datetime] | None:
    year, number = divmod(month, 100)
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        return None
    tz = ZoneInfo(zone)
    first = datetime(year, number, 1, tzinfo=tz)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return first, after


async def show_catalogue(
    target: Target,
    *,
    city: int,
    month: int,
    page: int,
    viewer: Viewer,
    new: bool = False,
) -> None:
    t: Translator = viewer.t
    events = viewer.events.repo
    cities: Cities = viewer.cities
    zone = await zone_of(viewer.person, cities, viewer.settings)
    known = await cities.by_id()
    city_id = city if city in known else None
    bounds = _month_bounds(month, zone) if month else None
    month = month if bounds else 0
    now = utc_now()
    page = max(page, 0)
    items, total = await events.catalogue(
        now=now,
        limit=PAGE_SIZE,
        offset=page * PAGE_SIZE,
        city_id=city_id,
        starts_from=bounds[0] if bounds else None,
        starts_before=bounds[1] if bounds else None,
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page >= pages and total:
        # The list got shorter since the button was drawn: show its last page.
        await show_catalogue(
            target, city=city, month=month, page=pages - 1, viewer=viewer, new=new
        )
        return
    starts = await events.upcoming_starts(now=now, city_id=city_id)
    months = sorted({month_of(moment, zone) for moment in starts})[:MONTHS_SHOWN]
    if month and month not in months:
        months = sorted([*months, month])
    where = known[city_id].name(t.language) if city_id else t.button("event-both-cities")
    text = t(
        "event-list" if total else "event-list-empty",
        count=total,
        where=where,
        month=t.button("event-month-any") if not month else _month_name(t, month),
    )
    markup = catalogue_keyboard(
        t,
        items,
        known,
        zone,
        city=city_id or 0,
        month=month,
        months=months,
        page=page,
        pages=pages,
    )
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


def _month_name(t: Translator, month: int) -> str:
    return t.button(f"event-month-{month % 100}", year=str(month // 100))


async def events_command(message: Message, viewer: Viewer) -> None:
    await show_catalogue(message, city=0, month=0, page=0, viewer=viewer)


async def events_menu(callback: CallbackQuery, viewer: Viewer) -> None:
    await show_catalogue(callback, city=0, month=0, page=0, viewer=viewer)


async def events_page(
    callback: CallbackQuery, callback_data: EventsPageCb, viewer: Viewer
) -> None:
    await show_catalogue(
        callback,
        city=callback_data.city,
        month=callback_data.month,
        page=callback_data.page,
        viewer=viewer,
    )


async def show_my_events(target: Target, page: int, viewer: Viewer) -> None:
    t: Translator = viewer.t
    person: Person = viewer.person
    events = viewer.events.repo
    cities: Cities = viewer.cities
    page = max(page, 0)
    items, total, cancelled = await events.subscribed(
        tg_id=person.tg_id, now=utc_now(), limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    if not items and page > 0:
        await show_my_events(target, 0, viewer)
        return
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    coming = total - cancelled
    # Reminders come only for the events that will take place; the cancelled ones are
    # counted and marked apart (listed after them).
    parts = [t("event-my-list", count=coming) if coming else t("event-my-none-coming")]
    if cancelled:
        parts.append(t("event-my-cancelled", count=cancelled))
    text = "\n\n".join(parts) if total else t("event-my-empty")
    zone = await zone_of(person, cities, viewer.settings)
    markup = my_events_keyboard(t, items, await cities.by_id(), zone, page=page, pages=pages)
    await show(target, text, markup)


async def my_events_command(message: Message, viewer: Viewer) -> None:
    await show_my_events(message, 0, viewer)


async def my_events_menu(callback: CallbackQuery, viewer: Viewer) -> None:
    await show_my_events(callback, 0, viewer)


async def my_events_page(
    callback: CallbackQuery, callback_data: MyEventsCb, viewer: Viewer
) -> None:
    await show_my_events(callback, callback_data.page, viewer)


async def show_event_card(
    target: Target, event_id: int, viewer: Viewer, *, new: bool = False
) -> bool:
    """The event's card; False if there is no such event."""
    t: Translator = viewer.t
    person: Person = viewer.person
    access: Access = viewer.access
    events = viewer.events.repo
    trips = viewer.trips.repo
    cities: Cities = viewer.cities
    event = await events.get(event_id=event_id)
    if event is None:
        return False
    card = EventCard(
        event=event,
        cities=await cities.by_id(),
        zone=await zone_of(person, cities, viewer.settings),
        person_city_id=person.city_id,
        programme=(
            await trips.get_programme(programme_id=event.programme_id)
            if event.programme_id
            else None
        ),
        trip=await trips.get(trip_id=event.trip_id) if event.trip_id else None,
        subscribers=await events.subscriber_count(event_id=event.id),
        subscribed=await events.is_subscribed(event_id=event.id, tg_id=person.tg_id),
    )
    is_open = event.status == EventStatus.SCHEDULED and event.ends_at >= utc_now()
    text, markup = card.text(t), card.keyboard(t, access, open_=is_open)
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)
    return True


async def open_event(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    viewer: Viewer,
) -> None:
    # From a list the card takes the list's place; from a reminder it comes as a new one.
    new = callback_data.action is EventAction.DETAILS
    if not await show_event_card(callback, callback_data.id, viewer, new=new):
        alert(callback_answer, viewer.t.popup("event-error-not-found"))


async def subscribe(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    events: Events,
    person: Person,
    viewer: Viewer,
) -> None:
    t: Translator = viewer.t
    try:
        if callback_data.action is EventAction.SUBSCRIBE:
            changed = await events.service.subscribe(
                tg_id=person.tg_id, event_id=callback_data.id, now=utc_now()
            )
            callback_answer.text = t.popup("event-subscribed")
        else:
            changed = await events.service.unsubscribe(
                tg_id=person.tg_id, event_id=callback_data.id
            )
            callback_answer.text = t.popup("event-unsubscribed")
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    if changed:  # a second tap carries the old card: the first one has redrawn it
        await show_event_card(callback, callback_data.id, viewer)


async def mute_event(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    events: Events,
) -> None:
    """ "Не напоминать" under a reminder: no more reminders, the reminder stays readable."""
    try:
        changed = await events.service.unsubscribe(tg_id=person.tg_id, event_id=callback_data.id)
    except UserError as error:
        await show_error(callback, t, error, callback_answer)
        return
    callback_answer.text = t.popup("event-unsubscribed")
    if changed:  # a second tap: the first one has taken the button away already
        await set_buttons(callback, details_only(t, ReminderKind.EVENT, callback_data.id))


async def mute_trip(
    callback: CallbackQuery,
    callback_data: TripReminderCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    trips: Trips,
    delivery: Delivery,
) -> None:
    if await trips.repo.get(trip_id=callback_data.id) is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    changed = await delivery.reminder_repo.opt_out(
        kind=ReminderKind.TRIP, target_id=callback_data.id, tg_id=person.tg_id
    )
    callback_answer.text = t.popup("reminder-muted")
    if changed:
        await set_buttons(callback, details_only(t, ReminderKind.TRIP, callback_data.id))


async def send_ics(
    callback: CallbackQuery,
    callback_data: EventCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    bot: Bot,
    events: Events,
    cities: Cities,
) -> None:
    event = await events.repo.get(event_id=callback_data.id)
    city = await cities.get(city_id=event.city_id) if event else None
    if event is None or city is None:
        alert(callback_answer, t.popup("event-error-not-found"))
        return
    content = event_ics(event, city, language=t.language, now=utc_now())
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(content, filename=ics_filename(event)),
        caption=t("event-ics-caption", title=event.title),
        reply_markup=back_to_event_keyboard(t, event.id),
    )


async def open_event_link(
    message: Message,
    argument: str,
    t: Translator,
    person: Person,
    access: Access,
    events: Events,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    """Deep link event_<id>: the card, after onboarding for a newcomer (called by the
    deep-link dispatch, not through this capability's routers: it builds its viewer)."""
    event_id = parse_id(argument)
    viewer = Viewer(t, person, access, events, trips, cities, settings)
    if event_id is None or not await show_event_card(message, event_id, viewer):
        await message.answer(t("event-error-not-found"), reply_markup=way_on_keyboard(t))


DEEP_LINKS = {"event": open_event_link}


def create_router() -> Router:
    router = with_viewer(Router(name=__name__))
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    cb, msg = router.callback_query.register, router.message.register
    msg(events_command, Command("events"))
    msg(my_events_command, Command("myevents"))
    cb(events_menu, MenuCb.filter(F.item == MenuItem.EVENTS))
    cb(my_events_menu, MenuCb.filter(F.item == MenuItem.MY_EVENTS))
    cb(events_page, EventsPageCb.filter())
    cb(my_events_page, MyEventsCb.filter())
    cb(open_event, EventCb.filter(F.action.in_({EventAction.OPEN, EventAction.DETAILS})))
    cb(
        subscribe,
        EventCb.filter(F.action.in_({EventAction.SUBSCRIBE, EventAction.UNSUBSCRIBE})),
    )
    cb(mute_event, EventCb.filter(F.action == EventAction.MUTE))
    cb(send_ics, EventCb.filter(F.action == EventAction.ICS))
    cb(mute_trip, TripReminderCb.filter())
    return router
