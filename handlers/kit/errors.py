"""The error handler: log with the update id, apologise, keep running."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.core.errors import PASSING_ERRORS
from bot.core.i18n import Translations, Translator
from bot.core.roles import Person
from handlers.kit.keyboards import start_keyboard, way_on_keyboard
from handlers.kit.middlewares import press_answered

logger = logging.getLogger(__name__)


async def on_error(
    event: ErrorEvent,
    bot: Bot,
    translations: Translations,
    t: Translator | None = None,
    person: Person | None = None,
) -> bool:
    update = event.update
    passing = isinstance(event.exception, PASSING_ERRORS)
    if passing:
        # Not a bug: the database or Redis went away for a moment, or this transaction
        # lost to another. Nothing was written; the person is asked to do it again.
        logger.warning(
            "Update %s not handled, a store was unavailable: %s: %s",
            update.update_id,
            type(event.exception).__name__,
            event.exception,
        )
    else:
        # Only the type of the error and the update id: never texts, names or phones.
        logger.error(
            "Error while handling update %s: %s",
            update.update_id,
            type(event.exception).__name__,
            exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
            extra={"update_type": update.event_type},
        )
    source = update.message or update.callback_query or update.edited_message
    from_user = getattr(source, "from_user", None)
    if from_user is None:
        return True
    if update.callback_query is not None and not press_answered():
        # It failed before PressAnswers could answer the press: stop the button spinning.
        try:
            await bot.answer_callback_query(update.callback_query.id)
        except TelegramAPIError as exc:
            logger.warning("Cannot answer the press: %s", type(exc).__name__)
    t = t or translations.get(from_user.language_code)
    # The menu for members; someone not yet acquainted is offered that instead.
    known = person is not None and person.is_onboarded
    markup = way_on_keyboard(t) if known else start_keyboard(t)
    try:
        await bot.send_message(
            from_user.id,
            t("error-try-again" if passing else "error-generic"),
            reply_markup=markup,
        )
    except TelegramAPIError as exc:
        logger.warning("Cannot tell the person about the error: %s", type(exc).__name__)
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
