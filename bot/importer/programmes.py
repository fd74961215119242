"""The `programmes` sheet: each record checked into a planned programme."""

from __future__ import annotations

from bot.core.roles import MemberRole
from bot.importer.fields import Fields
from bot.importer.files import (
    PROGRAMME_FIELDS,
    Issue,
    Record,
    shown,
)
from bot.importer.plan import PlannedProgramme
from bot.trips.catalogue import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Direction,
)
from storage.trips import NewProgramme


def plan_programme(record: Record, issues: list[Issue]) -> PlannedProgramme | None:
    f = Fields(record, issues, PROGRAMME_FIELDS)
    key = f.key("key")
    direction = f.choice("direction", [d.value for d in Direction], required=True)
    title = f.text("title", limit=TITLE_MAX, required=True)
    description = f.text("description", limit=DESCRIPTION_MAX, multiline=True) or ""
    roles: list[str] = []
    allowed = [role.value for role in MemberRole]
    for value in f.items("audience", separators=",;") or []:
        role = value.lower()
        if role not in allowed:
            f.fail("audience", "import-error-role", value=shown(value), allowed=", ".join(allowed))
        elif role not in roles:
            roles.append(role)
    if not f.ok or key is None or direction is None or title is None:
        return None
    return PlannedProgramme(key, NewProgramme(direction, title, description, tuple(roles), key))
