"""Running the bot: long polling or a webhook server, and a clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from storage.db import Database
from storage.migrate import apply_migrations

logger = logging.getLogger(__name__)


async def open_database(settings: Settings) -> Database:
    """Open the database and bring its schema up to date (raises on a changed migration)."""
    db = await Database.open(settings.database_path)
    try:
        async with db.transaction_free() as conn:
            await apply_migrations(conn)
    except BaseException:
        await db.close()
        raise
    return db


async def run_bot(settings: Settings) -> None:
    db = await open_database(settings)
    bot = create_bot(settings)
    try:
        dp = create_dispatcher(settings, db, bot)
        if settings.webhook_url:
            await _run_webhook(settings, dp, bot)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(
                bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=True
            )
    finally:
        await bot.session.close()
        await db.close()
        logger.info("Stopped")


def build_webhook_app(settings: Settings, dp: Dispatcher, bot: Bot) -> web.Application:
    """aiohttp app that accepts updates only with the right secret token header."""
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    app = web.Application()
    path = urlsplit(settings.webhook_url).path or "/"
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)
    setup_application(app, dp, bot=bot)

    async def set_webhook(_: web.Application) -> None:
        await bot.set_webhook(
            settings.webhook_url,  # type: ignore[arg-type]
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
        )

    app.on_startup.append(set_webhook)
    return app


async def _run_webhook(settings: Settings, dp: Dispatcher, bot: Bot) -> None:
    app = build_webhook_app(settings, dp, bot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    logger.info("Webhook server on %s:%s", settings.webhook_host, settings.webhook_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
