"""Streaks, history, progress, milestones and the weekly summary, as a person sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.db.models import Delivery, Milestone, Run
from bot.sandbox.harness import SandboxPerson
from content import library
from tests.e2e.helpers import join, reminders_in, start_routine, sweep

LIB = library()
T = LIB.texts
DESK = LIB.routine("desk")
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


async def do_desk(person: SandboxPerson, *, harder_first: bool = False) -> None:
    await person.send("/routine")
    await start_routine(person, f"{DESK.title} · {DESK.minutes} min")
    for index in range(len(DESK.exercises)):
        if harder_first and index == 0:
            await person.press(T.btn_harder)
        for _side in range(2):
            # Press Done as shown: the version (and so the count) may be a remembered one.
            done = next(b for b in person.last.button_texts if b.startswith("✅ Done"))
            await person.press(done)


def symbols(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("This week: "))
    return line.removeprefix("This week: ")


async def test_a_working_week_streak_milestone_history_and_progress(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = await join(timed, 1001, "Europe/Berlin", "09:00", False)
    for day in range(5):  # Monday to Friday, 07:00 Berlin
        clock.now = MONDAY + timedelta(days=day)
        await do_desk(ada, harder_first=day == 2)
        summary = next(m.text for m in reversed(ada.raw.bot_messages) if "done!" in m.text)
        assert f"🔥 Streak: {day + 1} day{'s' if day else ''}" in summary
        if day == 2:
            assert [m.text for m in ada.raw.bot_messages][-1].startswith("🏆 3 days in a row!")
        if day == 3:  # a second routine the same day counts as a session, not a day
            await do_desk(ada)
            assert "🔥 Streak: 4 days (best 4 days)." in ada.last.text
            assert not ada.last.text.startswith("🏆")
    celebrations = [m for m in ada.raw.bot_messages if m.text.startswith("🏆")]
    assert [m.text.split("!")[0] for m in celebrations] == ["🏆 3 days in a row"]
    async with db() as session:
        assert list((await session.scalars(select(Milestone.days))).all()) == [3]

    # Saturday: a rest day; the streak is safe.
    clock.now = MONDAY + timedelta(days=5, hours=4)
    await ada.send("/streak")
    text = ada.last.text
    assert text.startswith("🔥 Streak: 5 days")
    assert "Best: 5 days · Sessions: 6 · Days trained: 5" in text
    assert symbols(text) == "✅✅✅✅✅▫️▫️"
    assert T.streak_line_rest in text

    # Next Monday 07:00: not trained yet, the streak is alive and waiting.
    clock.now = MONDAY + timedelta(days=7)
    await ada.send("/streak")
    assert ada.last.text.startswith("🔥 Streak: 5 days")
    assert symbols(ada.last.text) == "🔸⬜⬜⬜⬜▫️▫️"
    assert T.streak_line_pending in ada.last.text

    # 09:00: last week's summary, once, then the reminder with the streak.
    clock.now = MONDAY + timedelta(days=7, hours=2, seconds=5)
    assert await sweep(timed) == 2
    weekly, reminder = ada.raw.bot_messages[-2:]
    assert weekly.text.startswith("📅 Last week (2026-03-02 – 2026-03-08)")
    assert "Days trained: 5 · Sessions: 6" in weekly.text
    assert f"Moved up a level: {LIB.exercise(DESK.exercises[0]).name}" in weekly.text
    assert "🔥 Your streak: 5 days." in reminder.text
    assert await sweep(timed) == 0
    async with db() as session:
        kinds = (await session.execute(select(Delivery.kind, Delivery.local_date))).all()
    assert kinds.count(("weekly", date(2026, 3, 9))) == 1

    # Tuesday is missed; on Wednesday the streak has started over.
    clock.now = MONDAY + timedelta(days=9)
    await ada.send("/streak")
    assert ada.last.text.startswith("🔥 Streak: 0 days")
    assert symbols(ada.last.text) == "❌❌🔸⬜⬜▫️▫️"

    await ada.send("/history")
    history = ada.last.text
    assert history.startswith("Your last 30 days")
    assert history.count("✅") == 5 + 1  # five days, plus the legend
    assert "2026-03-05 · Desk break (done)" in history
    first = LIB.exercise(DESK.exercises[0])
    # Standard on Monday and Tuesday; harder from Wednesday on (remembered), twice on Thursday.
    total = 2 * 2 * first.dose.target + 4 * 2 * first.dose_for(1).target
    assert f"{first.name}: {total} {first.dose.unit}" in history

    await ada.send("/progress")
    photo = ada.last
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert photo.text == T.progress_caption


async def test_moving_time_zone_keeps_counted_days(timed, clock, db) -> None:
    clock.now = MONDAY
    ada = await join(timed, 1002, "Europe/Berlin", "09:00", True)
    for day in range(3):
        clock.now = MONDAY + timedelta(days=day, hours=8)
        await do_desk(ada)
    await ada.send("/timezone America/New_York")
    clock.now = MONDAY + timedelta(days=2, hours=10)  # Wednesday in both zones
    await ada.send("/streak")
    assert ada.last.text.startswith("🔥 Streak: 3 days")
    async with db() as session:
        days = sorted(d for d in (await session.scalars(select(Run.local_date))).all() if d)
    assert days == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert reminders_in(ada) == []


async def test_sessions_either_side_of_local_midnight_across_dst(timed, clock, db) -> None:
    berlin_spring = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # clocks jump from 02:00 to 03:00
    ada = await join(timed, 1003, "Europe/Berlin", "09:00", True)
    moments = [
        berlin_spring - timedelta(hours=2, minutes=2),  # Sat 28 Mar 23:58 CET
        berlin_spring - timedelta(minutes=58),  # Sun 29 Mar 00:02 CET
        datetime(2026, 3, 29, 21, 58, tzinfo=UTC),  # Sun 23:58 CEST
        datetime(2026, 3, 29, 22, 2, tzinfo=UTC),  # Mon 30 Mar 00:02 CEST
    ]
    for moment in moments:
        clock.now = moment
        await do_desk(ada)
    async with db() as session:
        days = [d for d in (await session.scalars(select(Run.local_date).order_by(Run.id))).all()]
    assert days == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 29), date(2026, 3, 30)]
