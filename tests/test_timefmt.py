"""Every date a person reads is in their city's time, through one function
(bot.core.timefmt): an architecture test that nothing else formats dates or converts
instants to a zone, and what people see where it went wrong before."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.timefmt import local_span, local_text, to_local
from bot.staff import audit
from storage.db import Database, utc_now
from tests.conftest import RunningBot, TgUser
from tests.event_seed import add_event
from tests.trip_seed import add_programme, add_trip

ROOT = Path(__file__).resolve().parent.parent
MOSCOW = ZoneInfo("Europe/Moscow")
# Where a conversion or a format is allowed besides bot/core/timefmt.py, and why.
ALLOWED = {
    "storage/db.py": "reads stored instants back as UTC datetimes: not for people",
    "storage/dialect.py": "stores instants as UTC text on SQLite (to_db_time): not for people",
    "storage/transfer.py": "the copy to PostgreSQL reads SQLite's UTC text as instants",
    "bot/operations/pg_backup.py": "dump file names carry a sortable UTC stamp, read by programs",
    "bot/operations/instance_lock.py": "the lock file names its holder's start for operators",
    "bot/calendar/ics.py": "an .ics carries aware datetimes in the event's zone for calendars",
    "bot/operations/backup.py": "backup file names carry a sortable UTC stamp, read by programs",
}


# Where .isoformat() is allowed, and why: each is read by a program, never by a person.
ISO_ALLOWED = {
    "bot/core/logging_setup.py": "a JSON log line's time is ISO 8601 UTC, for log collectors",
    "storage/db.py": "stores instants as UTC text",
    "storage/dialect.py": "stores instants as UTC text on SQLite",
    "bot/operations/instance_lock.py": "the lock file's start time, read by operators in UTC",
    "bot/importer/sandbox.py": "the child process hands parsed cells to the parent as JSON",
    "bot/importer/files.py": "a date cell becomes the stored answer text (YYYY-MM-DD)",
    "bot/trips/questions.py": "date answers are stored as YYYY-MM-DD, shown by local_text",
    "bot/staff/audit.py": "an audit diff keeps a moment as ISO text; /audit shows local_text",
    "bot/reports/service.py": "the report's file name and its audit entry carry sortable ISO days",
    "bot/delivery/reminders.py": "a reminder's idempotency key carries the start it was made for",
    "handlers/people/onboarding.py": "the moment of consent is kept in the form's state",
}
# Parts of a date that, put into text one by one, make a hand-built date.
DATE_PARTS = {"year", "month", "day", "hour", "minute", "second"}


def _offences(path: Path, *, iso_allowed: bool = False) -> list[str]:
    """Calls of .strftime()/.astimezone()/.isoformat(), format(x, "%…"), f-string `%`
    specs, and f-strings that put a date's parts (.day, .month, …) into text by hand."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("strftime", "astimezone"):
                found.append(f"{path.name}:{node.lineno} .{func.attr}()")
            if isinstance(func, ast.Attribute) and func.attr == "isoformat" and not iso_allowed:
                found.append(f"{path.name}:{node.lineno} .isoformat()")
            if (
                isinstance(func, ast.Name)
                and func.id == "format"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
                and "%" in str(node.args[1].value)
            ):
                found.append(f"{path.name}:{node.lineno} format(…, '%…')")
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = ast.unparse(node.format_spec)
            if "%" in spec:
                found.append(f"{path.name}:{node.lineno} f-string spec {spec}")
        if (
            isinstance(node, ast.FormattedValue)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in DATE_PARTS
        ):
            found.append(f"{path.name}:{node.lineno} hand-built date .{node.value.attr}")
    return found


def test_only_bot_timefmt_formats_dates_or_converts_them_to_a_zone() -> None:
    offences = []
    for package in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name == "bot/core/timefmt.py" or name in ALLOWED:
                continue
            offences += _offences(path, iso_allowed=name in ISO_ALLOWED)
    assert offences == [], "format dates with bot.core.timefmt.local_text: " + ", ".join(offences)


def test_no_text_formats_a_date_itself() -> None:
    """Fluent's DATETIME() would format in the server's zone and its own style: dates
    come into texts already formatted by bot.core.timefmt."""
    found = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "bot" / "locales").rglob("*.ftl"))
        if "DATETIME(" in path.read_text("utf-8")
    ]
    assert found == []


