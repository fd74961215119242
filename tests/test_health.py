"""/healthz, /readyz and /metrics: the counters move during a broadcast, /readyz says
which part is down, and `python -m bot` serves them on METRICS_PORT (a busy port is a
settings error, one line)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.logging_setup import current_capability
from bot.operations.health import POLL_SILENCE, bind_metrics_socket
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings, onboard, store_url_for
from tests.fake_telegram import FakeTelegram
from tests.processes import free_port
from tests.test_broadcast import add_people, choose_segment, compose_text, wait_finished

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def watched(telegram: FakeTelegram, db_path: Path) -> AsyncIterator[tuple[RunningBot, str]]:
    """A running bot with its health server on a port of its own, as the runner starts it."""
    port = free_port()
    app = RunningBot(telegram, make_settings(telegram, db_path, metrics_port=port))
    await app.start()
    health = app.dp["health"]
    await health.start(bind_metrics_socket("127.0.0.1", port))
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        await health.stop()
        await app.stop()


async def _get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


def _value(page: str, name: str, **labels: str) -> float:
    """A sample's value on the metrics page (0 when it is not there yet)."""
    # The client writes the labels in alphabetical order.
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", page, re.M)
    return float(found[1]) if found else 0.0


async def test_metrics_move_during_a_broadcast(watched: tuple[RunningBot, str]) -> None:
    app, base = watched
    admin = TgUser(app, 1000, first_name="Админ")
    await onboard(admin, name="Ольга Админова", city="Минск", role="Представитель администрации")
    await add_people(app, range(7000, 7040))
    status, kind, before = await _get(base + "/metrics")
    assert status == 200 and kind.startswith("text/plain")
    assert _value(before, "pobratim_updates_received_total", type="message") >= 1
    assert _value(before, "pobratim_update_handling_seconds_count", capability="people") >= 1
    assert _value(before, "pobratim_process_resident_memory_bytes") > 0
    sent_before = _value(before, "pobratim_messages_total", purpose="broadcast", outcome="sent")

    await choose_segment(admin, "Городу", "Сочи")
    await compose_text(admin)
    # 429 on some copies: the engine waits and tries again, and the page says so.
    app.telegram.fail_next("copyMessage", times=2, error_code=429, retry_after=1)
    await admin.press("📤 Отправить")
    during = before
    async with asyncio.timeout(30):
        while _value(during, "pobratim_messages_total", purpose="broadcast", outcome="sent") in (
            sent_before,
        ):
            await asyncio.sleep(0.2)
            _, _, during = await _get(base + "/metrics")
    await wait_finished(app, 1, seconds=60)
    _, _, after = await _get(base + "/metrics")
    sent = _value(after, "pobratim_messages_total", purpose="broadcast", outcome="sent")
    assert sent - sent_before == 40
    assert _value(after, "pobratim_messages_total", purpose="broadcast", outcome="retried") >= 2
    assert _value(after, "pobratim_telegram_429_total") >= 2
    assert _value(after, "pobratim_telegram_retry_after_seconds_total") >= 2
    assert _value(after, "pobratim_update_handling_seconds_count", capability="broadcasts") >= 3
    assert _value(after, "pobratim_db_query_seconds_count", family="select people") > 0
    assert _value(after, "pobratim_outbox_messages", state="queued") == 0
    # No personal data in any label or value: names and ids are not there.
    for private in ("Ольга", "Админова", "7001", "1000"):
        assert not re.search(r"\{[^}]*" + private, after), private


async def test_readyz_turns_503_when_the_delivery_engine_stops(
    watched: tuple[RunningBot, str],
) -> None:
    app, base = watched
    status, _, body = await _get(base + "/healthz")
    assert status == 200 and body.strip() == "ok"
    status, kind, body = await _get(base + "/readyz")
    assert status == 200, body
    assert kind.startswith("application/json") and json.loads(body) == {"ready": True}

    await app.dp["delivery"].engine.stop()
    status, _, body = await _get(base + "/readyz")
    assert status == 503
    assert json.loads(body) == {"ready": False, "failed": {"delivery_engine": "stopped"}}
    await app.dp["delivery"].engine.start()
    status, _, body = await _get(base + "/readyz")
    assert status == 200, body
    await app.stop()  # polling stops: no more getUpdates
    readiness = app.dp["readiness"]
    last = readiness.calls.last_poll
    assert last is not None and time.monotonic() - last < POLL_SILENCE
    # A minute of silence later (not waited for: the last call is dated back).
    readiness.calls.last_poll = last - POLL_SILENCE
    status, _, body = await _get(base + "/readyz")
    failed = json.loads(body)["failed"]
    assert status == 503 and "polling loop" in failed["updates"]
    await app.start()  # for the fixture's stop (the health server outlives the bot here)


async def test_readyz_names_a_database_that_does_not_answer(
    watched: tuple[RunningBot, str],
) -> None:
    app, base = watched
    readiness = app.dp["readiness"]
    good = readiness.db

    class Broken:
        dialect = good.dialect

        @property
        def lookup(self) -> Any:
            raise ConnectionError("gone")

    readiness.db = Broken()
    try:
        status, _, body = await _get(base + "/readyz")
    finally:
        readiness.db = good
    assert status == 503
    failed = json.loads(body)["failed"]
    assert failed["database"] == "unavailable: ConnectionError"
    assert failed["migrations"] == "unknown"
    readiness.expected_schema += 1  # the code knows a migration the database has not got
    try:
        status, _, body = await _get(base + "/readyz")
    finally:
        readiness.expected_schema -= 1
    assert status == 503 and json.loads(body)["failed"]["migrations"].startswith("pending")


