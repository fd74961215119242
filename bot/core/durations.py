"""Reminder offsets as settings give them: `7d,1d,2h`."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_OFFSET = re.compile(r"^(\d{1,6})([smhd])$")
MAX_OFFSET = 366 * 86400


def parse_offsets(text: str) -> tuple[int, ...]:
    """`7d,1d,2h` -> offsets in seconds, longest first. Empty text means no reminders.

    Raises ValueError with a Russian explanation for anything else.
    """
    if not text.strip():
        return ()
    offsets: list[int] = []
    for part in text.split(","):
        match = _OFFSET.match(part.strip().lower())
        if match is None:
            raise ValueError(
                f"не понимаю «{part.strip()}»: нужны интервалы через запятую, например"
                " 7d,1d,2h (s — секунды, m — минуты, h — часы, d — дни)"
            )
        seconds = int(match[1]) * _UNITS[match[2]]
        if not 0 < seconds <= MAX_OFFSET:
            raise ValueError(f"«{part.strip()}»: интервал должен быть от 1 секунды до 366 дней")
        if seconds in offsets:
            raise ValueError(f"«{part.strip()}» повторяется")
        offsets.append(seconds)
    return tuple(sorted(offsets, reverse=True))
