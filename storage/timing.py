"""Time spent in the database per query family, for /metrics.

A family is what a query does and to which table, read off its SQL once per statement
text: `select people`, `update outbox`, `insert registrations`. So it is bounded (the
statements are the repositories' own) and holds no values. When no observer is set
(METRICS_PORT=0, the command line), nothing is wrapped and nothing is measured.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from storage.db import Done, Querier, Query, Rows, Statement, Writer

QueryObserver = Callable[[str, float], None]

_VERB = re.compile(
    r"^\s*(?:WITH\b.*?\)\s*)?(SELECT|INSERT|UPDATE|DELETE|PRAGMA|ANALYZE)\b", re.I | re.S
)
_TABLE = {
    "SELECT": re.compile(r"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", re.I),
    "INSERT": re.compile(r"\bINTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.I),
    "UPDATE": re.compile(r"^\s*(?:WITH\b.*?\)\s*)?UPDATE\s+([A-Za-z_][A-Za-z0-9_]*)", re.I | re.S),
    "DELETE": re.compile(r"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", re.I),
}


@lru_cache(maxsize=2048)
def family(sql: str) -> str:
    """`select people` for `SELECT ... FROM people ...`; `other` when unrecognised."""
    verb = _VERB.match(sql)
    if verb is None:
        return "other"
    name = verb[1].upper()
    pattern = _TABLE.get(name)
    table = pattern.search(sql) if pattern else None
    return f"{name.lower()} {table[1].lower()}" if table else name.lower()


class _TimedStatement:
    def __init__(self, inner: Any, sql: str, observe: QueryObserver) -> None:
        self._inner, self._sql, self._observe = inner, sql, observe

    async def __aenter__(self) -> Rows:
        began = time.perf_counter()
        try:
            return await self._inner.__aenter__()
        finally:
            self._observe(family(self._sql), time.perf_counter() - began)

    async def __aexit__(self, *exc_info: object) -> None:
        await self._inner.__aexit__(*exc_info)

    def __await__(self) -> Any:
        return self._run().__await__()

    async def _run(self) -> Any:
        began = time.perf_counter()
        try:
            return await self._inner
        finally:
            self._observe(family(self._sql), time.perf_counter() - began)


class TimedQuerier:
    def __init__(self, inner: Querier, observe: QueryObserver) -> None:
        self._inner, self._observe = inner, observe

    def execute(self, sql: str, params: Any = ()) -> Query:
        return _TimedStatement(self._inner.execute(sql, params), sql, self._observe)


class TimedWriter(Writer):
    """The transaction's connection, each statement timed; commits stay the inner's."""

    def __init__(self, inner: Writer, observe: QueryObserver) -> None:
        super().__init__()
        self._inner, self._observe = inner, observe

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._inner.after_commit(callback)

    def execute(self, sql: str, params: Any = ()) -> Statement:
        return _TimedStatement(self._inner.execute(sql, params), sql, self._observe)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        began = time.perf_counter()
        try:
            await self._inner.executemany(sql, rows)
        finally:
            self._observe(family(sql), time.perf_counter() - began)

    async def execute_bulk(self, sql: str, params: Any = ()) -> Done:
        began = time.perf_counter()
        try:
            return await self._inner.execute_bulk(sql, params)
        finally:
            self._observe(family(sql), time.perf_counter() - began)

    async def fetch_bulk(self, sql: str, params: Any = ()) -> list[Any]:
        began = time.perf_counter()
        try:
            return await self._inner.fetch_bulk(sql, params)
        finally:
            self._observe(family(sql), time.perf_counter() - began)


def timed_querier(inner: Querier, observe: QueryObserver | None) -> Querier:
    return inner if observe is None else TimedQuerier(inner, observe)


def timed_writer(inner: Writer, observe: QueryObserver | None) -> Writer:
    return inner if observe is None else TimedWriter(inner, observe)
