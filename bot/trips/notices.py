"""Notices about trips that the bot sends on its own, through the outbox.

- a promoted person is told they have a seat (or that approval is pending);
- a registration waiting for approval (new, or promoted from the waiting list) goes to
  the trip's organisers with "Одобрить"/"Отклонить" — only to people who are
  organisers now: someone whose rights were revoked gets no one's personal data;
- the person is told the organiser's decision;
- everyone on a cancelled trip is told.

Each is queued by the service inside the transaction of its change (`conn`), so the
change and its notices commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram.types import InlineKeyboardMarkup

from bot.core.i18n import Html, Translator
from bot.core.roles import Access
from bot.delivery.notifier import Notifier
from bot.staff.organisers import OrganiserService
from bot.trips.registration import Promotion, RegStatus
from storage.cities import CityRepo
from storage.db import Writer
from storage.people import PersonRepo
from storage.registrations import Registration, RegistrationRepo
from storage.trips import Question, TripRepo

# Builds the "Одобрить"/"Отклонить" keyboard for a registration (from the handlers).
DecisionMarkup = Callable[[Translator, int], InlineKeyboardMarkup]
# The way on under a notice about a person's own registration: their trip, the menu.
TripMarkup = Callable[[Translator, int], InlineKeyboardMarkup]
AnswersBlock = Callable[[Translator, list[Question], dict[str, str]], str]


class TripNotices:
    def __init__(
        self,
        *,
        trips: TripRepo,
        registrations: RegistrationRepo,
        people: PersonRepo,
        cities: CityRepo,
        organisers: OrganiserService,
        notifier: Notifier,
        admin_ids: frozenset[int],
        decision_markup: DecisionMarkup,
        trip_markup: TripMarkup,
        answers_block: AnswersBlock,
    ) -> None:
        self._trips = trips
        self._registrations = registrations
        self._people = people
        self._cities = cities
        self._organisers = organisers
        self._notifier = notifier
        self._admin_ids = admin_ids
        self._decision_markup = decision_markup
        self._trip_markup = trip_markup
        self._answers_block = answers_block

    async def organisers_of(self, conn: Writer, trip_id: int) -> list[int]:
        """The trip's own organisers who still have the rights, or else every organiser.

        Read in the change's transaction: an import may have just handed the trip to other
        organisers, and an organiser erasing their data is no longer one."""
        listed = [
            tg_id
            for tg_id in await self._trips.organisers(trip_id=trip_id, conn=conn)
            if await self._organisers.access(tg_id, conn=conn) >= Access.ORGANISER
        ]
        if listed:
            return listed
        staff = await self._people.list_organisers(conn=conn)
        return sorted({p.tg_id for p in staff} | self._admin_ids)

    async def ask_for_decision(self, conn: Writer, registration_id: int) -> None:
        """Send a pending registration to the trip's organisers."""
        registration = await self._registrations.get(registration_id=registration_id, conn=conn)
        if registration is None or registration.tg_id is None:
            return
        trip = await self._trips.get(trip_id=registration.trip_id, conn=conn)
        person = await self._people.get(tg_id=registration.tg_id, conn=conn)
        if trip is None or person is None:
            return
        questions = await self._trips.questions(trip_id=trip.id, conn=conn)
        city = await self._cities.get(city_id=person.city_id) if person.city_id else None
        for organiser_id in await self.organisers_of(conn, trip.id):
            t = await self._notifier.translator_for(organiser_id)
            text = t(
                "reg-new-for-organiser",
                trip=trip.title,
                name=person.full_name or "",
                organisation=person.organisation or "",
                role=t.button(f"role-{person.role}") if person.role else "—",
                city=city.name(t.language) if city else "—",
                answers=Html(self._answers_block(t, questions, registration.answers)),
            )
            await self._notifier.send(
                conn, organiser_id, text, markup=self._decision_markup(t, registration_id)
            )

    async def announce_promotions(self, conn: Writer, promotions: Iterable[Promotion]) -> None:
        """Tell each person who got a seat; a seat that needs approval goes to organisers."""
        for promotion in promotions:
            trip = await self._trips.get(trip_id=promotion.trip_id, conn=conn)
            if trip is None or promotion.tg_id is None:  # erased people have no chat
                continue
            t = await self._notifier.translator_for(promotion.tg_id)
            key = (
                "reg-promoted-approved"
                if promotion.status == RegStatus.APPROVED
                else "reg-promoted-pending"
            )
            await self._notifier.tell(
                conn, promotion.tg_id, key, markup=self._trip_markup(t, trip.id), trip=trip.title
            )
            if promotion.status != RegStatus.APPROVED:
                await self.ask_for_decision(conn, promotion.registration_id)

    async def decided(
        self, conn: Writer, registration: Registration, *, reason: str | None
    ) -> None:
        """The person is told an organiser's "Одобрить" or "Отклонить" (with the reason)."""
        if registration.tg_id is None:
            return
        trip = await self._trips.get(trip_id=registration.trip_id, conn=conn)
        if registration.status == RegStatus.APPROVED:
            key = "reg-approved"
        else:
            key = "reg-rejected-with-reason" if reason else "reg-rejected"
        t = await self._notifier.translator_for(registration.tg_id)
        await self._notifier.tell(
            conn,
            registration.tg_id,
            key,
            markup=self._trip_markup(t, registration.trip_id),
            trip=trip.title if trip else "",
            reason=reason or "",
        )

    async def trip_cancelled(
        self, conn: Writer, people: Iterable[int], *, title: str, reason: str | None
    ) -> int:
        """Everyone who was on the trip or in its waiting list; returns how many are told."""
        return await self._notifier.tell_many(
            conn, people, "org-cancel-notice", trip=title, reason=reason
        )