def test_the_architecture_check_finds_each_way_of_formatting(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(m, z):\n"
        "    a = m.strftime('%d.%m')\n"
        "    b = f'{m:%d.%m.%Y}'\n"
        "    c = m.astimezone(z)\n"
        "    d = format(m, '%H:%M')\n"
        "    e = f'{m!r:>10}'\n"
        "    g = m.isoformat()\n"
        "    h = f'{m.day:02}.{m.month:02}'\n"
        "    i = f'{m.title}'\n",
        "utf-8",
    )
    assert len(_offences(sample)) == 7
    assert len(_offences(sample, iso_allowed=True)) == 6


def test_an_instant_is_shown_in_the_city_time() -> None:
    midnight = datetime(2027, 3, 1, 0, 0, tzinfo=MOSCOW)
    instant = midnight.astimezone(UTC)
    assert instant.day == 28  # what a UTC formatter would have shown
    assert local_text(instant, "Europe/Moscow") == "01.03.2027 00:00"
    assert local_text(instant, "Europe/Moscow", "date") == "01.03.2027"
    assert local_text(instant, "Europe/Moscow", "day") == "01.03"
    assert local_text(instant, "Europe/Berlin") == "28.02.2027 22:00"
    assert local_text(instant, "Europe/Moscow", "stamp") == "2027-03-01"
    assert local_span(instant, instant.replace(hour=23), "Europe/Moscow") == (
        "01.03.2027 00:00–02:00"
    )
    assert to_local(instant, "Europe/Minsk").hour == 0
    # A calendar day is shown as it is; a naive moment or a missing zone is a bug.
    assert local_text(date(2027, 3, 1), None, "date") == "01.03.2027"
    with pytest.raises(ValueError):
        local_text(datetime(2027, 3, 1), "Europe/Moscow")  # noqa: DTZ001 - the point
    with pytest.raises(ValueError):
        local_text(instant, None)


def _next_march_midnight() -> tuple[datetime, str]:
    """00:00 on 1 March next year in Sochi's time (21:00 UTC the day before)."""
    year = utc_now().year + 1
    return datetime(year, 3, 1, tzinfo=MOSCOW), f"01.03.{year}"


def _db(app: RunningBot) -> Database:
    assert app.db is not None
    return app.db


async def test_broadcast_picker_dates_an_event_in_the_organisers_city_time(
    app: RunningBot, admin: TgUser
) -> None:
    starts, shown = _next_march_midnight()
    await add_event(_db(app), title="Конкурс юных талантов", starts_at=starts.astimezone(UTC))
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Подписчикам мероприятия")
    [label] = [label for label in admin.labels() if "Конкурс" in label]
    assert shown in label, label
    assert "28.02." not in label


async def test_broadcast_picker_dates_a_trip_in_the_organisers_city_time(
    app: RunningBot, admin: TgUser
) -> None:
    db = _db(app)
    starts, shown = _next_march_midnight()
    await add_trip(
        db,
        programme_id=await add_programme(db),
        title="Весенний обмен",
        starts_at=starts.astimezone(UTC),
        deadline=starts.astimezone(UTC).replace(year=starts.year - 1),
    )
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await admin.press("Участникам поездки")
    [label] = [label for label in admin.labels() if "Весенний обмен" in label]
    assert shown in label, label


async def test_audit_lines_show_moments_of_a_change_in_the_readers_city_time(
    app: RunningBot, admin: TgUser
) -> None:
    """An event moved to midnight: the diff keeps instants as ISO text in UTC, the
    admin (in Minsk) reads them as the clock there shows them."""
    starts, shown = _next_march_midnight()
    before = starts.replace(hour=10).astimezone(UTC)
    async with _db(app).transaction() as conn:
        await audit.record(
            conn,
            actor=None,
            action="edit",
            kind="event",
            object_id=1,
            diff={"starts_at": [before, starts.astimezone(UTC)]},
        )
    await admin.send("/audit")
    line = next(line for line in admin.last_text.splitlines() if "starts_at" in line)
    assert f"starts_at: {shown} 10:00 → {shown} 00:00" in line, line
    assert "T21:00" not in line and "+00:00" not in line
