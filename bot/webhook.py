"""Webhook mode: an ASGI app (Starlette on uvicorn) that takes Telegram's updates over HTTPS.

A reverse proxy terminates TLS and forwards to WEBHOOK_LISTEN:WEBHOOK_PORT. An update is
answered 200 only after its handling has finished and its writes are committed, so a process
killed mid-update makes Telegram deliver it again; a handler that raises is logged and the
person gets an apology (the error handler), and the update is still acknowledged, so one
poison update cannot block the queue. An update id handled before is acknowledged unhandled.
A body that is no update at all is acknowledged too (logged, never handled), and one over
MAX_BODY_BYTES is refused with 413 before more than that is read.

The webhook is set once the port takes connections. Telegram refusing it (a bad URL or
certificate) is one ERROR line and the end of the process (exit WEBHOOK_REFUSED_EXIT), so
systemd restarts it and the operator reads why; a 429 or an unreachable Bot API is waited
out. Every CHECK_EVERY seconds getWebhookInfo tells /healthz whether updates still come here.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update, WebhookInfo
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.config import Settings
from bot.lifecycle import running
from bot.metrics import CONTENT_TYPE
from bot.services import Services
from handlers.context import CoachApplication

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; nginx's client_max_body_size in docs/deploy.md matches.
MAX_BODY_BYTES = 1024 * 1024
# The exit code of `run --webhook` when Telegram refused the webhook (1: cannot start, 2: config).
WEBHOOK_REFUSED_EXIT = 3
# How often getWebhookInfo is asked; /healthz answers 503 after STALE_AFTER checks without answer.
CHECK_EVERY = 60.0
STALE_AFTER = 3
# Waits between setWebhook attempts while the Bot API cannot be reached.
RETRY_WAITS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class WebhookRefusedError(Exception):
    """Telegram refused setWebhook; the message is its description (never the token)."""


@dataclass(frozen=True)
class WebhookSeen:
    """What the last answered getWebhookInfo said, and when (time.monotonic())."""

    url: str
    pending_update_count: int
    last_error_date: datetime | None
    last_error_message: str | None
    at: float

    def status(self, ours: str) -> str:
        """Return "ok", "not set" or "set to another address"."""
        if self.url == ours:
            return "ok"
        return "not set" if not self.url else "set to another address"


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
        self,
        app: CoachApplication,
        settings: Settings,
        *,
        set_webhook: bool = True,
        check_every: float = CHECK_EVERY,
    ) -> None:
        self.app = app
        self.settings = settings
        self._set_webhook = set_webhook
        self._check_every = check_every
        # Called once Telegram refused the webhook, to stop serving (run --webhook sets it).
        self.on_refused: Callable[[], None] = lambda: None
        self.refused: str | None = None
        self._registered = asyncio.Event()
        self._seen: WebhookSeen | None = None
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
            watching = asyncio.create_task(self._register_and_watch())
            try:
                yield
            finally:
                watching.cancel()

    async def _register_and_watch(self) -> None:
        """Set the webhook (unless the caller does), then ask Telegram about it now and then."""
        if self._set_webhook:
            try:
                await self.register()
            except WebhookRefusedError as refusal:
                self.refused = str(refusal)
                logger.error(
                    "Telegram refused the webhook: %s (check WEBHOOK_URL: a public https:// "
                    "address on port 443, 80, 88 or 8443 with a valid certificate); stopping",
                    refusal,
                )
                self.on_refused()
                return
        await self._registered.wait()
        while True:
            await asyncio.sleep(self._check_every)
            await self.check_webhook()

    async def register(self, port: int | None = None) -> None:
        """Wait until this process listens (on WEBHOOK_PORT unless told), then set the webhook.

        A 429 or an unreachable Bot API is waited out; WebhookRefusedError when Telegram
        refused it.
        """
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
        for attempt in itertools.count():
            try:
                await self.app.bot.set_webhook(
                    url=self.settings.webhook_url or "",
                    secret_token=self._secret.decode(),
                    allowed_updates=Update.ALL_TYPES,
                )
                break
            except InvalidToken as error:
                # PTB's message around it holds the token: say it in our words.
                raise WebhookRefusedError("the bot token was rejected") from error
            except (BadRequest, Forbidden, Conflict) as error:
                raise WebhookRefusedError(error.message) from error
            except RetryAfter:
                # The rate limiter already waited its retries out and Telegram is still busy;
                # the HTTP client's hook noted the wait it asked for (bot/flood.py).
                wait = max(1.0, self.app.bot_data.flood.wait_time())
                logger.warning("setWebhook: Telegram asks to wait %.0f s; trying again", wait)
            except TelegramError as error:  # a NetworkError or time-out: not Telegram's "no"
                wait = RETRY_WAITS[min(attempt, len(RETRY_WAITS) - 1)]
                logger.warning(
                    "setWebhook failed (%s); trying again in %.0f s", _reason(error), wait
                )
            await asyncio.sleep(wait)
        logger.info("webhook mode: taking updates on %s", webhook_path(self.settings))
        self._registered.set()
        await self.check_webhook()

    async def check_webhook(self) -> None:
        """Ask Telegram where it sends updates; say so when that stops or starts being here."""
        try:
            info = await self.app.bot.get_webhook_info()
        except TelegramError as error:
            logger.warning(
                "getWebhookInfo failed (%s); /healthz answers 503 after %.0f s without an answer",
                _reason(error),
                self._check_every * STALE_AFTER,
            )
            return
        ours = self.settings.webhook_url or ""
        before = self._seen.status(ours) if self._seen is not None else "ok"
        self._seen = _seen(info)
        now = self._seen.status(ours)
        if now != before and now != "ok":
            logger.error(
                "the webhook is not WEBHOOK_URL any more (Telegram has %s): no update comes "
                "to this process; was the bot token used elsewhere (polling deletes the "
                "webhook)? /healthz answers 503",
                "none" if now == "not set" else "another address",
            )
        elif now != before:
            logger.info("the webhook is WEBHOOK_URL again")

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
        """Report the database, sweep lag and webhook; 503 when updates cannot be handled here."""
        health = await self.services.operations.health()
        webhook, webhook_ok = self._webhook_health()
        ok = health.database and webhook_ok
        body = {
            "status": "ok" if ok else "unavailable",
            "database": "ok" if health.database else "unreachable",
            "sweep_lag_seconds": round(health.sweep_lag_seconds, 3),
            "webhook": webhook,
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    def _webhook_health(self) -> tuple[dict[str, Any], bool]:
        """Return what the last getWebhookInfo said (no call to Telegram) and whether it is ok."""
        seen = self._seen
        if seen is None:
            return {"status": "not set yet", "checked_seconds_ago": None}, False
        ago = time.monotonic() - seen.at
        status = seen.status(self.settings.webhook_url or "")
        if status == "ok" and ago > self._check_every * STALE_AFTER:
            status = "stale"  # Telegram has not answered for a while: nothing is known
        last_error = None
        if seen.last_error_date is not None:
            last_error = {
                "at": seen.last_error_date.isoformat(),
                "message": seen.last_error_message or "",
            }
        webhook = {
            "status": status,
            "checked_seconds_ago": round(ago, 1),
            "pending_update_count": seen.pending_update_count,
            "last_error": last_error,
        }
        return webhook, status == "ok"

    async def metrics(self, _: Request) -> Response:
        """Return the Prometheus metrics of this process."""
        services = self.services
        services.metrics.people_active.set(await services.operations.people_active())
        health = await services.operations.health()
        services.metrics.sweep_lag.set(health.sweep_lag_seconds)
        return Response(services.metrics.render(), media_type=CONTENT_TYPE)


def _seen(info: WebhookInfo) -> WebhookSeen:
    """Keep what /healthz reports of a getWebhookInfo answer."""
    return WebhookSeen(
        url=info.url,
        pending_update_count=info.pending_update_count,
        last_error_date=info.last_error_date,
        last_error_message=info.last_error_message,
        at=time.monotonic(),
    )


def _reason(error: TelegramError) -> str:
    """Name a failed call's cause in one line, without the token (PTB's InvalidToken has it)."""
    if isinstance(error, InvalidToken):
        return "the bot token was rejected"
    return f"{type(error).__name__}: {error.message}"
