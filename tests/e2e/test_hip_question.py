"""The hip question in the reminder after a pain report: Worse, the rest day, /history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import HipDay, Pause, Run
from bot.db.unit_of_work import units
from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday
from bot.domain.run import RunStatus
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import library
from handlers.callback_data import HipAnswer, RestDay, pack
from tests.conftest import FakeClock
from tests.e2e.helpers import FIRST_REMINDER_SAFETY, deliveries, join, person_row, sweep

LIB = library()
T = LIB.texts
DESK = LIB.routine("desk")
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 2 March, 07:00 in Berlin
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (date(2026, 3, day) for day in (3, 4, 5, 6))
QUESTION = "How's the hip today?"
HIP_BUTTONS = [T.btn_hip_better, T.btn_hip_same, T.btn_hip_worse]
REMINDER_BUTTONS = [T.btn_start_now, T.btn_snooze_15, T.btn_snooze_60, T.btn_not_today]
WORSE_BUTTONS = [T.btn_start_now, T.btn_rest_day, T.btn_snooze_15, T.btn_snooze_60, T.btn_not_today]


def at(day: date, hour: int, minute: int = 0, second: int = 5) -> datetime:
    """Return a Berlin wall time in March 2026 (UTC+1) as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour - 1, minute, second, tzinfo=UTC)


async def trained(
    db: async_sessionmaker[AsyncSession], clock: FakeClock, telegram_id: int, answer: PainAnswer
) -> None:
    """Record a desk break finished now and its end-of-routine "Any pain?" answer.

    Through the repositories: the routine's own screens are tested elsewhere, and the check-in
    rows are written by the routine's end, which these tests do not depend on.
    """
    now = clock()
    async with units(db)() as uow:
        person = await uow.people.by_telegram_id(telegram_id)
        assert person is not None
        day = now.astimezone(ZoneInfo(person.timezone)).date()
        run = Run(
            person_id=person.id,
            routine_id=DESK.id,
            plan=",".join(DESK.exercises),
            status=RunStatus.FINISHED,
            step_index=len(DESK.exercises),
            version=len(DESK.exercises),
            chat_id=person.chat_id,
            timezone=person.timezone,
            started_at=now - timedelta(minutes=5),
            step_started_at=now,
            finished_at=now,
            local_date=day,
            sets_done=len(DESK.exercises),
        )
        uow.runs.add(run)
        await uow.flush()
        await uow.check_ins.answer(
            person_id=person.id, run_id=run.id, answer=answer, exercise_id=None, day=day, now=now
        )
        await uow.commit()


async def hip_rows(db: async_sessionmaker[AsyncSession]) -> list[tuple[date, str, bool]]:
    async with db() as session:
        rows = await session.execute(
            select(HipDay.local_date, HipDay.answer, HipDay.rest_day).order_by(HipDay.local_date)
        )
        return [(day, str(answer), rest) for day, answer, rest in rows.all()]


async def pause_rows(db: async_sessionmaker[AsyncSession]) -> list[tuple[date, date]]:
    async with db() as session:
        rows = await session.execute(select(Pause.first_day, Pause.last_day).order_by(Pause.id))
        return [(first, last) for first, last in rows.all()]


def week_row(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("This week: "))
    return line.removeprefix("This week: ")


async def pain_on_monday(
    timed: Sandbox, clock: FakeClock, db: async_sessionmaker[AsyncSession]
) -> SandboxPerson:
    """Ada (09:00 on workdays, Berlin) trains on Monday and reports some pain."""
    clock.now = MONDAY
    ada = await join(timed, 2101, "Europe/Berlin", "09:00", False)
    await trained(db, clock, 2101, PainAnswer.SOME)
    return ada


