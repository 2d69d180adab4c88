"""Team mode rules: examples from the team issue, and properties checked by hypothesis."""

from __future__ import annotations

import random
import string
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.streak import MILESTONES, WEEKDAYS, DayMark, Mark, Schedule, streak
from bot.domain.teams import (
    MAX_CODE_LENGTH,
    MAX_PAYLOAD_LENGTH,
    MIN_GOAL,
    TEAM_MILESTONES,
    Membership,
    MemberWeek,
    TeamStreak,
    default_goal,
    new_team_code,
    parse_team_payload,
    team_days,
    team_goal,
    team_milestones_reached,
    team_payload,
    team_streak,
    week_board,
    weekly_summary,
)

DAY = timedelta(days=1)
WED = date(2024, 3, 13)
MON = WED - 2 * DAY
LAST_MON = MON - 7 * DAY
MON_FRI = Schedule(WEEKDAYS)
ANA, BEN, CAT, DAN = 1, 2, 3, 4


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def since(day: date, *members: int) -> list[Membership]:
    return [Membership(member, day) for member in members]


# --- goal ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "goal"), [(0, 2), (1, 2), (2, 2), (3, 2), (4, 2), (5, 3), (9, 5), (10, 5)]
)
def test_default_goal_is_half_rounded_up_and_at_least_two(members: int, goal: int) -> None:
    assert default_goal(members) == goal == team_goal(members)


def test_a_chosen_goal_is_clamped_to_two_and_the_size() -> None:
    assert team_goal(9, 4) == 4
    assert team_goal(9, 12) == 9  # members left since the admin chose: still reachable
    assert team_goal(9, 1) == 2  # one person alone is not a team day
    assert team_goal(1, 5) == 2  # a team of one has no team days yet
    with pytest.raises(ValueError):
        default_goal(-1)


@given(st.integers(0, 10_000), st.none() | st.integers(-5, 10_050))
def test_goal_bounds(members: int, chosen: int | None) -> None:
    goal = team_goal(members, chosen)
    assert goal >= MIN_GOAL
    if members >= MIN_GOAL:
        assert goal <= members
    if chosen is None:
        assert 2 * goal >= members
    elif MIN_GOAL <= chosen <= members:
        assert goal == chosen


# --- team days: examples ---------------------------------------------------------------------


def test_team_day_needs_the_goal_of_distinct_members() -> None:
    stays = since(LAST_MON, ANA, BEN, CAT, DAN)  # 4 members: goal 2
    finishes = {ANA: [MON, MON, WED], BEN: [MON], CAT: [MON + DAY], DAN: []}
    assert team_days(finishes, stays) == {MON}
    assert team_days(finishes, stays, goal=3) == frozenset()
    assert team_days({ANA: [MON, MON]}, stays) == frozenset()  # twice alone is still alone


def test_a_team_of_one_has_no_team_days() -> None:
    assert team_days({ANA: days(LAST_MON, WED)}, since(LAST_MON, ANA), goal=1) == frozenset()


def test_late_joiners_count_from_their_join_day_and_leavers_through_their_last() -> None:
    stays = [
        Membership(ANA, LAST_MON),
        Membership(BEN, MON),  # finished earlier that day: it counts
        Membership(CAT, LAST_MON, left=MON + DAY),  # the day they left still counts
    ]
    week = days(LAST_MON, WED)
    finishes = {ANA: week, BEN: week, CAT: week}
    # Before Monday: Ana and Cat (2 of 2). Monday, Tuesday: 3 of 3. Wednesday: Ana and Ben.
    assert team_days(finishes, stays) == set(week)
    # The admin's goal of 3 is clamped to 2 on the two-member days, and is met on the others.
    assert team_days(finishes, stays, goal=3) == set(week)
    # Without Cat on Tuesday, 2 of 3 is a team day by default, not with the goal of 3.
    finishes[CAT] = [day for day in week if day != MON + DAY]
    assert MON + DAY in team_days(finishes, stays)
    assert MON + DAY not in team_days(finishes, stays, goal=3)


def test_the_goal_follows_each_days_size() -> None:
    # Two members last week (goal 2); six from Monday (goal 3): last week stays a team day.
    stays = [*since(LAST_MON, ANA, BEN), *since(MON, 3, 4, 5, 6)]
    finishes = {ANA: [LAST_MON, MON], BEN: [LAST_MON, MON]}
    assert team_days(finishes, stays) == {LAST_MON}


