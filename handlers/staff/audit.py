"""/audit for admins: the latest organiser and admin actions, paged, in the admin's city
time, optionally only those by or about one person or about one object.

    /audit            everything, newest first
    /audit 12345      by or about the person with Telegram id 12345
    /audit trip 7     about trip 7 (also programme, event, registration, broadcast, ...)
    /audit import     every import
    /audit help       the syntax
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.cities import Cities
from bot.core.config import Settings
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import local_text
from bot.people.capability import People
from bot.staff.audit import HELP_WORDS, AuditFilter, AuditPage, AuditRow, KnownAs, parse_filter
from bot.staff.capability import Staff
from handlers.kit.callbacks import IdOrZero, Small
from handlers.kit.context import with_context
from handlers.kit.keyboards import menu_button, way_on_keyboard
from handlers.kit.render import Target, alert, send_new, shorten, show, zone_of

DIFF_MAX = 250
TITLE_MAX = 60
# Objects people know by their title or name; the others by a number or a person.
_TITLED = frozenset({"programme", "trip", "event", "institution"})
_KIND = re.compile(r"^[a-z_]{2,20}$")


class AuditCb(CallbackData, prefix="aud"):
    page: Small
    person: IdOrZero = 0
    kind: str = ""
    oid: IdOrZero = 0


class IsAdmin(Filter):
    async def __call__(self, event: TelegramObject, access: Access | None = None) -> bool:
        return access is not None and access >= Access.ADMIN


def _filter_of(data: AuditCb) -> AuditFilter:
    """The filter a page button carries (forged data gets a harmless filter or none)."""
    if data.person > 0:
        return AuditFilter(person_id=data.person)
    if _KIND.match(data.kind):
        return AuditFilter(object_kind=data.kind, object_id=data.oid or None)
    return AuditFilter()


def _button(audit_filter: AuditFilter, page: int, text: str) -> InlineKeyboardButton:
    data = AuditCb(
        page=page,
        person=audit_filter.person_id or 0,
        kind=audit_filter.object_kind or "",
        oid=audit_filter.object_id or 0,
    )
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _keyboard(t: Translator, audit_filter: AuditFilter, found: AuditPage) -> InlineKeyboardMarkup:
    if found.pages <= 1:
        return way_on_keyboard(t)
    row = []
    if found.page > 0:
        row.append(_button(audit_filter, found.page - 1, "◀"))
    row.append(_button(audit_filter, found.page, f"{found.page + 1}/{found.pages}"))
    if found.page < found.pages - 1:
        row.append(_button(audit_filter, found.page + 1, "▶"))
    return InlineKeyboardMarkup(inline_keyboard=[row, [menu_button(t)]])


def _name(t: Translator, key: str, word: str) -> str:
    return t.button(key) if t.has(key) else word


def _value(value: Any, zone: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        # A moment is kept as ISO text with its offset (bot.staff.audit): shown in the
        # reader's city time like every other date.
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return local_text(moment, zone)
    return str(value)


def diff_text(diff: dict[str, Any], zone: str) -> str:
    parts = []
    for field, value in diff.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{field}: {_value(value[0], zone)} → {_value(value[1], zone)}")
        else:
            parts.append(f"{field}: {_value(value, zone)}")
    text = "; ".join(parts)
    return text if len(text) <= DIFF_MAX else text[: DIFF_MAX - 1] + "…"


def filter_text(t: Translator, audit_filter: AuditFilter) -> str:
    if audit_filter.person_id is not None:
        return t.button("audit-filter-person", id=str(audit_filter.person_id))
    if audit_filter.object_kind is not None:
        kind = _name(t, f"audit-object-{audit_filter.object_kind}", audit_filter.object_kind)
        if audit_filter.object_id is None:
            return kind
        return f"{kind} {audit_filter.object_id}"
    return t.button("audit-filter-all")


def target_text(t: Translator, kind: str, row: AuditRow, known: KnownAs | None) -> str:
    """The object as people know it: "поездка «Педагоги в Минске»", "пункт дорожной карты
    №29 «…»", "заявка: Анна Смирнова, «…»", "рассылка №7"; a deleted object by its id."""
    object_id = row.object_id
    if object_id is None:
        return kind
    if row.object_kind == "broadcast":  # the history lists broadcasts by their number
        return t.button("audit-target-number", kind=kind, number=str(object_id))
    if known is None:
        return f"{kind} {object_id}"
    title = shorten(known.title or "—", TITLE_MAX)
    if row.object_kind == "person":
        return t.button("audit-target-person", kind=kind, name=title, id=str(object_id))
    if row.object_kind == "roadmap":
        number = str(known.number or object_id)
        return t.button("audit-target-roadmap", kind=kind, number=number, title=title)
    if row.object_kind == "registration":
        person = known.person or t.button("audit-person-erased")
        return t.button("audit-target-registration", kind=kind, person=person, trip=title)
    if row.object_kind in _TITLED:
        return t.button("audit-target-titled", kind=kind, title=title)
    return f"{kind} {object_id}"


