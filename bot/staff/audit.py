"""The audit log of organiser and admin actions: writing entries and reading them.

Any capability records an action with one line inside the transaction of the action:

    await audit.record(conn, actor=actor_id, action=Action.EDIT, kind="trip",
                       object_id=trip_id, diff=audit.changes(before, after))

`actor=None` means the command line. Actions and kinds are plain strings: a capability
may use its own (`"confirm"`, `"telebridge"`); `/audit` shows a translated name when
the texts have `audit-action-<action>` / `audit-object-<kind>`, and the word itself
otherwise. A diff maps a field to `[old, new]` (a change) or to a value (a fact);
`snapshot()` and `changes()` build them from records. Diffs hold ids, statuses, titles
and figures, never names, phones or answers: the log outlives the personal data it
would otherwise repeat.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.errors import UserError
from bot.core.ids import parse_id
from bot.core.roles import Access
from storage.audit import AuditEntry, AuditFilter, AuditRepo, AuditRow, KnownAs, write
from storage.db import Writer

VALUE_MAX = 60  # a value in a diff is cut to this many characters
PAGE_SIZE = 10


class Action(StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"
    INVITE = "invite"
    CREATE = "create"
    EDIT = "edit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    STATUS = "status"
    BROADCAST = "broadcast"
    SCHEDULE = "schedule"
    STOP = "stop"
    WITHDRAW = "withdraw"
    IMPORT = "import"
    EXPORT = "export"


class ObjectKind(StrEnum):
    PERSON = "person"
    PROGRAMME = "programme"
    TRIP = "trip"
    REGISTRATION = "registration"
    EVENT = "event"
    BROADCAST = "broadcast"
    IMPORT = "import"
    INVITE = "invite"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, str) and len(value) > VALUE_MAX:
        return value[: VALUE_MAX - 1] + "…"
    if isinstance(value, tuple | list | set | frozenset):
        return ", ".join(str(_plain(item)) for item in value)
    return value


def _diff_value(value: Any) -> Any:
    """A value of a diff: `[old, new]` for a change (two items), a plain value otherwise."""
    if isinstance(value, list) and len(value) == 2:
        return [_plain(value[0]), _plain(value[1])]
    return _plain(value)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a record, as plain values for a diff."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """`{field: [old, new]}` for every field that differs."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def entry(
    *,
    actor: int | None,
    action: str,
    kind: str,
    object_id: int | None = None,
    diff: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An entry for a repository that writes it in its own transaction."""
    return AuditEntry(
        actor_id=actor,
        action=str(action),
        object_kind=str(kind),
        object_id=object_id,
        diff={name: _diff_value(value) for name, value in (diff or {}).items()},
    )


async def record(
    conn: Writer,
    *,
    actor: int | None,
    action: str,
    kind: str,
    object_id: int | None = None,
    diff: Mapping[str, Any] | None = None,
) -> None:
    """Write an entry inside the caller's open transaction."""
    await write(conn, entry(actor=actor, action=action, kind=kind, object_id=object_id, diff=diff))


async def record_saved(
    conn: Writer,
    *,
    actor: int | None,
    kind: str,
    object_id: int,
    before: Any,
    after: Any,
    fields: Iterable[str],
) -> None:
    """A record created (`before` is None: its fields) or edited (the fields that changed)."""
    names = tuple(fields)
    now = snapshot(after, names)
    await record(
        conn,
        actor=actor,
        action=Action.CREATE if before is None else Action.EDIT,
        kind=kind,
        object_id=object_id,
        diff=now if before is None else changes(snapshot(before, names), now),
    )


# Reading: /audit

ROADMAP_KIND = "roadmap"  # the roadmap items' kind (bot.roadmap.service.OBJECT_KIND)

_KIND = re.compile(r"^[a-z_]{2,20}$")
HELP_WORDS = frozenset({"help", "?", "помощь", "справка", "дапамога", "даведка"})


def parse_filter(text: str | None) -> AuditFilter:
    """`/audit` arguments: nothing, a person's Telegram id, or an object kind and its id.

    `12345` — entries by or about person 12345; `trip 7` — entries about trip 7;
    `import` — every import. Anything else raises UserError("audit-error-syntax").
    """
    words = (text or "").split()
    if not words:
        return AuditFilter()
    if len(words) == 1 and (person_id := parse_id(words[0])) is not None:
        return AuditFilter(person_id=person_id)
    kind = words[0].lower()
    if not _KIND.match(kind) or len(words) > 2:
        raise UserError("audit-error-syntax")
    if len(words) == 1:
        return AuditFilter(object_kind=kind)
    object_id = parse_id(words[1])
    if object_id is None:
        raise UserError("audit-error-syntax")
    if kind == ObjectKind.PERSON:
        return AuditFilter(person_id=object_id)
    return AuditFilter(object_kind=kind, object_id=object_id)


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    pages: int
    total: int
    known: dict[tuple[str, int], KnownAs]  # how people know the rows' objects


class AuditService:
    def __init__(self, repo: AuditRepo) -> None:
        self._repo = repo

    async def page(
        self, *, actor_access: Access | None, audit_filter: AuditFilter, page: int
    ) -> AuditPage:
        if actor_access is None or actor_access < Access.ADMIN:
            raise UserError("error-admins-only")
        if audit_filter.object_kind == ROADMAP_KIND and audit_filter.object_id is not None:
            # People know a roadmap item by its number ("/audit roadmap 29"), not its id.
            item_id = await self._repo.roadmap_id(number=audit_filter.object_id)
            audit_filter = AuditFilter(object_kind=ROADMAP_KIND, object_id=item_id or 0)
        _, total = await self._repo.page(audit_filter, limit=0, offset=0)
        pages = max(math.ceil(total / PAGE_SIZE), 1)
        page = min(max(page, 0), pages - 1)
        rows, total = await self._repo.page(audit_filter, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        return AuditPage(rows, page, pages, total, await self._repo.known_as(rows))

    async def add(self, item: AuditEntry) -> None:
        """An entry for an action that writes nothing else (an export)."""
        await self._repo.add(item)
