"""Streaks, history and progress: read-only views of a person's training."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.db.unit_of_work import UnitOfWorkFactory
from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday
from bot.domain.run import RunStatus, SetRecord
from bot.domain.schedule import local_date
from bot.domain.streak import DayMark, StreakSummary, day_marks, streak, week_marks
from bot.services.clock import Clock
from bot.services.people import PeopleService, PersonRef
from bot.services.records import set_record
from bot.services.training import WeekSummary, done_days, level_history, streak_inputs

HISTORY_DAYS = 30
HISTORY_SESSIONS = 5
PROGRESS_WEEKS = 12

__all__ = [
    "HipCheck",
    "HistoryView",
    "ProgressData",
    "Session",
    "StatsService",
    "StreakView",
    "WeekSummary",
]


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
    status: RunStatus
    records: tuple[SetRecord, ...]
    # The end-of-routine check-in: the answer and the exercise named, if the person answered.
    pain: tuple[PainAnswer, str | None] | None = None


@dataclass(frozen=True)
class HipCheck:
    """One answer to "How's the hip today?" and whether the day became a rest day."""

    local_date: date
    answer: HipToday
    rest_day: bool


@dataclass(frozen=True)
class HistoryView:
    """Everything /history shows."""

    today: date
    marks: list[DayMark]  # the last HISTORY_DAYS days, oldest first
    sessions: list[Session]  # newest first
    totals: dict[str, int]  # exercise id -> count logged, all time
    summary: StreakSummary
    hip_checks: tuple[HipCheck, ...] = ()  # the last HISTORY_DAYS days, oldest first


@dataclass(frozen=True)
class ProgressData:
    """What the /progress picture is drawn from."""

    today: date
    sessions_per_day: dict[date, int]
    levels: dict[str, list[tuple[date, int]]]  # exercise id -> (day, level) in time order


class StatsService:
    """Read-only views of a person's training; None when nothing is stored about them."""

    def __init__(self, units: UnitOfWorkFactory, people: PeopleService, clock: Clock) -> None:
        self._units = units
        self._people = people
        self._clock = clock

    async def streak(self, ref: PersonRef) -> StreakView | None:
        """Return the streak figures and this week's row of marks."""
        now = self._clock()
        async with self._units() as uow:
            await uow.reads_only()
            person = await self._people.find_in(uow, ref)
            if person is None:
                return None
            zone = ZoneInfo(person.timezone)
            today = local_date(now, zone)
            found = await streak_inputs(uow, person)
            days, schedule = found.done_days, found.schedule
            return StreakView(
                today=today,
                summary=streak(days, schedule, today),
                week=week_marks(days, schedule, today, joined=local_date(person.created_at, zone)),
                trained_today=today in days,
            )

    async def history(self, ref: PersonRef) -> HistoryView | None:
        """Return the last 30 days as marks, the last sessions and the all-time totals."""
        now = self._clock()
        async with self._units() as uow:
            await uow.reads_only()
            person = await self._people.find_in(uow, ref)
            if person is None:
                return None
            zone = ZoneInfo(person.timezone)
            today = local_date(now, zone)
            found = await streak_inputs(uow, person)
            days, schedule = found.done_days, found.schedule
            first = today - timedelta(days=HISTORY_DAYS - 1)
            joined = local_date(person.created_at, zone)
            marks = day_marks(days, schedule, first, today, today, joined=joined)
            sessions: list[Session] = []
            ended = await uow.runs.ended(person.id, HISTORY_SESSIONS * 3)
            check_ins = await uow.check_ins.of_runs([run.id for run in ended])
            for run in ended:
                records = tuple(set_record(log) for log in await uow.sets.of_run(run.id))
                row = check_ins.get(run.id)
                pain = None if row is None else (PainAnswer(row.answer), row.exercise_id)
                if records and run.local_date is not None:
                    sessions.append(
                        Session(run.routine_id, run.local_date, run.status, records, pain)
                    )
                if len(sessions) == HISTORY_SESSIONS:
                    break
            totals: Counter[str] = Counter()
            for exercise_id, reps in await uow.sets.done_counts(person.id):
                totals[exercise_id] += reps or 0
            hip_checks = tuple(
                HipCheck(row.local_date, row.answer, row.rest_day)
                for row in await uow.hip_days.since(person.id, first)
            )
            return HistoryView(
                today, marks, sessions, dict(totals), streak(days, schedule, today), hip_checks
            )

    async def progress(self, ref: PersonRef) -> ProgressData | None:
        """Return sessions per day and the version used per exercise over the last 12 weeks."""
        now = self._clock()
        async with self._units() as uow:
            person = await self._people.find_in(uow, ref)
            if person is None:
                return None
            today = local_date(now, ZoneInfo(person.timezone))
            since = today - timedelta(weeks=PROGRESS_WEEKS + 1)
            per_day = Counter(d for d in await done_days(uow, person.id) if d >= since)
            levels: dict[str, list[tuple[date, int]]] = defaultdict(list)
            for exercise_id, day, level in await level_history(uow, person):
                levels[exercise_id].append((day, level))
            return ProgressData(today, dict(per_day), dict(levels))
