"""The first-use screening: hip surgery, a hip replacement or hip pain now, and what follows.

Asked once, before the first routine: "Have you had hip surgery or a hip replacement, or do you
have hip pain now?" A "no" clears the person to coach as usual. A "yes" is told to check with
their surgeon or physical therapist first (turning the thigh inward with the hip bent is a
movement often restricted after some hip replacements), then chooses between the gentlest
versions only and not starting. /settings can change the answer.
"""

from __future__ import annotations

import enum


class Screening(enum.StrEnum):
    """What the person answered and chose (None in storage: not asked yet)."""

    CLEAR = "clear"  # no surgery, no replacement, no hip pain now
    GENTLE = "gentle"  # yes, and chose to go on with the gentlest versions only
    NOT_NOW = "not_now"  # yes, and chose not to start (until they change it in /settings)


def may_train(answer: Screening | None) -> bool:
    """Return whether a routine may start: the question was answered, and not with 'not now'."""
    return answer in (Screening.CLEAR, Screening.GENTLE)


def allowed_levels(answer: Screening | None, allowed: tuple[int, int]) -> tuple[int, int]:
    """Return the versions a routine may use for this person: only the gentlest after a 'yes'."""
    lowest, _ = allowed
    return (lowest, lowest) if answer is Screening.GENTLE else allowed
