"""A person's training as the streak rules read it: counted days, schedules, the week."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Person
from bot.db.unit_of_work import UnitOfWork
from bot.domain.schedule import local_date, mask_to_days
from bot.domain.streak import Schedule, StreakSummary, streak


@dataclass(frozen=True)
class WeekSummary:
    """Last week in brief, for the weekly message."""

    week_start: date
    days_trained: int
    sessions: int
    streak: int
    moved_up: list[str]  # exercise ids whose version went up during the week


async def done_days(uow: UnitOfWork, person_id: int) -> list[date]:
    """Return the local day of every run that counts, one per such run."""
    return (await uow.runs.done_days([person_id]))[person_id]


def schedule_with(person: Person, pauses: Iterable[tuple[date, date]]) -> Schedule:
    """Return a person's training days with these paused spans, as the streak rules read them."""
    schedule = Schedule(mask_to_days(person.remind_days))
    for first, last in pauses:
        schedule = schedule.with_pause(first, last)
    return schedule


async def schedules_of(uow: UnitOfWork, people: list[Person]) -> dict[int, Schedule]:
    """Return each person's training days and paused days, as the streak rules read them."""
    pauses: dict[int, list[tuple[date, date]]] = {person.id: [] for person in people}
    for person_id, first, last in await uow.pauses.of(list(pauses)):
        pauses[person_id].append((first, last))
    return {person.id: schedule_with(person, pauses[person.id]) for person in people}


@dataclass(frozen=True)
class StreakInputs:
    """What one person's streak is computed from, read in one statement."""

    done_days: list[date]
    schedule: Schedule
    celebrated: set[int]  # the milestones (in days) celebrated already


async def streak_inputs(uow: UnitOfWork, person: Person) -> StreakInputs:
    """Return a person's counted days, schedule with pauses, and milestones celebrated."""
    facts = await uow.runs.streak_facts(person.id)
    return StreakInputs(facts.done_days, schedule_with(person, facts.pauses), facts.celebrated)


async def streak_now(uow: UnitOfWork, person: Person, now: datetime) -> StreakSummary:
    """Return the person's streak as of now in their zone."""
    today = local_date(now, ZoneInfo(person.timezone))
    found = await streak_inputs(uow, person)
    return streak(found.done_days, found.schedule, today)


async def level_history(uow: UnitOfWork, person: Person) -> list[tuple[str, date, int]]:
    """Return (exercise id, local day, version level) of every set done, oldest first."""
    zone = ZoneInfo(person.timezone)
    return [
        (exercise_id, local_date(at, zone), level)
        for exercise_id, at, level in await uow.sets.done_levels(person.id)
    ]


async def week_summary(
    uow: UnitOfWork, person: Person, week_start: date, now: datetime
) -> WeekSummary:
    """Summarise the week that starts on week_start (a Monday) for the weekly message."""
    week_end = week_start + timedelta(days=6)
    days = await uow.runs.done_days_between(person.id, week_start, week_end)
    before: dict[str, int] = {}
    best_in_week: dict[str, int] = {}
    for exercise_id, day, level in await level_history(uow, person):
        if day < week_start:
            before[exercise_id] = level
        elif day <= week_end:
            best_in_week[exercise_id] = max(level, best_in_week.get(exercise_id, level))
    moved_up = [e for e, level in best_in_week.items() if level > before.get(e, 0)]
    current = (await streak_now(uow, person, now)).current
    return WeekSummary(week_start, len(set(days)), len(days), current, moved_up)
