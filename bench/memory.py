"""Benchmark 4, memory: peak RSS of the bot process with 100 and with 1M people scheduled.

Each measurement is a child process running the real bot (`python -m bot run`: long polling
and the reminder sweep every 2 s) on a SQLite database loaded with the people (a batch of
them due, so the sweep sends real reminders), stopped with SIGTERM after a few seconds; its
peak RSS is ru_maxrss from wait4(). Beside it, the per-person job approach: the same bot
without the sweep plus one APScheduler job per person (JobQueue.run_daily, as PTB's timerbot
example schedules timers), at 100k people.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    QUICK,
    TOKEN,
    Child,
    child_env,
    database,
    open_chat,
    poll_until,
    publish,
    ratio,
    say,
    setup_logging,
    table,
    wait_polling,
)
from bench.people import Crowd, load, midday_zone
from bot.sandbox.double import BotApiDouble

RUN_SECONDS = 6.0
DUE = 40  # one sweep's batch, so the sweep has real work
FIRST_ID = 20_000_000
# (approach, people); the ratio compares the first two.
CASES: tuple[tuple[str, int], ...] = (
    ("database schedule (ours)", 100),
    ("database schedule (ours)", 100_000 if QUICK else 1_000_000),
    ("database schedule (ours)", 10_000 if QUICK else 100_000),
    ("one APScheduler job per person", 10_000 if QUICK else 100_000),
)


async def measure(approach: str, people: int, workdir: Path) -> dict[str, Any]:
    """Run one bot process over `people` scheduled; return its peak RSS and timings."""
    ours = approach.endswith("(ours)")
    due = min(DUE, people)
    now = datetime.now(UTC)
    crowd = Crowd(count=people, due=due, now=now, first_id=FIRST_ID, zone=midday_zone(now))
    async with database("sqlite", workdir, migrated=True) as db:
        started = time.perf_counter()
        await load(db, crowd)
        load_s = time.perf_counter() - started
        async with BotApiDouble(token=TOKEN) as double:
            for chat_id in crowd.due_ids():
                open_chat(double, chat_id, f"P{chat_id}")
            command = ["-m", "bot", "run"] if ours else ["-m", "bench.botproc", "jobs"]
            if not ours:
                command += ["--jobs", str(people)]
            tag = "ours" if ours else "jobs"
            usage_path = workdir / f"usage-{tag}-{people}.json"
            # Started from a small launcher, so that ru_maxrss is the bot's own.
            args = ["-m", "bench.launch", str(usage_path), sys.executable, *command]
            child = Child(
                args,
                child_env(db.url, double, DEFAULT_TIMEZONE="UTC", LOG_LEVEL="INFO"),
                OUT / "logs" / f"memory-{tag}-{people}.log",
                workdir,
            )
            spawned = time.perf_counter()
            child.start()
            try:
                await wait_polling(double, child, timeout=300)
                ready_s = time.perf_counter() - spawned
                if ours:
                    await poll_until(
                        lambda: double.count("sendMessage") >= due,
                        timeout=60,
                        what="the due reminders",
                        child=child,
                    )
                await asyncio.sleep(RUN_SECONDS)
            finally:
                ended = await child.stop(timeout=60)
            reminders = double.count("sendMessage")
        if ended.code != 0 or not usage_path.exists():
            raise RuntimeError(f"the bot exited with {ended.code}:\n{child.tail()}")
        usage = json.loads(usage_path.read_text())
    return {
        "approach": approach,
        "people": people,
        "peak_rss_mib": usage["max_rss_kib"] / 1024,
        "launcher_peak_rss_mib": ended.max_rss_kib / 1024,
        "cpu_s": usage["cpu_seconds"],
        "ready_s": ready_s,
        "load_s": load_s,
        "reminders_sent": reminders,
    }


def render(results: list[dict[str, Any]]) -> str:
    """Return the table and the ratios."""
    text = table(
        ["approach", "people scheduled", "peak RSS MiB", "start to polling s", "reminders sent"],
        [
            (
                r["approach"],
                r["people"],
                r["peak_rss_mib"],
                r["ready_s"],
                r["reminders_sent"],
            )
            for r in results
        ],
    )
    small, large = results[0], results[1]
    value = ratio(large["peak_rss_mib"], small["peak_rss_mib"])
    lines = [
        f"- ours, {large['people']:,} / {small['people']:,} people: peak RSS ratio "
        f"**{value:.3f}** (goal at most 1.1: {'met' if value <= 1.1 else 'not met'})"
    ]
    same = next((r for r in results[2:] if r["approach"].endswith("(ours)")), None)
    jobs = next((r for r in results if not r["approach"].endswith("(ours)")), None)
    if same is not None and jobs is not None and same["people"] == jobs["people"]:
        extra = jobs["peak_rss_mib"] - same["peak_rss_mib"]
        lines.append(
            f"- one job per person, {jobs['people']:,} people: "
            f"{ratio(jobs['peak_rss_mib'], same['peak_rss_mib']):.2f}x ours at the same size, "
            f"+{extra:.0f} MiB, about {extra * 1024 * 1024 / jobs['people']:,.0f} bytes per "
            f"person (so about {extra * 1_000_000 / jobs['people'] / 1024:.1f} GiB more at 1M); "
            f"and {jobs['ready_s']:.1f} s from start to polling, against {same['ready_s']:.1f} s"
        )
    return text + "\n\n" + "\n".join(lines)


async def main() -> None:
    setup_logging()
    started = time.time()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for approach, people in CASES:
            say(f"memory: {approach}, {people:,} people ...")
            result = await measure(approach, people, Path(tmp))
            say(f"  peak RSS {result['peak_rss_mib']:.1f} MiB")
            results.append(result)
    text = render(results)
    await publish("memory", text, started, run_seconds=RUN_SECONDS, results=results)


if __name__ == "__main__":
    asyncio.run(main())
