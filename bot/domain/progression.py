"""Progression rules: the count Done suggests, and when to offer another version of an exercise.

Public API (all pure; thresholds come from ``library().coaching``, see ``content/coaching.yaml``):

* :func:`advise` ``(history, state, dose, today, allowed, rules) -> Advice`` -- everything for
  the next session of one exercise: the Done count per side, at most one version
  :class:`Suggestion`, the therapist status and whether to say "stop it if the pain returns".
* :func:`done_counts` ``(history, level, dose) -> dict[side, int]`` -- the Done count per side at
  a level; call it again after applying a suggestion, for the new level.
* :func:`at_top`, :func:`below_bottom`, :func:`clear_session` -- how one session is read.

Inputs: ``history`` is the exercise's :class:`bot.domain.history.SessionRecord` list (any order;
see that module for how to build it), ``state`` a :class:`ProgressState`, ``dose`` the dose of
the version in use (``exercise.dose_for(state.level)``), ``today`` the person's local date and
``allowed`` the ``(lowest, highest)`` versions the routine shows:
``(EASIER, routine.top_level(exercise))``, as a desk routine caps the top.  A version in use
outside ``allowed`` is read as the nearest allowed one.

The rules, in the order they win (one suggestion at most):

1. Sharp pain (above ``pain.acceptable_max``) in the latest session: DOWN, applied, not asked
   (``offer=False``): say why, and that they should stop it if the pain returns.
2. After a break (``break_days`` or more since the latest session of this exercise) and the
   version in use above the person's starting version: BREAK_DOWN, applied and said.
3. The latest ``low_sessions`` sessions at the version in use each had a side logged below the
   bottom of the range: DOWN, offered (``offer=True``: Easier / Keep this one).
4. The latest ``top_sessions`` sessions at the version in use each reached the top of the range
   on every side, each with an answered check-in of no pain above ``pain.mild_max`` (with the
   bundled numbers: "No pain" only; "Some" is up to 5/10, above mild, and a skipped check-in is
   no evidence); no break; no standing therapist suggestion: UP, offered (Try it / Not yet).
   It never switches silently.

Sharp DOWN and BREAK_DOWN only apply while the version in use is not below the latest session's,
so once applied they are not applied again before the next session.  A declined offer is
remembered in ``state`` as the number of the latest session at the time ("Not yet" in
``declined_up_after``, a declined easier version in ``declined_down_after``): the offer comes
back only once ``ask_again_after`` more sessions after it show the same evidence (sessions at the
top for UP, low sessions for DOWN).  Clear the marker when the version changes.

Every suggestion moves one step and stays on the ladder (``content.LEVELS``) and inside
``allowed``; when the step would leave them there is no suggestion.  The same inputs give the same
advice, so show an offer once per new session (the markers above make that easy).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.history import SessionRecord, in_order
from bot.domain.pain import Therapist, clear_for_harder, therapist, too_much
from bot.domain.run import SIDES, Side
from content import EASIER, HARDER, LEVELS, STANDARD, Dose
from content.coaching import CoachingRules

__all__ = [
    "Advice",
    "Change",
    "ProgressState",
    "Reason",
    "Suggestion",
    "advise",
    "at_top",
    "below_bottom",
    "check_allowed",
    "clear_session",
    "done_counts",
]


class Change(enum.StrEnum):
    """Which way a suggestion moves the version."""

    UP = "up"
    DOWN = "down"
    BREAK_DOWN = "break_down"


class Reason(enum.StrEnum):
    """Why a suggestion is made; the interface turns it and its numbers into one line."""

    TOP_REACHED = "top_reached"  # count = the top reached, sessions = in a row
    LOW_COUNTS = "low_counts"  # count = the bottom missed, sessions = in a row
    SHARP_PAIN = "sharp_pain"  # no numbers
    AFTER_BREAK = "after_break"  # days = days since the latest session


@dataclass(frozen=True)
class ProgressState:
    """What the rules remember for one person and exercise, beside the history."""

    level: int  # the version in use now
    start_level: int = STANDARD  # where the person started (a check-up may set it)
    declined_up_after: int | None = None  # "Not yet": the latest session number then
    declined_down_after: int | None = None  # easier version declined: likewise
    fine_again_after: int | None = None  # "fine again" after a therapist suggestion: likewise

    def __post_init__(self) -> None:
        """Reject versions off the ladder."""
        if self.level not in LEVELS or self.start_level not in LEVELS:
            raise ValueError(f"levels must be one of {LEVELS}")


@dataclass(frozen=True)
class Suggestion:
    """One version change: which way, why, from and to which version, and the numbers of why."""

    change: Change
    reason: Reason
    from_level: int
    to_level: int
    # True: ask (Try it / Not yet, Easier / Keep). False: already decided, say so and apply.
    offer: bool
    count: int = 0
    sessions: int = 0
    days: int = 0


@dataclass(frozen=True)
class Advice:
    """Everything the rules say about the next session of one exercise."""

    counts: dict[Side | None, int]  # what Done logs, per side, at the version in use
    suggestion: Suggestion | None
    therapist: Therapist
    stop_if_returns: bool  # the latest session had sharp pain: say "stop it if it returns"

    @property
    def harder_blocked(self) -> bool:
        """Return whether the harder version is off for now (a therapist suggestion stands)."""
        return self.therapist.harder_blocked


def check_allowed(allowed: tuple[int, int]) -> tuple[int, int]:
    """Return allowed unchanged, or raise ValueError when it is empty or leaves the ladder."""
    lowest, highest = allowed
    if not EASIER <= lowest <= highest <= HARDER:
        raise ValueError(f"allowed versions must satisfy {EASIER} <= lowest <= highest <= {HARDER}")
    return allowed


def at_top(record: SessionRecord) -> bool:
    """Return whether every side reached the top of the session's range (a missing side did not)."""
    return record.complete and all(count >= record.dose.max for count in record.counts.values())


