"""The coach at work: the plan of a run at its start, and what the person says after it.

Reads each exercise's past sessions once, when a run starts, and asks the pure rules
(bot/domain/progression.py, pain.py, balance.py, screening.py) what to do; the answer is the
run's plan (bot/domain/coaching_plan.py), stored with the run. Changes the rules make without
asking (a sharp pain, a long break) are applied to the remembered versions here, and said on the
exercise's first step; offers wait for the person's tap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from bot.db.models import ExerciseLevel, Person
from bot.db.unit_of_work import UnitOfWork
from bot.domain import balance
from bot.domain.coaching_plan import (
    CapReason,
    ExercisePlan,
    Imbalance,
    Note,
    Offer,
    RunCoaching,
    targets_of,
)
from bot.domain.history import PainAnswer, SessionRecord
from bot.domain.pain import CheckIn, answers_by_exercise, therapist
from bot.domain.progression import Change, ProgressState, Reason, advise, done_counts
from bot.domain.run import Side
from bot.domain.screening import Screening, allowed_levels
from content import EASIER, LEVELS, STANDARD, Library, Routine

# How many of the person's latest runs the rules read: more than any rule looks back over
# (the therapist window is 5 sessions of one exercise; a routine holds up to 7 exercises).
HISTORY_RUNS = 60


async def histories(
    uow: UnitOfWork, person: Person, exercise_ids: Sequence[str], library: Library
) -> dict[str, list[SessionRecord]]:
    """Return each exercise's past sessions as the coaching rules read them."""
    rows = await uow.sets.done_history(person.id, exercise_ids, HISTORY_RUNS)
    check_ins = {
        row.run_id: CheckIn(row.answer, row.picked) for row in rows if row.answer is not None
    }
    # Per run and exercise: the day, the level of the last set, the first count of each side
    # at that level (an extra set is extra work, not a measure: bot/domain/history.py).
    sets: dict[tuple[int, str], list[tuple[Side | None, int, int]]] = defaultdict(list)
    days: dict[int, date] = {}
    done_in_run: dict[int, list[str]] = defaultdict(list)
    for run_id, day, exercise_id, side, level, count, _, _ in rows:
        sets[(run_id, exercise_id)].append((_side(side), level, count))
        days[run_id] = day
        if exercise_id not in done_in_run[run_id]:
            done_in_run[run_id].append(exercise_id)
    result: dict[str, list[SessionRecord]] = {exercise_id: [] for exercise_id in exercise_ids}
    for (run_id, exercise_id), logged in sets.items():
        if exercise_id not in library.exercises:
            continue
        exercise = library.exercise(exercise_id)
        level = logged[-1][1]
        if level not in LEVELS:
            continue
        dose = exercise.dose_for(level)
        counts: dict[Side | None, int] = {}
        for side, at, count in logged:
            if at == level and side not in counts and (side is not None) == dose.per_side:
                counts[side] = count
        pain = answers_by_exercise(check_ins.get(run_id), done_in_run[run_id]).get(
            exercise_id, PainAnswer.UNANSWERED
        )
        result[exercise_id].append(SessionRecord(run_id, days[run_id], level, dose, counts, pain))
    return result


def progress_state(row: ExerciseLevel | None) -> ProgressState:
    """Return what the rules remember of an exercise, from its row (none: standard, fresh)."""
    if row is None:
        return ProgressState(level=STANDARD)
    return ProgressState(
        level=row.level,
        start_level=row.start_level,
        declined_up_after=row.declined_up_after,
        declined_down_after=row.declined_down_after,
        fine_again_after=row.fine_again_after,
    )


