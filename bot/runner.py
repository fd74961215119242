"""Running the bot: long polling or a webhook server, and a clean shutdown."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bot.app import SHUTDOWN_GRACE_SECONDS, create_bot, create_dispatcher
from bot.core.config import ConfigError, Settings
from bot.core.listening import listening_socket
from bot.operations.health import HealthServer, bind_metrics_socket, metrics_port_of_worker
from bot.operations.instance_lock import hold
from bot.operations.workers import SOCKET_FD, WorkerPool, inherited_socket, worker_number
from bot.webhook import WebhookHandler
from storage.db import Database
from storage.migrate import migrate

logger = logging.getLogger(__name__)

WEBHOOK_HANDLER = web.AppKey("webhook_handler", WebhookHandler)


def inherited_socket_fd() -> str | None:
    return os.environ.get(SOCKET_FD)


async def open_database(settings: Settings) -> Database:
    """Open the database and bring its schema up to date (raises on a changed migration)."""
    db = await Database.open(settings.store_url)
    try:
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db


async def run_bot(settings: Settings) -> int:
    """Run until stopped; the exit code (2: a worker found a settings error)."""
    if settings.workers > 1 and inherited_socket_fd() is None:
        return await _run_workers(settings)
    if settings.sqlite_file is None:
        await _run_bot(settings)
        return 0
    # While the bot runs, its SQLite file is its own: no second bot beside it, and no
    # copy to PostgreSQL of a file still being written.
    with hold(settings.sqlite_file):
        await _run_bot(settings)
    return 0


async def _run_workers(settings: Settings) -> int:
    """The parent of WORKERS webhook workers (bot/operations/workers.py)."""
    # Migrations once, before any worker starts (each would also wait for the others at
    # the migrations' advisory lock and find nothing to do).
    db = await open_database(settings)
    await db.close()
    if settings.metrics_port:
        # Each worker binds its own port; a busy one is found here, before any starts.
        for number in range(1, settings.workers + 1):
            port = metrics_port_of_worker(settings.metrics_port, number)
            bind_metrics_socket(settings.metrics_host, port).close()
    sock = bind_webhook_socket(settings.webhook_host, settings.webhook_port)
    try:
        return await WorkerPool(sock, settings.workers).run()
    finally:
        sock.close()


async def _run_bot(settings: Settings) -> None:
    # The health server's port first: a busy one is a settings error before anything starts.
    metrics_sock = None
    if settings.metrics_port:
        port = metrics_port_of_worker(settings.metrics_port, worker_number())
        metrics_sock = bind_metrics_socket(settings.metrics_host, port)
    try:
        db = await open_database(settings)
    except BaseException:
        if metrics_sock is not None:
            metrics_sock.close()
        raise
    bot = create_bot(settings)
    health: HealthServer | None = None
    try:
        dp = create_dispatcher(settings, db, bot)
        health = dp["health"]
        if health is not None and metrics_sock is not None:
            await health.start(metrics_sock)
            logger.info("Health and metrics on %s:%s", settings.metrics_host, port)
        if settings.webhook_url:
            dp["readiness"].polling = False
            await _run_webhook(settings, dp, bot)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(
                bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=True
            )
    finally:
        if health is not None:
            await health.stop()
        if metrics_sock is not None:
            metrics_sock.close()
        await bot.session.close()
        await db.close()
        logger.info("Stopped")


def build_webhook_app(
    settings: Settings, dp: Dispatcher, bot: Bot, *, set_webhook: bool = True
) -> web.Application:
    """aiohttp app that accepts updates only with the right secret token header."""
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    app = web.Application()
    path = urlsplit(settings.webhook_url).path or "/"
    handler = WebhookHandler(
        dp, bot, secret=secret, answer_presses=settings.webhook_answer_in_response
    )
    handler.register(app, path)
    app[WEBHOOK_HANDLER] = handler
    setup_application(app, dp, bot=bot)

    async def close_session(_: web.Application) -> None:
        await bot.session.close()

    app.on_shutdown.append(close_session)  # after the dispatcher's shutdown, which may send

    async def tell_telegram(_: web.Application) -> None:
        dp["readiness"].webhook_set = False
        await bot.set_webhook(
            # Checked at start-up: webhook mode is only entered with a URL set.
            settings.webhook_url,  # type: ignore[arg-type]
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
        )
        dp["readiness"].webhook_set = True

    if set_webhook:
        app.on_startup.append(tell_telegram)
    return app


def bind_webhook_socket(host: str, port: int) -> socket.socket:
    """The webhook server's listening socket, bound before Telegram is told the address:
    a port another program holds is a settings error (one line), not a traceback after
    setWebhook. The server then serves on this very socket, so nothing can take the port
    in between."""
    where = f"{host}:{port}"
    try:
        return listening_socket(host, port, backlog=128)
    except socket.gaierror as exc:
        raise ConfigError(
            f"Ошибка настройки WEBHOOK_HOST: адрес «{host}» не найден; оставьте 0.0.0.0"
            " (все адреса машины) или укажите её IP-адрес"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"Ошибка настройки WEBHOOK_PORT: порт {where} уже занят другой программой"
                " (может быть, бот уже запущен); остановите её или выберите другой WEBHOOK_PORT"
            ) from exc
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"Ошибка настройки WEBHOOK_PORT: нет прав слушать порт {where} (порты до 1024"
                " требуют прав администратора); выберите порт выше 1024, например 8080"
            ) from exc
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ConfigError(
                f"Ошибка настройки WEBHOOK_HOST: адрес «{host}» не принадлежит этой машине;"
                " оставьте 0.0.0.0 или укажите её IP-адрес"
            ) from exc
        raise ConfigError(
            f"Ошибка настройки WEBHOOK_HOST и WEBHOOK_PORT: не удаётся открыть {where}"
            f" (код ошибки {exc.errno}); проверьте адрес и порт"
        ) from exc


# Telegram's answers to setWebhook a person can act on (its texts are English).
_WEBHOOK_REFUSALS = (
    ("https url must be provided", "нужен адрес https://"),
    ("failed to resolve host", "имя сервера не найдено в DNS, проверьте адрес"),
    (
        "ports currently supported",
        "Telegram отправляет вебхуки только на порты 443, 80, 88 и 8443",
    ),
    ("only on ports", "Telegram отправляет вебхуки только на порты 443, 80, 88 и 8443"),
    ("reserved", "это адрес внутренней сети, Telegram до него не достучится"),
)


def _webhook_refused(exc: TelegramBadRequest) -> ConfigError:
    answer = exc.message.lower()
    for words, meaning in _WEBHOOK_REFUSALS:
        if words in answer:
            return ConfigError(
                f"Ошибка настройки WEBHOOK_URL: Telegram не принял адрес: {meaning}"
            )
    return ConfigError(
        "Ошибка настройки WEBHOOK_URL: Telegram не принял адрес вебхука; проверьте, что он"
        f" доступен из интернета по https (ответ Telegram: «{exc.message}»)"
    )


async def _run_webhook(settings: Settings, dp: Dispatcher, bot: Bot) -> None:
    # A worker serves on the socket its parent bound; a single process binds its own.
    sock = inherited_socket() or bind_webhook_socket(settings.webhook_host, settings.webhook_port)
    # Of several workers, the first tells Telegram the address (the others would repeat it).
    app = build_webhook_app(settings, dp, bot, set_webhook=worker_number() <= 1)
    runner = web.AppRunner(app)
    try:
        try:
            await runner.setup()  # start-up: tells Telegram the address (setWebhook)
        except TelegramBadRequest as exc:
            raise _webhook_refused(exc) from exc
        site = web.SockSite(runner, sock)
        await site.start()
        dp["readiness"].webhook_listening = True
        logger.info("Webhook server on %s:%s", settings.webhook_host, settings.webhook_port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        # No new updates (Telegram sends them again later, to a worker that runs); the
        # updates in flight finish while the forms' store is still open (the cleanup
        # below closes it before the shutdown handlers run).
        dp["readiness"].webhook_listening = False
        handler = app[WEBHOOK_HANDLER]
        handler.stop_accepting()
        await site.stop()
        deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
        await handler.drain(SHUTDOWN_GRACE_SECONDS)
        await dp["tracker"].wait_idle(max(deadline - loop.time(), 0.1))
    finally:
        await runner.cleanup()
        sock.close()
