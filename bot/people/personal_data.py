"""Personal data: what the bot keeps about a person, shown to them (/mydata), erased at
their request (/forget) and dropped when it is old (DATA_RETENTION_DAYS).

The data is spread over capabilities, so each capability that keeps something keyed by
a person's Telegram id contributes a section, added to the registry in bot/app.py:

    personal_data.add(MySection(...))

A section (a subclass of `DataSection`):
- `key` names it in the JSON file; its heading in the message is text `mydata-section-<key>`;
- `collect(subject, view)` returns its data (JSON values: ids, codes, UTC ISO times) and
  the lines of the readable message in the person's language, or None when it holds
  nothing about the person;
- `erase(conn, subject)` erases it inside the single /forget transaction and says what
  was erased and what stays (text keys with a `count` argument, shown to the person);
  the notices an erasure causes (a freed seat's new holder) are queued on that `conn`;
- `expire(conn, before, now)` drops what belongs to things that ended before `before`
  (the daily retention job) and returns how many rows it changed; by default it keeps
  everything. It may do only a batch: the job commits each call in a transaction of its
  own and calls again until a call returns 0 (so after a long pause, a year of ended
  trips, it never holds the store, or the event loop, for long). Each call must make
  progress: what it has done is no longer found by the next one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.i18n import Translator
from bot.core.timefmt import local_text
from storage.cities import City, CityRepo
from storage.db import Database, Writer, to_db_time
from storage.people import Person, PersonRepo

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # Telegram's limit for a message text, in UTF-16 code units


@dataclass(frozen=True, slots=True)
class Subject:
    """The person whose data is read or erased, as they were before anything changed."""

    tg_id: int
    person: Person | None
    now: datetime


@dataclass(frozen=True, slots=True)
class View:
    """How the readable message shows things: the person's language and city time."""

    t: Translator
    zone: str
    cities: Mapping[int, City]

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return local_text(moment, self.zone)

    def city(self, city_id: int | None) -> str:
        city = self.cities.get(city_id or 0)
        return city.name(self.t.language) if city else "—"


@dataclass(frozen=True, slots=True)
class Collected:
    data: Any  # JSON values: the section in the file
    lines: tuple[str, ...]  # HTML lines: the section in the message
    count: int = 1  # how many things it holds (shown before /forget)


@dataclass(frozen=True, slots=True)
class Erased:
    erased: Mapping[str, int] = field(default_factory=dict)  # text key -> count
    kept: Mapping[str, int] = field(default_factory=dict)  # what stays, anonymous


def stored_time(moment: Any) -> str | None:
    """A moment in the copy's JSON as it is stored (ISO 8601, UTC)."""
    return to_db_time(moment) if moment is not None else None


def data_line(t: Translator, label: str, value: object) -> str:
    """One line of a section in the readable copy: «Имя: …»."""
    return t("mydata-line", label=t.button(f"mydata-label-{label}"), value=value)


class DataSection:
    key: str = ""

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        raise NotImplementedError

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        raise NotImplementedError

    async def expire(self, conn: Writer, *, before: datetime, now: datetime) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class PersonalCopy:
    messages: list[str]  # the readable copy, split to fit Telegram's limit
    document: bytes  # the same as JSON
    filename: str
    sections: list[tuple[str, int]]  # (section key, count) of the sections with data


