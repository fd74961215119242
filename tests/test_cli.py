"""`python -m bot` as an operator runs it: settings errors, subcommands, signals."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "WEBHOOK_", "TIMEZONE", "LOG_")
        )
    }
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "db" / "bot.sqlite3"))
    env.update(values)
    return env


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # cwd is tmp_path, so the developer's own .env is not read.
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_subcommands(tmp_path: Path) -> None:
    result = _run(tmp_path, "--help")
    assert result.returncode == 0
    for name in ("run", "migrate", "grant", "revoke", "import", "demo", "backup", "restore"):
        assert name in result.stdout


def test_missing_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "word"),
    [
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://example.org/hook"}, "WEBHOOK_SECRET"),
    ],
)
def test_bad_settings_exit_2(tmp_path: Path, env: dict[str, str], word: str) -> None:
    result = _run(tmp_path, "migrate", **env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert word in result.stderr and "Traceback" not in result.stderr


def test_unreadable_database_path_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run(tmp_path, "migrate", BOT_TOKEN=TOKEN, DATABASE_PATH=str(blocker / "x.sqlite3"))
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr and "Traceback" not in result.stderr


def test_migrate_and_grant_from_the_shell(tmp_path: Path) -> None:
    result = _run(tmp_path, "migrate", BOT_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    # No Bot API is reachable here: the grant is stored, the menu waits for the next start.
    result = _run(
        tmp_path, "grant", "4242", BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:9"
    )
    assert result.returncode == 0, result.stderr
    assert "4242" in result.stdout and "организатор" in result.stdout
    with sqlite3.connect(tmp_path / "db" / "bot.sqlite3") as conn:
        row = conn.execute(
            "SELECT is_organiser, full_name FROM people WHERE tg_id = 4242"
        ).fetchone()
    assert row == (1, None)
    result = _run(
        tmp_path, "revoke", "4242", BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:9"
    )
    assert result.returncode == 0 and "больше не организатор" in result.stdout


async def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_env(tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(30):
            while telegram.get_updates_calls == 0:
                assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        started = loop.time()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        assert loop.time() - started < 5
        assert b"Traceback" not in stderr
        assert telegram.commands_for(scope="default")  # it did start up properly
    finally:
        await telegram.stop()


def test_every_setting_is_documented() -> None:
    from bot.config import Settings

    example = (ROOT / ".env.example").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name
        assert f"| `{name.upper()}` |" in readme, name
    example_settings = Settings(_env_file=ROOT / ".env.example", bot_token=TOKEN)  # type: ignore[call-arg]
    assert example_settings.backup_dir is None and example_settings.backup_keep == 7
    assert example_settings.data_retention_days == 365
