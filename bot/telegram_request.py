"""The HTTP client to Telegram: PTB's HTTPXRequest, its connections split into a few pools."""

from __future__ import annotations

import math
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, HTTPXRequest, RequestData


class SplitPoolRequest(BaseRequest):
    """PTB's HTTPXRequest as `parts` pools; each request goes to the least busy one.

    To place a request, httpcore looks at every connection of its pool (a poll of each idle
    one's socket), when the request comes and again when it ends. A bot sending hundreds of
    messages a second keeps dozens of connections open, and a paid-broadcast sender spent
    about a sixth of its CPU there (py-spy, bench/RESULTS.md). In parts, a request looks at
    its part's connections only; the connections in all, and so the calls in flight, stay
    those of one pool of `connection_pool_size`.
    """

    def __init__(self, parts: int, connection_pool_size: int, **kwargs: Any) -> None:
        size = max(1, math.ceil(connection_pool_size / parts))
        self._parts = [HTTPXRequest(connection_pool_size=size, **kwargs) for _ in range(parts)]
        self._busy = [0] * parts

    @property
    def read_timeout(self) -> float | None:
        """Return the read timeout every part shares."""
        return self._parts[0].read_timeout

    async def initialize(self) -> None:
        """Open every part's client."""
        for part in self._parts:
            await part.initialize()

    async def shutdown(self) -> None:
        """Close every part's client."""
        for part in self._parts:
            await part.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the request through the part with the fewest requests in flight."""
        index = min(range(len(self._parts)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            return await self._parts[index].do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        finally:
            self._busy[index] -= 1
