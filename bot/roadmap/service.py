"""The roadmap tracker: statuses and due periods of items, progress by direction, the
organisers' changes (each checked for access here, whatever the button said), following
the roadmap and the notices its followers get.

An item's progress is counted from what is linked to it (storage/roadmap.py): people who
travelled on its trips, its events that took place, telebridges held. A status change is
kept in the item's history and the audit log in the transaction of the change itself;
the followers' notices are queued after the commit, in parts, each with a key of its own
(`roadmap:<change>:<tg_id>`), and the change is marked announced only once all are
queued: a change whose notices were cut short by a crash is announced again at start-up
without anybody getting it twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.errors import UserError
from bot.core.i18n import Translations, Translator
from bot.core.roles import Access, require_organiser
from bot.core.text import clean_text
from bot.people.personal_data import Collected, DataSection, Erased, Subject, View
from bot.staff import audit
from bot.staff.audit import Action
from bot.trips.catalogue import Direction
from storage.cities import City
from storage.db import Database, to_db_time
from storage.outbox import NewMessage, OutboxRepo
from storage.roadmap import (
    HistoryRow,
    Item,
    LinkedEvent,
    LinkedTrip,
    LinkKind,
    Pickable,  # noqa: F401 - re-exported for handlers
    Progress,
    RoadmapRepo,
    RoadmapStatus,  # re-exported: the handlers take it from here
)

logger = logging.getLogger(__name__)

OBJECT_KIND = audit.ROADMAP_KIND
NOTES_MAX = 2000
TITLE_MAX = 300
NUMBER_MAX = 9999
HISTORY_SHOWN = 10
NOTICE_BATCH = 500
BAR_WIDTH = 10
BOTH = "both"  # the responsible side when both cities answer for an item


def parse_status(value: str) -> RoadmapStatus:
    try:
        return RoadmapStatus(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


def parse_kind(value: str) -> LinkKind:
    try:
        return LinkKind(value)
    except ValueError as exc:
        raise UserError("error-stale-button") from exc


# Due periods: a year, or a quarter of a year

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"(\d{4})"
_QUARTER = r"([1-4]|iv|i{1,3})"
_DUE_PATTERNS = (
    (re.compile(rf"^{_YEAR}(?:\s*(?:г\.?|год|года|гады|year))?$"), "y"),
    (re.compile(rf"^{_YEAR}\s*[-/ ]?\s*q\s*([1-4])$"), "yq"),
    (re.compile(rf"^q\s*([1-4])\s*[-/ ]?\s*{_YEAR}$"), "qy"),
    (
        re.compile(
            rf"^{_QUARTER}\s*[-.]?\s*(?:кв\.?|квартал|квартала|кв-л)\s*{_YEAR}"
            r"(?:\s*(?:г\.?|года|год))?$"
        ),
        "qy",
    ),
)


def parse_due(text: str) -> tuple[int, int | None]:
    """`2026`, `2026-Q2`, `Q2 2026`, `II квартал 2026`, `2 кв. 2026` → (year, quarter)."""
    value = " ".join(text.strip().lower().replace("ё", "е").split())
    for pattern, order in _DUE_PATTERNS:
        match = pattern.match(value)
        if match is None:
            continue
        if order == "y":
            year, quarter = int(match[1]), None
        elif order == "yq":
            year, quarter = int(match[1]), int(match[2])
        else:
            raw = match[1]
            quarter = _ROMAN[raw] if raw in _ROMAN else int(raw)
            year = int(match[2])
        if not 2000 <= year <= 2100:
            break
        return year, quarter
    raise UserError("roadmap-error-due", value=text.strip()[:40])


def due_text(t: Translator, year: int, quarter: int | None) -> str:
    if quarter is None:
        return t.button("roadmap-due-year", year=str(year))
    return t.button("roadmap-due-quarter", quarter=quarter, year=str(year))


def responsible_text(t: Translator, city_id: int | None, cities: Mapping[int, City]) -> str:
    if city_id is None:
        return t.button("roadmap-responsible-both")
    city = cities.get(city_id)
    return city.name(t.language) if city else "—"


def clean_notes(text: str | None) -> str:
    return clean_text(text, limit=NOTES_MAX, keep_newlines=True)


# Progress by direction


@dataclass(frozen=True, slots=True)
class DirectionProgress:
    direction: str
    counts: Mapping[str, int]  # status -> items

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: RoadmapStatus) -> int:
        return self.counts.get(status.value, 0)


def progress_bar(counts: Mapping[str, int], width: int = BAR_WIDTH) -> str:
    """`███▓▓░░░░░`: done, then in progress, then the rest, of `width` cells."""
    total = sum(counts.values())
    if total == 0:
        return "░" * width
    done = round(width * counts.get(RoadmapStatus.DONE, 0) / total)
    going = round(
        width * (counts.get(RoadmapStatus.DONE, 0) + counts.get("in_progress", 0)) / total
    )
    return "█" * done + "▓" * (going - done) + "░" * (width - going)


def by_direction(counts: Mapping[str, Mapping[str, int]]) -> list[DirectionProgress]:
    """The directions that have items, in the roadmap's order."""
    return [
        DirectionProgress(direction.value, dict(counts[direction.value]))
        for direction in Direction
        if counts.get(direction.value)
    ]


