"""Schools and telebridges: who may do what, what a proposal must satisfy, and the steps
of agreeing on a time.

Every operation checks the actor here, from the database, whatever buttons they were
shown: a coordinator acts for their own institution only, only the side awaited may
answer a proposal, and only the latest round can be accepted. Writes are one
transaction each, and every change of state is a conditional update, so two presses at
once give one change and a clear note to the second.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from bot.core.errors import UserError
from bot.core.roles import Access, MemberRole, require_organiser
from bot.core.text import clean_text
from bot.core.timefmt import local_span, to_local
from bot.staff import audit
from storage.cities import City, CityRepo
from storage.db import Database, Writer
from storage.institutions import (
    ACTIVE,
    DECLINED,
    Coordinator,
    Institution,
    InstitutionKind,  # re-exported: the handlers take it from here
    InstitutionRepo,
    Membership,  # noqa: F401 - re-exported: the handlers take it from here
    NewInstitution,
    PartnerRow,  # noqa: F401 - re-exported for handlers
)
from storage.people import Person
from storage.telebridges import (
    BOOKED,
    CANCELLED,
    CONFIRMED,
    HELD,
    NOT_HELD,
    PROPOSED,
    RESCHEDULED,
    AgeGroup,  # re-exported: the handlers take it from here
    Round,
    Telebridge,
    TelebridgeRepo,
    TelebridgeStatus,  # noqa: F401 - re-exported: the handlers take it from here
    Terms,
)
from storage.telebridges import DECLINED as TB_DECLINED

NAME_MAX = 150
ADDRESS_MAX = 200
TOPIC_MAX = 200
NOTE_MAX = 500
REPORT_MAX = 300
URL_MAX = 500
DURATION_MIN, DURATION_MAX = 15, 180
MIN_NOTICE = timedelta(hours=1)  # a proposal must leave the other side at least this long
AHEAD_MAX = timedelta(days=366)


# Field checks, one at a time, as the forms take them


def parse_institution_kind(value: str) -> InstitutionKind:
    try:
        return InstitutionKind(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def parse_age_group(value: str) -> AgeGroup:
    try:
        return AgeGroup(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def clean_age_groups(values: Iterable[str]) -> tuple[str, ...]:
    """Known age groups, each once, in their usual order; at least one."""
    chosen = {parse_age_group(value) for value in values}
    if not chosen:
        raise UserError("school-error-age-groups")
    return tuple(group.value for group in AgeGroup if group in chosen)


def clean_institution_name(text: str | None) -> str:
    return clean_text(text, limit=NAME_MAX)


def clean_address(text: str | None) -> str:
    return clean_text(text, limit=ADDRESS_MAX)


def clean_topic(text: str | None) -> str:
    return clean_text(text, limit=TOPIC_MAX)


def clean_note(text: str | None) -> str:
    return clean_text(text, limit=NOTE_MAX, keep_newlines=True)


def clean_report(text: str | None) -> str:
    return clean_text(text, limit=REPORT_MAX)


_DURATION = re.compile(r"^(\d{1,3})\s*(мин|мін|min|m)?\.?$", re.IGNORECASE)


def parse_duration(text: str | int | None) -> int:
    """Minutes, 15..180: `45`, `45 мин`."""
    if isinstance(text, int):
        minutes = text
    else:
        match = _DURATION.match((text or "").strip())
        if match is None:
            raise UserError("tb-error-duration", low=DURATION_MIN, high=DURATION_MAX)
        minutes = int(match[1])
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        raise UserError("tb-error-duration", low=DURATION_MIN, high=DURATION_MAX)
    return minutes


def clean_video_url(text: str | None) -> str:
    """An http(s) address with a host, as a person would paste it from Zoom or Telemost."""
    value = (text or "").strip()
    if not value or len(value) > URL_MAX or any(char.isspace() for char in value):
        raise UserError("tb-error-url")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise UserError("tb-error-url") from exc
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host:
        raise UserError("tb-error-url")
    return value


def check_start(starts_at: datetime, now: datetime) -> None:
    """Not in the past, at least an hour ahead, within a year."""
    if starts_at <= now:
        raise UserError("tb-error-past")
    if starts_at - now < MIN_NOTICE:
        raise UserError("tb-error-too-soon")
    if starts_at - now > AHEAD_MAX:
        raise UserError("tb-error-too-far")


def city_times(
    starts_at: datetime, ends_at: datetime | None, cities: Iterable[City]
) -> list[tuple[City, str]]:
    """The time in each city's own time: `15.03.2027 10:00–10:45` (or only the start)."""
    shown = []
    for city in cities:
        shown.append((city, local_span(starts_at, ends_at, city.timezone)))
    return shown


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """A month's telebridges as organisers count them: held (the roadmap's figure),
    agreed (a new time may be waiting), being agreed, and the rest (declined, cancelled,
    not held, proposals nobody answered before their start)."""

    held: int = 0
    agreed: int = 0
    proposed: int = 0
    other: int = 0


