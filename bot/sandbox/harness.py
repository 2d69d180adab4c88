"""The real Application wired to the loopback double: start, settle, restart, stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from types import TracebackType

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.lifecycle import running
from bot.sandbox.double import BotApiDouble, CallbackAnswer, ChatMessage, Person
from bot.services import Services
from bot.services.clock import Clock, system_clock
from handlers.context import CoachApplication

logger = logging.getLogger(__name__)
# Long-poll window: like production; stop() cancels a poll in flight, so it costs no time.
POLL_TIMEOUT = 10


class Sandbox:
    """One bot process against the double, driven as a person would."""

    def __init__(
        self,
        settings: Settings,
        *,
        double: BotApiDouble | None = None,
        clock: Clock = system_clock,
        reminders: bool = False,
    ) -> None:
        self.settings = settings
        # Tests drive the reminder sweep by hand (with their own clock); the offline chat
        # runs it on its APScheduler timer like production.
        self.reminders = reminders
        self.double = double or BotApiDouble()
        self._owns_double = double is None
        self.clock = clock
        self._app: CoachApplication | None = None
        self._running: AsyncExitStack | None = None  # the application's running() context
        # Ids of the updates the bot has finished handling (handler and error handler done).
        self._handled: set[int] = set()
        self._handled_changed = asyncio.Event()

    @property
    def app(self) -> CoachApplication:
        """Return the running application."""
        if self._app is None:
            raise RuntimeError("the sandbox is not running")
        return self._app

    async def start(self) -> None:
        """Start the double (if ours) and a fresh application polling it."""
        if self._owns_double and not self.double.running:
            await self.double.start()
        app = build_application(
            self.settings,
            token=self.double.token,
            base_url=self.double.base_url,
            base_file_url=self.double.base_file_url,
            clock=self.clock,
            reminders=self.reminders,
        )
        self._track_handling(app)
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(running(app))
            assert app.updater is not None
            # Every kind of update, as run_polling(allowed_updates=Update.ALL_TYPES) does in
            # production; running() stops the updater before the application.
            await app.updater.start_polling(
                poll_interval=0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
            )
            self._running = stack.pop_all()  # started: stop_bot() closes it
        self._app = app

    def _track_handling(self, app: CoachApplication) -> None:
        """Note each update once the bot is done with it, for wait_handled()."""
        processor = app.update_processor
        handle = processor.do_process_update

        async def tracked(update: object, coroutine: Awaitable[object]) -> None:
            try:
                await handle(update, coroutine)
            finally:
                if isinstance(update, Update):
                    self._handled.add(update.update_id)
                    self._handled_changed.set()

        # An instance attribute wins over the method that process_update() calls.
        processor.do_process_update = tracked  # type: ignore[method-assign]

    async def stop_bot(self) -> None:
        """Stop the application the way a clean shutdown does (the double keeps running)."""
        self._app = None
        started, self._running = self._running, None
        if started is not None:
            await started.aclose()

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database and double."""
        await self.stop_bot()
        await self.start()

    async def stop(self) -> None:
        """Stop the bot and, if it is ours, the double."""
        await self.stop_bot()
        if self._owns_double and self.double.running:
            await self.double.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def settle(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched an update and finished handling everything queued."""
        await self.double.wait_delivered(update_id, timeout=timeout)
        await self.app.update_queue.join()

    async def wait_handled(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has finished handling this one update (other chats may be busy).

        Unlike settle(), this does not wait for the whole queue to drain, so many people can
        act at once, each waiting only for their own taps.
        """
        async with asyncio.timeout(timeout):
            while update_id not in self._handled:
                self._handled_changed.clear()
                await self._handled_changed.wait()

    @property
    def services(self) -> Services:
        """Return the running bot's services."""
        services = self.app.bot_data.services
        assert services is not None
        return services

    def person(
        self, user_id: int, first_name: str = "Ada", *, language_code: str = "en"
    ) -> SandboxPerson:
        """Return a person in a private chat whose every action waits for the bot's reply.

        language_code: the language their Telegram app is in (made on first use).
        """
        return SandboxPerson(
            self, self.double.user(user_id, first_name, language_code=language_code)
        )


class SandboxPerson:
    """A person whose sends and presses return once the bot has handled them."""

    def __init__(self, sandbox: Sandbox, person: Person) -> None:
        self._sandbox = sandbox
        self.raw = person

    async def send(self, text: str) -> None:
        """Send a message and wait for the bot to handle it."""
        await self._sandbox.settle(await self.raw.send(text))

    async def press(self, label: str, *, message_id: int | None = None) -> CallbackAnswer:
        """Press a button by its label and return what the bot answered."""
        update_id = await self.raw.press(label, message_id=message_id)
        await self._sandbox.settle(update_id)
        return self._answer(update_id)

    async def press_data(self, data: str, *, message_id: int) -> CallbackAnswer:
        """Press a button with raw callback data (stale or forged buttons)."""
        update_id = await self.raw.press_data(data, message_id=message_id)
        await self._sandbox.settle(update_id)
        return self._answer(update_id)

    def _answer(self, update_id: int) -> CallbackAnswer:
        answer = self.raw.answer_for(update_id)
        if answer is None:
            raise AssertionError(f"the bot never answered the callback of update {update_id}")
        return answer

    @property
    def chat(self) -> list[ChatMessage]:
        """Return the chat as it now stands."""
        return self.raw.chat

    @property
    def last(self) -> ChatMessage:
        """Return the newest message from the bot."""
        message = self.raw.last_bot_message
        if message is None:
            raise AssertionError("the bot has not written to this chat")
        return message
