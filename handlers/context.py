"""The typed callback context: handlers reach the services through `context.services`."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.flood import FloodWatch
from bot.services import Services
from handlers.board_edits import BoardEdits
from handlers.group_notices import GroupNotices
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
        # Renders missing exercise animations after start (bot/app.py); cancelled at shutdown.
        self.media_warmup: asyncio.Task[None] | None = None


class CoachContext(
    CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotData]
):
    """CallbackContext with typed access to the services."""

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
