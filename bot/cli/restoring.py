"""`python -m bot restore FILE`: the backup goes in place of the database, and everyone
who asked to be forgotten after the backup was made is forgotten again.

A backup made before someone's /forget still holds their data. The database being
replaced keeps the list of erasures (`erasures`: Telegram id and moment, nothing else),
and so does every nightly backup made after the one restored (on SQLite: read straight
from the files, for when the database itself was lost). They are read before the
restore, and every erasure the restored database does not know (or knows as older) is
carried out again on it through the same /forget use case, with the notices it causes
(a freed seat's next in line is told when the bot starts).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app import create_personal_data, create_services
from bot.core.config import Settings
from bot.operations.backup import backup_time, backups_in, restore_database
from bot.operations.instance_lock import hold
from bot.operations.pg_backup import restore_dump
from bot.runner import open_database
from storage.db import Database, DatabaseOpenError
from storage.operations import ErasureRepo, erasures_in_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    safety_copy: Path | None  # the database as it was before (SQLite)
    erased_again: int  # people forgotten again
    erasures_known: bool  # False: the replaced database's list could not be read


async def _erasures_of_current(settings: Settings) -> dict[int, datetime] | None:
    """The erasures the current database knows; None when it cannot be read (no file, a
    broken one, or a schema from before the list existed, which then knows none)."""
    path = settings.sqlite_file
    if path is not None and not path.is_file():
        return None
    try:
        db = await Database.open(settings.store_url)
    except DatabaseOpenError:
        return None
    try:
        return await ErasureRepo(db).all()
    except Exception as exc:  # no such table yet, or a damaged file: nothing to carry over
        logger.warning("The erasures of the replaced database cannot be read: %s", exc)
        return None
    finally:
        await db.close()


async def reapply_erasures(settings: Settings, erasures: dict[int, datetime]) -> int:
    """Forget again, in the restored database, whoever it does not know as forgotten
    since their erasure; returns how many."""
    db = await open_database(settings)  # the backup may be older than the code: migrated
    try:
        known = await ErasureRepo(db).all()
        again = sorted(
            (at, tg_id)
            for tg_id, at in erasures.items()
            if tg_id not in known or known[tg_id] < at
        )
        if not again:
            return 0
        services = create_services(settings, db)
        personal_data = create_personal_data(settings, db, services)
        for at, tg_id in again:
            # At the moment of the erasure: the record keeps its date.
            await personal_data.forget(tg_id=tg_id, now=at)
        logger.info("Erasures applied again after the restore: %d", len(again))
        return len(again)
    finally:
        await db.close()


async def restore(settings: Settings, backup: Path) -> RestoreResult:
    target = settings.sqlite_file
    if target is None:
        return await _restore(settings, backup)
    # The bot's own lock on the file: refused while a bot runs on it (one line naming
    # it), and no bot starts on it until the erasures are applied again.
    with hold(target):
        return await _restore(settings, backup)


def _newer_backups(settings: Settings, backup: Path) -> list[Path]:
    """The nightly SQLite backups made after `backup` (their erasure lists are read too:
    the database being replaced may be the very thing that was lost)."""
    if settings.backup_dir is None or settings.sqlite_file is None or not backup.is_file():
        return []
    try:
        since = backup_time(backup)
    except ValueError:
        since = datetime.fromtimestamp(backup.stat().st_mtime, UTC)
    return [
        path
        for path in backups_in(settings.backup_dir)
        if path.suffix == ".sqlite3"
        and path.resolve() != backup.resolve()
        and backup_time(path) > since
    ]


def _merge(found: dict[int, datetime], more: dict[int, datetime]) -> None:
    for tg_id, at in more.items():
        if tg_id not in found or found[tg_id] < at:
            found[tg_id] = at


async def _known_erasures(settings: Settings, backup: Path) -> dict[int, datetime] | None:
    """Every erasure known anywhere but in the backup: the replaced database's list and
    those of newer backups. None when none of them could be read."""
    current = await _erasures_of_current(settings)
    newer = _newer_backups(settings, backup)
    if current is None and not newer:
        return None
    found: dict[int, datetime] = dict(current or {})
    for path in newer:
        _merge(found, await asyncio.to_thread(erasures_in_file, path))
    return found


async def _restore(settings: Settings, backup: Path) -> RestoreResult:
    erasures = await _known_erasures(settings, backup)
    target = settings.sqlite_file
    safety = None
    if target is None:
        await asyncio.to_thread(restore_dump, backup, settings.store_url)
    else:
        safety = await asyncio.to_thread(restore_database, backup, target)
    erased = await reapply_erasures(settings, erasures) if erasures else 0
    return RestoreResult(safety, erased, erasures is not None)
