"""Who a person is in the bot: their occupation and what they may do."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from bot.core.errors import UserError
from storage.people import Person


class MemberRole(StrEnum):
    """Occupation chosen at onboarding; trips and events are aimed at these."""

    TEACHER = "teacher"
    MEDIC = "medic"
    YOUTH = "youth"
    CULTURE = "culture"
    SPORT = "sport"
    BUSINESS = "business"
    ADMINISTRATION = "administration"
    OTHER = "other"


class Access(IntEnum):
    """What a person may do; higher includes lower."""

    MEMBER = 1
    ORGANISER = 2
    ADMIN = 3


def access_of(tg_id: int, person: Person | None, admin_ids: frozenset[int]) -> Access:
    if tg_id in admin_ids:
        return Access.ADMIN
    if person is not None and person.is_organiser:
        return Access.ORGANISER
    return Access.MEMBER


def require_organiser(access: Access | None) -> None:
    """Every organiser action is checked on the server, whatever buttons were shown."""
    if access is None or access < Access.ORGANISER:
        raise UserError("error-organisers-only")
