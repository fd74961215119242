"""Organiser rights: invitations, grant and revoke. Authorised here, not in handlers.

Each change, its audit entry and its notice commit in one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.errors import UserError
from bot.core.ids import parse_id
from bot.core.roles import Access, access_of
from bot.staff import audit
from bot.staff.audit import Action, ObjectKind
from bot.staff.notices import StaffNotices
from storage.db import Database, Writer
from storage.invites import Invite, InviteRepo
from storage.people import PersonRepo

INVITE_TTL = timedelta(days=7)


class RedeemResult(StrEnum):
    GRANTED = "granted"
    ALREADY = "already"
    USED = "used"
    EXPIRED = "expired"
    NOT_FOUND = "not-found"


class GrantResult(StrEnum):
    GRANTED = "granted"
    GRANTED_UNKNOWN = "granted-unknown"  # the person has not opened the bot yet
    ALREADY = "already"


class RevokeResult(StrEnum):
    REVOKED = "revoked"
    NOT_ORGANISER = "not-organiser"


@dataclass(frozen=True, slots=True)
class Redemption:
    result: RedeemResult
    invite: Invite | None


class OrganiserService:
    def __init__(
        self,
        db: Database,
        people: PersonRepo,
        invites: InviteRepo,
        admin_ids: frozenset[int],
        notices: StaffNotices,
    ) -> None:
        self._db = db
        self._people = people
        self._invites = invites
        self._admin_ids = admin_ids
        self._notices = notices

    async def access(self, tg_id: int, *, conn: Writer | None = None) -> Access:
        """A person's rights; inside a transaction pass its `conn` (rights it changed)."""
        return access_of(tg_id, await self._people.get(tg_id=tg_id, conn=conn), self._admin_ids)

    def _require_admin(self, actor_id: int) -> None:
        if actor_id not in self._admin_ids:
            raise UserError("error-admins-only")

    async def create_invite(self, *, actor_id: int, now: datetime) -> Invite:
        self._require_admin(actor_id)
        code = secrets.token_urlsafe(16)
        # The code itself stays out of the log: until used, it grants organiser rights.
        await self._invites.create(
            code=code,
            created_by=actor_id,
            now=now,
            expires_at=now + INVITE_TTL,
            audit=audit.entry(
                actor=actor_id,
                action=Action.INVITE,
                kind=ObjectKind.INVITE,
                diff={"expires_at": now + INVITE_TTL},
            ),
        )
        invite = await self._invites.get(code=code)
        assert invite is not None
        return invite

    async def redeem_invite(self, *, code: str, tg_id: int, now: datetime) -> Redemption:
        invite = await self._invites.get(code=code)
        if invite is None:
            return Redemption(RedeemResult.NOT_FOUND, None)
        if await self.access(tg_id) >= Access.ORGANISER:
            return Redemption(RedeemResult.ALREADY, invite)
        if invite.used_by is not None:
            return Redemption(RedeemResult.USED, invite)
        if invite.expires_at <= now:
            return Redemption(RedeemResult.EXPIRED, invite)
        async with self._db.transaction() as conn:
            if not await self._invites.redeem(conn, code=code, tg_id=tg_id, now=now):
                # Someone else took it between the read and the write.
                return Redemption(RedeemResult.USED, invite)
            await audit.record(
                conn,
                actor=invite.created_by,
                action=Action.GRANT,
                kind=ObjectKind.PERSON,
                object_id=tg_id,
                diff={"via": "invite"},
            )
            await self._notices.invite_used(conn, creator=invite.created_by, tg_id=tg_id)
        return Redemption(RedeemResult.GRANTED, invite)

    async def grant(
        self, *, actor_id: int | None, target: int | str | None
    ) -> tuple[int, GrantResult]:
        """Make someone an organiser. `actor_id=None` means the shell (a trusted operator)."""
        target_id = self._authorise(actor_id, target)
        known = await self._people.get(tg_id=target_id)
        if target_id in self._admin_ids or (known is not None and known.is_organiser):
            return target_id, GrantResult.ALREADY
        await self._set_organiser(actor_id, target_id, granted=True)
        result = GrantResult.GRANTED if known is not None else GrantResult.GRANTED_UNKNOWN
        return target_id, result

    async def revoke(
        self, *, actor_id: int | None, target: int | str | None
    ) -> tuple[int, RevokeResult]:
        target_id = self._authorise(actor_id, target)
        if target_id in self._admin_ids:
            raise UserError("error-revoke-admin")
        changed = await self._set_organiser(actor_id, target_id, granted=False)
        return target_id, RevokeResult.REVOKED if changed else RevokeResult.NOT_ORGANISER

    async def _set_organiser(self, actor_id: int | None, target_id: int, *, granted: bool) -> bool:
        async with self._db.transaction() as conn:
            changed = await self._people.set_organiser(conn, tg_id=target_id, is_organiser=granted)
            if changed:
                await audit.record(
                    conn,
                    actor=actor_id,
                    action=Action.GRANT if granted else Action.REVOKE,
                    kind=ObjectKind.PERSON,
                    object_id=target_id,
                )
                await self._notices.rights_changed(conn, target_id, granted=granted)
        return changed

    def _authorise(self, actor_id: int | None, target: int | str | None) -> int:
        """Rights first, then the argument: a member learns nothing about the syntax."""
        if actor_id is not None:
            self._require_admin(actor_id)
        return parse_user_id(str(target) if target is not None else None)


def parse_user_id(text: str | None) -> int:
    """The argument of /grant and /revoke: a numeric Telegram id."""
    user_id = parse_id((text or "").strip())
    if user_id is None:
        raise UserError("error-user-id")
    return user_id
