"""`python -m bot import FILE` and `python -m bot demo`: the import from the shell.

The command line speaks Russian, as the rest of `python -m bot` does; its texts come from
the same translation files as the bot's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import create_import_reader, create_roadmap_notices, create_services
from bot.core.config import Settings
from bot.core.i18n import Translations, Translator
from bot.importer.files import MAX_FILE_BYTES, Issue
from bot.importer.plan import ImportRejected, ImportSummary
from bot.importer.records import import_file, size_issue
from bot.importer.reports import describe_issue, summary_lines
from bot.operations.demo import DemoRefused, load_demo
from bot.runner import open_database
from storage.db import utc_now
from storage.outbox import OutboxRepo

logger = logging.getLogger(__name__)
CLI_LANGUAGE = "ru"


@dataclass
class CliResult:
    code: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def _rejected(t: Translator, name: str, issues: Sequence[Issue]) -> CliResult:
    lines = [t.button("import-cli-failed", name=name, count=len(issues))]
    lines += [describe_issue(t, issue, html=False) for issue in issues]
    return CliResult(2, err=lines)


async def _announce_roadmap(settings: Settings, summary: ImportSummary) -> None:
    """Roadmap status changes the file made: their followers are told through the
    outbox, and the running bot delivers them. (Promotions and moved events were told in
    the import's own transaction; a roadmap change is marked unannounced in it, and a
    stop before this line is made up for at the bot's next start.)"""
    db = await open_database(settings)
    try:
        roadmap_notices = create_roadmap_notices(
            db, OutboxRepo(db), Translations(settings.default_language)
        )
        for history_id in summary.roadmap_changes:
            await roadmap_notices.announce(history_id, now=utc_now())
    finally:
        await db.close()


async def run_import(settings: Settings, path: Path) -> CliResult:
    t = Translations(settings.default_language).get(CLI_LANGUAGE)
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
        # The size first: a 2 GB file by mistake is refused without being read.
        if size > MAX_FILE_BYTES:
            return _rejected(t, path.name, [size_issue(size)])
        data = await asyncio.to_thread(path.read_bytes)
    except OSError:
        return CliResult(2, err=[t.button("import-cli-not-found", path=str(path))])
    db = await open_database(settings)
    try:
        summary = await import_file(
            db,
            data,
            file_name=path.name,
            actor=None,
            now=utc_now(),
            services=create_services(settings, db).importing,
            reader=create_import_reader(settings),
        )
    except ImportRejected as rejected:
        return _rejected(t, path.name, rejected.issues)
    finally:
        await db.close()
    result = _done(t, t.button("import-cli-done", name=path.name), summary)
    promotions = summary.promotions  # moved up inside the import's transaction
    if promotions:
        result.out.append(t.button("import-cli-promoted", count=len(promotions)))
    if summary.roadmap_changes:
        await _announce_roadmap(settings, summary)
    return result


def _done(t: Translator, title: str, summary: ImportSummary) -> CliResult:
    return CliResult(0, out=[title, *summary_lines(t, summary)])


async def run_demo(settings: Settings) -> CliResult:
    t = Translations(settings.default_language).get(CLI_LANGUAGE)
    db = await open_database(settings)
    try:
        summary = await load_demo(
            db, now=utc_now(), services=create_services(settings, db).importing
        )
    except DemoRefused as refused:
        return CliResult(1, err=[t.button("demo-not-empty", count=refused.trips)])
    except ImportRejected as rejected:  # the demo file is tested; this means a broken copy
        return _rejected(t, "demo", rejected.issues)
    finally:
        await db.close()
    return _done(t, t.button("demo-done"), summary)
