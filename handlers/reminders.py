"""The Telegram side of reminders: the sweep job that sends, and the reminder's buttons."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiolimiter import AsyncLimiter
from telegram import CallbackQuery, ChatMember, Update
from telegram.constants import ChatType

import content
from bot.flood import FloodWatch
from bot.services import Services
from bot.services.hip import HipPrompt
from bot.services.reminders import Claim, HipVerdict, SnoozeVerdict
from bot.telegram_bot import CoachBot
from handlers import settings_screens as screens
from handlers import stats_screens, teams
from handlers.callback_data import HipAnswer, NotToday, RestDay, Snooze
from handlers.common import answer, edit, person_ref
from handlers.context import CoachContext
from handlers.paid_lane import PaidLane
from handlers.render import fill
from handlers.screen import Screen
from handlers.send_grid import SendGrid
from handlers.sending import NOT_SENT, send_recorded

logger = logging.getLogger(__name__)


class ReminderPace:
    """How fast this process may send reminders: their share of Telegram's 30 per second.

    The rest of the budget stays free for answers to people who are using the bot right now.
    With several sending processes the share is split between those alive (see `share`).
    With a paid lane (PAID_BROADCAST_STARS_PER_DAY), sends beyond the free rate go paid.
    """

    def __init__(
        self,
        per_second: float,
        interval: float,
        role: str = "all",
        *,
        flood: FloodWatch | None = None,
        running: Callable[[], bool] = lambda: True,
        paid: PaidLane | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = per_second
        self.flood = flood or FloodWatch()
        self.paid = paid
        # False once the application is stopping: no more claims, and claims not yet handed to
        # Telegram stay claimed, for post_shutdown to give back, instead of holding up the stop
        # (PTB's JobQueue waits for a running sweep) until a backlog is sent.
        self.running = running
        self.interval = interval
        self.role = role
        self.senders = 0
        # Reminders a second this process reached in its latest backlog, measured as it goes
        # (None until it had one): the early start plans with it (see `expected_total`).
        self.achieved: float | None = None
        self._clock = clock
        self._sent = 0
        self._mark: float | None = None  # when this sweep's first batch was sent
        self.share(1)

    def share(self, senders: int) -> None:
        """Split the reminders' rate between this many live sending processes."""
        if senders == self.senders:
            return
        self.senders = senders
        rate = self.total / senders
        paid_rate = 0.0
        if self.paid is not None:
            self.paid.share(senders)
            paid_rate = self.paid.total / senders
        # Reminders are marked as being sent at most about a second ahead of their send, so
        # the sends keep flowing while a claim holds the database (SQLite: the write lock).
        self.limiter = AsyncLimiter(rate + paid_rate, 1)
        # The send itself waits for its slot on an even grid, so at most about `rate` land in
        # any one-second window. Anything burstier draws 429s: Telegram answers the 31st send
        # in a second with one, and the rate limiter then holds every call of the bot.
        self.gate = SendGrid(rate, self.flood)
        # Claim only what can be sent before the next sweep, so claims never go stale.
        self.batch = max(1, int((rate + paid_rate) * self.interval))

    def expected_total(self) -> float | None:
        """Return the rate all senders are expected to reach together, once one was measured.

        A process short of CPU sends fewer than its share (one Python process reaches about
        500 a second with paid broadcasts, not 900): a crowd starts early enough for the rate
        it will really get. The rate is measured during the backlog too, so a crowd started
        from an estimate that proves too low is held back until the rest is centred again
        (the claim releases a crowd by how many of it are still due: bot/domain/early_start.py).
        """
        return None if self.achieved is None else self.achieved * self.senders

    def begin(self) -> None:
        """Start measuring a sweep's sends afresh (a backlog is one sweep)."""
        self._sent = 0
        self._mark = None

    def batch_sent(self, count: int) -> None:
        """Note that one of this sweep's batches is sent; update the measured rate from it.

        Measured between batches, not within one: a sweep claims two batches at once, then one
        more each time a batch is sent. The first batch's end is the mark; from there every
        interval holds one claim and one batch's sends, the pace the backlog keeps up. (The
        second batch alone goes at the grid's rate, its claim done already: much faster.)
        """
        now = self._clock()
        if self._mark is None:
            self._mark = now
            return
        self._sent += count
        seconds = now - self._mark
        if self._sent >= 2 * self.batch and seconds > 0:
            self.achieved = self._sent / seconds

    async def slot(self) -> bool:
        """Wait for a send's slot; return True when it is a paid one.

        A free slot when the reminders' grid has one now; else a paid one while the day's
        budget lasts; else the next free slot.
        """
        if self.paid is not None and self.gate.ready_in() > 0 and await self.paid.take():
            await self.paid.grid.wait()
            return True
        await self.gate.wait()
        return False


