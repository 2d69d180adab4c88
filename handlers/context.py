"""The typed callback context: handlers reach the services through `context.services`."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.flood import FloodWatch
from bot.services import Services
from bot.telegram_bot import CoachBot
from content import Library, library
from content.i18n import SOURCE
from handlers.board_edits import BoardEdits
from handlers.group_notices import GroupNotices
from handlers.language_cache import LanguageCache
from handlers.team_admins import AdminCache


class BotData:
    """Application-wide data: the services built in post_init."""

    def __init__(self) -> None:
        self.services: Services | None = None
        # Fed by the HTTP client's response hook; the reminders' pace holds on it.
        self.flood = FloodWatch()
        # When each group last got the "coaching is private" pointer (handlers/groups.py).
        self.group_notices = GroupNotices()
        # Team mode: each group's board edits and pacing, and who is an admin where.
        self.team_boards = BoardEdits()
        self.team_admins = AdminCache()
        # Who speaks which language (people by user id, teams by chat id), briefly remembered.
        self.languages = LanguageCache()
        # Renders missing exercise animations after start (bot/app.py); cancelled at shutdown.
        self.media_warmup: asyncio.Task[None] | None = None


class CoachContext(CallbackContext[CoachBot, dict[object, object], dict[object, object], BotData]):
    """CallbackContext with typed access to the services and the chat's language.

    language is set for each update before any handler runs (handlers/languages.py resolve):
    the person's in a private chat, the team's in a group. A job's context stays English;
    jobs take the language of what they send (a reminder's person, a team post's team).
    """

    language: str = SOURCE

    @property
    def library(self) -> Library:
        """Return the content in this update's language (texts, exercises, routines)."""
        return library(self.language)

    @property
    def services(self) -> Services:
        """Return the services; they exist from post_init until post_shutdown."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services used before post_init or after post_shutdown")
        return services


CoachApplication = Application[
    ExtBot[Any], CoachContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Any]
]
