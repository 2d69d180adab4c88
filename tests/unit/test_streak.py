"""Streak rules: examples from the product issue, and properties checked by hypothesis."""

from __future__ import annotations

import time as wall
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domain.streak import (
    EVERY_DAY,
    MILESTONES,
    WEEKDAYS,
    DayMark,
    Mark,
    Schedule,
    StreakSummary,
    day_marks,
    local_day,
    milestones_reached,
    streak,
    week_marks,
)

DAY = timedelta(days=1)
# A Wednesday, so "this week" has a Monday and a Tuesday behind it.
WED = date(2024, 3, 13)
MON = WED - 2 * DAY
LAST_MON = MON - 7 * DAY
MON_FRI = Schedule(WEEKDAYS)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def reference(done_days: list[date], schedule: Schedule, today: date) -> tuple[int, int]:
    """Walk every calendar day, the slow and obvious way: (current, best)."""
    done = set(done_days)
    if not done:
        return 0, 0
    run = best = 0
    day = min(done)
    while day <= max(max(done), today):
        if day < today and schedule.is_required(day) and day not in done:
            run = 0
        elif day in done:
            run += 1
            best = max(best, run)
        day += DAY
    return run, best


# --- examples ------------------------------------------------------------------------------


def test_empty_history_is_zero() -> None:
    assert streak([], MON_FRI, WED) == StreakSummary(0, 0, 0, 0, False, None)


def test_weekdays_last_week_and_this_week_today_pending() -> None:
    done = [*days(LAST_MON, LAST_MON + 4 * DAY), MON, MON + DAY]
    summary = streak(done, MON_FRI, WED)
    assert summary.current == 7
    assert summary.best == 7
    assert summary.alive_today_pending
    assert summary.last_day == MON + DAY


def test_training_today_keeps_the_streak_and_clears_the_flag() -> None:
    done = [*days(LAST_MON, LAST_MON + 4 * DAY), MON, MON + DAY, WED]
    summary = streak(done, MON_FRI, WED)
    assert (summary.current, summary.alive_today_pending) == (8, False)


def test_missed_tuesday_restarts_from_wednesday() -> None:
    done = [*days(LAST_MON, LAST_MON + 4 * DAY), MON, WED, WED + DAY]
    summary = streak(done, MON_FRI, WED + DAY)
    assert summary.current == 2  # Wednesday and Thursday
    assert summary.best == 6  # last week plus this Monday
    assert not summary.alive_today_pending


def test_missed_yesterday_means_zero_and_nothing_pending() -> None:
    done = [*days(LAST_MON, LAST_MON + 4 * DAY), MON]
    summary = streak(done, MON_FRI, WED)
    assert summary.current == 0
    assert summary.best == 6
    # Nothing to keep: training today starts a new streak instead.
    assert not summary.alive_today_pending


def test_weekend_is_skipped_without_breaking() -> None:
    friday = LAST_MON + 4 * DAY
    summary = streak([friday, MON], MON_FRI, MON)
    assert summary.current == 2


def test_session_on_a_rest_day_adds_one() -> None:
    friday = LAST_MON + 4 * DAY
    summary = streak([friday, friday + DAY, MON], MON_FRI, MON)
    assert summary.current == 3


def test_rest_day_today_keeps_the_streak_without_a_pending_flag() -> None:
    friday = LAST_MON + 4 * DAY
    summary = streak(days(LAST_MON, friday), MON_FRI, friday + DAY)
    assert (summary.current, summary.alive_today_pending) == (5, False)


def test_paused_vacation_week_bridges_the_streak() -> None:
    week_before = LAST_MON - 7 * DAY
    done = days(week_before, week_before + 4 * DAY) + days(MON, WED)
    holiday = MON_FRI.with_pause(LAST_MON - DAY, MON - DAY)
    assert streak(done, holiday, WED).current == 8
    # The same history without the pause: the missed week breaks it.
    unpaused = streak(done, MON_FRI, WED)
    assert (unpaused.current, unpaused.best) == (3, 5)


