"""Telegram glue: register(app) adds every handler in the one order that matters."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import commands, errors, routine
from handlers.context import CoachApplication


def register(app: CoachApplication) -> None:
    """Add the handlers; PTB tries them in order and the first match in a group wins."""
    # Known commands first: they must win over the catch-alls below.
    app.add_handler(CommandHandler("start", commands.start))
    app.add_handler(CommandHandler("help", commands.help_command))
    app.add_handler(CommandHandler("about", commands.about))
    app.add_handler(CommandHandler("routine", commands.routine))
    # Every button of every message the bot ever sent ends up here, old ones included.
    app.add_handler(CallbackQueryHandler(routine.on_button))
    # Anything else that looks like a command: say it is unknown and what to do instead.
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    # Last: any other message (text, stickers, locations, edits) gets the way forward.
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, commands.unknown_text)
    )
    app.add_error_handler(errors.on_error)
