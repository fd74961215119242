"""Names compared and ordered by their search key (storage/search_key.py), alike on SQLite
and PostgreSQL: case, ё/е and spacing do not matter, Belarusian і and ў stay letters and
sort in their places.

The database tests run on the store the run uses (TEST_DATABASE_URL for PostgreSQL)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from storage.db import Database, utc_now
from storage.dialect import POSTGRES
from storage.institutions import InstitutionRepo, NewInstitution
from storage.migrate import (
    MIGRATIONS_DIR,
    SEARCH_KEYS_VERSION,
    fill_search_keys,
    migrate,
)
from storage.search_key import search_key
from storage.trips import NewProgramme, TripRepo
from tests.conftest import store_url_for

SOCHI = 1
NAMES = ("ёжик", "Ёж", "Іван", "ива", "Жук", "Ель", "ЕЖ")
# By key, then by id: «Ёж» and «ЕЖ» have one key, and «Ёж» was stored first. By the raw
# text (code points) the order would be Ёж, Іван, ЕЖ, Ель, Жук, ива, ёжик.
IN_ORDER = ["Ёж", "ЕЖ", "ёжик", "Ель", "Жук", "ива", "Іван"]


# --- The key ------------------------------------------------------------------------------


def test_case_and_yo_do_not_matter() -> None:
    assert search_key("ЁЖ") == search_key("ёж") == search_key("ЕЖ") == search_key("еж") == "еж"
    assert search_key("Ёлка") == "елка"


def test_belarusian_letters_stay_and_fold_case() -> None:
    assert search_key("Іван") == search_key("іван")
    assert search_key("Іван") != search_key("Иван")
    assert search_key("Ўсход") == search_key("ўсход")
    assert search_key("Ўсход") != search_key("Усход")


def test_belarusian_letters_take_their_places_in_the_alphabet() -> None:
    """і where Russian has и (after every и, before й), ў right after у: not after я,
    where their code points are."""
    names = ["Фёдар", "Кіра", "Іван", "Йога", "Ўсход", "ива", "Усход", "Яўген", "Ян"]
    assert sorted(names, key=search_key) == [
        "ива",
        "Іван",
        "Йога",
        "Кіра",
        "Усход",
        "Ўсход",
        "Фёдар",
        "Ян",
        "Яўген",
    ]


def test_yo_sorts_as_ye() -> None:
    names = ["Ежевика", "Ёлка", "Елена", "Ель", "Жанна", "Дятел"]
    assert sorted(names, key=search_key) == ["Дятел", "Ежевика", "Елена", "Ёлка", "Ель", "Жанна"]


def test_whitespace_is_collapsed_and_stripped() -> None:
    assert search_key("  Гимназия \t 1\n") == "гимназия 1"
    assert search_key("Школа\u00a0 5") == "школа 5"  # a non-breaking space too
    assert search_key("   ") == ""


def test_one_key_for_one_text_however_typed() -> None:
    assert search_key("Е\u0308ЛКА") == search_key("ёлка")  # е + combining diaeresis
    assert search_key("Ｓｃｈｏｏｌ") == search_key("school")  # full-width letters
    # NFKC spells the numero sign out: «№ 5» and «No 5» are one name to search for.
    assert search_key("Школа № 5") == search_key("школа No 5") == "школа no 5"
    for text in (*NAMES, "Straße", "Е\u0308ЛКА", " a  b "):
        assert search_key(search_key(text)) == search_key(text)


# --- Through the database -----------------------------------------------------------------


async def _open(db_path: Path) -> Database:
    return await Database.open(store_url_for(db_path) or db_path)


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await _open(db_path)
    try:
        await migrate(database)
        yield database
    finally:
        await database.close()


async def _add_institution(db: Database, name: str, creator: int) -> int:
    async with db.transaction() as conn:
        institution_id = await InstitutionRepo(db).create(
            conn,
            institution=NewInstitution("school", name, SOCHI, "", ("middle",)),
            created_by=creator,
            now=utc_now(),
        )
    assert institution_id is not None
    return institution_id


async def _add_programme(db: Database, title: str, direction: str = "education") -> int:
    async with db.transaction() as conn:
        return await TripRepo(db).save_programme(
            conn, programme=NewProgramme(direction, title, "", ()), actor=None
        )


async def _search(db: Database) -> list[str]:
    rows, total = await InstitutionRepo(db).search(
        city_id=SOCHI,
        exclude_city_id=None,
        kind=None,
        age_group=None,
        partner_of=None,
        limit=50,
        offset=0,
    )
    assert total == len(rows)
    return [row.institution.name for row in rows]


async def test_institutions_are_found_in_key_order(db: Database) -> None:
    for number, name in enumerate(NAMES):
        await _add_institution(db, name, creator=5000 + number)
    assert await _search(db) == IN_ORDER
    async with db.read.execute("SELECT name, name_key FROM institutions") as cur:
        stored = {row[0]: row[1] for row in await cur.fetchall()}
    assert stored == {name: search_key(name) for name in NAMES}


async def test_verified_institutions_still_come_first(db: Database) -> None:
    ids = {name: await _add_institution(db, name, 5000 + n) for n, name in enumerate(NAMES)}
    async with db.transaction() as conn:
        assert await InstitutionRepo(db).verify(conn, institution_id=ids["Жук"], by=1)
    assert await _search(db) == ["Жук", *(name for name in IN_ORDER if name != "Жук")]


async def test_programmes_are_listed_by_direction_then_key(db: Database) -> None:
    for title in NAMES:
        await _add_programme(db, title)
    await _add_programme(db, "Ярмарка", direction="business")  # business before education
    titles = [programme.title for programme in await TripRepo(db).list_programmes()]
    assert titles == ["Ярмарка", *IN_ORDER]


async def test_a_renamed_programme_gets_its_new_key(db: Database) -> None:
    first = await _add_programme(db, "Жук")
    await _add_programme(db, "Ель")
    async with db.transaction() as conn:
        await TripRepo(db).save_programme(
            conn,
            programme=NewProgramme("education", "  ЁЖ  ", "", ()),
            actor=None,
            programme_id=first,
        )
    titles = [programme.title for programme in await TripRepo(db).list_programmes()]
    assert titles == ["  ЁЖ  ", "Ель"]
    async with db.read.execute("SELECT title_key FROM programmes WHERE id = ?", (first,)) as cur:
        assert (await cur.fetchone())[0] == "еж"


async def test_postgres_compares_keys_byte_by_byte(db: Database) -> None:
    """The key columns are COLLATE "C" there, whatever the server's locale: the order
    SQLite's BINARY gives."""
    if db.dialect != POSTGRES:
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    async with db.read.execute(
        "SELECT c.relname, a.attname, col.collname FROM pg_attribute a"
        " JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_collation col ON col.oid = a.attcollation"
        " WHERE c.relnamespace = current_schema()::regnamespace"
        " AND c.relkind = 'r' AND a.attname IN ('name_key', 'title_key')"
    ) as cur:
        found = {(row[0], row[1], row[2]) for row in await cur.fetchall()}
    assert found == {("institutions", "name_key", "C"), ("programmes", "title_key", "C")}