def test_finishes_between_stays_and_by_strangers_do_not_count() -> None:
    stays = [
        Membership(ANA, LAST_MON, left=LAST_MON + DAY),
        Membership(ANA, MON),
        Membership(BEN, LAST_MON),
    ]
    finishes = {ANA: days(LAST_MON, MON), BEN: days(LAST_MON, MON), 99: days(LAST_MON, MON)}
    assert team_days(finishes, stays) == {LAST_MON, LAST_MON + DAY, MON}


def test_overlapping_stays_count_a_member_once() -> None:
    # Ana left on Wednesday and joined again the same day: four members, so goal 2, not 3.
    stays = [Membership(ANA, MON, left=WED), Membership(ANA, WED), *since(MON, BEN, CAT, DAN)]
    assert team_days({ANA: [WED], BEN: [WED]}, stays) == {WED}
    assert week_board({}, stays, MON_FRI, WED).days[2].members == 4


def test_instants_and_backwards_stays_are_refused() -> None:
    with pytest.raises(TypeError):
        team_days({ANA: [datetime(2024, 3, 11, 9)]}, since(LAST_MON, ANA, BEN))
    with pytest.raises(TypeError):
        Membership(ANA, datetime(2024, 3, 11, 9))
    with pytest.raises(ValueError):
        Membership(ANA, MON, left=MON - DAY)


# --- team streak: examples -------------------------------------------------------------------


def test_team_streak_after_a_team_day_a_missed_day_and_a_paused_day() -> None:
    stays = since(LAST_MON, ANA, BEN, CAT)
    both = {ANA: [LAST_MON, LAST_MON + DAY], BEN: [LAST_MON, LAST_MON + DAY]}
    # Two team days, then Wednesday only Ana: a missed team day once it is over.
    finishes = {ANA: [*both[ANA], LAST_MON + 2 * DAY], BEN: both[BEN]}
    on_wednesday = team_streak(team_days(finishes, stays), MON_FRI, LAST_MON + 2 * DAY)
    assert on_wednesday == TeamStreak(2, 2, 2, True, LAST_MON + DAY)
    on_thursday = team_streak(team_days(finishes, stays), MON_FRI, LAST_MON + 3 * DAY)
    assert (on_thursday.current, on_thursday.best) == (0, 2)
    # The team paused Wednesday: it neither counts nor breaks, and Thursday makes three.
    paused = MON_FRI.with_pause(LAST_MON + 2 * DAY, LAST_MON + 2 * DAY)
    finishes = {m: [*d, LAST_MON + 3 * DAY] for m, d in both.items()}
    after = team_streak(team_days(finishes, stays), paused, LAST_MON + 3 * DAY)
    assert after == TeamStreak(3, 3, 3, False, LAST_MON + 3 * DAY)


def test_weekend_team_day_adds_one_and_weekend_off_breaks_nothing() -> None:
    stays = since(LAST_MON, ANA, BEN)
    weekdays = days(LAST_MON, LAST_MON + 4 * DAY)
    saturday = LAST_MON + 5 * DAY
    tuesday = MON + DAY  # today: not over, so not a break
    finishes = {ANA: [*weekdays, MON], BEN: [*weekdays, MON]}
    assert team_streak(team_days(finishes, stays), MON_FRI, tuesday).current == 6
    finishes = {ANA: [*weekdays, saturday, MON], BEN: [*weekdays, saturday, MON]}
    assert team_streak(team_days(finishes, stays), MON_FRI, tuesday).current == 7


def test_team_milestones() -> None:
    assert team_milestones_reached(2, 3, set()) == [3]
    assert team_milestones_reached(6, 15, {3}) == [7, 14]
    assert team_milestones_reached(29, 30, {3, 7, 14, 30}) == []
    assert team_milestones_reached(49, 100, set()) == []  # the team's last one is 30
    assert team_milestones_reached(3, 0, set()) == []


def test_team_milestones_are_among_the_personal_ones() -> None:
    # team_milestones_reached filters the personal rule's answer, so it needs them all there.
    assert set(TEAM_MILESTONES) <= set(MILESTONES)
    assert TEAM_MILESTONES == (3, 7, 14, 30)


