"""TELEGRAM_API_LOCAL: a self-hosted Bot API server started with --local hands out files
as paths in its own folder, which the bot reads instead of downloading them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.app import create_bot
from bot.core.config import Settings, describe_error
from bot.importer.files import MAX_FILE_BYTES
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram
from tests.import_data import TABLES, count_rows, good_file, send_file

ROOT = Path(__file__).resolve().parent.parent
EMPTY = dict.fromkeys(TABLES, 0)
REFUSAL = "Ошибка настройки TELEGRAM_API_LOCAL: режим --local бывает только у своего сервера"


@pytest.fixture
def local_dir(tmp_path: Path) -> Path:
    return tmp_path.resolve() / "telegram-bot-api"


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path, local_dir: Path) -> Settings:
    telegram.local_dir = local_dir  # the fake answers as a server started with --local
    return make_settings(telegram, db_path, telegram_api_local=True)


def test_local_mode_with_the_public_api_is_refused(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "WEBHOOK_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_LOCAL="true",
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    result = subprocess.run(  # cwd: tmp_path, so no developer's .env is read
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(REFUSAL), result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()


def test_local_mode_needs_a_server_of_ones_own() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            telegram_api_url="https://api.telegram.org/",
            telegram_api_local=True,
        )
    assert describe_error(refused.value).startswith(REFUSAL)
    own = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        telegram_api_url="http://bot-api:8081",
        telegram_api_local=True,
    )
    assert own.telegram_api_local


async def test_the_session_talks_to_a_local_server(settings: Settings) -> None:
    bot = create_bot(settings)
    try:
        assert bot.session.api.is_local
        assert bot.session.api.api_url(TOKEN, "getMe").startswith(settings.telegram_api_url)
    finally:
        await bot.session.close()
    public = create_bot(settings.model_copy(update={"telegram_api_local": False}))
    try:
        assert not public.session.api.is_local
    finally:
        await public.session.close()


async def test_an_import_is_read_from_the_servers_folder(
    app: RunningBot, admin: TgUser, local_dir: Path
) -> None:
    assert app.db is not None
    await send_file(admin, "plan.yaml", good_file().encode())
    assert "Файл «plan.yaml» загружен" in admin.last_text
    # getFile gave an absolute path in the server's folder, and the bot read it there:
    # nothing was downloaded over HTTP.
    (asked,) = app.telegram.calls_of("getFile")
    path = Path(asked.result["file_path"])
    assert path.is_absolute() and path.is_relative_to(local_dir)
    assert await asyncio.to_thread(path.read_bytes) == good_file().encode()
    assert app.telegram.downloads == []
    assert (await count_rows(app.db))["trips"] == 1


async def test_a_file_over_5_mb_is_refused_before_anything_is_read(
    app: RunningBot, admin: TgUser
) -> None:
    """A local server takes files up to 2 GB; the import's limit is still checked from
    the size Telegram gives, before the file is asked for."""
    assert app.db is not None
    await send_file(admin, "huge.yaml", b"#" * (MAX_FILE_BYTES + 1))
    assert "Файл «huge.yaml» слишком большой: 5,0 МБ" in admin.last_text
    assert "до 5 МБ" in admin.last_text
    assert app.telegram.calls_of("getFile") == []
    assert app.telegram.downloads == []
    assert await count_rows(app.db) == EMPTY


async def test_a_document_without_its_size_is_measured_by_get_file(
    app: RunningBot, admin: TgUser, local_dir: Path
) -> None:
    """Telegram may leave a document's size out: getFile's size decides, and the file
    is not read."""
    assert app.db is not None
    update = admin.updates.document("huge.yaml", b"#" * (MAX_FILE_BYTES + 1), server=app.telegram)
    del update["message"]["document"]["file_size"]
    await app.process(update)
    assert "Файл «huge.yaml» слишком большой: 5,0 МБ" in admin.last_text
    assert len(app.telegram.calls_of("getFile")) == 1
    assert app.telegram.downloads == []
    assert await count_rows(app.db) == EMPTY


async def test_a_server_folder_that_is_not_mounted_is_explained(
    app: RunningBot, admin: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    """The paths a local server hands out lead nowhere when its folder is not mounted on
    the bot's machine: the organiser is told it is not their file's fault, the operator
    gets one ERROR line, and nothing is imported."""
    assert app.db is not None
    app.telegram.local_dir_mounted = False
    await send_file(admin, "plan.yaml", good_file().encode())
    assert "Не получилось прочитать присланный файл на сервере бота" in admin.last_text
    assert "Что-то пошло не так" not in admin.last_text
    assert any(
        "local Bot API server's file cannot be read" in r.message
        for r in caplog.records
        if r.levelname == "ERROR"
    )
    assert await count_rows(app.db) == EMPTY