def test_pause_running_through_today_keeps_the_streak_without_a_pending_flag() -> None:
    done = days(LAST_MON, LAST_MON + 4 * DAY)
    summary = streak(done, MON_FRI.with_pause(MON, MON + 13 * DAY), WED)
    assert (summary.current, summary.alive_today_pending) == (5, False)


def test_duplicates_count_as_sessions_but_one_day() -> None:
    summary = streak([MON, MON, MON + DAY, MON], MON_FRI, WED)
    assert summary.total_sessions == 4
    assert summary.days_trained == 2
    assert summary.current == 2


def test_no_training_weekdays_means_nothing_ever_breaks() -> None:
    summary = streak([LAST_MON - 100 * DAY, MON], Schedule(frozenset()), WED)
    assert (summary.current, summary.best, summary.alive_today_pending) == (2, 2, False)


def test_a_session_dated_after_today_joins_the_current_streak() -> None:
    # Possible after flying west: a session logged on a later local date than today's.
    summary = streak([MON + DAY, WED + DAY], MON_FRI, WED)
    assert (summary.current, summary.alive_today_pending) == (2, False)


def test_five_years_of_daily_data_is_fast() -> None:
    today = date(2025, 6, 1)
    done = [today - timedelta(days=i) for i in range(5 * 365) if i % 11]
    schedule = Schedule(EVERY_DAY, frozenset(today - timedelta(days=i) for i in range(0, 1800, 7)))
    started = wall.perf_counter()
    summary = streak(done * 2, schedule, today)
    assert wall.perf_counter() - started < 0.5
    assert summary.total_sessions == 2 * len(done)
    assert (summary.current, summary.best) == reference(done, schedule, today)


def test_a_huge_calendar_span_costs_nothing() -> None:
    started = wall.perf_counter()
    summary = streak([date(1, 1, 1), date(9999, 12, 30)], MON_FRI, date(9999, 12, 31))
    assert wall.perf_counter() - started < 0.1
    assert (summary.current, summary.best) == (1, 1)  # yesterday was trained


def test_instants_are_refused_so_they_are_localised_first() -> None:
    with pytest.raises(TypeError, match="local_day"):
        streak([datetime(2024, 3, 11, 23, 30, tzinfo=UTC)], MON_FRI, WED)


def test_schedule_rejects_impossible_weekdays() -> None:
    with pytest.raises(ValueError, match=r"0\.\.6"):
        Schedule(frozenset({7}))


def test_with_pause_covers_both_ends_and_rejects_backwards() -> None:
    paused = MON_FRI.with_pause(MON, WED).paused
    assert paused == {MON, MON + DAY, WED}
    with pytest.raises(ValueError):
        MON_FRI.with_pause(WED, MON)


def test_week_row_marks() -> None:
    schedule = Schedule(frozenset({0, 1, 2, 4, 5, 6}), frozenset({MON + 4 * DAY}))
    done = [MON, MON + DAY, MON + 3 * DAY]  # Thursday is a rest day but was trained
    marks = week_marks(done, schedule, WED, joined=LAST_MON)
    assert [m.day for m in marks] == days(MON, MON + 6 * DAY)
    assert [m.mark for m in marks] == [
        Mark.DONE,
        Mark.DONE,
        Mark.TODAY_PENDING,
        Mark.DONE,
        Mark.PAUSED,
        Mark.FUTURE,
        Mark.FUTURE,
    ]


def test_week_row_after_the_day_is_over() -> None:
    marks = week_marks([MON], MON_FRI, MON + 6 * DAY, joined=MON)
    assert marks == [
        DayMark(MON, Mark.DONE),
        *(DayMark(MON + i * DAY, Mark.MISSED) for i in range(1, 5)),
        DayMark(MON + 5 * DAY, Mark.REST),
        DayMark(MON + 6 * DAY, Mark.REST),
    ]


