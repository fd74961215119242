"""What the bot tells coordinators on its own about schools and telebridges: proposals,
answers, confirmations with an .ics file, cancellations, requests to join a school.

Everything goes through the outbox, each message in the recipient's language and with
a key per change and person, so a notice is never queued twice. The person who acted
gets a direct reply from the handler instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.calendar.ics import telebridge_filename, telebridge_ics
from bot.core.i18n import Translations, Translator
from bot.telebridges.service import Change, JoinDecision, JoinRequest
from bot.telebridges.texts import TelebridgeView, institution_line
from storage.cities import CityRepo
from storage.db import Writer
from storage.institutions import Coordinator, InstitutionRepo
from storage.outbox import Document, NewMessage, OutboxRepo
from storage.people import PersonRepo
from storage.telebridges import CANCELLED, CONFIRMED, PROPOSED, RESCHEDULED, Telebridge

NOTICE = "notice"

# Keyboards under the notices, as the Bot API's JSON, made by the handlers:
# (translator, telebridge id, round) -> answer buttons for a proposal;
# (translator, telebridge id) -> "Подробнее"; (translator, institution id, tg id) -> join.
ProposalMarkup = Callable[[Translator, int, int, bool], dict[str, Any]]
DetailsMarkup = Callable[[Translator, int], dict[str, Any]]
JoinMarkup = Callable[[Translator, int, int], dict[str, Any]]
# (translator) -> the school hub and the menu, under a decision about joining a school.
SchoolMarkup = Callable[[Translator], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class NoticeMarkups:
    proposal: ProposalMarkup
    details: DetailsMarkup
    join: JoinMarkup
    school: SchoolMarkup


class TelebridgeNotices:
    def __init__(
        self,
        outbox: OutboxRepo,
        translations: Translations,
        cities: CityRepo,
        institutions: InstitutionRepo,
        people: PersonRepo,
        markups: NoticeMarkups,
        *,
        admin_ids: frozenset[int] = frozenset(),
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._translations = translations
        self._cities = cities
        self._institutions = institutions
        self._people = people
        self._markups = markups
        self._admin_ids = admin_ids
        self._wake = wake

    async def view(self, telebridge: Telebridge) -> TelebridgeView:
        proposer = await self._institutions.get(institution_id=telebridge.proposer_id)
        assert proposer is not None
        partner = (
            await self._institutions.get(institution_id=telebridge.partner_id)
            if telebridge.partner_id
            else None
        )
        return TelebridgeView(telebridge, proposer, partner, await self._cities.by_id())

    async def _queue(self, conn: Writer, messages: list[NewMessage]) -> int:
        """Into the outbox in the change's own transaction; the engine is woken once it
        has committed."""
        queued = await self._outbox.enqueue(messages, conn=conn) if messages else 0
        if queued:
            conn.after_commit(self.wake)
        return queued

    def wake(self) -> None:
        """The delivery engine looks at the outbox now (after a commit)."""
        if self._wake is not None:
            self._wake()

    async def _recipients(
        self, institution_ids: Iterable[int | None], *, except_tg: int | None
    ) -> list[Coordinator]:
        people: list[Coordinator] = []
        for institution_id in dict.fromkeys(institution_ids):
            if institution_id is None:
                continue
            for person in await self._institutions.coordinators(institution_id=institution_id):
                if person.tg_id != except_tg and not person.blocked:
                    people.append(person)
        return people

    def _notice(
        self, t: Translator, tg_id: int, text: str, telebridge_id: int, key: str
    ) -> NewMessage:
        """A notice about a telebridge with "Подробнее" under it."""
        return NewMessage(
            chat_id=tg_id,
            purpose=NOTICE,
            text=text,
            reply_markup=self._markups.details(t, telebridge_id),
            dedup_key=key,
        )

    # Proposals

    async def proposal(self, conn: Writer, change: Change) -> int:
        """A new proposal, a counter-proposal or a new time for an agreed telebridge, to
        the side that is to answer (an open offer: every coordinator of the other city)."""
        telebridge, latest = change.telebridge, change.round
        assert latest is not None
        view = await self.view(telebridge)
        if telebridge.is_open_offer:
            audience = [
                person
                for person in await self._institutions.coordinators_of_city(
                    city_id=telebridge.partner_city_id
                )
                if not person.blocked
            ]
        else:
            audience = await self._recipients([telebridge.awaiting_id], except_tg=change.actor_id)
        if telebridge.status == RESCHEDULED:
            key = "tb-notice-reschedule"
        elif telebridge.offer_id is not None and latest.number == 2:
            key = "tb-notice-offer-counter"  # the offer stays open to the other schools
        elif latest.number > 1:
            key = "tb-notice-counter"
        else:
            key = "tb-notice-open" if telebridge.is_open_offer else "tb-notice-proposal"
        author = view.proposer if latest.institution_id == view.proposer.id else view.partner
        messages = []
        for person in audience:
            t = self._translations.get(person.language)
            school = institution_line(t, author, view.cities) if author else ""
            text = t(key, school=school) + "\n\n" + view.proposal_text(t, latest.terms)
            messages.append(
                NewMessage(
                    chat_id=person.tg_id,
                    purpose=NOTICE,
                    text=text,
                    reply_markup=self._markups.proposal(
                        t, telebridge.id, latest.number, telebridge.is_open_offer
                    ),
                    dedup_key=f"tb-proposal:{telebridge.id}:{latest.number}:{person.tg_id}",
                )
            )
        return await self._queue(conn, messages)

    async def counters_closed(
        self, conn: Writer, *, offer: Telebridge, closed: list[Telebridge], taken: bool
    ) -> int:
        """The schools whose counters to an open offer were closed, because another
        school's agreement took the offer (`taken`) or its proposer withdrew it: each
        coordinator once, in their language, queued in the caller's transaction."""
        view = await self.view(offer)
        key = "tb-notice-counter-taken" if taken else "tb-notice-counter-withdrawn"
        school = view.partner if taken else view.proposer
        people = await self._recipients([counter.partner_id for counter in closed], except_tg=None)
        messages = []
        for person in people:
            t = self._translations.get(person.language)
            counter = next(c for c in closed if c.partner_id == person.institution_id)
            line = institution_line(t, school, view.cities) if school else ""
            messages.append(
                self._notice(
                    t,
                    person.tg_id,
                    t(key, topic=offer.topic, school=line),
                    counter.id,
                    f"tb-counter-closed:{counter.id}:{person.tg_id}",
                )
            )
        return await self._queue(conn, messages)

    # Answers

    async def confirmed(self, conn: Writer, change: Change, *, now: datetime) -> int:
        """Both sides' coordinators (but the one who accepted, who is answered directly)
        get the details and an .ics file."""
        telebridge = change.telebridge
        view = await self.view(telebridge)
        people = await self._recipients(
            [telebridge.proposer_id, telebridge.partner_id], except_tg=change.actor_id
        )
        messages = []
        for person in people:
            t = self._translations.get(person.language)
            text = t("tb-notice-confirmed") + "\n\n" + view.proposal_text(t, telebridge.terms)
            key = f"tb-confirmed:{telebridge.id}:{telebridge.sequence}:{person.tg_id}"
            messages.append(self._notice(t, person.tg_id, text, telebridge.id, key))
            messages.append(self.ics_message(t, view, person.tg_id, now=now))
        return await self._queue(conn, messages)

    def ics_message(
        self, t: Translator, view: TelebridgeView, tg_id: int, *, now: datetime
    ) -> NewMessage:
        telebridge = view.telebridge
        content, name = self.ics(t, view, now=now)
        return NewMessage(
            chat_id=tg_id,
            purpose=NOTICE,
            text=self.caption(t, telebridge),
            document=Document(name, content),
            reply_markup=self._markups.details(t, telebridge.id),  # back to its card
            dedup_key=f"tb-ics:{telebridge.id}:{telebridge.sequence}:{tg_id}",
        )

    @staticmethod
    def caption(t: Translator, telebridge: Telebridge) -> str:
        key = "tb-ics-caption-cancelled" if telebridge.status == CANCELLED else "tb-ics-caption"
        return t(key, topic=telebridge.topic)

    def ics(self, t: Translator, view: TelebridgeView, *, now: datetime) -> tuple[bytes, str]:
        """The .ics file of a telebridge in a person's language."""
        telebridge = view.telebridge
        other = view.partner.name if view.partner else ""
        summary = t.button("tb-ics-summary", topic=telebridge.topic)
        description = t.button(
            "tb-ics-description",
            proposer=view.proposer.name,
            partner=other,
            link=telebridge.video_url or "",
        )
        city = view.cities[view.proposer.city_id]
        content = telebridge_ics(
            telebridge, summary=summary, description=description, city=city, now=now
        )
        return content, telebridge_filename(telebridge)

    async def answered(self, conn: Writer, change: Change, *, now: datetime) -> int:
        """A declined proposal or a refused new time, to the side that proposed it; a
        new time taken back, a cancellation or a new video link, to the other side (with
        the calendar file when an agreed telebridge's entry changed)."""
        telebridge, before = change.telebridge, change.before
        assert before is not None
        view = await self.view(telebridge)
        if before.status == RESCHEDULED and telebridge.status == CONFIRMED:
            withdrawn = change.actor_institution != before.awaiting_id  # the side that asked
            key = (
                "tb-notice-reschedule-withdrawn" if withdrawn else "tb-notice-reschedule-declined"
            )
        elif telebridge.status == CANCELLED:
            key = "tb-notice-cancelled"
        elif before.status == PROPOSED and telebridge.status != PROPOSED:
            key = "tb-notice-declined"
        else:
            key = "tb-notice-link"
        other_side = telebridge.other_side(change.actor_institution)
        people = await self._recipients([other_side], except_tg=change.actor_id)
        own = view.proposer if change.actor_institution == view.proposer.id else view.partner
        messages = []
        for person in people:
            t = self._translations.get(person.language)
            school = institution_line(t, own, view.cities) if own else ""
            text = t(key, school=school, topic=telebridge.topic)
            if change.reason:  # a refused new time keeps no reason: it is passed on here
                text += "\n" + t("tb-card-reason", reason=change.reason)
            text += "\n\n" + view.proposal_text(t, telebridge.terms)
            mark = f"{telebridge.id}:{telebridge.round}:{telebridge.sequence}:{person.tg_id}"
            messages.append(self._notice(t, person.tg_id, text, telebridge.id, f"tb-{key}:{mark}"))
            if change.calendar_changed:
                messages.append(self.ics_message(t, view, person.tg_id, now=now))
        return await self._queue(conn, messages)

    # Schools

    async def join_requested(self, conn: Writer, request: JoinRequest) -> int:
        """The school's coordinators decide; a school left without one is decided for
        by the organisers (and admins)."""
        person = await self._people.get(tg_id=request.requester)
        name = (person.full_name if person else None) or str(request.requester)
        key = "school-notice-join"
        approvers = [(a.tg_id, a.language, a.blocked) for a in request.approvers]
        if not approvers:
            key = "school-notice-join-orphan"
            staff = {p.tg_id: p for p in await self._people.list_organisers()}
            for tg_id in self._admin_ids - staff.keys():
                if (admin := await self._people.get(tg_id=tg_id)) is not None:
                    staff[tg_id] = admin
            approvers = [(p.tg_id, p.language, p.blocked_at is not None) for p in staff.values()]
        messages = []
        for tg_id, language, blocked in approvers:
            if blocked or tg_id == request.requester:
                continue
            t = self._translations.get(language)
            messages.append(
                NewMessage(
                    chat_id=tg_id,
                    purpose=NOTICE,
                    text=t(key, name=name, school=request.institution.name),
                    reply_markup=self._markups.join(t, request.institution.id, request.requester),
                )
            )
        return await self._queue(conn, messages)

    async def join_decided(self, conn: Writer, decision: JoinDecision) -> int:
        person = await self._people.get(tg_id=decision.tg_id)
        t = self._translations.get(person.language if person else None)
        key = "school-notice-approved" if decision.approved else "school-notice-declined"
        return await self._queue(
            conn,
            [
                NewMessage(
                    chat_id=decision.tg_id,
                    purpose=NOTICE,
                    text=t(key, school=decision.institution.name),
                    reply_markup=self._markups.school(t),
                )
            ],
        )
