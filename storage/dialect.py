"""The few places where SQLite's and PostgreSQL's SQL differ, handled once.

Repositories write one SQL text for both stores, with `?` placeholders (or `:name` with a
dict of parameters) and these portable forms:

- `x = ANY(?)` and `x <> ALL(?)` with a Python list: PostgreSQL takes an array; SQLite
  gets the list as JSON and reads it with `json_each`.
- `FOR UPDATE` (and `FOR UPDATE SKIP LOCKED`) to lock the rows a use case depends on:
  PostgreSQL runs transactions side by side; SQLite has one writer at a time (its
  transactions begin with `BEGIN IMMEDIATE`), so there the clause is dropped.
- `instr(text, part)`: PostgreSQL calls it `strpos`.
- `json_each(column)` over a JSON list kept in a text column: PostgreSQL's
  `json_array_elements_text(column::json)`.
- Parameters: timezone-aware `datetime`, `bool`, `int`, `str`, `None` and lists. SQLite
  keeps a moment as UTC ISO-8601 text (sorts as time), a bool as 0/1, a list as JSON.

Each text is translated once and remembered (`lru_cache`): the translation costs nothing
on the hot path but a dictionary lookup.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

SQLITE = "sqlite"
POSTGRES = "postgresql"

_FOR_UPDATE = re.compile(r"\s+FOR\s+UPDATE(\s+OF\s+\w+)?(\s+SKIP\s+LOCKED|\s+NOWAIT)?", re.I)
_ANY = re.compile(r"=\s*ANY\s*\(\s*(\?|:[a-z_][a-z0-9_]*)\s*\)", re.I)
_ALL = re.compile(r"<>\s*ALL\s*\(\s*(\?|:[a-z_][a-z0-9_]*)\s*\)", re.I)
_INSTR = re.compile(r"\binstr\s*\(", re.I)
_JSON_EACH_COLUMN = re.compile(r"\bjson_each\s*\(\s*([a-z_][a-z0-9_.]*)\s*\)", re.I)
# A string literal, a quoted name, a comment, a `::` cast, a placeholder.
_TOKENS = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|::|\?|:([a-z_][a-z0-9_]*)", re.I
)


def to_db_time(moment: datetime) -> str:
    """A moment as SQLite keeps it: UTC ISO-8601 text to the second."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@lru_cache(maxsize=4096)
def sqlite_sql(sql: str) -> str:
    sql = _FOR_UPDATE.sub("", sql)
    sql = _ANY.sub(r"IN (SELECT value FROM json_each(\1))", sql)
    return _ALL.sub(r"NOT IN (SELECT value FROM json_each(\1))", sql)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_db_time(value)
    if isinstance(value, list | tuple | frozenset | set):
        return json.dumps(list(value), ensure_ascii=False)
    return value


_PLAIN = (str, int, float, bytes, type(None))


def sqlite_params(params: Any) -> Any:
    """Parameters as sqlite3 takes them (a sequence, or a dict for `:name`)."""
    if isinstance(params, dict):
        return {k: v if type(v) in _PLAIN else _sqlite_value(v) for k, v in params.items()}
    for value in params:
        if type(value) not in _PLAIN:
            return tuple(_sqlite_value(v) for v in params)
    return params


@lru_cache(maxsize=4096)
def postgres_sql(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """`?` (or `:name`) placeholders numbered `$1`, `$2`...; with names, their order."""
    names: list[str] = []
    numbered = 0
    positional = False

    def number(match: re.Match[str]) -> str:
        nonlocal numbered, positional
        token = match.group(0)
        if token == "?":
            positional = True
            numbered += 1
            return f"${numbered}"
        name = match.group(1)
        if name is None:  # a literal, a quoted name, a comment, a cast
            return token
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    sql = _TOKENS.sub(number, sql)
    if positional and names:
        raise ValueError("a statement mixes ? and :name placeholders")
    sql = _INSTR.sub("strpos(", sql)
    sql = _JSON_EACH_COLUMN.sub(r"json_array_elements_text(\1::json)", sql)
    return sql, (tuple(names) if names else None)


def postgres_args(names: tuple[str, ...] | None, params: Any) -> tuple[Any, ...]:
    if names is None:
        return tuple(params)
    return tuple(params[name] for name in names)
