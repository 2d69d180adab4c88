"""Left and right: whether one side of an exercise has fallen behind the other.

Public API: :func:`imbalance` ``(history, rules) -> Imbalance | None``, with ``history`` the
exercise's :class:`bot.domain.history.SessionRecord` list (any order) and ``rules`` the
``balance`` part of ``library().coaching``.

The rule: take the latest ``rules.sessions`` sessions in which both sides were logged (sessions
missing a side are passed over, unsided exercises never qualify), add up each side's counts, and
when one total is at least ``rules.percent`` percent below the other, that side is behind.  With
fewer such sessions there is no verdict.  The summary says so neutrally (a count, not a
diagnosis) and offers one extra set on the side behind next time, which the person may accept
or decline; log that set so that it does not count here (see ``bot.domain.history``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.history import SessionRecord, in_order
from bot.domain.run import Side
from content.coaching import BalanceRules

__all__ = ["Imbalance", "imbalance"]


@dataclass(frozen=True)
class Imbalance:
    """One side behind the other: the totals over the sessions compared, and the gap in percent."""

    behind: Side
    ahead: Side
    behind_total: int
    ahead_total: int
    percent: int  # how much fewer, rounded down: (ahead - behind) * 100 // ahead
    sessions: int


def imbalance(history: Sequence[SessionRecord], rules: BalanceRules) -> Imbalance | None:
    """Return the side behind over the latest complete sessions, or None when balanced enough."""
    sided = [record for record in in_order(history) if record.dose.per_side and record.complete]
    if len(sided) < rules.sessions:
        return None
    recent = sided[-rules.sessions :]
    left = sum(record.counts["left"] for record in recent)
    right = sum(record.counts["right"] for record in recent)
    if left == right:
        return None
    behind: Side = "left" if left < right else "right"
    ahead: Side = "right" if behind == "left" else "left"
    low, high = min(left, right), max(left, right)
    # "At least X% fewer" in whole numbers: low <= high * (100 - X) / 100, without rounding.
    if low * 100 > high * (100 - rules.percent):
        return None
    return Imbalance(behind, ahead, low, high, (high - low) * 100 // high, rules.sessions)