def test_days_before_joining_are_not_missed() -> None:
    # Joined on Wednesday and looking on Wednesday: Monday and Tuesday were never theirs.
    assert [m.mark for m in week_marks([], MON_FRI, WED, joined=WED)] == [
        Mark.BEFORE_JOINING,
        Mark.BEFORE_JOINING,
        Mark.TODAY_PENDING,
        Mark.FUTURE,
        Mark.FUTURE,
        Mark.REST,
        Mark.REST,
    ]
    # The week is over: days after joining that were not trained are missed, those before not.
    assert [m.mark for m in week_marks([WED], MON_FRI, MON + 6 * DAY, joined=WED)] == [
        Mark.BEFORE_JOINING,
        Mark.BEFORE_JOINING,
        Mark.DONE,
        Mark.MISSED,
        Mark.MISSED,
        Mark.REST,
        Mark.REST,
    ]


def test_thirty_days_before_joining_in_the_middle() -> None:
    first = WED - 29 * DAY
    marks = day_marks([WED - DAY], Schedule(EVERY_DAY), first, WED, WED, joined=WED - 3 * DAY)
    assert [m.mark for m in marks[:-4]] == [Mark.BEFORE_JOINING] * 26
    assert [m.mark for m in marks[-4:]] == [
        Mark.MISSED,
        Mark.MISSED,
        Mark.DONE,
        Mark.TODAY_PENDING,
    ]


def test_milestones_examples() -> None:
    assert milestones_reached(2, 3, set()) == [3]
    assert milestones_reached(3, 4, set()) == []
    assert milestones_reached(2, 8, set()) == [3, 7]
    assert milestones_reached(2, 3, {3}) == []  # a rebuilt streak is not celebrated twice
    assert milestones_reached(99, 100, set()) == [100]
    assert milestones_reached(5, 0, set()) == []
    with pytest.raises(ValueError):
        milestones_reached(-1, 3, set())


def test_local_day_rejects_naive_instants() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2024, 3, 31, 12, 0), ZoneInfo("Europe/Berlin"))


def test_local_day_is_the_wall_calendar_date() -> None:
    instant = datetime(2024, 3, 30, 23, 30, tzinfo=UTC)
    assert local_day(instant, ZoneInfo("Europe/Berlin")) == date(2024, 3, 31)
    assert local_day(instant, ZoneInfo("America/New_York")) == date(2024, 3, 30)


# --- properties ----------------------------------------------------------------------------

TODAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
OFFSETS = st.lists(st.integers(min_value=-60, max_value=2), max_size=40)
SCHEDULES = st.builds(
    lambda weekdays, paused: (weekdays, paused),
    st.frozensets(st.integers(0, 6)),
    st.frozensets(st.integers(min_value=-60, max_value=2), max_size=20),
)


def build(today: date, offsets: list[int], raw_schedule: tuple[frozenset[int], frozenset[int]]):
    weekdays, paused = raw_schedule
    schedule = Schedule(weekdays, frozenset(today + timedelta(days=o) for o in paused))
    return [today + timedelta(days=o) for o in offsets], schedule


@given(TODAY, OFFSETS, SCHEDULES)
def test_matches_a_day_by_day_walk(today, offsets, raw_schedule) -> None:
    done, schedule = build(today, offsets, raw_schedule)
    summary = streak(done, schedule, today)
    assert (summary.current, summary.best) == reference(done, schedule, today)


@given(TODAY, OFFSETS, SCHEDULES)
def test_figures_are_consistent(today, offsets, raw_schedule) -> None:
    done, schedule = build(today, offsets, raw_schedule)
    s = streak(done, schedule, today)
    assert 0 <= s.current <= s.best <= s.days_trained <= s.total_sessions == len(done)
    assert s.days_trained == len(set(done))
    assert s.last_day == (max(done) if done else None)
    if s.alive_today_pending:
        assert s.current > 0
        assert schedule.is_required(today)
        assert today not in done


