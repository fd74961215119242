"""`python -m bot status`: one screen of what an operator asks, on an empty and on a demo
database, its exit codes, `--json`, and every wait bounded (the Bot API or PostgreSQL not
answering is reported within seconds, never waited for)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import WebhookInfo
from aiohttp import ClientSession

import storage.broadcasts as broadcast_storage
from bot.app import create_bot
from bot.cli.status import (
    CONNECT_TIMEOUT,
    TELEGRAM_TIMEOUT,
    Code,
    collect,
    render_json,
    render_text,
    status_command,
)
from bot.core.config import Settings
from bot.core.timefmt import local_text, to_local
from bot.operations.backup import backup_name
from bot.runner import open_database
from storage.broadcasts import BroadcastRepo, RecipientFilter, Source
from storage.db import Database, DatabaseOpenError, utc_now
from storage.events import EventRepo
from storage.institutions import InstitutionRepo, NewInstitution
from storage.migrate import MIGRATIONS_DIR, migrate
from storage.operations import JobRunRepo
from storage.outbox import FAILED, NewMessage, OutboxRepo
from storage.people import NewProfile, PersonRepo
from tests.conftest import ADMIN_ID, TOKEN, make_settings, store_url_for
from tests.event_seed import add_event
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SOCHI, MINSK = 1, 2
ZONE = "Europe/Moscow"


def _noon_today() -> datetime:
    """Today 12:00 in TIMEZONE: the day's reminders fall before and after it."""
    local = to_local(utc_now(), ZONE)
    return local.replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The test's database, migrated as the bot does it at start."""
    database = await open_database(settings)
    yield database
    await database.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (the kernel queues them)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


async def _person(
    db: Database, tg_id: int, *, city: int = SOCHI, role: str = "teacher", **change: bool
) -> None:
    people = PersonRepo(db)
    await people.complete_profile(
        tg_id=tg_id,
        language="ru",
        profile=NewProfile(f"Участник {tg_id}", city, role, "Школа", utc_now()),
    )
    if change.get("organiser"):
        async with db.transaction() as conn:
            await PersonRepo.set_organiser(conn, tg_id=tg_id, is_organiser=True)
    if change.get("blocked"):
        await people.set_blocked(tg_id=tg_id, blocked=True)
    if change.get("coordinator"):
        async with db.transaction() as conn:
            await InstitutionRepo(db).create(
                conn,
                institution=NewInstitution("school", f"Школа {tg_id}", city, "", ("middle",)),
                created_by=tg_id,
                now=utc_now(),
            )


async def _people(db: Database) -> None:
    """Sochi: a member who blocked the bot, an organiser, a school's coordinator;
    Minsk: the admin (ADMIN_IDS); and someone who has not finished onboarding."""
    await _person(db, 2001, blocked=True)
    await _person(db, 2002, organiser=True)
    await _person(db, 2003, role="medic", coordinator=True)
    await _person(db, ADMIN_ID, city=MINSK, role="administration")
    await PersonRepo(db).set_language(tg_id=2004, language="ru")


# The screen on an empty database and on a busy one


async def test_a_fresh_database_is_all_fine(db: Database, settings: Settings) -> None:
    report = await collect(settings)
    assert report.problems == [] and report.code == Code.OK
    text = render_text(report)
    lines = text.splitlines()
    assert lines[0].startswith("Побратим ") and f"({ZONE})" in lines[0]
    assert any(line.startswith("  Миграции: применены все (") for line in lines)
    assert "  Сочи: 0" in lines and "  Минск: 0" in lines
    assert "  Не закончили знакомство: 0" in lines
    assert "  В очереди 0, отправляются 0, не доставлены 0 (за сутки 0)" in lines
    assert "  Идущих нет" in lines and "  Запланировано: 0" in lines
    assert "  0, из них впереди 0" in lines
    assert "  BACKUP_DIR не задан: ежедневных копий нет" in lines
    assert "  срок хранения данных (retention): ещё не выполнялась" in lines
    assert "  вебхук не установлен (long polling); обновлений ждут: 0" in lines
    assert lines[-1] == "Итог: всё в порядке (код 0)."
    if settings.sqlite_file is not None:
        assert any(line.startswith(f"  SQLite: {settings.sqlite_file}, ") for line in lines)
    else:
        assert any(line.startswith("  PostgreSQL: postgresql://") for line in lines)

    data = json.loads(render_json(report))
    assert data["exit_code"] == 0 and data["problems"] == []
    assert data["migrations"]["pending"] == [] and data["migrations"]["applied"] >= 12
    assert [city["code"] for city in data["people"]["cities"]] == ["sochi", "minsk"]
    assert data["outbox"]["queued"] == 0 and data["broadcasts"]["running"] == []
    assert data["jobs"]["runs"] == {} and data["backup"] is None
    assert data["telegram"]["state"] == "ok" and data["telegram"]["webhook"]["url"] == ""
    # Moments for scripts: ISO 8601 in UTC.
    assert data["checked_at"].endswith("+00:00")
    assert datetime.fromisoformat(data["checked_at"]).utcoffset() == timedelta(0)


