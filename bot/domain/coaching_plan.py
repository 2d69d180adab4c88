"""The coach's plan for one run, fixed when it starts, so that no press has to read history.

At the start of a run the service reads each exercise's past sessions, asks the rules
(bot/domain/progression.py, pain.py, balance.py) and stores the answer with the run as JSON
(:func:`encode` / :func:`decode`): what Done logs at each version and side, the highest version
the run offers and why, a change already made (a sharp pain, a break) and what to say about it,
at most one open offer per exercise (a harder or an easier version), a therapist suggestion, and
after the run, a gap between the sides with the offer of an extra set. Presses on the run read
and update this plan with the run row they already lock.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.domain.run import SIDES, Side
from content import LEVELS


class CapReason(enum.StrEnum):
    """Why a run offers nothing harder than a version of an exercise."""

    DESK = "desk"  # the routine is done at a desk (content's desk rule)
    GENTLE = "gentle"  # the first-use screening: gentlest versions only
    THERAPIST = "therapist"  # a physical therapist was suggested for it
    HIP_TODAY = "hip_today"  # "How's the hip today?" was answered Worse


class Note(enum.StrEnum):
    """A change the coach made before the run, said on the exercise's first step."""

    SHARP_DOWN = "sharp_down"  # sharp pain last time: one version easier, stop if it returns
    BREAK_DOWN = "break_down"  # a long break: one version lower to come back
    THERAPIST = "therapist"  # pain in several sessions: see a physical therapist


class OfferStatus(enum.StrEnum):
    """Where an offer stands."""

    OPEN = "open"
    TAKEN = "taken"
    DECLINED = "declined"


@dataclass(frozen=True)
class Offer:
    """A version the coach offers to switch to, and the numbers of its one-line why."""

    change: str  # bot.domain.progression.Change: "up" or "down"
    reason: str  # bot.domain.progression.Reason
    from_level: int
    to_level: int
    count: int = 0
    sessions: int = 0
    status: OfferStatus = OfferStatus.OPEN


@dataclass(frozen=True)
class ExercisePlan:
    """What the coach decided about one exercise of the run."""

    # Done's count per version and side ("" for an unsided exercise), as strings for JSON.
    targets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    cap: int | None = None
    cap_reason: CapReason | None = None
    note: Note | None = None
    # The numbers a note says: days away, pain sessions and their window.
    days: int = 0
    pain_sessions: int = 0
    window: int = 0
    offer: Offer | None = None
    extra_side: Side | None = None  # an extra set on this side in this run

    def target(self, level: int, side: Side | None) -> int | None:
        """Return what Done logs at a version and side, if the coach set it."""
        return self.targets.get(str(level), {}).get(side or "")


@dataclass(frozen=True)
class Imbalance:
    """A gap between the sides found when the run ended, and the offer of an extra set."""

    exercise_id: str
    behind: Side
    percent: int
    sessions: int
    status: OfferStatus = OfferStatus.OPEN


@dataclass(frozen=True)
class RunCoaching:
    """The coach's plan for one run (see the module docstring)."""

    # The person's latest session (run id) before this run: the "Not yet" markers name it.
    latest: int = 0
    first_run: bool = False  # the person's first routine ever: say the safety note
    exercises: Mapping[str, ExercisePlan] = field(default_factory=dict)
    imbalance: Imbalance | None = None

    def of(self, exercise_id: str) -> ExercisePlan:
        """Return the plan of one exercise (an empty one when the coach decided nothing)."""
        return self.exercises.get(exercise_id, ExercisePlan())

    def with_exercise(self, exercise_id: str, plan: ExercisePlan) -> RunCoaching:
        """Return the plan with one exercise's part replaced."""
        return replace(self, exercises={**self.exercises, exercise_id: plan})

    def targets(self) -> dict[tuple[str, int, Side | None], int]:
        """Return Done's counts by (exercise, version, side), as the run's state reads them."""
        return {
            (exercise_id, int(level), _side(side)): count
            for exercise_id, plan in self.exercises.items()
            for level, by_side in plan.targets.items()
            for side, count in by_side.items()
        }

    def caps(self) -> dict[str, int]:
        """Return the versions the coach caps, by exercise."""
        return {e: p.cap for e, p in self.exercises.items() if p.cap is not None}


def targets_of(counts: Mapping[int, Mapping[Side | None, int]]) -> dict[str, dict[str, int]]:
    """Return Done's counts per version and side in the plan's JSON shape."""
    return {
        str(level): {side or "": count for side, count in by_side.items()}
        for level, by_side in counts.items()
        if level in LEVELS
    }


def encode(coaching: RunCoaching) -> str:
    """Return the plan as compact JSON."""
    # vars() turns each nested dataclass into its fields as json meets it: the same JSON as
    # dataclasses.asdict, without asdict's deep copy of every value first.
    return json.dumps(coaching, default=vars, separators=(",", ":"), sort_keys=True)


def decode(text: str | None) -> RunCoaching:
    """Read a plan stored by encode (a run started before plans existed has none)."""
    if not text:
        return RunCoaching()
    data: dict[str, Any] = json.loads(text)
    exercises = {
        exercise_id: _exercise(raw) for exercise_id, raw in dict(data.get("exercises", {})).items()
    }
    raw_gap = data.get("imbalance")
    gap = None
    if raw_gap:
        gap = Imbalance(
            exercise_id=raw_gap["exercise_id"],
            behind=_side(raw_gap["behind"]) or "left",
            percent=int(raw_gap["percent"]),
            sessions=int(raw_gap["sessions"]),
            status=OfferStatus(raw_gap["status"]),
        )
    return RunCoaching(
        latest=int(data.get("latest", 0)),
        first_run=bool(data.get("first_run", False)),
        exercises=exercises,
        imbalance=gap,
    )


def _exercise(raw: Mapping[str, Any]) -> ExercisePlan:
    offer = raw.get("offer")
    return ExercisePlan(
        targets={level: dict(sides) for level, sides in dict(raw.get("targets", {})).items()},
        cap=raw.get("cap"),
        cap_reason=CapReason(raw["cap_reason"]) if raw.get("cap_reason") else None,
        note=Note(raw["note"]) if raw.get("note") else None,
        days=int(raw.get("days", 0)),
        pain_sessions=int(raw.get("pain_sessions", 0)),
        window=int(raw.get("window", 0)),
        offer=None if not offer else Offer(**{**offer, "status": OfferStatus(offer["status"])}),
        extra_side=_side(raw.get("extra_side")),
    )


def _side(value: object) -> Side | None:
    return next((side for side in SIDES if side == value), None)
