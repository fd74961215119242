"""Every date and time a person reads goes through here.

The database keeps UTC; a person reads times in their city's time (for a notice to
someone else: the recipient's city; for an organiser's export or report: the
organiser's city, unless the caller says otherwise). `local_text()` is the one function that
turns an instant into text; `tests/test_timefmt.py` checks that nothing else in the
code formats dates (`strftime`, `%` format specs) or converts instants to a zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from storage.db import to_db_time, utc_now  # noqa: F401 - re-exported for handlers

Style = Literal["datetime", "date", "day", "time", "stamp"]

_PATTERNS: dict[Style, str] = {
    "datetime": "%d.%m.%Y %H:%M",  # 01.03.2027 00:00
    "date": "%d.%m.%Y",  # 01.03.2027
    "day": "%d.%m",  # 01.03 (short list lines)
    "time": "%H:%M",
    "stamp": "%Y-%m-%d",  # in file names, so that they sort
}


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def to_local(moment: datetime, zone: str | ZoneInfo) -> datetime:
    """The instant as a clock in `zone` shows it (still timezone-aware)."""
    if moment.tzinfo is None:
        # A naive value would be taken as the server's local time: a bug, not a guess.
        raise ValueError("a naive datetime cannot be shown in a city's time")
    return moment.astimezone(_zone(zone))


def local_text(
    moment: datetime | date, zone: str | ZoneInfo | None, style: Style = "datetime"
) -> str:
    """An instant as text in `zone`'s time.

    A value that is a wall-clock reading already (a `date`, such as a report's period
    or a date typed as an answer, or a naive datetime that `to_local` made for a
    spreadsheet) is shown as it is, and `zone` must be None for it.
    """
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        if zone is None:
            raise ValueError("an instant needs the zone to be shown in")
        return to_local(moment, zone).strftime(_PATTERNS[style])
    if zone is not None:
        raise ValueError("a wall-clock value has no zone to be converted from")
    return moment.strftime(_PATTERNS[style])


def local_span(starts: datetime, ends: datetime | None, zone: str | ZoneInfo) -> str:
    """A start and end as one line: `21.11.2026 10:00–18:00`, or with the end's date
    when it ends on another day; only the start when there is no end or it is the same."""
    text = local_text(starts, zone)
    if ends is None or ends == starts:
        return text
    if to_local(ends, zone).date() == to_local(starts, zone).date():
        return f"{text}–{local_text(ends, zone, 'time')}"
    return f"{text} – {local_text(ends, zone)}"
