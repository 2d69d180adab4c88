"""Bot processes in webhook mode on loopback ports, and a router playing Telegram's part."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import ssl
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, Protocol

import httpx
import uvicorn

from bot.app import build_application
from bot.config import Settings
from bot.sandbox.double import BotApiDouble
from bot.services import Services
from bot.services.clock import Clock, system_clock
from bot.webhook import SECRET_HEADER, WebhookServer, webhook_path
from handlers.context import CoachApplication

logger = logging.getLogger(__name__)


class Endpoint(Protocol):
    """Where Telegram posts updates: an instance, or a reverse proxy in front of several."""

    @property
    def url(self) -> str:
        """Return the address updates are posted to."""
        ...


class WebhookInstance:
    """One bot process in webhook mode, served by uvicorn on 127.0.0.1."""

    def __init__(
        self,
        settings: Settings,
        double: BotApiDouble,
        *,
        clock: Clock = system_clock,
        reminders: bool = False,
        role: str = "all",
        check_every: float = 60.0,
    ) -> None:
        self.settings = settings
        self.double = double
        self.clock = clock
        self.reminders = reminders
        self.role = role
        self.check_every = check_every
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self._port = 0
        self.app: CoachApplication | None = None

    @property
    def url(self) -> str:
        """Return where this instance takes updates."""
        return f"http://127.0.0.1:{self._port}{webhook_path(self.settings)}"

    @property
    def base(self) -> str:
        """Return the instance's root address (for /healthz and /metrics)."""
        return self.url.removesuffix(webhook_path(self.settings))

    @property
    def services(self) -> Services:
        """Return the instance's services."""
        assert self.app is not None and self.app.bot_data.services is not None
        return self.app.bot_data.services

    async def start(self) -> None:
        """Build the application, serve it, and wait until it has started."""
        self.app = build_application(
            self.settings,
            token=self.double.token,
            base_url=self.double.base_url,
            base_file_url=self.double.base_file_url,
            clock=self.clock,
            reminders=self.reminders,
            role=self.role,
        )
        # The instance listens on a port of its own choosing, so it registers once it started.
        webhook = WebhookServer(
            self.app, self.settings, set_webhook=False, check_every=self.check_every
        )
        config = uvicorn.Config(
            webhook.asgi, lifespan="on", log_config=None, access_log=False, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._port = self._socket.getsockname()[1]
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        for _ in range(500):
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if not self._server.started:
            raise RuntimeError("the webhook instance did not start")
        await webhook.register(port=self._port)

    async def stop(self) -> None:
        """Stop gracefully: requests in flight finish, then the application shuts down."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    async def kill(self) -> None:
        """Stop at once, like SIGKILL: requests in flight get no answer, nothing is tidied."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.app is not None and self.app.bot_data.services is not None:
            # Only so the test process does not leak connections; a killed process frees them.
            await self.app.bot_data.services.engine.dispose()
        if self._socket is not None:
            self._socket.close()
        self._server = self._task = None


class WebhookRouter:
    """Telegram's side of webhooks: post each pending update until an endpoint says 200.

    choose(update, attempt) picks the endpoint for an update (round robin by default);
    verify is how the HTTPS certificate of an endpoint is checked (a self-signed one's
    context, for a reverse proxy under test). A delivery that fails is recorded in the double
    as Telegram records it for getWebhookInfo.
    """

    def __init__(
        self,
        double: BotApiDouble,
        instances: Sequence[Endpoint],
        secret: str,
        *,
        choose: Callable[[dict[str, Any], int], Endpoint] | None = None,
        timeout: float = 30.0,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.double = double
        self.instances = list(instances)
        self.secret = secret
        self._turn = itertools.count()
        self._choose = choose or self._round_robin
        self._client = httpx.AsyncClient(timeout=timeout, verify=verify)
        self.deliveries: list[tuple[int, str, int]] = []  # (update_id, endpoint url, status)

    def _round_robin(self, update: dict[str, Any], attempt: int) -> Endpoint:
        return self.instances[next(self._turn) % len(self.instances)]

    async def post(self, instance: Endpoint, update: dict[str, Any], secret: str) -> int:
        """Post one update to one endpoint; return the status (0 when no answer came)."""
        url = instance.url
        try:
            response = await self._client.post(url, json=update, headers={SECRET_HEADER: secret})
        except httpx.HTTPError as error:
            status = 0
            self.double.record_webhook_error(type(error).__name__)
        else:
            status = response.status_code
            if status != HTTPStatus.OK:
                phrase = response.reason_phrase or "Error"
                self.double.record_webhook_error(
                    f"Wrong response from the webhook: {status} {phrase}"
                )
        self.deliveries.append((int(update["update_id"]), url, status))
        return status

    async def pump(self, *, attempts: int = 3) -> None:
        """Deliver everything pending, in order; retry an update that got no 200."""
        for update in self.double.take_updates():
            for attempt in range(attempts):
                instance = self._choose(update, attempt)
                if await self.post(instance, update, self.secret) == 200:
                    break
            else:
                raise RuntimeError(f"update {update['update_id']} was never acknowledged")

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
