"""Shared pieces of the benchmarks: databases, child bot processes, figures and tables."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.sandbox.double import BotApiDouble, Person

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# A token of the shape BotFather gives, so the bot's own settings validation accepts it.
TOKEN = "424242:" + "A" * 35
PG_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
)
# BENCH_QUICK=1 shrinks every workload (for trying the programs out; figures are not kept).
QUICK = os.environ.get("BENCH_QUICK") == "1"
# Environment variables the bot reads; a child bot gets only the ones a benchmark sets.
SETTINGS_NAMES = frozenset(name.upper() for name in Settings.model_fields)

logger = logging.getLogger("bench")


def setup_logging() -> None:
    """Warnings only: the benchmark's own output is its tables."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def say(text: str) -> None:
    """Print a progress line at once (make shows it while the benchmark runs)."""
    print(text, flush=True)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """Return the median (NaN for no values)."""
    return percentile(values, 50)


def ratio(value: float, floor: float) -> float:
    """Return value / floor, NaN when the floor is zero or missing."""
    if not floor or math.isnan(floor) or math.isnan(value):
        return math.nan
    return value / floor


def cpu_per_update(result: dict[str, Any]) -> float:
    """Return the CPU a press figure counts: the bot's, and on PostgreSQL the server's for it."""
    return float(result["bot_cpu_ms_per_update"] + result["pg_cpu_ms_per_update"])


def paired_ratio(base: dict[str, Any], other: dict[str, Any], figure: str) -> float:
    """Return other/base for a figure of the rounds ("cpu_ms_per_update", "p99_ms", ...).

    Each round measured the two bots back to back, so a round's ratio is free of the machine's
    drift between rounds (a third within minutes here): the median of the rounds' ratios.
    """
    pairs = zip(base["rounds"], other["rounds"], strict=True)
    return median([ratio(o[figure], b[figure]) for b, o in pairs])


def counterpart(
    results: list[dict[str, Any]], app: str, base: dict[str, Any]
) -> dict[str, Any] | None:
    """Return the result of another bot on the same database and regime as `base`, if any."""
    return next(
        (
            r
            for r in results
            if r["app"] == app and r["kind"] == base["kind"] and r["regime"] == base["regime"]
        ),
        None,
    )


def fmt(value: object, digits: int = 2) -> str:
    """Format a figure for a table."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def save(name: str, data: dict[str, Any]) -> Path:
    """Write a benchmark's figures to bench/out/<name>.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


async def publish(name: str, text: str, started: float, **figures: Any) -> Path:
    """Print a benchmark's table and save it with its figures, the machine and its duration."""
    print(text, flush=True)
    return save(
        name,
        {
            "machine": await machine_info(),
            **figures,
            "table": text,
            "seconds": time.time() - started,
        },
    )


def load(name: str) -> dict[str, Any] | None:
    """Read a benchmark's figures, or None when it did not run."""
    path = OUT / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# --------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo (Linux), or the platform's answer."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


async def pg_version() -> str | None:
    """Return the PostgreSQL server version, or None when no server answers."""
    try:
        connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def machine_info() -> dict[str, Any]:
    """Describe the machine and the software versions of this run."""
    import sqlalchemy
    import telegram

    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": await pg_version(),
        "python-telegram-bot": telegram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "loadavg": os.getloadavg(),
    }


# --------------------------------------------------------------------------------------
# Databases: a fresh one per measurement, dropped afterwards
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """A database made for one measurement."""

    kind: str  # "sqlite" or "postgresql"
    url: str  # the async SQLAlchemy URL the bot takes as DATABASE_URL
    name: str
    path: Path | None = None  # the SQLite file

    @property
    def dsn(self) -> str:
        """Return the plain libpq/asyncpg DSN (PostgreSQL only)."""
        base, _, _ = PG_ADMIN_URL.rpartition("/")
        return f"{base}/{self.name}"


async def pg_admin(sql: str) -> None:
    """Run one statement on the administrative database."""
    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def database(kind: str, workdir: Path, *, migrated: bool = False) -> AsyncIterator[Database]:
    """Yield a new empty database of this kind (migrated if asked), and drop it afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    if kind == "sqlite":
        path = workdir / f"{name}.db"
        db = Database(kind, f"sqlite+aiosqlite:///{path}", name, path)
    elif kind == "postgresql":
        await pg_admin(f'CREATE DATABASE "{name}"')
        base, _, _ = PG_ADMIN_URL.rpartition("/")
        url = "postgresql+asyncpg://" + f"{base}/{name}".removeprefix("postgresql://")
        db = Database(kind, url, name)
    else:
        raise ValueError(f"unknown database kind {kind!r}")
    try:
        if migrated:
            await migrate_db(db.url)
        yield db
    finally:
        if kind == "postgresql":
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif db.path is not None:
            _remove_sqlite(db.path)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def migrate_db(url: str) -> None:
    """Bring a database to the newest schema, as the bot does at start."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def database_kinds() -> list[str]:
    """Return the kinds to measure: SQLite always, PostgreSQL when a server answers."""
    if await pg_version() is None:
        say(f"PostgreSQL not reachable at {PG_ADMIN_URL}: its figures are skipped")
        return ["sqlite"]
    return ["sqlite", "postgresql"]