async def sweep(context: CoachContext) -> None:
    """Claim due reminders and send them at the reminders' pace (an APScheduler job).

    A backlog (everyone who chose 09:00) goes out in one run without pauses: the next batch
    is claimed while the one before is being sent (at most two batches ahead of the sends),
    and the run ends with a claim that comes back short.
    """
    job = context.job
    assert job is not None and isinstance(job.data, ReminderPace)
    services = context.services
    pace = job.data
    # Each batch being sent, with its size.
    in_flight: list[tuple[asyncio.Future[None], int]] = []
    pace.begin()
    try:
        claims = await _claim(services, pace)
        while claims and pace.running():
            sending = send_claims(context.bot, services, pace, claims)
            in_flight.append((asyncio.ensure_future(sending), len(claims)))
            if len(claims) < pace.batch:
                break
            if len(in_flight) > 1:
                sent, count = in_flight.pop(0)
                await sent
                pace.batch_sent(count)
            claims = await _claim(services, pace)
    finally:
        await asyncio.gather(*(sent for sent, _ in in_flight))
        if pace.paid is not None:
            await pace.paid.settle()


async def _claim(services: Services, pace: ReminderPace) -> list[Claim]:
    """Say this sender is alive (taking its share of the rate), then claim one batch."""
    pace.share(await services.operations.heartbeat(services.reminders.worker, pace.role))
    health = await services.operations.health()
    services.metrics.sweep_lag.set(health.sweep_lag_seconds)
    return await services.reminders.claim_due(pace.batch, rate=pace.expected_total())


async def send_due(bot: CoachBot, services: Services, pace: ReminderPace) -> int:
    """Claim one batch of due reminders and send each; return how many were claimed.

    One step of the sweep without its pipelining: what the tests drive by hand.
    """
    claims = await services.reminders.claim_due(pace.batch)
    await send_claims(bot, services, pace, claims)
    return len(claims)


async def send_claims(
    bot: CoachBot, services: Services, pace: ReminderPace, claims: list[Claim]
) -> None:
    """Send claimed reminders at the reminders' pace, recording what became of each."""
    if claims:
        logger.info("sweep claimed %d reminder(s)", len(claims))
        # A weekly summary is claimed just before its day's reminder; keep that order per chat.
        weekly = [c for c in claims if c.week is not None]
        await asyncio.gather(*(_send(bot, services, pace, claim) for claim in weekly))
        daily = [c for c in claims if c.week is None]
        await asyncio.gather(*(_send(bot, services, pace, claim) for claim in daily))


def _screen(claim: Claim) -> Screen:
    """Draw a claimed reminder (or weekly summary) in the person's language."""
    library = content.library(claim.language)
    if claim.week is not None:
        return stats_screens.weekly_screen(library, claim.week)
    return screens.reminder(
        library,
        name=claim.first_name,
        routine_id=claim.routine_id,
        delivery_id=claim.delivery_id,
        streak=claim.streak,
        hip=claim.hip,
        first=claim.first,
    )