def month_counts(items: Iterable[tuple[datetime, str]], zone: str) -> dict[int, Counter[str]]:
    """{YYYYMM: Counter(status)} in a city's time, for the organisers' monthly figures."""
    months: dict[int, Counter[str]] = {}
    for starts_at, status in items:
        local = to_local(starts_at, zone)
        months.setdefault(local.year * 100 + local.month, Counter())[status] += 1
    return dict(sorted(months.items()))


def month_figures(
    items: Iterable[tuple[datetime, str]], zone: str, now: datetime
) -> dict[int, MonthFigures]:
    """{YYYYMM: figures} by the start in a city's time, for the organisers."""
    relabelled = (
        (starts_at, "expired" if status == PROPOSED and starts_at <= now else status)
        for starts_at, status in items
    )
    figures = {}
    for month, counts in month_counts(relabelled, zone).items():
        held, proposed = counts[HELD], counts[PROPOSED]
        agreed = counts[CONFIRMED] + counts[RESCHEDULED]
        other = sum(counts.values()) - held - agreed - proposed
        figures[month] = MonthFigures(held, agreed, proposed, other)
    return figures


def display_status(telebridge: Telebridge, now: datetime) -> str:
    """The status as people read it: a proposal nobody answered in time has expired, an
    agreed one that has ended waits for the sides to say whether it took place, and a
    request to move it lapses when the agreed time comes."""
    if telebridge.closed_as_taken:
        return "taken"
    if telebridge.status == PROPOSED and telebridge.starts_at <= now:
        return "expired"
    if telebridge.status in BOOKED and telebridge.ends_at <= now:
        return "ended"
    if telebridge.status == RESCHEDULED and telebridge.starts_at <= now:
        return CONFIRMED
    return telebridge.status


# What a side may do at a moment. The service runs these checks on the telebridge as it
# is in the database; a card runs the same ones to offer only what would be allowed.


def check_answer(
    telebridge: Telebridge, own: Institution, round_number: int, now: datetime
) -> None:
    """`own` may answer the proposal of this round: it is the side awaited (any school of
    the other city for an open offer), and the round is the latest."""
    if telebridge.is_open_offer:
        # Nobody took it (it may be withdrawn or expired since): the other city's
        # coordinators are told what became of it.
        if own.id == telebridge.proposer_id:
            raise UserError("tb-error-not-your-turn")
        if own.city_id != telebridge.partner_city_id:
            raise UserError("tb-error-not-yours")
    elif not telebridge.side_of(own.id):
        raise UserError(
            "tb-error-taken" if _took_it_before(telebridge, own) else "tb-error-not-yours"
        )
    if telebridge.closed_as_taken:
        raise UserError("tb-error-taken")
    if telebridge.status not in (PROPOSED, RESCHEDULED):
        raise UserError(f"tb-error-state-{telebridge.status}")
    if round_number != telebridge.round:
        raise UserError("tb-error-stale-round", round=telebridge.round)
    if not telebridge.is_open_offer and telebridge.awaiting_id != own.id:
        raise UserError("tb-error-not-your-turn")
    if telebridge.status == RESCHEDULED and telebridge.starts_at <= now:
        # The agreed time has come: whatever happened then, the request to move it is over.
        raise UserError("tb-error-started")


def _took_it_before(telebridge: Telebridge, own: Institution) -> bool:
    """Another school of `own`'s city took this open offer first."""
    return (
        telebridge.made_open
        and own.city_id == telebridge.partner_city_id
        and own.id != telebridge.proposer_id
    )


def check_accept_time(starts_at: datetime, now: datetime) -> None:
    """A proposal can be accepted until its start (the hour's notice is the proposer's)."""
    if starts_at <= now:
        raise UserError("tb-error-past-accept")


def check_decline(telebridge: Telebridge) -> None:
    if telebridge.is_open_offer:
        raise UserError("tb-error-open-decline")


def check_withdraw(
    telebridge: Telebridge, own: Institution, round_number: int, now: datetime
) -> None:
    """The side that asked for a new time (`own`, a side) may take it back while the
    other side has not answered and the agreed time has not come."""
    if telebridge.status != RESCHEDULED:
        raise UserError(f"tb-error-state-{telebridge.status}")
    if round_number != telebridge.round:
        raise UserError("tb-error-stale-round", round=telebridge.round)
    if telebridge.awaiting_id == own.id:
        raise UserError("tb-error-withdraw-other")
    if telebridge.starts_at <= now:
        raise UserError("tb-error-started")


