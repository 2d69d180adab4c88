"""A bot process for the benchmarks, configured from the environment like the real one.

    python -m bench.botproc coach [--reminders]
        the real bot: `mobility-coach run`, with `--no-reminders` unless --reminders
    python -m bench.botproc floor
        the floor: the same bot object (Defaults, rate limiter, HTTP client) and update
        processor, with two bare handlers and no database
    python -m bench.botproc floor_db
        the floor plus the least a bot that keeps what people do must add: every update
        commits one row in one transaction, through the bot's own engine and session setup
        (SQLAlchemy async, aiosqlite or asyncpg), and nothing else
    python -m bench.botproc jobs --jobs N
        the real bot without the sweep, plus one APScheduler job per person (run_daily), as
        PTB's timerbot example schedules its timers

Options: --unlimited lifts the rate limiter's overall 30/s cap (everything else stays), to
measure capacity rather than the cap. SIGUSR1 starts the measured phase and SIGUSR2 ends it:
--profile PATH profiles that phase with pyinstrument, --stats PATH writes the SQL statements
and commits counted in it. --handled PATH appends a line for every update the bot handled
(update id, chat id, when its handler began and ended), as it goes. --processor FILE runs the
bot with the update processor module in FILE instead of bot/update_processor.py (to measure an
earlier version without touching the tree). SIGTERM stops the bot cleanly, as in production.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable
from datetime import time as clock_time
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

FLOOR_DONE = "✅ Done"


def _unlimited_rate_limiter() -> None:
    """Keep AIORateLimiter (retries, group limits) but without the overall per-second cap."""
    original = AIORateLimiter.__init__

    def init(self: AIORateLimiter, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._base_limiter = None

    AIORateLimiter.__init__ = init  # type: ignore[method-assign]


def _load_processor(path: Path) -> None:
    """Make `bot.update_processor` the module in `path`, before anything imports the real one."""
    import bot

    spec = importlib.util.spec_from_file_location("bot.update_processor", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load an update processor from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bot.update_processor"] = module
    spec.loader.exec_module(module)
    bot.update_processor = module


def _record_handled(path: Path) -> None:
    """Append `update_id chat_id began ended` (Unix times) for every update, once handled.

    The times are taken around the handlers alone, inside the processor's chat turn and slot,
    so within a chat the lines' order of beginnings is the order the updates were handled in.
    """
    from bot.update_processor import PerChatUpdateProcessor

    out = path.open("a", buffering=1)  # line-buffered: a reader sees each line at once
    original = PerChatUpdateProcessor.do_process_update

    async def do_process_update(
        self: PerChatUpdateProcessor, update: object, coroutine: Awaitable[object]
    ) -> None:
        async def timed() -> None:
            began = time.time()
            try:
                await coroutine
            finally:
                chat = update.effective_chat if isinstance(update, Update) else None
                update_id = update.update_id if isinstance(update, Update) else 0
                chat_id = chat.id if chat is not None else 0
                out.write(f"{update_id} {chat_id} {began:.6f} {time.time():.6f}\n")

        await original(self, update, timed())

    PerChatUpdateProcessor.do_process_update = do_process_update  # type: ignore[method-assign]


class Marks:
    """The measured phase between SIGUSR1 and SIGUSR2: SQL counts and an optional profile."""

    def __init__(self, profile: Path | None, stats: Path | None) -> None:
        self.profile_path = profile
        self.stats_path = stats
        self.statements: Counter[str] = Counter()
        # Each statement's text (shortened), to see which statements a press costs.
        self.texts: Counter[str] = Counter()
        self.commits = 0
        self.active = False
        self.profiler: Any = None
        self.session: Any = None
        self.summary: dict[str, Any] | None = None
        self.threads_before: dict[int, float] = {}
        self.thread_cpu: defaultdict[str, float] = defaultdict(float)
        if stats is not None:
            event.listen(Engine, "before_cursor_execute", self._on_statement)
            event.listen(Engine, "commit", self._on_commit)
        signal.signal(signal.SIGUSR1, self._start)
        signal.signal(signal.SIGUSR2, self._stop)

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.active:
            self.statements[statement.lstrip().split(None, 1)[0].upper()] += 1
            self.texts[" ".join(statement.split())[:160]] += 1

    def _on_commit(self, _conn: Any) -> None:
        if self.active:
            self.commits += 1

    def _start(self, _signum: int, _frame: FrameType | None) -> None:
        self.active = True
        self.threads_before = _thread_cpu()
        if self.profile_path is not None:
            from pyinstrument import Profiler

            # Every 4 ms on the coarse wall clock: cheap enough not to change what is measured
            # (a CPU-time timer would be read on every call and slow the bot down severalfold).
            self.profiler = Profiler(interval=0.004, async_mode="disabled")
            self.profiler.start()

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.active = False
        after = _thread_cpu()
        main_id = threading.get_native_id()
        for tid, seconds in after.items():
            name = "main" if tid == main_id else "other threads (aiosqlite, resolver, ...)"
            self.thread_cpu[name] += seconds - self.threads_before.get(tid, 0.0)
        if self.profiler is not None:
            # Only stop here; the report is written at exit, so a SIGTERM is not held up.
            self.session = self.profiler.stop()
            self.profiler = None

    @staticmethod
    def profiler_html(session: Any) -> str:
        from pyinstrument.renderers import HTMLRenderer

        return str(HTMLRenderer().render(session))

    def write(self) -> None:
        """Write what was counted and the profile (at exit)."""
        if self.session is not None and self.profile_path is not None:
            from bench.profiling import summarise

            self.profile_path.write_text(self.profiler_html(self.session))
            self.session.save(str(self.profile_path.with_suffix(".pyisession")))
            self.summary = summarise(self.session)
        if self.stats_path is None:
            return
        data = {
            "statements": dict(self.statements),
            "total_statements": sum(self.statements.values()),
            "commits": self.commits,
            "statement_texts": dict(self.texts.most_common()),
            "thread_cpu_s": dict(self.thread_cpu),
            "profile": self.summary,
        }
        self.stats_path.write_text(json.dumps(data, indent=2))


def _thread_cpu() -> dict[int, float]:
    """Return the CPU seconds of each thread of this process (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    result: dict[int, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return result


def _keyboard(step: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"{FLOOR_DONE} {step}", callback_data=f"floor:{step}")]]
    )


