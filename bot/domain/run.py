"""A routine run as a state machine: the current step, the version, and what an action does."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from content import EASIER, HARDER, STANDARD, Exercise, Routine

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
# The most a person can log for one side; more is almost surely a typo.
MAX_LOGGED_REPS = 200


class RunStatus(enum.StrEnum):
    """Where a run is in its life."""

    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


class SetStatus(enum.StrEnum):
    """What became of one step: done with a count, or skipped."""

    DONE = "done"
    SKIPPED = "skipped"


class Action(enum.StrEnum):
    """What a person can do on the current step."""

    DONE = "done"  # log the target count
    LOG = "log"  # log a count the person picked
    EASIER = "easier"
    HARDER = "harder"
    SKIP = "skip"
    STOP = "stop"


class Notice(enum.StrEnum):
    """Why an action changed what it did (or nothing); the interface turns it into words."""

    LOGGED = "logged"
    SKIPPED = "skipped"
    STOPPED = "stopped"
    FINISHED = "finished"
    EASIER = "easier"
    HARDER = "harder"
    AT_EASIEST = "at_easiest"
    AT_HARDEST = "at_hardest"
    DESK_CAP = "desk_cap"  # the harder version exists, but not in this (desk) routine
    HARDER_PAUSED = "harder_paused"  # the coach holds the harder version back (pain, screening)
    OFFER_TAKEN = "offer_taken"  # the person took the version the coach offered
    OFFER_DECLINED = "offer_declined"  # "Not yet" / "Keep this one"
    BAD_COUNT = "bad_count"
    NOT_ACTIVE = "not_active"


@dataclass(frozen=True)
class Step:
    """One exercise, or one side of a sided exercise."""

    exercise_id: str
    side: Side | None


@dataclass(frozen=True)
class SetRecord:
    """What to log for the step just left: done with a count, or skipped."""

    step_index: int
    exercise_id: str
    side: Side | None
    level: int
    status: SetStatus
    reps: int | None


@dataclass(frozen=True)
class RunState:
    """Everything needed to show and advance a run."""

    steps: tuple[Step, ...]
    index: int
    version: int
    status: RunStatus
    levels: Mapping[str, int]  # remembered per exercise, changed only by Easier and Harder
    caps: Mapping[str, int] = field(default_factory=dict)  # the routine's limits, level_caps
    # Exercises whose cap is the coach's, not the routine's (pain, screening, a worse day).
    coach_caps: frozenset[str] = frozenset()
    # What Done logs, by (exercise, level, side), where the coach set it (bot/domain/progression).
    targets: Mapping[tuple[str, int, Side | None], int] = field(default_factory=dict)

    @property
    def current(self) -> Step | None:
        """Return the step being shown, or None once the run is over."""
        if self.status is not RunStatus.ACTIVE or self.index >= len(self.steps):
            return None
        return self.steps[self.index]

    def level_of(self, exercise_id: str) -> int:
        """Return the level shown: the remembered one (else standard), within the routine's cap."""
        return min(self.levels.get(exercise_id, STANDARD), self.cap_of(exercise_id))

    def done_count(self, exercise: Exercise, side: Side | None) -> int:
        """Return what Done logs on a step: the coach's count, else the top of the dose."""
        level = self.level_of(exercise.id)
        return self.targets.get((exercise.id, level, side), exercise.dose_for(level).target)

    def cap_of(self, exercise_id: str) -> int:
        """Return the hardest level this run's routine offers of an exercise."""
        return self.caps.get(exercise_id, HARDER)

    @property
    def opens_exercise(self) -> bool:
        """Return whether the current step is the first of its exercise in this run."""
        current = self.current
        if current is None:
            return False
        return self.index == 0 or self.steps[self.index - 1].exercise_id != current.exercise_id

    def exercise_position(self) -> tuple[int, int]:
        """Return (number of the current exercise, number of exercises), both 1-based."""
        total = len({step.exercise_id for step in self.steps})
        if self.current is None:
            return total, total
        return len({step.exercise_id for step in self.steps[: self.index + 1]}), total


@dataclass(frozen=True)
class Outcome:
    """The result of an action: the new state, a set to log, a level to remember, a notice."""

    state: RunState
    notice: Notice
    record: SetRecord | None = None
    level_change: tuple[str, int] | None = None