async def test_the_reminder_after_pain_asks_and_worse_offers_a_rest_day_that_keeps_the_streak(
    timed, clock, db
) -> None:
    ada = await pain_on_monday(timed, clock, db)
    bob = await join(timed, 2102, "Europe/Berlin", "09:00", False)
    await trained(db, clock, 2102, PainAnswer.NO_PAIN)
    cy = await join(timed, 2103, "Europe/Berlin", "09:00", False)  # no routine, no check-in

    # Tuesday 09:00: only the reminder after a pain report asks.
    clock.now = at(TUESDAY, 9)
    assert await sweep(timed) == 3
    reminder = ada.last
    assert reminder.text == (
        T.reminder_text.format(
            name="P2101",
            routine=DESK.title,
            minutes=f"{DESK.minutes} minutes",
            streak="🔥 Your streak: 1 day. ",
        )
        + FIRST_REMINDER_SAFETY  # the person's first reminder says the safety note
        + "\n\n🩹 After your last session you mentioned pain. "
        + QUESTION
    )
    assert reminder.button_texts == HIP_BUTTONS + REMINDER_BUTTONS
    for other in (bob, cy):
        assert QUESTION not in other.last.text
        assert other.last.button_texts == REMINDER_BUTTONS

    # Worse: stored, the gentlest versions today, and a rest day on offer.
    answer = await ada.press(T.btn_hip_worse)
    assert answer.text == T.ans_hip_saved
    assert ada.last.message_id == reminder.message_id, "the reminder is redrawn in place"
    assert ada.last.text.endswith(T.hip_worse)
    assert "gentlest version" in ada.last.text and QUESTION not in ada.last.text
    assert ada.last.button_texts == WORSE_BUTTONS
    assert await hip_rows(db) == [(TUESDAY, "worse", False)]

    # Snoozed, the reminder comes back still saying so (and does not ask again).
    await ada.press(T.btn_snooze_15)
    clock.now = at(TUESDAY, 9, 15)
    assert await sweep(timed) == 1
    again = ada.last
    assert again.message_id != reminder.message_id
    assert again.text.endswith(T.hip_worse) and QUESTION not in again.text
    assert again.button_texts == WORSE_BUTTONS

    # Rest day: today paused like a /pause, no more reminders today.
    answer = await ada.press(T.btn_rest_day)
    assert answer.text == T.ans_rest_day
    assert ada.last.message_id == again.message_id
    assert ada.last.text == (
        "🛌 Rest day: today is paused, so your streak stays safe, and no more reminders come "
        "today. Next reminder: Wed, Mar 4, 09:00. Send /routine if you feel like moving anyway."
    )
    assert ada.last.button_texts == []
    assert await pause_rows(db) == [(TUESDAY, TUESDAY)]
    assert await hip_rows(db) == [(TUESDAY, "worse", True)]
    ada_id = (await person_row(db, 2101)).id
    mine = [d for d in await deliveries(db) if d.local_date == TUESDAY and d.person_id == ada_id]
    assert [(d.seq, d.status) for d in mine] == [(0, "snoozed"), (1, "dismissed")]
    # Pressed again (a double tap): nothing more.
    answer = await ada.press_data(pack(RestDay(mine[1].id)), message_id=again.message_id)
    assert answer.text == T.ans_hip_resting
    assert await pause_rows(db) == [(TUESDAY, TUESDAY)]

    clock.now = at(TUESDAY, 18)
    assert await sweep(timed) == 0, "no more reminders on the rest day"
    rows = await deliveries(db)
    assert [d.seq for d in rows if d.person_id == ada_id and d.local_date == TUESDAY] == [0, 1]

    # Wednesday morning: Ada's streak stands through the rest day; Bob, who skipped, lost his.
    clock.now = at(WEDNESDAY, 7)
    await ada.send("/streak")
    assert ada.last.text.startswith("🔥 Streak: 1 day")
    assert week_row(ada.last.text) == "✅⏸🔸⬜⬜▫️▫️"
    assert T.streak_line_pending in ada.last.text
    await bob.send("/streak")
    assert bob.last.text.startswith("🔥 Streak: 0 days")

    # Wednesday's reminder does not ask again: the report was answered.
    clock.now = at(WEDNESDAY, 9)
    assert await sweep(timed) == 3
    assert QUESTION not in ada.last.text and T.hip_worse not in ada.last.text
    assert ada.last.button_texts == REMINDER_BUTTONS

    # Tuesday's buttons pressed on Wednesday change nothing and say so.
    tuesday_first = mine[0]
    before = ada.raw.chat
    answer = await ada.press_data(
        pack(HipAnswer(tuesday_first.id, HipToday.BETTER)), message_id=reminder.message_id
    )
    assert answer.text == T.ans_reminder_stale
    answer = await ada.press_data(pack(RestDay(tuesday_first.id)), message_id=reminder.message_id)
    assert answer.text == T.ans_reminder_stale
    assert ada.raw.chat == before, "no message changed"
    assert await hip_rows(db) == [(TUESDAY, "worse", True)]
    assert await pause_rows(db) == [(TUESDAY, TUESDAY)]


