"""Team mode rules: the goal, team days, the team streak, the board, milestones and join links.

Vocabulary, on top of :mod:`bot.domain.streak`'s:

* A *member* is a person's id (whatever id the caller uses; only its order matters here).
* A *stay* (:class:`Membership`) runs from the local day a person joined through the local day
  they left, both counted; a person may leave and join again (several stays).  All dates are in
  the team's zone: the caller converts instants (see :func:`bot.domain.streak.local_day`).
* On a day, the team's *size* is the number of members with a stay covering that day, and a
  member's finish counts only on a day their stay covers.  The day a member leaves still counts,
  so leaving never rewrites a day that has already happened.
* The *goal* is how many counted finishes make a *team day*.  It is worked out per day from
  that day's size (:func:`team_goal`), so a team that grows does not lose its past team days.
  It is never below :data:`MIN_GOAL`: a team day is something two or more people did, so a team
  of 0 or 1 members has no team days yet.
* The *team streak* is :func:`bot.domain.streak.streak` applied to the team days with the
  team's schedule: the team's weekdays are the required days, a team pause removes days, a
  required day that was not a team day breaks the streak once it is over, and a team day on a
  rest or paused day still adds one (the same rules as a personal streak).
* *Current* members are those whose latest stay is still open: only they appear on the board and
  in the weekly ranking; the days a former member helped make stay made.
"""

from __future__ import annotations

import base64
import re
import secrets
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.streak import DayMark, Mark, Schedule, day_marks, milestones_reached, streak

MemberId = int
Finishes = Mapping[MemberId, Iterable[date]]

MIN_GOAL = 2
TEAM_MILESTONES: tuple[int, ...] = (3, 7, 14, 30)
RANKING_SIZE = 3

TEAM_PAYLOAD_PREFIX = "team_"
MAX_PAYLOAD_LENGTH = 64  # Telegram's limit for a /start deep-link payload
MAX_CODE_LENGTH = MAX_PAYLOAD_LENGTH - len(TEAM_PAYLOAD_PREFIX)
_PAYLOAD = re.compile(rf"{TEAM_PAYLOAD_PREFIX}([A-Za-z0-9_-]{{1,{MAX_CODE_LENGTH}}})")
_CODE_BYTES = 9  # 72 random bits, 12 characters

_ONE_DAY = timedelta(days=1)
_OPEN = date.max.toordinal() + 1  # the exclusive end of a stay that has not ended


# --- goal ------------------------------------------------------------------------------------


