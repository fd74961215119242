"""Backups of a PostgreSQL database with `pg_dump`, and restoring one with `pg_restore`.

`pg_dump --format=custom` reads the database in one snapshot while the bot goes on
writing, and the file restores with `pg_restore` (README, "Running at scale"). The dump
is written next to its final name with mode 0600 (it holds personal data) and renamed
into place only when `pg_dump` succeeded, so a file with the backup's name is whole.

A password in the URL is not put on the programs' command line, which any local user
can read (`ps`, `/proc/PID/cmdline`); they get it as `PGPASSWORD` in their environment,
which only the same user (and root) can read.

These functions block; the bot runs them in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from bot.operations.backup import PREFIX, BackupError, BackupResult, rotate

DUMP_SUFFIX = ".dump"
DUMP_TIMEOUT = 3600  # seconds: a dump of the designed scale takes well under a minute


def dump_name(moment: datetime) -> str:
    """`pobratim-20261121-100000.dump` (UTC): names sort by time."""
    return f"{PREFIX}{moment.astimezone(UTC):%Y%m%d-%H%M%S}{DUMP_SUFFIX}"


@dataclass(frozen=True, slots=True)
class LibpqTarget:
    """What `pg_dump` and `pg_restore` are given for the bot's database."""

    dbname: str  # the URL for `--dbname`, without a password
    schema: str | None  # the first schema of `?search_path=`
    password: str | None  # for the child's environment (PGPASSWORD)

    def env(self) -> dict[str, str] | None:
        """The child's environment: ours, with the password (None: ours as it is)."""
        if not self.password:
            return None
        return {**os.environ, "PGPASSWORD": self.password}


def libpq_target(url: str) -> LibpqTarget:
    """The URL as `pg_dump` takes it, the schema named by `?search_path=` (asyncpg passes
    any query parameter to the server as a setting; libpq knows only its own), and the
    password taken out of it (`user:password@` or `?password=`).

    The other query parameters stay, with the values asyncpg reads from them (it decodes
    `+` as a space, libpq does not: they are written again as `%20`).
    """
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    user, colon, secret = userinfo.partition(":")
    # asyncpg takes the password of `user:password@` before one in the query.
    password = unquote(secret) if colon else None
    netloc = f"{user}@{hosts}" if at and user else hosts
    schema = None
    kept = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "search_path":
            schema = value.split(",")[0].strip() or None
        elif name == "password":
            password = password or value
        else:
            kept.append((name, value))
    query = urlencode(kept, quote_via=quote)
    plain = urlunsplit(("postgresql", netloc, parts.path, query, ""))
    return LibpqTarget(plain, schema, password or None)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"не найдена программа {name}: установите клиент PostgreSQL"
            " (в Debian и Ubuntu: sudo apt install postgresql-client)"
        )
    return found


def _run(command: list[str], env: dict[str, str] | None) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=DUMP_TIMEOUT, check=False, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{Path(command[0]).name} не закончил за {DUMP_TIMEOUT} с") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["без сообщения"])[-1]
        # The program's own (English) message: the operator needs it to find the cause.
        raise BackupError(f"{Path(command[0]).name} завершился с ошибкой: {last}")


def dump_database(url: str, target: Path) -> BackupResult:
    """`pg_dump --format=custom` of the bot's database (its schema only, if named)."""
    if target.exists():
        raise BackupError(f"файл {target} уже есть: выберите другое имя")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created empty with 0600 first, so the dump is never readable by others.
    partial.touch(mode=0o600)
    libpq = libpq_target(url)
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"]
    if libpq.schema:
        command.append(f"--schema={libpq.schema}")
    try:
        _run([*command, f"--dbname={libpq.dbname}"], libpq.env())
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size)


def dump_to(url: str, path: Path, *, now: datetime) -> BackupResult:
    """`python -m bot backup PATH` on PostgreSQL: a file, or a folder for a dated file."""
    target = path / dump_name(now) if path.is_dir() else path
    return dump_database(url, target)


def daily_dump(url: str, folder: Path, *, keep: int, now: datetime) -> BackupResult:
    """The nightly dump under a dated name; then only the newest `keep` backups stay."""
    result = dump_database(url, folder / dump_name(now))
    rotate(folder, keep)
    return result


def restore_dump(dump: Path, url: str) -> None:
    """`pg_restore --clean --if-exists` of a dump into the bot's database (bot stopped):
    the tables are replaced by the dump's, in one transaction."""
    if not dump.is_file():
        raise BackupError(f"файл {dump} не найден")
    libpq = libpq_target(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={libpq.dbname}",
            str(dump),
        ],
        libpq.env(),
    )