def plan_steps(routine: Routine, exercises: Mapping[str, Exercise]) -> tuple[Step, ...]:
    """Expand a routine into steps: sided exercises become a left then a right step."""
    steps: list[Step] = []
    for exercise_id in routine.exercises:
        if exercises[exercise_id].dose.per_side:
            steps.extend(Step(exercise_id, side) for side in SIDES)
        else:
            steps.append(Step(exercise_id, None))
    return tuple(steps)


def level_caps(routine: Routine, exercises: Mapping[str, Exercise]) -> dict[str, int]:
    """Return the hardest level a routine offers per exercise, where it is below the hardest."""
    caps: dict[str, int] = {}
    for exercise_id in routine.exercises:
        top = routine.top_level(exercises[exercise_id])
        if top is None:  # the loader refuses such content; this guards a hand-made library
            raise ValueError(f"routine {routine.id!r} cannot offer {exercise_id!r}")
        if top < HARDER:
            caps[exercise_id] = top
    return caps


def apply(
    state: RunState,
    action: Action,
    exercises: Mapping[str, Exercise],
    *,
    reps: int | None = None,
) -> Outcome:
    """Return what an action does to a run; the input state is never changed."""
    step = state.current
    if step is None:
        return Outcome(state, Notice.NOT_ACTIVE)
    exercise = exercises[step.exercise_id]
    level = state.level_of(step.exercise_id)

    if action is Action.STOP:
        return Outcome(_bump(state, status=RunStatus.STOPPED), Notice.STOPPED)
    if action in (Action.EASIER, Action.HARDER):
        return _change_level(state, step.exercise_id, level, action)
    if action is Action.SKIP:
        record = SetRecord(state.index, step.exercise_id, step.side, level, SetStatus.SKIPPED, None)
        return _advance(state, record, Notice.SKIPPED)

    count = state.done_count(exercise, step.side) if action is Action.DONE else reps
    if count is None or not 1 <= count <= MAX_LOGGED_REPS:
        return Outcome(state, Notice.BAD_COUNT)
    record = SetRecord(state.index, step.exercise_id, step.side, level, SetStatus.DONE, count)
    return _advance(state, record, Notice.LOGGED)


def _bump(state: RunState, **changes: object) -> RunState:
    return replace(state, version=state.version + 1, **changes)  # type: ignore[arg-type]


def _advance(state: RunState, record: SetRecord, notice: Notice) -> Outcome:
    index = state.index + 1
    if index >= len(state.steps):
        finished = _bump(state, index=index, status=RunStatus.FINISHED)
        return Outcome(finished, Notice.FINISHED, record=record)
    return Outcome(_bump(state, index=index), notice, record=record)


def _change_level(state: RunState, exercise_id: str, level: int, action: Action) -> Outcome:
    if action is Action.EASIER:
        if level <= EASIER:
            return Outcome(state, Notice.AT_EASIEST)
        new_level, notice = level - 1, Notice.EASIER
    else:
        if level >= HARDER:
            return Outcome(state, Notice.AT_HARDEST)
        if level >= state.cap_of(exercise_id):
            paused = exercise_id in state.coach_caps
            return Outcome(state, Notice.HARDER_PAUSED if paused else Notice.DESK_CAP)
        new_level, notice = level + 1, Notice.HARDER
    levels = {**state.levels, exercise_id: new_level}
    return Outcome(_bump(state, levels=levels), notice, level_change=(exercise_id, new_level))


def encode_plan(steps: tuple[Step, ...]) -> str:
    """Pack steps as stored with a run, so a later content change cannot shift a live run."""
    return ",".join(f"{s.exercise_id}:{s.side[0]}" if s.side else s.exercise_id for s in steps)


def decode_plan(plan: str) -> tuple[Step, ...]:
    """Unpack steps stored by encode_plan."""
    sides: dict[str, Side] = {"l": "left", "r": "right"}
    steps: list[Step] = []
    for item in plan.split(","):
        exercise_id, _, side = item.partition(":")
        steps.append(Step(exercise_id, sides[side] if side else None))
    return tuple(steps)
