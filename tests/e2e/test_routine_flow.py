"""A person doing routines through Telegram (the double), checked in the chat and the rows."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import ExerciseLevel, Person, Run, SetLog
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import Library, library
from tests.e2e.helpers import cleared, start_routine

LIB: Library = library()

T = LIB.texts
DESK = LIB.routine("desk")


def routine_label(routine_id: str) -> str:
    routine = LIB.routine(routine_id)
    return T.routine_button.format(title=routine.title, minutes=f"{routine.minutes} min")


def done_label(exercise_id: str, level: int = 0) -> str:
    dose = LIB.exercise(exercise_id).dose_for(level)
    return T.btn_done.format(count=f"{dose.target} {dose.unit}")


def side(exercise_id: str, which: str) -> str:
    """The side as the step names it: 'Left foot', 'Left leg back', 'Standing on your left leg'."""
    naming = LIB.exercise(exercise_id).sides
    assert naming is not None and which in ("left", "right")
    return T.side(naming, "left" if which == "left" else "right")


def logged(exercise_id: str, which: str, count: int, level: int = 0) -> str:
    unit = LIB.exercise(exercise_id).dose_for(level).unit
    return T.ans_logged_side.format(count=f"{count} {unit}", side=side(exercise_id, which))


async def logs(db: async_sessionmaker[AsyncSession]) -> list[SetLog]:
    async with db() as session:
        return list((await session.scalars(select(SetLog).order_by(SetLog.step_index))).all())


async def runs(db: async_sessionmaker[AsyncSession]) -> list[Run]:
    async with db() as session:
        return list((await session.scalars(select(Run).order_by(Run.id))).all())


async def start_desk(ada: SandboxPerson) -> None:
    await ada.send("/routine")
    await start_routine(ada, routine_label("desk"))


def data_of(ada: SandboxPerson, label: str) -> tuple[str, int]:
    """Return the callback data and message id of a button as it stands now."""
    for message in reversed(ada.chat):
        for row in message.buttons:
            for button in row:
                if button.text == label and button.callback_data:
                    return button.callback_data, message.message_id
    raise AssertionError(f"no button {label!r}")


async def test_start_welcomes_with_safety_note_and_next_steps(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(501, "Ada")
    await ada.send("/start")
    welcome, onboarding = ada.raw.bot_messages
    assert welcome.text.startswith("Hi Ada!")
    assert onboarding.text.startswith("One more thing: when should I nudge you?")
    assert LIB.guide.safety in welcome.text
    default = T.start_default_button.format(title=DESK.title, minutes=f"{DESK.minutes} min")
    assert welcome.button_texts == [default, T.pick_routine_button, T.about_button]
    private = sandbox.double.my_commands({"type": "all_private_chats"})
    assert [c["command"] for c in private] == list(T.menu)
    groups = sandbox.double.my_commands({"type": "all_group_chats"})
    assert [c["command"] for c in groups] == ["team", "board", "leave"]
    assert sandbox.double.my_commands() == [], "no menu for chats of any other kind"
    async with db() as session:
        person = await session.scalar(select(Person))
    assert person is not None and (person.telegram_id, person.first_name) == (501, "Ada")
    assert person.timezone == "Europe/Berlin"

    await ada.press(T.about_button)
    assert LIB.guide.signs[0] in ada.last.text
    assert ada.last.button_texts == [routine_label(r) for r in LIB.routines]


async def test_picker_becomes_the_first_exercise_in_one_transaction(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(502)
    await cleared(ada)  # the hip question answered: the start goes straight to the routine
    await start_desk(ada)  # once before, so the first picture is uploaded (a commit of its own)
    await ada.press(T.btn_stop)
    await ada.send("/routine")
    picker = ada.last
    assert picker.button_texts == [routine_label(r) for r in LIB.routines]
    messages_before = len(ada.chat)
    commits: list[object] = []
    count = commits.append  # one bound method, so the listener can be removed
    event.listen(Engine, "commit", count)
    try:
        answer = await start_routine(ada, routine_label("desk"))
    finally:
        event.remove(Engine, "commit", count)
    assert answer.text == T.ans_started
    step = ada.last
    assert step.message_id == picker.message_id, "the list of routines became the routine"
    assert len(ada.chat) == messages_before
    assert len(commits) == 1, "the start (the run and the message it lives in) is one commit"
    earlier, run = await runs(db)
    assert (earlier.status, run.status) == ("stopped", "active")
    assert run.message_id == picker.message_id
    first = LIB.exercise(DESK.exercises[0])
    assert step.text.startswith(f"{first.name} — {side(first.id, 'left')}")
    assert f"Exercise 1/{len(DESK.exercises)}" in step.text
    dose = first.dose
    assert f"Do: {dose.min}-{dose.max} {dose.unit}" in step.text
    assert first.standard.steps[0] in step.text
    assert step.button_texts == [
        done_label(first.id),
        T.btn_log,
        T.btn_easier,
        T.btn_harder,
        T.btn_steps,
        T.btn_skip,
        T.btn_stop,
    ]
    assert step.animation_sha256 is not None  # the move, shown


async def test_only_a_start_after_an_ended_run_reads_the_set_history(sandbox: Sandbox) -> None:
    """A first routine has no past sets to read; the next start reads the one that ended."""
    ada = sandbox.person(506)
    await cleared(ada)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    def history_reads() -> int:
        """The reads of past sets with their check-ins (the coaching history's one query)."""
        return sum(1 for s in statements if "set_logs" in s and "check_ins" in s)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        await start_desk(ada)
        first = history_reads()
        await ada.press(T.btn_stop)
        await ada.send("/routine")
        statements.clear()
        await start_routine(ada, routine_label("desk"))
        second = history_reads()
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert (first, second) == (0, 1)


async def test_a_double_tap_on_a_start_opens_one_run_in_the_list(sandbox: Sandbox, db) -> None:
    """Both taps left before the first was handled: one run, shown once, and no error."""
    ada = sandbox.person(503)
    await cleared(ada)
    await ada.send("/routine")
    picker = ada.last
    first = await ada.raw.press(routine_label("desk"), message_id=picker.message_id)
    second = await ada.raw.press(routine_label("desk"), message_id=picker.message_id)
    await sandbox.settle(second)
    answers = [ada.raw.answer_for(u) for u in (first, second)]
    assert [a.text if a else None for a in answers] == [T.ans_started, T.ans_started]
    [run] = await runs(db)
    assert (run.status, run.message_id) == ("active", picker.message_id)
    assert ada.last.message_id == picker.message_id
    assert ada.last.text.startswith(f"{LIB.exercise(DESK.exercises[0]).name} — ")
    assert sum(1 for m in ada.chat if m.animation is not None) == 1


async def test_the_hip_answer_that_starts_a_routine_commits_once(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(504)
    await start_desk(ada)  # the first picture uploaded before (its own commit, once per bot)
    bob = sandbox.person(505, "Bob")
    await bob.send("/routine")
    await bob.press(routine_label("desk"))
    question = bob.last
    assert question.html == T.screening_question
    commits: list[object] = []
    count = commits.append
    event.listen(Engine, "commit", count)
    try:
        answer = await bob.press(T.btn_screening_no)
    finally:
        event.remove(Engine, "commit", count)
    assert answer.text == T.ans_started
    assert bob.last.message_id == question.message_id, "the question became the routine"
    assert len(commits) == 1, "the answer and the routine's start are one transaction"
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 505))
        assert person is not None and person.screening == "clear"
        run = await session.scalar(select(Run).where(Run.person_id == person.id))
    assert run is not None and (run.status, run.message_id) == ("active", question.message_id)


