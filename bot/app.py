"""Build the python-telegram-bot Application: defaults, rate limiter, services, handlers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from datetime import timedelta
from functools import partial
from typing import cast

import httpx
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest

import handlers
from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.unit_of_work import units
from bot.flood import FloodWatch, retry_after_of
from bot.media.catalog import MediaCatalog
from bot.metrics import Metrics
from bot.rate_limit import FairRateLimiter
from bot.services import Services
from bot.services.checkup import CheckupService
from bot.services.clock import Clock, system_clock
from bot.services.coach import CoachService
from bot.services.data_rights import DataRightsService
from bot.services.media import MediaService
from bot.services.operations import OperationsService
from bot.services.paid_broadcast import PaidBroadcastBudget
from bot.services.people import PeopleService
from bot.services.reminders import ReminderService
from bot.services.routines import RoutineService
from bot.services.settings import SettingsService
from bot.services.stats import StatsService
from bot.services.teams import TeamService
from bot.telegram_bot import CoachBot
from bot.telegram_request import SplitPoolRequest
from bot.update_processor import PerChatUpdateProcessor
from content import Library, library
from content.i18n import LANGUAGES, SOURCE, telegram_language_code
from handlers import reminders as reminder_handlers
from handlers import team_posts
from handlers.context import BotData, CoachApplication, CoachContext
from handlers.paid_lane import PAID_RATE, PaidLane

logger = logging.getLogger(__name__)
# The bot's connections to Telegram, in this many pools (see SplitPoolRequest).
POOL_PARTS = 4


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    clock: Clock = system_clock,
    content: Library | None = None,
    reminders: bool = True,
    role: str = "all",
) -> CoachApplication:
    """Return a ready-to-start Application; the database opens in post_init.

    token and the URLs override the settings (the offline chat and tests point them at the
    loopback Bot API double). reminders=False leaves the reminder sweep to other processes;
    role names this process among the workers ("all", "updates" or "reminders").
    """
    secret = token or (
        settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    )
    if not secret:
        raise ValueError("a bot token is needed to build the application")
    context_types = ContextTypes(context=CoachContext, bot_data=BotData)
    metrics = Metrics()
    timeout = settings.telegram_timeout_seconds

    flood = FloodWatch()

    async def count_response(response: httpx.Response) -> None:
        metrics.telegram.labels(status=str(response.status_code)).inc()
        if response.status_code == 429:
            await response.aread()
            flood.saw(retry_after_of(response.content))

    # PTB's own HTTP client (in a few pools), with a response hook that counts statuses (429s)
    # for /metrics and tells the reminders' pace when Telegram asks the bot to wait.
    request = SplitPoolRequest(
        POOL_PARTS,
        connection_pool_size=max(8, settings.concurrent_updates),
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
        httpx_kwargs={"event_hooks": {"response": [count_response]}},
    )
    bot = CoachBot(
        secret,
        base_url=base_url or settings.telegram_base_url,
        base_file_url=base_file_url or settings.telegram_base_file_url,
        request=request,
        # Long polling holds one connection of its own, as PTB's builder sets it up.
        get_updates_request=HTTPXRequest(
            connection_pool_size=1,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
        ),
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        # Keeps the bot under Telegram's flood limits and retries a 429 after retry_after.
        # Each private chat paced too, so one chat cannot spend everybody's share (FairRateLimiter).
        rate_limiter=FairRateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3),
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(MeasuredUpdateProcessor(settings.concurrent_updates, metrics))
        .context_types(context_types)
        .post_init(
            partial(
                _post_init,
                settings=settings,
                clock=clock,
                content=content,
                reminders=reminders,
                role=role,
                metrics=metrics,
            )
        )
        .post_shutdown(_post_shutdown)
    )
    # The builder's generic types cannot express our context types; the cast says them once.
    app = cast(CoachApplication, builder.build())
    app.bot_data.flood = flood
    handlers.register(app)
    return app


async def _post_init(
    app: CoachApplication,
    *,
    settings: Settings,
    clock: Clock,
    content: Library | None,
    reminders: bool,
    role: str,
    metrics: Metrics,
) -> None:
    lib = content or library()
    engine = create_engine(settings.database_url)
    await migrate.upgrade(engine)
    uow = units(create_sessionmaker(engine))
    people = PeopleService(uow, clock, settings.default_timezone)
    routines = RoutineService(uow, lib, people, clock)
    stars = settings.paid_broadcast_stars_per_day
    paid_budget = PaidBroadcastBudget(uow, clock, stars) if stars else None
    reminder_service = ReminderService(
        uow,
        clock,
        grace=timedelta(minutes=settings.reminder_grace_minutes),
        # Early start reckons with the rate the crowd will go at: the paid lane's too.
        rate=settings.reminder_rate + (PAID_RATE if paid_budget else 0.0),
        max_early=timedelta(seconds=settings.reminder_early_max_seconds),
    )
    app.bot_data.services = Services(
        engine=engine,
        library=lib,
        people=people,
        routines=routines,
        coach=CoachService(uow, lib, people, routines, clock),
        settings=SettingsService(uow, people, lib, clock),
        reminders=reminder_service,
        stats=StatsService(uow, people, clock),
        checkup=CheckupService(uow, lib, clock),
        data_rights=DataRightsService(uow),
        operations=OperationsService(uow, clock),
        metrics=metrics,
        media=MediaService(uow, clock),
        catalog=MediaCatalog(lib, settings.media_dir),
        teams=TeamService(
            uow,
            people,
            clock,
            settings.default_timezone,
            grace=timedelta(minutes=settings.reminder_grace_minutes),
            worker=reminder_service.worker,
            routines=frozenset(lib.routines),
        ),
        admin_ids=settings.admin_ids,
        paid_budget=paid_budget,
    )
    services = app.bot_data.services
    # Render what is missing in the background (worker threads); a step that needs an
    # animation before then renders it on the spot.
    # English, and the other languages people here read.
    languages = list(dict.fromkeys([SOURCE, *await people.languages_in_use()]))
    app.bot_data.media_warmup = asyncio.create_task(
        _warm(services.catalog, languages), name="render-media"
    )
    if reminders:
        # Announce this sender before its first sweep, so the others shrink their share.
        await services.operations.heartbeat(services.reminders.worker, role)
        schedule_sweep(app, settings, role)
    await _introduce(app, lib)
    logger.info("bot ready as @%s", app.bot.username)


async def _introduce(app: CoachApplication, english: Library) -> None:
    """Register the command menus and the bot's descriptions, in every language.

    The personal commands in private chats, the team's in groups. English is the default
    (no language_code): Telegram shows it to everyone whose app is in a language we lack.
    """
    calls = []
    for language in LANGUAGES:
        lib = english if language == SOURCE else library(language)
        code = "" if language == SOURCE else telegram_language_code(language)
        texts = lib.texts
        calls += [
            app.bot.set_my_commands(
                [BotCommand(command, text) for command, text in texts.menu.items()],
                scope=BotCommandScopeAllPrivateChats(),
                language_code=code or None,
            ),
            app.bot.set_my_commands(
                [BotCommand(command, text) for command, text in texts.group_menu.items()],
                scope=BotCommandScopeAllGroupChats(),
                language_code=code or None,
            ),
            app.bot.set_my_description(texts.bot_description, language_code=code or None),
            app.bot.set_my_short_description(
                texts.bot_short_description, language_code=code or None
            ),
        ]
    await asyncio.gather(*calls)


async def _warm(catalog: MediaCatalog, languages: list[str]) -> None:
    try:
        rendered = await catalog.warm(languages)
    except Exception:  # a broken render must not stop the bot: steps fall back to text
        logger.exception("rendering the exercise animations failed")
        return
    if rendered:
        logger.info("rendered %s exercise pictures into %s", rendered, catalog.directory)


def schedule_sweep(app: CoachApplication, settings: Settings, role: str = "all") -> None:
    """Run the reminder sweep every few seconds (APScheduler, through PTB's JobQueue).

    The schedule itself lives in the database; this job only looks at it, so nothing is lost
    when the process stops, and any number of processes may sweep the same table.
    """
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    interval = settings.sweep_interval_seconds
    # One pace for both sweeps: team posts and reminders share the reminders' rate.
    services = app.bot_data.services
    budget = services.paid_budget if services is not None else None
    pace = reminder_handlers.ReminderPace(
        settings.reminder_rate,
        interval,
        role,
        flood=app.bot_data.flood,
        running=lambda: app.running,
        paid=PaidLane(budget, app.bot_data.flood) if budget is not None else None,
    )
    # One sweep at a time; a late one is dropped rather than run twice in a row.
    once = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    app.job_queue.run_repeating(
        reminder_handlers.sweep,
        interval=interval,
        first=interval,
        name="reminder-sweep",
        data=pace,
        job_kwargs=once,
    )
    app.job_queue.run_repeating(
        team_posts.team_sweep,
        interval=interval,
        first=interval,
        name="team-sweep",
        data=pace,
        job_kwargs=once,
    )


async def _post_shutdown(app: CoachApplication) -> None:
    warmup, app.bot_data.media_warmup = app.bot_data.media_warmup, None
    if warmup is not None:
        # A render in its worker thread finishes on its own; its file is written atomically.
        warmup.cancel()
    services = app.bot_data.services
    if services is not None:
        # The sweep has stopped (JobQueue stops before this): hand back what it claimed but
        # never sent, and leave the workers, so the other processes take over at once.
        await services.reminders.release_mine()
        await services.teams.release_mine()
        await services.operations.leave(services.reminders.worker)
        await services.engine.dispose()
        app.bot_data.services = None


class MeasuredUpdateProcessor(PerChatUpdateProcessor):
    """The per-chat processor, counting updates and timing their handling for /metrics."""

    def __init__(self, max_concurrent_updates: int, metrics: Metrics) -> None:
        super().__init__(max_concurrent_updates)
        self._metrics = metrics

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Handle the update under its chat's lock and record how long it took."""
        kind = "other"
        if isinstance(update, Update):
            kind = next((k for k in UPDATE_KINDS if getattr(update, k, None)), "other")
        started = time.perf_counter()
        try:
            await super().do_process_update(update, coroutine)
        finally:
            self._metrics.latency.observe(time.perf_counter() - started)
            self._metrics.updates.labels(kind=kind).inc()


UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member")
