"""BotApiDouble: the loopback uvicorn server, its endpoint, and the API tests drive it with."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import time
from collections import Counter
from collections.abc import Callable, Collection, Generator, Iterable
from types import TracebackType
from typing import Final, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.sandbox.double.faults import (
    RANDOM_FAULT_METHODS,
    FaultKind,
    FaultPlan,
    FaultRule,
    FloodLimits,
    RandomFaults,
)
from bot.sandbox.double.methods import BotApiMethods, Handler
from bot.sandbox.double.person import Group, Person
from bot.sandbox.double.records import (
    ApiError,
    CallbackAnswer,
    CallRecord,
    ChatMessage,
    JsonDict,
    UpdateNotDeliveredError,
    UploadRecord,
)
from bot.sandbox.double.state import ChatState, chat_message
from bot.sandbox.double.wire import Params, peek_chat_id, read_request

logger = logging.getLogger(__name__)

DEFAULT_GROUP_ID: Final = -4_000_000_001
_UNAUTHORIZED: Final = ApiError(401, "Unauthorized")
_NOT_FOUND: Final = ApiError(404, "Not Found")


class _DroppedConnection(Exception):
    """Raised inside the ASGI app so uvicorn closes the connection mid-answer."""


class _DropLogFilter(logging.Filter):
    """Keep uvicorn from logging a traceback for every deliberately dropped connection."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, _DroppedConnection)


_DROP_LOG_FILTER: Final = _DropLogFilter()
_DROP: Final = object()


