"""Run every benchmark (each in its own process) and write bench/RESULTS.md.

python -m bench                      all of them, as `make bench` does
python -m bench schedule_scale ...   only those named
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench.common import OUT, ROOT, machine_info, ready_media, say
from bench.report import write_results

# In running order, each with a time limit (seconds); together they take about 50 minutes.
BENCHMARKS: tuple[tuple[str, int], ...] = (
    ("schedule_scale", 240),
    ("memory", 240),
    ("button_cost", 1500),
    ("profile_buttons", 240),
    ("reminder_fanout", 2400),
    ("fairness", 420),
    ("media_cost", 480),
    ("team_fanout", 600),
)


def main(argv: list[str]) -> int:
    chosen = [name for name, _ in BENCHMARKS if not argv or name in argv]
    unknown = set(argv) - {name for name, _ in BENCHMARKS}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        (OUT / f"{name}.json").unlink(missing_ok=True)  # figures of this run only
    machine = asyncio.run(machine_info())
    say(f"rendering the exercise pictures into {ready_media()} (before any bot starts)")
    started = time.time()
    timings: dict[str, float] = {}
    failed: list[str] = []
    path_entries = filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path_entries)}
    for name, limit in BENCHMARKS:
        if name not in chosen:
            continue
        say(f"\n=== {name} ===")
        begun = time.time()
        try:
            result = subprocess.run(
                [sys.executable, "-m", f"bench.{name}"], cwd=ROOT, env=env, timeout=limit
            )
            if result.returncode != 0:
                failed.append(f"{name} (exit {result.returncode})")
        except subprocess.TimeoutExpired:
            failed.append(f"{name} (stopped after {limit} s)")
        timings[name] = time.time() - begun
        say(f"=== {name}: {timings[name]:.0f} s ===")
    total = time.time() - started
    machine["loadavg_end"] = os.getloadavg()
    path = write_results(
        command="make bench" if not argv else "python -m bench " + " ".join(argv),
        machine=machine,
        started=datetime.fromtimestamp(started, UTC),
        total_seconds=total,
        timings=timings,
        failed=failed,
    )
    say(f"\nall benchmarks: {total / 60:.1f} min; results in {path.relative_to(ROOT)}")
    if failed:
        say("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
