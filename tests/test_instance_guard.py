"""Two `python -m bot` on one SQLite file: the second refuses with one line naming the
first; `status`, `backup` and `migrate --check` work beside a running bot; after a
`kill -9` the lock is gone with its process and the bot starts again.

The lock belongs to the SQLite store: these bots use a file whichever pass the suite
runs in (on PostgreSQL one sender is chosen by the leader's lock, tests/test_workers.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram
from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
WAIT = 30


def _env(telegram: FakeTelegram, db_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.base_url,
        "DATABASE_PATH": str(db_path),
        "DATABASE_URL": "",  # a SQLite file in either pass
        "PYTHONPATH": str(ROOT),
        "METRICS_PORT": str(free_port()),
    }


async def _start(telegram: FakeTelegram, db_path: Path, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=_env(telegram, db_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _command(
    telegram: FakeTelegram, db_path: Path, cwd: Path, *args: str
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=_env(telegram, db_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode() + err.decode()


async def _until_polling(telegram: FakeTelegram, proc: asyncio.subprocess.Process) -> None:
    polls = telegram.get_updates_calls
    async with asyncio.timeout(WAIT):
        while telegram.get_updates_calls <= polls:
            assert proc.returncode is None, await proc.stderr.read()  # type: ignore[union-attr]
            await asyncio.sleep(0.05)


async def test_a_second_bot_on_the_same_file_refuses_and_kill_leaves_no_lock(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    first = await _start(telegram, db_path, tmp_path)
    try:
        await _until_polling(telegram, first)
        second = await _start(telegram, db_path, tmp_path)
        _, err = await asyncio.wait_for(second.communicate(), WAIT)
        lines = err.decode().strip().splitlines()
        assert second.returncode == 2
        assert len(lines) == 1, lines
        assert f"pid {first.pid}" in lines[0] and "занята" in lines[0]

        # The operator's commands never wait for the lock nor refuse because of it.
        code, said = await _command(telegram, db_path, tmp_path, "migrate", "--check")
        assert code == 0, said
        code, said = await _command(telegram, db_path, tmp_path, "status")
        assert code in (0, 1) and "занята" not in said, said
        (tmp_path / "copies").mkdir()
        code, said = await _command(
            telegram, db_path, tmp_path, "backup", str(tmp_path / "copies")
        )
        assert code == 0, said

        first.send_signal(signal.SIGKILL)
        await first.wait()
        # No stale lock: the operating system dropped it with the process.
        again = await _start(telegram, db_path, tmp_path)
        try:
            await _until_polling(telegram, again)
        finally:
            again.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(again.communicate(), WAIT)
        assert again.returncode == 0, err.decode()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
