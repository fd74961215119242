"""The lock a running bot holds on its SQLite file, so that nothing copies or replaces
the file under it (`migrate-to-postgres`) and no second bot polls and sends beside it.

An operating-system lock (`flock`) on `<database>.lock` beside the file: it dies with its
process, so a `kill -9` never leaves a stale lock behind. The file says who holds it
(pid, host, start time) for the message of whoever finds it taken.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path


class InstanceLocked(Exception):
    """Another process holds the database; the message names it (in Russian)."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _holder(path: Path) -> str:
    try:
        text = path.read_text("utf-8").strip()
    except OSError:
        return "другой процесс"
    return text or "другой процесс"


@contextlib.contextmanager
def hold(database: Path) -> Iterator[None]:
    """Hold the database's lock for the `with` block; `InstanceLocked` if taken."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InstanceLocked(
                f"база {database} занята: её держит {_holder(path)}. Остановите бота и повторите."
            ) from None
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} на {socket.gethostname()}, с {started}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
