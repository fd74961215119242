"""Erased personal data leaves the disk: every SQLite connection the project opens turns
`secure_delete` on, and once /forget answers neither the database file nor its WAL holds a
byte of what was erased."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings
from bot.operations.backup import backup_to, check_database, restore_database
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import Database, utc_now
from storage.registrations import RegistrationRepo
from storage.trips import Question
from tests.conftest import (
    ADMIN_ID,
    TEST_DATABASE_URL,
    RunningBot,
    TgUser,
    make_settings,
    onboard,
)
from tests.fake_telegram import FakeTelegram
from tests.trip_seed import add_programme, add_trip

NAME = "Евлампия Шушунова"
ORGANISATION = "Лицей Пятиугольник"
ANSWER = "Ответ-маячок Ёжикович"
PHONE = "+375 29 314-15-92"

# What these tests read is the SQLite file and its WAL. A PostgreSQL server keeps deleted
# rows in its own files until autovacuum reuses the space, and in its WAL (README,
# «Что гарантирует /forget на диске»): there is no file of the bot's to read.
SQLITE_FILES = pytest.mark.skipif(
    bool(TEST_DATABASE_URL),
    reason="SQLite only: reads the bytes of the SQLite file and its WAL after an erasure",
)


class _Opened:
    """Every sqlite3 connection opened while the test runs, and its `secure_delete` as it
    was when the connection was closed."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed: list[int | str] = []
        self._lock = threading.Lock()


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Opened]:
    """Spy on `sqlite3.connect` (aiosqlite calls it too, in its own thread). Each
    connection starts with `secure_delete` OFF, as in SQLite builds where that is the
    default (this machine's may have it on), so only the project's own setting can turn
    it on; the value is read when the connection is closed."""
    record = _Opened()
    real_connect = sqlite3.connect

    class Recording(sqlite3.Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            super().execute("PRAGMA secure_delete=OFF").fetchall()
            with record._lock:
                record.opened += 1

        def close(self) -> None:
            try:
                value: int | str = super().execute("PRAGMA secure_delete").fetchone()[0]
            except sqlite3.Error as exc:
                value = f"unreadable: {exc}"
            with record._lock:
                record.closed.append(value)
            super().close()

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        assert "factory" not in kwargs  # the spy would hide the project's own factory
        return real_connect(*args, factory=Recording, **kwargs)  # type: ignore[misc]

    monkeypatch.setattr(sqlite3, "connect", connect)
    yield record


@pytest.mark.skipif(
    bool(TEST_DATABASE_URL),
    reason="SQLite only: PRAGMA secure_delete on every sqlite3 connection, and the file's"
    " backup and restore",
)
async def test_every_connection_overwrites_what_it_deletes(
    opened: _Opened, telegram: FakeTelegram, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    # The bot: writer, lookups, reader, checkpointer, and the migrations' own connection.
    app = RunningBot(telegram, make_settings(telegram, path))
    await app.start()
    assert app.db is not None
    async with app.db.read.execute("PRAGMA secure_delete") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]
    async with app.db.lookup.execute("PRAGMA secure_delete") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]
    async with app.db.transaction() as conn, conn.execute("PRAGMA secure_delete") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]
    async with app.db.transaction_free() as free:
        assert [tuple(row) for row in await free.execute_fetchall("PRAGMA secure_delete")] == [
            (1,)
        ]
    # A backup while the bot runs, its check, and a restore (the bot stopped).
    copy = await asyncio.to_thread(backup_to, path, tmp_path / "copy.sqlite3", now=utc_now())
    await asyncio.to_thread(check_database, copy.path)
    await app.stop()
    await asyncio.to_thread(restore_database, copy.path, path)
    # The command line opens the database as the bot does.
    db = await Database.open(path)
    await db.close()

    assert opened.opened >= 12, opened.opened
    assert len(opened.closed) == opened.opened  # every connection was closed, and seen
    assert opened.closed == [1] * opened.opened


def _forms(value: str) -> list[bytes]:
    """The bytes a stored value can take: UTF-8, and JSON with \\u escapes."""
    return [value.encode("utf-8"), json.dumps(value).strip('"').encode("ascii")]


def _found(path: Path, values: list[str]) -> dict[str, list[str]]:
    """Which values occur in the raw bytes of the database file and of its WAL."""
    found: dict[str, list[str]] = {}
    for file in (path, path.with_name(path.name + "-wal")):
        raw = file.read_bytes() if file.exists() else b""
        found[file.name] = [v for v in values if any(form in raw for form in _forms(v))]
    return found


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    return make_settings(telegram, db_path, backup_dir=db_path.parent / "backups", backup_keep=3)


