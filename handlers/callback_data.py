"""Callback data: short, versioned, packed and parsed only here.

Layout: ``1:<kind>[:<field>...]``; numbers in base 36 to stay far below Telegram's 64 bytes.
Bump VERSION when the layout changes; buttons of an old layout then get a polite answer.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
_ROUTINE_ID = re.compile(r"^[a-z][a-z0-9_]{1,15}$")
_BASE36 = re.compile(r"^(0|[1-9a-z][0-9a-z]{0,11})$")


class CallbackDataError(ValueError):
    """The data is not something this version of the bot packed."""


class Press(enum.StrEnum):
    """What a button on a run's message asks for."""

    DONE = "d"
    LOG = "l"  # with a count
    COUNTS = "p"  # show the count picker
    BACK = "b"  # leave the count picker
    EASIER = "e"
    HARDER = "h"
    SKIP = "s"
    STOP = "x"


@dataclass(frozen=True)
class StartRoutine:
    """Open a run of a routine."""

    routine_id: str


@dataclass(frozen=True)
class ContinueRun:
    """Show the person's run in progress again."""

    run_id: int


@dataclass(frozen=True)
class ShowPicker:
    """Show the routine picker."""


@dataclass(frozen=True)
class ShowAbout:
    """Show what the movement is and who needs it."""


@dataclass(frozen=True)
class RunButton:
    """A press on a run's message, tied to the run's version when it was drawn."""

    run_id: int
    version: int
    press: Press
    count: int | None = None


CallbackData = StartRoutine | ContinueRun | ShowPicker | ShowAbout | RunButton


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("negative numbers are not packed")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _int(text: str) -> int:
    if not _BASE36.match(text):
        raise CallbackDataError(f"not a number: {text!r}")
    return int(text, 36)


def pack(data: CallbackData) -> str:
    """Return the string to put in a button."""
    match data:
        case StartRoutine(routine_id):
            fields = ["go", routine_id]
        case ContinueRun(run_id):
            fields = ["c", _b36(run_id)]
        case ShowPicker():
            fields = ["pk"]
        case ShowAbout():
            fields = ["ab"]
        case RunButton(run_id, version, press, count):
            fields = [press.value, _b36(run_id), _b36(version)]
            if count is not None:
                fields.append(_b36(count))
    packed = ":".join([VERSION, *fields])
    if len(packed.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {packed!r}")
    return packed


def parse(raw: str | None) -> CallbackData:
    """Return the data a button carries; raise CallbackDataError for anything else."""
    if not raw or len(raw.encode()) > MAX_BYTES:
        raise CallbackDataError("empty or too long")
    version, _, rest = raw.partition(":")
    if version != VERSION:
        raise CallbackDataError(f"layout version {version!r}")
    kind, *fields = rest.split(":")
    if kind == "go" and len(fields) == 1 and _ROUTINE_ID.match(fields[0]):
        return StartRoutine(fields[0])
    if kind == "c" and len(fields) == 1:
        return ContinueRun(_int(fields[0]))
    if kind == "pk" and not fields:
        return ShowPicker()
    if kind == "ab" and not fields:
        return ShowAbout()
    try:
        press = Press(kind)
    except ValueError:
        raise CallbackDataError(f"unknown kind {kind!r}") from None
    wants_count = press is Press.LOG
    if len(fields) != (3 if wants_count else 2):
        raise CallbackDataError(f"wrong number of fields for {kind!r}")
    count = _int(fields[2]) if wants_count else None
    return RunButton(_int(fields[0]), _int(fields[1]), press, count)