# --- board: examples -------------------------------------------------------------------------


def test_week_board() -> None:
    stays = [
        Membership(ANA, LAST_MON),
        Membership(BEN, MON + DAY),  # joined Tuesday
        Membership(CAT, LAST_MON, left=MON),  # left Monday: not on the board
        Membership(DAN, LAST_MON),
    ]
    schedule = MON_FRI.with_pause(MON + DAY, MON + DAY)  # the team paused Tuesday
    finishes = {ANA: [MON, WED], BEN: [MON, WED], CAT: [MON], DAN: [MON + DAY]}
    board = week_board(finishes, stays, schedule, WED)

    assert [d.day for d in board.days] == days(MON, MON + 6 * DAY)
    monday, tuesday, wednesday = board.days[:3]
    assert (monday.members, monday.finished, monday.goal, monday.team_day) == (3, 2, 2, True)
    assert (tuesday.required, tuesday.finished, tuesday.team_day) == (False, 1, False)
    assert (wednesday.members, wednesday.finished, wednesday.team_day) == (3, 2, True)
    assert [d.required for d in board.days] == [True, False, True, True, True, False, False]

    assert list(board.rows) == [ANA, BEN, DAN]
    marks = {member: [m.mark for m in row] for member, row in board.rows.items()}
    rest = [Mark.REST, Mark.REST]
    assert marks[ANA] == [Mark.DONE, Mark.PAUSED, Mark.DONE, Mark.FUTURE, Mark.FUTURE, *rest]
    # Ben finished Monday before joining: outside, it did not count for the team.
    assert marks[BEN] == [
        Mark.BEFORE_JOINING,
        Mark.PAUSED,
        Mark.DONE,
        Mark.FUTURE,
        Mark.FUTURE,
        *rest,
    ]
    assert marks[DAN] == [
        Mark.MISSED,
        Mark.DONE,
        Mark.TODAY_PENDING,
        Mark.FUTURE,
        Mark.FUTURE,
        *rest,
    ]
    assert board.rows[ANA][0] == DayMark(MON, Mark.DONE)


# --- weekly summary: examples ----------------------------------------------------------------


def test_weekly_summary_of_last_week() -> None:
    stays = [*since(LAST_MON - 7 * DAY, ANA, BEN, CAT), Membership(DAN, LAST_MON, left=MON)]
    last_week = days(LAST_MON, LAST_MON + 6 * DAY)
    finishes = {
        ANA: last_week[:4],
        BEN: [*last_week[:2], last_week[5]],  # and Saturday
        CAT: last_week[1:5],
        DAN: last_week,  # left on Monday: not ranked, but the days he helped make stay made
    }
    summary = weekly_summary(finishes, stays, MON_FRI, MON)
    assert summary.week_start == LAST_MON
    assert summary.team_days == tuple(last_week[:6])  # Sunday: Dan alone
    assert summary.required_days == 5
    assert summary.streak == TeamStreak(6, 6, 6, True, last_week[5])
    # Ana and Cat finished on 4 days each (ties by id), Ben on 3.
    assert summary.most_consistent == (MemberWeek(ANA, 4), MemberWeek(CAT, 4), MemberWeek(BEN, 3))
    assert weekly_summary(finishes, stays, MON_FRI, WED, top=1).most_consistent == (
        MemberWeek(ANA, 4),
    )
    assert weekly_summary(finishes, stays, MON_FRI, MON, ranking=False).most_consistent == ()
    nobody = weekly_summary({}, stays, MON_FRI, MON)
    assert (nobody.team_days, nobody.most_consistent) == ((), ())


# --- join links ------------------------------------------------------------------------------


LONGEST_CODE = "a" * MAX_CODE_LENGTH


def test_payload_round_trip() -> None:
    assert team_payload("Ab3_-x") == "team_Ab3_-x"
    assert parse_team_payload("team_Ab3_-x") == "Ab3_-x"
    assert len(team_payload(LONGEST_CODE)) == MAX_PAYLOAD_LENGTH
    assert parse_team_payload(team_payload(LONGEST_CODE)) == LONGEST_CODE