async def test_full_desk_routine_with_easier_harder_counts_and_skip(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(503)
    await start_desk(ada)
    run_message = ada.last.message_id
    messages_before = len(ada.chat)
    one, two, three = (LIB.exercise(e) for e in DESK.exercises)

    answer = await ada.press(T.btn_easier)
    assert answer.text == T.ans_easier
    assert f"Version: {one.easier.name}" in ada.last.text
    assert one.easier.steps[0] in ada.last.text
    assert T.btn_easier not in ada.last.button_texts  # already the easiest
    answer = await ada.press(done_label(one.id, -1))
    assert answer.text == logged(one.id, "left", one.dose_for(-1).target, -1)

    assert ada.last.text.startswith(f"{one.name} — {side(one.id, 'right')}")
    assert f"Version: {one.easier.name}" in ada.last.text  # the choice holds for both sides
    await ada.press(T.btn_log)
    assert T.units[one.dose.unit].picker_hint in ada.last.text
    assert T.btn_back in ada.last.button_texts
    await ada.press("12")

    assert ada.last.text.startswith(two.name)
    await ada.press(T.btn_harder)
    assert f"Version: {two.harder.name}" in ada.last.text
    await ada.press(done_label(two.id, 1))
    await ada.press(T.btn_skip)
    await ada.press(done_label(three.id))
    answer = await ada.press(done_label(three.id))
    assert answer.text == T.ans_finished

    summary = ada.last
    assert summary.message_id == run_message, "the run lives in one message, edited in place"
    assert len(ada.chat) == messages_before, "no flood of messages"
    assert summary.text.startswith(f"🎉 {DESK.title}: done!")
    one_unit, two_unit = one.dose.unit, two.dose_for(1).unit
    assert (
        f"✅ {one.name} ({one.easier.name}): {side(one.id, 'left')} "
        f"{one.dose_for(-1).target} {one_unit}, {side(one.id, 'right')} 12 {one_unit}"
        in summary.text
    )
    assert (
        f"✅ {two.name} ({two.harder.name}): {side(two.id, 'left')} "
        f"{two.dose_for(1).target} {two_unit}" in summary.text
    )
    assert "5 sets done, 1 skipped." in summary.text
    # The end of a routine asks about pain (the coaching issue), above the way on.
    assert summary.button_texts == [
        T.btn_pain_none,
        T.btn_pain_some,
        T.btn_pain_sharp,
        T.btn_new_routine,
    ]

    rows = [(r.exercise_id, r.side, r.level, r.status, r.reps) for r in await logs(db)]
    assert rows == [
        (one.id, "left", -1, "done", one.dose_for(-1).target),
        (one.id, "right", -1, "done", 12),
        (two.id, "left", 1, "done", two.dose_for(1).target),
        (two.id, "right", 1, "skipped", None),
        (three.id, "left", 0, "done", three.dose.target),
        (three.id, "right", 0, "done", three.dose.target),
    ]
    [run] = await runs(db)
    assert run.status == "finished" and run.finished_at is not None
    async with db() as session:
        levels = dict(
            (await session.execute(select(ExerciseLevel.exercise_id, ExerciseLevel.level))).all()
        )
    assert levels == {one.id: -1, two.id: 1}

    # The next routine starts with the remembered versions.
    await ada.press(T.btn_new_routine)
    await start_routine(ada, routine_label("desk"))
    assert f"Version: {one.easier.name}" in ada.last.text


async def test_stop_midway_keeps_what_was_logged(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(504)
    await start_desk(ada)
    first = DESK.exercises[0]
    await ada.press(done_label(first))
    old_done, message_id = data_of(ada, done_label(first))
    answer = await ada.press(T.btn_stop)
    assert answer.text == T.ans_stopped
    steps = 2 * len(DESK.exercises)
    assert ada.last.text.startswith(f"⏹ {DESK.title}: stopped at 1/{steps}")
    assert T.closing_stopped in ada.last.text
    [run] = await runs(db)
    assert run.status == "stopped"
    assert len(await logs(db)) == 1
    # A button of the stopped run: a polite answer, nothing logged.
    answer = await ada.press_data(old_done, message_id=message_id)
    assert answer.text == T.ans_over
    assert len(await logs(db)) == 1


async def test_restart_midway_carries_on(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(505)
    await start_desk(ada)
    first = DESK.exercises[0]
    await ada.press(done_label(first))
    await sandbox.restart()
    answer = await ada.press(done_label(first))  # the right side, pressed on the old message
    assert answer.text == logged(first, "right", LIB.exercise(first).dose.target)
    assert ada.last.text.startswith(LIB.exercise(DESK.exercises[1]).name)
    assert [(r.step_index, r.side) for r in await logs(db)] == [(0, "left"), (1, "right")]

    # /routine after a restart offers to continue the run in progress.
    await ada.send("/routine")
    cont = T.picker_continue.format(title=DESK.title, done=2, total=2 * len(DESK.exercises))
    assert ada.last.button_texts[0] == cont
    old_message = next(m for m in ada.chat if m.from_bot and T.btn_skip in m.button_texts)
    await ada.press(cont)
    assert ada.last.text.startswith(LIB.exercise(DESK.exercises[1]).name)
    retired = next(m for m in ada.chat if m.message_id == old_message.message_id)
    assert retired.text == T.moved_below and retired.buttons == []


async def test_double_press_logs_once(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(506)
    await start_desk(ada)
    first = DESK.exercises[0]
    data, message_id = data_of(ada, done_label(first))
    # Two taps that reach the bot before either is handled.
    first_tap = await ada.raw.press_data(data, message_id=message_id)
    second_tap = await ada.raw.press_data(data, message_id=message_id)
    await sandbox.settle(second_tap)
    answers = {ada.raw.answer_for(first_tap).text, ada.raw.answer_for(second_tap).text}  # type: ignore[union-attr]
    assert answers == {logged(first, "left", LIB.exercise(first).dose.target), T.ans_outdated}
    assert len(await logs(db)) == 1
    assert ada.last.text.startswith(f"{LIB.exercise(first).name} — {side(first, 'right')}")


async def test_stale_and_foreign_and_forged_buttons_change_nothing(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(507, "Ada")
    bob = sandbox.person(508, "Bob")
    await start_desk(ada)
    data, _ = data_of(ada, T.btn_skip)
    await bob.send("/start")
    answer = await bob.press_data(data, message_id=bob.last.message_id)
    assert answer.text == T.ans_foreign
    answer = await bob.press_data("1:d:zzzz:0", message_id=bob.last.message_id)
    assert answer.text == T.ans_missing
    answer = await ada.press_data("not ours", message_id=ada.last.message_id)
    assert answer.text == T.ans_invalid
    answer = await ada.press_data("0:d:1:0", message_id=ada.last.message_id)
    assert answer.text == T.ans_invalid
    assert await logs(db) == []
    assert ada.last.text.startswith(LIB.exercise(DESK.exercises[0]).name)


async def test_every_message_says_what_to_do_next(sandbox: Sandbox) -> None:
    ada = sandbox.person(509)
    await ada.send("good morning")
    assert ada.last.text == T.unknown_text
    await ada.send("/dance now")
    assert ada.last.text == T.unknown_command.format(command="/dance")
    await ada.send("/help")
    assert "/routine" in ada.last.text


async def test_concurrent_people_each_get_their_own_run(sandbox: Sandbox, db) -> None:
    people = [sandbox.person(600 + i, f"P{i}") for i in range(8)]
    await asyncio.gather(*(start_desk(p) for p in people))
    first = DESK.exercises[0]
    await asyncio.gather(*(p.press(done_label(first)) for p in people))
    rows = await logs(db)
    assert len(rows) == 8 and len({r.person_id for r in rows}) == 8
