"""The live board in a group: edits coalesced and spaced under Telegram's ~20 a minute.

A finish (or a join or leave) marks the day's board dirty in the database, then asks for an
edit here. Each group has a GroupEditPacer (bot/domain/board_pacing.py) in this process, which
also counts the other messages the bot sends there; each post's edits are also at least
BOARD_GAP apart across processes (a compare-and-set in the database, TeamService.board_edit).
One job per post at a time: a burst of finishes becomes one edit. The team sweep picks up
boards left dirty (a failed edit, another process, a restart).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application

import content
from content import Library
from handlers import team_screens
from handlers.board_edits import BoardEdits
from handlers.common import is_not_modified
from handlers.context import CoachContext
from handlers.sending import retry_seconds

logger = logging.getLogger(__name__)

# After a fault, try the edit again this much later.
RETRY_SECONDS = 5.0


async def refresh(context: CoachContext, posts: Iterable[tuple[int, int]]) -> None:
    """Ask for an edit of each of these boards (post id, chat id), coalesced and paced."""
    for post_id, chat_id in posts:
        schedule(context.application, post_id, chat_id)


def schedule(
    app: Application,  # type: ignore[type-arg]
    post_id: int,
    chat_id: int,
    delay: float | None = None,
) -> None:
    """Run one edit job for the post when the group's pacer allows it (none if one waits)."""
    edits: BoardEdits = app.bot_data.team_boards
    if post_id in edits.pending or app.job_queue is None:
        return
    edits.pending.add(post_id)
    when = edits.wait(chat_id) if delay is None else max(delay, edits.wait(chat_id))
    app.job_queue.run_once(_flush, when=when, data=(post_id, chat_id), name=f"board-{post_id}")


async def _flush(context: CoachContext) -> None:
    """Edit one board as the database has it now (the job schedule() makes)."""
    job = context.job
    assert job is not None and isinstance(job.data, tuple)
    post_id, chat_id = job.data
    app = context.application
    edits: BoardEdits = context.bot_data.team_boards
    edits.pending.discard(post_id)
    wait = edits.wait(chat_id)
    if wait > 0:
        schedule(app, post_id, chat_id, wait)
        return
    services = context.services
    edit = await services.teams.board_edit(post_id)
    if edit is None:
        # Not dirty any more (another edit showed it), or edited within the gap: try then.
        due_in = await services.teams.next_board_edit(post_id)
        if due_in is not None:
            schedule(app, post_id, chat_id, due_in)
        return
    edits.record(chat_id)
    # A job: the language is the team's, not an update's.
    library = content.library(edit.board.team.language)
    screen = team_screens.daily_post(library, edit.board, context.bot.username)
    try:
        await context.bot.edit_message_text(
            screen.text, edit.chat_id, edit.message_id, reply_markup=screen.keyboard
        )
    except ChatMigrated as error:
        # The message stays in the old group, where nothing can be edited any more.
        await services.teams.migrated(edit.chat_id, error.new_chat_id)
        return
    except Forbidden:
        await services.teams.bot_left(edit.chat_id)
        return
    except RetryAfter as error:
        await services.teams.board_failed(post_id)
        schedule(app, post_id, chat_id, retry_seconds(error))
        return
    except BadRequest as error:
        if not is_not_modified(error):
            # The message was deleted in the group, most likely: nothing to edit.
            logger.info("board of post %s not edited: %s", post_id, error.message)
    except NetworkError as error:
        logger.warning("board of post %s not edited: %r", post_id, error)
        await services.teams.board_failed(post_id)
        schedule(app, post_id, chat_id, RETRY_SECONDS)
        return
    for days in edit.milestones:
        # Within the group's limit too (it was recorded before the send: never twice).
        await asyncio.sleep(edits.wait(edit.chat_id))
        await _celebrate(context, library, edit.chat_id, days)


async def _celebrate(context: CoachContext, library: Library, chat_id: int, days: int) -> None:
    """Post a team milestone once (it was recorded before the send: never twice)."""
    edits: BoardEdits = context.bot_data.team_boards
    edits.record(chat_id)
    screen = team_screens.milestone(library, days)
    try:
        await context.bot.send_message(chat_id, screen.text)
    except (BadRequest, Forbidden, NetworkError, RetryAfter) as error:
        logger.info("team milestone %s not posted in chat %s: %r", days, chat_id, error)
