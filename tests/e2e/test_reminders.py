"""Reminders through the Bot API double with an injected clock: once, on time, in every zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Pause, Person
from content import library
from handlers.callback_data import Snooze, pack
from tests.e2e.helpers import (
    FIRST_REMINDER_SAFETY,
    deliveries,
    join,
    person_row,
    reminders_in,
    start_routine,
    sweep,
)

T = library().texts
DESK = library().routine("desk")
REMINDER = "⏰ Time for your hips"


def expected_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the reminder instant by brute force: the first minute whose wall time >= at."""
    wall = datetime.combine(day, at)
    start = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=15)
    for minute in range(48 * 60):
        moment = start + timedelta(minutes=minute)
        if moment.astimezone(zone).replace(tzinfo=None) >= wall:
            return moment
    raise AssertionError


# Each person: (telegram id, zone, reminder time, every day?). Times inside DST gaps and
# repeated hours are the interesting ones.
PEOPLE = [
    (701, "Europe/Berlin", "09:00", False),
    (702, "Europe/Berlin", "02:30", True),  # gap on 29 Mar, twice on 25 Oct
    (703, "America/New_York", "01:30", True),  # twice on 1 Nov
    (704, "America/New_York", "02:15", True),  # gap on 8 Mar
    (705, "Asia/Kolkata", "06:00", False),  # no DST at all
    (706, "Australia/Lord_Howe", "02:10", True),  # 30-minute gap on 4 Oct
    (707, "Pacific/Chatham", "02:50", True),  # gap 02:45-03:45 on 27 Sep
    (708, "Pacific/Chatham", "03:00", True),  # twice on 5 Apr
]
WINDOWS = [
    (datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 12, tzinfo=UTC)),  # US spring
    (
        datetime(2026, 3, 26, tzinfo=UTC),
        datetime(2026, 4, 8, tzinfo=UTC),
    ),  # EU spring, south autumn
    (datetime(2026, 9, 24, tzinfo=UTC), datetime(2026, 10, 7, tzinfo=UTC)),  # south spring
    (datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)),  # EU and US autumn
]


@pytest.mark.parametrize(
    "window", range(len(WINDOWS)), ids=["us-spring", "eu-spring", "south-spring", "autumn"]
)
async def test_weeks_across_dst_each_reminder_once_and_on_time(timed, clock, db, window) -> None:
    start, end = WINDOWS[window]
    clock.now = start
    people = {pid: await join(timed, pid, zone, at, every) for pid, zone, at, every in PEOPLE}
    setup_done = clock.now
    sweeps = 0
    while True:
        async with db() as session:
            due = await session.scalar(
                select(Person.next_reminder_at)
                .where(Person.next_reminder_at.is_not(None))
                .order_by(Person.next_reminder_at)
                .limit(1)
            )
        assert due is not None
        if due > end:
            break
        clock.now = due + timedelta(seconds=20)  # a sweep comes a little after the instant
        assert await sweep(timed) >= 1
        assert await sweep(timed) == 0, "a second sweep right after sends nothing"
        sweeps += 1
        assert sweeps < 500

    rows = await deliveries(db)
    for pid, zone_name, at_text, every_day in PEOPLE:
        zone = ZoneInfo(zone_name)
        at = time.fromisoformat(at_text)
        days = range(7) if every_day else range(5)
        expected: dict[date, datetime] = {}
        day = setup_done.astimezone(zone).date() - timedelta(days=1)
        while day <= end.astimezone(zone).date():
            instant = expected_instant(day, at, zone)
            if day.weekday() in days and setup_done < instant <= end:
                expected[day] = instant
            day += timedelta(days=1)
        assert len(expected) >= 5
        person = await person_row(db, pid)
        mine = [r for r in rows if r.person_id == person.id and r.kind == "daily"]
        assert {r.local_date: r.due_at for r in mine} == expected, zone_name
        assert len(mine) == len(expected), "one delivery per local day"
        assert all(r.status == "sent" and r.message_id for r in mine)
        assert len(reminders_in(people[pid])) == len(expected)