async def test_people_by_city_and_role(db: Database, settings: Settings) -> None:
    await _people(db)
    report = await collect(settings)
    lines = render_text(report).splitlines()
    assert (
        "  Сочи: 3 — участники 2, организаторы 1, администраторы 0; координаторы школ 1;"
        " заблокировали бота 1"
    ) in lines
    assert "    сферы: Медицинский работник 1, Педагог 2" in lines
    assert (
        "  Минск: 1 — участники 0, организаторы 0, администраторы 1; координаторы школ 0"
    ) in lines
    assert "  Не закончили знакомство: 1" in lines
    sochi, minsk = json.loads(render_json(report))["people"]["cities"]
    assert sochi | {"occupations": None} == {
        "code": "sochi",
        "name": "Сочи",
        "people": 3,
        "members": 2,
        "organisers": 1,
        "admins": 0,
        "school_coordinators": 1,
        "blocked_the_bot": 1,
        "occupations": None,
    }
    assert sochi["occupations"] == {"medic": 1, "teacher": 2}
    assert minsk["admins"] == 1 and minsk["people"] == 1


async def test_outbox_broadcasts_and_reminders_today(
    db: Database, telegram: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(telegram, db_path, event_reminders=(86400,))
    noon = _noon_today()
    await _people(db)
    events = EventRepo(db)
    # Reminders a day before: one due at 11:00 today, one at 13:00 (to 2002, and not to
    # 2001, who blocked the bot), one tomorrow.
    earlier = await add_event(db, title="Раньше", starts_at=noon + timedelta(days=1, hours=-1))
    later = await add_event(db, title="Позже", starts_at=noon + timedelta(days=1, hours=1))
    tomorrow = await add_event(db, title="Завтра", starts_at=noon + timedelta(days=2))
    for event_id, people in ((earlier, [2002]), (later, [2001, 2002]), (tomorrow, [2002])):
        for tg_id in people:
            await events.subscribe(event_id=event_id, tg_id=tg_id)
    outbox = OutboxRepo(db)
    # A notice that could not be delivered, and one waiting since an hour ago.
    await outbox.enqueue([NewMessage(chat_id=2002, purpose="notice", text="Не дошло")])
    async with db.read.execute("SELECT MAX(id) FROM outbox") as cur:
        (failed_id,) = await cur.fetchone()
    assert await outbox.mark_sending(row_id=failed_id)
    await outbox.finish(row_id=failed_id, state=FAILED, error="TelegramBadRequest")
    waiting = noon - timedelta(hours=1)  # an hour before the screen's own clock
    await outbox.enqueue(
        [NewMessage(chat_id=2003, purpose="notice", text="Ждёт", not_before=waiting)]
    )
    broadcast = await BroadcastRepo(db).create(
        created_by=ADMIN_ID,
        segment='{"kind": "all"}',
        audience=RecipientFilter(city_id=SOCHI),
        source=Source(chat_id=ADMIN_ID, message_id=1, kind="text"),
        now=utc_now(),
    )

    report = await collect(settings, now=noon)
    lines = render_text(report).splitlines()
    assert "  В очереди 3, отправляются 0, не доставлены 1 (за сутки 1)" in lines
    assert f"  № {broadcast.id} идёт с " in "\n".join(lines)
    # 2001, who blocked the bot, is among the recipients but never queued.
    assert any(line.endswith(": осталось 2 из 3") for line in lines)
    assert "  2, из них впереди 1" in lines
    keys = [problem.key for problem in report.problems]
    assert keys == ["outbox_failed", "outbox_stuck"] and report.code == Code.ATTENTION
    assert "Итог: требует внимания (код 1):" in lines
    assert "  — за сутки не доставлено сообщений: 1 (причины — в журнале бота)" in lines
    data = json.loads(render_json(report))
    assert data["reminders_today"]["total"] == 2 and data["reminders_today"]["later"] == 1
    assert data["outbox"]["failed_recently"] == 1
    assert data["broadcasts"]["running"][0] | {"started_at": None} == {
        "id": broadcast.id,
        "started_at": None,
        "recipients": 3,
        "left": 2,
        "queueing": False,
        "queued": 3,
    }
    assert [problem["key"] for problem in data["problems"]] == keys


async def test_a_broadcast_left_queueing_needs_attention(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broadcast whose recipients stopped being queued (the bot down half-way) is named
    on the screen and, after 15 minutes, among what needs attention."""
    await _people(db)
    monkeypatch.setattr(broadcast_storage, "QUEUE_BATCH", 2)  # two of three queued
    noon = _noon_today()
    broadcast = await BroadcastRepo(db).create(
        created_by=ADMIN_ID,
        segment='{"city_id": 1, "kind": "city"}',
        audience=RecipientFilter(city_id=SOCHI),
        source=Source(chat_id=ADMIN_ID, message_id=1, kind="text"),
        now=noon - timedelta(minutes=20),
    )
    assert broadcast.status == "queueing"

    soon = await collect(settings, now=noon - timedelta(minutes=10))
    assert [problem.key for problem in soon.problems] == []
    report = await collect(settings, now=noon)
    lines = render_text(report).splitlines()
    assert (
        f"  № {broadcast.id} с {local_text(broadcast.created_at, ZONE)} ставит получателей"
        " в очередь: поставлено 2, отправка ещё не началась"
    ) in lines
    assert [problem.key for problem in report.problems] == [f"broadcast_queueing:{broadcast.id}"]
    assert report.code == Code.ATTENTION
    data = json.loads(render_json(report))
    assert data["broadcasts"]["running"][0]["queueing"] is True


async def _ran(
    db: Database, job: str, at: datetime, *, seconds: float, ok: bool = True, detail: str = ""
) -> None:
    """A nightly job's run recorded as the housekeeping records it."""
    await JobRunRepo(db).started(job, at=at)
    async with db.transaction() as conn:
        await JobRunRepo.finished(conn, job, at=at, seconds=seconds, ok=ok, detail=detail)


async def test_nightly_jobs_and_backups(
    db: Database, telegram: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    settings = make_settings(telegram, db_path, backup_dir=folder)
    noon = _noon_today()
    night = noon.replace(hour=3)

    # No folder yet, then an empty one: no backup is a problem once BACKUP_DIR is set.
    report = await collect(settings, now=noon)
    assert [p.key for p in report.problems] == ["backup_missing"]
    assert "  папки нет" in render_text(report).splitlines()
    folder.mkdir()
    report = await collect(settings, now=noon)
    assert [p.key for p in report.problems] == ["backup_missing"]

    # Last night: retention done, the backup failed, upkeep last ran the night before.
    await _ran(db, "retention", night, seconds=0.4, detail="удалено 0")
    await _ran(db, "backup", night, seconds=1.5, ok=False, detail="на диске нет места")
    await _ran(db, "upkeep", night - timedelta(days=1), seconds=2)
    old = folder / backup_name(noon - timedelta(hours=30))
    old.write_bytes(b"x" * 2048)
    report = await collect(settings, now=noon)
    keys = [p.key for p in report.problems]
    assert keys == ["job_missed:upkeep", "job_failed:backup", "backup_old"]
    lines = render_text(report).splitlines()
    assert "Ночные задачи (в 03:00)" in lines
    assert any(
        line.startswith("  срок хранения данных (retention): ") and "успешно, 0,4 с" in line
        for line in lines
    )
    assert any(line.endswith("ошибка, 1,5 с — на диске нет места") for line in lines)
    assert f"Резервная копия (BACKUP_DIR={folder})" in lines
    assert any(line.endswith(f"2,0 КБ: {old}") for line in lines)
    data = json.loads(render_json(report))
    assert data["backup"]["size_bytes"] == 2048 and data["backup"]["path"] == str(old)
    assert data["jobs"]["runs"]["backup"]["outcome"] == "failed"
    assert data["jobs"]["runs"]["retention"]["started_at"].endswith("+00:00")

    # A good night: everything ran, and the backup is fresh.
    for job in ("backup", "upkeep"):
        await _ran(db, job, night, seconds=1)
    (folder / backup_name(night)).write_bytes(b"y")
    report = await collect(settings, now=noon)
    assert report.problems == [] and report.code == Code.OK


async def test_pending_migrations_are_reported_and_nothing_is_applied(
    telegram: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    """A database the code has moved past (maintenance_runs does not exist yet): status
    still answers, says what is pending, and leaves the schema as it is."""
    older = tmp_path / "older"
    older.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 12:
            shutil.copy(path, older / path.name)
    database = await Database.open(store_url_for(db_path) or db_path)
    try:
        await migrate(database, older)
    finally:
        await database.close()
    settings = make_settings(telegram, db_path)
    report = await collect(settings)
    assert [p.key for p in report.problems] == ["migrations_pending"]
    assert report.code == Code.ATTENTION
    pending = report.schema.pending
    assert pending[0].startswith("0012_operations")
    lines = render_text(report).splitlines()
    assert f"  Миграции: применено 11, ожидают {len(pending)}: {', '.join(pending)}" in lines
    assert lines[lines.index("Ночные задачи (в 03:00)") + 1] == "  — (нужна миграция 0012)"
    assert "  Сочи: 0" in lines  # what the schema has is still shown
    data = json.loads(render_json(report))
    assert data["jobs"] is None and data["people"] is not None
    # Still pending: status applied nothing.
    again = await collect(settings)
    assert again.schema.pending == report.schema.pending


async def test_a_missing_sqlite_file_is_not_created(
    telegram: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere" / "bot.sqlite3"
    settings = make_settings(telegram, path, database_url=None)
    code = await status_command(settings, argparse.Namespace(json=False))
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"Файла базы данных {path} нет:") and err.count("\n") == 1
    assert not path.parent.exists()


# Telegram


async def test_webhook_info_from_telegram(
    db: Database, telegram: FakeTelegram, db_path: Path
) -> None:
    url = "https://bot.example.org/telegram"
    settings = make_settings(telegram, db_path, webhook_url=url, webhook_secret="s3cret")
    telegram.webhook = {"url": url, "max_connections": 40}
    telegram.add_update({"message": {"text": "раз"}})
    telegram.add_update({"message": {"text": "два"}})
    telegram.webhook_last_error = (int(time.time()) - 120, "Connection timed out")

    report = await collect(settings)
    assert [p.key for p in report.problems] == ["webhook_error"]
    lines = render_text(report).splitlines()
    assert f"  вебхук {url}; обновлений ждут: 2" in lines
    assert any(
        line.startswith("  Последняя ошибка вебхука: ")
        and line.endswith(" — Connection timed out")
        for line in lines
    )
    webhook = json.loads(render_json(report))["telegram"]["webhook"]
    assert webhook["url"] == url and webhook["pending_update_count"] == 2
    assert webhook["last_error_message"] == "Connection timed out"
    assert webhook["last_error_date"].endswith("+00:00")

    # An error two hours ago is history; a webhook the bot is not configured for is not.
    telegram.webhook_last_error = (int(time.time()) - 7200, "Connection timed out")
    assert (await collect(settings)).problems == []
    polling = make_settings(telegram, db_path)
    assert [p.key for p in (await collect(polling)).problems] == ["webhook_unexpected"]
    telegram.webhook = None
    assert [p.key for p in (await collect(settings)).problems] == ["webhook_not_set"]


async def _webhook_info(telegram: FakeTelegram) -> dict[str, Any]:
    """getWebhookInfo's answer as it comes over HTTP."""
    url = f"{telegram.base_url}/bot{TOKEN}/getWebhookInfo"
    async with ClientSession() as session, session.get(url) as resp:
        return dict(await resp.json())


async def test_the_fake_reports_webhook_info_as_telegram_does(telegram: FakeTelegram) -> None:
    """getWebhookInfo's fields are Telegram's WebhookInfo's, and a failed delivery is
    reported there, as Telegram reports it."""
    answer = await _webhook_info(telegram)
    assert answer == {
        "ok": True,
        "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
    }
    telegram.webhook = {"url": "https://bot.example.org/hook"}
    telegram.webhook_address = f"http://127.0.0.1:{_closed_port()}/hook"
    telegram.add_update({"message": {"text": "привет"}})
    async with asyncio.timeout(10):
        while not telegram.webhook_attempts:
            await asyncio.sleep(0.02)
    result = (await _webhook_info(telegram))["result"]
    assert set(result) <= set(WebhookInfo.model_fields)
    assert result["url"] == "https://bot.example.org/hook" and result["max_connections"] == 40
    assert result["last_error_message"] == "Connection refused"
    assert abs(result["last_error_date"] - time.time()) < 10
    bot = create_bot(make_settings(telegram, Path("unused.sqlite3")))
    try:
        info = await bot.get_webhook_info()
    finally:
        await bot.session.close()
    assert info.last_error_message == "Connection refused" and info.pending_update_count == 1


@pytest.mark.parametrize("server", ["closed", "silent"])
async def test_telegram_unreachable_is_reported_within_seconds(
    db: Database, telegram: FakeTelegram, db_path: Path, silent_port: int, server: str
) -> None:
    port = _closed_port() if server == "closed" else silent_port
    api = f"http://127.0.0.1:{port}"
    settings = make_settings(telegram, db_path, telegram_api_url=api)
    started = time.monotonic()
    report = await collect(settings)
    assert time.monotonic() - started < TELEGRAM_TIMEOUT + 3
    assert report.telegram.state == "unreachable"
    assert [p.key for p in report.problems] == ["telegram_unreachable"]
    assert report.code == Code.ATTENTION
    lines = render_text(report).splitlines()
    assert f"  Telegram Bot API недоступен ({api})" in lines
    assert "  — Telegram Bot API недоступен" in lines
    assert json.loads(render_json(report))["telegram"]["state"] == "unreachable"


async def test_a_wrong_token_is_a_settings_error(
    db: Database, telegram: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        telegram, db_path, bot_token="987654321:AAH-another-token-the-fake-refuses"
    )
    report = await collect(settings)
    assert [p.key for p in report.problems] == ["telegram_unauthorized"]
    assert report.code == Code.ERROR


async def test_a_postgresql_server_that_never_answers(
    telegram: FakeTelegram, db_path: Path, silent_port: int
) -> None:
    url = f"postgresql://pobratim:secret@127.0.0.1:{silent_port}/pobratim"
    settings = make_settings(telegram, db_path, database_url=url)
    started = time.monotonic()
    with pytest.raises(DatabaseOpenError):
        await collect(settings)
    assert time.monotonic() - started < CONNECT_TIMEOUT + 3


# The command line


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "WEBHOOK_", "TIMEZONE", "LOG_", "BACKUP_")
        )
    }
    path = tmp_path / "db" / "bot.sqlite3"
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_PATH=str(path),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",
        ADMIN_IDS=str(ADMIN_ID),
    )
    url = store_url_for(path)
    if url:
        env["DATABASE_URL"] = url  # the PostgreSQL pass: the test's own schema
    env.update(values)
    return env