# --- Rows stored before the keys ----------------------------------------------------------


async def _insert_raw(db: Database, now: datetime) -> None:
    """Rows as the bot stored them before migration 0010, or SQL that leaves the key out."""
    async with db.transaction() as conn:
        for number, name in enumerate(NAMES):
            await conn.execute(
                "INSERT INTO institutions (kind, name, city_id, age_groups, created_at,"
                " updated_at) VALUES ('school', ?, ?, 'middle', ?, ?)",
                (name, SOCHI, now, now),
            )
            await conn.execute(
                "INSERT INTO programmes (ext_key, direction, title, created_at, updated_at)"
                " VALUES (?, 'education', ?, ?, ?)",
                (f"p{number}", name, now, now),
            )
        await conn.execute(  # only spaces: its key is '' too, and it is left so
            "INSERT INTO programmes (direction, title, created_at, updated_at)"
            " VALUES ('education', '  ', ?, ?)",
            (now, now),
        )


async def _keys(db: Database) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for table, name, key in (
        ("institutions", "name", "name_key"),
        ("programmes", "title", "title_key"),
    ):
        async with db.read.execute(f"SELECT {name}, {key} FROM {table}") as cur:
            found[table] = {row[0]: row[1] for row in await cur.fetchall()}
    return found


async def test_rows_stored_before_the_keys_get_them(db_path: Path, tmp_path: Path) -> None:
    older = tmp_path / "migrations"
    older.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < SEARCH_KEYS_VERSION:
            shutil.copy(path, older / path.name)
    db = await _open(db_path)
    try:
        await migrate(db, older)  # the schema of 0009: no key columns, nothing to fill
        await _insert_raw(db, utc_now())
        applied = await migrate(db)
        # The key columns and the Belarusian order, then whatever later migrations add.
        assert [name[:4] for name in applied][:2] == ["0010", "0011"]
        keys = await _keys(db)
        assert keys["institutions"] == {name: search_key(name) for name in NAMES}
        assert keys["programmes"] == {"  ": "", **{name: search_key(name) for name in NAMES}}
        assert await _search(db) == IN_ORDER
        assert await fill_search_keys(db) == 0  # nothing left to do
    finally:
        await db.close()


async def test_rows_written_without_keys_get_them_at_the_next_start(db: Database) -> None:
    await _insert_raw(db, utc_now())
    assert set((await _keys(db))["institutions"].values()) == {""}
    assert await migrate(db) == []  # no file to apply, and yet the keys are filled
    keys = await _keys(db)
    assert keys["institutions"] == {name: search_key(name) for name in NAMES}
    assert keys["programmes"]["ёжик"] == "ежик"
    titles = [programme.title for programme in await TripRepo(db).list_programmes()]
    assert titles == ["  ", *IN_ORDER]  # '' sorts first
    assert await fill_search_keys(db) == 0


async def test_keys_of_the_first_form_are_computed_again(db_path: Path, tmp_path: Path) -> None:
    """Keys stored before і and ў took their places (migration 0011) are computed again
    at the next start: a Belarusian name moves from after я to its place."""
    older = tmp_path / "migrations"
    older.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) <= SEARCH_KEYS_VERSION:
            shutil.copy(path, older / path.name)
    db = await _open(db_path)
    try:
        await migrate(db, older)
        for number, name in enumerate(("Іван", "Йога", "Ян")):
            await _add_institution(db, name, creator=6000 + number)
        async with db.transaction() as conn:  # the key as the first form wrote it
            await conn.execute("UPDATE institutions SET name_key = 'іван' WHERE name = 'Іван'")
        assert await _search(db) == ["Йога", "Ян", "Іван"]
        assert [name[:4] for name in await migrate(db)][:1] == ["0011"]
        assert await _search(db) == ["Іван", "Йога", "Ян"]
        assert (await _keys(db))["institutions"]["Іван"] == search_key("Іван")
    finally:
        await db.close()