async def test_better_on_another_day_is_stored_and_history_export_and_delete_include_it(
    timed, clock, db
) -> None:
    ada = await pain_on_monday(timed, clock, db)
    clock.now = at(TUESDAY, 9)
    assert await sweep(timed) == 1
    await ada.press(T.btn_hip_worse)
    await ada.press(T.btn_rest_day)

    # Wednesday: trains before the reminder, and this time the pain was sharp.
    clock.now = at(WEDNESDAY, 7)
    await trained(db, clock, 2101, PainAnswer.SHARP)
    clock.now = at(WEDNESDAY, 9)
    assert await sweep(timed) == 0, "trained already: no reminder"

    # Thursday: asked again about the new report; Better is stored and acknowledged.
    clock.now = at(THURSDAY, 9)
    assert await sweep(timed) == 1
    thursday = ada.last
    assert thursday.text.endswith(QUESTION)
    answer = await ada.press(T.btn_hip_better)
    assert answer.text == T.ans_hip_saved
    assert ada.last.text.endswith(T.hip_better)
    assert ada.last.button_texts == REMINDER_BUTTONS
    assert await hip_rows(db) == [(TUESDAY, "worse", True), (THURSDAY, "better", False)]

    # A second answer the same day (an older copy of the buttons) changes it.
    [delivery] = [d for d in await deliveries(db) if d.local_date == THURSDAY]
    answer = await ada.press_data(
        pack(HipAnswer(delivery.id, HipToday.SAME)), message_id=thursday.message_id
    )
    assert answer.text == T.ans_hip_saved
    assert ada.last.text.endswith(T.hip_same)
    assert await hip_rows(db) == [(TUESDAY, "worse", True), (THURSDAY, "same", False)]

    # Friday: Thursday's question is closed.
    clock.now = at(FRIDAY, 8)
    answer = await ada.press_data(
        pack(HipAnswer(delivery.id, HipToday.WORSE)), message_id=thursday.message_id
    )
    assert answer.text == T.ans_reminder_stale
    assert await hip_rows(db) == [(TUESDAY, "worse", True), (THURSDAY, "same", False)]

    await ada.send("/history")
    assert "🩹 Hip check: Mar 3 worse (rest day), Mar 5 same" in ada.last.text
    assert len(ada.last.html) <= 4096

    await ada.send("/export")
    json_file, csv_file = ada.raw.bot_messages[-2:]
    assert json_file.document is not None and csv_file.document is not None
    exported = json.loads(json_file.document)
    hip_days = [(row["local_date"], row["answer"], row["rest_day"]) for row in exported["hip_days"]]
    assert hip_days == [("2026-03-03", "worse", True), ("2026-03-05", "same", False)]
    assert [(row["first_day"], row["last_day"]) for row in exported["pauses"]] == [
        ("2026-03-03", "2026-03-03")
    ]
    assert b"hip_days,2,answer,same" in csv_file.document

    await ada.send("/delete")
    await ada.press(T.btn_delete_yes)
    assert ada.last.text == T.delete_done
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(HipDay)) == 0
        assert await session.scalar(select(func.count()).select_from(Pause)) == 0


async def test_history_without_hip_answers_has_no_hip_line(timed, clock, db) -> None:
    ada = await pain_on_monday(timed, clock, db)
    clock.now = MONDAY + timedelta(hours=1)
    await ada.send("/history")
    assert "Hip check" not in ada.last.text
