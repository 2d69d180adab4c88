"""Build the python-telegram-bot Application: defaults, rate limiter, services, handlers."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import cast

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.services import Services
from bot.services.clock import Clock, system_clock
from bot.services.people import PeopleService
from bot.services.reminders import ReminderService
from bot.services.routines import RoutineService
from bot.services.settings import SettingsService
from bot.services.stats import StatsService
from bot.update_processor import PerChatUpdateProcessor
from content import Library, library
from handlers import reminders as reminder_handlers
from handlers.context import BotData, CoachApplication, CoachContext

logger = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    clock: Clock = system_clock,
    content: Library | None = None,
    reminders: bool = True,
) -> CoachApplication:
    """Return a ready-to-start Application; the database opens in post_init.

    token and the URLs override the settings (the offline chat and tests point them at the
    loopback Bot API double). reminders=False leaves the reminder sweep to other processes.
    """
    secret = token or (
        settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    )
    if not secret:
        raise ValueError("a bot token is needed to build the application")
    context_types = ContextTypes(context=CoachContext, bot_data=BotData)
    builder = (
        ApplicationBuilder()
        .token(secret)
        .base_url(base_url or settings.telegram_base_url)
        .base_file_url(base_file_url or settings.telegram_base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # Keeps the bot under Telegram's flood limits and retries a 429 after retry_after.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .read_timeout(settings.telegram_timeout_seconds)
        .write_timeout(settings.telegram_timeout_seconds)
        .connect_timeout(settings.telegram_timeout_seconds)
        .pool_timeout(settings.telegram_timeout_seconds)
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrent_updates))
        .context_types(context_types)
        .post_init(
            partial(
                _post_init, settings=settings, clock=clock, content=content, reminders=reminders
            )
        )
        .post_shutdown(_post_shutdown)
    )
    # The builder's generic types cannot express our context types; the cast says them once.
    app = cast(CoachApplication, builder.build())
    handlers.register(app)
    return app


async def _post_init(
    app: CoachApplication,
    *,
    settings: Settings,
    clock: Clock,
    content: Library | None,
    reminders: bool,
) -> None:
    lib = content or library()
    engine = create_engine(settings.database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    people = PeopleService(sessions, clock, settings.default_timezone)
    app.bot_data.services = Services(
        engine=engine,
        library=lib,
        people=people,
        routines=RoutineService(sessions, lib, people, clock),
        settings=SettingsService(sessions, people, lib, clock),
        reminders=ReminderService(
            sessions, clock, grace=timedelta(minutes=settings.reminder_grace_minutes)
        ),
        stats=StatsService(sessions, people, clock),
    )
    if reminders:
        schedule_sweep(app, settings)
    await app.bot.set_my_commands(
        [BotCommand(command, description) for command, description in lib.texts.menu.items()]
    )
    logger.info("bot ready as @%s", app.bot.username)


def schedule_sweep(app: CoachApplication, settings: Settings) -> None:
    """Run the reminder sweep every few seconds (APScheduler, through PTB's JobQueue).

    The schedule itself lives in the database; this job only looks at it, so nothing is lost
    when the process stops, and any number of processes may sweep the same table.
    """
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    interval = settings.sweep_interval_seconds
    app.job_queue.run_repeating(
        reminder_handlers.sweep,
        interval=interval,
        first=interval,
        name="reminder-sweep",
        data=reminder_handlers.ReminderPace(settings.reminder_rate, interval),
        # One sweep at a time; a late one is dropped rather than run twice in a row.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


async def _post_shutdown(app: CoachApplication) -> None:
    services = app.bot_data.services
    if services is not None:
        await services.engine.dispose()
        app.bot_data.services = None
