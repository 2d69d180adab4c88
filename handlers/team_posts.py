"""The team sweep: each team's daily break post (and weekly summary), sent once per day.

It shares the reminders' pace (their share of Telegram's 30 a second), and while it runs it
also picks up boards left waiting for an edit and deletes the teams of groups the bot left
30 days ago.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

import content
from bot.services import Services
from bot.services.teams import TeamClaim
from bot.telegram_bot import CoachBot
from handlers import team_boards, team_screens
from handlers.context import CoachContext
from handlers.reminders import ReminderPace
from handlers.sending import send_recorded

logger = logging.getLogger(__name__)


async def team_sweep(context: CoachContext) -> None:
    """Claim due team posts and send them; then the boards and the clean-up (APScheduler job)."""
    job = context.job
    assert job is not None and isinstance(job.data, ReminderPace)
    pace = job.data
    services = context.services
    app = context.application
    # Boards first: a long fan-out below must not keep them waiting (edits have their jobs).
    for post_id, chat_id in await services.teams.dirty_boards():
        team_boards.schedule(app, post_id, chat_id)
    await services.teams.clean_up()
    # As the reminders' sweep: the next batch is claimed while one is being sent (at most two
    # batches ahead of the sends), and the run ends with a claim that comes back short.
    in_flight: list[asyncio.Future[None]] = []
    try:
        claims = await services.teams.claim_due(pace.batch)
        while claims and pace.running():
            sending = send_team_claims(context.bot, services, pace, claims, app)
            in_flight.append(asyncio.ensure_future(sending))
            if len(claims) < pace.batch:
                break
            if len(in_flight) > 1:
                await in_flight.pop(0)
            claims = await services.teams.claim_due(pace.batch)
    finally:
        await asyncio.gather(*in_flight)


async def send_team_due(
    bot: CoachBot,
    services: Services,
    pace: ReminderPace,
    app: Application | None = None,  # type: ignore[type-arg]
) -> int:
    """Claim one batch of due team posts and send each; return how many were claimed."""
    claims = await services.teams.claim_due(pace.batch)
    await send_team_claims(bot, services, pace, claims, app)
    return len(claims)


async def send_team_claims(
    bot: CoachBot,
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
    bot: CoachBot,
    services: Services,
    pace: ReminderPace,
    claim: TeamClaim,
    app: Application | None,  # type: ignore[type-arg]
) -> None:
    teams = services.teams
    library = content.library(claim.language)
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
        await pace.gate.wait()

        async def closed() -> None:
            logger.info("team %s: the bot is out of its group; team paused", claim.team_id)
            await teams.mark_removed(claim.post_id, claim.chat_id)

        async def moved(new_chat_id: int) -> None:
            # Nothing was sent: the team moves, and the post goes again, to the supergroup.
            await teams.migrated(claim.chat_id, new_chat_id)

        outcome = await send_recorded(
            lambda: bot.send_message_unread(claim.chat_id, screen.text, screen.keyboard),
            teams,
            claim.post_id,
            closed=closed,
            moved=moved,
        )
        services.metrics.team_posts.labels(status=outcome).inc()
