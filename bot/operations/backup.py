"""Backups of the live database with SQLite's online backup API, and restoring one.

A backup is one step of `sqlite3_backup` (all pages at once), which reads the database
in a single read transaction: in WAL mode the bot keeps writing meanwhile, and the
copy is the database exactly as it was at one moment. The copy is written next to its
final name, checked with `PRAGMA integrity_check`, switched to an ordinary journal (a
single self-contained file) and only then renamed into place, so a file with the
backup's name is always a whole, valid database.

These functions block; the bot runs them in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.sqlite import open_sqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
PREFIX = "pobratim-"
SUFFIX = ".sqlite3"
# A SQLite copy, or a PostgreSQL dump (bot/operations/pg_backup.py).
_NAME = re.compile(rf"^{PREFIX}(\d{{8}}-\d{{6}})(\.sqlite3|\.dump)$")


class BackupError(Exception):
    """The backup or the restore could not be made; the message says why (in Russian)."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size: int  # bytes


# SQLite's messages are English; what a person can do about the common ones.
_SQLITE_PROBLEMS = (
    ("locked", "база занята другой программой, попробуйте ещё раз чуть позже"),
    ("busy", "база занята другой программой, попробуйте ещё раз чуть позже"),
    ("full", "на диске не хватает места"),
    ("i/o", "ошибка чтения или записи диска"),
    ("readonly", "нет прав на запись"),
    ("unable to open", "файл не открывается: проверьте путь и права на папку"),
    ("not a database", "файл — не база данных SQLite или повреждён"),
    ("malformed", "файл базы повреждён"),
)


def sqlite_problem(exc: sqlite3.Error) -> str:
    """An SQLite error in Russian (its code name for the rare ones)."""
    text = str(exc).lower()
    for words, meaning in _SQLITE_PROBLEMS:
        if words in text:
            return meaning
    return f"ошибка SQLite ({getattr(exc, 'sqlite_errorname', None) or type(exc).__name__})"


def backup_name(moment: datetime) -> str:
    """`pobratim-20261121-100000.sqlite3` (UTC): names sort by time."""
    return f"{PREFIX}{moment.astimezone(UTC):%Y%m%d-%H%M%S}{SUFFIX}"


def backup_time(path: Path) -> datetime:
    """When a backup was made, from its name."""
    match = _NAME.match(path.name)
    if match is None:
        raise ValueError(f"not a backup's name: {path.name}")
    return datetime.strptime(match[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)


def _connect(path: Path) -> sqlite3.Connection:
    conn = open_sqlite(path, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def check_database(path: Path) -> None:
    """A file that SQLite opens, that passes `integrity_check` and that holds the bot's
    schema; raises BackupError otherwise."""
    if not path.is_file():
        raise BackupError(f"файл {path} не найден")
    try:
        conn = open_sqlite(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row[0] for row in rows}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} — не база данных SQLite или файл повреждён") from exc
    if result != "ok":
        raise BackupError(f"{path} не прошёл проверку целостности: {result}")
    if not {"schema_migrations", "people"} <= tables:
        raise BackupError(f"{path} — база SQLite, но не база бота «Побратим»")


def backup_database(source: Path, target: Path) -> BackupResult:
    """Copy the live database at `source` to the new file `target`."""
    if not source.is_file():
        raise BackupError(f"базы данных {source} нет: проверьте DATABASE_PATH")
    if target.exists():
        raise BackupError(f"файл {target} уже есть: выберите другое имя")
    # A backup holds personal data: only the bot's own user may read it, whatever the
    # umask (SQLite creates files 0644).
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.chmod(partial, 0o600)
        src = _connect(source)
        try:
            dst = _connect(partial)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        check_database(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"копия не сделана: {sqlite_problem(exc)}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size)


def backup_to(source: Path, path: Path, *, now: datetime) -> BackupResult:
    """`python -m bot backup PATH`: a file, or a folder to put a dated file in."""
    target = path / backup_name(now) if path.is_dir() else path
    return backup_database(source, target)


def restore_database(backup: Path, target: Path) -> Path | None:
    """Put a backup in place of the database at `target` (the bot must be stopped).

    The backup is checked first. The current database, if there is one, is first copied
    to `<name>.before-restore-<time>` beside it, so a restore can be undone. The copy goes
    through the same backup API, so the database's WAL files stay consistent. Returns the
    path of that safety copy.
    """
    check_database(backup)
    safety = None
    if target.is_file():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        safety = target.with_name(f"{target.name}.before-restore-{stamp}")
        backup_database(target, safety)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = _connect(backup)
        try:
            dst = _connect(target)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"база не восстановлена: {sqlite_problem(exc)}") from exc
    return safety


def backups_in(folder: Path) -> list[Path]:
    """The bot's backups in a folder, oldest first (other files are never touched)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if _NAME.match(path.name))


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns the deleted paths."""
    old = backups_in(folder)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def daily_backup(source: Path, folder: Path, *, keep: int, now: datetime) -> BackupResult:
    """A new backup in the folder under a dated name, then only the newest `keep` stay."""
    result = backup_database(source, folder / backup_name(now))
    for path in rotate(folder, keep):
        logger.info("Old backup %s deleted", path.name)
    return result
