"""Typed shape of the exercise library; every content file is validated against these models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Position = Literal["seated", "floor", "standing", "all-fours"]
CountUnit = Literal["reps", "rounds", "breaths"]
HoldUnit = Literal["seconds", "breaths"]
Setting = Literal["desk", "floor", "any"]
# How a sided exercise names the side being worked: the leg that turns, the leg behind in a
# split stance, the leg stood on, or the foot that moves ("left side" alone is ambiguous).
SideNaming = Literal["working_leg", "back_leg", "standing_leg", "foot"]
# What a version needs: what a hand rests on, what the body balances on, what touches the floor.
Support = Literal["none", "wall", "desk", "chair", "block"]
Balance = Literal["seated", "lying", "all_fours", "two_feet", "split_stance", "one_leg"]
FloorContact = Literal["feet_only", "hand", "knees", "sitting", "lying"]

# Variation levels, stored per person per exercise: easier, standard, harder.
EASIER, STANDARD, HARDER = -1, 0, 1
LEVELS = (EASIER, STANDARD, HARDER)
# What a hand can hold at a desk to make a one-leg balance safe there.
DESK_HOLDS: frozenset[Support] = frozenset({"wall", "desk", "chair"})


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


class Needs(_Strict):
    """What a version asks of the place: a hand support, the balance, the floor contact."""

    support: Support
    balance: Balance
    floor: FloorContact


class Variation(_Strict):
    """One way of doing an exercise: its steps, what it needs, and its own dose or setup."""

    name: str = Field(min_length=2, max_length=60)
    steps: list[str] = Field(min_length=1, max_length=8)
    needs: Needs
    equipment: list[str] = Field(max_length=4)
    setup: str | None = Field(default=None, min_length=10, max_length=500)
    dose: Dose | None = None
    sides: SideNaming | None = None

    @property
    def desk_problem(self) -> str | None:
        """Return why this version does not fit an office, or None when it does."""
        needs = self.needs
        if needs.floor != "feet_only":
            return f"has floor {needs.floor!r}, but at a desk only the feet touch the floor"
        if needs.balance == "one_leg" and needs.support not in DESK_HOLDS:
            return (
                f"balances on one leg with support {needs.support!r}, but at a desk a hand "
                "holds a wall, desk or chair"
            )
        return None

    @property
    def desk_safe(self) -> bool:
        """Whether this version fits an office (see desk_problem)."""
        return self.desk_problem is None


class Exercise(_Strict):
    """One exercise of the library with its standard, easier and harder variation."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str = Field(min_length=3, max_length=60)
    position: Position
    sides: SideNaming | None = None
    targets: list[str] = Field(min_length=1)
    why: str = Field(min_length=10, max_length=400)
    setup: str = Field(min_length=10, max_length=500)
    dose: Dose
    standard: Variation
    easier: Variation
    harder: Variation
    form_cues: list[str] = Field(max_length=4)
    safety_cues: list[str] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> Exercise:
        for level in LEVELS:
            if self.dose_for(level).unit != self.dose.unit:
                # Totals add counts across versions, so they must count the same thing.
                raise ValueError("every version counts in the exercise's unit")
            if self.dose_for(level).per_side != self.dose.per_side:
                raise ValueError("every version is per side when the exercise is")
        if self.dose.per_side and self.sides is None:
            raise ValueError("a per-side exercise says how its sides are named (sides)")
        if not self.dose.per_side and (
            self.sides or any(self.variation(level).sides for level in LEVELS)
        ):
            raise ValueError("sides is only for per-side exercises")
        return self

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

    def setup_for(self, level: int) -> str:
        """Return the setup of a level: the variation's own, else the exercise's."""
        return self.variation(level).setup or self.setup

    def sides_for(self, level: int) -> SideNaming | None:
        """Return how a level names its sides: the variation's own, else the exercise's."""
        return self.variation(level).sides or self.sides


class Routine(_Strict):
    """A named sequence of exercises offered as one session."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,15}$")
    title: str = Field(min_length=3, max_length=40)
    description: str = Field(min_length=10, max_length=300)
    setting: Setting
    minutes: int = Field(ge=1, le=60)
    exercises: list[str] = Field(min_length=1, max_length=12)

    def top_level(self, exercise: Exercise) -> int | None:
        """Return the hardest level offered here; None when not even the easiest one fits."""
        # A desk routine stops below the first version that is not desk-safe, so whatever
        # level a person remembers, every version shown here fits at a desk.
        if self.setting != "desk":
            return HARDER
        top = None
        for level in LEVELS:
            if not exercise.variation(level).desk_safe:
                break
            top = level
        return top


class Guide(_Strict):
    """Background a person can read: what the movement is, why it matters, signs, safety."""

    what_it_is: str
    muscles: str
    why_it_matters: str
    who_benefits: list[str] = Field(min_length=1)
    signs: list[str] = Field(min_length=1)
    safety: str = Field(min_length=20)