async def _floor_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message("Step <b>0</b>", reply_markup=_keyboard(0))


async def _floor_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    step = int(query.data.split(":", 1)[1]) + 1
    await query.answer(f"Done {step}")
    await query.edit_message_text(f"Step <b>{step}</b>", reply_markup=_keyboard(step))


def floor_application(
    settings: Any, *, with_db: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Return the floor bot: the real bot object and update processor, bare handlers.

    with_db: each update also commits one row (its update id) before the handler replies.
    """
    from bot.app import build_application

    real = build_application(settings, reminders=False)
    floor = ApplicationBuilder().bot(real.bot).concurrent_updates(real.update_processor).build()
    if with_db:
        _add_one_write(floor, settings.database_url)
    floor.add_handler(CommandHandler("routine", _floor_command))
    floor.add_handler(CallbackQueryHandler(_floor_button))
    return floor


async def commit_one_row(sessions: Any, update_id: int) -> None:
    """floor_db's write: one row (the update's id) committed in one transaction."""
    from datetime import UTC, datetime

    from bot.db.models import ProcessedUpdate

    async with sessions.begin() as session:
        session.add(ProcessedUpdate(update_id=update_id, handled_at=datetime.now(UTC)))


def _add_one_write(app: Any, database_url: str) -> None:
    """Commit one row per update (group -1 runs before the bare handlers)."""
    from telegram.ext import TypeHandler

    from bot.db import migrate
    from bot.db.engine import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)

    async def write(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await commit_one_row(sessions, update.update_id)

    async def post_init(_app: Any) -> None:
        await migrate.upgrade(engine)

    async def post_shutdown(_app: Any) -> None:
        await engine.dispose()

    app.post_init = post_init
    app.post_shutdown = post_shutdown
    app.add_handler(TypeHandler(Update, write), group=-1)


def _add_person_jobs(app: Any, count: int) -> None:
    """One daily job per person, as PTB's timerbot example schedules its timers."""

    async def remind(context: Any) -> None:  # pragma: no cover - never due during the run
        await context.bot.send_message(context.job.chat_id, "⏰ Time for your hips")

    assert app.job_queue is not None
    original = app.post_init

    async def post_init(application: Any) -> None:
        if original is not None:
            await original(application)
        for index in range(count):
            user_id = 10_000_000 + index
            application.job_queue.run_daily(
                remind,
                time=clock_time(9, 0),
                days=(0, 1, 2, 3, 4),
                chat_id=user_id,
                user_id=user_id,
                name=str(user_id),
                data={"routine": "desk"},
            )

    app.post_init = post_init


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.botproc")
    parser.add_argument("mode", choices=["coach", "floor", "floor_db", "jobs"])
    parser.add_argument("--reminders", action="store_true", help="run the reminder sweep")
    parser.add_argument("--unlimited", action="store_true", help="lift the overall 30/s cap")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--stats", type=Path)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--handled", type=Path)
    parser.add_argument("--processor", type=Path)
    args = parser.parse_args(argv)
    if args.processor is not None:
        _load_processor(args.processor)
    if args.handled is not None:
        _record_handled(args.handled)
    if args.unlimited:
        _unlimited_rate_limiter()
    marks = Marks(args.profile, args.stats)
    try:
        if args.mode == "coach":
            from bot.__main__ import main as bot_main

            return bot_main(["run"] if args.reminders else ["run", "--no-reminders"])
        from bot.app import build_application
        from bot.config import load_settings
        from bot.logs import configure_logging

        settings = load_settings()
        token = settings.telegram_bot_token
        configure_logging(settings.log_level, [token.get_secret_value()] if token else [])
        if args.mode in ("floor", "floor_db"):
            app: Any = floor_application(settings, with_db=args.mode == "floor_db")
        else:
            app = build_application(settings, reminders=False)
            _add_person_jobs(app, args.jobs)
        app.run_polling(allowed_updates=Update.ALL_TYPES)
        return 0
    finally:
        marks.write()


if __name__ == "__main__":
    sys.exit(main())
