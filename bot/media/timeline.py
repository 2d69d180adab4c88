"""Turn a demonstration and its dose into frames: a pose and what the frame says, at a fixed rate.

The tempo of each move comes from the pose file; holds take the dose's hold (the shortest
one, e.g. 2 of "2-3 seconds"), breaths take the dose's breaths (its least count), each an
inhale and an exhale. One loop is one rep (or one round, or one held pose): Telegram repeats it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from content import Dose
from content.body import Pose, Skeleton, blend, pose_skeleton
from content.poses import Demo

FPS = 12
# One breath in the demonstration: a slow inhale and a slower exhale, in seconds.
INHALE_SECONDS = 3.0
EXHALE_SECONDS = 3.5


@dataclass(frozen=True)
class Overlay:
    """What a frame says: the cue, a counter or countdown, and where the loop is."""

    cue: str  # a key of texts.yaml media cues ("" for none)
    count: str  # "1", "2" ... a beat within a move, a countdown in a hold, "2/3" for breaths
    breath: float  # -1 when not breathing, else 0..1 how full the breath is
    progress: float  # 0..1 of the loop


@dataclass(frozen=True)
class Frame:
    """One picture of the loop: the figure on the floor and its overlay."""

    skeleton: Skeleton
    overlay: Overlay


def _ease(t: float) -> float:
    """Start and stop gently (a person moves slowly in and out of each position)."""
    return t * t * (3 - 2 * t)


def _grounded(pose: Pose) -> Skeleton:
    skeleton = pose_skeleton(pose)
    return skeleton.shifted(-skeleton.lowest())


def move_seconds(demo: Demo, dose: Dose) -> list[float]:
    """Return how long each move of the motion lasts under this dose."""
    out: list[float] = []
    for move in demo.motion:
        if move.secs is not None:
            out.append(move.secs)
        elif move.hold:
            assert dose.hold is not None, "the loader checks a hold move has a dose hold"
            out.append(float(dose.hold.min))
        else:
            out.append(dose.min * (INHALE_SECONDS + EXHALE_SECONDS))
    return out


def frames(demo: Demo, dose: Dose) -> list[Frame]:
    """Return every frame of one loop of a demonstration."""
    durations = move_seconds(demo, dose)
    total = sum(durations)
    out: list[Frame] = []
    current = demo.pose(demo.motion[0].pose)
    elapsed = 0.0
    for move, seconds in zip(demo.motion, durations, strict=True):
        target = demo.pose(move.pose)
        count = max(1, round(seconds * FPS))
        for i in range(count):
            t = i / count
            at = (elapsed + t * seconds) / total
            if move.secs is not None:
                done = (i + 1) / count
                pose = blend(current, target, _ease(done) if move.ease else done)
                beat = str(int(t * seconds) + 1) if seconds >= 1.5 else ""
                overlay = Overlay(move.cue or "", beat, -1.0, at)
            elif move.hold:
                pose = target
                left = math.ceil(seconds * (1 - t) - 1e-9)
                overlay = Overlay(move.cue or "hold", str(left), -1.0, at)
            else:
                pose = target
                overlay = _breath(t * seconds, dose.min, at)
            out.append(Frame(_grounded(pose), overlay))
        current = target
        elapsed += seconds
    return out


def _breath(second: float, breaths: int, at: float) -> Overlay:
    """Return the overlay at a moment of a run of breaths: in, out, and which breath."""
    cycle = INHALE_SECONDS + EXHALE_SECONDS
    number = min(int(second // cycle), breaths - 1)
    within = second - number * cycle
    label = f"{number + 1}/{breaths}"
    if within < INHALE_SECONDS:
        return Overlay("breathe_in", label, _ease(within / INHALE_SECONDS), at)
    return Overlay("breathe_out", label, 1 - _ease((within - INHALE_SECONDS) / EXHALE_SECONDS), at)
