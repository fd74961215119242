"""People's own personal data sections: profile, reminder opt-outs, organiser records,
messages (see bot/people/personal_data.py; trips, events, schools and the roadmap keep
their sections in their own packages, and bot/app.py lists them all in order).

What /forget decides for each:
- profile: deleted with any half-filled form; an organiser loses the rights that came
  with it (admins are set by ADMIN_IDS and stay admins);
- reminder opt-outs: deleted;
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
from bot.people.personal_data import (
    Collected,
    DataSection,
    Erased,
    Subject,
    View,
    data_line,
    stored_time,
)
from storage.db import Writer
from storage.operations import ErasureRepo
from storage.privacy import PrivacyRepo

NAME_MENTION_MIN = 5  # a shorter name would match unrelated texts


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
            "consent_at": stored_time(person.consent_at),
            "is_organiser": person.is_organiser,
            "blocked_bot_at": stored_time(person.blocked_at),
            "created_at": stored_time(person.created_at),
            "updated_at": stored_time(person.updated_at),
        }
        none = t.button("mydata-none")
        lines = [
            data_line(t, "name", person.full_name or none),
            data_line(t, "city", view.city(person.city_id) if city else none),
            data_line(t, "role", t.button(f"role-{person.role}") if person.role else none),
            data_line(t, "organisation", person.organisation or none),
            data_line(t, "language", t.button(f"language-{person.language}")),
            data_line(t, "phone", person.phone or none),
            data_line(t, "consent", view.when(person.consent_at) if person.consent_at else none),
            data_line(t, "created", view.when(person.created_at)),
        ]
        if person.is_organiser:
            lines.append(data_line(t, "organiser", t.button("mydata-yes")))
        return Collected(data, tuple(lines))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        if not await self._privacy.delete_person(conn, tg_id=subject.tg_id):
            return Erased()
        erased = {"forget-erased-profile": 1}
        if subject.person is not None and subject.person.is_organiser:
            erased["forget-erased-organiser"] = 1
        return Erased(erased=erased)


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
                "since": stored_time(item.created_at),
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
            "became_organiser_by_invite_at": stored_time(record.invite_used_at),
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


class ErasuresSection(DataSection):
    """The record that the person had their data erased: the Telegram id and the moment
    only, kept so that restoring an older backup erases them again (`python -m bot
    restore`) instead of bringing their data back. /forget writes it; it is shown in
    /mydata, as everything kept about a person is; retention keeps it."""

    key = "erasures"

    def __init__(self, erasures: ErasureRepo) -> None:
        self._erasures = erasures

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        erased_at = await self._erasures.of(tg_id=subject.tg_id)
        if erased_at is None:
            return None
        line = data_line(view.t, "erased", view.when(erased_at))
        return Collected({"erased_at": stored_time(erased_at)}, (line,))

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        await self._erasures.record(conn, tg_id=subject.tg_id, at=subject.now)
        return Erased(kept={"forget-kept-erasure": 1})
