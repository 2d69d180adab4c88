"""Telegram glue: register(app) adds every handler in the one order that matters."""

from __future__ import annotations

from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import admin, buttons, commands, data_rights, errors, progress, reminders, settings
from handlers.context import CoachApplication


def register(app: CoachApplication) -> None:
    """Add the handlers; PTB tries them in order and the first match in a group wins."""
    # Known commands first: they must win over the catch-alls below.
    app.add_handler(CommandHandler("start", commands.start))
    app.add_handler(CommandHandler("help", commands.help_command))
    app.add_handler(CommandHandler("about", commands.about))
    app.add_handler(CommandHandler("routine", commands.routine))
    app.add_handler(CommandHandler("streak", progress.streak_command))
    app.add_handler(CommandHandler("history", progress.history_command))
    app.add_handler(CommandHandler("progress", progress.progress_command))
    app.add_handler(CommandHandler("export", data_rights.export_command))
    app.add_handler(CommandHandler("delete", data_rights.delete_command))
    app.add_handler(CommandHandler("stats", admin.stats_command))
    app.add_handler(CommandHandler("settings", settings.settings_command))
    app.add_handler(CommandHandler("timezone", settings.timezone_command))
    app.add_handler(CommandHandler("remind", settings.remind_command))
    app.add_handler(CommandHandler("pause", settings.pause_command))
    app.add_handler(CommandHandler("resume", settings.resume_command))
    # Every button of every message the bot ever sent ends up here, old ones included.
    app.add_handler(CallbackQueryHandler(buttons.on_button))
    # Blocking and unblocking the bot: reminders stop and start again.
    app.add_handler(ChatMemberHandler(reminders.on_member_change, ChatMemberHandler.MY_CHAT_MEMBER))
    # A shared location sets the time zone; before the catch-all, which would answer it.
    app.add_handler(MessageHandler(filters.LOCATION, settings.location))
    # Anything else that looks like a command: say it is unknown and what to do instead.
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    # Last: any other message (text, stickers, locations, edits) gets the way forward.
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, commands.unknown_text)
    )
    app.add_error_handler(errors.on_error)
