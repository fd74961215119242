"""The core capabilities' personal data sections: profile, trip registrations, event
subscriptions, reminder opt-outs, organiser records, messages (see bot/people/personal_data.py).

What /forget decides for each:
- profile: deleted with any half-filled form; an organiser loses the rights that came
  with it (admins are set by ADMIN_IDS and stay admins);
- registrations: a seat or place in line on a trip still ahead is released first (the
  waiting list moves up and is told); every registration then stays as a row without
  the person, answers, guardian or reject reason, so figures stay right;
- subscriptions and opt-outs: deleted;
- organiser records: they stop receiving trips' registrations; the invite they used
  stays used but without their id; the audit log keeps their id in the entries of what
  they did as organiser (the partnership's record of decisions; no names are in it);
- messages: queued ones are cancelled; texts, buttons and keys of every message to
  them, and of messages to others that name them, are emptied (rows stay for figures).
"""

from __future__ import annotations

import html
from typing import Any

from bot.core.i18n import Translator
from bot.people.personal_data import Collected, DataSection, Erased, Subject, View
from bot.trips.questions import answer_text
from bot.trips.registration import RegistrationService
from storage.db import Writer, to_db_time
from storage.privacy import PrivacyRepo
from storage.registrations import Registration, RegistrationRepo
from storage.trips import TripRepo

NAME_MENTION_MIN = 5  # a shorter name would match unrelated texts


def _time(moment: Any) -> str | None:
    return to_db_time(moment) if moment is not None else None


def _line(t: Translator, label: str, value: object) -> str:
    return t("mydata-line", label=t.button(f"mydata-label-{label}"), value=value)


class ProfileSection(DataSection):
    key = "profile"

    def __init__(self, privacy: PrivacyRepo) -> None:
        self._privacy = privacy

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        person = subject.person
        if person is None:
            return None
        t = view.t
        city = view.cities.get(person.city_id or 0)
        data = {
            "language": person.language,
            "full_name": person.full_name,
            "city": city.code if city else None,
            "role": person.role,
            "organisation": person.organisation,
            "phone": person.phone,
            "consent_at": _time(person.consent_at),
            "is_organiser": person.is_organiser,
            "blocked_bot_at": _time(person.blocked_at),
            "created_at": _time(person.created_at),
            "updated_at": _time(person.updated_at),
        }
        none = t.button("mydata-none")
        lines = [
            _line(t, "name", person.full_name or none),
            _line(t, "city", view.city(person.city_id) if city else none),
            _line(t, "role", t.button(f"role-{person.role}") if person.role else none),
            _line(t, "organisation", person.organisation or none),
            _line(t, "language", t.button(f"language-{person.language}")),
            _line(t, "phone", person.phone or none),
            _line(t, "consent", view.when(person.consent_at) if person.consent_at else none),
            _line(t, "created", view.when(person.created_at)),
        ]
        if person.is_organiser:
            lines.append(_line(t, "organiser", t.button("mydata-yes")))
        return Collected(data, tuple(lines))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        if not await self._privacy.delete_person(conn, tg_id=subject.tg_id):
            return Erased()
        erased = {"forget-erased-profile": 1}
        if subject.person is not None and subject.person.is_organiser:
            erased["forget-erased-organiser"] = 1
        return Erased(erased=erased)


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
                {"status": step.status, "at": _time(step.changed_at), "by_you": step.by_self}
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
                "starts_at": _time(trip.starts_at) if trip else None,
                "ends_at": _time(trip.ends_at) if trip else None,
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
                "consented_at": _time(registration.guardian_consent_at),
            }
            if registration.guardian_name
            else None,
            "reject_reason": registration.reject_reason,
            "created_at": _time(registration.created_at),
            "updated_at": _time(registration.updated_at),
            "decided_at": _time(registration.decided_at),
            "cancelled_at": _time(registration.cancelled_at),
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


class SubscriptionsSection(DataSection):
    key = "subscriptions"

    def __init__(self, privacy: PrivacyRepo) -> None:
        self._privacy = privacy

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        found = await self._privacy.subscriptions(tg_id=subject.tg_id)
        if not found:
            return None
        data = [
            {
                "event_id": item.event_id,
                "title": item.title,
                "starts_at": _time(item.starts_at),
                "subscribed_at": _time(item.subscribed_at),
            }
            for item in found
        ]
        lines = [
            view.t(
                "mydata-subscription",
                title=item.title,
                city=view.city(item.city_id),
                when=view.when(item.starts_at),
                since=view.when(item.subscribed_at),
            )
            for item in found
        ]
        return Collected(data, tuple(lines), count=len(found))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        count = await self._privacy.delete_subscriptions(conn, tg_id=subject.tg_id)
        return Erased(erased={"forget-erased-subscriptions": count})

    async def expire(self, conn: Writer, *, before: Any, now: Any) -> int:
        return await self._privacy.delete_subscriptions_ended(conn, before=before)


