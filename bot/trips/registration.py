"""Registration for trips: seats, the waiting list, approval, cancellation.

Every change that takes or frees a seat runs in one `BEGIN IMMEDIATE` transaction
together with the promotion of the waiting list, so seats are never oversold and
a freed seat always goes to the first in line. The notices a change causes (to the
organisers, to the person decided on, to those who moved up) are queued in the same
transaction: a crash cannot leave a change untold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.errors import UserError
from bot.core.roles import Access
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from bot.trips.catalogue import (
    SEAT_KEEPING_STATUSES,
    TripStatus,
    can_change_answers,
    registration_refusal,
)
from bot.trips.questions import check_answers
from storage.db import Database, Writer
from storage.registrations import (
    ACTIVE,
    SEATED,
    Guardian,
    Participant,  # noqa: F401 - re-exported for handlers
    Registration,
    RegistrationRepo,
    RegStatus,
)
from storage.trips import Trip, TripRepo

if TYPE_CHECKING:  # the notices name this module's Promotion and RegStatus
    from bot.trips.notices import TripNotices


@dataclass(frozen=True, slots=True)
class Registered:
    registration_id: int
    status: RegStatus
    position: int | None  # in the waiting list
    trip: Trip  # as it was when the seat was taken


@dataclass(frozen=True, slots=True)
class Promotion:
    """Someone moved from the waiting list to a seat: they are to be told."""

    registration_id: int
    trip_id: int
    tg_id: int | None
    status: RegStatus


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of "Одобрить"/"Отклонить": applied, or someone decided first."""

    applied: bool
    registration: Registration
    promotions: tuple[Promotion, ...] = ()


def holds_place(registration: Registration, trip: Trip) -> bool:
    """Still on the trip (seated or in line), and the trip is still going ahead."""
    return registration.status in ACTIVE and trip.status not in (
        TripStatus.CANCELLED,
        TripStatus.FINISHED,
    )


def seat_status(trip: Trip, seated: int) -> RegStatus:
    if seated >= trip.capacity:
        return RegStatus.WAITLISTED
    return RegStatus.PENDING if trip.needs_approval else RegStatus.APPROVED


