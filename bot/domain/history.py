"""One exercise's past sessions, as the coaching rules (progression, pain, balance) read them.

How a caller builds the history of one exercise for one person:

* One :class:`SessionRecord` per finished or stopped run in which the exercise was logged on at
  least one side (a run where it was skipped on every side adds no record).
* ``number`` is any number that grows with every session of the person; the run's database id
  serves.  The rules order sessions by it and the "Not yet" and "fine again" markers of
  :class:`bot.domain.progression.ProgressState` refer to it.
* ``day`` is the session's local date (see :func:`bot.domain.streak.local_day`).
* ``level`` is the version the sets were logged at, and ``dose`` that version's dose
  (``exercise.dose_for(level)``).  When the sides of one session were logged at different
  versions, pass the version of the last set and only the sides logged at it.
* ``counts`` maps each logged side to its count: ``"left"`` and ``"right"`` for a sided exercise,
  ``None`` for an unsided one; a skipped side is left out.  When a side was logged twice (an extra
  set), pass the first count: extra sets are extra work, not a measure, and counting them would
  hide the very imbalance that asked for them.
* ``pain`` is what the end-of-routine check-in said about this exercise
  (see :func:`bot.domain.pain.answers_by_exercise`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.run import SIDES, Side
from content import LEVELS, Dose


class PainAnswer(enum.StrEnum):
    """The check-in answer about one exercise of one session."""

    NO_PAIN = "no_pain"
    SOME = "some"  # mild to moderate: up to about 5/10
    SHARP = "sharp"  # above 5/10
    UNANSWERED = "unanswered"  # check-in skipped: unknown, never read as "no pain"


@dataclass(frozen=True)
class SessionRecord:
    """What one session logged for one exercise (see the module docstring for each field)."""

    number: int
    day: date
    level: int
    dose: Dose
    counts: Mapping[Side | None, int]
    pain: PainAnswer = PainAnswer.UNANSWERED

    def __post_init__(self) -> None:
        """Reject a level off the ladder or a side that does not fit the dose."""
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level}")
        wrong = [side for side in self.counts if side not in self.sides]
        if wrong:
            raise ValueError(f"sides {wrong} do not fit a dose with per_side={self.dose.per_side}")

    @property
    def sides(self) -> tuple[Side | None, ...]:
        """Return the sides this exercise is logged on: left and right, or just None."""
        return SIDES if self.dose.per_side else (None,)

    @property
    def complete(self) -> bool:
        """Return whether every side was logged."""
        return all(side in self.counts for side in self.sides)


def in_order(history: Sequence[SessionRecord]) -> list[SessionRecord]:
    """Return the records with a count, oldest first; the same number twice is a caller bug."""
    records = sorted((record for record in history if record.counts), key=lambda r: r.number)
    numbers = [record.number for record in records]
    if len(set(numbers)) != len(numbers):
        raise ValueError("two records of one exercise share a session number")
    return records
