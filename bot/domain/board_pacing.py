"""Pace the live board's edits in a group chat under Telegram's limit of ~20 messages a minute.

One pacer per group chat, fed with a monotonic clock in seconds.  The caller never edits on a
finish directly; it marks the board dirty and asks the pacer when to flush::

    pacer.mark_dirty()                      # a member finished (after the commit)
    at = pacer.flush_at(now)                # None: nothing to show
    if at is not None and at <= now:
        if pacer.try_flush(now):            # records the edit and marks the board clean...
            ...render and edit the board    # ...so render it after this call, from the database
    elif at is not None:
        ...schedule one job at `at` (if none is scheduled) that does the try_flush part

Everything marked dirty before ``try_flush`` returns True is in the board rendered after it;
a finish marked later makes the board dirty again.  A failed edit calls ``mark_dirty`` again.
Edits are at least ``min_gap`` apart (``window / limit`` by default, 3 s), so a burst of finishes
becomes one edit, and never more than ``limit`` in any ``window``, counting the other messages
the bot sends to the group (:meth:`GroupEditPacer.record`).
"""

from __future__ import annotations

from collections import deque

GROUP_LIMIT = 20  # messages or edits per group chat...
GROUP_WINDOW = 60.0  # ...in this many seconds


class GroupEditPacer:
    """Coalesce one group's board edits and space them under the group's rate limit."""

    def __init__(
        self, limit: int = GROUP_LIMIT, window: float = GROUP_WINDOW, min_gap: float | None = None
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("the limit must be at least 1 and the window positive")
        if min_gap is not None and min_gap < 0:
            raise ValueError("the gap between edits cannot be negative")
        self.limit = limit
        self.window = window
        self.min_gap = window / limit if min_gap is None else min_gap
        self._sent: deque[float] = deque(maxlen=limit)  # the latest `limit` sends, oldest first
        self._dirty = False

    @property
    def dirty(self) -> bool:
        """Return whether the board has changes not yet shown."""
        return self._dirty

    def mark_dirty(self) -> None:
        """Note that the board changed (or an edit failed) and needs an edit."""
        self._dirty = True

    def allowed_at(self, now: float) -> float:
        """Return the earliest time, at or after now, at which a message may go to the group."""
        at = now
        if self._sent:
            at = max(at, self._sent[-1] + self.min_gap)
        if len(self._sent) == self.limit:
            # The limit-th latest send must have left the window: then at most limit - 1 sends
            # lie in (at - window, at], and this one makes limit.
            at = max(at, self._sent[0] + self.window)
        return at

    def flush_at(self, now: float) -> float | None:
        """Return when the board should be edited (now or later), or None when it is clean."""
        return self.allowed_at(now) if self._dirty else None

    def try_flush(self, now: float) -> bool:
        """Record an edit and mark the board clean when one is due and allowed now."""
        if not self._dirty or self.allowed_at(now) > now:
            return False
        self.record(now)
        self._dirty = False
        return True

    def record(self, at: float) -> None:
        """Count a message sent or edited in the group at this time (flushes count themselves)."""
        # A time behind the latest send is counted as the latest: later, never too early.
        self._sent.append(max(at, self._sent[-1]) if self._sent else at)