async def test_reminder_message_and_start_now_opens_the_routine_in_place(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
    ada = await join(timed, 801, "Europe/Berlin", "08:00", False)
    clock.now = datetime(2026, 3, 2, 7, 0, 30, tzinfo=UTC)
    assert await sweep(timed) == 1
    reminder = ada.last
    # The person's first reminder: the safety note comes with it (the coaching issue).
    assert reminder.text == (
        T.reminder_text.format(
            name="P801", routine=DESK.title, minutes=f"{DESK.minutes} minutes", streak=""
        )
        + FIRST_REMINDER_SAFETY
    )
    assert reminder.button_texts == [
        T.btn_start_now,
        T.btn_snooze_15,
        T.btn_snooze_60,
        T.btn_not_today,
    ]
    await start_routine(ada, T.btn_start_now)
    assert ada.last.message_id == reminder.message_id, "the reminder became the routine"
    assert ada.last.text.startswith(library().exercise(DESK.exercises[0]).name)
    assert ada.last.animation_sha256 is not None, "and shows the move"


async def test_snooze_and_not_today(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 802, "Europe/Berlin", "09:00", True)
    clock.now = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)  # 09:00:05 Berlin
    assert await sweep(timed) == 1
    first = ada.last.message_id
    answer = await ada.press(T.btn_snooze_15)
    assert answer.text == "OK, back at 09:15."
    assert ada.last.text == T.reminder_snoozed.format(time="09:15")
    assert ada.last.button_texts == [T.btn_start_now]
    clock.advance(minutes=5)
    assert await sweep(timed) == 0
    clock.advance(minutes=10)
    assert await sweep(timed) == 1
    assert len(reminders_in(ada)) == 1 and ada.last.message_id != first
    # The first reminder's snooze button, pressed again on a stale copy, changes nothing.
    [d0, _d1] = await deliveries(db)
    answer = await ada.press_data(pack(Snooze(d0.id, 15)), message_id=first)
    assert answer.text == T.ans_reminder_handled
    answer = await ada.press(T.btn_not_today)
    assert answer.text == T.ans_not_today
    assert ada.last.text.startswith("🚫 Not today. Next reminder: Tue, Mar 3, 09:00.")
    clock.advance(hours=10)
    assert await sweep(timed) == 0
    clock.now = datetime(2026, 3, 3, 8, 0, 1, tzinfo=UTC)
    assert await sweep(timed) == 1
    statuses = [(d.local_date.isoformat(), d.seq, d.status) for d in await deliveries(db)]
    assert statuses == [
        ("2026-03-02", 0, "snoozed"),
        ("2026-03-02", 1, "dismissed"),
        ("2026-03-03", 0, "sent"),
    ]