class CoachingPlanner:
    """Builds a run's plan and applies what the rules decide without asking."""

    def __init__(self, library: Library) -> None:
        self._library = library

    async def plan(
        self,
        uow: UnitOfWork,
        person: Person,
        routine: Routine,
        *,
        today: date,
        now: datetime,
        gentlest_today: bool,
        marks: tuple[int | None, bool],
        newcomer: bool = False,
    ) -> tuple[RunCoaching, dict[str, int]]:
        """Return the run's plan and the person's remembered versions of its exercises.

        Versions the rules change without asking (a sharp pain, a long break) are remembered
        here, and the returned versions include them: the run's view needs no second read.
        marks: the person's latest ended run (its id) and whether any run was ever started.
        newcomer: the person was registered in this unit of work (no versions to read).
        """
        library = self._library
        rules = library.coaching
        exercise_ids = list(dict.fromkeys(routine.exercises))
        latest, any_run = marks
        # The history is the sets of ended runs: someone who never ended one has none to read
        # (a first routine's start, one statement fewer in the busiest moment of a new person).
        history = (
            await histories(uow, person, exercise_ids, library)
            if latest is not None
            else {exercise_id: [] for exercise_id in exercise_ids}
        )
        rows = {} if newcomer else await uow.levels.standings(person.id, exercise_ids)
        screening = Screening(person.screening) if person.screening else None
        plans: dict[str, ExercisePlan] = {}
        # The versions remembered once the plan is made (as the exercise_levels rows hold them).
        stored = {exercise_id: row.level for exercise_id, row in rows.items()}
        for exercise_id in exercise_ids:
            exercise = library.exercise(exercise_id)
            top = routine.top_level(exercise)
            allowed = (EASIER, STANDARD if top is None else top)
            cap_reason = CapReason.DESK if allowed[1] < max(LEVELS) else None
            if screening is Screening.GENTLE:
                allowed, cap_reason = allowed_levels(screening, allowed), CapReason.GENTLE
            elif gentlest_today:
                allowed, cap_reason = (EASIER, EASIER), CapReason.HIP_TODAY
            state = progress_state(rows.get(exercise_id))
            advice = advise(
                history[exercise_id],
                state,
                exercise.dose_for(min(max(state.level, allowed[0]), allowed[1])),
                today,
                allowed,
                rules,
            )
            plan = ExercisePlan(cap=allowed[1] if cap_reason else None, cap_reason=cap_reason)
            level = min(max(state.level, allowed[0]), allowed[1])
            suggestion = advice.suggestion
            if suggestion is not None and not suggestion.offer:
                # Decided, not asked (a sharp pain, a long break): applied now and said.
                level = suggestion.to_level
                await uow.levels.remember(person.id, exercise_id, level, now)
                stored[exercise_id] = level
                note = (
                    Note.SHARP_DOWN if suggestion.reason is Reason.SHARP_PAIN else Note.BREAK_DOWN
                )
                plan = replace(plan, note=note, days=suggestion.days)
            elif suggestion is not None:
                plan = replace(
                    plan,
                    offer=Offer(
                        change=suggestion.change.value,
                        reason=suggestion.reason.value,
                        from_level=suggestion.from_level,
                        to_level=suggestion.to_level,
                        count=suggestion.count,
                        sessions=suggestion.sessions,
                    ),
                )
            if advice.harder_blocked:
                cap = min(level, plan.cap if plan.cap is not None else level)
                plan = replace(plan, cap=cap, cap_reason=CapReason.THERAPIST)
                if plan.note is None:
                    plan = replace(
                        plan,
                        note=Note.THERAPIST,
                        pain_sessions=advice.therapist.pain_sessions,
                        window=advice.therapist.window,
                    )
            row = rows.get(exercise_id)
            extra = _side(row.extra_side) if row is not None else None
            if extra is not None and exercise.dose.per_side:
                plan = replace(plan, extra_side=extra)
                await uow.levels.mark(person.id, exercise_id, now, extra_side=None)
            counts = {
                at: done_counts(history[exercise_id], at, exercise.dose_for(at)) for at in LEVELS
            }
            plans[exercise_id] = replace(plan, targets=targets_of(counts))
        return RunCoaching(latest=latest or 0, first_run=not any_run, exercises=plans), stored

    async def after_finish(
        self, uow: UnitOfWork, person: Person, coaching: RunCoaching, done: Sequence[str]
    ) -> RunCoaching:
        """Return the plan with the gap between the sides found now, if any is worth a word."""
        rules = self._library.coaching.balance
        sided = [e for e in done if self._library.exercise(e).dose.per_side]
        if not sided:
            return coaching
        history = await histories(uow, person, sided, self._library)
        gaps = {e: gap for e in sided if (gap := balance.imbalance(history[e], rules)) is not None}
        if not gaps:
            return coaching  # the usual finish: no standings to read
        rows = await uow.levels.standings(person.id, list(gaps))
        found: list[Imbalance] = []
        for exercise_id, gap in gaps.items():
            row = rows.get(exercise_id)
            declined = row.extra_declined_after if row is not None else None
            newer = [r for r in history[exercise_id] if declined is None or r.number > declined]
            if declined is not None and len(newer) < rules.sessions:
                continue  # declined lately: ask again only after as many new sessions
            found.append(Imbalance(exercise_id, gap.behind, gap.percent, gap.sessions))
        if not found:
            return coaching
        widest = max(found, key=lambda gap: gap.percent)
        return replace(coaching, imbalance=widest)

    def pain_effects(
        self,
        history: Mapping[str, list[SessionRecord]],
        row: ExerciseLevel | None,
        exercise_id: str,
    ) -> tuple[bool, int, int]:
        """Return whether a therapist is now suggested for an exercise, and the count behind it."""
        fine_again = row.fine_again_after if row is not None else None
        status = therapist(history.get(exercise_id, []), fine_again, self._library.coaching.pain)
        return status.recommended and status.new, status.pain_sessions, status.window


def offered_change(offer: Offer) -> Change:
    """Return which way an offer moves."""
    return Change(offer.change)


def _side(value: str | None) -> Side | None:
    return "left" if value == "left" else "right" if value == "right" else None
