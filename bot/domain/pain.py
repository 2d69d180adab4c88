"""Pain and effort check-in: what an answer means, when to suggest a therapist, the day after.

The check-in, at the end of a routine: "Any pain?" with No pain / Some / Sharp; after Some or
Sharp, "Which exercise?" with the exercises just done as buttons.  :func:`answers_by_exercise`
turns that (or a skipped check-in) into one :class:`PainAnswer` per exercise, which goes into
that exercise's :class:`bot.domain.history.SessionRecord`.

Where the answers sit is data (``coaching.yaml``, ``pain``), after the pain-monitoring model
(Silbernagel et al., 2007): No pain is 0, Some is "mild to moderate, up to about 5/10" and
acceptable, Sharp is "above 5/10" and not.  With the bundled numbers:

* :func:`clear_for_harder` -- only an answered No pain.  Some (up to 5/10) is above mild, and a
  skipped check-in is no evidence of anything, so both block the harder-version offer.
* :func:`too_much` -- Sharp: the exercise steps down next time and the person is told to stop it
  if the pain returns (:func:`report_effect`).
* :func:`is_pain` -- Some or Sharp: counts toward the therapist suggestion, and the next reminder
  asks "How's the hip today?" (:func:`report_effect`).
* :func:`therapist` -- pain on the same exercise in ``therapist_sessions`` sessions out of any
  ``therapist_window`` consecutive sessions of it (3 of 5), counted after the person's last
  "fine again": suggest a physical therapist and block the harder version until they say the hip
  is fine again.  It stands until then, however long ago the pain was.
* :func:`hip_today` -- the answer to "How's the hip today?": Worse means the gentlest versions
  today (:func:`level_today`) and a rest-day button, a one-day pause (:func:`rest_day`) that never
  breaks a streak.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.history import PainAnswer, SessionRecord, in_order
from bot.domain.streak import Schedule
from content.coaching import PainRules

__all__ = [
    "CheckIn",
    "HipToday",
    "PainAnswer",
    "ReportEffect",
    "Therapist",
    "TodayPlan",
    "answers_by_exercise",
    "clear_for_harder",
    "hip_today",
    "is_pain",
    "level_today",
    "pain_score",
    "report_effect",
    "rest_day",
    "therapist",
    "too_much",
]


class HipToday(enum.StrEnum):
    """The answer to "How's the hip today?" on the reminder after a pain report."""

    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


@dataclass(frozen=True)
class CheckIn:
    """The end-of-routine check-in: the answer, and the exercise picked after Some or Sharp."""

    answer: PainAnswer
    exercise_id: str | None = None


@dataclass(frozen=True)
class ReportEffect:
    """What a check-in answer about one exercise sets in motion."""

    step_down_next: bool
    stop_if_returns: bool
    ask_next_day: bool


@dataclass(frozen=True)
class Therapist:
    """Whether a physical therapist is suggested for an exercise, and the count behind it."""

    recommended: bool
    # True when the latest session is the one that made it stand: say it now, once.
    new: bool
    # The most pain sessions found in one window (for "pain in 3 of your last 5 sessions").
    pain_sessions: int
    window: int

    @property
    def harder_blocked(self) -> bool:
        """Return whether the harder version is off (no offer, no Harder button) for now."""
        return self.recommended


@dataclass(frozen=True)
class TodayPlan:
    """What the answer to "How's the hip today?" changes about today's session."""

    gentlest: bool
    offer_rest_day: bool


def answers_by_exercise(check_in: CheckIn | None, done: Sequence[str]) -> dict[str, PainAnswer]:
    """Return the answer for each exercise just done, from the check-in (None when skipped)."""
    if check_in is None or check_in.answer is PainAnswer.UNANSWERED:
        return dict.fromkeys(done, PainAnswer.UNANSWERED)
    if check_in.answer is PainAnswer.NO_PAIN:
        return dict.fromkeys(done, PainAnswer.NO_PAIN)
    place = check_in.exercise_id
    if place is not None and place in done:
        answers = dict.fromkeys(done, PainAnswer.NO_PAIN)
        answers[place] = check_in.answer
        return answers
    # Pain without a place (the second tap skipped): it could be any of them, so every
    # exercise carries it; the careful reading, as pain is what the rules must not miss.
    return dict.fromkeys(done, check_in.answer)


def pain_score(answer: PainAnswer, rules: PainRules) -> int | None:
    """Return the most an answer stands for on the 0-10 scale; None when unanswered."""
    if answer is PainAnswer.UNANSWERED:
        return None
    if answer is PainAnswer.NO_PAIN:
        return 0
    return rules.scale.some if answer is PainAnswer.SOME else rules.scale.sharp


def clear_for_harder(answer: PainAnswer, rules: PainRules) -> bool:
    """Return whether a session with this answer may count toward a harder-version offer."""
    score = pain_score(answer, rules)
    # Unanswered is not "no pain": the offer needs evidence, and a skipped check-in has none.
    return score is not None and score <= rules.mild_max


def too_much(answer: PainAnswer, rules: PainRules) -> bool:
    """Return whether the answer is above the acceptable line (steps the exercise down)."""
    score = pain_score(answer, rules)
    return score is not None and score > rules.acceptable_max


def is_pain(answer: PainAnswer, rules: PainRules) -> bool:
    """Return whether the answer reports any pain (counts toward the therapist suggestion)."""
    score = pain_score(answer, rules)
    return score is not None and score > 0


def report_effect(answer: PainAnswer, rules: PainRules) -> ReportEffect:
    """Return what a check-in answer about one exercise sets in motion."""
    sharp = too_much(answer, rules)
    return ReportEffect(
        step_down_next=sharp, stop_if_returns=sharp, ask_next_day=is_pain(answer, rules)
    )


def therapist(
    history: Sequence[SessionRecord], fine_again_after: int | None, rules: PainRules
) -> Therapist:
    """Return whether pain on this exercise, since the last "fine again", calls for a therapist."""
    records = [
        record
        for record in in_order(history)
        if fine_again_after is None or record.number > fine_again_after
    ]
    flags = [is_pain(record.pain, rules) for record in records]
    recommended, most = _reached(flags, rules)
    before, _ = _reached(flags[:-1], rules)
    return Therapist(recommended, recommended and not before, most, rules.therapist_window)


def _reached(flags: list[bool], rules: PainRules) -> tuple[bool, int]:
    """Return whether any run of window sessions holds enough pain, and the most in one run."""
    window = rules.therapist_window
    # Shorter histories are one window of what there is: 3 pains in 3 sessions is enough.
    starts = range(max(1, len(flags) - window + 1))
    most = max((sum(flags[start : start + window]) for start in starts), default=0)
    return most >= rules.therapist_sessions, most


def hip_today(answer: HipToday | None) -> TodayPlan:
    """Return today's plan from the answer to "How's the hip today?" (None when unanswered)."""
    worse = answer is HipToday.WORSE
    return TodayPlan(gentlest=worse, offer_rest_day=worse)


def level_today(plan: TodayPlan, level: int, allowed: tuple[int, int]) -> int:
    """Return the version to use today: the lowest allowed one on a gentlest day."""
    lowest, highest = allowed
    if plan.gentlest:
        return lowest
    return min(max(level, lowest), highest)


def rest_day(schedule: Schedule, today: date) -> Schedule:
    """Return the schedule with today paused: a rest day taken never breaks a streak."""
    return schedule.with_pause(today, today)
