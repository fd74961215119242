"""Organisers send a YAML or XLSX file as a document: programmes, trips and events are
imported from it (bot/importer/records.py), or the person gets the list of what is wrong.

Only outside forms (no FSM state): a document sent in the middle of a form belongs to
that form's own handlers.
"""

from __future__ import annotations

import io
import logging

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.types import Message
from aiogram.utils.chat_action import ChatActionSender

from bot.core.i18n import Translator
from bot.core.roles import Access, Person
from bot.core.timefmt import utc_now
from bot.delivery.capability import Delivery
from bot.importer.files import MAX_FILE_BYTES, MB, detect_format, megabytes
from bot.importer.plan import ImportRejected
from bot.importer.records import import_file
from bot.importer.reports import failure_report, success_report
from bot.roadmap.capability import Roadmap
from bot.trips.capability import Trips
from handlers.kit.filters import Has, Onboarded
from handlers.kit.keyboards import way_on_keyboard
from handlers.trips.admin_keyboards import saved_keyboard

logger = logging.getLogger(__name__)
MESSAGE_LIMIT = 4096


async def receive_file(
    message: Message,
    t: Translator,
    access: Access,
    person: Person,
    bot: Bot,
    trips: Trips,
    delivery: Delivery,
    roadmap: Roadmap,
) -> None:
    document = message.document
    assert document is not None
    if access < Access.ORGANISER:
        await message.answer(t("import-refused-member"), reply_markup=way_on_keyboard(t))
        return
    name = document.file_name or ""
    # Checked before downloading: there is no point fetching 20 MB to refuse them (or,
    # from a local Bot API server, reading up to 2 GB from its folder).
    if await _too_big(message, t, name, document.file_size):
        return
    if detect_format(name) is None:
        await message.answer(
            t("import-unknown-format", name=name), reply_markup=way_on_keyboard(t)
        )
        return
    now = utc_now()
    # Reading a file may take up to IMPORT_TIME_LIMIT: "typing…" stays on the whole time.
    try:
        async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
            file = await bot.get_file(document.file_id)
            # A document without its size: getFile tells it, still before the download.
            if document.file_size is None and await _too_big(message, t, name, file.file_size):
                return
            buffer = io.BytesIO()
            # From a local Bot API server (TELEGRAM_API_LOCAL) aiogram reads the file at
            # the absolute path getFile gave instead of downloading it.
            try:
                await bot.download_file(file.file_path or "", destination=buffer)
            except OSError as exc:
                # The server's file folder is not where the bot looks (not mounted, or
                # no rights): the operator's to fix, the organiser is told plainly.
                logger.error(
                    "The local Bot API server's file cannot be read: %s", type(exc).__name__
                )
                await message.answer(t("import-file-unreadable"), reply_markup=way_on_keyboard(t))
                return
            summary = await import_file(
                trips.importing.db,
                buffer.getvalue(),
                file_name=name,
                actor=person.tg_id,
                now=now,
                services=trips.importing,
                reader=trips.import_reader,
            )
    except ImportRejected as rejected:
        await message.answer(
            failure_report(t, rejected.issues, name=name, limit=MESSAGE_LIMIT),
            reply_markup=way_on_keyboard(t),
        )
        return
    # Seats an update added went to the waiting list, and subscribers of moved events were
    # told, inside the import's transaction.
    await message.answer(
        success_report(t, summary, name=name, promoted=len(summary.promotions)),
        reply_markup=saved_keyboard(t),  # the organiser's panel, where the trips now are
    )
    # The roadmap's changes are marked unannounced in that transaction; told now (a stop
    # in between is made up for at the next start).
    for history_id in summary.roadmap_changes:  # statuses the file changed: followers told
        await roadmap.notices.announce(history_id, now=now)
    delivery.poke_reminders()  # new times, new events: reminders follow at once


async def _too_big(message: Message, t: Translator, name: str, size: int | None) -> bool:
    """Refuse a file over the import's limit, by the size Telegram gives for it."""
    if size is None or size <= MAX_FILE_BYTES:
        return False
    await message.answer(
        t("import-too-big", name=name, size=megabytes(size), limit=MAX_FILE_BYTES // MB),
        reply_markup=way_on_keyboard(t),
    )
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(receive_file, Has(F.document), StateFilter(None), Onboarded())
    return router
