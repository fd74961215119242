"""What the staff capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.staff.audit import AuditService
from bot.staff.organisers import OrganiserService


@dataclass(frozen=True, slots=True)
class Staff:
    organisers: OrganiserService  # rights and invitations
    audit: AuditService  # the audit log's screens