def default_goal(members: int) -> int:
    """Return half the members rounded up, and never less than MIN_GOAL."""
    if members < 0:
        raise ValueError("a team cannot have fewer than 0 members")
    return max(MIN_GOAL, -(-members // 2))


def team_goal(members: int, chosen: int | None = None) -> int:
    """Return the goal on a day with this many members: the admin's choice clamped, or default."""
    if chosen is None:
        return default_goal(members)
    # Clamped to the size, so members leaving never make team days impossible; never below 2.
    return max(MIN_GOAL, min(chosen, members))


# --- membership ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """One stay of a member in the team, from the day they joined through the day they left."""

    member: MemberId
    joined: date
    left: date | None = None  # the last day counted; None while still a member

    def __post_init__(self) -> None:
        """Reject instants (see local_day) and a stay that ends before it starts."""
        if isinstance(self.joined, datetime) or isinstance(self.left, datetime):
            raise TypeError("pass local dates in the team's zone, not datetimes")
        if self.left is not None and self.left < self.joined:
            raise ValueError("a member cannot leave before joining")


class _Roster:
    """Answer who was a member on a day, and how many, from the stays."""

    def __init__(self, memberships: Iterable[Membership]) -> None:
        spans: dict[MemberId, list[tuple[int, int]]] = {}
        for stay in memberships:
            stop = _OPEN if stay.left is None else stay.left.toordinal() + 1
            spans.setdefault(stay.member, []).append((stay.joined.toordinal(), stop))
        # Overlapping or touching stays merge, so a member is never counted twice on a day.
        self._spans = {member: _merged(member_spans) for member, member_spans in spans.items()}
        self._starts = sorted(start for s in self._spans.values() for start, _ in s)
        self._stops = sorted(stop for s in self._spans.values() for _, stop in s)
        self.current = tuple(sorted(m for m, s in self._spans.items() if s[-1][1] == _OPEN))

    def is_member(self, member: MemberId, day: date) -> bool:
        """Return whether a stay of the member covers the day."""
        spans = self._spans.get(member, [])
        ordinal = day.toordinal()
        index = bisect_right(spans, ordinal, key=lambda span: span[0]) - 1
        return index >= 0 and ordinal < spans[index][1]

    def size(self, day: date) -> int:
        """Return how many members the team had on the day."""
        ordinal = day.toordinal()
        return bisect_right(self._starts, ordinal) - bisect_right(self._stops, ordinal)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def _dates(days: Iterable[date]) -> set[date]:
    result = set(days)
    if any(isinstance(day, datetime) for day in result):
        # A datetime is a date subclass that never equals a date: it would silently not count.
        raise TypeError("pass local dates in the team's zone, not datetimes")
    return result


def _counted(finishes: Finishes, roster: _Roster) -> Counter[date]:
    """Count, per day, the members who finished on it while a member."""
    counts: Counter[date] = Counter()
    for member, days in finishes.items():
        counts.update(day for day in _dates(days) if roster.is_member(member, day))
    return counts


# --- team days and streak --------------------------------------------------------------------


def team_days(
    finishes: Finishes, memberships: Iterable[Membership], *, goal: int | None = None
) -> frozenset[date]:
    """Return the days on which at least that day's goal of members finished a routine."""
    roster = _Roster(memberships)
    counts = _counted(finishes, roster)
    return frozenset(day for day, n in counts.items() if n >= team_goal(roster.size(day), goal))


@dataclass(frozen=True)
class TeamStreak:
    """Team streak figures on one local day of the team's zone."""

    current: int
    best: int
    team_days: int  # in total
    # True when today is required, not a team day yet, and there is a streak to keep.
    pending_today: bool
    last_team_day: date | None


def team_streak(days: Iterable[date], schedule: Schedule, today: date) -> TeamStreak:
    """Return the team's current and best streaks from its team days (personal streak rules)."""
    summary = streak(days, schedule, today)
    return TeamStreak(
        summary.current,
        summary.best,
        summary.days_trained,
        summary.alive_today_pending,
        summary.last_day,
    )


def team_milestones_reached(
    previous_current: int, new_current: int, already_celebrated: AbstractSet[int]
) -> list[int]:
    """Return the team milestones crossed by this change and not celebrated before, ascending."""
    # The personal rule (crossings only, once each), narrowed to the team's thresholds; these
    # are a subset of the personal ones (a test holds them to it).
    crossed = milestones_reached(previous_current, new_current, already_celebrated)
    return [milestone for milestone in crossed if milestone in TEAM_MILESTONES]


# --- the board -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardDay:
    """One day of the team's week: finishes against the goal, and whether it is a team day."""

    day: date
    required: bool  # a team weekday that is not paused
    members: int  # the team's size that day
    finished: int  # members who finished that day while members (former ones included)
    goal: int
    team_day: bool


@dataclass(frozen=True)
class WeekBoard:
    """Monday..Sunday of a week for /board: the days, and a row of marks per current member."""

    days: tuple[BoardDay, ...]
    # Current members in ascending id, each with seven marks (the personal week row's Mark):
    # DONE, MISSED, TODAY_PENDING, FUTURE, REST or PAUSED (not required), and BEFORE_JOINING
    # on days no stay covers (which wins over a finish: it did not count for the team).
    rows: Mapping[MemberId, tuple[DayMark, ...]]


def week_board(
    finishes: Finishes,
    memberships: Iterable[Membership],
    schedule: Schedule,
    today: date,
    *,
    goal: int | None = None,
) -> WeekBoard:
    """Return the board for today's week (Monday..Sunday) in the team's zone."""
    roster = _Roster(memberships)
    monday = today - timedelta(days=today.weekday())
    week = [monday + i * _ONE_DAY for i in range(7)]
    counts = _counted(finishes, roster)
    days = []
    for day in week:
        size, finished = roster.size(day), counts[day]
        day_goal = team_goal(size, goal)
        required = schedule.is_required(day)
        days.append(BoardDay(day, required, size, finished, day_goal, finished >= day_goal))
    rows = {}
    for member in roster.current:
        # joined=date.min: the stays decide which days are outside, below.
        done = finishes.get(member, ())
        marks = day_marks(done, schedule, week[0], week[-1], today, joined=date.min)
        rows[member] = tuple(
            mark if roster.is_member(member, mark.day) else DayMark(mark.day, Mark.BEFORE_JOINING)
            for mark in marks
        )
    return WeekBoard(tuple(days), rows)


# --- weekly summary --------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberWeek:
    """A current member and the days of the week they finished a routine while a member."""

    member: MemberId
    days: int


@dataclass(frozen=True)
class WeeklySummary:
    """Last week (Monday..Sunday, team's zone) for the group: team days, streak and ranking."""

    week_start: date  # last week's Monday
    team_days: tuple[date, ...]  # last week's team days, in order
    required_days: int  # last week's team weekdays that were not paused
    streak: TeamStreak  # as of today
    most_consistent: tuple[MemberWeek, ...]  # empty when the ranking is off or nobody trained


def weekly_summary(
    finishes: Finishes,
    memberships: Iterable[Membership],
    schedule: Schedule,
    today: date,
    *,
    goal: int | None = None,
    ranking: bool = True,
    top: int = RANKING_SIZE,
) -> WeeklySummary:
    """Return the summary of the week before today's, with the top members by days finished."""
    if top < 0:
        raise ValueError("top cannot be negative")
    stays = list(memberships)
    monday = today - timedelta(days=today.weekday() + 7)
    week = [monday + i * _ONE_DAY for i in range(7)]
    all_team_days = team_days(finishes, stays, goal=goal)
    most_consistent: tuple[MemberWeek, ...] = ()
    if ranking:
        roster = _Roster(stays)
        ranked = []
        for member in roster.current:
            done = _dates(finishes.get(member, ())).intersection(week)
            counted = sum(1 for day in done if roster.is_member(member, day))
            if counted:
                ranked.append(MemberWeek(member, counted))
        # Most days first; ties by member id, so the same week always reads the same.
        ranked.sort(key=lambda entry: (-entry.days, entry.member))
        most_consistent = tuple(ranked[:top])
    return WeeklySummary(
        week_start=monday,
        team_days=tuple(day for day in week if day in all_team_days),
        required_days=sum(1 for day in week if schedule.is_required(day)),
        streak=team_streak(all_team_days, schedule, today),
        most_consistent=most_consistent,
    )


# --- join links ------------------------------------------------------------------------------


def team_payload(code: str) -> str:
    """Return the /start deep-link payload that joins the team with this code."""
    payload = TEAM_PAYLOAD_PREFIX + code
    if parse_team_payload(payload) != code:
        raise ValueError(f"a team code is 1..{MAX_CODE_LENGTH} of A-Z a-z 0-9 _ -, got {code!r}")
    return payload


def parse_team_payload(payload: str | None) -> str | None:
    """Return the team code in a /start payload, or None when it is not a team link."""
    if not isinstance(payload, str):
        return None
    match = _PAYLOAD.fullmatch(payload)
    return match.group(1) if match else None


def new_team_code(randbytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """Return a random team code: 72 random bits as 12 URL-safe base64 characters."""
    return base64.urlsafe_b64encode(randbytes(_CODE_BYTES)).decode("ascii")
