"""The routine state machine, without Telegram or a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.run import (
    Action,
    Notice,
    RunState,
    RunStatus,
    Step,
    apply,
    decode_plan,
    encode_plan,
    level_caps,
    plan_steps,
)
from content import Library, library

LIB = library()


def fresh(routine_id: str = "desk", levels: dict[str, int] | None = None) -> RunState:
    routine = LIB.routine(routine_id)
    steps = plan_steps(routine, LIB.exercises)
    return RunState(steps, 0, 0, RunStatus.ACTIVE, levels or {}, level_caps(routine, LIB.exercises))


def at(state: RunState, exercise_id: str) -> RunState:
    """The same run, moved on to the first step of an exercise."""
    index = next(i for i, s in enumerate(state.steps) if s.exercise_id == exercise_id)
    return RunState(state.steps, index, state.version, state.status, state.levels, state.caps)


def test_sided_exercises_go_left_then_right(lib: Library) -> None:
    steps = plan_steps(lib.routine("full"), lib.exercises)
    first = lib.routine("full").exercises[0]
    assert lib.exercise(first).dose.per_side
    assert steps[:2] == (Step(first, "left"), Step(first, "right"))
    unsided = [s for s in steps if s.side is None]
    assert all(not lib.exercise(s.exercise_id).dose.per_side for s in unsided)


def test_done_logs_target_and_advances() -> None:
    state = fresh()
    step = state.current
    assert step is not None
    outcome = apply(state, Action.DONE, LIB.exercises)
    assert outcome.notice is Notice.LOGGED
    assert outcome.record is not None
    assert outcome.record.reps == LIB.exercise(step.exercise_id).dose.max
    assert (outcome.record.step_index, outcome.record.side) == (0, step.side)
    assert outcome.state.index == 1 and outcome.state.version == 1
    assert state.index == 0, "the input state is never changed"


def test_log_with_count_and_bad_counts() -> None:
    state = fresh()
    assert apply(state, Action.LOG, LIB.exercises, reps=7).record.reps == 7  # type: ignore[union-attr]
    for bad in (None, 0, -3, 201):
        outcome = apply(state, Action.LOG, LIB.exercises, reps=bad)
        assert outcome.notice is Notice.BAD_COUNT and outcome.state is state


def test_easier_and_harder_stop_at_the_ends() -> None:
    state = fresh()
    easier = apply(state, Action.EASIER, LIB.exercises)
    assert easier.notice is Notice.EASIER and easier.level_change is not None
    assert easier.state.index == 0 and easier.state.version == 1
    floor = apply(easier.state, Action.EASIER, LIB.exercises)
    assert floor.notice is Notice.AT_EASIEST and floor.state is easier.state
    harder = apply(apply(state, Action.HARDER, LIB.exercises).state, Action.HARDER, LIB.exercises)
    assert harder.notice is Notice.AT_HARDEST


def test_level_applies_to_both_sides_and_the_dose_follows_it() -> None:
    state = apply(fresh(), Action.HARDER, LIB.exercises).state
    done = apply(state, Action.DONE, LIB.exercises)
    assert done.record is not None and done.record.level == 1
    right = done.state.current
    assert right is not None and right.side == "right"
    assert done.state.level_of(right.exercise_id) == 1
    exercise = LIB.exercise(right.exercise_id)
    assert done.record.reps == exercise.dose_for(1).target


def test_skip_records_and_stop_ends() -> None:
    skipped = apply(fresh(), Action.SKIP, LIB.exercises)
    assert skipped.record is not None and skipped.record.status == "skipped"
    assert skipped.record.reps is None
    stopped = apply(skipped.state, Action.STOP, LIB.exercises)
    assert stopped.state.status is RunStatus.STOPPED and stopped.record is None
    assert apply(stopped.state, Action.DONE, LIB.exercises).notice is Notice.NOT_ACTIVE


def test_last_step_finishes() -> None:
    state = fresh()
    notices = []
    while state.current is not None:
        outcome = apply(state, Action.DONE, LIB.exercises)
        notices.append(outcome.notice)
        state = outcome.state
    assert notices[-1] is Notice.FINISHED and set(notices[:-1]) == {Notice.LOGGED}
    assert state.status is RunStatus.FINISHED and state.index == len(state.steps)


def test_a_desk_run_caps_the_remembered_level_and_says_why_harder_does_nothing() -> None:
    warrior = "warrior_half_moon"
    assert level_caps(LIB.routine("desk"), LIB.exercises) == {warrior: 0}
    # Harder was chosen in the Full set; the desk run still shows the wall-supported version.
    state = at(fresh("desk", {warrior: 1}), warrior)
    assert state.level_of(warrior) == 0
    refused = apply(state, Action.HARDER, LIB.exercises)
    assert refused.notice is Notice.DESK_CAP
    assert refused.state is state and refused.level_change is None
    done = apply(state, Action.DONE, LIB.exercises)
    assert done.record is not None and done.record.level == 0
    easier = apply(state, Action.EASIER, LIB.exercises)
    assert easier.notice is Notice.EASIER and easier.level_change == (warrior, -1)
    assert easier.state.level_of(warrior) == -1
    back = apply(easier.state, Action.HARDER, LIB.exercises)
    assert back.notice is Notice.HARDER and back.state.level_of(warrior) == 0
    # The Full set offers the harder version, and the remembered level is shown there.
    full = at(fresh("full", {warrior: 1}), warrior)
    assert full.level_of(warrior) == 1
    assert apply(full, Action.HARDER, LIB.exercises).notice is Notice.AT_HARDEST


def test_the_first_step_of_each_exercise_opens_it() -> None:
    state = fresh("full")
    seen = []
    while state.current is not None:
        seen.append((state.current.exercise_id, state.current.side, state.opens_exercise))
        state = apply(state, Action.DONE, LIB.exercises).state
    assert [(side, opens) for _, side, opens in seen] == [
        ("left", True),
        ("right", False),
        ("left", True),
        ("right", False),
        (None, True),  # prone wipers: both sides at once
        *[("left", True), ("right", False)] * 4,
    ]
    assert [exercise for exercise, _, opens in seen if opens] == LIB.routine("full").exercises
    assert not state.opens_exercise  # the run is over


@pytest.mark.parametrize("routine_id", ["desk", "floor", "full"])
def test_plan_round_trips(routine_id: str) -> None:
    steps = plan_steps(LIB.routine(routine_id), LIB.exercises)
    assert decode_plan(encode_plan(steps)) == steps


@given(st.lists(st.sampled_from(list(Action)), max_size=40), st.sampled_from(["desk", "full"]))
def test_any_sequence_keeps_the_run_consistent(actions: list[Action], routine_id: str) -> None:
    state = fresh(routine_id, {"warrior_half_moon": 1})
    desk = LIB.routine(routine_id).setting == "desk"
    logged: list[int] = []
    for action in actions:
        outcome = apply(state, action, LIB.exercises, reps=5)
        if outcome.record is not None:
            logged.append(outcome.record.step_index)
            # In a desk run every logged set was of a version that fits at a desk.
            version = LIB.exercise(outcome.record.exercise_id).variation(outcome.record.level)
            assert version.desk_safe or not desk
        assert outcome.state.version >= state.version
        assert all(-1 <= level <= 1 for level in outcome.state.levels.values())
        state = outcome.state
    # Every step is logged at most once, in order, and the index counts the logged steps.
    assert logged == list(range(len(logged)))
    assert state.index == len(logged)
    if state.status is RunStatus.FINISHED:
        assert len(logged) == len(state.steps)
