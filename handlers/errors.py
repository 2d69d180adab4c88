"""The error handler: log the fault, answer the press, tell the person how to carry on."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError, TimedOut

from content import library
from handlers.common import is_telegram_fault
from handlers.context import CoachContext

logger = logging.getLogger(__name__)


async def on_error(update: object, context: CoachContext) -> None:
    """Log an unhandled handler error and leave the person with a way forward."""
    error = context.error
    # After a time-out the reply may well have arrived: an apology on top would be noise.
    apologise_in_chat = not isinstance(error, TimedOut)
    if is_telegram_fault(error):
        # Telegram failed on a call no handler guarded: not a bug here, and what a handler
        # saved stays saved; the next message or press shows the state again.
        logger.warning("Telegram call failed while handling an update: %r", error)
    else:
        logger.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update):
        return
    services = context.bot_data.services
    # The library is there even when the services are not (a fault during start-up).
    apology = (context.library if services else library()).texts.error_apology
    try:
        if update.callback_query is not None:
            # The query may already be answered; Telegram then refuses, which is fine.
            await update.callback_query.answer(apology[:200])
        elif update.effective_chat is not None and apologise_in_chat:
            await update.effective_chat.send_message(apology)
    except TelegramError as failure:
        logger.warning("could not tell the person about the error: %s", failure)
