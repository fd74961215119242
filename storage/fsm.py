"""aiogram FSM storage in the database, so a half-filled form survives a restart."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database, utc_now

EMPTY = "{}"  # the column's default: no data
# One column at a time: a state change never rewrites the data, nor the other way round.
# The row keeps the person's id beside the key, so that their forms are found by an index
# (/mydata, /forget), not by a search through every key.
_UPSERT = {
    column: "INSERT INTO fsm_states (storage_key, user_id, "  # noqa: S608
    f"{column}, updated_at) VALUES (?, ?, ?, ?)"
    f" ON CONFLICT (storage_key) DO UPDATE SET {column} = excluded.{column},"
    " user_id = excluded.user_id, updated_at = excluded.updated_at"
    for column in ("state", "data")
}


def _key(key: StorageKey) -> str:
    return ":".join(
        str(part)
        for part in (
            key.bot_id,
            key.chat_id,
            key.user_id,
            key.thread_id or "",
            key.business_connection_id or "",
            key.destiny,
        )
    )


class DatabaseStorage(BaseStorage):
    """Forms in the `fsm_states` table, with the rows of recent people kept in memory.

    aiogram reads the person's state for every update, before any handler runs, and a
    form step reads its data again: a read from the database each time, for rows only
    this storage writes. So it remembers the rows it has read or written (write-through:
    the database is written first, so a restart resumes every form), for the last
    `cache_size` people, and leaves out writes that would change nothing (`clear()` of a
    person who has no form).
    """

    CACHE_SIZE = 10_000

    def __init__(self, db: Database, cache_size: int = CACHE_SIZE) -> None:
        self._db = db
        self._cache_size = cache_size
        # storage key -> (state, data as stored JSON)
        self._rows: OrderedDict[str, tuple[str | None, str]] = OrderedDict()
        self._writing: set[str] = set()

    async def _row(self, storage_key: str) -> tuple[str | None, str]:
        row = self._rows.get(storage_key)
        if row is not None:
            self._rows.move_to_end(storage_key)
            return row
        async with self._db.read.execute(
            "SELECT state, data FROM fsm_states WHERE storage_key = ?", (storage_key,)
        ) as cur:
            found = await cur.fetchone()
        row = (found[0], found[1]) if found else (None, EMPTY)
        # A write that started meanwhile knows better than this read.
        if storage_key not in self._rows and storage_key not in self._writing:
            self._remember(storage_key, row)
        return row

    async def _write(
        self,
        key: StorageKey,
        storage_key: str,
        row: tuple[str | None, str],
        column: str,
        value: str | None,
    ) -> None:
        self._rows.pop(storage_key, None)  # a failed write leaves no guess behind
        self._writing.add(storage_key)
        try:
            await self._db.execute_write(
                _UPSERT[column], (storage_key, key.user_id, value, utc_now())
            )
        finally:
            self._writing.discard(storage_key)
        self._remember(storage_key, row)

    def _remember(self, storage_key: str, row: tuple[str | None, str]) -> None:
        self._rows[storage_key] = row
        self._rows.move_to_end(storage_key)
        if len(self._rows) > self._cache_size:
            self._rows.popitem(last=False)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        storage_key = _key(key)
        current, data = await self._row(storage_key)
        if current == value:
            return
        await self._write(key, storage_key, (value, data), "state", value)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._row(_key(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        # FSM data holds only primitives; json refuses anything else loudly.
        payload = json.dumps(dict(data), ensure_ascii=False)
        storage_key = _key(key)
        state, stored = await self._row(storage_key)
        if stored == payload:
            return
        await self._write(key, storage_key, (state, payload), "data", payload)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        # A new dict each time: aiogram's update_data changes the one it gets.
        return json.loads((await self._row(_key(key)))[1])

    async def close(self) -> None:
        """The database is closed by its owner, not by the dispatcher."""
