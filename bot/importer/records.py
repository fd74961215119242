"""Import of programmes, trips (with their questions) and events from YAML or XLSX.

The format is described in docs/import-format.md; bot/importer/files.py reads a file into
records. Then every record is checked as a whole first (each sheet by its own module:
programmes.py, trips.py, events.py, roadmap.py; checking.py for the file as a whole) and
every problem is collected with the place it is at ("trips[2].capacity" in YAML, "лист
trips, строка 5, столбец capacity" in a table); only a file without problems is written,
in one transaction.
Rows carry stable keys, so importing the same file again updates them instead of adding
copies.

A trip that exists already changes by the bot's rules (bot/trips/admin.py): cancelled and
finished trips stay as they are, the status moves only where the bot's buttons move it,
capacity stays above the seats taken. These rules depend on the trip's state, so they are
checked again inside the write transaction, which also fills freed seats from the waiting
list: nobody can register in between.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.importer.checking import check_sections, load_context
from bot.importer.files import (
    MAX_FILE_BYTES,
    MB,
    SECTIONS,
    Issue,
    Sections,
    Where,
    detect_format,
    megabytes,
    records_from_document,
)
from bot.importer.plan import ImportRejected, ImportServices, ImportSummary
from bot.importer.sandbox import ImportReader
from bot.importer.writing import write_plan
from storage.db import Database

# ---------------------------------------------------------------------------------------------
# The entry points
# ---------------------------------------------------------------------------------------------


async def _import_sections(
    db: Database,
    sections: Sections,
    issues: list[Issue],
    *,
    actor: int | None,
    now: datetime,
    services: ImportServices,
) -> ImportSummary:
    if not issues and not any(sections.get(section) for section in SECTIONS):
        issues.append(Issue(Where(), "import-error-empty"))
    if issues and not sections:
        raise ImportRejected(issues)
    # Everything is checked even after the first problem, so the person sees them all.
    plan = check_sections(sections, await load_context(db, sections, now), issues)
    if issues:
        raise ImportRejected(issues)
    return await write_plan(db, plan, actor=actor, now=now, services=services)


def size_issue(size: int) -> Issue:
    return Issue(
        Where(), "import-error-too-big", {"size": megabytes(size), "limit": MAX_FILE_BYTES // MB}
    )


async def import_file(
    db: Database,
    data: bytes,
    *,
    file_name: str,
    actor: int | None,
    now: datetime,
    services: ImportServices,
    reader: ImportReader | None = None,
) -> ImportSummary:
    """Check a whole file and write it in one transaction, or raise ImportRejected.

    The file is parsed by `reader` in a child process with limits on time and memory
    (bot/importer/sandbox.py); the event loop is free meanwhile.
    People the update moves from a waiting list to a seat, and subscribers of events it
    moves or cancels, are told in that same transaction (`services`).
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([size_issue(len(data))])
    file_format = detect_format(file_name)
    if file_format is None:
        raise ImportRejected([Issue(Where(), "import-error-format")])
    sections, issues = await (reader or ImportReader()).read(data, file_format)
    return await _import_sections(db, sections, issues, actor=actor, now=now, services=services)


async def import_document(
    db: Database,
    document: Any,
    *,
    actor: int | None,
    now: datetime,
    services: ImportServices,
) -> ImportSummary:
    """The same for a YAML document already loaded (the demo data)."""
    issues: list[Issue] = []
    sections = records_from_document(document, issues)
    return await _import_sections(db, sections, issues, actor=actor, now=now, services=services)
