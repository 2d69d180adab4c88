"""Each group's pacer for the bot's messages and board edits there, in this process."""

from __future__ import annotations

import time

from bot.domain.board_pacing import GroupEditPacer


class BoardEdits:
    """Hold this process's pacer per group chat, and the posts that have an edit job waiting."""

    def __init__(self) -> None:
        self._pacers: dict[int, GroupEditPacer] = {}
        self.pending: set[int] = set()

    def pacer(self, chat_id: int) -> GroupEditPacer:
        """Return the group's pacer (made on first use; idle ones are forgotten)."""
        pacer = self._pacers.get(chat_id)
        if pacer is None:
            if len(self._pacers) > 10_000:
                now = time.monotonic()
                self._pacers = {
                    chat: p for chat, p in self._pacers.items() if p.allowed_at(now) > now - 60
                }
            pacer = self._pacers[chat_id] = GroupEditPacer()
        return pacer

    def record(self, chat_id: int) -> None:
        """Count a message the bot sends to the group now (it shares the group's limit)."""
        self.pacer(chat_id).record(time.monotonic())

    def wait(self, chat_id: int) -> float:
        """Return how many seconds until the group may get its next message from us."""
        now = time.monotonic()
        return max(0.0, self.pacer(chat_id).allowed_at(now) - now)
