"""The /checkup self-check: score the answers, suggest a routine and versions, and say when again.

Public API (``rules`` is ``library().coaching.checkup``):

* :func:`score` ``(answers, range_answer, rules) -> int`` -- the points of the yes answers plus
  the range test's answer.  ``answers`` maps every question id to True (yes) or False (no);
  a missing or unknown id, or an unknown range answer id, is a ValueError (score only a
  finished check).
* :func:`result` ``(answers, range_answer, rules) -> CheckupResult`` -- the score, the first band
  (lowest first) whose ``up_to`` reaches it, and that band's routine id and starting version per
  exercise of the routine.  The person accepts it with one tap; the starting versions become
  both their versions in use and their ``start_level`` (see ``bot.domain.progression``).  A
  start above what the routine shows (``Routine.top_level``, the desk cap) is shown capped,
  like any remembered version, so content edits to the caps never invalidate coaching.yaml.
* :func:`next_due` / :func:`is_due` ``(last, today, rules)`` -- the check is offered again
  ``repeat_days`` after the last one, and right away to someone who never took it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from content.coaching import CheckupRules

__all__ = ["CheckupResult", "is_due", "next_due", "result", "score"]


@dataclass(frozen=True)
class CheckupResult:
    """What a finished self-check suggests."""

    score: int
    band: str
    routine: str
    levels: Mapping[str, int]  # starting version for each exercise of the routine
    summary: str


def score(answers: Mapping[str, bool], range_answer: str, rules: CheckupRules) -> int:
    """Return the points of a finished self-check."""
    ids = {question.id for question in rules.questions}
    if set(answers) != ids:
        missing, unknown = sorted(ids - set(answers)), sorted(set(answers) - ids)
        raise ValueError(f"answers must cover the questions: missing {missing}, unknown {unknown}")
    points = {answer.id: answer.points for answer in rules.range_test.answers}
    if range_answer not in points:
        raise ValueError(f"unknown range test answer {range_answer!r}")
    yes = sum(question.points for question in rules.questions if answers[question.id])
    return yes + points[range_answer]


def result(answers: Mapping[str, bool], range_answer: str, rules: CheckupRules) -> CheckupResult:
    """Return the score and the routine and starting versions it suggests."""
    total = score(answers, range_answer, rules)
    # The loader guarantees the last band reaches the highest score, so one always matches.
    band = next(band for band in rules.bands if total <= band.up_to)
    return CheckupResult(total, band.id, band.routine, dict(band.levels), band.summary)


def next_due(last: date | None, today: date, rules: CheckupRules) -> date:
    """Return the day the check is next offered: today when never taken."""
    if last is None:
        return today
    return last + timedelta(days=rules.repeat_days)


def is_due(last: date | None, today: date, rules: CheckupRules) -> bool:
    """Return whether to offer the check today."""
    return today >= next_due(last, today, rules)
