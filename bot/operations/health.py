"""/healthz, /readyz and /metrics on METRICS_HOST:METRICS_PORT, never on the webhook's
public listener (it has no password: keep it on 127.0.0.1 or a private network).

- /healthz: the process is up and its event loop answers (200, `ok`).
- /readyz: 200 only when the database answers, its schema is the code's, the sending
  parts run where this process owns them (one process: always; several: the leader),
  and updates are coming in (long polling: a getUpdates call within the last minute;
  webhook: the server listens). Otherwise 503 with a short JSON body naming the check.
- /metrics: Prometheus's text format (bot/operations/metrics.py).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import web

from bot.core.config import ConfigError
from bot.core.listening import listening_socket
from bot.operations.metrics import Metrics
from storage.db import Database
from storage.migrate import load_migrations
from storage.operations import schema_version

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # each readiness check answers within this or fails
POLL_SILENCE = 60.0  # long polling asks every ~10 s; a minute of silence is a dead loop
GAUGES_EVERY = 10.0  # the database's gauges are read at most this often


class TelegramCalls(BaseRequestMiddleware):
    """A request middleware of the bot's session: when getUpdates last came back (the
    polling loop is alive) and each 429 with its `retry_after` (for /metrics)."""

    def __init__(self, metrics: Metrics | None) -> None:
        self._metrics = metrics
        self.last_poll: float | None = None

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Any,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            self.last_poll = time.monotonic()  # asking: the loop is alive
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:
            if self._metrics is not None:
                self._metrics.rate_limited(exc.retry_after)
            raise
        finally:
            if isinstance(method, GetUpdates):
                self.last_poll = time.monotonic()


@dataclass(slots=True)
class Readiness:
    """What /readyz checks; the runner fills in how updates arrive."""

    db: Database
    # The sending parts: None when this process does not own them (not the leader).
    sending_parts: Callable[[], dict[str, bool] | None]
    calls: TelegramCalls
    polling: bool = True
    webhook_listening: bool = False
    # Telegram accepted setWebhook (the first worker sets it; the others rely on it).
    webhook_set: bool = True
    expected_schema: int = 0
    _last: dict[str, str] = field(default_factory=dict)

    async def check(self) -> dict[str, str]:
        """Each check's name and `ok` or what is wrong (short, English, for machines)."""
        checks: dict[str, str] = {}
        try:
            version = await asyncio.wait_for(schema_version(self.db), CHECK_SECONDS)
        except TimeoutError:
            checks["database"] = f"no answer within {CHECK_SECONDS:g} s"
            checks["migrations"] = "unknown"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
            checks["migrations"] = "unknown"
        else:
            checks["database"] = "ok"
            if version < self.expected_schema:
                checks["migrations"] = f"pending: schema {version}, code {self.expected_schema}"
            elif version > self.expected_schema:
                checks["migrations"] = f"schema {version} is newer than the code"
            else:
                checks["migrations"] = "ok"
        parts = self.sending_parts()
        for name, running in (parts or {}).items():
            checks[name] = "ok" if running else "stopped"
        if self.polling:
            last = self.calls.last_poll
            silent = None if last is None else time.monotonic() - last
            checks["updates"] = (
                "ok"
                if silent is not None and silent < POLL_SILENCE
                else "polling loop is not asking Telegram for updates"
            )
        elif not self.webhook_listening:
            checks["updates"] = "webhook server is not up"
        elif not self.webhook_set:
            checks["updates"] = "the webhook is not set in Telegram"
        else:
            checks["updates"] = "ok"
        return checks


class HealthServer:
    def __init__(
        self,
        metrics: Metrics,
        readiness: Readiness,
        gauges: Callable[[], Awaitable[None]],
    ) -> None:
        self._metrics = metrics
        self._readiness = readiness
        self._gauges = gauges
        self._gauges_at = 0.0
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        return app

    async def start(self, sock: socket.socket) -> None:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _: web.Request) -> web.Response:
        checks = await self._readiness.check()
        failed = {name: why for name, why in checks.items() if why != "ok"}
        body = {"ready": not failed, "failed": failed} if failed else {"ready": True}
        return web.Response(
            text=json.dumps(body, ensure_ascii=False) + "\n",
            status=503 if failed else 200,
            content_type="application/json",
        )

    async def _metrics_page(self, _: web.Request) -> web.Response:
        if time.monotonic() - self._gauges_at >= GAUGES_EVERY:
            self._gauges_at = time.monotonic()
            try:
                await asyncio.wait_for(self._gauges(), CHECK_SECONDS)
            except Exception as exc:  # the counters are still worth showing
                logger.warning("Cannot read the database's gauges: %s", type(exc).__name__)
        body = self._metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


# prometheus_client.CONTENT_TYPE_LATEST, spelled out: aiohttp wants the charset apart.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def expected_schema(db: Database) -> int:
    return max(migration.version for migration in load_migrations(dialect=db.dialect))


def bind_metrics_socket(host: str, port: int) -> socket.socket:
    """The health server's socket; a busy or foreign port is a settings error (one line)."""
    where = f"{host}:{port}"
    try:
        return listening_socket(host, port, backlog=16)
    except socket.gaierror as exc:
        raise ConfigError(
            f"Ошибка настройки METRICS_HOST: адрес «{host}» не найден; оставьте 127.0.0.1"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"Ошибка настройки METRICS_PORT: порт {where} уже занят другой программой;"
                " выберите другой METRICS_PORT или выключите проверки: METRICS_PORT=0"
            ) from exc
        raise ConfigError(
            f"Ошибка настройки METRICS_HOST и METRICS_PORT: не удаётся открыть {where}"
            f" (код ошибки {exc.errno}); проверьте адрес и порт"
        ) from exc


def metrics_port_of_worker(port: int, worker: int) -> int:
    """Worker k of several listens on METRICS_PORT + k - 1; a single process on the port."""
    return port + max(worker, 1) - 1


REMINDERS_AHEAD = timedelta(hours=1)