async def _planted(
    app: RunningBot, make_user: Callable[..., TgUser], db_path: Path
) -> tuple[TgUser, list[str]]:
    """A person with a name, an organisation, a phone and an answer, all of them in the
    database file and in its WAL; the person and those values."""
    assert app.db is not None
    organiser = make_user(ADMIN_ID, first_name="Админ")
    await onboard(organiser, name="Ольга Админова", city="Минск")
    person = make_user(4321, first_name="Евлампия")
    await onboard(person, name=NAME, organisation=ORGANISATION)
    await person.send("/profile")
    await person.press("Телефон")
    await person.send_contact(PHONE)
    programme = await add_programme(app.db)
    trip = await add_trip(
        app.db,
        programme_id=programme,
        needs_approval=True,
        organisers=(ADMIN_ID,),
        questions=(Question("position", "short_text", "Ваша должность", True),),
    )
    await person.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await person.press("✍️ Записаться")
    await person.send(ANSWER)
    await person.press("✅ Подтвердить")
    # The organiser was sent her name and answer: that message's text is personal data too.
    assert ANSWER in organiser.telegram.last_message(ADMIN_ID).plain_text()
    async with app.db.read.execute("SELECT phone FROM people WHERE tg_id = ?", (4321,)) as cur:
        row = await cur.fetchone()
    assert row is not None and row[0]
    values = [NAME, ORGANISATION, ANSWER, row[0]]

    # Everything is in the database file, and again in the WAL: its pages were rewritten
    # since (untouched values; the set-up of the test, not what is tested).
    await app.db.wipe_wal()
    async with app.db.transaction() as conn:
        for table in ("people", "registrations", "outbox"):
            await conn.execute(f"UPDATE {table} SET rowid = rowid")
    before = _found(db_path, values)
    assert before == {db_path.name: values, f"{db_path.name}-wal": values}, before
    return person, values


class _Snapshot:
    """Another connection (a backup, say) holds a read snapshot: the WAL cannot be emptied
    until it lets go, after `seconds` or when the test says so."""

    def __init__(self, db_path: Path, seconds: float | None = None) -> None:
        self._reader = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self._reader.execute("BEGIN")
        self._reader.execute("SELECT COUNT(*) FROM people").fetchall()
        self._release = (
            None
            if seconds is None
            else asyncio.get_running_loop().call_later(seconds, self._reader.rollback)
        )

    def let_go(self) -> None:
        self._reader.rollback()

    def close(self) -> None:
        """At the end of the test, whatever happened."""
        if self._release is not None:
            self._release.cancel()
        self._reader.close()


@SQLITE_FILES
async def test_forget_leaves_nothing_in_the_database_files(
    app: RunningBot, make_user: Callable[..., TgUser], db_path: Path
) -> None:
    person, values = await _planted(app, make_user, db_path)
    await person.send("/forget")
    assert "примерно 3 дня" in person.last_text  # BACKUP_KEEP, before and after
    # A snapshot held while /forget runs, let go a moment later (within the bound).
    snapshot = _Snapshot(db_path, 0.3)
    try:
        await person.press("🗑 Да, удалить мои данные")
    finally:
        snapshot.close()
    done = person.last_text
    assert "ваши данные удалены" in done
    assert "хранит 3 последние копии" in done and "примерно 3 дня" in done
    assert "журнал" not in done

    # The moment /forget has answered, with the bot still running.
    assert _found(db_path, values) == {db_path.name: [], f"{db_path.name}-wal": []}


