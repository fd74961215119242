"""Members' side of trips: the catalogue, a trip's card, sharing, the trip_<id> deep link."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.calendar.ics import trip_filename, trip_ics
from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.i18n import Translator
from bot.core.ids import parse_id
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.trips.capability import Trips
from bot.trips.catalogue import (
    BROWSABLE_STATUSES,
    FITTING_STATUSES,
    card_visible,
    registration_refusal,
)
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.filters import Onboarded
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import Target, alert, send_new, show, zone_of
from handlers.trips.callbacks import TripAction, TripCb, TripScope, TripsPageCb
from handlers.trips.views import (
    PAGE_SIZE,
    back_to_trip_keyboard,
    catalogue_keyboard,
    trip_card_keyboard,
    trip_card_text,
)

# The catalogue: what members see when they look for open trips.
_SCOPE_STATUSES = {TripScope.FIT: FITTING_STATUSES, TripScope.ALL: BROWSABLE_STATUSES}


async def show_catalogue(
    target: Target,
    *,
    scope: TripScope,
    page: int,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
    new: bool = False,
) -> None:
    fit = scope is TripScope.FIT
    items, total = await trips.repo.catalogue(
        statuses=tuple(_SCOPE_STATUSES[scope]),
        role=person.role if fit else None,
        from_city_id=person.city_id if fit else None,
        limit=PAGE_SIZE,
        offset=max(page, 0) * PAGE_SIZE,
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page >= pages and total:
        # The list got shorter since the button was drawn: show its last page.
        await show_catalogue(
            target,
            scope=scope,
            page=pages - 1,
            t=t,
            person=person,
            trips=trips,
            cities=cities,
            settings=settings,
            new=new,
        )
        return
    key = f"trips-list-{scope.value}" if total else f"trips-empty-{scope.value}"
    text = t(key, count=total)
    markup = catalogue_keyboard(
        t,
        items,
        await cities.by_id(),
        await zone_of(person, cities, settings),
        scope=scope,
        page=page,
        pages=pages,
    )
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


async def trips_command(
    message: Message,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    await show_catalogue(
        message,
        scope=TripScope.FIT,
        page=0,
        t=t,
        person=person,
        trips=trips,
        cities=cities,
        settings=settings,
    )


async def trips_menu(
    callback: CallbackQuery,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    await show_catalogue(
        callback,
        scope=TripScope.FIT,
        page=0,
        t=t,
        person=person,
        trips=trips,
        cities=cities,
        settings=settings,
    )


async def trips_page(
    callback: CallbackQuery,
    callback_data: TripsPageCb,
    t: Translator,
    person: Person,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    scope, page = callback_data.scope, callback_data.page
    await show_catalogue(
        callback,
        scope=scope,
        page=page,
        t=t,
        person=person,
        trips=trips,
        cities=cities,
        settings=settings,
    )


async def show_trip_card(
    target: Target,
    trip_id: int,
    *,
    t: Translator,
    person: Person,
    access: Access,
    trips: Trips,
    cities: Cities,
    settings: Settings,
    new: bool = False,
) -> bool:
    """The trip's card; False if members may not see it (a draft) or it does not exist."""
    item = await trips.repo.get_item(trip_id=trip_id)
    if item is None or not card_visible(item.trip, access):
        return False
    registration = await trips.registrations.active_for(trip_id=trip_id, tg_id=person.tg_id)
    text = trip_card_text(t, item, await cities.by_id(), await zone_of(person, cities, settings))
    markup = trip_card_keyboard(
        t,
        item,
        access,
        can_register=registration_refusal(item.trip, utc_now()) is None,
        registration=registration,
    )
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)
    return True


async def open_trip(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    person: Person,
    access: Access,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    shown = await show_trip_card(
        callback,
        callback_data.id,
        t=t,
        person=person,
        access=access,
        trips=trips,
        cities=cities,
        settings=settings,
        new=True,
    )
    if not shown:
        alert(callback_answer, t.popup("trip-error-not-found"))


async def share_trip(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    bot: Bot,
    trips: Trips,
) -> None:
    if access < Access.ORGANISER:
        alert(callback_answer, t.popup("error-organisers-only"))
        return
    trip = await trips.repo.get(trip_id=callback_data.id)
    if trip is None:
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    link = await create_start_link(bot, f"trip_{trip.id}")
    await send_new(
        callback,
        t("trip-share-link", title=trip.title, link=link),
        back_to_trip_keyboard(t, trip.id),
    )


async def send_calendar(
    callback: CallbackQuery,
    callback_data: TripCb,
    callback_answer: CallbackAnswer,
    t: Translator,
    access: Access,
    bot: Bot,
    trips: Trips,
    cities: Cities,
) -> None:
    """The trip's .ics file, for whoever may see its card."""
    item = await trips.repo.get_item(trip_id=callback_data.id)
    stamps = await trips.repo.stamps(trip_id=callback_data.id)
    if item is None or stamps is None or not card_visible(item.trip, access):
        alert(callback_answer, t.popup("trip-error-not-found"))
        return
    trip, by_id = item.trip, await cities.by_id()
    origin, destination = by_id[trip.from_city_id], by_id[trip.to_city_id]
    description = t.button(
        "trip-ics-description",
        origin=origin.name(t.language),
        destination=destination.name(t.language),
        programme=item.programme.title,
    )
    content = trip_ics(
        trip,
        origin=origin,
        destination=destination,
        description=description,
        stamps=stamps,
        language=t.language,
        now=utc_now(),
    )
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(content, filename=trip_filename(trip)),
        caption=t("trip-ics-caption", title=trip.title),
        reply_markup=back_to_trip_keyboard(t, trip.id),
    )


async def open_trip_link(
    message: Message,
    argument: str,
    t: Translator,
    person: Person,
    access: Access,
    trips: Trips,
    cities: Cities,
    settings: Settings,
) -> None:
    """Deep link trip_<id>: the card, after onboarding for a newcomer."""
    trip_id = parse_id(argument)
    if trip_id is None or not await show_trip_card(
        message,
        trip_id,
        t=t,
        person=person,
        access=access,
        trips=trips,
        cities=cities,
        settings=settings,
    ):
        await message.answer(t("trip-error-not-found"), reply_markup=way_on_keyboard(t))


DEEP_LINKS = {"trip": open_trip_link}


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Onboarded())
    router.callback_query.filter(Onboarded())
    router.message.register(trips_command, Command("trips"))
    router.callback_query.register(trips_menu, MenuCb.filter(F.item == MenuItem.TRIPS))
    router.callback_query.register(trips_page, TripsPageCb.filter())
    router.callback_query.register(open_trip, TripCb.filter(F.action == TripAction.OPEN))
    router.callback_query.register(share_trip, TripCb.filter(F.action == TripAction.SHARE))
    router.callback_query.register(send_calendar, TripCb.filter(F.action == TripAction.CALENDAR))
    return router
