"""Runs broadcasts over time: starts scheduled ones, shows progress, reports the end.

Every `interval` seconds (and at a scheduled broadcast's time) it:
- starts scheduled broadcasts whose time has come (late ones too, after a restart);
- edits each running broadcast's progress message when its figures changed, so the
  organiser sees sent / left / blocked / failed and the time left, at most that often;
- closes a broadcast when nothing of it is left to send and tells its author.

Everything it knows is in the database, so a restart picks up where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup

from bot.broadcasts.service import BroadcastService, seconds_left
from bot.core.edits import is_gone, is_not_modified
from bot.core.i18n import Translations, Translator
from bot.core.timefmt import local_text
from bot.delivery.notifier import Notifier
from storage.broadcasts import RUNNING, STOPPED, Broadcast, BroadcastRepo, Figures
from storage.cities import CityRepo
from storage.db import Database, utc_now
from storage.people import PersonRepo

logger = logging.getLogger(__name__)

StopMarkup = Callable[[Translator, int], InlineKeyboardMarkup]
# The buttons under the report its author gets at the end, by the same factory signature.
ReportMarkup = StopMarkup


class BroadcastMonitor:
    def __init__(
        self,
        *,
        db: Database,
        repo: BroadcastRepo,
        service: BroadcastService,
        bot: Bot,
        people: PersonRepo,
        cities: CityRepo,
        translations: Translations,
        notifier: Notifier,
        stop_markup: StopMarkup,
        report_markup: ReportMarkup,
        interval: float,
        fallback_rate: float,
        default_zone: str,
    ) -> None:
        self._db = db
        self._repo = repo
        self._service = service
        self._bot = bot
        self._people = people
        self._cities = cities
        self._translations = translations
        self._notifier = notifier
        self._stop_markup = stop_markup
        self._report_markup = report_markup
        self._interval = interval
        self._fallback_rate = fallback_rate
        self._default_zone = default_zone
        self._shown: dict[int, str] = {}  # the progress text last shown, per broadcast
        self._shown_at: dict[int, float] = {}  # and when (monotonic seconds)
        self._wakeup = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        self._stopping = False
        self._runner = asyncio.create_task(self._run(), name="broadcast-monitor")

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._stopping = True
        self._wakeup.set()
        self._runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._runner
        self._runner = None

    def wake(self) -> None:
        """Something changed (a broadcast started, stopped or was scheduled): look now."""
        self._wakeup.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self.tick()
                pause = await self._pause()
            except Exception:
                logger.exception("Broadcast monitor tick failed; trying again")
                pause = self._interval
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wakeup.wait()

    async def _pause(self) -> float:
        """The interval, or less when a scheduled broadcast is due sooner."""
        next_at = await self._repo.next_scheduled_at()
        if next_at is None:
            return self._interval
        return min(self._interval, max((next_at - utc_now()).total_seconds(), 0.05))

    async def tick(self) -> None:
        now = utc_now()
        for started in await self._service.start_due(now=now):
            logger.info("Scheduled broadcast %s started", started.id)
        for broadcast in await self._repo.unfinished():
            figures = await self._repo.figures(broadcast_id=broadcast.id)
            if figures.left == 0:
                await self._finish(broadcast.id, figures)
                continue
            if broadcast.status == RUNNING:
                await self._show_progress(broadcast, figures)

    # Rendering

    async def _author(self, broadcast: Broadcast) -> tuple[Translator, str]:
        person = await self._people.get(tg_id=broadcast.created_by)
        t = self._translations.get(person.language if person else None)
        zone = self._default_zone
        if person is not None and person.city_id is not None:
            city = await self._cities.get(city_id=person.city_id)
            zone = city.timezone if city else zone
        return t, zone

    def _eta(self, t: Translator, broadcast: Broadcast, figures: Figures) -> str:
        elapsed = (utc_now() - broadcast.started_at).total_seconds() if broadcast.started_at else 0
        seconds = seconds_left(figures, elapsed=elapsed, fallback_rate=self._fallback_rate)
        if seconds < 60:
            return t.button("bc-eta-seconds", seconds=max(seconds, 1))
        return t.button("bc-eta-minutes", minutes=(seconds + 59) // 60)

    async def _show_progress(self, broadcast: Broadcast, figures: Figures) -> None:
        t, _ = await self._author(broadcast)
        text = t(
            "bc-progress",
            id=broadcast.id,
            sent=figures.sent,
            total=broadcast.recipients,
            left=figures.left,
            blocked=figures.blocked,
            failed=figures.failed,
            eta=self._eta(t, broadcast, figures),
        )
        if self._shown.get(broadcast.id) == text:
            return
        # A wake-up (a stop, a new schedule) must not make edits come faster than promised.
        if time.monotonic() - self._shown_at.get(broadcast.id, -self._interval) < self._interval:
            return
        markup = self._stop_markup(t, broadcast.id)
        if await self._edit(broadcast, text, markup):
            self._shown[broadcast.id] = text
            self._shown_at[broadcast.id] = time.monotonic()

    async def _edit(
        self, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Edit the progress message; a broadcast that has none (scheduled, or its
        message was deleted) gets a new one."""
        if broadcast.progress_message_id is not None and broadcast.progress_chat_id is not None:
            try:
                await self._bot.edit_message_text(
                    text=text,
                    chat_id=broadcast.progress_chat_id,
                    message_id=broadcast.progress_message_id,
                    reply_markup=markup,
                )
                return True
            except TelegramBadRequest as exc:
                if is_not_modified(exc):
                    return True
                # Gone (deleted by the author) is expected; anything else is worth a look.
                # Either way the progress goes on in a new message.
                log = logger.info if is_gone(exc) else logger.warning
                log("Progress message of broadcast %s cannot be edited: %s", broadcast.id, exc)
            except TelegramAPIError as exc:
                logger.warning("Cannot show progress of broadcast %s: %s", broadcast.id, exc)
                return False
        try:
            sent = await self._bot.send_message(broadcast.created_by, text, reply_markup=markup)
        except TelegramAPIError as exc:
            logger.warning("Cannot show progress of broadcast %s: %s", broadcast.id, exc)
            return False
        await self._repo.set_progress_message(
            broadcast_id=broadcast.id, chat_id=sent.chat.id, message_id=sent.message_id
        )
        return True

    async def _finish(self, broadcast_id: int, figures: Figures) -> None:
        """The end, recorded once, with the author's report queued in the same
        transaction (a new message: an edit makes no sound); then the progress message
        shows the result too."""
        async with self._db.transaction() as conn:
            if not await self._repo.finish(conn, broadcast_id=broadcast_id, now=utc_now()):
                return
            broadcast = await self._repo.get(broadcast_id=broadcast_id, conn=conn)
            assert broadcast is not None
            t, zone = await self._author(broadcast)
            text = report_text(t, broadcast, figures, zone)
            await self._notifier.send(
                conn,
                broadcast.created_by,
                text,
                markup=self._report_markup(t, broadcast.id),
                dedup_key=f"broadcast-report:{broadcast.id}",
            )
        self._shown.pop(broadcast.id, None)
        self._shown_at.pop(broadcast.id, None)
        logger.info(
            "Broadcast %s %s: sent=%d blocked=%d failed=%d not_sent=%d",
            broadcast.id,
            broadcast.status,
            figures.sent,
            figures.blocked,
            figures.failed,
            figures.cancelled,
        )
        if broadcast.progress_message_id is not None:
            # The progress message becomes the result, with the way on like the new one.
            await self._edit(broadcast, text, self._report_markup(t, broadcast.id))


def report_text(t: Translator, broadcast: Broadcast, figures: Figures, zone: str) -> str:
    """A finished broadcast's figures (also shown in the history)."""
    key = "bc-report-stopped" if broadcast.status == STOPPED else "bc-report-done"
    text = t(
        key,
        id=broadcast.id,
        total=broadcast.recipients,
        sent=figures.sent,
        blocked=figures.blocked,
        failed=figures.failed,
        cancelled=figures.cancelled,
    )
    if broadcast.late and broadcast.scheduled_for and broadcast.started_at:
        text += "\n\n" + t(
            "bc-report-late",
            scheduled=local_text(broadcast.scheduled_for, zone),
            started=local_text(broadcast.started_at, zone),
        )
    return text