@dataclass(frozen=True, slots=True)
class ForgetReport:
    erased: dict[str, int]
    kept: dict[str, int]
    # False when the WAL could not be emptied before the answer (another process held a
    # read snapshot for longer than the bound): the checkpoint loop empties it later, and
    # the person is told so rather than that nothing is left.
    wiped: bool = True

    @property
    def anything(self) -> bool:
        return any(self.erased.values())


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_point(line: str, limit: int) -> int:
    """Where to cut an overlong HTML line: at a space if one is near, never inside an
    entity (`&amp;`) or a tag."""
    end = limit
    while utf16_length(line[:end]) > limit:
        end -= 1
    space = line.rfind(" ", end // 2, end)
    if space > 0:
        end = space + 1
    for opening, closing in (("&", ";"), ("<", ">")):
        start = line.rfind(opening, 0, end)
        if start > 0 and line.find(closing, start, end) == -1:
            end = start
    return max(end, 1)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at line breaks into messages of at most `limit` UTF-16 units (the HTML is
    measured, which is never shorter than what Telegram counts)."""
    pieces: list[str] = []
    for line in text.split("\n"):
        rest = line
        while utf16_length(rest) > limit:
            cut = _cut_point(rest, limit)
            pieces.append(rest[:cut])
            rest = rest[cut:]
        pieces.append(rest)
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        length = utf16_length(piece) + (1 if current else 0)
        if current and size + length > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
            length = utf16_length(piece)
        current.append(piece)
        size += length
    chunks.append("\n".join(current))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


class PersonalData:
    """The registry of sections, and what is done with all of them at once."""

    def __init__(
        self,
        db: Database,
        people: PersonRepo,
        cities: CityRepo,
        *,
        default_zone: str,
        backup_days: int | None = None,
    ) -> None:
        self._db = db
        # How long erased data lives on in the daily backups (BACKUP_KEEP copies, one a
        # day); None when there are no daily backups (BACKUP_DIR empty).
        self.backup_days = backup_days
        self._people = people
        self._cities = cities
        self._default_zone = default_zone
        self._sections: list[DataSection] = []

    def add(self, section: DataSection) -> None:
        if not section.key or any(s.key == section.key for s in self._sections):
            raise ValueError(f"a personal data section needs a key of its own: {section.key!r}")
        self._sections.append(section)

    @property
    def sections(self) -> tuple[DataSection, ...]:
        return tuple(self._sections)

    async def _subject(self, tg_id: int, now: datetime) -> Subject:
        return Subject(tg_id, await self._people.get(tg_id=tg_id), now)

    async def _view(self, subject: Subject, t: Translator) -> View:
        cities = await self._cities.by_id()
        city = cities.get(subject.person.city_id or 0) if subject.person else None
        return View(t, city.timezone if city else self._default_zone, cities)

    async def _collect(
        self, subject: Subject, t: Translator
    ) -> list[tuple[DataSection, Collected]]:
        view = await self._view(subject, t)
        found = []
        for section in self._sections:
            collected = await section.collect(subject, view)
            if collected is not None:
                found.append((section, collected))
        return found

    async def copy(self, *, tg_id: int, t: Translator, now: datetime) -> PersonalCopy:
        """Everything stored about a person: a readable text and a JSON file."""
        subject = await self._subject(tg_id, now)
        found = await self._collect(subject, t)
        document: dict[str, Any] = {"telegram_id": tg_id, "generated_at": to_db_time(now)}
        blocks = [t("mydata-header", id=str(tg_id))]
        for section, collected in found:
            document[section.key] = collected.data
            heading = t(f"mydata-section-{section.key}")
            blocks.append("\n".join((heading, *collected.lines)))
        blocks.append(t("mydata-footer"))
        if not found:
            blocks = [t("mydata-nothing")]
        date = local_text(now, (await self._view(subject, t)).zone, "stamp")
        return PersonalCopy(
            messages=split_message("\n\n".join(blocks)),
            document=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
            filename=f"pobratim-my-data-{tg_id}-{date}.json",
            sections=[(section.key, collected.count) for section, collected in found],
        )

    async def summary(self, *, tg_id: int, t: Translator, now: datetime) -> list[tuple[str, int]]:
        """The sections that hold something about the person, with counts."""
        found = await self._collect(await self._subject(tg_id, now), t)
        return [(section.key, collected.count) for section, collected in found]

    async def forget(self, *, tg_id: int, now: datetime) -> ForgetReport:
        """Erase every section in one transaction, with the notices it causes."""
        subject = await self._subject(tg_id, now)
        erased: Counter[str] = Counter()
        kept: Counter[str] = Counter()
        async with self._db.transaction() as conn:
            for section in self._sections:
                result = await section.erase(conn, subject)
                erased.update(result.erased)
                kept.update(result.kept)
        # The tables no longer hold the data, but the WAL's older frames still do: empty it
        # before the person is told the data is gone.
        wiped = await self._db.wipe_wal()
        logger.info("Personal data of a person erased (%d sections)", len(self._sections))
        return ForgetReport(
            {key: count for key, count in erased.items() if count},
            {key: count for key, count in kept.items() if count},
            wiped,
        )

    async def expire(self, *, days: int, now: datetime) -> dict[str, int]:
        """The retention job: data of things that ended more than `days` ago, each
        section's in batches, each batch a transaction of its own; between batches the
        others' updates (and their writes) go first. A failure leaves the batches done
        before it committed; the next run goes on from there."""
        before = now - timedelta(days=days)
        counts: dict[str, int] = {}
        try:
            for section in self._sections:
                counts[section.key] = 0
                while True:
                    async with self._db.transaction() as conn:
                        done = await section.expire(conn, before=before, now=now)
                    counts[section.key] += done
                    if not done:
                        break
                    await asyncio.sleep(0)
        finally:
            # As after /forget: nothing left in the WAL, also of the batches committed
            # before a failure.
            if any(counts.values()):
                await self._db.wipe_wal()
        return counts
