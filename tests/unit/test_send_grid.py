"""The reminders' send grid after a 429: the retried sends get their slots back."""

from __future__ import annotations

import asyncio

from bot.flood import FloodWatch
from handlers.send_grid import SendGrid

RATE = 20.0  # a slot every 50 ms


async def test_after_a_429_wait_the_grid_leaves_a_slot_for_each_retried_send() -> None:
    """Two sends refused: PTB retries both when the wait ends, so the grid starts 3 slots on.

    Starting at once, beside the two retries, puts more than the limit into the next second
    and draws the next 429 (what kept recurring every two seconds in the fan-out).
    """
    flood = FloodWatch()
    grid = SendGrid(RATE, flood)
    loop = asyncio.get_running_loop()
    await grid.wait()  # a send before the 429s
    flood.saw(0.1)
    flood.saw(0.1)
    await grid.wait()
    resumed = loop.time()
    pause_end = flood.until  # time.monotonic(), the event loop's clock too
    assert resumed - pause_end >= 3 * grid.interval - 0.005
    # Then the grid goes on at its rate: the slot after that one follows a slot later.
    await grid.wait()
    assert loop.time() - resumed >= grid.interval - 0.005


async def test_a_wait_long_over_costs_no_slots() -> None:
    """A 429 whose wait ended more than a second ago: its retries are out of the window."""
    flood = FloodWatch()
    grid = SendGrid(RATE, flood)
    loop = asyncio.get_running_loop()
    flood.saw(-1.2)  # a wait that ended 1.1 s ago
    started = loop.time()
    await grid.wait()
    assert loop.time() - started < grid.interval
