"""Typed shape of coaching.yaml: the thresholds of the coaching rules and the self-check.

Every number the rules in ``bot/domain`` (progression, pain, balance, checkup) decide with lives
here, so a coach tunes them by editing ``content/coaching.yaml``, never the code.  Each model
is strict: an unknown key, a string where a number belongs, or an out-of-range threshold is a
load error naming the file and the field.  Cross-references to routines and exercises are
checked by :meth:`CoachingRules.unknown_reference`, which the library loader calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from content.models import EASIER, HARDER, Exercise, Routine

_ID = r"^[a-z][a-z0-9_]{1,31}$"
# A version on the ladder: -1 easier, 0 standard, 1 harder.
Level = Annotated[int, Field(ge=EASIER, le=HARDER)]


class _Rules(BaseModel):
    # strict: a threshold written as "14" or 14.5 is a mistake, not something to coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ProgressionRules(_Rules):
    """When to offer a harder or an easier version, and when a break costs one version."""

    top_sessions: int = Field(ge=1, le=10)
    ask_again_after: int = Field(ge=1, le=20)
    low_sessions: int = Field(ge=1, le=10)
    break_days: int = Field(ge=1, le=365)


class PainScale(_Rules):
    """The most each check-in answer stands for on a 0-10 pain scale (No pain is 0)."""

    some: int = Field(ge=1, le=10)
    sharp: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> PainScale:
        if self.sharp <= self.some:
            raise ValueError("sharp must stand for more pain than some")
        return self


class PainRules(_Rules):
    """How much pain blocks a harder version, steps an exercise down, or calls for a therapist."""

    scale: PainScale
    mild_max: int = Field(ge=0, le=10)
    acceptable_max: int = Field(ge=0, le=10)
    therapist_sessions: int = Field(ge=1, le=20)
    therapist_window: int = Field(ge=1, le=50)

    @model_validator(mode="after")
    def _consistent(self) -> PainRules:
        if self.acceptable_max < self.mild_max:
            raise ValueError("acceptable_max must not be below mild_max")
        if self.scale.sharp <= self.acceptable_max:
            # Sharp is the answer that means "not acceptable"; it must stay above the line.
            raise ValueError("scale.sharp must be above acceptable_max")
        if self.therapist_window < self.therapist_sessions:
            raise ValueError("therapist_window must not be below therapist_sessions")
        return self


class BalanceRules(_Rules):
    """How far behind one side must be, over how many sessions, before the summary says so."""

    percent: int = Field(ge=1, le=99)
    sessions: int = Field(ge=1, le=20)


class Question(_Rules):
    """One yes/no question of the self-check; a yes adds its points."""

    id: str = Field(pattern=_ID)
    text: str = Field(min_length=10, max_length=200)
    points: int = Field(ge=0, le=10)


class RangeAnswer(_Rules):
    """One of the three answers to the seated range test, with its points."""

    id: str = Field(pattern=_ID)
    text: str = Field(min_length=3, max_length=120)
    points: int = Field(ge=0, le=20)


class RangeTest(_Rules):
    """The seated range test: what it checks, how to do it, and its three answers."""

    title: str = Field(min_length=3, max_length=60)
    steps: list[str] = Field(min_length=1, max_length=6)
    question: str = Field(min_length=10, max_length=200)
    answers: list[RangeAnswer] = Field(min_length=3, max_length=3)

    @model_validator(mode="after")
    def _unique(self) -> RangeTest:
        ids = [answer.id for answer in self.answers]
        if len(set(ids)) != len(ids):
            raise ValueError(f"answer ids must be unique, got {ids}")
        return self


class Band(_Rules):
    """A range of self-check scores (up to and including up_to) and what it suggests."""

    id: str = Field(pattern=_ID)
    up_to: int = Field(ge=0, le=200)
    summary: str = Field(min_length=10, max_length=300)
    routine: str
    levels: dict[str, Level] = Field(min_length=1)


class CheckupRules(_Rules):
    """The /checkup self-check: questions, the range test, score bands and when to repeat it."""

    repeat_days: int = Field(ge=1, le=365)
    questions: list[Question] = Field(min_length=4, max_length=6)
    range_test: RangeTest
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CheckupRules:
        ids = [question.id for question in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question ids must be unique, got {ids}")
        bounds = [band.up_to for band in self.bands]
        if bounds != sorted(set(bounds)):
            raise ValueError(f"bands must be in strictly ascending up_to order, got {bounds}")
        if bounds[-1] < self.max_score:
            # Every possible score must land in a band, or a result would have no suggestion.
            raise ValueError(f"the last band must reach the highest score {self.max_score}")
        return self

    @property
    def max_score(self) -> int:
        """Return the highest score the answers can add up to."""
        worst_range = max(answer.points for answer in self.range_test.answers)
        return sum(question.points for question in self.questions) + worst_range


class CoachingRules(_Rules):
    """Everything coaching.yaml holds, validated."""

    progression: ProgressionRules
    pain: PainRules
    balance: BalanceRules
    checkup: CheckupRules

    def unknown_reference(
        self, routines: Mapping[str, Routine], exercises: Mapping[str, Exercise]
    ) -> str | None:
        """Return "field: problem" for the first band naming a missing routine or exercise."""
        for index, band in enumerate(self.checkup.bands):
            where = f"checkup.bands.{index}"
            routine = routines.get(band.routine)
            if routine is None:
                return f"{where}.routine: unknown routine {band.routine!r}"
            # The starting versions are the whole suggestion: one for every exercise, no more.
            missing = [ex for ex in routine.exercises if ex not in band.levels]
            extra = [ex for ex in band.levels if ex not in routine.exercises or ex not in exercises]
            if missing:
                return f"{where}.levels: no level for {missing} of routine {routine.id!r}"
            if extra:
                return f"{where}.levels: {extra} not in routine {routine.id!r}"
        return None
