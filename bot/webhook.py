"""Webhook mode: an ASGI app (Starlette on uvicorn) that takes Telegram's updates over HTTPS.

A reverse proxy terminates TLS and forwards to WEBHOOK_LISTEN:WEBHOOK_PORT. An update is
answered 200 only after its handling has finished and its writes are committed, so a process
killed mid-update makes Telegram deliver it again; a handler that raises is logged and the
person gets an apology (the error handler), and the update is still acknowledged, so one
poison update cannot block the queue. An update id handled before is acknowledged unhandled.
A body that is no update at all is acknowledged too (logged, never handled), and one over
MAX_BODY_BYTES is refused with 413 before more than that is read.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.config import Settings
from bot.lifecycle import running
from bot.metrics import CONTENT_TYPE
from bot.services import Services
from handlers.context import CoachApplication

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; nginx's client_max_body_size in docs/deploy.md matches.
MAX_BODY_BYTES = 1024 * 1024


class _Envelope(BaseModel):
    """What every update has: its id, an integer the processed_updates table keeps as BIGINT."""

    # Strict: "5", true and 5.0 are not ids; the rest of the update is PTB's to read.
    model_config = ConfigDict(strict=True, extra="allow")
    update_id: int = Field(ge=0, lt=2**63)


def webhook_path(settings: Settings) -> str:
    """Return the path part of WEBHOOK_URL, where this process takes updates."""
    path = urlsplit(settings.webhook_url or "").path
    return path if path.startswith("/") and len(path) > 1 else "/telegram"


class WebhookServer:
    """The routes of one bot process: updates, /healthz and /metrics."""

    def __init__(
        self, app: CoachApplication, settings: Settings, *, set_webhook: bool = True
    ) -> None:
        self.app = app
        self.settings = settings
        self._set_webhook = set_webhook
        secret = settings.webhook_secret_token
        if secret is None:
            raise ValueError("WEBHOOK_SECRET_TOKEN is required in webhook mode")
        self._secret = secret.get_secret_value().encode()
        self.asgi = Starlette(
            routes=[
                # Starlette answers 413 to a longer body: by Content-Length before reading,
                # or while a chunked one streams in, never holding more than the limit.
                Route(
                    webhook_path(settings),
                    self.update,
                    methods=["POST"],
                    max_body_size=MAX_BODY_BYTES,
                ),
                Route("/healthz", self.healthz, methods=["GET"]),
                Route("/metrics", self.metrics, methods=["GET"]),
            ],
            lifespan=self._lifespan,
        )

    @property
    def services(self) -> Services:
        """Return the running bot's services."""
        services = self.app.bot_data.services
        if services is None:
            raise RuntimeError("the bot is not running")
        return services

    @asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        # Updates come from the routes; on the way out, uvicorn has stopped taking requests
        # and let the ones in flight finish.
        async with running(self.app):
            # uvicorn runs this start-up before it binds the port: register the webhook only
            # once the port takes connections, or Telegram's first deliveries would be refused
            # and wait for its retry.
            registering = asyncio.create_task(self.register()) if self._set_webhook else None
            try:
                yield
            finally:
                if registering is not None:
                    registering.cancel()

    async def register(self, port: int | None = None) -> None:
        """Wait until this process listens (on WEBHOOK_PORT unless told), then set the webhook."""
        host = self.settings.webhook_listen
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        while True:
            try:
                _, writer = await asyncio.open_connection(host, port or self.settings.webhook_port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break
        await self.app.bot.set_webhook(
            url=self.settings.webhook_url or "",
            secret_token=self._secret.decode(),
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("webhook mode: taking updates on %s", webhook_path(self.settings))

    async def update(self, request: Request) -> Response:
        """Handle one update from Telegram and acknowledge it once handled."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            # Log that it happened and from where, never what was sent.
            client = request.client.host if request.client else "?"
            logger.warning("webhook call refused: wrong or missing secret token (from %s)", client)
            return Response(status_code=403)
        try:
            body = await request.body()
        except HTTPException as error:
            if error.status_code == 413:
                logger.warning("webhook: a body over %d bytes was refused (413)", MAX_BODY_BYTES)
            raise
        update = self._read(body)
        if update is None:
            # It came with the secret, so from Telegram: refusing it would make Telegram
            # retry it forever and hold up every update behind it.
            return Response(status_code=200)
        operations = self.services.operations
        if await operations.already_processed(update.update_id):
            logger.info("update %s was handled before; acknowledged again", update.update_id)
            return Response(status_code=200)
        # The same road as polling: the per-chat processor, then the handlers (whose errors go
        # to the error handler, so this returns normally after a handler raised).
        await self.app.update_processor.process_update(update, self.app.process_update(update))
        await operations.mark_processed(update.update_id)
        return Response(status_code=200)

    def _read(self, body: bytes) -> Update | None:
        """Return the update in a body, or None (logged once, without the content) if none."""
        try:
            return Update.de_json(_Envelope.model_validate_json(body).model_dump(), self.app.bot)
        except ValidationError as error:
            # Where and what, never the input: e.g. "update_id: Input should be less than ...".
            first = error.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            why = f"{where}: {first['msg']}"
        except Exception as error:  # PTB's parser raises whatever an unexpected field makes it
            why = f"{type(error).__name__} reading its fields"
        logger.error(
            "webhook: an update that cannot be read (%s) was acknowledged and dropped", why
        )
        return None

    async def healthz(self, _: Request) -> Response:
        """Report database reachability and sweep lag; 503 when the database is down."""
        health = await self.services.operations.health()
        body = {
            "status": "ok" if health.database else "unavailable",
            "database": "ok" if health.database else "unreachable",
            "sweep_lag_seconds": round(health.sweep_lag_seconds, 3),
        }
        return JSONResponse(body, status_code=200 if health.database else 503)

    async def metrics(self, _: Request) -> Response:
        """Return the Prometheus metrics of this process."""
        services = self.services
        services.metrics.people_active.set(await services.operations.people_active())
        health = await services.operations.health()
        services.metrics.sweep_lag.set(health.sweep_lag_seconds)
        return Response(services.metrics.render(), media_type=CONTENT_TYPE)
