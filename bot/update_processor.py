"""Handle updates of different chats concurrently, and each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's process_update() takes a slot of its own semaphore before it hands an update to
# do_process_update(), where the chat's turn is awaited. Were that semaphore our limit, one
# chat with many updates queued (a busy group, a person hammering a button) would hold every
# slot while its updates wait for each other, and everybody else would wait behind it. So
# PTB's semaphore only bounds how many updates wait at all, and our own slots are taken
# after a chat's turn has come: a chat holds at most one slot, however many updates it sent.
WAITING_LIMIT = 100_000
# A chat's updates run at most this many a second after a burst of as many: no person taps
# that fast, but a flooding chat (a busy group sending 120 commands at once) would otherwise
# take the one event loop for itself, update after update, and everybody's replies would wait.
CHAT_RATE = 20


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """PTB's extension point for concurrency, keyed by chat.

    A person's taps must be applied in the order they were made, but one busy chat must
    not hold up everybody else; a lock and a pace per active chat, then a slot, give both.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(WAITING_LIMIT)
        self.slots = max_concurrent_updates
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._chats: dict[int, _ChatTurn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Wait for the chat's turn, then for a free slot, then run the handler coroutine."""
        keys = _chat_keys(update)
        if not keys:
            async with self._running:
                await coroutine
            return
        turns = []
        for key in keys:
            turn = self._chats.get(key)
            if turn is None:
                turn = self._chats[key] = _ChatTurn()
            turn.waiting += 1
            turns.append((key, turn))
        try:
            first = turns[0][1]
            if len(turns) == 1:  # nearly every update: no stack to build
                async with first.lock, first.pace, self._running:
                    await coroutine
                return
            async with AsyncExitStack() as stack:
                # In the keys' sorted order, so two updates that share chats cannot each hold
                # one turn while waiting for the other's.
                for _, turn in turns:
                    await stack.enter_async_context(turn.lock)
                async with first.pace, self._running:
                    await coroutine
        finally:
            for key, turn in turns:
                turn.waiting -= 1
                if turn.waiting == 0:
                    # Forget idle chats so the dict stays small; a chat whose queue ran dry is
                    # not flooding, and starts with a fresh burst next time.
                    del self._chats[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class _ChatTurn:
    """One chat's place in line: its order (a lock) and its pace."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.pace = AsyncLimiter(CHAT_RATE, 1)
        self.waiting = 0


def _chat_keys(update: object) -> tuple[int, ...]:
    """Return the chats whose turn an update waits for: its own, or both ends of an upgrade.

    A group's upgrade comes as the old group's message with migrate_to_chat_id, then the bot
    joining the supergroup (another chat). The message takes the supergroup's turn too, so the
    join is handled after the team has moved, and the team is not greeted as a new group.
    """
    if not isinstance(update, Update):
        return ()
    message = update.message
    if message is not None:
        other = message.migrate_to_chat_id or message.migrate_from_chat_id
        if other is not None:
            return tuple(sorted({message.chat.id, other}))
    if update.effective_chat is not None:
        return (update.effective_chat.id,)
    return (update.effective_user.id,) if update.effective_user is not None else ()
