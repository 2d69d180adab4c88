"""Streaks, history, progress and weekly summaries, read from the finished runs."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repositories as repo
from bot.db.models import Milestone, Pause, Person, Run, SetLog
from bot.domain.run import SetRecord
from bot.domain.schedule import local_date, mask_to_days
from bot.domain.streak import (
    DayMark,
    Schedule,
    StreakSummary,
    day_marks,
    milestones_reached,
    streak,
    week_marks,
)
from bot.services.clock import Clock
from bot.services.people import PeopleService, PersonRef
from bot.services.records import set_record

HISTORY_DAYS = 30
HISTORY_SESSIONS = 5
PROGRESS_WEEKS = 12


@dataclass(frozen=True)
class StreakView:
    """Everything /streak shows."""

    today: date
    summary: StreakSummary
    week: list[DayMark]
    trained_today: bool


@dataclass(frozen=True)
class Session:
    """One past run with what was logged in it."""

    routine_id: str
    local_date: date
    status: str
    records: tuple[SetRecord, ...]


@dataclass(frozen=True)
class HistoryView:
    """Everything /history shows."""

    today: date
    marks: list[DayMark]  # the last HISTORY_DAYS days, oldest first
    sessions: list[Session]  # newest first
    totals: dict[str, int]  # exercise id -> count logged, all time
    summary: StreakSummary


@dataclass(frozen=True)
class ProgressData:
    """What the /progress picture is drawn from."""

    today: date
    sessions_per_day: dict[date, int]
    levels: dict[str, list[tuple[date, int]]]  # exercise id -> (day, level) in time order


@dataclass(frozen=True)
class FinishFacts:
    """The streak after a finished run, and the milestones it reached for the first time."""

    summary: StreakSummary
    milestones: list[int]


@dataclass(frozen=True)
class WeekSummary:
    """Last week in brief, for the weekly message."""

    week_start: date
    days_trained: int
    sessions: int
    streak: int
    moved_up: list[str]  # exercise ids whose version went up during the week


async def done_days(session: AsyncSession, person_id: int) -> list[date]:
    """Return the local day of every finished run with at least one set done."""
    return (await done_days_of(session, [person_id]))[person_id]


async def done_days_of(session: AsyncSession, person_ids: list[int]) -> dict[int, list[date]]:
    """Return done_days for several people in one statement (the reminder sweep's batch)."""
    days: dict[int, list[date]] = {person_id: [] for person_id in person_ids}
    rows = await session.execute(
        select(Run.person_id, Run.local_date).where(
            Run.person_id.in_(person_ids),
            Run.status == "finished",
            Run.sets_done > 0,
            Run.local_date.is_not(None),
        )
    )
    for person_id, day in rows.all():
        if day is not None:
            days[person_id].append(day)
    return days


async def schedule_of(session: AsyncSession, person: Person) -> Schedule:
    """Return the person's training days and paused days, as the streak rules read them."""
    return (await schedules_of(session, [person]))[person.id]


async def schedules_of(session: AsyncSession, people: list[Person]) -> dict[int, Schedule]:
    """Return schedule_of for several people in one statement (the reminder sweep's batch)."""
    schedules = {person.id: Schedule(mask_to_days(person.remind_days)) for person in people}
    rows = await session.execute(
        select(Pause.person_id, Pause.first_day, Pause.last_day).where(
            Pause.person_id.in_(list(schedules))
        )
    )
    for person_id, first, last in rows.all():
        schedules[person_id] = schedules[person_id].with_pause(first, last)
    return schedules


async def streak_now(session: AsyncSession, person: Person, now: datetime) -> StreakSummary:
    """Return the person's streak as of now in their zone."""
    today = local_date(now, ZoneInfo(person.timezone))
    return streak(await done_days(session, person.id), await schedule_of(session, person), today)


async def level_history(session: AsyncSession, person: Person) -> list[tuple[str, date, int]]:
    """Return (exercise id, local day, version level) of every set done, oldest first."""
    zone = ZoneInfo(person.timezone)
    rows = await session.execute(
        select(SetLog.exercise_id, SetLog.logged_at, SetLog.level)
        .where(SetLog.person_id == person.id, SetLog.status == "done")
        .order_by(SetLog.logged_at)
    )
    return [(exercise_id, local_date(at, zone), level) for exercise_id, at, level in rows.all()]


async def after_finish(
    session: AsyncSession, person: Person, finished_on: date, now: datetime
) -> FinishFacts:
    """Return the streak after a run finished, and record milestones reached for the first time."""
    days = await done_days(session, person.id)
    schedule = await schedule_of(session, person)
    today = local_date(now, ZoneInfo(person.timezone))
    after = streak(days, schedule, today)
    # The streak before this run: the same history without this run's day, unless an earlier
    # run had already counted that day (then this run changed nothing).
    if days.count(finished_on) == 1:
        before = streak([d for d in days if d != finished_on], schedule, today)
    else:
        before = after
    celebrated = set(
        (
            await session.scalars(select(Milestone.days).where(Milestone.person_id == person.id))
        ).all()
    )
    new = milestones_reached(before.current, after.current, celebrated)
    recorded = [m for m in new if await repo.insert_milestone_once(session, person.id, m, now)]
    return FinishFacts(after, recorded)


async def week_summary(
    session: AsyncSession, person: Person, week_start: date, now: datetime
) -> WeekSummary:
    """Summarise the week that starts on week_start (a Monday) for the weekly message."""
    week_end = week_start + timedelta(days=6)
    runs = await session.execute(
        select(Run.local_date).where(
            Run.person_id == person.id,
            Run.status == "finished",
            Run.sets_done > 0,
            Run.local_date >= week_start,
            Run.local_date <= week_end,
        )
    )
    days = [day for (day,) in runs.all()]
    before: dict[str, int] = {}
    best_in_week: dict[str, int] = {}
    for exercise_id, day, level in await level_history(session, person):
        if day < week_start:
            before[exercise_id] = level
        elif day <= week_end:
            best_in_week[exercise_id] = max(level, best_in_week.get(exercise_id, level))
    moved_up = [e for e, level in best_in_week.items() if level > before.get(e, 0)]
    current = (await streak_now(session, person, now)).current
    return WeekSummary(week_start, len(set(days)), len(days), current, moved_up)


class StatsService:
    """Read-only views of a person's training, each in one transaction."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], people: PeopleService, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._people = people
        self._clock = clock

    async def streak(self, ref: PersonRef) -> StreakView:
        """Return the streak figures and this week's row of marks."""
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            today = local_date(now, ZoneInfo(person.timezone))
            days = await done_days(session, person.id)
            schedule = await schedule_of(session, person)
            return StreakView(
                today=today,
                summary=streak(days, schedule, today),
                week=week_marks(days, schedule, today),
                trained_today=today in days,
            )

    async def history(self, ref: PersonRef) -> HistoryView:
        """Return the last 30 days as marks, the last sessions and the all-time totals."""
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            today = local_date(now, ZoneInfo(person.timezone))
            days = await done_days(session, person.id)
            schedule = await schedule_of(session, person)
            first = today - timedelta(days=HISTORY_DAYS - 1)
            marks = day_marks(days, schedule, first, today, today)
            runs = (
                await session.scalars(
                    select(Run)
                    .where(
                        Run.person_id == person.id,
                        Run.status.in_(["finished", "stopped"]),
                        Run.local_date.is_not(None),
                    )
                    .order_by(Run.finished_at.desc())
                    .limit(HISTORY_SESSIONS * 3)
                )
            ).all()
            sessions: list[Session] = []
            for run in runs:
                records = tuple(set_record(log) for log in await repo.set_logs_for(session, run.id))
                if records and run.local_date is not None:
                    sessions.append(Session(run.routine_id, run.local_date, run.status, records))
                if len(sessions) == HISTORY_SESSIONS:
                    break
            totals_rows = await session.execute(
                select(SetLog.exercise_id, SetLog.reps).where(
                    SetLog.person_id == person.id, SetLog.status == "done"
                )
            )
            totals: Counter[str] = Counter()
            for exercise_id, reps in totals_rows.all():
                totals[exercise_id] += reps or 0
            return HistoryView(today, marks, sessions, dict(totals), streak(days, schedule, today))

    async def progress(self, ref: PersonRef) -> ProgressData:
        """Return sessions per day and the version used per exercise over the last 12 weeks."""
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            zone = ZoneInfo(person.timezone)
            today = local_date(now, zone)
            since = today - timedelta(weeks=PROGRESS_WEEKS + 1)
            per_day = Counter(d for d in await done_days(session, person.id) if d >= since)
            levels: dict[str, list[tuple[date, int]]] = defaultdict(list)
            for exercise_id, day, level in await level_history(session, person):
                levels[exercise_id].append((day, level))
            return ProgressData(today, dict(per_day), dict(levels))