@given(TODAY, OFFSETS, SCHEDULES, st.randoms(use_true_random=False), st.data())
def test_order_and_duplicates_do_not_matter(today, offsets, raw_schedule, rnd, data) -> None:
    done, schedule = build(today, offsets, raw_schedule)
    extra = data.draw(st.lists(st.sampled_from(done), max_size=10)) if done else []
    shuffled = done + extra
    rnd.shuffle(shuffled)
    original, mixed = streak(done, schedule, today), streak(shuffled, schedule, today)
    assert mixed.total_sessions == original.total_sessions + len(extra)
    assert (mixed.current, mixed.best, mixed.days_trained, mixed.alive_today_pending) == (
        original.current,
        original.best,
        original.days_trained,
        original.alive_today_pending,
    )


@given(TODAY, OFFSETS, SCHEDULES, st.integers(min_value=-60, max_value=2))
def test_adding_a_finished_day_never_lowers_a_streak(today, offsets, raw_schedule, extra) -> None:
    done, schedule = build(today, offsets, raw_schedule)
    before = streak(done, schedule, today)
    after = streak([*done, today + timedelta(days=extra)], schedule, today)
    assert after.best >= before.best
    assert after.current >= before.current


@given(TODAY, OFFSETS, SCHEDULES, st.sets(st.integers(min_value=-8, max_value=-1)))
def test_training_today_adds_one_or_starts_afresh(today, offsets, raw_schedule, recent) -> None:
    # Recent training days make a live streak (and so a pending flag) common in the examples.
    done, schedule = build(today, offsets + sorted(recent), raw_schedule)
    assume(today not in done)
    before = streak(done, schedule, today)
    after = streak([*done, today], schedule, today)
    assert not after.alive_today_pending
    assert after.current in (before.current + 1, 1)
    if before.alive_today_pending:
        assert after.current == before.current + 1


@given(
    st.lists(st.booleans(), min_size=1, max_size=40),
    st.lists(st.integers(min_value=0, max_value=39), max_size=15),
    TODAY,
)
def test_inserting_untrained_paused_days_changes_nothing(pattern, inserts, today) -> None:
    """Stretch the calendar with paused, untrained days anywhere before today.

    On an every-day schedule, ``pattern`` says for each day ending with today whether it was
    trained.  Inserting paused days at any positions before today (pushing the earlier days
    further into the past) must leave the current and best streaks exactly as they were.
    """
    kinds: list[str] = ["done" if trained else "missed" for trained in pattern]
    stretched = list(kinds)
    for position in sorted((p % len(kinds) for p in inserts), reverse=True):
        stretched.insert(position, "paused")

    def summarise(timeline: list[str]) -> tuple[int, int]:
        dated = [(today - timedelta(days=len(timeline) - 1 - i), k) for i, k in enumerate(timeline)]
        done = [d for d, k in dated if k == "done"]
        paused = frozenset(d for d, k in dated if k == "paused")
        s = streak(done, Schedule(EVERY_DAY, paused), today)
        return s.current, s.best

    assert summarise(stretched) == summarise(kinds)


@given(TODAY, OFFSETS, SCHEDULES)
def test_rest_weekdays_behave_exactly_like_paused_days(today, offsets, raw_schedule) -> None:
    """A rest weekday is the same as that day being paused: untrained it is skipped, trained it
    counts.  Together with the test above this means rest days never break a streak either."""
    done, schedule = build(today, offsets, raw_schedule)
    span = days(today - 70 * DAY, today + 7 * DAY)
    rest_days = {d for d in span if d.weekday() not in schedule.training_weekdays}
    as_pauses = Schedule(EVERY_DAY, schedule.paused | rest_days)
    original, paused = streak(done, schedule, today), streak(done, as_pauses, today)
    assert (paused.current, paused.best, paused.alive_today_pending) == (
        original.current,
        original.best,
        original.alive_today_pending,
    )