def below_bottom(record: SessionRecord) -> bool:
    """Return whether any logged side fell below the bottom of the session's range."""
    # One side is enough: the easier version is for both, and the weaker side sets the pace.
    return any(count < record.dose.min for count in record.counts.values())


def clear_session(record: SessionRecord, rules: CoachingRules) -> bool:
    """Return whether a session counts toward the harder-version offer: top everywhere, no pain."""
    return at_top(record) and clear_for_harder(record.pain, rules.pain)


def done_counts(history: Sequence[SessionRecord], level: int, dose: Dose) -> dict[Side | None, int]:
    """Return the count Done suggests per side: last time at this level + 1, within the range.

    A side never logged at this level starts with the dose as written (Dose.target, the top of
    the range), as Done always has: the coach has nothing of the person's own to go on yet,
    and one tap of Done keeps meaning "I did what it says". From the next session the
    person's own count leads: whatever they log, Done then aims for one more.
    """
    records = [record for record in in_order(history) if record.level == level]
    sides: tuple[Side | None, ...] = SIDES if dose.per_side else (None,)
    counts: dict[Side | None, int] = {}
    for side in sides:
        logged = [record.counts[side] for record in records if side in record.counts]
        wanted = logged[-1] + 1 if logged else dose.target
        counts[side] = min(max(wanted, dose.min), dose.max)
    return counts


def advise(
    history: Sequence[SessionRecord],
    state: ProgressState,
    dose: Dose,
    today: date,
    allowed: tuple[int, int],
    rules: CoachingRules,
) -> Advice:
    """Return the Done counts, at most one suggestion and the pain flags for one exercise."""
    lowest, highest = check_allowed(allowed)
    level = min(max(state.level, lowest), highest)
    records = in_order(history)
    status = therapist(records, state.fine_again_after, rules.pain)
    stop = bool(records) and too_much(records[-1].pain, rules.pain)
    suggestion = _suggest(records, state, level, today, (lowest, highest), status, rules)
    return Advice(done_counts(records, level, dose), suggestion, status, stop)


def _suggest(
    records: list[SessionRecord],
    state: ProgressState,
    level: int,
    today: date,
    allowed: tuple[int, int],
    status: Therapist,
    rules: CoachingRules,
) -> Suggestion | None:
    if not records:
        return None
    lowest, highest = allowed
    last = records[-1]
    days = (today - last.day).days
    on_break = days >= rules.progression.break_days
    can_go_down = level - 1 >= lowest
    can_go_up = level + 1 <= highest

    # Applied steps wait for the next session once taken: the version in use is then below.
    if can_go_down and level >= last.level:
        if too_much(last.pain, rules.pain):
            return Suggestion(Change.DOWN, Reason.SHARP_PAIN, level, level - 1, offer=False)
        if on_break and level > state.start_level:
            return Suggestion(
                Change.BREAK_DOWN, Reason.AFTER_BREAK, level, level - 1, offer=False, days=days
            )

    progression = rules.progression
    if can_go_down and _evident(
        records, level, _low, progression.low_sessions, state.declined_down_after, rules
    ):
        return Suggestion(
            Change.DOWN,
            Reason.LOW_COUNTS,
            level,
            level - 1,
            offer=True,
            count=last.dose.min,
            sessions=progression.low_sessions,
        )

    # No offer on stale evidence (a break), nor while a therapist suggestion stands.
    if (
        can_go_up
        and not on_break
        and not status.recommended
        and _evident(
            records, level, clear_session, progression.top_sessions, state.declined_up_after, rules
        )
    ):
        return Suggestion(
            Change.UP,
            Reason.TOP_REACHED,
            level,
            level + 1,
            offer=True,
            count=last.dose.max,
            sessions=progression.top_sessions,
        )
    return None


def _low(record: SessionRecord, rules: CoachingRules) -> bool:
    return below_bottom(record)


def _evident(
    records: list[SessionRecord],
    level: int,
    holds: Callable[[SessionRecord, CoachingRules], bool],
    needed: int,
    declined_after: int | None,
    rules: CoachingRules,
) -> bool:
    """Return whether the latest sessions show the evidence at this level, past any decline."""
    recent = records[-needed:]
    if len(recent) < needed or not all(r.level == level and holds(r, rules) for r in recent):
        return False
    if declined_after is None:
        return True
    # Asked again only once enough sessions after the decline show the same evidence.
    since = [
        r for r in records if r.number > declined_after and r.level == level and holds(r, rules)
    ]
    return len(since) >= rules.progression.ask_again_after
