"""/checkup through the Bot API double: tap through the check, take its suggestion, train it."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Checkup, ExerciseLevel, Person
from bot.reports.progress_chart import figure_size
from bot.sandbox.harness import SandboxPerson
from content import library
from tests.e2e.helpers import person_row

LIB = library()
T = LIB.texts
RULES = LIB.coaching.checkup
QUESTIONS = RULES.questions
RANGE = RULES.range_test
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


async def checkups(db: async_sessionmaker[AsyncSession]) -> list[Checkup]:
    async with db() as session:
        return list((await session.scalars(select(Checkup).order_by(Checkup.id))).all())


async def levels(db: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, int]]:
    async with db() as session:
        rows = (await session.scalars(select(ExerciseLevel))).all()
        return {row.exercise_id: (row.level, row.start_level) for row in rows}


def picture_size(photo: bytes | None) -> tuple[int, int]:
    assert photo is not None
    with Image.open(io.BytesIO(photo)) as image:
        return image.size


async def take_checkup(person: SandboxPerson, yes: int, range_answer: str) -> int:
    """Tap through a check-up (the first `yes` questions Yes, the rest No); return its message."""
    await person.send("/checkup")
    message_id = person.last.message_id
    for index in range(len(QUESTIONS)):
        await person.press(T.btn_yes if index < yes else T.btn_no, message_id=message_id)
    label = next(answer.text for answer in RANGE.answers if answer.id == range_answer)
    await person.press(label, message_id=message_id)
    return message_id


async def test_checkup_to_a_suggested_routine(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = timed.person(3001, "Ada")
    await ada.send("/start")
    await ada.send("/checkup")
    intro = ada.last
    # The intro, one line of safety, and the first question with Yes / No.
    assert intro.text.startswith("🩺 Hip self-check")
    assert "Stop at once if anything hurts" in intro.text and "not a diagnosis" in intro.text
    assert f"Question 1 of {len(QUESTIONS)}" in intro.text
    assert QUESTIONS[0].text in intro.text
    assert intro.button_texts == [T.btn_yes, T.btn_no]
    first_yes = intro.buttons[0][0].callback_data
    assert first_yes is not None
    [row] = await checkups(db)
    assert (json.loads(row.answers), row.score, row.band) == ({}, None, None)

    # Every question in turn, in the same message; all Yes.
    for index, question in enumerate(QUESTIONS):
        shown = ada.last
        assert shown.message_id == intro.message_id
        assert f"Question {index + 1} of {len(QUESTIONS)}" in shown.text
        assert question.text in shown.text
        assert (await ada.press(T.btn_yes)).text is None

    # The seated range test: its steps and its three answers as buttons.
    test = ada.last
    assert test.message_id == intro.message_id
    assert RANGE.title in test.text and RANGE.question in test.text
    for number, step in enumerate(RANGE.steps, start=1):
        assert f"{number}. {step}" in test.text
    assert test.button_texts == [answer.text for answer in RANGE.answers]
    await ada.press(RANGE.answers[-1].text)  # the least range: the most points

    # The result: all Yes and the least range is the highest score, the stiff band's floor session.
    stiff = RULES.bands[-1]
    floor = LIB.routine(stiff.routine)
    result = ada.last
    assert result.message_id == intro.message_id
    assert f"Your self-check: {RULES.max_score} of {RULES.max_score} points" in result.text
    assert f"({T.checkup_bands[stiff.id]})" in result.text
    assert " ".join(stiff.summary.split()) in result.text
    assert f"Suggested: {floor.title}, starting with" in result.text
    for exercise_id in floor.exercises:
        exercise = LIB.exercise(exercise_id)
        assert f"• {exercise.name}: {exercise.variation(-1).name}" in result.text
    assert result.button_texts == [T.btn_checkup_use, T.btn_checkup_later]
    use = result.buttons[0][0].callback_data
    assert use is not None
    [row] = await checkups(db)
    assert (row.score, row.band, row.accepted_at) == (RULES.max_score, stiff.id, None)
    assert await levels(db) == {}

    # "Use this": a confirmation that offers the routine now; the rows say so.
    assert (await ada.press(T.btn_checkup_use)).text == T.ans_checkup_accepted
    confirmation = ada.last
    assert confirmation.message_id == intro.message_id
    assert confirmation.text.startswith(f"✅ {floor.title} is now your routine")
    start = f"▶️ Start {floor.title} now"
    assert confirmation.button_texts == [start]
    [row] = await checkups(db)
    answers = {question.id: True for question in QUESTIONS} | {"range": RANGE.answers[-1].id}
    assert json.loads(row.answers) == answers
    assert (row.score, row.band, row.local_date) == (RULES.max_score, stiff.id, date(2026, 3, 2))
    assert row.accepted_at == MONDAY
    assert await levels(db) == {exercise_id: (-1, -1) for exercise_id in floor.exercises}
    assert (await person_row(db, 3001)).remind_routine == floor.id

    # Start it: the first step is at the suggested (easier) version.
    started = await ada.press(start)
    if T.btn_no in ada.last.button_texts:
        # A one-time question may come before a first routine; its No starts what was asked.
        started = await ada.press(T.btn_no, message_id=ada.last.message_id)
    else:
        assert started.text == T.ans_started
    step = ada.last
    first = LIB.exercise(floor.exercises[0])
    assert first.name in step.text
    assert f"Version: {first.variation(-1).name}" in step.text
    assert step.button_texts[0].startswith("✅ Done")

    # Old buttons pressed afterwards: a polite answer, and nothing changes.
    before = (await checkups(db), await levels(db))
    chat_before = [(m.message_id, m.text, m.button_texts) for m in ada.chat]
    answer = await ada.press_data(first_yes, message_id=intro.message_id)
    assert answer.text == T.ans_checkup_finished
    answer = await ada.press_data(use, message_id=intro.message_id)
    assert answer.text == T.ans_checkup_already
    after = (await checkups(db), await levels(db))
    assert [vars_of(r) for r in after[0]] == [vars_of(r) for r in before[0]]
    assert after[1] == before[1]
    assert [(m.message_id, m.text, m.button_texts) for m in ada.chat] == chat_before


def vars_of(row: Checkup) -> tuple[object, ...]:
    return (row.id, row.answers, row.score, row.band, row.taken_at, row.accepted_at)


async def test_someone_unknown_gets_the_no_data_answer_and_no_row(timed, db) -> None:
    stranger = timed.person(3002, "Sam")
    await stranger.send("/checkup")
    assert stranger.last.text == T.no_data
    assert await checkups(db) == []
    async with db() as session:
        assert (await session.scalars(select(Person))).all() == []


async def test_not_now_a_replaced_check_and_a_doubled_answer_change_nothing(
    timed, clock, db
) -> None:
    clock.now = MONDAY
    bea = timed.person(3003, "Bea")
    await bea.send("/start")
    # An abandoned check-up: a newer one replaces it, and its buttons stop working.
    await bea.send("/checkup")
    old = bea.last
    old_yes = old.buttons[0][0].callback_data
    assert old_yes is not None
    # A doubled tap: the same Yes twice records one answer and the message stays on question 2.
    await bea.press_data(old_yes, message_id=old.message_id)
    again = await bea.press_data(old_yes, message_id=old.message_id)
    assert again.text == T.ans_checkup_answered
    assert f"Question 2 of {len(QUESTIONS)}" in bea.last.text
    [first] = await checkups(db)
    assert json.loads(first.answers) == {QUESTIONS[0].id: True}

    message_id = await take_checkup(bea, 0, RANGE.answers[0].id)
    good = RULES.bands[0]
    assert f"Your self-check: 0 of {RULES.max_score} points" in bea.last.text
    answer = await bea.press_data(old_yes, message_id=old.message_id)
    assert answer.text == T.ans_checkup_replaced
    rows = await checkups(db)
    assert [(r.score, r.band) for r in rows] == [(None, None), (0, good.id)]
    assert json.loads(rows[0].answers) == {QUESTIONS[0].id: True}

    # "Not now": the result is kept, nothing else changes, the buttons go.
    assert (await bea.press(T.btn_checkup_later, message_id=message_id)).text == (
        T.ans_checkup_later
    )
    assert bea.last.text.startswith(f"🩺 Self-check: 0 of {RULES.max_score} points")
    assert bea.last.button_texts == []
    assert [r.accepted_at for r in await checkups(db)] == [None, None]
    assert await levels(db) == {}
    assert (await person_row(db, 3003)).remind_routine == LIB.default_routine


async def test_progress_shows_the_results_and_offers_the_check_again(timed, clock, db) -> None:
    clock.now = MONDAY
    cy = timed.person(3004, "Cy")
    await cy.send("/start")
    await take_checkup(cy, 4, RANGE.answers[1].id)
    await cy.press(T.btn_checkup_use)
    await cy.send("/progress")
    assert cy.last.text == T.progress_caption
    # Nothing trained yet: no exercise lanes, and the self-check panel with one result.
    assert picture_size(cy.last.photo) == figure_size(0, 1)

    # 27 days later it is not due yet; on day 28 /progress offers it in one line.
    clock.now = MONDAY + timedelta(days=27)
    await cy.send("/progress")
    assert "/checkup" not in cy.last.text
    clock.now = MONDAY + timedelta(days=28)
    await cy.send("/progress")
    assert cy.last.text == T.progress_caption + "\n" + T.progress_checkup_due

    # The second check-up: no longer due, and both results are in the picture.
    await take_checkup(cy, 0, RANGE.answers[0].id)
    await cy.send("/progress")
    photo = cy.last
    assert photo.text == T.progress_caption
    assert picture_size(photo.photo) == figure_size(0, 2)
    assert [(r.local_date, r.score) for r in await checkups(db)] == [
        (date(2026, 3, 2), 4 + RANGE.answers[1].points),
        (date(2026, 3, 30), 0),
    ]