async def pg_backend_pids(database_name: str) -> list[int]:
    """Return the server processes serving a database (to add their CPU time)."""
    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database_name
        )
    finally:
        await connection.close()
    return [int(row["pid"]) for row in rows]


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds of a process (all its threads), from /proc; 0 if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()
    # After the command name: state, ppid, ... utime is the 14th field overall, stime the 15th.
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def cpu_of(pids: Iterable[int]) -> dict[int, float]:
    """Return the CPU seconds of each process."""
    return {pid: proc_cpu_seconds(pid) for pid in pids}


# Every bot of a run is given this MEDIA_DIR, with every exercise picture rendered in it before
# the first bot starts: a bot that found none would render them all in its background thread
# while it is being measured (a run without this did, and its figures were off).
MEDIA_DIR = OUT / "media"


def ready_media() -> Path:
    """Render every picture the bots can show into MEDIA_DIR (once; later calls find them)."""
    from bot.media.catalog import MediaCatalog, render_missing
    from content import library

    render_missing(MediaCatalog(library(), MEDIA_DIR), workers=os.cpu_count() or 1)
    return MEDIA_DIR


def child_env(db_url: str, double: BotApiDouble, **settings: str) -> dict[str, str]:
    """Return the environment of a child bot: ours only, pointed at the double and database."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS_NAMES}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=double.base_url,
        TELEGRAM_BASE_FILE_URL=double.base_file_url,
        DATABASE_URL=db_url,
        MEDIA_DIR=str(ready_media()),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.update(settings)
    return env


@dataclass
class Exit:
    """How a child ended: exit code, peak RSS and CPU time (from wait4)."""

    code: int
    max_rss_kib: int
    cpu_seconds: float


@dataclass
class Child:
    """A child process (a bot), with a log file, stopped by SIGTERM like a service."""

    args: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    exit: Exit | None = None
    _log_file: Any = field(default=None, repr=False)

    def start(self) -> None:
        """Start the child with its output going to the log file."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, *self.args],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        """Return the child's process id."""
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        """Return whether the child is still running (without reaping it)."""
        return self.exit is None and Path(f"/proc/{self.pid}").exists() and not self._zombie()

    def _zombie(self) -> bool:
        try:
            raw = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return True
        return raw.rsplit(")", 1)[1].split()[0] == "Z"

    def cpu_seconds(self) -> float:
        """Return the CPU seconds the child used so far."""
        return proc_cpu_seconds(self.pid)

    def signal(self, signum: int) -> None:
        """Send a signal to the child."""
        assert self.process is not None
        self.process.send_signal(signum)

    async def stop(self, timeout: float = 30.0) -> Exit:  # noqa: ASYNC109
        """SIGTERM the child and wait for it (SIGKILL after the timeout); return how it ended."""
        if self.exit is not None:
            return self.exit
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        waiter = asyncio.ensure_future(asyncio.to_thread(os.wait4, self.pid, 0))
        try:
            _, status, usage = await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            logger.warning("child %s did not stop in %s s; killed", self.args, timeout)
            self.process.kill()
            _, status, usage = await waiter
        code = os.waitstatus_to_exitcode(status)
        self.process.returncode = code
        if self._log_file is not None:
            self._log_file.close()
        self.exit = Exit(code, int(usage.ru_maxrss), usage.ru_utime + usage.ru_stime)
        return self.exit

    def tail(self, lines: int = 20) -> str:
        """Return the end of the child's log (for error messages)."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


async def poll_until(
    predicate: Callable[[], bool],
    *,
    timeout: float,  # noqa: ASYNC109
    what: str,
    interval: float = 0.02,
    child: Child | None = None,
) -> None:
    """Wait until predicate() holds, checking every `interval` s; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if child is not None and not child.alive():
            raise RuntimeError(f"the bot process stopped while waiting for {what}:\n{child.tail()}")
        if time.monotonic() > deadline:
            tail = f"\n{child.tail()}" if child is not None else ""
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}{tail}")
        await asyncio.sleep(interval)


async def wait_polling(double: BotApiDouble, child: Child, timeout: float = 120) -> None:  # noqa: ASYNC109
    """Wait until the child bot is up and polling the double for updates."""
    await poll_until(
        lambda: double.count("getUpdates") > 0,
        timeout=timeout,
        what="the bot to start polling",
        interval=0.05,
        child=child,
    )


def open_chat(double: BotApiDouble, user_id: int, first_name: str) -> Person:
    """Return a person whose chat the bot may write to, without sending the bot an update."""
    known_user = getattr(double, "known_user", None)
    if known_user is not None:
        person: Person = known_user(user_id, first_name)
        return person
    person = double.user(user_id, first_name)
    double._chat_of(person)  # older doubles: what known_user() does
    return person
