"""/stats for the operator; anyone else gets the normal help."""

from __future__ import annotations

from telegram import Update

from handlers import commands
from handlers.common import reply
from handlers.context import CoachContext
from handlers.render import Screen


async def stats_command(update: Update, context: CoachContext) -> None:
    """Show the operator's figures to admins; show help to everyone else."""
    user = update.effective_user
    if user is None or user.id not in context.services.admin_ids:
        await commands.help_command(update, context)
        return
    stats = await context.services.operations.stats()
    deliveries = ", ".join(f"{status} {n}" for status, n in sorted(stats.deliveries_day.items()))
    text = context.library.texts.admin_stats.format(
        people=stats.people,
        blocked=stats.blocked,
        active=stats.active_week,
        today=stats.routines_today,
        deliveries=deliveries or "none",
    )
    await reply(update, Screen(text))
