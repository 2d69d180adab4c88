"""A coach's corrections, as a person sees them in the chat and as the rows record them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import ExerciseLevel, SetLog
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import library
from tests.e2e.helpers import join, start_routine

LIB = library()
T = LIB.texts
WEIGHT = "0.5–1 kg (1–2 lb)"
DESK_CAP = (
    "The harder version needs the floor or a free balance, so a desk break stops here. "
    "Try it in another routine: Full set."
)


async def start(person: SandboxPerson, routine_id: str) -> None:
    """Start a routine with its steps as text (the data saver): the whole step in the message.

    These corrections are about the step's full text (why, setup, cues); under an animation
    the same text is one tap away (tests/e2e/test_media.py).
    """
    routine = LIB.routine(routine_id)
    await person.send("/settings")
    if T.btn_data_saver_on not in person.last.button_texts:
        await person.send("/start")  # a read registers nobody: /start first
        await person.send("/settings")
    if T.btn_data_saver_on in person.last.button_texts:
        await person.press(T.btn_data_saver_on)
    await person.send("/routine")
    await start_routine(
        person, T.routine_button.format(title=routine.title, minutes=f"{routine.minutes} min")
    )


async def skip(person: SandboxPerson, steps: int) -> None:
    for _ in range(steps):
        await person.press(T.btn_skip)


def lines(person: SandboxPerson) -> list[str]:
    return person.last.text.splitlines()


async def levels(db: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with db() as session:
        query = select(ExerciseLevel.exercise_id, ExerciseLevel.level)
        return {exercise_id: level for exercise_id, level in (await session.execute(query)).all()}


async def sets(
    db: async_sessionmaker[AsyncSession],
) -> list[tuple[str, str | None, int, int | None]]:
    async with db() as session:
        rows = await session.scalars(select(SetLog).order_by(SetLog.id))
        return [(r.exercise_id, r.side, r.level, r.reps) for r in rows]


async def test_the_desk_warrior_holds_a_wall_and_harder_says_why_it_is_not_here(
    sandbox: Sandbox, db
) -> None:
    ada = sandbox.person(2001)
    await start(ada, "desk")
    await skip(ada, 4)  # seated drill and pyramid, both sides
    step = lines(ada)
    assert step[0] == "Warrior 3 to half moon — Standing on your left leg"
    assert step[2] == "Exercise 3/3 · standing · wall or desk"
    assert step[3] == "Version: Wall-supported flow"
    assert "1. Rest the hand on the standing-leg side lightly on the wall or desk." in step
    assert "floor" not in ada.last.text.split("Version:")[1]
    assert ada.last.button_texts[2:4] == [T.btn_easier, T.btn_harder]

    before = ada.last
    answer = await ada.press(T.btn_harder)
    assert answer.text == DESK_CAP
    assert ada.last == before, "nothing changes on screen"
    assert await levels(db) == {}

    answer = await ada.press(T.btn_easier)
    assert answer.text == T.ans_easier
    assert lines(ada)[3] == "Version: Desk-supported T"
    assert lines(ada)[2] == "Exercise 3/3 · standing · desk or table"
    assert await levels(db) == {"warrior_half_moon": -1}


async def test_a_harder_warrior_from_the_full_set_does_not_put_the_desk_run_on_the_floor(
    sandbox: Sandbox, db
) -> None:
    ada = sandbox.person(2002)
    await start(ada, "full")
    await skip(ada, 11)  # everything before the warrior
    await ada.press(T.btn_harder)
    assert lines(ada)[3] == "Version: Free-standing flow with holds"
    assert "2. Lower the standing-leg-side hand to the floor; open into half moon." in lines(ada)
    await ada.press(T.btn_stop)

    await start(ada, "desk")
    await skip(ada, 4)
    assert lines(ada)[3] == "Version: Wall-supported flow"
    await ada.press("✅ Done (4 rounds)")
    assert (await sets(db))[-1] == ("warrior_half_moon", "left", 0, 4)
    assert await levels(db) == {"warrior_half_moon": 1}, "the remembered choice stays"


async def test_each_side_is_named_by_the_leg_that_works(sandbox: Sandbox) -> None:
    ada = sandbox.person(2003)
    await start(ada, "desk")
    assert lines(ada)[0] == "Seated internal rotation — Left foot"
    answer = await ada.press("✅ Done (15 reps)")
    assert answer.text == "Logged 15 reps (Left foot) ✔"
    assert lines(ada)[0] == "Seated internal rotation — Right foot"
    await skip(ada, 1)
    assert lines(ada)[0] == "Revolved pyramid pose — Left leg back"
    await skip(ada, 2)
    assert lines(ada)[0] == "Warrior 3 to half moon — Standing on your left leg"

    await start(ada, "floor")
    assert lines(ada)[0] == "90-90 back-foot lift — Left leg back"
    await skip(ada, 2)
    assert lines(ada)[0] == "Prone windshield wipers"  # both hips at once: no side
    await skip(ada, 1)
    assert lines(ada)[0] == "Table-top hip circles — Left leg"

    await start(ada, "full")
    await skip(ada, 7)
    assert lines(ada)[0] == "Standing banded internal rotation — Left leg"
    await ada.press(T.btn_harder)  # balancing on the banded leg
    assert lines(ada)[0] == "Standing banded internal rotation — Standing on your left leg"


async def test_the_no_band_version_sets_up_without_a_band(sandbox: Sandbox) -> None:
    ada = sandbox.person(2004)
    await start(ada, "full")
    await skip(ada, 7)
    assert "Tie a long band" in ada.last.text
    await ada.press(T.btn_easier)
    step = lines(ada)
    assert step[2] == "Exercise 5/7 · standing · no equipment"
    assert step[3] == "Version: No-band rotation"
    how = step[step.index("") + 1 : step.index("Do: 8-10 reps")]
    assert how[0].startswith("Stand tall with feet shoulder-width apart")
    assert not [line for line in how if "band" in line.lower()], how


async def test_the_why_is_said_once_per_exercise(sandbox: Sandbox) -> None:
    ada = sandbox.person(2005)
    await start(ada, "desk")
    screens = []
    while ada.last.button_texts[0].startswith("✅ Done"):
        screens.append(ada.last.text)
        await ada.press(ada.last.button_texts[0])
    assert len(screens) == 6
    for exercise_id in LIB.routine("desk").exercises:
        why = LIB.exercise(exercise_id).why
        shown = [text.splitlines()[1] == why for text in screens]
        assert sum(shown) == 1, exercise_id
        first = next(i for i, text in enumerate(screens) if LIB.exercise(exercise_id).name in text)
        assert shown[first], "under the name, on the exercise's first step"


async def test_only_safety_cues_carry_the_warning_sign(sandbox: Sandbox) -> None:
    ada = sandbox.person(2006)
    await start(ada, "desk")
    await skip(ada, 4)
    step = lines(ada)
    assert [line for line in step if "⚠️" in line] == [
        "⚠️ If you wobble, put the lifted foot down and start the round again.",
        "⚠️ Stop if you feel a sharp pain.",
    ]
    assert "• Hinge from the hips, back long." in step
    assert "• Standing knee soft, not locked." in step


async def test_table_top_circles_say_what_one_rep_is(sandbox: Sandbox) -> None:
    ada = sandbox.person(2007)
    await start(ada, "floor")
    await skip(ada, 3)
    step = lines(ada)
    assert step[0] == "Table-top hip circles — Left leg"
    assert "6. One circle each way makes one rep." in step
    assert "Do: 5-8 reps" in step
    await ada.press(T.btn_easier)
    step = lines(ada)
    assert step[3] == "Version: Small circles"
    assert "2. Trace a small circle with the knee one way, then a small one the other way." in step
    assert "3. That pair of small circles is one rep; set the knee down between reps." in step
    assert "Do: 4-6 reps" in step
    assert ada.last.button_texts[0] == "✅ Done (6 reps)"


async def test_a_light_weight_says_how_heavy(sandbox: Sandbox) -> None:
    ada = sandbox.person(2008)
    await start(ada, "desk")
    await ada.press(T.btn_harder)
    step = lines(ada)
    assert step[2] == f"Exercise 1/3 · seated · chair, ankle weight {WEIGHT}"
    assert f"1. Strap an ankle weight of {WEIGHT} on the working ankle." in step
    assert ada.last.button_texts[0] == "✅ Done (12 reps)"


async def test_counts_are_said_in_the_dose_unit(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(2009)
    await start(ada, "desk")
    await skip(ada, 2)
    assert ada.last.button_texts[:2] == ["✅ Done (5 breaths)", T.btn_log]
    await ada.press(T.btn_log)
    assert "How many breaths did you hold it? Tap a number." in lines(ada)
    answer = await ada.press("1")
    assert answer.text == "Logged 1 breath (Left leg back) ✔"
    answer = await ada.press("✅ Done (5 breaths)")
    assert answer.text == "Logged 5 breaths (Right leg back) ✔"
    assert ada.last.button_texts[0] == "✅ Done (4 rounds)"
    await ada.press("✅ Done (4 rounds)")
    await ada.press(T.btn_log)
    assert "How many rounds did you do? Tap a number." in lines(ada)
    await ada.press("3")

    summary = lines(ada)
    assert "⏭ Seated internal rotation: skipped" in summary
    assert (
        "✅ Revolved pyramid pose (Chair-seat pyramid): "
        "Left leg back 1 breath, Right leg back 5 breaths"
    ) in summary
    assert (
        "✅ Warrior 3 to half moon (Wall-supported flow): "
        "Standing on your left leg 4 rounds, Standing on your right leg 3 rounds"
    ) in summary
    assert await sets(db) == [
        ("seated_ir", "left", 0, None),
        ("seated_ir", "right", 0, None),
        ("revolved_pyramid", "left", 0, 1),
        ("revolved_pyramid", "right", 0, 5),
        ("warrior_half_moon", "left", 0, 4),
        ("warrior_half_moon", "right", 0, 3),
    ]

    await ada.send("/history")
    history = lines(ada)
    assert "Revolved pyramid pose: 6 breaths" in history
    assert "Warrior 3 to half moon: 7 rounds" in history
    session = next(line for line in history if "· Desk break (done)" in line)
    assert session.endswith(
        "Revolved pyramid pose 1+5 breaths (Chair-seat pyramid); "
        "Warrior 3 to half moon 4+3 rounds (Wall-supported flow)"
    )


async def test_the_week_row_starts_on_the_day_the_person_joined(timed, clock) -> None:
    wednesday = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    clock.now = wednesday
    ada = await join(timed, 2010, "Europe/Berlin", "18:00", False)
    await ada.send("/streak")
    week = next(line for line in lines(ada) if line.startswith("This week: "))
    assert week == "This week: ➖➖🔸⬜⬜▫️▫️"

    # Sunday: Wednesday to Friday were missed; Monday and Tuesday were before she joined.
    clock.now = wednesday + timedelta(days=4)
    await ada.send("/streak")
    week = next(line for line in lines(ada) if line.startswith("This week: "))
    assert week == "This week: ➖➖❌❌❌▫️▫️"
    await ada.send("/history")
    assert ada.last.text.count("❌") == 3 + 1  # three missed days, and the legend