async def _entry(
    t: Translator,
    row: AuditRow,
    zone: str,
    people: People,
    known: dict[tuple[str, int], KnownAs],
) -> str:
    if row.actor_id is None:
        actor = t.button("audit-actor-shell")
    else:
        person = await people.repo.get(tg_id=row.actor_id)
        name = person.full_name if person and person.full_name else "—"
        actor = t.button("audit-actor", name=name, id=str(row.actor_id))
    kind = _name(t, f"audit-object-{row.object_kind}", row.object_kind)
    target = target_text(t, kind, row, known.get((row.object_kind, row.object_id or 0)))
    action = _name(t, f"audit-action-{row.action}", row.action)
    args = {"when": local_text(row.at, zone), "actor": actor, "action": action, "target": target}
    if row.diff:
        return t("audit-entry-diff", **args, diff=diff_text(row.diff, zone))
    return t("audit-entry", **args)


@dataclass(frozen=True, slots=True)
class _Reader:
    """An admin reading the log: their language and city time, and the services."""

    t: Translator
    access: Access | None
    person: Person
    people: People
    staff: Staff
    cities: Cities
    settings: Settings


async def _show_page(
    target: Target, audit_filter: AuditFilter, page: int, reader: _Reader, *, new: bool
) -> None:
    t = reader.t
    found = await reader.staff.audit.page(
        actor_access=reader.access, audit_filter=audit_filter, page=page
    )
    zone = await zone_of(reader.person, reader.cities, reader.settings)
    title = t(
        "audit-title",
        filter=filter_text(t, audit_filter),
        total=found.total,
        page=found.page + 1,
        pages=found.pages,
    )
    if found.rows:
        entries = [await _entry(t, row, zone, reader.people, found.known) for row in found.rows]
        text = title + "\n\n" + "\n\n".join(entries)
    else:
        text = title + "\n\n" + t("audit-empty")
    markup = _keyboard(t, audit_filter, found)
    if new:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


async def audit_command(
    message: Message,
    command: CommandObject,
    reader: _Reader,
) -> None:
    t = reader.t
    args = (command.args or "").strip()
    if args.lower() in HELP_WORDS:
        await message.answer(t("audit-help"), reply_markup=way_on_keyboard(t))
        return
    try:
        audit_filter = parse_filter(args)
    except UserError as error:
        await message.answer(
            t(error.key) + "\n\n" + t("audit-help"), reply_markup=way_on_keyboard(t)
        )
        return
    await _show_page(message, audit_filter, 0, reader, new=True)


async def audit_page(
    callback: CallbackQuery,
    callback_data: AuditCb,
    reader: _Reader,
) -> None:
    await _show_page(callback, _filter_of(callback_data), callback_data.page, reader, new=False)


async def refuse_command(message: Message, t: Translator) -> None:
    await message.answer(t("error-admins-only"), reply_markup=way_on_keyboard(t))


async def refuse_button(
    callback: CallbackQuery, t: Translator, callback_answer: CallbackAnswer
) -> None:
    alert(callback_answer, t.popup("error-admins-only"))


def create_router() -> Router:
    router = Router(name=__name__)
    # Both of the admins' handlers get the log's reader (handlers.kit.context).
    admins = with_context(Router(name=f"{__name__}.admins"), "reader", _Reader)
    admins.message.filter(IsAdmin())
    admins.callback_query.filter(IsAdmin())
    admins.message.register(audit_command, Command("audit"))
    admins.callback_query.register(audit_page, AuditCb.filter())
    others = Router(name=f"{__name__}.refusals")
    others.message.register(refuse_command, Command("audit"))
    others.callback_query.register(refuse_button, AuditCb.filter())
    router.include_routers(admins, others)
    return router
