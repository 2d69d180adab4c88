"""The reminder sweep: claim due people once, record every outcome, snooze and dismiss."""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repositories as repo
from bot.db.models import Delivery, Person, Run
from bot.domain.schedule import local_date, mask_to_days
from bot.domain.streak import streak
from bot.services.clock import Clock
from bot.services.people import PersonRef
from bot.services.scheduling import reschedule
from bot.services.stats import (
    WeekSummary,
    done_days_of,
    schedules_of,
    streak_now,
    week_summary,
)

logger = logging.getLogger(__name__)

DAILY = "daily"
WEEKLY = "weekly"
MAX_PASSES_PER_PERSON = 3


class Status(enum.StrEnum):
    """What became of a delivery; every claimed reminder ends in one of these."""

    CLAIMED = "claimed"  # taken by a sweep, not yet handed to Telegram
    SENDING = "sending"  # handed to Telegram; a crash now leaves it unknown, never resent
    SENT = "sent"
    SNOOZED = "snoozed"  # sent, and the person asked for it again later
    DISMISSED = "dismissed"  # sent, and the person said not today
    BLOCKED = "blocked"  # Telegram said the person blocked the bot: reminders off
    FAILED = "failed"  # Telegram refused it (chat gone and the like)
    UNKNOWN = "unknown"  # timed out or the process stopped mid-send: may have arrived
    SKIPPED_LATE = "late"  # came due while the bot was down for longer than the grace
    SKIPPED_DONE = "done"  # the person had already trained that local day
    EXPIRED = "expired"  # a claim left by a stopped process, found after the grace


@dataclass(frozen=True)
class Claim:
    """A message this process must now send: a daily reminder or a weekly summary."""

    delivery_id: int
    person_id: int
    chat_id: int
    first_name: str
    routine_id: str
    local_date: date
    seq: int
    recovered: bool
    kind: str = DAILY
    streak: int = 0
    week: WeekSummary | None = None

    @classmethod
    def of(
        cls,
        person: Person,
        delivery_id: int,
        day: date,
        seq: int,
        *,
        recovered: bool,
        kind: str = DAILY,
        streak: int = 0,
        week: WeekSummary | None = None,
    ) -> Claim:
        """Return the claim of one delivery to this person."""
        return cls(
            delivery_id,
            person.id,
            person.chat_id,
            person.first_name,
            person.remind_routine,
            day,
            seq,
            recovered,
            kind,
            streak,
            week,
        )


class SnoozeVerdict(enum.StrEnum):
    """How a press on a reminder's button was judged."""

    DONE = "done"
    ALREADY = "already"  # this reminder was already snoozed or dismissed
    STALE = "stale"  # a reminder of an earlier day, or someone else's
    TRAINED = "trained"  # no need: the routine is already done today


@dataclass(frozen=True)
class SnoozeResult:
    """The verdict and, when snoozed, when the reminder comes back (local time)."""

    verdict: SnoozeVerdict
    until: datetime | None = None


