"""A loopback Telegram Bot API double: real HTTP on 127.0.0.1, Telegram's rules, a person.

The real python-telegram-bot stack talks to :class:`BotApiDouble` over HTTP exactly as it
talks to api.telegram.org; tests play the person on the other side through :class:`Person`
(send text, press inline buttons, read the chat as it stands). Telegram's documented limits
and error descriptions are enforced so that a bot bug fails a test instead of production,
and faults (errors, timeouts, dropped connections, flood limits) can be injected.

State is indexed by chat and updates live in a queue, so every call costs O(1) or O(size of
one chat), which keeps benchmarks with thousands of messages honest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import mimetypes
import random
import re
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Collection, Generator, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Literal, Self
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.sandbox.telegram_html import (
    Entity,
    FormattedText,
    HtmlParseError,
    UnsupportedParseModeError,
    parse_text,
    trim_plain,
    utf16_len,
)

__all__ = [
    "ApiError",
    "BotApiDouble",
    "Button",
    "ButtonNotFoundError",
    "CallRecord",
    "CallbackAnswer",
    "ChatMessage",
    "FaultPlan",
    "FaultRule",
    "Person",
    "UpdateNotDeliveredError",
]

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
FaultKind = Literal["error", "timeout", "drop"]

# Telegram's documented limits.
MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_BUTTONS: Final = 100
MAX_ANSWER_TEXT_LENGTH: Final = 200
MAX_COMMANDS: Final = 100
CALLBACK_QUERY_TTL: Final = 15.0
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES: Final = 50 * 1024 * 1024

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"
BLOCKED: Final = "Forbidden: bot was blocked by the user"

SEND_METHODS: Final = frozenset({"sendmessage", "sendphoto", "senddocument"})
_RANDOM_FAULT_METHODS: Final = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "deletemessage",
        "answercallbackquery",
        "sendchataction",
    }
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Update kinds Telegram leaves out unless allowed_updates names them.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]+")

# How form fields are decoded: PTB JSON-encodes every non-string value.
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "commands",
        "scope",
        "allowed_updates",
        "media",
    }
)
_INT_FIELDS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "max_connections",
        "user_id",
    }
)
_BOOL_FIELDS: Final = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
    }
)


# --------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button as a person sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message in a chat as it stands now (edits applied).

    ``text`` is what a person reads (the caption for media); ``html`` is the text or caption
    exactly as sent, in ``parse_mode`` (None for plain text and for the person's messages).
    """

    message_id: int
    from_bot: bool
    text: str
    html: str
    buttons: list[list[Button]]
    photo: bytes | None
    document: bytes | None
    document_name: str | None
    edited: bool
    date: int
    parse_mode: str | None = None
    entities: tuple[Entity, ...] = ()
    location: tuple[float, float] | None = None
    file_url: str | None = None

    @property
    def button_texts(self) -> list[str]:
        """Visible texts of all buttons, row by row."""
        return [button.text for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot said in answerCallbackQuery."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    at: float


@dataclass(slots=True)
class CallRecord:
    """One request that reached the double; ``status`` is 0 while it is still in flight."""

    method: str
    params: JsonDict
    status: int
    at: float
    fault: str | None = None


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JsonDict:
        """Return the JSON body Telegram sends for this error."""
        data: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        return data


class ButtonNotFoundError(LookupError):
    """A person tried to press a button that is not there."""


class UpdateNotDeliveredError(RuntimeError):
    """An update was dropped before the bot received it (filtered, skipped or purged)."""


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)="((?:[^"\\]|\\.)*)"')


def _parse_multipart(body: bytes, content_type: str) -> tuple[JsonDict, dict[str, _Upload]]:
    """Split a multipart/form-data body into text fields and uploaded files."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise _bad("can't parse multipart/form-data request: no boundary")
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1")
    fields: JsonDict = {}
    files: dict[str, _Upload] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = {
            key.lower(): value.replace('\\"', '"').replace("%22", '"')
            for key, value in _DISPOSITION_PARAM.findall(headers.get("content-disposition", ""))
        }
        field_name = params.get("name")
        if field_name is None:
            continue
        if "filename" in params or "filename*" in params:
            files[field_name] = _Upload(
                params.get("filename"), headers.get("content-type"), bytes(content)
            )
        else:
            fields[field_name] = content.decode("utf-8", "replace")
    return fields, files


def _normalize(values: JsonDict) -> JsonDict:
    """Decode form strings into the JSON values PTB encoded (lenient: bad input stays a str)."""
    decoded: JsonDict = {}
    for name, value in values.items():
        if isinstance(value, str):
            if name in _JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif name in _INT_FIELDS:
                with contextlib.suppress(ValueError):
                    value = int(value.strip())
            elif name in _BOOL_FIELDS:
                lowered = value.strip().lower()
                if lowered in {"true", "1"}:
                    value = True
                elif lowered in {"false", "0", ""}:
                    value = False
        decoded[name] = value
    return decoded


async def _read_request(request: Request) -> tuple[JsonDict, dict[str, _Upload]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    values: JsonDict = dict(request.query_params)
    files: dict[str, _Upload] = {}
    body = await request.body()
    if body:
        content_type = request.headers.get("content-type", "")
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime == "application/json":
            try:
                parsed = json.loads(body)
            except ValueError as exc:
                raise _bad("can't parse JSON encoded request parameters") from exc
            if not isinstance(parsed, dict):
                raise _bad("JSON encoded request parameters must be an object")
            values.update(parsed)
        elif mime == "multipart/form-data":
            fields, files = _parse_multipart(body, content_type)
            values.update(fields)
        else:
            values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return _normalize(values), files


class _Params:
    """Typed access to one request's parameters, raising Telegram-like errors."""

    def __init__(self, values: JsonDict, files: dict[str, _Upload]) -> None:
        self.values = values
        self.files = files

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str, *, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return int(float(value))
        raise _bad(f'field "{name}" must be of type Integer')

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise _bad(f'parameter "{name}" is required')
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _bad(error) from exc
        return value