class _LoopbackServer(uvicorn.Server):
    """uvicorn for tests: no signal handlers, and a stop that takes milliseconds.

    Stock uvicorn polls ``should_exit`` every 0.1 s and sleeps 0.1 s more while shutting
    down; with a fresh double per test that alone would cost seconds per suite.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the test runner owns SIGINT and SIGTERM

    async def main_loop(self) -> None:
        await self.on_tick(0)  # sets the default Date and Server headers once
        await self.exit_requested.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for listener in self.servers:
            listener.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.timeout_graceful_shutdown or 0)
        state = self.server_state
        # uvicorn offers no event for "all connections closed", so poll briefly.
        while (state.connections or state.tasks) and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        for task in list(state.tasks):
            task.cancel()
        for connection in list(state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.close()


def _json_response(status: int, body: JsonDict) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type="application/json",
    )


class _ApiEndpoint:
    """Raw ASGI endpoint (not a Starlette function endpoint) so a fault can drop a reply."""

    def __init__(self, double: BotApiDouble) -> None:
        self._double = double

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = await self._double._handle_http(Request(scope, receive))
        if outcome is _DROP:
            # Promise a body and close the socket: the client sees the connection die.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            raise _DroppedConnection("fault injection: connection dropped")
        assert isinstance(outcome, tuple)
        status, body = outcome
        await _json_response(status, body)(scope, receive, send)


class BotApiDouble(BotApiMethods):
    """Telegram's Bot API on 127.0.0.1 for one bot, with people and groups to talk to it."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_id: int = 123456,
        username: str = "mobility_coach_bot",
        clock: Callable[[], float] = time.time,
        first_name: str = "Mobility Coach",
        strict_ampersand: bool = True,
    ) -> None:
        bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        super().__init__(bot_user, clock, strict_ampersand=strict_ampersand)
        self.token = token
        self.username = username
        self.calls: list[CallRecord] = []
        self.counts: Counter[str] = Counter()
        self.faults = FaultPlan()
        self.faults_injected: Counter[str] = Counter()

        self._people: dict[int, Person] = {}
        self._groups: dict[int, Group] = {}
        self._closing_event: asyncio.Event | None = None
        self._server: _LoopbackServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._port: int | None = None

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Serve the API on a fresh 127.0.0.1 port and return once it accepts requests."""
        if self._server is not None:
            raise RuntimeError("the double is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this; without it every call waits ~40 ms for a delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        self._port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self._build_app(),
            log_config=None,  # leave the process's logging configuration alone
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            timeout_graceful_shutdown=2,
            # uvicorn closes an idle connection after 5 s by default, the very moment httpx
            # (PTB's client, 5 s keep-alive expiry) may reuse it: a request then meets a closed
            # socket (httpx.ReadError; a paced benchmark lost a floor press to it). Telegram
            # keeps idle connections far longer; so does the double.
            timeout_keep_alive=75,
        )
        logging.getLogger("uvicorn.error").addFilter(_DROP_LOG_FILTER)
        self._closing = False
        self._closing_event = asyncio.Event()
        self._server = _LoopbackServer(config)
        self._serve_task = asyncio.create_task(
            self._server.serve(sockets=[sock]), name=f"bot-api-double:{self._port}"
        )
        deadline = asyncio.get_running_loop().time() + 10.0
        while not self._server.started:
            if self._serve_task.done():
                self._server = None
                self._serve_task.result()  # re-raises the startup error
                raise RuntimeError("the Bot API double stopped while starting")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the Bot API double did not start within 10 s")
            await asyncio.sleep(0.005)
        logger.debug("Bot API double listening on %s", self.base_url)

    async def stop(self) -> None:
        """Stop serving; pending long polls and injected delays end at once."""
        server, task = self._server, self._serve_task
        if server is None or task is None:
            return
        self._closing = True
        if self._closing_event is not None:
            self._closing_event.set()
        self._updates_signal.fire()
        self._state_signal.fire()
        server.should_exit = True
        server.exit_requested.set()
        try:
            await asyncio.wait_for(task, timeout=5.0)
        except TimeoutError:
            logger.warning("Bot API double did not stop within 5 s; cancelled")
        self._server = None
        self._serve_task = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        """Return whether the double is serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """Return the TCP port on 127.0.0.1."""
        if self._port is None:
            raise RuntimeError("the double is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What to pass to PTB's ``base_url`` (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to PTB's ``base_file_url``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- people and chats

    def user(
        self,
        user_id: int,
        first_name: str = "Ada",
        *,
        language_code: str = "en",
        username: str | None = None,
    ) -> Person:
        """Return the person with this id (made on first use); their private chat has that id."""
        person = self._people.get(user_id)
        if person is None:
            user = self._user_record(
                user_id, first_name, language_code=language_code, username=username
            )
            self._private_chat(user)
            person = self._people[user_id] = Person(self, user)
        return person

    def known_user(self, user_id: int, first_name: str = "Ada") -> Person:
        """Return a person whose chat with the bot already exists (they wrote before)."""
        person = self.user(user_id, first_name)
        self._chat_of(person)
        return person

    def block(self, chat_id: int, *, notify: bool = False) -> int | None:
        """Let the person block the bot: sends and edits to the chat get 403 from now on.

        With ``notify`` the bot also gets the my_chat_member update Telegram sends; its
        update_id is returned.
        """
        chat = self._existing_chat(chat_id)
        if chat.is_group:
            raise ValueError(f"chat {chat_id} is a group; use remove_bot_from_group()")
        chat.bot_status = "kicked"
        if notify:
            return self._push_member_change(chat, "member", "kicked")
        return None

    def unblock(self, chat_id: int, *, notify: bool = False) -> int | None:
        """Let the person unblock the bot; with ``notify``, return the update's id."""
        chat = self._existing_chat(chat_id)
        if chat.is_group:
            raise ValueError(f"chat {chat_id} is a group; use add_bot_to_group()")
        chat.bot_status = "member"
        if notify:
            return self._push_member_change(chat, "kicked", "member")
        return None

    def group(
        self, chat_id: int = DEFAULT_GROUP_ID, title: str = "Office", *, with_bot: bool = True
    ) -> Group:
        """Return the group chat ``chat_id`` (made on first use; later calls ignore the rest).

        Ids are negative; from -1_000_000_000_000 down the chat is a "supergroup", else a
        "group". ``with_bot``: the bot is already a member (no update is sent); without it
        the bot is not in the group until :meth:`add_bot_to_group`.
        """
        group = self._groups.get(chat_id)
        if group is None:
            chat = self._group_chat(chat_id, title, with_bot=with_bot)
            group = self._groups[chat_id] = Group(self, chat, self._groups)
        return group

    def add_bot_to_group(self, chat_id: int, by_user_id: int, *, admin: bool = False) -> int:
        """Let user ``by_user_id`` add the bot to the group; returns the my_chat_member update.

        Makes the group (without the bot) if need be; the bot may write there from now on.
        ``admin``: the bot joins as an administrator (Telegram lets admins add it so).
        """
        group = self.group(chat_id, with_bot=False)
        chat = self._upgraded_check(group.chat_id)
        old = chat.bot_status
        if old == "member":
            raise ValueError(
                f"the bot is already in group {chat_id}; make it with group(with_bot=False) "
                "to add it with an update"
            )
        by = group.member(by_user_id).user
        chat.known = True
        chat.bot_status = "member"
        chat.bot_admin = admin
        return self._push_member_change(chat, old, chat.bot_member_status, by)

    def remove_bot_from_group(self, chat_id: int, by_user_id: int, *, ban: bool = True) -> int:
        """Let user ``by_user_id`` remove the bot from the group; returns the update's id.

        ``ban``: the bot is "kicked" (sends get 403 "bot was kicked from the group chat");
        otherwise it has "left" (403 "bot is not a member of the group chat"); a supergroup
        says "supergroup chat" instead. Re-add it with :meth:`add_bot_to_group`.
        """
        group = self._groups.get(chat_id)
        if group is None:
            raise KeyError(f"the double knows no group {chat_id}; make it with group()")
        chat = self._upgraded_check(chat_id)
        if chat.bot_status != "member":
            raise ValueError(f"the bot is not in group {chat_id} ({chat.bot_status})")
        by = group.member(by_user_id).user
        old = chat.bot_member_status
        chat.bot_status = "kicked" if ban else "left"
        chat.bot_admin = False
        return self._push_member_change(chat, old, chat.bot_status, by)

    def set_bot_admin(self, chat_id: int, by_user_id: int, *, admin: bool = True) -> int:
        """Let ``by_user_id`` make the bot an administrator (or not); returns the update's id."""
        group = self._groups.get(chat_id)
        if group is None:
            raise KeyError(f"the double knows no group {chat_id}; make it with group()")
        chat = self._upgraded_check(chat_id)
        if chat.bot_status != "member":
            raise ValueError(f"the bot is not in group {chat_id} ({chat.bot_status})")
        if chat.bot_admin == admin:
            raise ValueError(f"the bot is {'already' if admin else 'not'} an admin of {chat_id}")
        by = group.member(by_user_id).user
        old = chat.bot_member_status
        chat.bot_admin = admin
        return self._push_member_change(chat, old, chat.bot_member_status, by)

    def _upgraded_check(self, chat_id: int) -> ChatState:
        """Return group ``chat_id``; ValueError if it became a supergroup (act there)."""
        chat = self._chats[chat_id]
        if chat.migrated_to is not None:
            raise ValueError(
                f"group {chat_id} was upgraded to supergroup {chat.migrated_to}; act there"
            )
        return chat

    def chat(self, chat_id: int) -> list[ChatMessage]:
        """Messages of any chat the double knows, oldest first."""
        return [chat_message(m) for m in self._existing_chat(chat_id).messages.values()]

    def my_commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for this scope and language."""
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def stars_spent(self) -> float:
        """Return the Telegram Stars paid broadcasts cost so far (0.1 a message)."""
        return self.paid_messages / 10

    def my_description(self, language_code: str = "", *, short: bool = False) -> str:
        """Return the description (or short description) a user with this language sees."""
        return self._description("short_description" if short else "description", language_code)

    # ---------------------------------------------------------------- files

    @property
    def uploads(self) -> list[UploadRecord]:
        """Files Telegram accepted as uploads, oldest first: (method, hex SHA-256, size).

        Sending by file_id adds nothing here, so "the second run uploaded nothing" is
        ``double.uploads`` not growing. A call refused by a rule or an injected error
        uploads nothing; a "timeout" fault acts, so its upload counts.
        """
        return list(self._uploads)

    def expire_file_ids(self, file_ids: Iterable[str] | None = None) -> int:
        """Make Telegram forget file_ids (all it gave out so far, or just ``file_ids``).

        A send by a forgotten id then gets 400 "wrong file identifier/HTTP URL specified"
        and an editMessageMedia 400 "MEDIA_EMPTY", so the bot must upload the file again
        (which yields a new file_id). Messages keep showing their files. Returns how many
        ids were forgotten.
        """
        known = set(self._files) - self._forgotten_files
        chosen = known if file_ids is None else known & set(file_ids)
        self._forgotten_files |= chosen
        return len(chosen)

    def count(self, method: str) -> int:
        """How many calls of ``method`` (any case) reached the double."""
        entry = self._handlers.get(method.lower())
        return self.counts[entry[0] if entry else method]

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return the recorded calls of ``method`` (any case)."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    # ---------------------------------------------------------------- updates

    async def push_update(self, payload: JsonDict) -> int:
        """Queue a raw update (any kind, any chat); the double assigns the update_id.

        Chats and messages found in the payload become known, so the bot can answer them,
        and a callback_query id becomes answerable.
        """
        update = {key: value for key, value in payload.items() if key != "update_id"}
        for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(kind)
            if isinstance(message, dict):
                self._adopt_raw_message(message, edited=kind.startswith("edited"))
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("message"), dict):
            self._known_chat_from(query["message"].get("chat"))
        member = update.get("my_chat_member") or update.get("chat_member")
        if isinstance(member, dict):
            self._known_chat_from(member.get("chat"))
        update_id = self._push(update)
        if isinstance(query, dict) and "id" in query:
            self._register_query(str(query["id"]), update_id)
        return update_id

    async def wait_delivered(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once the bot confirmed ``update_id`` (a getUpdates with a higher offset).

        PTB queues the updates of one getUpdates answer before it polls again, so a
        confirmed update is in the bot's hands.
        """
        if not 0 < update_id < self._next_update_id:
            raise ValueError(f"update {update_id} was never pushed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            reason = self._dropped.get(update_id)
            if reason is not None:
                raise UpdateNotDeliveredError(f"update {update_id} was dropped: {reason}")
            if update_id < self._confirmed_offset:
                return
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(self._undelivered_hint(update_id, timeout))
            await self._state_signal.wait(remaining)

    async def wait_answered(
        self,
        update_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Wait until the bot answered the callback query of ``update_id``."""
        if update_id not in self._query_by_update:
            raise ValueError(f"update {update_id} is not a callback query")
        await self.wait_until(
            lambda: self.answer_for(update_id) is not None,
            timeout=timeout,
            what=f"answerCallbackQuery for the callback query of update {update_id}",
        )
        answer = self.answer_for(update_id)
        assert answer is not None
        return answer

    def take_updates(self) -> list[JsonDict]:
        """Hand over every pending update and forget them, as Telegram does for a webhook."""
        batch = list(self._pending)
        self._pending.clear()
        return batch

    def record_webhook_error(self, message: str) -> None:
        """Note a failed delivery, as getWebhookInfo's last_error_date and last_error_message."""
        self.webhook_last_error = (int(self._clock()), message)

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self._pending)

    def _undelivered_hint(self, update_id: int, timeout: float) -> str:
        head = f"update {update_id} was not confirmed by the bot within {timeout} s: "
        if self.webhook_url:
            return head + f"a webhook is set ({self.webhook_url}), so getUpdates is refused"
        if self._last_poll_at is None:
            return head + (
                "no getUpdates call reached the double at all; is the Application polling "
                f"base_url={self.base_url if self._port else '(double not started)'}?"
            )
        ago = self._clock() - self._last_poll_at
        state = "handed out but" if update_id in self._handed_out else "never handed out and"
        return head + (
            f"it was {state} not confirmed; the last getUpdates came {ago:.1f} s ago and "
            f"confirmed offset {self._confirmed_offset}. PTB confirms with its next "
            "getUpdates, so a stopped or stuck updater looks like this."
        )

    # ---------------------------------------------------------------- faults and limits

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        count: int = 1,
        chat_id: int | None = None,
        kind: FaultKind = "error",
        delay: float = 6.0,
    ) -> FaultRule:
        """Make the next ``count`` calls of ``method`` ("*" for any) misbehave.

        kind "error": answer ``status`` (429 carries retry_after, default 1); "timeout":
        act, then answer only after ``delay`` seconds; "drop": close the connection without
        answering or acting. ``chat_id`` limits the rule to calls for that chat.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        rule = FaultRule(
            method.lower() if method != "*" else "*",
            kind,
            status=status,
            retry_after=retry_after,
            description=description,
            remaining=count,
            chat_id=chat_id,
            delay=delay,
        )
        self.faults.add(rule)
        return rule

    def random_faults(
        self,
        rate: float,
        *,
        seed: int,
        kinds: Iterable[str] = ("429", "500", "502", "timeout", "drop"),
        methods: Collection[str] | None = None,
        retry_after: int = 1,
        delay: float = 6.0,
    ) -> None:
        """Fail a ``rate`` share of calls at random (reproducible through ``seed``).

        ``kinds`` are HTTP statuses as strings plus "timeout" and "drop"; ``methods``
        defaults to the sending, editing and answering methods (not getUpdates).
        """
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        kinds = tuple(kinds)
        for kind in kinds:
            if kind not in ("timeout", "drop") and not kind.isdigit():
                raise ValueError(f"unknown fault kind {kind!r}")
        chosen = (
            frozenset(m.lower() for m in methods) if methods is not None else RANDOM_FAULT_METHODS
        )
        self.faults.random = RandomFaults(
            rate, random.Random(seed), kinds, chosen, retry_after, delay
        )

    def clear_faults(self) -> None:
        """Remove every pending fault rule and stop random faults."""
        self.faults.clear()

    def enforce_limits(
        self,
        per_second: float = 30,
        per_chat_per_second: float = 1,
        *,
        per_group_per_minute: int = 20,
        methods: Collection[str] = ("sendMessage", "sendPhoto", "sendDocument", "sendAnimation"),
        paid_per_second: float = 1000,
    ) -> None:
        """Apply Telegram's flood limits: calls beyond them get 429 with an honest retry_after.

        Sliding windows: ``per_second`` overall and ``per_chat_per_second`` per chat (below
        1, one message per 1/rate seconds) count only ``methods``; in a group, at most
        ``per_group_per_minute`` of those calls and edits in any 60 s. A message sent with
        allow_paid_broadcast counts against ``paid_per_second`` instead of ``per_second``
        (Telegram's 1,000 a second for 0.1 Star each: ``paid_messages``, ``stars_spent``).
        """
        self._limits = FloodLimits.build(
            per_second,
            per_chat_per_second,
            per_group_per_minute,
            frozenset(m.lower() for m in methods),
            paid_per_second,
        )

    def disable_limits(self) -> None:
        """Stop enforcing flood limits (the default)."""
        self._limits = None

    # ---------------------------------------------------------------- HTTP

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", _ApiEndpoint(self)),
                Route("/file/bot{token}/{path:path}", self._serve_file, methods=["GET"]),
                Route("/{path:path}", self._not_found, methods=["GET", "POST", "HEAD"]),
            ]
        )

    async def _not_found(self, request: Request) -> Response:
        return _json_response(404, _NOT_FOUND.body())

    async def _serve_file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _json_response(401, _UNAUTHORIZED.body())
        stored = self._files_by_path.get(request.path_params["path"])
        if stored is None:
            return _json_response(404, _NOT_FOUND.body())
        return Response(stored.data, media_type=stored.mime or "application/octet-stream")

    async def _handle_http(self, request: Request) -> tuple[int, JsonDict] | object:
        method = str(request.path_params["method"])
        entry = self._handlers.get(method.lower())
        record = CallRecord(entry[0] if entry else method, {}, 0, self._clock())
        self.calls.append(record)
        self.counts[record.method] += 1
        try:
            values, files = await read_request(request)
        except ApiError as exc:
            record.status = exc.status
            return exc.status, exc.body()
        record.params = dict(values)
        for name, upload in files.items():
            record.params[name] = f"<file {upload.filename!r}, {len(upload.data)} bytes>"

        if request.path_params["token"] != self.token:
            record.status = 401
            return 401, _UNAUTHORIZED.body()
        if entry is None:
            logger.warning("Bot API double: method %s is not implemented (404)", method)
            record.status = 404
            return 404, _NOT_FOUND.body()

        params = Params(values, files)
        fault = self.faults.take(method.lower(), peek_chat_id(values))
        if fault is not None:
            record.fault = fault.label
            self.faults_injected[fault.label] += 1
            logger.debug("Bot API double: injecting %s into %s", fault.label, record.method)
            if fault.kind == "drop":
                return _DROP
            if fault.kind == "error":
                error = fault.error()
                record.status = error.status
                return error.status, error.body()

        status, body = await self._run(entry[1], params)
        if fault is not None and fault.kind == "timeout":
            await self._pause(fault.delay)
        record.status = status
        return status, body

    async def _run(self, handler: Handler, params: Params) -> tuple[int, JsonDict]:
        try:
            result = await handler(params)
        except ApiError as exc:
            return exc.status, exc.body()
        return 200, {"ok": True, "result": result}

    async def _pause(self, seconds: float) -> None:
        if self._closing_event is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing_event.wait(), seconds)