async def _cli(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` in its own process, while this loop serves the fake Telegram
    (cwd is tmp_path: no developer's .env is read)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_status_of_the_demo_database_from_the_command_line(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    code, _, err = await _cli(tmp_path, "demo")
    assert code == 0, err
    database = await Database.open(
        store_url_for(tmp_path / "db" / "bot.sqlite3") or tmp_path / "db" / "bot.sqlite3"
    )
    try:
        await _people(database)
    finally:
        await database.close()
    api = {"TELEGRAM_API_URL": telegram.base_url}

    code, out, err = await _cli(tmp_path, "status", **api)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Побратим ") and lines[-1] == "Итог: всё в порядке (код 0)."
    assert (
        "  Сочи: 3 — участники 2, организаторы 1, администраторы 0; координаторы школ 1;"
        " заблокировали бота 1"
    ) in lines
    assert "  вебхук не установлен (long polling); обновлений ждут: 0" in lines
    assert telegram.calls_of("getWebhookInfo")  # asked the Bot API, and nothing else
    assert {call.method for call in telegram.calls} == {"getWebhookInfo"}

    code, out, err = await _cli(tmp_path, "status", "--json", **api)
    assert (code, err) == (0, "")
    data: dict[str, Any] = json.loads(out)
    assert data["exit_code"] == 0 and data["migrations"]["pending"] == []
    assert data["people"]["cities"][0]["people"] == 3
    assert data["store"]["kind"] == (
        "postgresql" if "DATABASE_URL" in _env(tmp_path) else "sqlite"
    )
    assert "secret" not in out

    # The Bot API accepting connections and never answering: reported, exit code 1.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        api = {"TELEGRAM_API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}"}
        code, out, err = await _cli(tmp_path, "status", **api)
    finally:
        silent.close()
    assert (code, err) == (1, "")
    assert out.splitlines()[-1] == "  — Telegram Bot API недоступен"


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["status", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert "--json" in out and "Коды выхода: 0" in " ".join(out.split())
    assert "2 — ошибка настроек" in " ".join(out.split())


async def test_an_unanswering_postgresql_is_exit_code_2(tmp_path: Path, silent_port: int) -> None:
    url = f"postgresql://pobratim:secret@127.0.0.1:{silent_port}/pobratim"
    code, out, err = await _cli(tmp_path, "status", DATABASE_URL=url)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"Не удаётся подключиться к PostgreSQL postgresql://pobratim@127.0.0.1:{silent_port}"
        "/pobratim: проверьте DATABASE_URL, что сервер запущен и база создана."
    ]