@SQLITE_FILES
async def test_forget_says_when_the_wal_is_emptied_later(
    app: RunningBot,
    make_user: Callable[..., TgUser],
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A snapshot held for longer than /forget waits: the answer does not pretend nothing
    is left; it says the rest goes in minutes, and the bot empties the WAL once the other
    connection lets go."""
    monkeypatch.setattr("storage.sqlite.WIPE_WITHIN", 0.3)
    person, values = await _planted(app, make_user, db_path)
    await person.send("/forget")
    snapshot = _Snapshot(db_path)  # held until the answer is read, however slow the press
    try:
        await person.press("🗑 Да, удалить мои данные")
        done = person.last_text
        assert "ваши данные удалены" in done
        assert "бот сотрёт, как только журнал освободится" in done
        assert _found(db_path, values)[f"{db_path.name}-wal"], "the WAL was not in use"
        snapshot.let_go()
        async with asyncio.timeout(10):  # the loop tries every 2 s
            while any(_found(db_path, values).values()):
                await asyncio.sleep(0.2)
    finally:
        snapshot.close()


async def test_forget_answer_names_the_daily_copies(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    """What /forget answers, on either store (the files are read on SQLite above)."""
    person = make_user(4326)
    await onboard(person, name=NAME, organisation=ORGANISATION)
    await person.send("/forget")
    await person.press("🗑 Да, удалить мои данные")
    done = person.last_text
    assert "ваши данные удалены" in done
    assert "хранит 3 последние копии" in done and "примерно 3 дня" in done
    assert "журнал" not in done  # nothing is left for later


async def test_forget_without_daily_backups_says_there_are_none(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    app = RunningBot(telegram, make_settings(telegram, tmp_path / "bot.sqlite3"))
    await app.start()
    try:
        person = TgUser(app, 4322)
        await onboard(person)
        await person.send("/forget")
        assert "Ежедневных резервных копий базы бот не делает" in person.last_text
        await person.press("🗑 Да, удалить мои данные")
        assert "Ежедневных резервных копий базы бот не делает" in person.last_text
        assert "примерно" not in person.last_text
    finally:
        await app.stop()


async def test_consent_names_forget_and_the_backup_days(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    person = make_user(4324)
    await person.send("/start")
    await person.press("Русский")
    assert "Согласны ли вы" in person.last_text
    assert "/forget" in person.last_text
    assert "хранит 3 последние копии" in person.last_text
    assert "примерно 3 дня" in person.last_text


async def test_belarusian_forget_names_the_backup_days(
    app: RunningBot, make_user: Callable[..., TgUser]
) -> None:
    person = make_user(4323, language_code="be")
    await onboard(person, language="Беларуская", city="Мінск")
    await person.send("/forget")
    assert "захоўвае 3 апошнія копіі" in person.last_text
    assert "прыкладна 3 дні" in person.last_text


@SQLITE_FILES
async def test_retention_leaves_nothing_of_old_answers_in_the_database_files(
    app: RunningBot, db_path: Path
) -> None:
    """The daily retention job erases too: the same holds once it has run."""
    assert app.db is not None
    person = TgUser(app, 4324)
    await onboard(person)
    programme = await add_programme(app.db)
    starts = utc_now() - timedelta(days=404)
    old = await add_trip(
        app.db,
        programme_id=programme,
        starts_at=starts,
        deadline=starts - timedelta(days=10),
        status="finished",
    )
    answer = "Давний-ответ Щукина"
    async with app.db.transaction() as conn:
        await RegistrationRepo(app.db).insert(
            conn,
            trip_id=old,
            tg_id=person.id,
            status="approved",
            answers={"position": answer},
            now=starts - timedelta(days=30),
        )
    assert _found(db_path, [answer])[f"{db_path.name}-wal"] == [answer]

    counts = await app.dp["housekeeping"].run_retention()

    assert counts["registrations"] == 1
    assert _found(db_path, [answer]) == {db_path.name: [], f"{db_path.name}-wal": []}


@SQLITE_FILES
async def test_a_removed_phone_leaves_nothing_in_the_database_files(
    app: RunningBot, db_path: Path
) -> None:
    """Removing one value from the profile is an erasure too (as are a replaced name and
    organisation)."""
    person = TgUser(app, 4325)
    await onboard(person, name="Прохор Ветрогонов")
    await person.send("/profile")
    await person.press("Телефон")
    await person.send_contact("+7 900 271-82-81")
    assert app.db is not None
    async with app.db.transaction() as conn:  # her page again in the WAL, as in use it is
        await conn.execute("UPDATE people SET rowid = rowid")
    assert _found(db_path, ["79002718281", "Ветрогонов"]) == {
        db_path.name: ["79002718281", "Ветрогонов"],
        f"{db_path.name}-wal": ["79002718281", "Ветрогонов"],
    }
    await person.send("/profile")
    await person.press("Имя")
    await person.send("Прохор Тихонов")
    await person.press("Удалить телефон")
    assert "Тихонов" in "\n".join(person.texts())

    assert _found(db_path, ["79002718281", "Ветрогонов"]) == {
        db_path.name: [],
        f"{db_path.name}-wal": [],
    }
