"""Typed shape of the exercise library; every content file is validated against these models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Position = Literal["seated", "floor", "standing", "all-fours"]
CountUnit = Literal["reps", "rounds", "breaths"]
HoldUnit = Literal["seconds", "breaths"]
Setting = Literal["desk", "floor", "any"]

# Variation levels, stored per person per exercise: easier, standard, harder.
EASIER, STANDARD, HARDER = -1, 0, 1
LEVELS = (EASIER, STANDARD, HARDER)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hold(_Strict):
    """A pause at the end of each rep, e.g. 2-3 seconds."""

    min: int = Field(ge=1)
    max: int = Field(ge=1)
    unit: HoldUnit

    @model_validator(mode="after")
    def _ordered(self) -> Hold:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


class Dose(_Strict):
    """How much of an exercise to do: a count range, per side or not, with an optional hold."""

    min: int = Field(ge=1, le=100)
    max: int = Field(ge=1, le=100)
    unit: CountUnit
    per_side: bool
    hold: Hold | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Dose:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self

    @property
    def target(self) -> int:
        """Count logged by a one-tap Done: the top of the range."""
        return self.max


class Variation(_Strict):
    """One way of doing an exercise, with its own steps and, if it differs, its own dose."""

    name: str = Field(min_length=2, max_length=60)
    steps: list[str] = Field(min_length=1, max_length=8)
    dose: Dose | None = None


class Exercise(_Strict):
    """One exercise of the library with its standard, easier and harder variation."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str = Field(min_length=3, max_length=60)
    position: Position
    equipment: list[str]
    targets: list[str] = Field(min_length=1)
    why: str = Field(min_length=10, max_length=400)
    setup: str = Field(min_length=10, max_length=500)
    dose: Dose
    standard: Variation
    easier: Variation
    harder: Variation
    cues: list[str] = Field(min_length=1, max_length=5)

    def variation(self, level: int) -> Variation:
        """Return the variation for a level (-1 easier, 0 standard, 1 harder)."""
        if level < STANDARD:
            return self.easier
        if level > STANDARD:
            return self.harder
        return self.standard

    def dose_for(self, level: int) -> Dose:
        """Return the dose of a level: the variation's own, else the exercise's."""
        return self.variation(level).dose or self.dose


class Routine(_Strict):
    """A named sequence of exercises offered as one session."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,15}$")
    title: str = Field(min_length=3, max_length=40)
    description: str = Field(min_length=10, max_length=300)
    setting: Setting
    minutes: int = Field(ge=1, le=60)
    exercises: list[str] = Field(min_length=1, max_length=12)


class Guide(_Strict):
    """Background a person can read: what the movement is, why it matters, signs, safety."""

    what_it_is: str
    muscles: str
    why_it_matters: str
    who_benefits: list[str] = Field(min_length=1)
    signs: list[str] = Field(min_length=1)
    safety: str = Field(min_length=20)