def _env(telegram: FakeTelegram, db_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("METRICS")},
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.base_url,
        "DATABASE_PATH": str(db_path),
        "DATABASE_URL": store_url_for(db_path) or "",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


async def _until(check: Callable[[], Any], seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while True:
            try:
                if await check():
                    return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


async def test_the_bot_serves_them_on_metrics_port(
    telegram: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_env(telegram, db_path, METRICS_PORT=str(port)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        async def ready() -> bool:
            return (await _get(base + "/readyz"))[0] == 200

        await _until(ready)
        status, _, page = await _get(base + "/metrics")
        assert status == 200 and "pobratim_updates_received" in page
        assert (await _get(base + "/healthz"))[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()


async def test_a_busy_metrics_port_is_a_settings_error(
    telegram: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_env(telegram, db_path, METRICS_PORT=str(port)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2
    assert len(lines) == 1 and "METRICS_PORT" in lines[0] and "занят" in lines[0], lines
    assert telegram.get_updates_calls == 0  # it refused before polling


async def test_metrics_off_with_port_zero(telegram: FakeTelegram, db_path: Path) -> None:
    app = RunningBot(telegram, make_settings(telegram, db_path, metrics_port=0))
    await app.start()
    try:
        assert app.dp["metrics"] is None and app.dp["health"] is None
        assert app.db is not None and app.db.query_observer is None
    finally:
        await app.stop()


class _Capabilities(logging.Handler):
    """What capability the log lines of the error handler carry."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str | None] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(current_capability.get())


@pytest.mark.parametrize("port", [0, 9464])
async def test_the_error_handler_knows_the_capability_with_metrics_on_or_off(
    telegram: FakeTelegram, db_path: Path, port: int
) -> None:
    app = RunningBot(telegram, make_settings(telegram, db_path, metrics_port=port))
    await app.start()
    catcher = _Capabilities()
    errors = logging.getLogger("handlers.kit.errors")
    errors.addHandler(catcher)
    try:
        person = TgUser(app, 7301, first_name="Зоя")
        await onboard(person, name="Зоя Плантова")
        telegram.fail_next("sendMessage", error_code=500, chat_id=person.id)
        await person.send("/profile")
        assert "Что-то пошло не так" in person.last_text
    finally:
        errors.removeHandler(catcher)
        await app.stop()
    assert catcher.seen == ["people"]


async def test_job_gauges_come_from_the_database_after_a_restart(
    telegram: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    """The last backup is seen in /metrics after a restart, and in a process that did
    not run it: the gauges are read from the database, not only from this process."""
    settings = make_settings(
        telegram, db_path, metrics_port=free_port(), backup_dir=tmp_path / "backups"
    )
    app = RunningBot(telegram, settings)
    await app.start()
    outcomes = await app.dp["housekeeping"].run_nightly()
    assert all(outcome.ok for outcome in outcomes.values()), outcomes
    await app.stop()

    again = RunningBot(telegram, settings)  # a new process, as after a restart
    await again.start()
    health = again.dp["health"]
    await health.start(bind_metrics_socket("127.0.0.1", settings.metrics_port))
    try:
        _, _, page = await _get(f"http://127.0.0.1:{settings.metrics_port}/metrics")
    finally:
        await health.stop()
        await again.stop()
    backup = _value(page, "pobratim_last_successful_backup_timestamp_seconds")
    assert abs(backup - time.time()) < 600
    for job in ("retention", "upkeep", "backup"):
        assert _value(page, "pobratim_job_last_success", job=job) == 1
        assert _value(page, "pobratim_job_last_run_timestamp_seconds", job=job) > 0


async def test_a_handler_reply_retried_after_429_is_counted(
    watched: tuple[RunningBot, str],
) -> None:
    app, base = watched
    person = TgUser(app, 7302, first_name="Ян")
    await onboard(person, name="Ян Янов")
    app.telegram.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=person.id)
    await person.send("/help")
    assert "Что-то пошло не так" not in person.last_text
    _, _, page = await _get(base + "/metrics")
    assert _value(page, "pobratim_handler_call_retries_total", method="sendMessage") == 1
    assert _value(page, "pobratim_telegram_429_total") >= 1


async def test_in_webhook_mode_ready_once_the_webhook_is_set(
    telegram: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    port, hook_port = free_port(), free_port()
    env = _env(
        telegram,
        db_path,
        METRICS_PORT=str(port),
        WEBHOOK_URL="https://bot.example.org/tg/hook",
        WEBHOOK_SECRET="s3cr3t",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(hook_port),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        async def ready() -> bool:
            return (await _get(base + "/readyz"))[0] == 200

        await _until(ready)
        assert telegram.webhook is not None  # told to Telegram before it said ready
        assert telegram.get_updates_calls == 0  # no polling: the webhook takes updates
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
