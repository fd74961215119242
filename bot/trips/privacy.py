"""Trip registrations in "Мои данные" and /forget (see bot/people/personal_data.py).

/forget releases a seat or a place in line on a trip still ahead first (the waiting list
moves up and is told, in the same transaction); every registration then stays as a row
without the person, answers, guardian or reject reason, so the figures stay right.
"""

from __future__ import annotations

from typing import Any

from bot.people.personal_data import (
    Collected,
    DataSection,
    Erased,
    Subject,
    View,
    stored_time,
)
from bot.trips.questions import answer_text
from bot.trips.registration import RegistrationService
from storage.db import Writer
from storage.privacy import PrivacyRepo
from storage.registrations import Registration, RegistrationRepo
from storage.trips import TripRepo


class RegistrationsSection(DataSection):
    key = "registrations"

    def __init__(
        self,
        privacy: PrivacyRepo,
        registrations: RegistrationRepo,
        trips: TripRepo,
        service: RegistrationService,
    ) -> None:
        self._privacy = privacy
        self._registrations = registrations
        self._trips = trips
        self._service = service

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        mine = await self._registrations.for_person(tg_id=subject.tg_id)
        if not mine:
            return None
        history: dict[int, list[dict[str, Any]]] = {}
        for step in await self._privacy.registration_history(tg_id=subject.tg_id):
            history.setdefault(step.registration_id, []).append(
                {"status": step.status, "at": stored_time(step.changed_at), "by_you": step.by_self}
            )
        items, lines = [], []
        for registration in mine:
            item, shown = await self._one(registration, history.get(registration.id, []), view)
            items.append(item)
            lines.extend(shown)
        return Collected(items, tuple(lines), count=len(mine))

    async def _one(
        self, registration: Registration, history: list[dict[str, Any]], view: View
    ) -> tuple[dict[str, Any], list[str]]:
        t = view.t
        trip = await self._trips.get(trip_id=registration.trip_id)
        questions = {q.key: q for q in await self._trips.questions(trip_id=registration.trip_id)}
        item: dict[str, Any] = {
            "id": registration.id,
            "trip": {
                "id": registration.trip_id,
                "title": trip.title if trip else None,
                "starts_at": stored_time(trip.starts_at) if trip else None,
                "ends_at": stored_time(trip.ends_at) if trip else None,
            },
            "status": registration.status,
            "waitlist_position": registration.position,
            "answers": {
                key: {
                    "question": questions[key].label if key in questions else None,
                    "answer": value,
                }
                for key, value in registration.answers.items()
            },
            "guardian": {
                "name": registration.guardian_name,
                "consented_at": stored_time(registration.guardian_consent_at),
            }
            if registration.guardian_name
            else None,
            "reject_reason": registration.reject_reason,
            "created_at": stored_time(registration.created_at),
            "updated_at": stored_time(registration.updated_at),
            "decided_at": stored_time(registration.decided_at),
            "cancelled_at": stored_time(registration.cancelled_at),
            "history": history,
        }
        status = t.button(f"reg-status-{registration.status}")
        if registration.position:
            status = t.button("reg-status-waitlisted-position", position=registration.position)
        lines = [
            t(
                "mydata-registration",
                trip=trip.title if trip else str(registration.trip_id),
                starts=view.when(trip.starts_at) if trip else "—",
                status=status,
                created=view.when(registration.created_at),
            )
        ]
        for key, value in registration.answers.items():
            question = questions.get(key)
            lines.append(
                t(
                    "mydata-answer",
                    question=question.label if question else key,
                    answer=answer_text(t, question, value),
                )
            )
        if registration.guardian_name:
            lines.append(
                t(
                    "mydata-guardian",
                    name=registration.guardian_name,
                    when=view.when(registration.guardian_consent_at),
                )
            )
        if registration.reject_reason:
            lines.append(t("mydata-reject-reason", reason=registration.reject_reason))
        return item, lines

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        released = 0
        for registration_id in await self._privacy.registration_ids(conn, tg_id=subject.tg_id):
            registration = await self._registrations.get(
                registration_id=registration_id, conn=conn
            )
            assert registration is not None
            # A freed seat goes to the first in line, who is told in this transaction.
            done, _ = await self._service.release_in(
                conn, registration=registration, now=subject.now
            )
            released += done
        count = await self._privacy.anonymise_registrations(
            conn, tg_id=subject.tg_id, now=subject.now
        )
        return Erased(
            erased={"forget-released": released, "forget-erased-answers": count},
            kept={"forget-kept-registrations": count},
        )

    async def expire(self, conn: Writer, *, before: Any, now: Any) -> int:
        return await self._privacy.anonymise_registrations_ended(conn, before=before, now=now)
