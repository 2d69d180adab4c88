"""The rate limiter paces each private chat, so one chat cannot spend everybody's share."""

from __future__ import annotations

import asyncio

from bot.rate_limit import PRIVATE_BURST, FairRateLimiter


async def test_a_flooding_private_chat_waits_its_turn_and_others_do_not() -> None:
    limiter = FairRateLimiter(overall_max_rate=30, max_retries=0)
    done: list[int] = []

    async def call(chat_id: int) -> bool:
        done.append(chat_id)
        return True

    def request(chat_id: int) -> asyncio.Task[object]:
        return asyncio.ensure_future(
            limiter.process_request(
                call, (chat_id,), {}, "editMessageText", {"chat_id": chat_id}, None
            )
        )

    flood = [request(1) for _ in range(PRIVATE_BURST + 10)]
    await asyncio.sleep(0.05)  # the burst is through; the rest wait for the chat's pace
    assert done.count(1) == PRIVATE_BURST
    other = request(2)
    await asyncio.wait_for(other, 1)
    assert done.count(1) <= PRIVATE_BURST + 1, "the other chat waited behind the flood"
    # Groups and calls without a chat are PTB's business as before: not paced per chat here.
    await asyncio.wait_for(
        asyncio.ensure_future(
            limiter.process_request(call, (-5,), {}, "sendMessage", {"chat_id": -5}, None)
        ),
        1,
    )
    for task in flood:
        task.cancel()
    await asyncio.gather(*flood, return_exceptions=True)
