"""Fault injection (explicit rules and seeded random faults) and Telegram's flood limits."""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final, Literal

from bot.sandbox.double.records import BLOCKED, ApiError

FaultKind = Literal["error", "timeout", "drop"]

RANDOM_FAULT_METHODS: Final = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendanimation",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "editmessagemedia",
        "deletemessage",
        "answercallbackquery",
        "sendchataction",
    }
)
# Telegram counts edits, not only new messages, against a group's per-minute budget.
GROUP_EDIT_METHODS: Final = frozenset(
    {"editmessagetext", "editmessagereplymarkup", "editmessagecaption", "editmessagemedia"}
)
# Calls that put a message in a chat or change one: what a chat's ``writes`` record.
MESSAGE_WRITE_METHODS: Final = GROUP_EDIT_METHODS | {
    "sendmessage",
    "sendphoto",
    "senddocument",
    "sendanimation",
}


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
class RandomFaults:
    """Settings of random_faults(): which calls fail, how often and how."""

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
        self.random: RandomFaults | None = None

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
class RateWindow:
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


def per_second_window(rate: float) -> RateWindow:
    """Make a window for ``rate`` events per second (below 1/s: one per 1/rate seconds)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    if rate >= 1:
        return RateWindow(int(rate), 1.0)
    return RateWindow(1, 1.0 / rate)


@dataclass(slots=True)
class FloodLimits:
    """Telegram's flood limits: overall and per chat per second, per group per minute."""

    per_chat_per_second: float
    per_group_per_minute: int
    methods: frozenset[str]
    overall: RateWindow
    chats: dict[int, RateWindow] = field(default_factory=dict)
    groups: dict[int, RateWindow] = field(default_factory=dict)
    # Paid broadcasts (allow_paid_broadcast): their own window instead of the overall one.
    paid: RateWindow = field(default_factory=lambda: RateWindow(1000, 1.0))

    @classmethod
    def build(
        cls,
        per_second: float,
        per_chat_per_second: float,
        per_group_per_minute: int,
        methods: frozenset[str],
        paid_per_second: float = 1000,
    ) -> FloodLimits:
        """Check the rates now (not on the first send) and make empty windows."""
        per_second_window(per_chat_per_second)
        if per_group_per_minute < 1:
            raise ValueError("per_group_per_minute must be at least 1")
        return cls(
            per_chat_per_second,
            per_group_per_minute,
            methods,
            per_second_window(per_second),
            paid=per_second_window(paid_per_second),
        )

    def admit(
        self, method: str, chat_id: int | None, *, group: bool, now: float, paid: bool = False
    ) -> int | None:
        """Count one call, or return the retry_after that refuses it (nothing is counted).

        A paid broadcast is counted against the paid window (Telegram's 1,000 a second)
        instead of the overall one; the chat's own limits still apply.
        """
        windows: list[RateWindow] = []
        if method in self.methods:
            windows.append(self.paid if paid else self.overall)
            if chat_id is not None:
                per_chat = self.chats.get(chat_id)
                if per_chat is None:
                    per_chat = self.chats[chat_id] = per_second_window(self.per_chat_per_second)
                windows.append(per_chat)
        if (
            group
            and chat_id is not None
            and (method in self.methods or method in GROUP_EDIT_METHODS)
        ):
            per_group = self.groups.get(chat_id)
            if per_group is None:
                per_group = self.groups[chat_id] = RateWindow(self.per_group_per_minute, 60.0)
            windows.append(per_group)
        waits = [wait for wait in (window.retry_after(now) for window in windows) if wait]
        if waits:
            return max(waits)
        for window in windows:
            window.stamps.append(now)
        return None