@pytest.mark.parametrize(
    "payload",
    ["", "team_", "team", "Team_abc", "team_ab c", "team_ab\n", "team_é", "team_٣", "group",
     "team_" + LONGEST_CODE + "a", " team_abc", "team_ab.c", "team_ab/c", None],
)  # fmt: skip
def test_bad_payloads_are_not_team_links(payload: str | None) -> None:
    assert parse_team_payload(payload) is None


@pytest.mark.parametrize("code", ["", "a b", "ä", "a/b", "a\n", LONGEST_CODE + "a"])
def test_bad_codes_make_no_payload(code: str) -> None:
    with pytest.raises(ValueError):
        team_payload(code)


def test_new_team_code_is_random_and_fits() -> None:
    first = new_team_code(random.Random(7).randbytes)
    assert first == new_team_code(random.Random(7).randbytes)
    assert first != new_team_code(random.Random(8).randbytes)
    assert len(first) == 12
    assert parse_team_payload(team_payload(first)) == first
    assert parse_team_payload(team_payload(new_team_code())) is not None


@given(st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=59))
def test_every_valid_code_round_trips(code: str) -> None:
    payload = team_payload(code)
    assert len(payload) <= MAX_PAYLOAD_LENGTH
    assert parse_team_payload(payload) == code


@given(st.text(max_size=80))
def test_parsing_any_text_is_safe(text: str) -> None:
    for payload in (text, "team_" + text):
        code = parse_team_payload(payload)
        if code is not None:
            assert team_payload(code) == payload


@given(st.randoms(use_true_random=False))
def test_generated_codes_are_valid(rnd: random.Random) -> None:
    code = new_team_code(rnd.randbytes)
    assert parse_team_payload(team_payload(code)) == code


# --- properties ------------------------------------------------------------------------------

BASE = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
MEMBER_IDS = st.integers(1, 6)
STAYS = st.lists(
    st.tuples(MEMBER_IDS, st.integers(-30, 0), st.none() | st.integers(0, 30)), max_size=10
)
FINISHES = st.dictionaries(MEMBER_IDS, st.lists(st.integers(-30, 0), max_size=25), max_size=6)
GOALS = st.none() | st.integers(0, 8)


def build(base: date, raw_stays, raw_finishes) -> tuple[list[Membership], dict[int, list[date]]]:
    stays = [
        Membership(member, base + j * DAY, None if length is None else base + (j + length) * DAY)
        for member, j, length in raw_stays
    ]
    finishes = {m: [base + o * DAY for o in offsets] for m, offsets in raw_finishes.items()}
    return stays, finishes


def reference(stays: list[Membership], finishes: dict[int, list[date]], goal: int | None):
    """Walk every day the slow way: who was in, who finished, was it enough."""
    result = set()
    all_days = {d for ds in finishes.values() for d in ds}
    for day in all_days:
        members = {s.member for s in stays if s.joined <= day and (s.left is None or day <= s.left)}
        finished = {m for m, ds in finishes.items() if m in members and day in ds}
        if len(finished) >= team_goal(len(members), goal):
            result.add(day)
    return result


@given(BASE, STAYS, FINISHES, GOALS)
def test_team_days_match_a_day_by_day_walk(base, raw_stays, raw_finishes, goal) -> None:
    stays, finishes = build(base, raw_stays, raw_finishes)
    assert team_days(finishes, stays, goal=goal) == reference(stays, finishes, goal)


@given(BASE, STAYS, FINISHES, GOALS, MEMBER_IDS, st.integers(-30, 0))
def test_another_finish_never_removes_a_team_day(base, raw_stays, raw_finishes, goal, m, o):
    stays, finishes = build(base, raw_stays, raw_finishes)
    more = {**finishes, m: [*finishes.get(m, []), base + o * DAY]}
    assert team_days(finishes, stays, goal=goal) <= team_days(more, stays, goal=goal)


@given(BASE, STAYS, FINISHES, st.integers(0, 8))
def test_a_higher_goal_never_adds_a_team_day(base, raw_stays, raw_finishes, goal) -> None:
    stays, finishes = build(base, raw_stays, raw_finishes)
    assert team_days(finishes, stays, goal=goal + 1) <= team_days(finishes, stays, goal=goal)


