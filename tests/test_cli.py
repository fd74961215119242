"""`python -m bot` as an operator runs it: settings errors, subcommands, signals."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SECRET = {"WEBHOOK_SECRET": "s3cret-token"}


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


# What argparse says in English when left to itself.
ARGPARSE_ENGLISH = re.compile(
    r"usage:|positional arguments|optional arguments|options:|show this help|invalid choice"
    r"|choose from|required|unrecognized|expected|invalid \w+ value|argument",
    re.IGNORECASE,
)


def _subcommands() -> list[str]:
    from bot.__main__ import COMMANDS

    return list(COMMANDS)


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` in this process (argument parsing ends before any settings)."""
    from bot.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_help_is_russian(tmp_path: Path) -> None:
    result = _run(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Использование: python -m bot")
    assert "показать эту справку и выйти" in result.stdout and "команды:" in result.stdout
    assert not ARGPARSE_ENGLISH.search(result.stdout), result.stdout


@pytest.mark.parametrize("command", _subcommands())
def test_help_of_every_subcommand_is_russian(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, _ = _main(capsys, command, "--help")
    assert code == 0
    assert out.startswith(f"Использование: python -m bot {command}")
    assert not ARGPARSE_ENGLISH.search(out), out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["frobnicate"], "нет команды «frobnicate», есть: run, migrate"),
        (["grant"], "не хватает аргументов: ID"),
        (["grant", "abc"], "ID: «abc» — не целое число"),
        (["migrate", "extra"], "лишние аргументы: extra"),
        (["--verbose"], "лишние аргументы: --verbose"),
        (["report", "--from"], "после --from нужно значение"),
    ],
)
def test_argument_errors_are_one_russian_line(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, _, err = _main(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Неверные аргументы: ") and expected in lines[0], lines[0]
    assert "--help" in lines[0] and not ARGPARSE_ENGLISH.search(lines[0]), lines[0]


def test_a_bad_subcommand_from_the_shell_exits_2(tmp_path: Path) -> None:
    result = _run(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert result.stderr.startswith("Неверные аргументы: нет команды «frobnicate»")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_argparse_message_not_known_is_not_shown_in_english() -> None:
    from bot.cli.args import in_russian

    assert in_russian("argument --x: some future complaint") == "не удалось разобрать"


MAKE = shutil.which("make")


def _fake_python(path: Path, version: str) -> None:
    """An interpreter that only says which version it is (all the Makefile asks it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)


def _make(folder: Path, *args: str, pythons: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`make ARGS` on a copy of the Makefile, with only the given interpreters on PATH."""
    for name in ("Makefile", "pyproject.toml"):
        if not (folder / name).exists():
            (folder / name).write_bytes((ROOT / name).read_bytes())
    for name, version in pythons.items():
        _fake_python(folder / "fakebin" / name, version)
    (folder / "fakebin").mkdir(exist_ok=True)
    env = {"PATH": str(folder / "fakebin"), "HOME": str(folder), "LANG": "C.UTF-8"}
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_without_python_3_11_says_which_to_install(tmp_path: Path) -> None:
    pythons = {"python3": "3.10", "python3.9": "3.9"}
    result = _make(tmp_path, "run", "PYTHON=python3.9", pythons=pythons)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert (
        "Нужен Python 3.11 или новее, найден: python3.9 (3.9) python3 (3.10)."
        " Установите Python 3.11+ (например, sudo apt install python3.11 python3.11-venv"
        " или с python.org) и укажите его: make run PYTHON=/путь/к/python3.11"
    ) in lines[0]
    assert not (tmp_path / ".venv").exists()
    assert _make(tmp_path, "-n", "clean", pythons=pythons).returncode == 0


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("pythons", "given", "chosen"),
    [
        ({"python3": "3.10", "python3.12": "3.12", "python3.11": "3.11"}, "", "python3.12"),
        ({"python3": "3.13"}, "", "python3"),
        ({"python3": "3.10", "python3.11": "3.11", "mypy3": "3.12"}, "mypy3", "mypy3"),
        ({"python3": "3.11", "old": "3.9"}, "old", "python3"),  # PYTHON too old: the next
    ],
)
def test_make_picks_a_new_enough_python(
    tmp_path: Path, pythons: dict[str, str], given: str, chosen: str
) -> None:
    args = ["-n", "run", *([f"PYTHON={given}"] if given else [])]
    result = _make(tmp_path, *args, pythons=pythons)
    assert result.returncode == 0, result.stderr
    assert f"\n{chosen} -m venv .venv" in result.stdout, result.stdout


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_rebuilds_a_venv_made_with_an_old_python(tmp_path: Path) -> None:
    pythons = {"python3": "3.10", "python3.12": "3.12"}
    # `make run` was first tried with Python 3.10: a .venv of 3.10, its stamps newer than
    # pyproject.toml.
    _make(tmp_path, "-n", pythons=pythons)
    _fake_python(tmp_path / ".venv" / "bin" / "python", "3.10")
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    for stamp in (".installed-run", ".installed-dev"):
        (tmp_path / ".venv" / stamp).touch()
        os.utime(tmp_path / ".venv" / stamp, (later, later))
    result = _make(tmp_path, "-n", "run", pythons=pythons)
    assert result.returncode == 0, result.stderr
    assert "rm -rf .venv\n" in result.stdout and "\npython3.12 -m venv .venv" in result.stdout
    assert "pip install --quiet -e ." in result.stdout  # the stamps are made again too
    result = _make(tmp_path, "-n", "test", pythons=pythons)
    assert "pip install --quiet -e '.[dev]'" in result.stdout

    # A good .venv stays as it is.
    _fake_python(tmp_path / ".venv" / "bin" / "python", "3.12")
    result = _make(tmp_path, "-n", "run", pythons=pythons)
    assert result.returncode == 0, result.stderr
    assert "-m venv" not in result.stdout and "pip install" not in result.stdout
    assert ".venv/bin/python -m bot run" in result.stdout


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
        (
            {"BOT_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "en"},
            "DEFAULT_LANGUAGE: допустимые значения: ru или be",
        ),
        ({"BOT_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, "LOG_LEVEL: допустимые значения: DEBUG, INFO"),
        (
            {"BOT_TOKEN": TOKEN, "WEBHOOK_PORT": "http"},
            "WEBHOOK_PORT: нужно целое число от 1 до 65535",
        ),
        ({"BOT_TOKEN": TOKEN, "SEND_RATE": "fast"}, "SEND_RATE: нужно число больше 0"),
        ({"BOT_TOKEN": TOKEN, "ALLOW_PAID_BROADCAST": "maybe"}, "нужно true или false"),
        ({"BOT_TOKEN": TOKEN, "EVENT_REMINDERS": "soon"}, "EVENT_REMINDERS: не понимаю «soon»"),
        # The public Bot API posts webhooks only to https, and only to four ports.
        (
            {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "http://example.org/hook", **SECRET},
            "WEBHOOK_URL: Telegram отправляет вебхуки только на адреса https://",
        ),
        (
            {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://example.org:8080/hook", **SECRET},
            "WEBHOOK_URL: Telegram отправляет вебхуки только на порты 443, 80, 88 и 8443",
        ),
    ],
)
def test_bad_settings_exit_2(tmp_path: Path, env: dict[str, str], word: str) -> None:
    result = _run(tmp_path, "migrate", **env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert word in result.stderr and "Traceback" not in result.stderr
    # Russian: no pydantic wording ("Input should be 'ru' or 'be'"), no quoted choices.
    assert not re.search(r"Input|should|valid|' or '|\bor\b", result.stderr), result.stderr


def test_env_file_not_in_utf8_is_one_russian_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(f"BOT_TOKEN={TOKEN}\n# Настройки бота\n".encode("cp1251"))
    result = _run(tmp_path, "migrate")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Файл .env не в кодировке UTF-8: сохраните его как UTF-8"
        " (в Блокноте: «Сохранить как», кодировка UTF-8)"
    )


def test_a_self_hosted_bot_api_takes_an_http_webhook(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "migrate",
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:8081",
        WEBHOOK_URL="http://bot.internal:8080/hook",
        **SECRET,
    )
    assert result.returncode == 0, result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _webhook_run(tmp_path: Path, **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_env(tmp_path, BOT_TOKEN=TOKEN, LOG_LEVEL="ERROR", WEBHOOK_HOST="127.0.0.1", **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(30):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_webhook_port_in_use_is_a_settings_error(tmp_path: Path) -> None:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        code, stderr = await _webhook_run(
            tmp_path,
            TELEGRAM_API_URL=telegram.base_url,
            WEBHOOK_URL="https://bot.example.org/hook",
            WEBHOOK_PORT=str(port),
            **SECRET,
        )
    finally:
        taken.close()
        await telegram.stop()
    assert code == 2, stderr
    assert stderr.strip() == (
        f"Ошибка настройки WEBHOOK_PORT: порт 127.0.0.1:{port} уже занят другой программой"
        " (может быть, бот уже запущен); остановите её или выберите другой WEBHOOK_PORT"
    )
    assert telegram.webhook is None  # Telegram was not pointed at a server that never came up


async def test_webhook_address_telegram_refuses_is_a_settings_error(tmp_path: Path) -> None:
    # The fake answers setWebhook as the public Bot API does: an http address is refused.
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    try:
        code, stderr = await _webhook_run(
            tmp_path,
            TELEGRAM_API_URL=telegram.base_url,
            WEBHOOK_URL="http://bot.example.org/hook",
            WEBHOOK_PORT=str(_free_port()),
            **SECRET,
        )
    finally:
        await telegram.stop()
    assert code == 2, stderr
    assert stderr.strip() == (
        "Ошибка настройки WEBHOOK_URL: Telegram не принял адрес: нужен адрес https://"
    )


def _bad_database(tmp_path: Path, kind: str) -> Path:
    if kind == "file for a folder":
        (tmp_path / "file").write_text("not a folder")
        return tmp_path / "file" / "x.sqlite3"
    if kind == "folder":
        (tmp_path / "d.sqlite3").mkdir()
        return tmp_path / "d.sqlite3"
    (tmp_path / "n.sqlite3").write_text("не база " * 200)
    return tmp_path / "n.sqlite3"


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("file for a folder", "на месте папки лежит файл"),
        ("folder", "на месте файла лежит папка"),
        ("not sqlite", "файл — не база данных SQLite или повреждён"),
    ],
)
def test_unreadable_database_path_exits_2(tmp_path: Path, kind: str, why: str) -> None:
    path = _bad_database(tmp_path, kind)
    result = _run(tmp_path, "migrate", BOT_TOKEN=TOKEN, DATABASE_PATH=str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Не удаётся открыть базу данных {path}: {why}. Проверьте DATABASE_PATH и права на папку."
    )


def test_restore_of_a_file_that_is_no_database_is_one_russian_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("не база " * 200)
    result = _run(tmp_path, "restore", str(junk), BOT_TOKEN=TOKEN)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"База не восстановлена: {junk} — не база данных SQLite или файл повреждён"
    )


def test_sqlite_errors_are_said_in_russian() -> None:
    from bot.operations.backup import sqlite_problem

    locked = sqlite3.OperationalError("database is locked")
    assert sqlite_problem(locked).startswith("база занята другой программой")
    assert sqlite_problem(sqlite3.OperationalError("database or disk is full")) == (
        "на диске не хватает места"
    )
    assert sqlite_problem(sqlite3.OperationalError("something new")) == (
        "ошибка SQLite (OperationalError)"
    )


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
    from bot.core.config import Settings

    example = (ROOT / ".env.example").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name
        assert f"| `{name.upper()}` |" in readme, name
    example_settings = Settings(_env_file=ROOT / ".env.example", bot_token=TOKEN)  # type: ignore[call-arg]
    assert example_settings.backup_dir is None and example_settings.backup_keep == 7
    assert example_settings.data_retention_days == 365