# --------------------------------------------------------------------------------------
# Faults and flood limits
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class FaultRule:
    """One fault to inject: ``remaining`` matching calls (None: every one) misbehave.

    kind "error" answers ``status`` without acting; "timeout" acts, then waits ``delay``
    seconds before answering (a send that arrived but whose answer came too late); "drop"
    closes the connection without an answer and without acting.
    """

    method: str
    kind: FaultKind = "error"
    status: int = 429
    retry_after: int | None = None
    description: str | None = None
    remaining: int | None = 1
    chat_id: int | None = None
    delay: float = 6.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Whether this rule applies to a call of ``method`` (lower-case) to ``chat_id``."""
        if self.method not in ("*", method):
            return False
        return self.chat_id is None or self.chat_id == chat_id

    @property
    def label(self) -> str:
        """Short name for records and counters: "429", "500", "timeout", "drop"."""
        return str(self.status) if self.kind == "error" else self.kind

    def error(self) -> ApiError:
        """Return the error answer for an "error" fault."""
        if self.status == HTTPStatus.TOO_MANY_REQUESTS:
            retry_after = self.retry_after if self.retry_after is not None else 1
            description = self.description or f"Too Many Requests: retry after {retry_after}"
            return ApiError(429, description, retry_after=retry_after)
        defaults = {400: "Bad Request", 403: BLOCKED, 500: "Internal Server Error"}
        text = self.description or defaults.get(self.status)
        if text is None:
            try:
                text = HTTPStatus(self.status).phrase
            except ValueError:
                text = "Unknown Error"
        return ApiError(self.status, text, retry_after=self.retry_after)


@dataclass(slots=True)
class _RandomFaults:
    rate: float
    rng: random.Random
    kinds: tuple[str, ...]
    methods: frozenset[str]
    retry_after: int
    delay: float


class FaultPlan:
    """Faults still to inject: explicit rules first (in order), then random ones."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.random: _RandomFaults | None = None

    def add(self, rule: FaultRule) -> None:
        """Queue a rule."""
        self.rules.append(rule)

    def clear(self) -> None:
        """Forget every rule and stop random faults."""
        self.rules.clear()
        self.random = None

    def take(self, method: str, chat_id: int | None) -> FaultRule | None:
        """Return the fault for this call, if any, consuming one use of a counted rule."""
        for index, rule in enumerate(self.rules):
            if rule.matches(method, chat_id):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        del self.rules[index]
                return rule
        chaos = self.random
        if chaos is None or method not in chaos.methods or chaos.rng.random() >= chaos.rate:
            return None
        kind = chaos.rng.choice(chaos.kinds)
        if kind == "timeout":
            return FaultRule(method, "timeout", delay=chaos.delay)
        if kind == "drop":
            return FaultRule(method, "drop")
        status = int(kind)
        retry_after = chaos.retry_after if status == HTTPStatus.TOO_MANY_REQUESTS else None
        return FaultRule(method, "error", status=status, retry_after=retry_after)


@dataclass(slots=True)
class _RateWindow:
    """A sliding window allowing ``capacity`` events per ``span`` seconds."""

    capacity: int
    span: float
    stamps: deque[float] = field(default_factory=deque)

    def retry_after(self, now: float) -> int | None:
        """Whole seconds until one more event fits, or None if it fits now."""
        while self.stamps and self.stamps[0] <= now - self.span:
            self.stamps.popleft()
        if len(self.stamps) < self.capacity:
            return None
        return max(1, math.ceil(self.stamps[0] + self.span - now))


def _window(rate: float) -> _RateWindow:
    """Make a window for ``rate`` events per second (below 1/s: one per 1/rate seconds)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    if rate >= 1:
        return _RateWindow(int(rate), 1.0)
    return _RateWindow(1, 1.0 / rate)


@dataclass(slots=True)
class _Limits:
    per_second: float
    per_chat_per_second: float
    methods: frozenset[str]
    overall: _RateWindow
    chats: dict[int, _RateWindow] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    file_id: str
    unique_id: str
    data: bytes | None
    name: str | None
    mime: str | None
    width: int
    height: int
    path: str
    url: str | None = None


@dataclass(slots=True)
class _Message:
    message_id: int
    chat_id: int
    from_bot: bool
    sender: JsonDict
    date: int
    kind: str  # "text", "photo", "document", "location" or "raw"
    source: str
    parse_mode: str | None
    formatted: FormattedText
    markup: list[list[JsonDict]] | None = None
    photo: _File | None = None
    document: _File | None = None
    location: tuple[float, float] | None = None
    edit_date: int | None = None
    reply_to: int | None = None
    raw: JsonDict | None = None


@dataclass(slots=True)
class _Chat:
    id: int
    info: JsonDict
    messages: dict[int, _Message] = field(default_factory=dict)
    known: bool = False  # the chat wrote to the bot, so the bot may write to it
    blocked: bool = False
    actions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Query:
    id: str
    update_id: int
    created: float
    answer: CallbackAnswer | None = None


class _Signal:
    """Broadcast wake-up: ``fire`` wakes everyone currently waiting."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)


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
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        await Response(payload, status_code=status, media_type="application/json")(
            scope, receive, send
        )


# --------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image, or None if it is none of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[index + 5 : index + 7], "big")
            width = int.from_bytes(data[index + 7 : index + 9], "big")
            return width, height
        index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        return width, 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        return width, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _command_entities(text: str) -> list[Entity]:
    """bot_command entities the way Telegram marks commands in a person's message."""
    return [
        Entity("bot_command", utf16_len(text[: match.start()]), utf16_len(match.group()))
        for match in _COMMAND.finditer(text)
    ]


