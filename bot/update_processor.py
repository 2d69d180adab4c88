"""Handle updates of different chats concurrently, and each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's process_update() takes a slot of its own semaphore before it hands an update to
# do_process_update(), where the chat's turn is awaited. Were that semaphore our limit, one
# chat with many updates queued (a busy group, a person hammering a button) would hold every
# slot while its updates wait for each other, and everybody else would wait behind it. So
# PTB's semaphore only bounds how many updates wait at all, and our own slots are taken
# after a chat's turn has come: a chat holds at most one slot, however many updates it sent.
WAITING_LIMIT = 100_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """PTB's extension point for concurrency, keyed by chat.

    A person's taps must be applied in the order they were made, but one busy chat must
    not hold up everybody else; a lock per active chat, then a slot, gives both.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(WAITING_LIMIT)
        self.slots = max_concurrent_updates
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Wait for the chat's turn, then for a free slot, then run the handler coroutine."""
        key = _chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # forget idle chats so the dict stays small
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
