"""One start-up and shutdown sequence for every way the application runs outside run_polling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram.ext import Application

# Any PTB application: this module needs nothing from handlers/ (tests/unit/test_layers.py).
AppT = TypeVar("AppT", bound=Application[Any, Any, Any, Any, Any, Any])


async def initialize(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Initialize the application; if that fails, close the HTTP clients it opened first."""
    try:
        await app.initialize()
    except BaseException:
        # Bot.initialize() opens its HTTP clients, then asks getMe; a rejected token fails
        # the second step, and Application.shutdown() skips an application never initialized.
        await app.bot.shutdown()
        raise


@asynccontextmanager
async def running(app: AppT) -> AsyncIterator[AppT]:
    """Initialize, post_init and start the application; on the way out, undo each step taken.

    What run_polling() does around polling, for the webhook, the reminders-only process, the
    sandbox and tests: stop (the updater first, if the body started polling), shutdown and
    post_shutdown run in that order however the start or the body ended. post_shutdown runs
    even when post_init failed halfway, so a database it opened is closed.
    """
    await initialize(app)
    try:
        try:
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()  # the JobQueue (reminder sweep); updates are the caller's
            try:
                yield app
            finally:
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()
        finally:
            await app.shutdown()
    finally:
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
