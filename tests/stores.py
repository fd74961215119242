"""Which database servers the tests can use, for `make test`.

`python -m tests.stores postgres` prints the server's URL (for `make test`'s second run)
and exits 0 when one answers on 127.0.0.1:5432 (or at TEST_POSTGRES_URL); otherwise it
prints one line saying what is skipped and exits 1, or, with REQUIRE_POSTGRES=1 (CI),
exits 2. `python -m tests.stores redis` does the same for Redis on 127.0.0.1:6379 (or
TEST_REDIS_URL; REQUIRE_REDIS=1).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

DEFAULT_POSTGRES = "postgresql://root@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
_RUN_SCHEMA = re.compile(r"^t(\d+)_[0-9a-f]+$")


def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES)


async def postgres_answers(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return str(exc) or type(exc).__name__
    await conn.close()
    return None


async def drop_test_schemas(url: str, prefix: str) -> None:
    """Drop this run's schemas, and those left by runs whose process is gone."""
    conn = await asyncpg.connect(url.split("?", maxsplit=1)[0], timeout=5)
    try:
        names = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't%\\_%'")
        for (name,) in names:
            match = _RUN_SCHEMA.match(name)
            if match is None:
                continue
            if not name.startswith(prefix) and _alive(int(match[1])):
                continue
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _where(url: str) -> str:
    return url.rsplit("@", maxsplit=1)[-1].split("?", maxsplit=1)[0]


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)


async def redis_answers(url: str) -> str | None:
    """None when Redis answers PING, else why not."""
    client = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        await client.ping()
    except (OSError, RedisError) as exc:
        return str(exc) or type(exc).__name__
    finally:
        await client.aclose()
    return None


def _redis(url: str) -> int:
    why = asyncio.run(redis_answers(url))
    if why is None:
        sys.stdout.write(url + "\n")
        return 0
    if os.environ.get("REQUIRE_REDIS") == "1":
        sys.stderr.write(f"Redis обязателен (REQUIRE_REDIS=1), но {url} не отвечает: {why}\n")
        return 2
    sys.stderr.write(
        f"Пропущено: тесты нескольких воркеров (Redis): {url} не отвечает;"
        " остальное проверено на SQLite и PostgreSQL.\n"
    )
    return 1


def main(argv: list[str]) -> int:
    if argv[1:] == ["redis"]:
        return _redis(redis_url())
    if argv[1:] != ["postgres"]:
        sys.stderr.write("usage: python -m tests.stores postgres|redis\n")
        return 2
    url = postgres_url()
    why = asyncio.run(postgres_answers(url))
    if why is None:
        sys.stdout.write(url + "\n")
        return 0
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        sys.stderr.write(
            f"PostgreSQL обязателен (REQUIRE_POSTGRES=1), но {_where(url)} не отвечает: {why}\n"
        )
        return 2
    sys.stderr.write(
        f"Пропущено: набор тестов на PostgreSQL и с несколькими воркерами: {_where(url)}"
        " не отвечает; всё проверено на SQLite.\n"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
