"""aiogram FSM storage in SQLite, so a half-filled form survives a restart."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database, to_db_time, utc_now


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


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._db.execute_write(
            "INSERT INTO fsm_states (storage_key, state, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (storage_key) DO UPDATE SET state = excluded.state,"
            " updated_at = excluded.updated_at",
            (_key(key), value, to_db_time(utc_now())),
        )

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._db.read.execute(
            "SELECT state FROM fsm_states WHERE storage_key = ?", (_key(key),)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        # FSM data holds only primitives; json refuses anything else loudly.
        payload = json.dumps(dict(data), ensure_ascii=False)
        await self._db.execute_write(
            "INSERT INTO fsm_states (storage_key, data, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            (_key(key), payload, to_db_time(utc_now())),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._db.read.execute(
            "SELECT data FROM fsm_states WHERE storage_key = ?", (_key(key),)
        ) as cur:
            row = await cur.fetchone()
        return json.loads(row[0]) if row else {}

    async def close(self) -> None:
        """The database is closed by its owner, not by the dispatcher."""
