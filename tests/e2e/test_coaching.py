"""The coach adapts: screening, moving up, stepping down on pain, a therapist, a lagging side."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.models import CheckIn, ExerciseLevel, Person, SetLog
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import HARDER, STANDARD, library
from tests.e2e.helpers import join, reminders_in, start_routine, sweep

LIB = library()
T = LIB.texts
DESK = LIB.routine("desk")
SEATED = LIB.exercise("seated_ir")
DESK_LABEL = T.routine_button.format(title=DESK.title, minutes=f"{DESK.minutes} min")
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def summary(person: SandboxPerson) -> str:
    """Return the newest routine summary as it stands (a milestone may have come after it)."""
    return next(m.text for m in reversed(person.raw.bot_messages) if m.text.startswith("🎉"))


def done_button(person: SandboxPerson) -> str:
    return next(b for b in person.last.button_texts if b.startswith("✅ Done"))


async def desk(person: SandboxPerson, counts: dict[int, int] | None = None) -> None:
    """A whole desk routine: Done on every step, or the given count on some steps."""
    await person.send("/routine")
    await start_routine(person, DESK_LABEL)
    step = 0
    while any(b.startswith("✅ Done") for b in person.last.button_texts):
        if counts and step in counts:
            await person.press(T.btn_log)
            await person.press(str(counts[step]))
        else:
            await person.press(done_button(person))
        step += 1


async def levels(db, telegram_id: int) -> dict[str, ExerciseLevel]:
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
        rows = await session.scalars(
            select(ExerciseLevel).where(ExerciseLevel.person_id == person.id)
        )
        return {row.exercise_id: row for row in rows.all()}


async def test_two_top_sessions_bring_the_offer_and_taking_it_moves_up(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = timed.person(6001, "Ada")
    await ada.send("/start")
    for day in range(2):
        clock.now = MONDAY + timedelta(days=day)
        await desk(ada)
        assert T.checkin_question in summary(ada)
        await ada.press(T.btn_pain_none)
        assert T.checkin_thanks_none in summary(ada)
    clock.now = MONDAY + timedelta(days=2)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    step = ada.last
    offer = T.offer_up.pick(2).format(count="15 reps", sessions=2)
    assert offer in step.text, step.text
    assert step.button_texts[:2] == [T.btn_offer_up_take, T.btn_offer_up_decline]
    answer = await ada.press(T.btn_offer_up_take)
    assert answer.text == T.ans_offer_taken
    assert ada.last.message_id == step.message_id, "the same run message, redrawn"
    assert SEATED.harder.name in ada.last.text and offer not in ada.last.text
    assert done_button(ada) == f"✅ Done ({SEATED.dose_for(HARDER).max} reps)"
    assert (await levels(db, 6001))["seated_ir"].level == HARDER


async def test_not_yet_is_remembered(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = timed.person(6002, "Ada")
    await ada.send("/start")
    for day in range(2):
        clock.now = MONDAY + timedelta(days=day)
        await desk(ada)
        await ada.press(T.btn_pain_none)
    clock.now = MONDAY + timedelta(days=2)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    assert (await ada.press(T.btn_offer_up_decline)).text == T.ans_offer_declined
    assert T.btn_offer_up_take not in ada.last.button_texts
    row = (await levels(db, 6002))["seated_ir"]
    assert row.level == STANDARD and row.declined_up_after is not None
    # The next session does not ask again: two more such sessions are needed first.
    await ada.press(T.btn_stop)
    clock.now = MONDAY + timedelta(days=3)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    assert T.btn_offer_up_take not in ada.last.button_texts


async def test_sharp_pain_steps_down_and_the_next_reminder_asks(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = await join(timed, 6003, "Europe/Berlin", "09:00", True)
    await desk(ada)
    await ada.press(T.btn_pain_sharp)
    assert T.checkin_which in summary(ada)
    await ada.press(SEATED.name)
    assert "Noted: sharp pain in Seated internal rotation" in summary(ada)
    async with db() as session:
        [row] = (await session.scalars(select(CheckIn))).all()
    assert (row.answer, row.exercise_id) == ("sharp", "seated_ir")

    # The next morning's reminder asks how the hip is.
    clock.now = MONDAY + timedelta(days=1, hours=2, seconds=5)  # Tuesday 09:00:05
    assert await sweep(timed) == 1
    assert "How's the hip today?" in reminders_in(ada)[-1]

    # The next session starts that exercise one version easier and says why.
    await ada.press("🙂 Better")
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    assert SEATED.easier.name in ada.last.text
    assert "Easier version today: you reported sharp pain in this last time" in ada.last.text
    assert (await levels(db, 6003))["seated_ir"].level == STANDARD - 1

    # The answer is the person's data: /history shows it, /export holds it.
    await ada.send("/history")
    assert "pain: sharp (Seated internal rotation)" in ada.last.text
    await ada.send("/export")
    exported = json.loads(ada.raw.bot_messages[-2].document or b"{}")
    assert [(c["answer"], c["exercise_id"]) for c in exported["check_ins"]] == [
        ("sharp", "seated_ir")
    ]


async def test_pain_in_three_sessions_suggests_a_therapist(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = timed.person(6004, "Ada")
    await ada.send("/start")
    for day in range(3):
        clock.now = MONDAY + timedelta(days=day)
        await desk(ada)
        await ada.press(T.btn_pain_some)
        await ada.press(SEATED.name)
    assert "Please have a physical therapist look at your hip" in summary(ada)
    clock.now = MONDAY + timedelta(days=3)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    assert "You reported pain in this in 3 of your last" in ada.last.text
    assert T.btn_fine_again in ada.last.button_texts
    answer = await ada.press(T.btn_harder)
    assert answer.text == T.ans_harder_therapist
    assert SEATED.standard.name in ada.last.text, "Harder changed nothing"
    assert (await ada.press(T.btn_fine_again)).text == T.ans_fine_again
    await ada.press(T.btn_harder)
    assert SEATED.harder.name in ada.last.text


async def test_screening_yes_then_gentlest_versions_only(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(6005, "Ada")
    await ada.send("/start")
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    assert ada.last.html == T.screening_question
    await ada.press(T.btn_screening_yes)
    assert "check with your surgeon or physical therapist" in ada.last.text
    assert "often restricted after some hip replacements" in ada.last.text
    answer = await ada.press(T.btn_screening_gentle)
    assert answer.text == T.ans_started
    assert SEATED.easier.name in ada.last.text
    assert LIB.guide.safety in ada.last.text, "the first routine says the safety note"
    assert (await ada.press(T.btn_harder)).text == T.ans_harder_gentle
    assert SEATED.easier.name in ada.last.text
    await ada.send("/settings")
    assert T.screening_line_gentle in ada.last.text
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 6005))
    assert person is not None and person.screening == "gentle"

    # Someone who says "not now" starts nothing and gets no reminders.
    bob = sandbox.person(6006, "Bob")
    await bob.send("/start")
    await bob.send("/routine")
    await bob.press(DESK_LABEL)
    await bob.press(T.btn_screening_yes)
    await bob.press(T.btn_screening_not_now)
    assert bob.last.text == T.screening_not_now
    async with db() as session:
        row = await session.scalar(select(Person).where(Person.telegram_id == 6006))
        sets = (await session.scalars(select(SetLog))).all()
    assert row is not None and row.screening == "not_now" and not row.reminders_on
    assert row.next_reminder_at is None and sets == []
    default = T.start_default_button.format(title=DESK.title, minutes=f"{DESK.minutes} min")
    welcome = bob.raw.bot_messages[0].message_id
    await bob.press(default, message_id=welcome)
    [asked] = [m for m in bob.raw.bot_messages if m.message_id == welcome]
    assert asked.html == T.screening_question, "asked again, nothing starts"


async def test_a_lagging_side_is_said_and_an_extra_set_offered(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = timed.person(6007, "Ada")
    await ada.send("/start")
    for day in range(3):
        clock.now = MONDAY + timedelta(days=day)
        await desk(ada, counts={0: 10})  # the left foot 10, the right 15
        if day < 2:
            await ada.press(T.btn_pain_none)
    lagging = "your left side logged fewer than the other, by 33%"
    assert f"Seated internal rotation: over the last 3 sessions {lagging}" in summary(ada)
    await ada.press(T.btn_extra_take.format(side="left"))
    assert "Next time brings one extra left-side set of Seated internal rotation" in summary(ada)
    assert (await levels(db, 6007))["seated_ir"].extra_side == "left"
    clock.now = MONDAY + timedelta(days=3)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    await ada.press(done_button(ada))
    await ada.press(done_button(ada))
    assert ada.last.text.startswith(f"{SEATED.name} — Left foot{T.extra_set_mark}")


async def test_after_a_long_break_a_moved_up_exercise_starts_one_lower(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = timed.person(6008, "Ada")
    await ada.send("/start")
    for day in range(2):
        clock.now = MONDAY + timedelta(days=day)
        await desk(ada)
        await ada.press(T.btn_pain_none)
    clock.now = MONDAY + timedelta(days=2)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    await ada.press(T.btn_offer_up_take)
    while any(b.startswith("✅ Done") for b in ada.last.button_texts):
        await ada.press(done_button(ada))
    assert (await levels(db, 6008))["seated_ir"].level == HARDER
    # Sixteen days later the harder version waits: the first session back starts one lower.
    clock.now = MONDAY + timedelta(days=18)
    await ada.send("/routine")
    await ada.press(DESK_LABEL)
    assert "Welcome back! After 16 days away, this starts one version lower." in ada.last.text
    assert SEATED.standard.name in ada.last.text
    assert (await levels(db, 6008))["seated_ir"].level == STANDARD


async def test_a_worse_day_brings_the_gentlest_versions(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = await join(timed, 6009, "Europe/Berlin", "09:00", True)
    await desk(ada)
    await ada.press(T.btn_pain_some)
    await ada.press(T.btn_pain_unsure)
    clock.now = MONDAY + timedelta(days=1, hours=2, seconds=5)  # Tuesday 09:00:05
    assert await sweep(timed) == 1
    await ada.press("😣 Worse")
    await start_routine(ada, T.btn_start_now)
    assert SEATED.easier.name in ada.last.text
    assert (await ada.press(T.btn_harder)).text == T.ans_harder_hip_today
    assert SEATED.easier.name in ada.last.text