def check_reschedule(telebridge: Telebridge, now: datetime) -> None:
    """A side may ask to move an agreed telebridge that has not begun."""
    if telebridge.status == RESCHEDULED:
        raise UserError("tb-error-reschedule-pending")
    if telebridge.status != CONFIRMED:
        raise UserError(f"tb-error-state-{telebridge.status}")
    if telebridge.starts_at <= now:
        raise UserError("tb-error-started")


def check_cancel(telebridge: Telebridge, now: datetime) -> None:
    """A side may call off a telebridge that is not closed and has not ended."""
    if telebridge.status not in (PROPOSED, CONFIRMED, RESCHEDULED):
        raise UserError(f"tb-error-state-{telebridge.status}")
    if telebridge.ends_at <= now:
        raise UserError("tb-error-over")


def check_link(telebridge: Telebridge, now: datetime) -> None:
    """A side may change the video link while the telebridge may still take place."""
    check_cancel(telebridge, now)
    if telebridge.status == PROPOSED and telebridge.starts_at <= now:
        raise UserError("tb-error-past-accept")


def check_report(telebridge: Telebridge, now: datetime) -> None:
    """ "Состоялся ли телемост?" is answered after the end of an agreed one."""
    if telebridge.status not in (*BOOKED, HELD, NOT_HELD):
        raise UserError(f"tb-error-state-{telebridge.status}")
    if telebridge.ends_at > now:
        raise UserError("tb-error-not-over")


class CardAction(StrEnum):
    ACCEPT = "accept"
    COUNTER = "counter"
    DECLINE = "decline"
    WITHDRAW = "withdraw"  # a new time asked for
    RESCHEDULE = "reschedule"
    LINK = "link"
    CALENDAR = "calendar"
    CANCEL = "cancel"
    REPORT = "report"


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except UserError:
        return False
    return True


def card_actions(
    telebridge: Telebridge,
    own: Institution | None,
    *,
    proposal_starts: datetime,
    reported: bool,
    now: datetime,
    countered: bool = False,
) -> frozenset[CardAction]:
    """What a coordinator of `own` can do on the telebridge now, by the checks above, so
    a card offers no button that can only be refused. `proposal_starts` is the start
    the latest proposal offers; `reported` whether `own` said if it took place;
    `countered` whether `own` has a counter to this open offer waiting for an answer."""
    if own is None:
        return frozenset()
    tb, actions = telebridge, set()
    if _allowed(lambda: check_answer(tb, own, tb.round, now)):
        if not countered:
            actions.add(CardAction.COUNTER)
        if _allowed(lambda: check_accept_time(proposal_starts, now)):
            actions.add(CardAction.ACCEPT)
        if _allowed(lambda: check_decline(tb)):
            actions.add(CardAction.DECLINE)
    if not tb.side_of(own.id):
        return frozenset(actions)
    if _allowed(lambda: check_withdraw(tb, own, tb.round, now)):
        actions.add(CardAction.WITHDRAW)
    if _allowed(lambda: check_reschedule(tb, now)):
        actions.add(CardAction.RESCHEDULE)
    if _allowed(lambda: check_link(tb, now)):
        actions.add(CardAction.LINK)
    if tb.status in BOOKED and tb.ends_at > now:
        actions.add(CardAction.CALENDAR)
    if _allowed(lambda: check_cancel(tb, now)):
        actions.add(CardAction.CANCEL)
    if not reported and _allowed(lambda: check_report(tb, now)):
        actions.add(CardAction.REPORT)
    return frozenset(actions)


@dataclass(frozen=True, slots=True)
class Draft:
    """A new telebridge as the form collected it."""

    partner_id: int | None  # None: an open offer to any institution of partner_city_id
    partner_city_id: int
    topic: str
    age_group: str
    terms: Terms


@dataclass(frozen=True, slots=True)
class Change:
    """What an operation did, for the notices: the telebridge after it, who acted for
    which side, and the proposal it was about."""

    telebridge: Telebridge
    actor_id: int
    actor_institution: int
    round: Round | None = None
    before: Telebridge | None = None
    reason: str = ""  # of a decline or cancellation, for the other side

    @property
    def calendar_changed(self) -> bool:
        """Whether an agreed telebridge's calendar entry changed (it was called off or got
        a new link) and both sides want the new file; a new time comes with its
        confirmation."""
        before, after = self.before, self.telebridge
        return (
            before is not None
            and before.status in BOOKED
            and (after.status == CANCELLED or after.video_url != before.video_url)
        )


class Notices(Protocol):
    """What each operation tells the other side (bot/telebridges/notices.py). Every
    method writes its outbox rows on `conn`, in the transaction of the change itself,
    so a change and its notices commit together or not at all."""

    async def proposal(self, conn: Writer, change: Change) -> int: ...

    async def confirmed(self, conn: Writer, change: Change, *, now: datetime) -> int: ...

    async def answered(self, conn: Writer, change: Change, *, now: datetime) -> int: ...

    async def counters_closed(
        self, conn: Writer, *, offer: Telebridge, closed: list[Telebridge], taken: bool
    ) -> int: ...

    async def join_requested(self, conn: Writer, request: JoinRequest) -> int: ...

    async def join_decided(self, conn: Writer, decision: JoinDecision) -> int: ...