# The card


@dataclass(frozen=True, slots=True)
class Card:
    item: Item
    progress: Progress
    trips: list[LinkedTrip]
    events: list[LinkedEvent]
    linked_telebridges: int
    history: list[HistoryRow]  # latest first; shown to organisers


@dataclass(frozen=True, slots=True)
class StatusChange:
    item: Item  # as it is after the change
    old: str
    new: str
    history_id: int


async def _edited(conn: Any, actor_id: int, item_id: int, diff: Mapping[str, Any]) -> None:
    """An organiser's edit of an item, in the audit log (in the edit's transaction)."""
    await audit.record(
        conn, actor=actor_id, action=Action.EDIT, kind=OBJECT_KIND, object_id=item_id, diff=diff
    )


class RoadmapService:
    def __init__(self, db: Database, repo: RoadmapRepo) -> None:
        self._db = db
        self._repo = repo

    async def overview(self) -> list[DirectionProgress]:
        return by_direction(await self._repo.status_counts())

    async def card(self, *, item_id: int, now: datetime, with_history: bool) -> Card:
        item = await self._repo.get(item_id=item_id)
        if item is None:
            raise UserError("roadmap-error-not-found")
        return Card(
            item=item,
            progress=await self._repo.progress(item_id=item_id, now=now),
            trips=await self._repo.linked_trips(item_id=item_id),
            events=await self._repo.linked_events(item_id=item_id),
            linked_telebridges=len(
                await self._repo.linked_ids(item_id=item_id, kind=LinkKind.TELEBRIDGE)
            ),
            history=await self._repo.history(item_id=item_id, limit=HISTORY_SHOWN)
            if with_history
            else [],
        )

    async def _item(self, item_id: int, conn: Any = None) -> Item:
        item = await self._repo.get(item_id=item_id, conn=conn)
        if item is None:
            raise UserError("roadmap-error-not-found")
        return item

    async def change_status(
        self,
        *,
        actor_id: int | None,
        actor_access: Access | None,
        item_id: int,
        status: str,
        now: datetime,
    ) -> StatusChange:
        require_organiser(actor_access)
        new = parse_status(status)
        async with self._db.transaction() as conn:
            item = await self._item(item_id, conn)
            if item.status == new:
                raise UserError("roadmap-error-status-same")
            history_id = await self._repo.set_status(
                conn, item_id=item_id, old=item.status, new=new, actor=actor_id, now=now
            )
            assert history_id is not None  # the row was read in this transaction
            await audit.record(
                conn,
                actor=actor_id,
                action=Action.STATUS,
                kind=OBJECT_KIND,
                object_id=item_id,
                diff={"status": [item.status, new.value]},
            )
            updated = await self._item(item_id, conn)
        return StatusChange(updated, item.status, new.value, history_id)

    async def set_notes(
        self, *, actor_id: int, actor_access: Access | None, item_id: int, notes: str | None
    ) -> Item:
        require_organiser(actor_access)
        cleaned = clean_notes(notes) if notes else ""
        async with self._db.transaction() as conn:
            item = await self._item(item_id, conn)
            await self._repo.set_notes(conn, item_id=item_id, notes=cleaned)
            await _edited(conn, actor_id, item_id, {"notes": [item.notes, cleaned]})
            return await self._item(item_id, conn)

    async def set_link(
        self,
        *,
        actor_id: int,
        actor_access: Access | None,
        item_id: int,
        kind: str,
        target_id: int,
        linked: bool,
    ) -> bool:
        """Link or unlink a trip, an event or a telebridge; False if it was so already."""
        require_organiser(actor_access)
        link_kind = parse_kind(kind)
        if linked and not await self._repo.target_exists(kind=link_kind, target_id=target_id):
            raise UserError("roadmap-error-link-gone")
        async with self._db.transaction() as conn:
            await self._item(item_id, conn)
            changed = await self._repo.set_link(
                conn, item_id=item_id, kind=link_kind, target_id=target_id, linked=linked
            )
            if changed:
                what = f"{'link' if linked else 'unlink'}_{link_kind.value}"
                await _edited(conn, actor_id, item_id, {what: target_id})
        return changed

    async def set_all_telebridges(
        self, *, actor_id: int, actor_access: Access | None, item_id: int, value: bool
    ) -> Item:
        require_organiser(actor_access)
        async with self._db.transaction() as conn:
            item = await self._item(item_id, conn)
            if item.all_telebridges != value:
                await self._repo.set_all_telebridges(conn, item_id=item_id, value=value)
                diff = {"all_telebridges": [item.all_telebridges, value]}
                await _edited(conn, actor_id, item_id, diff)
            return await self._item(item_id, conn)

    async def is_following(self, *, tg_id: int) -> bool:
        return await self._repo.following_since(tg_id=tg_id) is not None

    async def follow(self, *, tg_id: int, now: datetime, on: bool) -> bool:
        """Follow or stop; False if it was so already (a second tap changes nothing)."""
        if on:
            return await self._repo.follow(tg_id=tg_id, now=now)
        return await self._repo.unfollow(tg_id=tg_id) > 0


