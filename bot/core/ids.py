"""Numbers that come from outside (button data, deep links, typed text), parsed in one place.

Callback data and deep links come from the client and can be forged; typed text can hold
anything. SQLite keeps integers in 64 bits, so a larger number handed to a query raises
OverflowError; `str.isdigit()` is true for "²" and "١", which `int()` then refuses or
reads as a different number. Every such number is read here: ASCII digits only, and
within the range its kind allows. What does not parse is treated as "not found".
"""

from __future__ import annotations

import re

ID_MIN = 1
ID_MAX = 2**63 - 1  # SQLite's INTEGER: a rowid or a Telegram id always fits
SMALL_MAX = 2**31 - 1  # pages, list positions, rounds, YYYYMM(DD) values
_INTEGER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only (re's [0-9] is not \d)


def parse_int(value: object, *, low: int, high: int) -> int | None:
    """An integer within [low, high] from an int or its plain decimal text, else None.

    Only the canonical form is accepted ("12", "-1"; not " 12", "+12", "1_2", "²"), so
    one button has one spelling.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """A database or Telegram id (1..2**63-1) from text or an int, else None."""
    return parse_int(value, low=ID_MIN, high=ID_MAX)


def parse_prefixed_id(value: str, prefix: str) -> int | None:
    """The id in a choice like "p12" (`prefix` then the id), else None."""
    if not value.startswith(prefix):
        return None
    return parse_id(value[len(prefix) :])
