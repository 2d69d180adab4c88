"""Summarise a pyinstrument session: where the bot process spends its time, by area and function."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pyinstrument.frame import Frame
from pyinstrument.session import Session

from bench.common import ROOT

OUR_DIRS = tuple(str(ROOT / d) + "/" for d in ("bot", "handlers", "content"))
SANDBOX_DIR = str(ROOT / "bot" / "sandbox") + "/"
IDLE = "waiting for I/O (event loop idle)"
# (area, path fragments); the first area whose fragment is in the frame's file path wins.
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python-telegram-bot", ("/telegram/",)),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("aiosqlite + sqlite3", ("/aiosqlite/", "/sqlite3/")),
    ("asyncpg", ("/asyncpg/",)),
    ("HTTP client (httpx, httpcore, h11, anyio)", ("/httpx/", "/httpcore/", "/h11/", "/anyio/")),
    ("asyncio event loop", ("/asyncio/", "/selectors.py")),
    ("logging", ("/logging/",)),
    ("json", ("/json/",)),
    ("rate limiting (aiolimiter)", ("/aiolimiter/",)),
    ("APScheduler", ("/apscheduler/",)),
    ("pydantic", ("/pydantic",)),
    ("zoneinfo / datetime", ("/zoneinfo/", "/_strptime.py", "/datetime.py")),
    ("html / string", ("/html/", "/string.py", "/re/", "/enum.py")),
)


def area_of(path: str) -> str:
    """Return the area a source file belongs to."""
    if path.startswith(OUR_DIRS) and not path.startswith(SANDBOX_DIR):
        return "our code (bot/, handlers/, content/)"
    for area, fragments in AREAS:
        if any(fragment in path for fragment in fragments):
            return area
    return "other (Python runtime, stdlib)"


# Known costs worth naming: (label, function name, file path fragment); inclusive time.
HOTSPOTS: tuple[tuple[str, str, str], ...] = (
    (
        "httpcore asks `sniffio` for the event loop on every lock "
        "(a failed import before sniffio was a dependency)",
        "current_async_library",
        "httpcore/_synchronization.py",
    ),
    (
        "httpcore checks every pooled connection on every request",
        "_assign_requests_to_connections",
        "httpcore/_async/connection_pool.py",
    ),
    ("PTB turning JSON into Telegram objects (de_json)", "de_json", "/telegram/"),
    ("SQLAlchemy compiling or caching a statement", "_compile_w_cache", "/sqlalchemy/"),
    ("SQLAlchemy ORM flush (INSERT/UPDATE of changed rows)", "flush", "/sqlalchemy/orm/session.py"),
    ("greenlet bridge from async to SQLAlchemy's sync core", "greenlet_spawn", "/sqlalchemy/"),
    ("handing statements to aiosqlite's thread", "_execute", "/aiosqlite/"),
    ("drawing screens (render, keyboards)", "", "/handlers/render.py"),
)


Seconds = defaultdict[str, float]


@dataclass
class _Walk:
    by_area: Seconds = field(default_factory=lambda: defaultdict(float))
    by_function: Seconds = field(default_factory=lambda: defaultdict(float))
    ours_inclusive: Seconds = field(default_factory=lambda: defaultdict(float))
    hotspots: Seconds = field(default_factory=lambda: defaultdict(float))
    idle: float = 0.0
    total: float = 0.0


def _label(frame: Frame) -> str:
    path = frame.file_path or ""
    short = frame.file_path_short
    if path.startswith(str(ROOT)):
        short = path.removeprefix(str(ROOT) + "/")
    return f"{frame.function} ({short}:{frame.line_no})"


def _walk(frame: Frame, owner: str, walk: _Walk, stack: tuple[str, ...]) -> None:
    path = frame.file_path or ""
    # A built-in is charged to the Python code that called it.
    own_path = owner if frame.is_synthetic or path.startswith("<") else path
    children = list(frame.children)
    child_time = sum(child.time for child in children if not child.is_synthetic)
    self_time = frame.time - child_time if not frame.is_synthetic else 0.0
    if not frame.is_synthetic and not children:
        self_time = frame.time
    label = _label(frame)
    if self_time > 0:
        if frame.function.endswith(("select", "poll")) and own_path.endswith("selectors.py"):
            walk.idle += self_time
        else:
            walk.by_area[area_of(own_path)] += self_time
            walk.by_function[label] += self_time
    if path.startswith(OUR_DIRS) and not path.startswith(SANDBOX_DIR) and label not in stack:
        walk.ours_inclusive[label] += frame.time
        stack = (*stack, label)
    for name, function, fragment in HOTSPOTS:
        if fragment in path and (not function or frame.function == function):
            key = f"hotspot:{name}"
            if key not in stack:
                walk.hotspots[name] += frame.time
                stack = (*stack, key)
    for child in children:
        if child.is_synthetic:
            # "[self]" and similar: time of the parent itself, already counted above.
            continue
        _walk(child, own_path, walk, stack)


def summarise(session: Session, top: int = 15) -> dict[str, Any]:
    """Return the profile as figures: busy time by area, top functions, our heaviest calls."""
    root = session.root_frame()
    walk = _Walk()
    if root is not None:
        _walk(root, "", walk, ())
    busy = sum(walk.by_area.values())
    return {
        "duration_s": session.duration,
        "cpu_time_s": session.cpu_time,
        "sampled_busy_s": busy,
        "idle_s": walk.idle,
        "by_area": _ranked(walk.by_area, "area", busy),
        "top_functions": _ranked(walk.by_function, "function", busy, top),
        "hotspots": _ranked(walk.hotspots, "name", busy),
        "our_inclusive": _ranked(walk.ours_inclusive, "function", busy, top),
    }


def _ranked(times: Seconds, key: str, busy: float, top: int | None = None) -> list[dict[str, Any]]:
    """Return the largest times first, each with its share of the busy time."""
    ranked = sorted(times.items(), key=lambda item: item[1], reverse=True)[:top]
    return [
        {key: name, "seconds": seconds, "share": seconds / busy if busy else 0.0}
        for name, seconds in ranked
    ]