@given(BASE, STAYS, FINISHES, GOALS)
def test_team_days_are_days_two_members_finished(base, raw_stays, raw_finishes, goal) -> None:
    stays, finishes = build(base, raw_stays, raw_finishes)
    for day in team_days(finishes, stays, goal=goal):
        assert sum(day in ds for ds in finishes.values()) >= MIN_GOAL


@given(BASE, STAYS, FINISHES, GOALS, st.randoms(use_true_random=False))
def test_order_duplicates_and_split_stays_do_not_matter(base, raw_stays, raw_finishes, goal, rnd):
    stays, finishes = build(base, raw_stays, raw_finishes)
    expected = team_days(finishes, stays, goal=goal)
    # The same stays cut in two overlapping pieces, shuffled; every finish twice, shuffled.
    split = []
    for s in stays:
        cut = s.joined + rnd.randint(0, 3) * DAY
        end = cut if s.left is None or s.left >= cut else s.left
        split += [Membership(s.member, s.joined, end), Membership(s.member, end, s.left)]
    rnd.shuffle(split)
    doubled = {m: rnd.sample(ds * 2, len(ds) * 2) for m, ds in finishes.items()}
    assert team_days(doubled, split, goal=goal) == expected


@given(BASE, st.lists(st.integers(-30, 0), max_size=25), st.integers(2, 5), st.integers(0, 6))
def test_a_team_that_trains_together_has_each_members_streak(base, offsets, size, weekday):
    # Everybody finishes on the same days: the team streak is each member's personal streak.
    stays = since(base - 40 * DAY, *range(size))
    done = [base + o * DAY for o in offsets]
    schedule = Schedule(frozenset(range(7)) - {weekday})
    team = team_streak(team_days(dict.fromkeys(range(size), done), stays), schedule, base)
    person = streak(done, schedule, base)
    assert (team.current, team.best, team.team_days) == (
        person.current,
        person.best,
        person.days_trained,
    )
    assert team.pending_today == person.alive_today_pending


@given(BASE, STAYS, FINISHES, GOALS, st.integers(-8, 8))
def test_board_agrees_with_team_days(base, raw_stays, raw_finishes, goal, shift) -> None:
    stays, finishes = build(base, raw_stays, raw_finishes)
    today = base + shift * DAY
    board = week_board(finishes, stays, MON_FRI, today, goal=goal)
    made = team_days(finishes, stays, goal=goal)
    assert [d.day.weekday() for d in board.days] == list(range(7))
    assert board.days[today.weekday()].day == today
    for entry in board.days:
        assert entry.team_day == (entry.day in made)
        assert entry.team_day == (entry.finished >= entry.goal)
    current = sorted({s.member for s in stays if s.left is None})
    assert list(board.rows) == current
    for member, row in board.rows.items():
        assert [m.day for m in row] == [d.day for d in board.days]
        for mark in row:
            member_that_day = any(
                s.member == member
                and s.joined <= mark.day
                and (s.left is None or mark.day <= s.left)
                for s in stays
            )
            assert (mark.mark == Mark.BEFORE_JOINING) == (not member_that_day)
            assert (mark.mark == Mark.DONE) == (
                member_that_day and mark.day in finishes.get(member, [])
            )


@given(BASE, STAYS, FINISHES, GOALS, st.integers(0, 4), st.booleans())
def test_weekly_ranking_is_ordered_and_bounded(base, raw_stays, raw_finishes, goal, top, rank):
    stays, finishes = build(base, raw_stays, raw_finishes)
    summary = weekly_summary(finishes, stays, MON_FRI, base, goal=goal, ranking=rank, top=top)
    assert summary.week_start.weekday() == 0
    assert summary.week_start + 7 * DAY <= base < summary.week_start + 14 * DAY
    week = set(days(summary.week_start, summary.week_start + 6 * DAY))
    assert set(summary.team_days) == team_days(finishes, stays, goal=goal) & week
    assert summary.streak == team_streak(team_days(finishes, stays, goal=goal), MON_FRI, base)
    ranked = summary.most_consistent
    assert len(ranked) <= (top if rank else 0)
    keys = [(-entry.days, entry.member) for entry in ranked]
    assert keys == sorted(keys) and len({e.member for e in ranked}) == len(ranked)
    assert all(1 <= entry.days <= 7 for entry in ranked)
    current = {s.member for s in stays if s.left is None}
    assert all(entry.member in current for entry in ranked)