@dataclass(frozen=True, slots=True)
class JoinRequest:
    institution: Institution
    requester: int
    approvers: tuple[Coordinator, ...]


@dataclass(frozen=True, slots=True)
class JoinDecision:
    institution: Institution
    tg_id: int
    approved: bool


class TelebridgeService:
    def __init__(
        self,
        db: Database,
        institutions: InstitutionRepo,
        telebridges: TelebridgeRepo,
        cities: CityRepo,
        notices: Notices,
        *,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._institutions = institutions
        self._telebridges = telebridges
        self._cities = cities
        self._notices = notices
        self._on_change = on_change  # reminders look again at the next due moment

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    # Institutions

    async def may_register(self, *, actor: Person, access: Access) -> None:
        """Teachers (and organisers) who coordinate no institution yet register one:
        checked before the form and again when it is saved."""
        if actor.role != MemberRole.TEACHER and access < Access.ORGANISER:
            raise UserError("school-error-teachers-only")
        if await self._institutions.membership(tg_id=actor.tg_id) is not None:
            raise UserError("school-error-already")

    async def register(
        self, *, actor: Person, access: Access, institution: NewInstitution, now: datetime
    ) -> Institution:
        """A teacher registers their institution and becomes its first coordinator."""
        await self.may_register(actor=actor, access=access)
        if await self._cities.get(city_id=institution.city_id) is None:
            raise UserError("error-stale-button")
        checked = NewInstitution(
            kind=parse_institution_kind(institution.kind).value,
            name=clean_institution_name(institution.name),
            city_id=institution.city_id,
            address=clean_address(institution.address) if institution.address else "",
            age_groups=clean_age_groups(institution.age_groups),
        )
        async with self._db.transaction() as conn:
            new_id = await self._institutions.create(
                conn, institution=checked, created_by=actor.tg_id, now=now
            )
            if new_id is None:  # joined or registered another one a moment ago
                raise UserError("school-error-already")
        saved = await self._institutions.get(institution_id=new_id)
        assert saved is not None
        return saved

    async def request_join(
        self, *, actor: Person, access: Access, institution_id: int
    ) -> JoinRequest:
        if actor.role != MemberRole.TEACHER and access < Access.ORGANISER:
            raise UserError("school-error-teachers-only")
        institution = await self._institutions.get(institution_id=institution_id)
        if institution is None:
            raise UserError("school-error-not-found")
        if await self._institutions.membership(tg_id=actor.tg_id) is not None:
            raise UserError("school-error-already")
        async with self._db.transaction() as conn:
            if not await self._institutions.add_pending(
                conn, institution_id=institution_id, tg_id=actor.tg_id
            ):
                raise UserError("school-error-already")
            approvers = await self._institutions.coordinators(institution_id=institution_id)
            request = JoinRequest(institution, actor.tg_id, tuple(approvers))
            await self._notices.join_requested(conn, request)
        return request

    async def decide_join(
        self, *, actor_id: int, access: Access, institution_id: int, tg_id: int, approve: bool
    ) -> JoinDecision:
        """An active coordinator lets a colleague in, or not (organisers may decide for a
        school left without a coordinator); the first decision counts."""
        if access >= Access.ORGANISER:
            found = await self._institutions.get(institution_id=institution_id)
            if found is None:
                raise UserError("school-error-not-found")
            institution = found
        else:
            institution = await self._require_coordinator(actor_id, institution_id)
        async with self._db.transaction() as conn:
            decided = await self._institutions.decide(
                conn,
                institution_id=institution_id,
                tg_id=tg_id,
                status=ACTIVE if approve else DECLINED,
                by=actor_id,
            )
            status = await self._institutions.status_of(
                conn, institution_id=institution_id, tg_id=tg_id
            )
            decision = JoinDecision(institution, tg_id, approve)
            if decided:
                await self._notices.join_decided(conn, decision)
        if not decided:
            if status in (ACTIVE, DECLINED):
                raise UserError("school-error-join-decided")
            raise UserError("school-error-join-gone")
        return decision

    async def leave(self, *, actor_id: int) -> Institution:
        membership = await self._institutions.membership(tg_id=actor_id)
        if membership is None:
            raise UserError("school-error-none")
        institution, _ = membership
        await self._institutions.leave(institution_id=institution.id, tg_id=actor_id)
        return institution

    async def verify(self, *, actor_id: int, access: Access, institution_id: int) -> Institution:
        require_organiser(access)
        institution = await self._institutions.get(institution_id=institution_id)
        if institution is None:
            raise UserError("school-error-not-found")
        async with self._db.transaction() as conn:
            if not await self._institutions.verify(
                conn, institution_id=institution_id, by=actor_id
            ):
                raise UserError("school-error-verified-already")
            await audit.record(
                conn,
                actor=actor_id,
                action="verify",
                kind="institution",
                object_id=institution_id,
                diff={"verified": [False, True], "name": institution.name},
            )
        verified = await self._institutions.get(institution_id=institution_id)
        assert verified is not None
        return verified

    async def active_institution(self, tg_id: int) -> Institution | None:
        """The institution a person actively coordinates, or None."""
        membership = await self._institutions.membership(tg_id=tg_id)
        return membership[0] if membership and membership[1] == ACTIVE else None

    async def own_institution(self, tg_id: int) -> Institution:
        """The institution a person actively coordinates (else a polite refusal)."""
        membership = await self._institutions.membership(tg_id=tg_id)
        if membership is None:
            raise UserError("school-error-none")
        institution, status = membership
        if status != ACTIVE:
            raise UserError("school-error-pending")
        return institution

    async def _own_side(self, actor_id: int, telebridge_id: int) -> tuple[Institution, Telebridge]:
        """The actor's institution and the telebridge, if that institution is a side."""
        own = await self.own_institution(actor_id)
        current = await self._telebridges.get(telebridge_id=telebridge_id)
        if current is None:
            raise UserError("tb-error-not-found")
        if not current.side_of(own.id):
            raise UserError("tb-error-not-yours")
        return own, current

    async def _require_coordinator(self, tg_id: int, institution_id: int) -> Institution:
        institution = await self.own_institution(tg_id)
        if institution.id != institution_id:
            raise UserError("school-error-not-yours")
        return institution

    # Proposing and agreeing

    async def _check_clash(
        self,
        conn: Writer,
        *,
        institution_ids: Iterable[int],
        terms: Terms,
        exclude_id: int | None,
    ) -> None:
        clashes = await self._telebridges.overlapping(
            institution_ids=institution_ids,
            starts_at=terms.starts_at,
            ends_at=terms.ends_at,
            exclude_id=exclude_id,
            conn=conn,
        )
        if clashes:
            clash = clashes[0]
            raise UserError("tb-error-overlap", topic=clash.topic, id=clash.id)

    def _checked_terms(self, terms: Terms, now: datetime) -> Terms:
        check_start(terms.starts_at, now)
        return Terms(
            starts_at=terms.starts_at.replace(second=0, microsecond=0),
            duration_min=parse_duration(terms.duration_min),
            video_url=clean_video_url(terms.video_url) if terms.video_url else None,
            note=clean_note(terms.note) if terms.note else "",
        )

    async def propose(self, *, actor_id: int, draft: Draft, now: datetime) -> Change:
        own = await self.own_institution(actor_id)
        if draft.partner_city_id == own.city_id:
            raise UserError("tb-error-same-city")
        if await self._cities.get(city_id=draft.partner_city_id) is None:
            raise UserError("error-stale-button")
        if draft.partner_id is not None:
            partner = await self._institutions.get(institution_id=draft.partner_id)
            if partner is None:
                raise UserError("school-error-not-found")
            if partner.city_id == own.city_id or partner.city_id != draft.partner_city_id:
                raise UserError("tb-error-same-city")
        terms = self._checked_terms(draft.terms, now)
        topic = clean_topic(draft.topic)
        age_group = parse_age_group(draft.age_group).value
        sides = [own.id] + ([draft.partner_id] if draft.partner_id else [])
        async with self._db.transaction() as conn:
            await self._check_clash(conn, institution_ids=sides, terms=terms, exclude_id=None)
            new_id = await self._telebridges.create(
                conn,
                proposer_id=own.id,
                partner_id=draft.partner_id,
                partner_city_id=draft.partner_city_id,
                topic=topic,
                age_group=age_group,
                terms=terms,
                tg_id=actor_id,
                now=now,
            )
            created = await self._telebridges.get(telebridge_id=new_id, conn=conn)
            first = await self._telebridges.round(telebridge_id=new_id, number=1, conn=conn)
            assert created is not None
            change = Change(created, actor_id, own.id, first)
            await self._notices.proposal(conn, change)
        return change

    async def answering(
        self, actor_id: int, telebridge_id: int, round_number: int, *, now: datetime
    ) -> tuple[Institution, Telebridge]:
        """The actor's institution, if it is the side awaited on this round (else a
        polite refusal that says why)."""
        own = await self.own_institution(actor_id)
        current = await self._telebridges.get(telebridge_id=telebridge_id)
        if current is None:
            raise UserError("tb-error-not-found")
        check_answer(current, own, round_number, now)
        return own, current

    async def declinable(
        self, actor_id: int, telebridge_id: int, round_number: int, *, now: datetime
    ) -> tuple[Institution, Telebridge]:
        own, current = await self.answering(actor_id, telebridge_id, round_number, now=now)
        check_decline(current)
        return own, current

    async def counterable(
        self, actor_id: int, telebridge_id: int, round_number: int, *, now: datetime
    ) -> tuple[Institution, Telebridge]:
        """The actor's institution, if it may answer with another time: the side awaited,
        and for an open offer a school with no counter to it waiting already."""
        own, current = await self.answering(actor_id, telebridge_id, round_number, now=now)
        if current.is_open_offer and await self._telebridges.pending_counter(
            offer_id=current.id, institution_id=own.id
        ):
            raise UserError("tb-error-countered")
        return own, current

    async def counter(
        self, *, actor_id: int, telebridge_id: int, round_number: int, terms: Terms, now: datetime
    ) -> Change:
        """Another time (or duration, link, note) in answer to the latest proposal. A
        counter to an open offer does not take it: it starts the school's own telebridge
        with the proposer, and the offer stays open to the other schools."""
        own, current = await self.counterable(actor_id, telebridge_id, round_number, now=now)
        if current.is_open_offer:
            return await self._counter_offer(own, current, terms, actor_id=actor_id, now=now)
        return await self._new_round(own, current, terms, actor_id=actor_id, now=now)

    async def _counter_offer(
        self, own: Institution, offer: Telebridge, terms: Terms, *, actor_id: int, now: datetime
    ) -> Change:
        checked = self._checked_terms(terms, now)
        async with self._db.transaction() as conn:
            await self._check_clash(
                conn, institution_ids=[offer.proposer_id, own.id], terms=checked, exclude_id=None
            )
            new_id = await self._telebridges.counter_offer(
                conn, offer=offer, institution_id=own.id, tg_id=actor_id, terms=checked, now=now
            )
            if new_id is None:
                if await self._telebridges.pending_counter(
                    offer_id=offer.id, institution_id=own.id, conn=conn
                ):
                    raise UserError("tb-error-countered")
                raise await self._lost_race(offer, conn)
            created = await self._telebridges.get(telebridge_id=new_id, conn=conn)
            latest = await self._telebridges.round(telebridge_id=new_id, number=2, conn=conn)
            assert created is not None
            change = Change(created, actor_id, own.id, latest)
            await self._notices.proposal(conn, change)
        return change

    async def _new_round(
        self,
        own: Institution,
        current: Telebridge,
        terms: Terms,
        *,
        actor_id: int,
        now: datetime,
        asking: Telebridge | None = None,
    ) -> Change:
        """Propose `terms` for `own` side: checked, clear of both sides' agreed
        telebridges, and written only if nobody changed the telebridge meanwhile."""
        checked = self._checked_terms(terms, now)
        sides = [current.proposer_id, current.partner_id or own.id]
        async with self._db.transaction() as conn:
            await self._check_clash(
                conn, institution_ids=sides, terms=checked, exclude_id=current.id
            )
            if not await self._telebridges.counter(
                conn,
                current=asking or current,
                institution_id=own.id,
                tg_id=actor_id,
                terms=checked,
                now=now,
            ):
                raise await self._lost_race(current, conn)
            updated = await self._telebridges.get(telebridge_id=current.id, conn=conn)
            latest = await self._telebridges.round(
                telebridge_id=current.id, number=current.round + 1, conn=conn
            )
            assert updated is not None
            change = Change(updated, actor_id, own.id, latest, before=current)
            await self._notices.proposal(conn, change)
        return change

    async def reschedulable(
        self, *, actor_id: int, telebridge_id: int, now: datetime
    ) -> tuple[Institution, Telebridge]:
        """The actor's institution and the telebridge, if the actor may ask to move it."""
        own, current = await self._own_side(actor_id, telebridge_id)
        check_reschedule(current, now)
        return own, current

    async def reschedule(
        self, *, actor_id: int, telebridge_id: int, terms: Terms, now: datetime
    ) -> Change:
        """A new time for an agreed telebridge: the other side must confirm it; until
        then the agreed time (and its reminders) stands."""
        own, current = await self.reschedulable(
            actor_id=actor_id, telebridge_id=telebridge_id, now=now
        )
        # The side that asks answers the agreed round, which awaits nobody.
        asking = replace(current, awaiting_id=None)
        return await self._new_round(
            own, current, terms, actor_id=actor_id, now=now, asking=asking
        )

    async def accept(
        self,
        *,
        actor_id: int,
        telebridge_id: int,
        round_number: int,
        now: datetime,
        video_url: str | None = None,
    ) -> Change:
        """Accept the latest proposal. A video link is needed by now: the one proposed,
        or `video_url` given by the side accepting."""
        own, current = await self.answering(actor_id, telebridge_id, round_number, now=now)
        latest = await self._telebridges.round(telebridge_id=current.id, number=current.round)
        assert latest is not None
        terms = latest.terms
        if video_url is not None:
            terms = replace(terms, video_url=clean_video_url(video_url))
        if not terms.video_url:
            raise UserError("tb-error-url-required")
        check_accept_time(terms.starts_at, now)
        partner_id = current.partner_id or own.id
        # The open offer this agreement takes: the one accepted, or the one countered.
        offer_id = current.id if current.is_open_offer else current.offer_id
        async with self._db.transaction() as conn:
            await self._check_clash(
                conn,
                institution_ids=[current.proposer_id, partner_id],
                terms=terms,
                exclude_id=current.id,
            )
            if current.offer_id is not None:
                # A school's counter agreed on: the offer itself becomes the telebridge.
                if not await self._telebridges.take_offer(
                    conn, counter=current, terms=terms, now=now
                ):
                    raise await self._lost_race(current, conn)
            elif not await self._telebridges.confirm(
                conn, current=current, partner_id=partner_id, terms=terms, now=now
            ):
                raise await self._lost_race(current, conn)
            agreed_id = offer_id if offer_id is not None else current.id
            confirmed = await self._telebridges.get(telebridge_id=agreed_id, conn=conn)
            assert confirmed is not None
            if offer_id is not None:
                await self._close_counters(
                    conn, confirmed, closed_by=None, taker=partner_id, now=now
                )
            latest = await self._telebridges.round(
                telebridge_id=agreed_id, number=confirmed.round, conn=conn
            )
            change = Change(confirmed, actor_id, own.id, latest, before=current)
            await self._notices.confirmed(conn, change, now=now)
        self._changed()
        return change

    async def _close_counters(
        self,
        conn: Writer,
        offer: Telebridge,
        *,
        closed_by: int | None,
        taker: int | None,
        now: datetime,
    ) -> int:
        """Close the other schools' counters to an open offer that an agreement took
        (`taker` the school) or its proposer withdrew (`closed_by`), and queue their
        notices in the same transaction. Returns how many notices were queued."""
        closed = await self._telebridges.close_counters(
            conn, offer_id=offer.id, closed_by=closed_by, taker=taker, now=now
        )
        others = [counter for counter in closed if counter.partner_id != taker]
        if not others:
            return 0
        return await self._notices.counters_closed(
            conn, offer=offer, closed=others, taken=taker is not None
        )

    async def decline(
        self, *, actor_id: int, telebridge_id: int, round_number: int, reason: str, now: datetime
    ) -> Change:
        """No to the latest proposal: a new telebridge is declined; a new time for an
        agreed one is refused and the agreed time stands."""
        own, current = await self.declinable(actor_id, telebridge_id, round_number, now=now)
        reason = clean_text(reason, limit=NOTE_MAX, keep_newlines=True) if reason else ""
        latest = await self._telebridges.round(telebridge_id=current.id, number=current.round)

        async def write(conn: Writer) -> bool:
            if current.status == RESCHEDULED:
                return await self._telebridges.keep_agreed(conn, current=current, now=now)
            return await self._telebridges.close(
                conn,
                current=current,
                status=TB_DECLINED,
                institution_id=own.id,
                reason=reason,
                now=now,
            )

        change = await self._apply(
            current,
            write,
            lambda updated: Change(
                updated, actor_id, own.id, latest, before=current, reason=reason
            ),
            now=now,
        )
        self._changed()
        return change

    async def withdraw(
        self, *, actor_id: int, telebridge_id: int, round_number: int, now: datetime
    ) -> Change:
        """The side that asked for a new time takes the request back (a mistyped date, or
        the agreed time suits after all): the agreed time stands."""
        own, current = await self._own_side(actor_id, telebridge_id)
        check_withdraw(current, own, round_number, now)
        return await self._apply(
            current,
            lambda conn: self._telebridges.keep_agreed(conn, current=current, now=now),
            lambda updated: Change(updated, actor_id, own.id, before=current),
            now=now,
        )

    async def cancellable(
        self, *, actor_id: int, telebridge_id: int, now: datetime
    ) -> tuple[Institution, Telebridge]:
        """The actor's institution and the telebridge, if the actor may call it off."""
        own, current = await self._own_side(actor_id, telebridge_id)
        check_cancel(current, now)
        return own, current

    async def linkable(
        self, *, actor_id: int, telebridge_id: int, now: datetime
    ) -> tuple[Institution, Telebridge]:
        """The actor's institution and the telebridge, if the actor may change its link."""
        own, current = await self._own_side(actor_id, telebridge_id)
        check_link(current, now)
        return own, current

    async def cancel(
        self, *, actor_id: int, telebridge_id: int, reason: str, now: datetime
    ) -> Change:
        """Either side calls it off (a proposer may withdraw an offer nobody took)."""
        own, current = await self.cancellable(
            actor_id=actor_id, telebridge_id=telebridge_id, now=now
        )
        reason = clean_text(reason, limit=NOTE_MAX, keep_newlines=True) if reason else ""

        async def write(conn: Writer) -> bool:
            if not await self._telebridges.close(
                conn,
                current=current,
                status=CANCELLED,
                institution_id=own.id,
                reason=reason,
                now=now,
            ):
                return False
            if current.is_open_offer:  # the schools that countered it are told
                await self._close_counters(conn, current, closed_by=own.id, taker=None, now=now)
            return True

        change = await self._apply(
            current,
            write,
            lambda cancelled: Change(cancelled, actor_id, own.id, before=current, reason=reason),
            now=now,
        )
        self._changed()
        return change

    async def set_link(
        self, *, actor_id: int, telebridge_id: int, video_url: str, now: datetime
    ) -> Change:
        """Either side adds or changes the video link (the other side is told)."""
        own, current = await self.linkable(actor_id=actor_id, telebridge_id=telebridge_id, now=now)
        url = clean_video_url(video_url)
        return await self._apply(
            current,
            lambda conn: self._telebridges.set_link(conn, current=current, video_url=url, now=now),
            lambda updated: Change(updated, actor_id, own.id, before=current),
            now=now,
        )

    async def _apply(
        self,
        current: Telebridge,
        write: Callable[[Writer], Awaitable[bool]],
        change: Callable[[Telebridge], Change],
        *,
        now: datetime,
    ) -> Change:
        """An answer (no, a new time taken back, a cancellation, a link) as a conditional
        write in one transaction with its notice to the other side; or, if somebody
        changed the telebridge first, a refusal that says what it is now."""
        async with self._db.transaction() as conn:
            if not await write(conn):
                raise await self._lost_race(current, conn)
            updated = await self._telebridges.get(telebridge_id=current.id, conn=conn)
            assert updated is not None
            made = change(updated)
            await self._notices.answered(conn, made, now=now)
        return made

    async def _lost_race(self, before: Telebridge, conn: Writer) -> UserError:
        """Somebody else changed the telebridge first: say what it is now."""
        now_state = await self._telebridges.get(telebridge_id=before.id, conn=conn)
        if now_state is None:
            return UserError("tb-error-not-found")
        if before.is_open_offer and now_state.partner_id is not None:
            return UserError("tb-error-taken")
        if now_state.closed_as_taken:
            return UserError("tb-error-taken")
        if now_state.status in (PROPOSED, RESCHEDULED) and now_state.round != before.round:
            return UserError("tb-error-stale-round", round=now_state.round)
        return UserError(f"tb-error-state-{now_state.status}")

    # After it

    async def report(
        self, *, actor_id: int, telebridge_id: int, held: bool, now: datetime
    ) -> Change:
        """ "Состоялся ли телемост?": one answer per side, after the end time."""
        own, current = await self._own_side(actor_id, telebridge_id)
        check_report(current, now)
        async with self._db.transaction() as conn:
            if not await self._telebridges.add_report(
                conn,
                telebridge_id=current.id,
                institution_id=own.id,
                tg_id=actor_id,
                held=held,
                text="",
                photo_file_id=None,
                now=now,
            ):
                raise UserError("tb-error-reported")
            updated = await self._telebridges.get(telebridge_id=current.id, conn=conn)
        assert updated is not None
        return Change(updated, actor_id, own.id, before=current)

    async def add_report_details(
        self,
        *,
        actor_id: int,
        telebridge_id: int,
        text: str | None = None,
        photo_file_id: str | None = None,
    ) -> None:
        own = await self.own_institution(actor_id)
        cleaned = clean_report(text) if text is not None else None
        async with self._db.transaction() as conn:
            if not await self._telebridges.update_report(
                conn,
                telebridge_id=telebridge_id,
                institution_id=own.id,
                text=cleaned,
                photo_file_id=photo_file_id,
            ):
                raise UserError("tb-error-not-found")

    # Reads with access checks

    async def visible(self, *, actor_id: int, access: Access, telebridge_id: int) -> Telebridge:
        """A telebridge its sides, the other city's coordinators (an open offer) and
        organisers may see."""
        current = await self._telebridges.get(telebridge_id=telebridge_id)
        if current is None:
            raise UserError("tb-error-not-found")
        if access >= Access.ORGANISER:
            return current
        membership = await self._institutions.membership(tg_id=actor_id)
        own = membership[0] if membership and membership[1] == ACTIVE else None
        if own is not None and current.side_of(own.id):
            return current
        if own is not None and current.is_open_offer and current.partner_city_id == own.city_id:
            return current  # an offer nobody took, whatever became of it
        if own is not None and _took_it_before(current, own):
            raise UserError("tb-error-taken")
        raise UserError("tb-error-not-yours")
