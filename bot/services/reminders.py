"""The reminder sweep: claim due people once, record every outcome, snooze and dismiss."""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.db.models import Delivery, Person
from bot.db.repositories.deliveries import NewDelivery
from bot.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bot.domain.delivery import DeliveryKind, DeliveryStatus, stale_claim_outcome, too_late
from bot.domain.early_start import release_until
from bot.domain.pain import HipToday
from bot.domain.schedule import local_date, mask_to_days
from bot.domain.streak import streak
from bot.services.clock import Clock
from bot.services.delivery_marks import DeliveryMarks
from bot.services.hip import HipPrompt, prompt, prompts
from bot.services.people import PersonRef
from bot.services.scheduling import reschedule
from bot.services.training import WeekSummary, schedules_of, streak_now, week_summary

logger = logging.getLogger(__name__)

# The names the rest of the code and the tests use for the delivery words of bot.domain.
Status = DeliveryStatus
DAILY = DeliveryKind.DAILY
WEEKLY = DeliveryKind.WEEKLY
MAX_PASSES_PER_PERSON = 3
# A person whose team posted its break this recently gets no personal reminder on top.
TEAM_NUDGE_WINDOW = timedelta(hours=1)


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
    kind: DeliveryKind = DAILY
    streak: int = 0
    week: WeekSummary | None = None
    # A daily reminder's "How's the hip today?": ask it, or today's answer (bot.services.hip).
    hip: HipPrompt = field(default_factory=HipPrompt)
    # The person's first daily reminder ever: it says the safety note.
    first: bool = False
    # The language the person reads (content/i18n.py).
    language: str = "en"

    @classmethod
    def of(
        cls,
        person: Person,
        delivery_id: int,
        day: date,
        seq: int,
        *,
        recovered: bool,
        kind: DeliveryKind = DAILY,
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
            language=person.language,
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


class HipVerdict(enum.StrEnum):
    """How a press on the hip question's buttons (or Rest day) was judged."""

    SAVED = "saved"  # the answer is stored (or changed, the same day)
    REST_DAY = "rest_day"  # today is now a rest day
    RESTING = "resting"  # today already is a rest day: nothing changes
    STALE = "stale"  # a reminder of an earlier day, or someone else's
    TRAINED = "trained"  # Rest day after training today: no need
    OUTDATED = "outdated"  # Rest day while today's answer is no longer Worse


@dataclass(frozen=True)
class HipResult:
    """The verdict and what the reminder is redrawn with.

    open: the reminder is still waiting (not snoozed or dismissed), so it shows its buttons.
    """

    verdict: HipVerdict
    answer: HipToday | None = None
    first_name: str = ""
    routine_id: str = ""
    streak: int = 0
    open: bool = False


class ReminderService:
    """Claims due reminders in one transaction and records what happened to each."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=2),
        lease: timedelta = timedelta(minutes=2),
        worker: str | None = None,
        rate: float = 20.0,
        max_early: timedelta = timedelta(0),
    ) -> None:
        self._units = units
        self._clock = clock
        self._grace = grace
        # The reminders' total rate (all sending processes) and the early start's limit.
        self._rate = rate
        self._max_early = max_early
        self._marks = DeliveryMarks(units)
        # A claim older than this belongs to a process that stopped; sweeps claim only what
        # they send within seconds, so a live process never holds one this long.
        self._lease = lease
        self.worker = worker or uuid.uuid4().hex[:12]

    async def claim_due(self, limit: int, *, rate: float | None = None) -> list[Claim]:
        """Claim up to `limit` reminders that are due, and move each person's schedule on.

        rate: the reminders a second the senders were measured to reach, when known; the early
        start reckons with it where it is below the configured rate.
        """
        now = self._clock()
        expected = self._rate if rate is None else min(self._rate, rate)
        claims: list[Claim] = []
        async with self._units() as uow:
            claims.extend(await self._recover(uow, now, limit))
            cutoff = now
            if self._max_early > timedelta(0):
                upcoming = await uow.people.upcoming(now, now + self._max_early)
                cutoff = release_until(upcoming, now, expected, self._max_early)
            people = await uow.people.due(cutoff, limit - len(claims))
            claims.extend(await self._claim_people(uow, people, now, cutoff))
            claims = await self._with_hip(uow, claims)
            await uow.commit()
        return claims

    @staticmethod
    async def _with_hip(uow: UnitOfWork, claims: list[Claim]) -> list[Claim]:
        """Add to each daily reminder what it says about the hip, and whether it is the first.

        Two reads for the whole batch, whatever its size.
        """
        daily = [claim.person_id for claim in claims if claim.kind == DAILY]
        if not daily:
            return claims
        latest = await prompts(uow, daily)
        ids = [claim.delivery_id for claim in claims if claim.kind == DAILY]
        reminded = await uow.deliveries.reminded_before(daily, ids)
        return [
            replace(
                claim,
                hip=prompt(latest.get(claim.person_id), claim.local_date),
                first=claim.person_id not in reminded,
            )
            if claim.kind == DAILY
            else claim
            for claim in claims
        ]

    async def _claim_people(
        self, uow: UnitOfWork, people: list[Person], now: datetime, cutoff: datetime
    ) -> list[Claim]:
        """Claim the due reminders of these locked people and move their schedules on.

        A fixed number of statements whatever the batch size (plus one or two per weekly
        summary): the claim runs on the event loop that also paces the sends. One person whose
        reminder cannot be prepared (a time zone this host cannot load) gets a failed delivery
        with the reason; everybody else's goes out.
        """
        if not people:
            return []
        trained = await uow.runs.done_days([person.id for person in people])
        # On a team day the team's break post is the nudge: none on top of it within the hour.
        team_nudged = await uow.teams.members_posted_since(
            [person.id for person in people], now - TEAM_NUDGE_WINDOW
        )
        schedules = await schedules_of(uow, people)
        claims: list[Claim] = []
        rows: list[NewDelivery] = []
        judged: list[tuple[Person, date, int, DeliveryStatus]] = []
        for person in people:
            # After downtime the next day's reminder may be due too: handle it now
            # (each pass moves the schedule at least a day on, so this ends).
            for _ in range(MAX_PASSES_PER_PERSON):
                due = person.next_reminder_at
                day = person.next_reminder_day
                if due is None or due > cutoff or day is None:
                    break
                seq = person.next_reminder_seq
                if due > now and not self._may_start_early(person, day, seq, now):
                    break  # it goes at its own minute
                try:
                    status, detail = self._judge(person, due, day, seq, trained[person.id], now)
                    if status is Status.CLAIMED and seq == 0 and person.id in team_nudged:
                        status, detail = (
                            Status.SKIPPED_TEAM,
                            "a team break was posted within the hour",
                        )
                    weekly = None
                    if status is not Status.SKIPPED_LATE and seq == 0:
                        weekly = await self._claim_weekly(uow, person, day, due, now)
                    # Looking back by the grace finds a later day's reminder that also came
                    # due while the bot was down; the next pass claims it instead of losing it.
                    reschedule(
                        person, now, not_before_day=day + timedelta(days=1), lookback=self._grace
                    )
                except SQLAlchemyError:
                    raise  # the database failing is everybody's problem: roll the batch back
                except Exception as error:  # one person's bad data must not stop the batch
                    status, detail = Status.FAILED, _failure(error)
                    weekly = None
                    logger.warning("person %s: reminder not prepared: %s", person.id, detail)
                    # Nothing more can be computed for them: no schedule until they change a
                    # setting (which reschedules), instead of failing on every sweep.
                    person.next_reminder_at = None
                    person.next_reminder_day = None
                    person.next_reminder_seq = 0
                if weekly is not None:
                    claims.append(weekly)
                rows.append(
                    NewDelivery(
                        person_id=person.id,
                        kind=DAILY,
                        local_date=day,
                        seq=seq,
                        status=status,
                        due_at=due,
                        claimed_at=now,
                        claimed_by=self.worker,
                        detail=detail,
                    )
                )
                judged.append((person, day, seq, status))
        inserted = await uow.deliveries.insert_once(rows)
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

    @staticmethod
    def _may_start_early(person: Person, day: date, seq: int, now: datetime) -> bool:
        """Return whether a reminder due soon may go now: the day's first, on its own day.

        A snooze comes when it was asked for; and a reminder is never sent on another local
        day than its own, which also keeps it after a pause that ends the day before.
        """
        return seq == 0 and local_date(now, ZoneInfo(person.timezone)) == day

    def _judge(
        self, person: Person, due: datetime, day: date, seq: int, trained: list[date], now: datetime
    ) -> tuple[DeliveryStatus, str | None]:
        """Return whether a due reminder is sent, or skipped and why."""
        # A snooze (seq > 0) may run past midnight; the day's reminder itself may not.
        today = local_date(now, ZoneInfo(person.timezone)) if seq == 0 else day
        if too_late(due, day, today, now, self._grace):
            return Status.SKIPPED_LATE, f"due {due.isoformat()}, bot back {now.isoformat()}"
        if day in trained:
            return Status.SKIPPED_DONE, None
        return Status.CLAIMED, None

    async def _claim_weekly(
        self, uow: UnitOfWork, person: Person, day: date, due: datetime, now: datetime
    ) -> Claim | None:
        """Claim last week's summary on the person's first training day of a week, once."""
        if day.weekday() != min(mask_to_days(person.remind_days), default=-1):
            return None
        week_start = day - timedelta(days=day.weekday() + 7)
        if local_date(person.created_at, ZoneInfo(person.timezone)) > week_start + timedelta(
            days=6
        ):
            return None  # they were not with us last week: nothing to sum up
        summary = await week_summary(uow, person, week_start, now)
        inserted = await uow.deliveries.insert_once(
            [
                NewDelivery(
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
            ]
        )
        delivery_id = inserted.get((person.id, WEEKLY, day, 0))
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

    async def _recover(self, uow: UnitOfWork, now: datetime, limit: int) -> list[Claim]:
        """Settle claims left by a stopped process: resend the unsent, record the unsure."""
        claims = []
        for delivery in await uow.deliveries.stale_claims(now - self._lease, limit):
            settled = stale_claim_outcome(delivery.status, delivery.due_at, now, self._grace)
            if settled is not None:
                delivery.status, delivery.detail = settled
                continue
            person = await uow.people.get(delivery.person_id)
            if person is None or person.blocked:
                delivery.status = Status.FAILED
                delivery.detail = "person gone or blocked"
                continue
            delivery.claimed_at, delivery.claimed_by = now, self.worker
            delivery.detail = "recovered from a stopped process"
            week = None
            if delivery.kind == WEEKLY:
                week_start = delivery.local_date - timedelta(days=delivery.local_date.weekday() + 7)
                week = await week_summary(uow, person, week_start, now)
            claims.append(
                Claim.of(
                    person,
                    delivery.id,
                    delivery.local_date,
                    delivery.seq,
                    recovered=True,
                    kind=DeliveryKind(delivery.kind),
                    streak=(await streak_now(uow, person, now)).current,
                    week=week,
                )
            )
        return claims

    async def _set(self, delivery_id: int, status: DeliveryStatus, **values: object) -> None:
        # One UPDATE, no load: two of these run for every reminder sent.
        async with self._units() as uow:
            await uow.deliveries.set_status(delivery_id, status, **values)
            await uow.commit()

    async def mark_sending(self, delivery_id: int) -> None:
        """Record that the message is being handed to Telegram (from now on, never resent).

        Returns once committed; concurrent marks share one transaction (DeliveryMarks).
        """
        await self._marks.sending(delivery_id)

    async def mark_sent(self, delivery_id: int, message_id: int) -> None:
        """Record a delivered reminder (committed together with concurrent marks)."""
        await self._marks.sent(delivery_id, message_id, self._clock())

    async def mark_unknown(self, delivery_id: int, detail: str) -> None:
        """Record a send whose fate is unknown (a time-out): it is not retried."""
        await self._set(delivery_id, Status.UNKNOWN, detail=detail[:200])

    async def mark_failed(self, delivery_id: int, detail: str) -> None:
        """Record a send Telegram refused."""
        await self._set(delivery_id, Status.FAILED, detail=detail[:200])

    async def mark_blocked(self, delivery_id: int) -> None:
        """Record that the person blocked the bot, and stop their reminders until they return."""
        async with self._units() as uow:
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is None:
                return
            delivery.status = Status.BLOCKED
            person = await uow.people.get(delivery.person_id)
            if person is not None:
                person.blocked = True
                reschedule(person, self._clock())
            await uow.commit()

    async def release_mine(self) -> int:
        """Give back every claim of this process that was not handed to Telegram yet.

        Called on a clean shutdown, so another process sends them now, not after the lease.
        """
        released = 0
        async with self._units() as uow:
            for delivery in await uow.deliveries.claimed_by(self.worker):
                person = await uow.people.get(delivery.person_id)
                if person is not None and delivery.kind == DAILY:
                    person.next_reminder_at = delivery.due_at
                    person.next_reminder_day = delivery.local_date
                    person.next_reminder_seq = delivery.seq
                await uow.deliveries.remove(delivery)
                released += 1
            await uow.commit()
        if released:
            logger.info("released %d claimed reminder(s) on shutdown", released)
        return released

    async def release(self, delivery_id: int, wait: timedelta) -> None:
        """Give a claim back after Telegram said 'too many requests': nothing was sent."""
        retry_at = self._clock() + wait
        async with self._units() as uow:
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is None:
                return
            person = await uow.people.get(delivery.person_id)
            if person is not None:
                person.next_reminder_at = retry_at
                person.next_reminder_day = delivery.local_date
                person.next_reminder_seq = delivery.seq
            await uow.deliveries.remove(delivery)
            await uow.commit()

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
        async with self._units() as uow:
            found = await self._pressable(uow, ref, delivery_id)
            if isinstance(found, SnoozeResult):
                return found
            result = change(*found, self._clock())
            await uow.commit()
            return result

    async def hip_answer(self, ref: PersonRef, delivery_id: int, answer: HipToday) -> HipResult:
        """Store the answer to the reminder's "How's the hip today?" for the reminder's day.

        Only on that local day: a later press changes the answer, one from an earlier day's
        reminder changes nothing. Once today is a rest day, the answer stays.
        """
        now = self._clock()
        async with self._units() as uow:
            found = await self._todays(uow, ref, delivery_id, now)
            if found is None:
                return HipResult(HipVerdict.STALE)
            delivery, person, today = found
            stored = await uow.hip_days.on(person.id, today)
            if stored is not None and stored.rest_day:
                return HipResult(HipVerdict.RESTING, stored.answer)
            await uow.hip_days.answer(person.id, today, answer, now, rest_day=False)
            current = (await streak_now(uow, person, now)).current
            await uow.commit()
            return HipResult(
                HipVerdict.SAVED,
                answer,
                person.first_name,
                person.remind_routine,
                current,
                open=delivery.status not in (Status.SNOOZED, Status.DISMISSED),
            )

    async def rest_day(self, ref: PersonRef, delivery_id: int) -> HipResult:
        """Make today a rest day after a Worse answer: paused, so the streak never breaks.

        The pause is the row a /pause of one day writes (none when today is already paused);
        the rest of today's reminders are cancelled as Not today does.
        """
        now = self._clock()
        async with self._units() as uow:
            found = await self._todays(uow, ref, delivery_id, now)
            if found is None:
                return HipResult(HipVerdict.STALE)
            delivery, person, today = found
            stored = await uow.hip_days.on(person.id, today)
            if stored is not None and stored.rest_day:
                return HipResult(HipVerdict.RESTING, stored.answer)
            if stored is None or stored.answer is not HipToday.WORSE:
                # Offered after Worse only: this button was drawn before the answer changed.
                return HipResult(HipVerdict.OUTDATED)
            if await uow.runs.counted_on(person.id, today):
                return HipResult(HipVerdict.TRAINED, stored.answer)
            paused = any(
                first <= today <= last for _, first, last in await uow.pauses.of([person.id])
            )
            if not paused:
                uow.pauses.add(person.id, today, today)
            await uow.hip_days.answer(person.id, today, stored.answer, now, rest_day=True)
            if delivery.status not in (Status.SNOOZED, Status.DISMISSED):
                delivery.status = Status.DISMISSED
            reschedule(person, now, not_before_day=today + timedelta(days=1))
            await uow.commit()
            return HipResult(HipVerdict.REST_DAY, stored.answer, person.first_name)

    async def _todays(
        self, uow: UnitOfWork, ref: PersonRef, delivery_id: int, now: datetime
    ) -> tuple[Delivery, Person, date] | None:
        """Return this person's daily reminder (locked), if it is of their local today."""
        delivery = await uow.deliveries.get(delivery_id, lock=True)
        person = await uow.people.by_telegram_id(ref.telegram_id)
        if delivery is None or person is None or delivery.person_id != person.id:
            return None
        today = local_date(now, ZoneInfo(person.timezone))
        if delivery.kind != DAILY or delivery.local_date != today:
            return None
        return delivery, person, today

    async def _pressable(
        self, uow: UnitOfWork, ref: PersonRef, delivery_id: int
    ) -> tuple[Delivery, Person] | SnoozeResult:
        delivery = await uow.deliveries.get(delivery_id, lock=True)
        person = await uow.people.by_telegram_id(ref.telegram_id)
        if delivery is None or person is None or delivery.person_id != person.id:
            return SnoozeResult(SnoozeVerdict.STALE)
        if delivery.local_date != local_date(self._clock(), ZoneInfo(person.timezone)):
            return SnoozeResult(SnoozeVerdict.STALE)
        if delivery.status in (Status.SNOOZED, Status.DISMISSED):
            return SnoozeResult(SnoozeVerdict.ALREADY)
        if await uow.runs.counted_on(person.id, delivery.local_date):
            return SnoozeResult(SnoozeVerdict.TRAINED)
        return delivery, person


def _failure(error: Exception) -> str:
    """Return why a reminder could not be prepared, short enough for the detail column."""
    return f"not prepared: {type(error).__name__}: {error}"[:200]
