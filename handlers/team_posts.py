"""The team sweep: each team's daily break post (and weekly summary), sent once per day.

It shares the reminders' pace (their share of Telegram's 30 a second), and while it runs it
also picks up boards left waiting for an edit and deletes the teams of groups the bot left
30 days ago.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.services import Services
from bot.services.teams import TeamClaim
from handlers import team_boards, team_screens
from handlers.context import CoachContext
from handlers.reminders import ReminderPace

logger = logging.getLogger(__name__)


async def team_sweep(context: CoachContext) -> None:
    """Claim due team posts and send them; then the boards and the clean-up (APScheduler job)."""
    job = context.job
    assert job is not None and isinstance(job.data, ReminderPace)
    pace = job.data
    services = context.services
    while pace.running():
        claims = await services.teams.claim_due(pace.batch)
        await send_team_claims(context.bot, services, pace, claims, context.application)
        if len(claims) < pace.batch:
            break
    for post_id, chat_id in await services.teams.dirty_boards():
        team_boards.schedule(context.application, post_id, chat_id)
    await services.teams.clean_up()


async def send_team_due(
    bot: Bot,
    services: Services,
    pace: ReminderPace,
    app: Application | None = None,  # type: ignore[type-arg]
) -> int:
    """Claim one batch of due team posts and send each; return how many were claimed."""
    claims = await services.teams.claim_due(pace.batch)
    await send_team_claims(bot, services, pace, claims, app)
    return len(claims)


async def send_team_claims(
    bot: Bot,
    services: Services,
    pace: ReminderPace,
    claims: list[TeamClaim],
    app: Application | None = None,  # type: ignore[type-arg]
) -> None:
    """Send claimed posts; a group's summary before its day's post (claims come in order)."""
    if not claims:
        return
    logger.info("team sweep claimed %d post(s)", len(claims))
    by_chat: dict[int, list[TeamClaim]] = {}
    for claim in claims:
        by_chat.setdefault(claim.chat_id, []).append(claim)

    async def one_group(group: list[TeamClaim]) -> None:
        for claim in group:
            await _send(bot, services, pace, claim, app)

    await asyncio.gather(*(one_group(group) for group in by_chat.values()))


async def _send(
    bot: Bot,
    services: Services,
    pace: ReminderPace,
    claim: TeamClaim,
    app: Application | None,  # type: ignore[type-arg]
) -> None:
    teams = services.teams
    library = services.library
    if claim.summary is not None:
        screen = team_screens.weekly(library, claim.summary)
    else:
        assert claim.board is not None
        screen = team_screens.daily_post(library, claim.board, bot.username)
    async with pace.limiter:
        if not pace.running():
            return
        await teams.mark_sending(claim.post_id)
        if app is not None:
            app.bot_data.team_boards.record(claim.chat_id)
        try:
            await pace.gate.wait()
            message = await bot.send_message(
                claim.chat_id, screen.text, reply_markup=screen.keyboard
            )
        except ChatMigrated as error:
            # Nothing was sent: move the team and send it again at once, to the supergroup.
            await teams.migrated(claim.chat_id, error.new_chat_id)
            await teams.release(claim.post_id, timedelta(0))
            outcome = "moved"
        except Forbidden:
            logger.info("team %s: the bot is out of its group; team paused", claim.team_id)
            await teams.mark_removed(claim.post_id, claim.chat_id)
            outcome = "blocked"
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await teams.release(claim.post_id, timedelta(seconds=max(1.0, seconds)))
            outcome = "released"
        except TimedOut as error:
            await teams.mark_unknown(claim.post_id, f"timed out: {error}")
            outcome = "unknown"
        except BadRequest as error:
            await teams.mark_failed(claim.post_id, error.message)
            outcome = "failed"
        except NetworkError as error:
            await teams.mark_unknown(claim.post_id, f"network: {error}")
            outcome = "unknown"
        else:
            await teams.mark_sent(claim.post_id, message.message_id)
            outcome = "sent"
        services.metrics.team_posts.labels(status=outcome).inc()
