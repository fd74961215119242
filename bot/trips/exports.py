"""Participants of a trip as files for organisers: XLSX and CSV with the same columns.

Nothing a member typed may run on the organiser's computer: a name like `=HYPERLINK(...)`
is an explicit text cell in the XLSX and gets a leading apostrophe in the CSV (see
`bot.core.sheets`, which also gives the workbook its look). Date answers are dates.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.cities import Cities
from bot.core.i18n import Translator
from bot.core.sheets import Cell, csv_field
from bot.core.timefmt import local_text, to_local
from bot.reports.workbook import SheetContent, build_in_child
from bot.staff import audit
from bot.staff.audit import Action, AuditService, ObjectKind
from storage.cities import City
from storage.registrations import Participant, RegistrationRepo
from storage.trips import Question, Trip, TripRepo

# The fixed columns, each named by text `export-col-<name>`; the trip's questions follow.
COLUMNS = (
    *("status", "position", "created", "updated", "decided"),
    *("name", "organisation", "role", "city", "phone"),
)
# For a trip with minors: the parent's or guardian's consent, after the person's columns.
GUARDIAN_COLUMNS = ("guardian", "guardian-consent")


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class TripExport:
    trip: Trip
    count: int
    xlsx: ExportFile
    csv: ExportFile


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    # Spreadsheets know no time zones: the organiser's city time, without the zone.
    return to_local(moment, zone).replace(tzinfo=None) if moment else None


def _answer(t: Translator, question: Question | None, value: str | None) -> str | date | None:
    if value is None or value == "":
        return None
    if question is not None and question.kind == "yes_no":
        return t.button("export-yes" if value == "yes" else "export-no")
    if question is not None and question.kind == "date":
        # A date cell, so the column sorts as dates, not as text.
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def participants_table(
    t: Translator,
    questions: list[Question],
    participants: list[Participant],
    cities: dict[int, City],
    zone: str,
    *,
    for_minors: bool = False,
) -> Table:
    """Header and rows in the organiser's language and city time."""
    tz = ZoneInfo(zone)
    by_key = {question.key: question for question in questions}
    # Answers to questions since removed from the trip are kept as columns of their own.
    extra: list[str] = []
    for participant in participants:
        for key in participant.registration.answers:
            if key not in by_key and key not in extra:
                extra.append(key)
    columns = (*COLUMNS, *GUARDIAN_COLUMNS) if for_minors else COLUMNS
    header = [t.button(f"export-col-{name}") for name in columns]
    header += [question.label for question in questions] + extra
    rows: list[list[Cell]] = []
    for participant in participants:
        registration = participant.registration
        city = cities.get(participant.city_id) if participant.city_id is not None else None
        answers = registration.answers
        rows.append(
            [
                t.button(f"export-status-{registration.status}"),
                registration.position,
                _local(registration.created_at, tz),
                _local(registration.updated_at, tz),
                _local(registration.decided_at, tz),
                participant.full_name,
                participant.organisation,
                t.button(f"role-{participant.role}") if participant.role else None,
                city.name(t.language) if city else None,
                participant.phone,
                *(
                    (registration.guardian_name, _local(registration.guardian_consent_at, tz))
                    if for_minors
                    else ()
                ),
                *[_answer(t, q, answers.get(q.key)) for q in questions],
                *[_answer(t, None, answers.get(key)) for key in extra],
            ]
        )
    return Table(header, rows)


def build_xlsx(table: Table, *, sheet_title: str) -> bytes:
    """A workbook of one sheet, with a filter on the header, written by a child process
    (`bot.reports.workbook`: openpyxl's file writes in a thread of the bot would keep the
    event loop waiting). Blocking: call it in a thread."""
    return build_in_child([SheetContent(sheet_title, table.header, table.rows, autofilter=True)])


def build_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark and `;` between fields: what Excel opens correctly
    in Russian and Belarusian locales."""

    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_field(value) for value in table.header])
    writer.writerows([csv_field(value) for value in row] for row in table.rows)
    return output.getvalue().encode("utf-8-sig")


def _files(
    t: Translator,
    questions: list[Question],
    participants: list[Participant],
    cities: dict[int, City],
    zone: str,
    *,
    for_minors: bool,
) -> tuple[bytes, bytes]:
    """Both files' contents (XLSX, CSV): blocking, seconds for thousands of rows."""
    table = participants_table(t, questions, participants, cities, zone, for_minors=for_minors)
    return build_xlsx(table, sheet_title=t.button("export-sheet")), build_csv(table)


async def export_trip(
    trips: TripRepo,
    registrations: RegistrationRepo,
    cities: Cities,
    *,
    trip_id: int,
    t: Translator,
    zone: str,
    now: datetime,
    actor_id: int,
    audit_log: AuditService,
) -> TripExport | None:
    """Both files for a trip, or None if there is no such trip. An export of personal
    data is an organiser's action: it goes to the audit log. Times are in `zone`, the
    city of the organiser who asked for it (who reads the file).

    The table and both files are made in a worker thread (the workbook by a child
    process it waits for): for a trip of thousands they take seconds of CPU, which on
    the event loop would keep everybody else waiting."""
    trip = await trips.get(trip_id=trip_id)
    if trip is None:
        return None
    questions = await trips.questions(trip_id=trip_id)
    participants = await registrations.participants(trip_id=trip_id)
    xlsx, csv_file = await asyncio.to_thread(
        _files,
        t,
        questions,
        participants,
        {city.id: city for city in await cities.list()},
        zone,
        for_minors=trip.for_minors,
    )
    stem = f"trip-{trip.id}-participants-{local_text(now, zone, 'stamp')}"
    if participants:
        await audit_log.add(
            audit.entry(
                actor=actor_id,
                action=Action.EXPORT,
                kind=ObjectKind.TRIP,
                object_id=trip.id,
                diff={"rows": len(participants)},
            )
        )
    return TripExport(
        trip=trip,
        count=len(participants),
        xlsx=ExportFile(f"{stem}.xlsx", xlsx),
        csv=ExportFile(f"{stem}.csv", csv_file),
    )