class ReminderService:
    """Claims due reminders in one transaction and records what happened to each."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=2),
        lease: timedelta = timedelta(minutes=2),
        worker: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._grace = grace
        # A claim older than this belongs to a process that stopped; sweeps claim only what
        # they send within seconds, so a live process never holds one this long.
        self._lease = lease
        self.worker = worker or uuid.uuid4().hex[:12]

    async def claim_due(self, limit: int) -> list[Claim]:
        """Claim up to `limit` reminders that are due, and move each person's schedule on."""
        now = self._clock()
        claims: list[Claim] = []
        async with self._sessions.begin() as session:
            claims.extend(await self._recover(session, now, limit))
            people = await session.scalars(
                select(Person)
                .where(Person.next_reminder_at.is_not(None), Person.next_reminder_at <= now)
                .order_by(Person.next_reminder_at)
                .limit(max(0, limit - len(claims)))
                .with_for_update(skip_locked=True)
            )
            claims.extend(await self._claim_people(session, list(people.all()), now))
        return claims

    async def _claim_people(
        self, session: AsyncSession, people: list[Person], now: datetime
    ) -> list[Claim]:
        """Claim the due reminders of these locked people and move their schedules on.

        A fixed number of statements whatever the batch size (plus one or two per weekly
        summary): the claim runs on the event loop that also paces the sends.
        """
        if not people:
            return []
        ids = [person.id for person in people]
        trained = await done_days_of(session, ids)
        schedules = await schedules_of(session, people)
        claims: list[Claim] = []
        rows: list[dict[str, object]] = []
        judged: list[tuple[Person, date, int, Status]] = []
        for person in people:
            # After downtime the next day's reminder may be due too: handle it now
            # (each pass moves the schedule at least a day on, so this ends).
            for _ in range(MAX_PASSES_PER_PERSON):
                due = person.next_reminder_at
                day = person.next_reminder_day
                if due is None or due > now or day is None:
                    break
                seq = person.next_reminder_seq
                status, detail = Status.CLAIMED, None
                if now - due > self._grace or (
                    seq == 0 and local_date(now, ZoneInfo(person.timezone)) != day
                ):
                    status = Status.SKIPPED_LATE
                    detail = f"due {due.isoformat()}, bot back {now.isoformat()}"
                elif day in trained[person.id]:
                    status = Status.SKIPPED_DONE
                rows.append(
                    {
                        "person_id": person.id,
                        "kind": DAILY,
                        "local_date": day,
                        "seq": seq,
                        "status": status,
                        "due_at": due,
                        "claimed_at": now,
                        "claimed_by": self.worker,
                        "detail": detail,
                    }
                )
                judged.append((person, day, seq, status))
                if status is not Status.SKIPPED_LATE and seq == 0:
                    weekly = await self._claim_weekly(session, person, day, due, now)
                    if weekly is not None:
                        claims.append(weekly)
                # Looking back by the grace finds a later day's reminder that also came due
                # while the bot was down; the next pass claims it instead of losing it.
                reschedule(
                    person, now, not_before_day=day + timedelta(days=1), lookback=self._grace
                )
        inserted = await repo.insert_deliveries_once(session, rows)
        for person, day, seq, status in judged:
            delivery_id = inserted.get((person.id, DAILY, day, seq))
            if delivery_id is None:
                logger.info(
                    "person %s: reminder for %s #%s was already handled", person.id, day, seq
                )
                continue
            if status is not Status.CLAIMED:
                logger.info("person %s: reminder for %s %s", person.id, day, status)
                continue
            today = local_date(now, ZoneInfo(person.timezone))
            current = streak(trained[person.id], schedules[person.id], today).current
            claims.append(Claim.of(person, delivery_id, day, seq, recovered=False, streak=current))
        return claims

    async def _claim_weekly(
        self, session: AsyncSession, person: Person, day: date, due: datetime, now: datetime
    ) -> Claim | None:
        """Claim last week's summary on the person's first training day of a week, once."""
        if day.weekday() != min(mask_to_days(person.remind_days), default=-1):
            return None
        week_start = day - timedelta(days=day.weekday() + 7)
        if local_date(person.created_at, ZoneInfo(person.timezone)) > week_start + timedelta(
            days=6
        ):
            return None  # they were not with us last week: nothing to sum up
        summary = await week_summary(session, person, week_start, now)
        delivery_id = await repo.insert_delivery_once(
            session,
            person_id=person.id,
            kind=WEEKLY,
            local_date=day,
            seq=0,
            status=Status.CLAIMED,
            due_at=due,
            claimed_at=now,
            claimed_by=self.worker,
            detail=None,
        )
        if delivery_id is None:
            return None
        return Claim.of(
            person,
            delivery_id,
            day,
            0,
            recovered=False,
            kind=WEEKLY,
            streak=summary.streak,
            week=summary,
        )

    async def _recover(self, session: AsyncSession, now: datetime, limit: int) -> list[Claim]:
        """Settle claims left by a stopped process: resend the unsent, record the unsure."""
        stale = await session.scalars(
            select(Delivery)
            .where(
                Delivery.status.in_([Status.CLAIMED, Status.SENDING]),
                Delivery.claimed_at < now - self._lease,
            )
            .order_by(Delivery.claimed_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claims = []
        for delivery in stale.all():
            if delivery.status == Status.SENDING:
                delivery.status = Status.UNKNOWN
                delivery.detail = "the process stopped while sending; it may have arrived"
                continue
            if now - delivery.due_at > self._grace:
                delivery.status = Status.EXPIRED
                delivery.detail = "claimed by a process that stopped; found too late to send"
                continue
            person = await session.get(Person, delivery.person_id)
            if person is None or person.blocked:
                delivery.status = Status.FAILED
                delivery.detail = "person gone or blocked"
                continue
            delivery.claimed_at, delivery.claimed_by = now, self.worker
            delivery.detail = "recovered from a stopped process"
            week = None
            if delivery.kind == WEEKLY:
                week_start = delivery.local_date - timedelta(days=delivery.local_date.weekday() + 7)
                week = await week_summary(session, person, week_start, now)
            claims.append(
                Claim.of(
                    person,
                    delivery.id,
                    delivery.local_date,
                    delivery.seq,
                    recovered=True,
                    kind=delivery.kind,
                    streak=(await streak_now(session, person, now)).current,
                    week=week,
                )
            )
        return claims

    @staticmethod
    async def _trained_on(session: AsyncSession, person_id: int, day: date) -> bool:
        return bool(
            await session.scalar(
                select(
                    exists().where(
                        Run.person_id == person_id,
                        Run.local_date == day,
                        Run.status == "finished",
                        Run.sets_done > 0,
                    )
                )
            )
        )

    async def _set(self, delivery_id: int, status: Status, **values: object) -> None:
        # One UPDATE, no load: two of these run for every reminder sent.
        async with self._sessions.begin() as session:
            await session.execute(
                update(Delivery).where(Delivery.id == delivery_id).values(status=status, **values)
            )

    async def mark_sending(self, delivery_id: int) -> None:
        """Record that the message is being handed to Telegram (from now on, never resent)."""
        await self._set(delivery_id, Status.SENDING)

    async def mark_sent(self, delivery_id: int, message_id: int) -> None:
        """Record a delivered reminder."""
        await self._set(delivery_id, Status.SENT, sent_at=self._clock(), message_id=message_id)

    async def mark_unknown(self, delivery_id: int, detail: str) -> None:
        """Record a send whose fate is unknown (a time-out): it is not retried."""
        await self._set(delivery_id, Status.UNKNOWN, detail=detail[:200])

    async def mark_failed(self, delivery_id: int, detail: str) -> None:
        """Record a send Telegram refused."""
        await self._set(delivery_id, Status.FAILED, detail=detail[:200])

    async def mark_blocked(self, delivery_id: int) -> None:
        """Record that the person blocked the bot, and stop their reminders until they return."""
        async with self._sessions.begin() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None:
                return
            delivery.status = Status.BLOCKED
            person = await session.get(Person, delivery.person_id)
            if person is not None:
                person.blocked = True
                reschedule(person, self._clock())

    async def release_mine(self) -> int:
        """Give back every claim of this process that was not handed to Telegram yet.

        Called on a clean shutdown, so another process sends them now, not after the lease.
        """
        released = 0
        async with self._sessions.begin() as session:
            mine = await session.scalars(
                select(Delivery).where(
                    Delivery.claimed_by == self.worker, Delivery.status == Status.CLAIMED
                )
            )
            for delivery in mine.all():
                person = await session.get(Person, delivery.person_id)
                if person is not None and delivery.kind == DAILY:
                    person.next_reminder_at = delivery.due_at
                    person.next_reminder_day = delivery.local_date
                    person.next_reminder_seq = delivery.seq
                await session.delete(delivery)
                released += 1
        if released:
            logger.info("released %d claimed reminder(s) on shutdown", released)
        return released

    async def release(self, delivery_id: int, wait: timedelta) -> None:
        """Give a claim back after Telegram said 'too many requests': nothing was sent."""
        retry_at = self._clock() + wait
        async with self._sessions.begin() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None:
                return
            person = await session.get(Person, delivery.person_id)
            if person is not None:
                person.next_reminder_at = retry_at
                person.next_reminder_day = delivery.local_date
                person.next_reminder_seq = delivery.seq
            await session.delete(delivery)

    async def snooze(self, ref: PersonRef, delivery_id: int, minutes: int) -> SnoozeResult:
        """Bring a sent reminder back in some minutes (the same local day's reminder)."""

        def later(delivery: Delivery, person: Person, now: datetime) -> SnoozeResult:
            delivery.status = Status.SNOOZED
            until = now + timedelta(minutes=minutes)
            person.next_reminder_at = until
            person.next_reminder_day = delivery.local_date
            person.next_reminder_seq = delivery.seq + 1
            return SnoozeResult(SnoozeVerdict.DONE, until.astimezone(ZoneInfo(person.timezone)))

        return await self._answer(ref, delivery_id, later)

    async def not_today(self, ref: PersonRef, delivery_id: int) -> SnoozeResult:
        """Dismiss a reminder: nothing more that local day, the schedule goes on tomorrow."""

        def dismiss(delivery: Delivery, person: Person, now: datetime) -> SnoozeResult:
            delivery.status = Status.DISMISSED
            reschedule(person, now, not_before_day=delivery.local_date + timedelta(days=1))
            return SnoozeResult(SnoozeVerdict.DONE)

        return await self._answer(ref, delivery_id, dismiss)

    async def _answer(
        self,
        ref: PersonRef,
        delivery_id: int,
        change: Callable[[Delivery, Person, datetime], SnoozeResult],
    ) -> SnoozeResult:
        """Apply a reminder button once, if the reminder is today's and still open."""
        async with self._sessions.begin() as session:
            found = await self._pressable(session, ref, delivery_id)
            if isinstance(found, SnoozeResult):
                return found
            return change(*found, self._clock())

    async def _pressable(
        self, session: AsyncSession, ref: PersonRef, delivery_id: int
    ) -> tuple[Delivery, Person] | SnoozeResult:
        delivery = await session.get(Delivery, delivery_id, with_for_update=True)
        person = await repo.find_person(session, ref.telegram_id)
        if delivery is None or person is None or delivery.person_id != person.id:
            return SnoozeResult(SnoozeVerdict.STALE)
        if delivery.local_date != local_date(self._clock(), ZoneInfo(person.timezone)):
            return SnoozeResult(SnoozeVerdict.STALE)
        if delivery.status in (Status.SNOOZED, Status.DISMISSED):
            return SnoozeResult(SnoozeVerdict.ALREADY)
        if await self._trained_on(session, person.id, delivery.local_date):
            return SnoozeResult(SnoozeVerdict.TRAINED)
        return delivery, person