def _update_kind(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


def _is_allowed(kind: str, allowed: frozenset[str] | None) -> bool:
    """Whether getUpdates hands out this kind (None: Telegram's default selection)."""
    return kind not in _OPT_IN_UPDATES if allowed is None else kind in allowed


# --------------------------------------------------------------------------------------
# The person
# --------------------------------------------------------------------------------------


class Person:
    """A Telegram user in a private chat with the bot (the chat id is the user id)."""

    def __init__(self, double: BotApiDouble, user: JsonDict) -> None:
        self._double = double
        self.user = user
        # Message id a reply is expected after (see next_bot_message).
        self._mark = 0

    @property
    def user_id(self) -> int:
        """Return the person's Telegram user id."""
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        """Return the id of the private chat with the bot (the user id)."""
        return self.user_id

    @property
    def first_name(self) -> str:
        """Return the person's first name."""
        return str(self.user["first_name"])

    async def send(self, text: str) -> int:
        """Write ``text`` to the bot; returns the update_id of the message update."""
        if not text.strip():
            raise ValueError("Telegram apps do not send empty messages")
        chat = self._double._chat_of(self)
        formatted = trim_plain(text, _command_entities(text))
        message = self._double._store_message(
            chat, self.user, kind="text", source=text, formatted=formatted
        )
        self._mark = message.message_id
        return self._double._push({"message": self._double._message_dict(message)})

    async def press(self, button_text: str, *, message_id: int | None = None) -> int:
        """Press the inline button labelled ``button_text``; returns the update_id.

        Looks in message ``message_id``, or else in the newest bot message that has such a
        button. Raises :class:`ButtonNotFoundError` listing the buttons that are there.
        """
        chat = self._double._chat_of(self)
        if message_id is not None:
            message = self._double._message_in(chat, message_id)
            button = _find_button(message, button_text)
            if button is None:
                raise ButtonNotFoundError(
                    f"no button {button_text!r} in message {message_id}; "
                    f"its buttons: {_describe_buttons(message)}"
                )
        else:
            found = self._newest_with_button(chat, button_text)
            if found is None:
                raise ButtonNotFoundError(
                    f"no bot message in chat {chat.id} has a button {button_text!r}; "
                    f"buttons present: {self._buttons_present(chat)}"
                )
            message, button = found
        data = button.get("callback_data")
        if not isinstance(data, str):
            kind = next((key for key in _BUTTON_ACTIONS if key in button), "unknown")
            raise ButtonNotFoundError(
                f"button {button_text!r} is a {kind} button ({button.get(kind)!r}); "
                "pressing it sends the bot no callback query"
            )
        return self._double._press(self, message, data)

    async def press_data(self, data: str, *, message_id: int) -> int:
        """Send a callback query with raw ``data`` from message ``message_id``."""
        chat = self._double._chat_of(self)
        return self._double._press(self, self._double._message_in(chat, message_id), data)

    async def share_location(self, lat: float, lon: float) -> int:
        """Share a location; returns the update_id."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"not a location on Earth: {lat}, {lon}")
        chat = self._double._chat_of(self)
        message = self._double._store_message(
            chat, self.user, kind="location", source="", formatted=FormattedText("")
        )
        message.location = (lat, lon)
        self._mark = message.message_id
        return self._double._push({"message": self._double._message_dict(message)})

    async def edit(self, message_id: int, text: str) -> int:
        """Edit one of this person's own messages; returns the update_id."""
        chat = self._double._chat_of(self)
        message = self._double._message_in(chat, message_id)
        if message.from_bot or message.kind != "text":
            raise ValueError(f"message {message_id} is not a text message of {self.first_name}")
        if not text.strip():
            raise ValueError("a message cannot be edited to be empty")
        message.source = text
        message.formatted = trim_plain(text, _command_entities(text))
        message.edit_date = int(self._double._clock())
        self._double._changed()
        return self._double._push({"edited_message": self._double._message_dict(message)})

    @property
    def chat(self) -> list[ChatMessage]:
        """The chat as it stands now, oldest first."""
        return [
            _chat_message(message) for message in self._double._chat_view(self).messages.values()
        ]

    @property
    def bot_messages(self) -> list[ChatMessage]:
        """The bot's messages still in the chat, oldest first."""
        chat = self._double._chat_view(self)
        return [_chat_message(m) for m in chat.messages.values() if m.from_bot]

    @property
    def last_bot_message(self) -> ChatMessage | None:
        """The newest bot message still in the chat."""
        chat = self._double._chat_view(self)
        for message in reversed(chat.messages.values()):
            if message.from_bot:
                return _chat_message(message)
        return None

    @property
    def chat_actions(self) -> list[str]:
        """Chat actions (sendChatAction) the bot showed in this chat, oldest first."""
        return list(self._double._chat_view(self).actions)

    def answer_for(self, update_id: int) -> CallbackAnswer | None:
        """Return what answerCallbackQuery said for the press of this update (None: not yet)."""
        return self._double.answer_for(update_id)

    async def next_bot_message(
        self,
        *,
        after: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ChatMessage:
        """Wait for the first bot message newer than ``after``.

        ``after`` defaults to this person's latest message (or, after a press, the newest
        message at the time of the press).
        """
        threshold = self._mark if after is None else after
        chat = self._double._chat_view(self)

        def newer() -> bool:
            return self._first_bot_message_after(chat, threshold) is not None

        await self._double.wait_until(
            newer, timeout=timeout, what=f"a bot message after message {threshold}"
        )
        message = self._first_bot_message_after(chat, threshold)
        assert message is not None
        return _chat_message(message)

    @staticmethod
    def _first_bot_message_after(chat: _Chat, threshold: int) -> _Message | None:
        found: _Message | None = None
        for message in reversed(chat.messages.values()):
            if message.message_id <= threshold:
                break
            if message.from_bot:
                found = message
        return found

    @staticmethod
    def _newest_with_button(chat: _Chat, text: str) -> tuple[_Message, JsonDict] | None:
        for message in reversed(chat.messages.values()):
            if message.from_bot and message.markup:
                button = _find_button(message, text)
                if button is not None:
                    return message, button
        return None

    @staticmethod
    def _buttons_present(chat: _Chat, limit: int = 3) -> str:
        described = []
        for message in reversed(chat.messages.values()):
            if message.from_bot and message.markup:
                described.append(f"message {message.message_id}: {_describe_buttons(message)}")
                if len(described) >= limit:
                    break
        return "; ".join(described) or "none (no bot message has an inline keyboard)"


def _find_button(message: _Message, text: str) -> JsonDict | None:
    for row in message.markup or []:
        for button in row:
            if button.get("text") == text:
                return button
    return None


def _describe_buttons(message: _Message) -> str:
    texts = [repr(button.get("text")) for row in message.markup or [] for button in row]
    return ", ".join(texts) if texts else "none"


def _chat_message(message: _Message) -> ChatMessage:
    media = message.photo or message.document
    buttons = [
        [
            Button(
                str(button.get("text", "")),
                button.get("callback_data")
                if isinstance(button.get("callback_data"), str)
                else None,
                button.get("url") if isinstance(button.get("url"), str) else None,
            )
            for button in row
        ]
        for row in message.markup or []
    ]
    return ChatMessage(
        message_id=message.message_id,
        from_bot=message.from_bot,
        text=message.formatted.text,
        html=message.source,
        buttons=buttons,
        photo=message.photo.data if message.photo else None,
        document=message.document.data if message.document else None,
        document_name=message.document.name if message.document else None,
        edited=message.edit_date is not None,
        date=message.date,
        parse_mode=message.parse_mode,
        entities=message.formatted.entities,
        location=message.location,
        file_url=media.url if media is not None else None,
    )


# --------------------------------------------------------------------------------------
# The double
# --------------------------------------------------------------------------------------

_Handler = Callable[[_Params], Awaitable[Any]]


class BotApiDouble:
    """Telegram's Bot API on 127.0.0.1 for one bot, with people to talk to it."""

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
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.strict_ampersand = strict_ampersand
        self._clock = clock
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.calls: list[CallRecord] = []
        self.counts: Counter[str] = Counter()
        self.throttled = 0
        self.faults = FaultPlan()
        self.faults_injected: Counter[str] = Counter()
        self.webhook_url = ""

        self._chats: dict[int, _Chat] = {}
        self._people: dict[int, Person] = {}
        self._files: dict[str, _File] = {}
        self._files_by_path: dict[str, _File] = {}
        self._queries: dict[str, _Query] = {}
        self._query_by_update: dict[int, str] = {}
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}

        self._pending: deque[JsonDict] = deque()
        self._handed_out: set[int] = set()
        self._dropped: dict[int, str] = {}
        self._next_update_id = 1
        self._confirmed_offset = 0  # every update below this id is confirmed or dropped
        self._last_poll_at: float | None = None
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] | None = None

        self._next_message_id = 1
        self._next_file = 1
        self._next_query = 1
        self._limits: _Limits | None = None

        self._updates_signal = _Signal()
        self._state_signal = _Signal()
        self._closing = False
        self._closing_event: asyncio.Event | None = None
        self._server: _LoopbackServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._port: int | None = None

        self._handlers: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageCaption", self._edit_message_caption),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("getFile", self._get_file),
                ("close", self._close),
                ("logOut", self._log_out),
            )
        }

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
        if person is not None:
            return person
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat_info: JsonDict = {"id": user_id, "type": "private", "first_name": first_name}
        if username is not None:
            user["username"] = username
            chat_info["username"] = username
        user["language_code"] = language_code
        self._chats.setdefault(user_id, _Chat(user_id, chat_info))
        person = Person(self, user)
        self._people[user_id] = person
        return person

    def block(self, chat_id: int, *, notify: bool = False) -> int | None:
        """Let the person block the bot: sends and edits to the chat get 403 from now on.

        With ``notify`` the bot also gets the my_chat_member update Telegram sends; its
        update_id is returned.
        """
        chat = self._existing_chat(chat_id)
        chat.blocked = True
        if notify:
            return self._push_member_change(chat, "member", "kicked")
        return None

    def unblock(self, chat_id: int, *, notify: bool = False) -> int | None:
        """Let the person unblock the bot; with ``notify``, return the update's id."""
        chat = self._existing_chat(chat_id)
        chat.blocked = False
        if notify:
            return self._push_member_change(chat, "kicked", "member")
        return None

    def chat(self, chat_id: int) -> list[ChatMessage]:
        """Messages of any chat the double knows, oldest first."""
        return [_chat_message(m) for m in self._existing_chat(chat_id).messages.values()]

    def my_commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for this scope and language."""
        return list(self._commands.get(self._commands_key(scope, language_code), []))

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

    def answer_for(self, update_id: int) -> CallbackAnswer | None:
        """Return the answer given to the callback query of ``update_id``, if any."""
        query_id = self._query_by_update.get(update_id)
        if query_id is None:
            return None
        return self._queries[query_id].answer

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every change of state."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            await self._state_signal.wait(remaining)

    def known_user(self, user_id: int, first_name: str = "Ada") -> Person:
        """Return a person whose chat with the bot already exists (they wrote before)."""
        person = self.user(user_id, first_name)
        self._chat_of(person)
        return person

    def take_updates(self) -> list[JsonDict]:
        """Hand over every pending update and forget them, as Telegram does for a webhook."""
        batch = list(self._pending)
        self._pending.clear()
        return batch

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self._pending)

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
            frozenset(m.lower() for m in methods) if methods is not None else _RANDOM_FAULT_METHODS
        )
        self.faults.random = _RandomFaults(
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
        methods: Collection[str] = ("sendMessage", "sendPhoto", "sendDocument"),
    ) -> None:
        """Apply Telegram's flood limits: calls beyond them get 429 with an honest retry_after.

        Sliding 1 s windows: ``per_second`` overall, ``per_chat_per_second`` per chat
        (below 1, one message per 1/rate seconds). Only ``methods`` count.
        """
        self._limits = _Limits(
            per_second,
            per_chat_per_second,
            frozenset(m.lower() for m in methods),
            _window(per_second),
        )
        _window(per_chat_per_second)  # validate now, not on the first send

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
        return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    async def _serve_file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _json_response(401, _UNAUTHORIZED.body())
        stored = self._files_by_path.get(request.path_params["path"])
        if stored is None or stored.data is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return Response(stored.data, media_type=stored.mime or "application/octet-stream")

    async def _handle_http(self, request: Request) -> tuple[int, JsonDict] | object:
        method = str(request.path_params["method"])
        entry = self._handlers.get(method.lower())
        record = CallRecord(entry[0] if entry else method, {}, 0, self._clock())
        self.calls.append(record)
        self.counts[record.method] += 1
        try:
            values, files = await _read_request(request)
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
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

        params = _Params(values, files)
        fault = self.faults.take(method.lower(), _peek_chat_id(values))
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

    async def _run(self, handler: _Handler, params: _Params) -> tuple[int, JsonDict]:
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

    # ---------------------------------------------------------------- bot methods

    async def _get_me(self, params: _Params) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: _Params) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.integer("offset", default=0) or 0
        limit = min(max(params.integer("limit", default=100) or 100, 1), 100)
        timeout = max(params.integer("timeout", default=0) or 0, 0)
        allowed = params.json("allowed_updates", "can't parse allowed_updates JSON array")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise _bad("can't parse allowed_updates JSON array")
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._last_poll_at = self._clock()
        self._confirm(offset)

        # A newer getUpdates ends an older one, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._next_batch(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            await self._updates_signal.wait(remaining)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.text("url") or ""
        if url and not url.lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if params.flag("drop_pending_updates"):
            self._purge_updates("deleted by setWebhook(drop_pending_updates=True)")
        self.webhook_url = url
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        if params.flag("drop_pending_updates"):
            self._purge_updates("deleted by deleteWebhook(drop_pending_updates=True)")
        self.webhook_url = ""
        return True

    async def _get_webhook_info(self, params: _Params) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        return info

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.json("commands", "can't parse commands JSON object")
        if commands is None:
            raise _bad('parameter "commands" is required')
        if not isinstance(commands, list):
            raise _bad('field "commands" must be an Array')
        if len(commands) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand: BotCommand must be an Object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not isinstance(description, str):
                raise _bad(
                    'can\'t parse BotCommand: fields "command" and "description" must be Strings'
                )
            if not command:
                raise _bad("command must be non-empty")
            if len(command) > 32:
                raise _bad("command length must not exceed 32")
            if not _BOT_COMMAND_NAME.fullmatch(command):
                raise _bad("BOT_COMMAND_INVALID")
            description = description.strip()
            if not description:
                raise _bad("command description must be non-empty")
            if len(description) > 256:
                raise _bad("command description length must not exceed 256")
            cleaned.append({"command": command, "description": description})
        self._commands[self._commands_key_from(params)] = cleaned
        return True

    async def _get_my_commands(self, params: _Params) -> list[JsonDict]:
        return list(self._commands.get(self._commands_key_from(params), []))

    async def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._commands_key_from(params), None)
        return True

    async def _send_message(self, params: _Params) -> JsonDict:
        chat = self._target_chat(params)
        formatted, source, mode = self._formatted(
            params, "text", "entities", MAX_TEXT_LENGTH, too_long="message is too long"
        )
        if not formatted.text:
            raise _bad("message text is empty")
        markup = self._inline_markup(params)
        reply_to = self._reply_target(chat, params)
        self._check_writable(chat)
        self._throttle("sendmessage", chat.id)
        message = self._store_message(
            chat,
            self.bot_user,
            kind="text",
            source=source,
            formatted=formatted,
            parse_mode=mode,
            markup=markup,
            reply_to=reply_to,
        )
        return self._message_dict(message)

    async def _edit_message_text(self, params: _Params) -> JsonDict:
        chat, message = self._editable(params)
        formatted, source, mode = self._formatted(
            params, "text", "entities", MAX_TEXT_LENGTH, too_long="message is too long"
        )
        if not formatted.text:
            raise _bad("message text is empty")
        markup = self._inline_markup(params)
        if message.kind != "text":
            raise _bad("there is no text in the message to edit")
        if formatted == message.formatted and markup == message.markup:
            raise _bad(NOT_MODIFIED)
        self._check_writable(chat)
        self._throttle("editmessagetext", chat.id)
        message.formatted, message.source, message.parse_mode = formatted, source, mode
        return self._apply_edit(message, markup)

    async def _edit_message_caption(self, params: _Params) -> JsonDict:
        chat, message = self._editable(params)
        formatted, source, mode = self._formatted(
            params,
            "caption",
            "caption_entities",
            MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
        )
        markup = self._inline_markup(params)
        if message.kind not in ("photo", "document"):
            raise _bad("there is no caption in the message to edit")
        if formatted == message.formatted and markup == message.markup:
            raise _bad(NOT_MODIFIED)
        self._check_writable(chat)
        self._throttle("editmessagecaption", chat.id)
        message.formatted, message.source, message.parse_mode = formatted, source, mode
        return self._apply_edit(message, markup)

    async def _edit_message_reply_markup(self, params: _Params) -> JsonDict:
        chat, message = self._editable(params)
        markup = self._inline_markup(params)
        if markup == message.markup:
            raise _bad(NOT_MODIFIED)
        self._check_writable(chat)
        self._throttle("editmessagereplymarkup", chat.id)
        return self._apply_edit(message, markup)

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        message_id = params.required_integer("message_id")
        if chat.messages.pop(message_id, None) is None:
            raise _bad("message to delete not found")
        self._changed()
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.text("callback_query_id")
        if not query_id:
            raise _bad('parameter "callback_query_id" is required')
        query = self._queries.get(query_id)
        now = self._clock()
        if query is None or query.answer is not None or now - query.created > CALLBACK_QUERY_TTL:
            raise _bad(QUERY_TOO_OLD)
        text = params.text("text")
        if text is not None and len(text) > MAX_ANSWER_TEXT_LENGTH:
            raise _bad("message is too long")
        self._throttle("answercallbackquery", None)
        query.answer = CallbackAnswer(
            text=text or None,
            show_alert=params.flag("show_alert"),
            url=params.text("url"),
            cache_time=params.integer("cache_time", default=0) or 0,
            at=now,
        )
        self._changed()
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        action = params.text("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_writable(chat)
        self._throttle("sendchataction", chat.id)
        chat.actions.append(action)
        self._changed()
        return True

    async def _send_photo(self, params: _Params) -> JsonDict:
        return self._send_media(params, "photo")

    async def _send_document(self, params: _Params) -> JsonDict:
        return self._send_media(params, "document")

    async def _get_file(self, params: _Params) -> JsonDict:
        file_id = params.text("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        result: JsonDict = {"file_id": file_id, "file_unique_id": stored.unique_id}
        if stored.data is not None:
            result["file_size"] = len(stored.data)
            result["file_path"] = stored.path
        return result

    async def _close(self, params: _Params) -> bool:
        return True

    async def _log_out(self, params: _Params) -> bool:
        return True

    # ---------------------------------------------------------------- rules

    def _target_chat(self, params: _Params) -> _Chat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = _peek_chat_id({"chat_id": raw})
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None or not chat.known:
            raise _bad("chat not found")
        return chat

    def _check_writable(self, chat: _Chat) -> None:
        if chat.blocked:
            raise ApiError(403, BLOCKED)

    def _editable(self, params: _Params) -> tuple[_Chat, _Message]:
        if params.get("inline_message_id") is not None:
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if not message.from_bot:
            raise _bad("message can't be edited")
        return chat, message

    def _formatted(
        self, params: _Params, name: str, entities_name: str, limit: int, *, too_long: str
    ) -> tuple[FormattedText, str, str | None]:
        """Parse a text or caption field; returns (formatted, source as sent, parse_mode)."""
        source = params.text(name) or ""
        mode = params.text("parse_mode") or None
        entities = params.json(entities_name, f"can't parse {entities_name} JSON object")
        try:
            if entities:
                # Explicit entities replace parse_mode, as on Telegram.
                formatted = trim_plain(source, _entities_from(entities))
                mode = None
            else:
                formatted = parse_text(source, mode, strict_ampersand=self.strict_ampersand)
        except HtmlParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from exc
        except UnsupportedParseModeError as exc:
            raise _bad(str(exc)) from exc
        if formatted.length > limit:
            raise _bad(too_long)
        return formatted, source, mode

    def _inline_markup(self, params: _Params) -> list[list[JsonDict]] | None:
        """Validate reply_markup; return its inline keyboard (None: none or a reply keyboard)."""
        error = "can't parse reply keyboard markup JSON object"
        markup = params.json("reply_markup", error)
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad(error)
        if "inline_keyboard" not in markup:
            if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
                return None  # reply keyboards are not part of the message's reply_markup
            raise _bad(error)
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'can\'t parse inline keyboard: field "inline_keyboard" must be an Array of Arrays'
            )
        count = 0
        for row in rows:
            for button in row:
                _validate_button(button)
                count += 1
        if count > MAX_BUTTONS:
            raise _bad("reply markup is too long")
        kept = [[dict(button) for button in row] for row in rows if row]
        return kept or None

    def _reply_target(self, chat: _Chat, params: _Params) -> int | None:
        reply = params.json("reply_parameters", "can't parse reply parameters JSON object")
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            raw_id = reply.get("message_id")
            message_id = _Params({"message_id": raw_id}, {}).integer("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", False))
        if message_id is None:
            return None
        if message_id not in chat.messages:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _throttle(self, method: str, chat_id: int | None) -> None:
        limits = self._limits
        if limits is None or method not in limits.methods:
            return
        now = self._clock()
        windows = [limits.overall]
        if chat_id is not None:
            per_chat = limits.chats.get(chat_id)
            if per_chat is None:
                per_chat = limits.chats[chat_id] = _window(limits.per_chat_per_second)
            windows.append(per_chat)
        waits = [w for w in (window.retry_after(now) for window in windows) if w is not None]
        if waits:
            self.throttled += 1
            wait = max(waits)
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        for window in windows:
            window.stamps.append(now)

    def _send_media(self, params: _Params, kind: Literal["photo", "document"]) -> JsonDict:
        chat = self._target_chat(params)
        stored = self._incoming_file(params, kind)
        formatted, source, mode = self._formatted(
            params,
            "caption",
            "caption_entities",
            MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
        )
        markup = self._inline_markup(params)
        reply_to = self._reply_target(chat, params)
        self._check_writable(chat)
        self._throttle("send" + kind, chat.id)
        message = self._store_message(
            chat,
            self.bot_user,
            kind=kind,
            source=source,
            formatted=formatted,
            parse_mode=mode,
            markup=markup,
            reply_to=reply_to,
        )
        if kind == "photo":
            message.photo = stored
        else:
            message.document = stored
        return self._message_dict(message)

    def _incoming_file(self, params: _Params, kind: Literal["photo", "document"]) -> _File:
        """Resolve the file of sendPhoto/sendDocument: an upload, a known file_id or a URL."""
        upload = params.files.get(kind)
        value = params.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(
                    f"{kind} attach://{value.removeprefix('attach://')} is not in the request"
                )
        if upload is not None:
            return self._store_upload(upload, kind)
        if not isinstance(value, str) or not value:
            raise _bad(f"there is no {kind} in the request")
        known = self._files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            # Offline: the double cannot fetch it, so the file has no bytes.
            return self._register_file(
                kind, None, value.rsplit("/", 1)[-1] or None, None, url=value
            )
        raise _bad("wrong file identifier/HTTP URL specified")

    def _store_upload(self, upload: _Upload, kind: Literal["photo", "document"]) -> _File:
        data = upload.data
        if not data:
            raise _bad("file must be non-empty")
        if len(data) > (MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES):
            raise ApiError(413, "Request Entity Too Large")
        mime = upload.content_type
        if kind == "photo":
            size = _image_size(data)
            if size is None or min(size) <= 0:
                raise _bad("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            return self._register_file("photo", data, upload.filename, mime, width, height)
        name = upload.filename or "document"
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return self._register_file("document", data, name, mime)

    def _register_file(
        self,
        kind: str,
        data: bytes | None,
        name: str | None,
        mime: str | None,
        width: int = 0,
        height: int = 0,
        *,
        url: str | None = None,
    ) -> _File:
        number = self._next_file
        self._next_file += 1
        prefix = "AgACAgIAAxkBAAI" if kind == "photo" else "BQACAgIAAxkBAAI"
        folder = "photos" if kind == "photo" else "documents"
        if width == 0 and kind == "photo":
            width, height = 800, 600  # URL photos: the double cannot look at them
        stored = _File(
            file_id=f"{prefix}{number:08d}",
            unique_id=f"AQAD{number:08d}",
            data=data,
            name=name,
            mime=mime,
            width=width,
            height=height,
            path=f"{folder}/file_{number}",
            url=url,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    # ---------------------------------------------------------------- state helpers

    def _changed(self) -> None:
        self._state_signal.fire()

    def _push(self, update: JsonDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **update})
        self._updates_signal.fire()
        self._state_signal.fire()
        return update_id

    def _next_batch(self, limit: int) -> list[JsonDict]:
        allowed = self._allowed_updates
        batch: list[JsonDict] = []
        for update in self._pending:
            if not _is_allowed(_update_kind(update), allowed):
                continue
            batch.append(update)
            self._handed_out.add(update["update_id"])
            if len(batch) >= limit:
                break
        return batch

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep only the last -offset)."""
        if offset == 0:
            return
        if offset > 0:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._retire(self._pending.popleft(), "skipped: getUpdates offset passed it")
            self._confirmed_offset = max(self._confirmed_offset, offset)
        else:
            while len(self._pending) > -offset:
                self._retire(self._pending.popleft(), "skipped: negative getUpdates offset")
            next_id = self._pending[0]["update_id"] if self._pending else self._next_update_id
            self._confirmed_offset = max(self._confirmed_offset, next_id)
        self._changed()

    def _retire(self, update: JsonDict, reason: str) -> None:
        update_id = update["update_id"]
        if update_id in self._handed_out:
            self._handed_out.discard(update_id)
            return
        kind = _update_kind(update)
        if not _is_allowed(kind, self._allowed_updates):
            reason = f"{kind} is not in allowed_updates"
        self._dropped[update_id] = reason

    def _purge_updates(self, reason: str) -> None:
        while self._pending:
            update = self._pending.popleft()
            self._handed_out.discard(update["update_id"])
            self._dropped[update["update_id"]] = reason
        self._confirmed_offset = self._next_update_id
        self._changed()

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

    def _existing_chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"the double knows no chat {chat_id}; create the person with user()")
        return chat

    def _chat_view(self, person: Person) -> _Chat:
        """Return the person's chat for reading (no side effects)."""
        return self._chats[person.user_id]

    def _chat_of(self, person: Person) -> _Chat:
        """Return the person's chat, which the bot may write to once the person acted in it."""
        chat = self._chats[person.user_id]
        if chat.blocked:
            raise RuntimeError(
                f"{person.first_name} ({person.user_id}) blocked the bot; unblock() first"
            )
        chat.known = True
        return chat

    def _message_in(self, chat: _Chat, message_id: int) -> _Message:
        message = chat.messages.get(message_id)
        if message is None:
            raise ButtonNotFoundError(f"message {message_id} is not in chat {chat.id} (deleted?)")
        return message

    def _store_message(
        self,
        chat: _Chat,
        sender: JsonDict,
        *,
        kind: str,
        source: str,
        formatted: FormattedText,
        parse_mode: str | None = None,
        markup: list[list[JsonDict]] | None = None,
        reply_to: int | None = None,
    ) -> _Message:
        message = _Message(
            message_id=self._next_message_id,
            chat_id=chat.id,
            from_bot=sender is self.bot_user,
            sender=sender,
            date=int(self._clock()),
            kind=kind,
            source=source,
            parse_mode=parse_mode,
            formatted=formatted,
            markup=markup,
            reply_to=reply_to,
        )
        self._next_message_id += 1
        chat.messages[message.message_id] = message
        self._changed()
        return message

    def _apply_edit(self, message: _Message, markup: list[list[JsonDict]] | None) -> JsonDict:
        message.markup = markup
        message.edit_date = int(self._clock())
        self._changed()
        return self._message_dict(message)

    def _press(self, person: Person, message: _Message, data: str) -> int:
        person._mark = max(person._mark, next(reversed(self._chats[message.chat_id].messages), 0))
        query_id = f"{self.bot_id}{self._next_query:010d}"
        self._next_query += 1
        update_id = self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": person.user,
                    "message": self._message_dict(message),
                    "chat_instance": str((message.chat_id * 1_000_003 + self.bot_id) % 10**19),
                    "data": data,
                }
            }
        )
        self._register_query(query_id, update_id)
        return update_id

    def _register_query(self, query_id: str, update_id: int) -> None:
        self._queries[query_id] = _Query(query_id, update_id, self._clock())
        self._query_by_update[update_id] = query_id

    def _message_dict(self, message: _Message, *, nested: bool = False) -> JsonDict:
        """Return the message as a Bot API Message object."""
        if message.raw is not None:
            return dict(message.raw)
        chat = self._chats[message.chat_id]
        data: JsonDict = {
            "message_id": message.message_id,
            "from": message.sender,
            "chat": chat.info,
            "date": message.date,
        }
        entities = [entity.to_dict() for entity in message.formatted.entities]
        if message.kind == "text":
            data["text"] = message.formatted.text
            if entities:
                data["entities"] = entities
        elif message.kind in ("photo", "document"):
            if message.photo is not None:
                data["photo"] = self._photo_sizes(message.photo)
            if message.document is not None:
                data["document"] = _document_dict(message.document)
            if message.formatted.text:
                data["caption"] = message.formatted.text
                if entities:
                    data["caption_entities"] = entities
        elif message.kind == "location" and message.location is not None:
            data["location"] = {"latitude": message.location[0], "longitude": message.location[1]}
        if message.markup:
            data["reply_markup"] = {"inline_keyboard": message.markup}
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if not nested and message.reply_to is not None:
            replied = chat.messages.get(message.reply_to)
            if replied is not None:
                data["reply_to_message"] = self._message_dict(replied, nested=True)
        return data

    def _photo_sizes(self, stored: _File) -> list[JsonDict]:
        """Telegram's ladder of sizes: scaled-down copies, then the photo itself."""
        sizes: list[JsonDict] = []
        longest = max(stored.width, stored.height)
        for step, bound in enumerate((90, 320, 800)):
            if longest > bound:
                scale = bound / longest
                alias = f"{stored.file_id}_{step}"
                self._files.setdefault(alias, stored)
                sizes.append(
                    {
                        "file_id": alias,
                        "file_unique_id": f"{stored.unique_id}_{step}",
                        "width": max(1, round(stored.width * scale)),
                        "height": max(1, round(stored.height * scale)),
                    }
                )
        full: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "width": stored.width,
            "height": stored.height,
        }
        if stored.data is not None:
            full["file_size"] = len(stored.data)
        sizes.append(full)
        return sizes

    def _commands_key_from(self, params: _Params) -> tuple[str, str]:
        scope = params.json("scope", "can't parse BotCommandScope JSON object")
        if scope is not None and not isinstance(scope, dict):
            raise _bad("can't parse BotCommandScope JSON object")
        return self._commands_key(scope, params.text("language_code") or "")

    @staticmethod
    def _commands_key(scope: JsonDict | None, language_code: str) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code

    def _push_member_change(self, chat: _Chat, old: str, new: str) -> int:
        person = self._people.get(chat.id)
        sender = person.user if person else {"id": chat.id, "is_bot": False, "first_name": "?"}

        def member(status: str) -> JsonDict:
            entry: JsonDict = {"status": status, "user": self.bot_user}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        return self._push(
            {
                "my_chat_member": {
                    "chat": chat.info,
                    "from": sender,
                    "date": int(self._clock()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def _known_chat_from(self, info: Any) -> _Chat | None:
        if not isinstance(info, dict) or not isinstance(info.get("id"), int):
            return None
        chat = self._chats.get(info["id"])
        if chat is None:
            chat = self._chats[info["id"]] = _Chat(info["id"], dict(info))
        chat.known = True
        return chat

    def _adopt_raw_message(self, message: JsonDict, *, edited: bool) -> None:
        """Keep a pushed message in its chat so replies, edits and deletes can refer to it."""
        chat = self._known_chat_from(message.get("chat"))
        if chat is None:
            return
        if not isinstance(message.get("message_id"), int):
            message["message_id"] = self._next_message_id
        self._next_message_id = max(self._next_message_id, message["message_id"] + 1)
        message.setdefault("date", int(self._clock()))
        raw_text, raw_sender = message.get("text"), message.get("from")
        text: str = raw_text if isinstance(raw_text, str) else ""
        sender: JsonDict = raw_sender if isinstance(raw_sender, dict) else {}
        chat.messages[message["message_id"]] = _Message(
            message_id=message["message_id"],
            chat_id=chat.id,
            from_bot=False,
            sender=sender,
            date=int(message["date"]),
            kind="raw",
            source=text,
            parse_mode=None,
            formatted=FormattedText(text),
            edit_date=int(self._clock()) if edited else None,
            raw=message,
        )
        self._changed()


_UNAUTHORIZED: Final = ApiError(401, "Unauthorized")


def _json_response(status: int, body: JsonDict) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type="application/json",
    )


def _peek_chat_id(values: JsonDict) -> int | None:
    """Return the numeric chat_id of a request, if any (usernames resolve to nothing)."""
    raw = values.get("chat_id")
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            return int(raw.strip())
    return None


def _validate_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise _bad(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _bad(prefix + 'Can\'t find field "text"')
    text = button["text"]
    if not isinstance(text, str):
        raise _bad(prefix + 'Field "text" must be of type String')
    if not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Telegram silently uses the first field it knows; a button that says two things
        # is a bug, so the double refuses it.
        raise _bad(prefix + f"exactly one of the optional fields must be used, got {actions}")
    if actions[0] == "callback_data":
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise _bad("BUTTON_DATA_INVALID")
    elif actions[0] == "url":
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(?i)(https?|tg|ton)://\S+$", url):
            raise _bad("BUTTON_URL_INVALID")


def _entities_from(raw: Any) -> list[Entity]:
    if not isinstance(raw, list):
        raise _bad("can't parse entities: entities must be an Array")
    entities: list[Entity] = []
    for item in raw:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("type"), str)
            or not isinstance(item.get("offset"), int)
            or not isinstance(item.get("length"), int)
        ):
            raise _bad("can't parse entities: MessageEntity must have type, offset and length")
        entities.append(
            Entity(
                item["type"],
                item["offset"],
                item["length"],
                url=item.get("url"),
                language=item.get("language"),
                custom_emoji_id=item.get("custom_emoji_id"),
            )
        )
    return entities


def _document_dict(stored: _File) -> JsonDict:
    data: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
    if stored.name is not None:
        data["file_name"] = stored.name
    if stored.mime is not None:
        data["mime_type"] = stored.mime
    if stored.data is not None:
        data["file_size"] = len(stored.data)
    return data
