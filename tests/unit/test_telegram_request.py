"""The bot's HTTP client in parts: requests spread over the parts, none left counted as busy."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.telegram_request import SplitPoolRequest


class _Part:
    """Stands in for one HTTPXRequest: records the requests it is given, held until released."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.urls: list[str] = []
        self._gate = gate

    async def do_request(self, url: str, *_args: Any) -> tuple[int, bytes]:
        self.urls.append(url)
        await self._gate.wait()
        if url.endswith("fail"):
            raise ConnectionError(url)
        return 200, b'{"ok": true, "result": true}'


async def test_requests_in_flight_spread_over_the_parts_and_are_released() -> None:
    request = SplitPoolRequest(4, connection_pool_size=64)
    gate = asyncio.Event()
    parts = [_Part(gate) for _ in range(4)]
    request._parts = parts  # type: ignore[assignment]
    calls = [asyncio.create_task(request.do_request(f"https://t/{i}", "POST")) for i in range(8)]
    await asyncio.sleep(0)
    # Eight at once: two in each part, so each part's pool sees a quarter of the connections.
    assert [len(p.urls) for p in parts] == [2, 2, 2, 2]
    gate.set()
    assert all(r == (200, b'{"ok": true, "result": true}') for r in await asyncio.gather(*calls))
    with pytest.raises(ConnectionError):
        await request.do_request("https://t/fail", "POST")
    assert request._busy == [0, 0, 0, 0]
    # Alone, a request takes the first part: a quiet bot keeps using the same connections.
    await request.do_request("https://t/quiet", "POST")
    assert parts[0].urls[-1] == "https://t/quiet"


def test_the_parts_share_the_connection_limit() -> None:
    request = SplitPoolRequest(4, connection_pool_size=64)
    limits = [part._client._transport._pool._max_connections for part in request._parts]
    assert limits == [16, 16, 16, 16]