class ReminderOptOutsSection(DataSection):
    key = "reminder_optouts"

    def __init__(self, privacy: PrivacyRepo) -> None:
        self._privacy = privacy

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        found = await self._privacy.optouts(tg_id=subject.tg_id)
        if not found:
            return None
        data = [
            {
                "kind": item.kind,
                "target_id": item.target_id,
                "title": item.title,
                "since": _time(item.created_at),
            }
            for item in found
        ]
        lines = [
            view.t(
                "mydata-optout",
                title=item.title or f"{item.kind} {item.target_id}",
                since=view.when(item.created_at),
            )
            for item in found
        ]
        return Collected(data, tuple(lines), count=len(found))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        count = await self._privacy.delete_optouts(conn, tg_id=subject.tg_id)
        return Erased(erased={"forget-erased-optouts": count})

    async def expire(self, conn: Writer, *, before: Any, now: Any) -> int:
        return await self._privacy.delete_optouts_ended(conn, before=before)


class StaffSection(DataSection):
    """Organiser and admin records: trips whose registrations they receive, the invite
    they used, and entries of the audit log."""

    key = "organiser"

    def __init__(self, privacy: PrivacyRepo) -> None:
        self._privacy = privacy

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        record = await self._privacy.staff_record(tg_id=subject.tg_id)
        if not (record.trips or record.invite_used_at or record.audit_by or record.audit_about):
            return None
        t = view.t
        data = {
            "receives_registrations_of_trips": [
                {"id": trip_id, "title": title} for trip_id, title in record.trips
            ],
            "became_organiser_by_invite_at": _time(record.invite_used_at),
            "audit_entries_of_your_actions": record.audit_by,
            "audit_entries_about_your_rights": record.audit_about,
        }
        lines = []
        if record.trips:
            titles = ", ".join(f"«{title}»" for _, title in record.trips)
            lines.append(t("mydata-staff-trips", trips=titles))
        if record.invite_used_at:
            lines.append(t("mydata-staff-invite", when=view.when(record.invite_used_at)))
        if record.audit_by:
            lines.append(t("mydata-staff-audit", count=record.audit_by))
        if record.audit_about:
            lines.append(t("mydata-staff-audit-about", count=record.audit_about))
        return Collected(data, tuple(lines))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        removed = await self._privacy.erase_staff_links(conn, tg_id=subject.tg_id)
        record = await self._privacy.staff_record(tg_id=subject.tg_id)
        return Erased(
            erased={"forget-erased-trip-organiser": removed},
            kept={"forget-kept-audit": record.audit_by + record.audit_about},
        )


class MessagesSection(DataSection):
    """What the bot sent the person on its own (the outbox), and a half-filled form."""

    key = "messages"

    def __init__(self, privacy: PrivacyRepo) -> None:
        self._privacy = privacy

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        record = await self._privacy.message_record(tg_id=subject.tg_id)
        if not record.by_purpose and not record.open_form:
            return None
        t = view.t
        data = {
            "sent_or_queued_by_purpose": record.by_purpose,
            "queued": record.queued,
            "unfinished_form": record.open_form,
        }
        lines = [
            t("mydata-messages", purpose=_purpose(t, purpose), count=count)
            for purpose, count in record.by_purpose.items()
        ]
        if record.queued:
            lines.append(t("mydata-messages-queued", count=record.queued))
        if record.open_form:
            lines.append(t("mydata-open-form"))
        return Collected(data, tuple(lines), count=sum(record.by_purpose.values()))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        person = subject.person
        mentions = []
        if person is not None and person.full_name and len(person.full_name) >= NAME_MENTION_MIN:
            mentions.append(html.escape(person.full_name, quote=False))
        if person is not None and person.phone:
            mentions.append(person.phone)
        cancelled, emptied = await self._privacy.erase_messages(
            conn, tg_id=subject.tg_id, mentions=tuple(mentions), now=subject.now
        )
        return Erased(
            erased={"forget-cancelled-messages": cancelled, "forget-erased-messages": emptied}
        )

    async def expire(self, conn: Writer, *, before: Any, now: Any) -> int:
        return await self._privacy.erase_old_messages(conn, before=before)


def _purpose(t: Translator, purpose: str) -> str:
    key = f"mydata-purpose-{purpose}"
    return t.button(key) if t.has(key) else purpose


def core_sections(
    privacy: PrivacyRepo,
    registrations: RegistrationRepo,
    trips: TripRepo,
    service: RegistrationService,
) -> list[DataSection]:
    """In the order they are shown (and erased, all in one transaction)."""
    return [
        ProfileSection(privacy),
        RegistrationsSection(privacy, registrations, trips, service),
        SubscriptionsSection(privacy),
        ReminderOptOutsSection(privacy),
        StaffSection(privacy),
        MessagesSection(privacy),
    ]