@given(TODAY, OFFSETS, SCHEDULES, st.integers(min_value=-70, max_value=5))
def test_pausing_a_day_that_is_no_break_changes_nothing(
    today, offsets, raw_schedule, offset
) -> None:
    done, schedule = build(today, offsets, raw_schedule)
    day = today + timedelta(days=offset)
    was_break = day < today and schedule.is_required(day) and day not in done
    paused = Schedule(schedule.training_weekdays, schedule.paused | {day})
    before, after = streak(done, schedule, today), streak(done, paused, today)
    assert after.best >= before.best
    assert after.current >= before.current
    if not was_break:
        assert (after.current, after.best) == (before.current, before.best)


@given(TODAY, OFFSETS, SCHEDULES, st.integers(0, 6))
def test_more_training_weekdays_never_raise_a_streak(today, offsets, raw_schedule, weekday):
    done, schedule = build(today, offsets, raw_schedule)
    stricter = Schedule(schedule.training_weekdays | {weekday}, schedule.paused)
    before, after = streak(done, schedule, today), streak(done, stricter, today)
    assert after.best <= before.best
    assert after.current <= before.current


@given(TODAY, OFFSETS, SCHEDULES, st.integers(min_value=-70, max_value=0))
def test_week_row_agrees_with_the_streak_rules(today, offsets, raw_schedule, since) -> None:
    done, schedule = build(today, offsets, raw_schedule)
    joined = today + timedelta(days=since)
    marks = week_marks(done, schedule, today, joined=joined)
    assert len(marks) == 7
    assert marks[0].day.weekday() == 0
    assert today in [m.day for m in marks]
    for m in marks:
        assert (m.mark is Mark.DONE) == (m.day in done)
        assert (m.mark is Mark.BEFORE_JOINING) == (m.day < joined and m.day not in done)
        if m.mark is Mark.MISSED:
            assert joined <= m.day < today and schedule.is_required(m.day)
        if m.mark is Mark.FUTURE:
            assert m.day > today
        assert (m.mark is Mark.TODAY_PENDING) == (
            m.day == today and schedule.is_required(today) and today not in done
        )


@given(st.lists(st.integers(min_value=0, max_value=150), max_size=60))
def test_each_milestone_is_celebrated_at_most_once(currents) -> None:
    celebrated: list[int] = []
    previous = 0
    for current in currents:
        now = milestones_reached(previous, current, set(celebrated))
        assert now == sorted(now)
        assert all(previous < m <= current for m in now)
        celebrated.extend(now)
        previous = current
    assert len(celebrated) == len(set(celebrated))
    # Climbing one day at a time reaches every milestone on the way.
    if currents == sorted(currents) and all(b - a <= 1 for a, b in pairwise([0, *currents])):
        assert set(celebrated) == {m for m in MILESTONES if m <= max(currents, default=0)}


ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")


def _around_midnight(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    # Local midnight exists in these zones (they switch at 02:00 local time), so it has one
    # instant; the sessions are stored as UTC instants, as the bot stores them.
    midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    return midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)


@given(st.sampled_from(ZONES), st.dates(min_value=date(2000, 1, 2), max_value=date(2037, 12, 31)))
def test_a_minute_either_side_of_local_midnight_is_two_local_days(zone_name, day) -> None:
    zone = ZoneInfo(zone_name)
    before, after = _around_midnight(day, zone)
    assert local_day(before, zone) == day - DAY
    assert local_day(after, zone) == day


@pytest.mark.parametrize("zone_name", ZONES)
def test_midnights_next_to_every_dst_change(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    changes = [
        d
        for d in days(date(2024, 1, 1), date(2025, 12, 31))
        if datetime.combine(d, time(12), tzinfo=zone).utcoffset()
        != datetime.combine(d - DAY, time(12), tzinfo=zone).utcoffset()
    ]
    assert len(changes) == 4  # two changes a year in each of these zones
    for change in changes:
        for day in (change - DAY, change, change + DAY):
            before, after = _around_midnight(day, zone)
            assert local_day(before, zone) == day - DAY
            assert local_day(after, zone) == day
            # Consecutive sessions across a 23- or 25-hour day still land on consecutive days.
            next_before, _ = _around_midnight(day + DAY, zone)
            assert local_day(next_before, zone) == day
