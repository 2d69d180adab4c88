"""Telegram glue: register(app) adds every handler in the one order that matters."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    admin,
    buttons,
    checkup,
    commands,
    data_rights,
    errors,
    groups,
    languages,
    progress,
    reminders,
    settings,
    teams,
)
from handlers.context import CoachApplication

# Coaching is personal: every command works in the person's private chat only. In a group the
# same commands reach groups.private_only instead, which points to the private chat.
PRIVATE = filters.ChatType.PRIVATE
PRIVATE_COMMANDS = {
    "start": commands.start,
    "help": commands.help_command,
    "about": commands.about,
    "routine": commands.routine,
    "streak": progress.streak_command,
    "history": progress.history_command,
    "progress": progress.progress_command,
    "checkup": checkup.checkup_command,
    "export": data_rights.export_command,
    "delete": data_rights.delete_command,
    "stats": admin.stats_command,
    "settings": settings.settings_command,
    "timezone": settings.timezone_command,
    "remind": settings.remind_command,
    "pause": settings.pause_command,
    "resume": settings.resume_command,
    "leave": teams.leave_in_private,
    "language": languages.language_command,
}
# Team mode's commands in a group (handlers/teams.py); any other command there gets the
# pointer to the private chat.
GROUP_COMMANDS = {
    "team": teams.team_command,
    "board": teams.board_command,
    "leave": teams.leave_in_group,
}


def register(app: CoachApplication) -> None:
    """Add the handlers; PTB tries them in order and the first match in a group wins."""
    # Before everything (group -1): which language this update is answered in.
    app.add_handler(TypeHandler(Update, languages.resolve), group=-1)
    # Known commands first: they must win over the catch-alls below.
    for command, callback in PRIVATE_COMMANDS.items():
        app.add_handler(CommandHandler(command, callback, filters=PRIVATE))
    for command, callback in GROUP_COMMANDS.items():
        app.add_handler(CommandHandler(command, callback, filters=filters.ChatType.GROUPS))
    # A group turned into a supergroup: its team moves along.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, teams.on_migration))
    # Any other command in a group (ours or not, known or not): one pointer to the private chat.
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, groups.private_only))
    # Every button of every message the bot ever sent ends up here, old ones included; a
    # press in a group is refused there (buttons.on_button).
    app.add_handler(CallbackQueryHandler(buttons.on_button))
    # Blocking and unblocking the bot in the private chat: reminders stop and start again.
    # Membership changes in groups reach it too and change nobody's reminders.
    app.add_handler(ChatMemberHandler(reminders.on_member_change, ChatMemberHandler.MY_CHAT_MEMBER))
    # A shared location sets the time zone; before the catch-all, which would answer it.
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, settings.location))
    # Anything else that looks like a command: say it is unknown and what to do instead.
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, commands.unknown_command))
    # Last: any other message (text, stickers, locations, edits) gets the way forward.
    app.add_handler(MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, commands.unknown_text))
    app.add_error_handler(errors.on_error)