async def test_no_reminder_after_training_that_day(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 803, "Europe/Berlin", "09:00", False)
    await ada.send("/routine")
    await start_routine(ada, f"{DESK.title} · {DESK.minutes} min")
    for exercise_id in DESK.exercises:
        dose = library().exercise(exercise_id).dose
        await ada.press(T.btn_done.format(count=f"{dose.target} {dose.unit}"))
        await ada.press(T.btn_done.format(count=f"{dose.target} {dose.unit}"))
    clock.now = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 0
    assert reminders_in(ada) == []
    [row] = await deliveries(db)
    assert (row.local_date, row.status) == (date(2026, 3, 2), "done")
    clock.now = datetime(2026, 3, 3, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1


async def test_pause_and_resume(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday
    ada = await join(timed, 804, "Europe/Berlin", "09:00", False)
    await ada.send("/pause 3")
    assert ada.last.text == T.pause_set.format(until="Wed, Mar 4")
    await ada.send("/pause lots")
    assert ada.last.text == T.pause_bad
    for day in (2, 3, 4):
        clock.now = datetime(2026, 3, day, 8, 0, 5, tzinfo=UTC)
        assert await sweep(timed) == 0
    clock.now = datetime(2026, 3, 5, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    async with db() as session:
        pauses = (await session.execute(select(Pause.first_day, Pause.last_day))).all()
    assert [tuple(p) for p in pauses] == [(date(2026, 3, 2), date(2026, 3, 4))]

    # A pause ended early: today is not paused any more and the reminder comes back.
    clock.now = datetime(2026, 3, 6, 6, 0, tzinfo=UTC)  # Friday 07:00
    await ada.send("/pause 10")
    await ada.send("/resume")
    assert ada.last.text.startswith("Welcome back! Next reminder: Fri, Mar 6, 09:00.")
    clock.now = datetime(2026, 3, 6, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    async with db() as session:
        pauses = (await session.execute(select(Pause.first_day, Pause.last_day))).all()
    assert [tuple(p) for p in pauses] == [(date(2026, 3, 2), date(2026, 3, 4))]


async def test_downtime_grace_sends_late_or_skips(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    soon = await join(timed, 805, "Europe/Berlin", "09:00", False)
    clock.now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 1.5 h late: within the grace
    assert await sweep(timed) == 1
    assert len(reminders_in(soon)) == 1
    clock.now = datetime(2026, 3, 3, 11, 0, 1, tzinfo=UTC)  # 3 h late: skipped, not flooded
    assert await sweep(timed) == 0
    rows = await deliveries(db)
    assert [(r.local_date.day, r.status) for r in rows] == [(2, "sent"), (3, "late")]
    assert rows[1].detail and "due 2026-03-03T08:00:00+00:00" in rows[1].detail
    person = await person_row(db, 805)
    assert person.next_reminder_day == date(2026, 3, 4), "the next day is not skipped"


async def test_blocked_person_stops_reminders_until_they_return(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 806, "Europe/Berlin", "09:00", True)
    timed.double.block(806)
    clock.now = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    [row] = await deliveries(db)
    assert row.status == "blocked"
    person = await person_row(db, 806)
    assert person.blocked and person.next_reminder_at is None
    assert timed.double.count("sendMessage") > 0
    sends_before = len([c for c in timed.double.calls if c.method == "sendMessage"])
    clock.now = datetime(2026, 3, 3, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 0, "one try only"
    assert len([c for c in timed.double.calls if c.method == "sendMessage"]) == sends_before
    update_id = timed.double.unblock(806, notify=True)
    assert update_id is not None
    await timed.settle(update_id)
    person = await person_row(db, 806)
    assert not person.blocked and person.next_reminder_day == date(2026, 3, 4)
    clock.now = datetime(2026, 3, 4, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    assert len(reminders_in(ada)) == 1


async def test_too_many_requests_is_honoured_and_sent_once(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 807, "Europe/Berlin", "09:00", True)
    timed.double.fail_next("sendMessage", status=429, retry_after=1)
    clock.now = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    sends = [c for c in timed.double.calls if c.method == "sendMessage"][-2:]
    assert [c.status for c in sends] == [429, 200]
    assert sends[1].at - sends[0].at >= 1.0, "waited retry_after before trying again"
    assert len(reminders_in(ada)) == 1
    [row] = await deliveries(db)
    assert row.status == "sent"


async def test_back_after_days_down_skips_the_old_and_sends_todays(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 808, "Europe/Berlin", "09:00", True)
    # Down from Monday morning to Thursday 09:10: only Thursday's reminder is still worth it.
    clock.now = datetime(2026, 3, 5, 8, 10, tzinfo=UTC)
    assert await sweep(timed) == 1
    assert len(reminders_in(ada)) == 1
    rows = [(r.local_date.day, r.status) for r in await deliveries(db)]
    assert rows == [(2, "late"), (5, "sent")]
    assert (await person_row(db, 808)).next_reminder_day == date(2026, 3, 6)