# Notices to followers

MarkupFactory = Callable[[Translator, int], dict[str, Any] | None]


def status_name(t: Translator, status: str) -> str:
    return t.button(f"roadmap-status-{status}")


class RoadmapNotices:
    def __init__(
        self,
        repo: RoadmapRepo,
        outbox: OutboxRepo,
        translations: Translations,
        markup: MarkupFactory,
        *,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._repo = repo
        self._outbox = outbox
        self._translations = translations
        self._markup = markup
        self._wake = wake

    async def announce(self, history_id: int, *, now: datetime) -> int:
        """Queue a short notice of one status change to every follower but the organiser
        who made it, each in their language; returns how many were queued."""
        change = await self._repo.history_row(history_id=history_id)
        if change is None:
            return 0
        item = await self._repo.get(item_id=change.item_id)
        queued = 0
        after = 0
        while item is not None:
            part = await self._repo.followers(after=after, limit=NOTICE_BATCH)
            if not part:
                break
            after = part[-1].tg_id
            messages = []
            for follower in part:
                if follower.tg_id == change.changed_by:
                    continue
                t = self._translations.get(follower.language)
                text = t(
                    "roadmap-notice",
                    number=item.number,
                    title=item.title,
                    old=status_name(t, change.old_status),
                    new=status_name(t, change.new_status),
                )
                messages.append(
                    NewMessage(
                        chat_id=follower.tg_id,
                        purpose="notice",
                        text=text,
                        reply_markup=self._markup(t, item.id),
                        dedup_key=f"roadmap:{history_id}:{follower.tg_id}",
                    )
                )
            queued += await self._outbox.enqueue(messages) if messages else 0
        await self._repo.mark_notified(history_id=history_id, now=now)
        if queued and self._wake is not None:
            self._wake()
        return queued

    async def resume(self, *, now: datetime) -> int:
        """Changes whose notices were not all queued (the bot stopped in between)."""
        queued = 0
        for history_id in await self._repo.unnotified():
            queued += await self.announce(history_id, now=now)
        return queued


# Personal data: following the roadmap; status changes stay with the organiser's id


class RoadmapSection(DataSection):
    key = "roadmap"

    def __init__(self, repo: RoadmapRepo) -> None:
        self._repo = repo

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        since = await self._repo.following_since(tg_id=subject.tg_id)
        changes = await self._repo.changes_by(tg_id=subject.tg_id)
        if since is None and not changes:
            return None
        t = view.t
        lines = []
        if since is not None:
            lines.append(t("mydata-roadmap-following", since=view.when(since)))
        if changes:
            lines.append(t("mydata-roadmap-changes", count=changes))
        data = {
            "following_since": to_db_time(since) if since else None,
            "status_changes_made": changes,
        }
        return Collected(data, tuple(lines), count=len(lines))

    async def erase(self, conn: Any, subject: Subject) -> Erased:
        removed = await self._repo.unfollow(tg_id=subject.tg_id, conn=conn)
        return Erased(
            erased={"forget-erased-roadmap": removed},
            kept={"forget-kept-roadmap-changes": await self._repo.changes_by(tg_id=subject.tg_id)},
        )