async def _send(bot: CoachBot, services: Services, pace: ReminderPace, claim: Claim) -> None:
    reminders = services.reminders
    async with pace.limiter:
        if not pace.running():
            return
        # Drawn here, about a second ahead of its send, not all of a batch's screens the
        # moment it is claimed: that held the event loop for tens of ms at once (a batch of
        # 58 on a slow machine), while the sends before it were on their way.
        screen = _screen(claim)
        await reminders.mark_sending(claim.delivery_id)
        paid = await pace.slot()

        async def closed() -> None:
            logger.info("person %s blocked the bot; reminders off", claim.person_id)
            await reminders.mark_blocked(claim.delivery_id)

        outcome = await send_recorded(
            lambda: bot.send_message_unread(
                claim.chat_id,
                screen.text,
                screen.keyboard,
                allow_paid_broadcast=True if paid else None,
            ),
            reminders,
            claim.delivery_id,
            closed=closed,
        )
        if paid and outcome in NOT_SENT and pace.paid is not None:
            pace.paid.unused()  # refused for sure: Telegram charges for what it delivered only
        services.metrics.reminders.labels(status=outcome).inc()


async def on_snooze(
    update: Update, query: CallbackQuery, context: CoachContext, data: Snooze | NotToday
) -> None:
    """Snooze or dismiss a reminder, once, and redraw it."""
    ref = person_ref(update)
    assert ref is not None
    services = context.services
    texts = context.library.texts
    if isinstance(data, Snooze):
        if data.minutes not in screens.SNOOZE_MINUTES:
            await answer(query, texts.ans_invalid)
            return
        result = await services.reminders.snooze(ref, data.delivery_id, data.minutes)
    else:
        result = await services.reminders.not_today(ref, data.delivery_id)
    match result.verdict:
        case SnoozeVerdict.ALREADY:
            await answer(query, texts.ans_reminder_handled)
        case SnoozeVerdict.STALE:
            await answer(query, texts.ans_reminder_stale)
        case SnoozeVerdict.TRAINED:
            await answer(query, texts.ans_trained)
        case SnoozeVerdict.DONE:
            settings = await services.settings.get(ref)
            assert settings is not None, "the reminder's person was found just now"
            if result.until is not None:
                until = screens.hhmm(result.until.time())
                await answer(query, fill(texts.ans_snoozed, time=until))
                await edit(
                    query,
                    screens.reminder_snoozed(context.library, settings.routine_id, result.until),
                )
            else:
                await answer(query, texts.ans_not_today)
                await edit(query, screens.reminder_dismissed(context.library, settings))


async def on_hip(
    update: Update, query: CallbackQuery, context: CoachContext, data: HipAnswer | RestDay
) -> None:
    """Answer "How's the hip today?" or take a rest day, and redraw the reminder."""
    ref = person_ref(update)
    assert ref is not None
    services = context.services
    texts = context.library.texts
    if isinstance(data, HipAnswer):
        result = await services.reminders.hip_answer(ref, data.delivery_id, data.answer)
    else:
        result = await services.reminders.rest_day(ref, data.delivery_id)
    match result.verdict:
        case HipVerdict.STALE:
            await answer(query, texts.ans_reminder_stale)
        case HipVerdict.RESTING:
            await answer(query, texts.ans_hip_resting)
        case HipVerdict.TRAINED:
            await answer(query, texts.ans_trained)
        case HipVerdict.OUTDATED:
            await answer(query, texts.ans_invalid)
        case HipVerdict.SAVED:
            await answer(query, texts.ans_hip_saved)
            if result.open:
                screen = screens.reminder(
                    context.library,
                    name=result.first_name,
                    routine_id=result.routine_id,
                    delivery_id=data.delivery_id,
                    streak=result.streak,
                    hip=HipPrompt(today=result.answer),
                )
                await edit(query, screen)
        case HipVerdict.REST_DAY:
            settings = await services.settings.get(ref)
            assert settings is not None, "the reminder's person was found just now"
            await answer(query, texts.ans_rest_day)
            await edit(query, screens.reminder_rest_day(context.library, settings))


async def on_member_change(update: Update, context: CoachContext) -> None:
    """Stop reminders when a person blocks the bot; bring them back when they unblock it."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type != ChatType.PRIVATE:
        # The bot added to or removed from a group says nothing about anybody's private chat;
        # it pauses or resumes the group's team (handlers/teams.py).
        logger.info(
            "bot membership in a %s chat is now %s", change.chat.type, change.new_chat_member.status
        )
        await teams.on_group_membership(update, context)
        return
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await context.services.settings.set_blocked(change.from_user.id, True)
    elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        await context.services.settings.set_blocked(change.from_user.id, False)