class RegistrationService:
    def __init__(
        self,
        db: Database,
        trips: TripRepo,
        registrations: RegistrationRepo,
        notices: TripNotices,
    ) -> None:
        self._db = db
        self._trips = trips
        self._registrations = registrations
        self._notices = notices

    async def _trip(self, conn: Writer, trip_id: int) -> Trip:
        trip = await self._trips.get(trip_id=trip_id, conn=conn)
        if trip is None:
            raise UserError("trip-error-not-found")
        return trip

    async def refusal(self, *, trip: Trip, tg_id: int, now: datetime) -> str | None:
        """Why this person cannot start registering now (a text key), or None.

        Checked again inside the registration transaction; this early check only saves
        people from filling in a form that would be refused.
        """
        refusal = registration_refusal(trip, now)
        if refusal is None and await self._registrations.active_for(trip_id=trip.id, tg_id=tg_id):
            return "reg-error-already"
        return refusal

    async def register(
        self,
        *,
        trip_id: int,
        tg_id: int,
        answers: dict[str, str],
        now: datetime,
        guardian: Guardian | None = None,
    ) -> Registered:
        """Take a seat or a place in line. A trip with minors takes no registration without
        a parent's or guardian's consent; other trips store none."""
        async with self._db.transaction() as conn:
            trip = await self._trip(conn, trip_id)
            refusal = registration_refusal(trip, now)
            if refusal:
                raise UserError(refusal)
            if trip.for_minors and guardian is None:
                raise UserError("reg-error-guardian-required")
            existing = await self._registrations.active_for(
                trip_id=trip_id, tg_id=tg_id, conn=conn
            )
            if existing is not None:
                raise UserError("reg-error-already")
            checked = check_answers(
                await self._trips.questions(trip_id=trip_id, conn=conn), answers
            )
            status = seat_status(
                trip, await self._registrations.count_seated(conn, trip_id=trip_id)
            )
            registration_id = await self._registrations.insert(
                conn,
                trip_id=trip_id,
                tg_id=tg_id,
                status=status,
                answers=checked,
                now=now,
                guardian=guardian if trip.for_minors else None,
            )
            position = None
            if status == RegStatus.WAITLISTED:
                position = await self._registrations.position(
                    conn, registration_id=registration_id
                )
            if status == RegStatus.PENDING:
                await self._notices.ask_for_decision(conn, registration_id)
        return Registered(registration_id, status, position, trip)

    async def change_answers(
        self, *, registration_id: int, tg_id: int, answers: dict[str, str], now: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            registration = await self._own_active(conn, registration_id, tg_id)
            trip = await self._trip(conn, registration.trip_id)
            if not can_change_answers(trip, now):
                raise UserError("reg-error-answers-locked")
            checked = check_answers(
                await self._trips.questions(trip_id=trip.id, conn=conn), answers
            )
            await self._registrations.update_answers(
                conn, registration_id=registration_id, answers=checked, now=now
            )

    async def cancel(self, *, registration_id: int, tg_id: int, now: datetime) -> list[Promotion]:
        """The person leaves the trip; their seat goes to the first in line."""
        async with self._db.transaction() as conn:
            registration = await self._own_active(conn, registration_id, tg_id)
            # The trip first, as every use case that changes its seats does (one order of
            # locks: two transactions never wait for each other's rows).
            await self._trip(conn, registration.trip_id)
            # Read again under the trip's lock: a promotion that committed meanwhile gave
            # this person a seat, which their leaving must free for the next in line.
            registration = await self._own_active(conn, registration_id, tg_id)
            changed = await self._registrations.change_status(
                conn,
                registration_id=registration_id,
                from_statuses=ACTIVE,
                to_status=RegStatus.CANCELLED,
                now=now,
                actor=tg_id,
            )
            if not changed or registration.status not in SEATED:
                return []
            return await self._promote(conn, registration.trip_id, now)

    async def decide(
        self,
        *,
        registration_id: int,
        actor_id: int,
        actor_access: Access,
        approve: bool,
        now: datetime,
        reason: str | None = None,
    ) -> Decision:
        """An organiser approves or rejects a pending registration, exactly once."""
        if actor_access < Access.ORGANISER:
            raise UserError("error-organisers-only")
        async with self._db.transaction() as conn:
            current = await self._registrations.get(registration_id=registration_id, conn=conn)
            if current is None:
                raise UserError("reg-error-not-found")
            trip = await self._trip(conn, current.trip_id)
            if trip.status not in SEAT_KEEPING_STATUSES:
                # A cancelled or finished trip: approving now would promise a seat on nothing.
                raise UserError("reg-error-trip-not-running")
            changed = await self._registrations.change_status(
                conn,
                registration_id=registration_id,
                from_statuses=(RegStatus.PENDING,),
                to_status=RegStatus.APPROVED if approve else RegStatus.REJECTED,
                now=now,
                actor=actor_id,
                reason=reason,
            )
            registration = await self._registrations.get(
                registration_id=registration_id, conn=conn
            )
            if registration is None:
                raise UserError("reg-error-not-found")
            if not changed:
                return Decision(applied=False, registration=registration)
            await audit.record(
                conn,
                actor=actor_id,
                action=Action.APPROVE if approve else Action.REJECT,
                kind=ObjectKind.REGISTRATION,
                object_id=registration_id,
                diff={"trip_id": trip.id, "status": [current.status, registration.status]},
            )
            await self._notices.decided(conn, registration, reason=reason)
            promotions = (
                () if approve else tuple(await self._promote(conn, registration.trip_id, now))
            )
        return Decision(applied=True, registration=registration, promotions=promotions)

    async def set_capacity(
        self, *, trip_id: int, capacity: int, actor_access: Access, now: datetime
    ) -> list[Promotion]:
        if actor_access < Access.ORGANISER:
            raise UserError("error-organisers-only")
        async with self._db.transaction() as conn:
            await self._trip(conn, trip_id)
            taken = await self._registrations.count_seated(conn, trip_id=trip_id)
            if capacity < taken:
                # Seats already given stay given: a lower capacity would oversell.
                raise UserError("org-error-capacity-below-taken", taken=taken)
            await self._trips.set_capacity(conn, trip_id=trip_id, capacity=capacity)
            return await self._promote(conn, trip_id, now)

    async def promote(self, *, trip_id: int, now: datetime) -> list[Promotion]:
        """Fill free seats from the waiting list (after an edit that may have freed some)."""
        async with self._db.transaction() as conn:
            return await self._promote(conn, trip_id, now)

    async def promote_in(self, conn: Writer, *, trip_id: int, now: datetime) -> list[Promotion]:
        """The same inside the caller's open transaction (`BEGIN IMMEDIATE`), so the seats
        a write frees go to the waiting list before anyone else can take them."""
        return await self._promote(conn, trip_id, now)

    async def release_in(
        self, conn: Writer, *, registration: Registration, now: datetime
    ) -> tuple[bool, list[Promotion]]:
        """Inside the caller's transaction: the person leaves a trip that is still ahead
        (their data is being erased); a seat they held goes to the first in line.

        A trip that has begun, finished or was cancelled keeps the registration as it
        was: it is history, and the figures about it must not change. Returns whether
        the registration was released, and who moved up.
        """
        trip = await self._trip(conn, registration.trip_id)
        if (
            registration.status not in ACTIVE
            or trip.status not in SEAT_KEEPING_STATUSES
            or trip.starts_at <= now
        ):
            return False, []
        changed = await self._registrations.change_status(
            conn,
            registration_id=registration.id,
            from_statuses=ACTIVE,
            to_status=RegStatus.CANCELLED,
            now=now,
            actor=None,
        )
        if not changed or registration.status not in SEATED:
            return changed, []
        return True, await self._promote(conn, trip.id, now)

    async def _own_active(self, conn: Writer, registration_id: int, tg_id: int) -> Registration:
        registration = await self._registrations.get(registration_id=registration_id, conn=conn)
        if registration is None or registration.tg_id != tg_id:
            raise UserError("reg-error-not-found")
        if registration.status not in ACTIVE:
            raise UserError("reg-error-not-active")
        return registration

    async def _promote(self, conn: Writer, trip_id: int, now: datetime) -> list[Promotion]:
        trip = await self._trip(conn, trip_id)
        if trip.status not in SEAT_KEEPING_STATUSES:
            return []
        promotions = []
        seated = await self._registrations.count_seated(conn, trip_id=trip_id)
        while seated < trip.capacity:
            first = await self._registrations.first_in_line(conn, trip_id=trip_id)
            if first is None:
                break
            status = RegStatus.PENDING if trip.needs_approval else RegStatus.APPROVED
            await self._registrations.change_status(
                conn,
                registration_id=first,
                from_statuses=(RegStatus.WAITLISTED,),
                to_status=status,
                now=now,
                actor=None,
            )
            registration = await self._registrations.get(registration_id=first, conn=conn)
            assert registration is not None
            promotions.append(Promotion(first, trip_id, registration.tg_id, status))
            seated += 1
        await self._notices.announce_promotions(conn, promotions)
        return promotions
