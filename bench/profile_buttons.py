"""Benchmark 5, profile: pyinstrument on the bot process while 50 people tap through routines.

The same load as the saturated regime of the button benchmark, once for the floor and once for
the coach on SQLite (the default database), each profiled from the first to the last tap. The
main thread is sampled every millisecond: the handlers, PTB, SQLAlchemy, httpx and the event
loop. SQLite's own C work runs in aiosqlite's thread and shows up as the main thread waiting.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.button_cost import Regime, measure
from bench.common import OUT, QUICK, fmt, publish, say, setup_logging, table

PROFILE_PEOPLE = 20
REGIME = Regime("profiled", None, unlimited=True, routines=1 if QUICK else 2)


def render(profiles: dict[str, dict[str, Any]]) -> str:
    """Return the profile tables: busy time by area (floor and coach), top functions, ours."""
    parts: list[str] = []
    per_update = {
        app: {a["area"]: 1000 * a["seconds"] / p["updates"] for a in p["profile"]["by_area"]}
        for app, p in profiles.items()
    }
    areas = sorted(
        {area for shares in per_update.values() for area in shares},
        key=lambda area: -per_update.get("coach", {}).get(area, 0.0),
    )
    rows = []
    for area in areas:
        floor_ms = per_update.get("floor", {}).get(area, 0.0)
        coach_ms = per_update.get("coach", {}).get(area, 0.0)
        rows.append((area, floor_ms, coach_ms, coach_ms - floor_ms))
    totals = {app: sum(shares.values()) for app, shares in per_update.items()}
    rows.append(
        (
            "**total sampled (main thread, busy)**",
            totals.get("floor", 0.0),
            totals.get("coach", 0.0),
            totals.get("coach", 0.0) - totals.get("floor", 0.0),
        )
    )
    parts.append(
        table(["area", "floor ms/update", "coach ms/update", "coach - floor ms/update"], rows)
    )
    names = list(
        dict.fromkeys(h["name"] for p in profiles.values() for h in p["profile"]["hotspots"])
    )
    if names:

        def hotspot(app: str, name: str) -> str:
            found = profiles.get(app)
            if found is None:
                return ""
            for entry in found["profile"]["hotspots"]:
                if entry["name"] == name:
                    ms = 1000 * entry["seconds"] / found["updates"]
                    return f"{ms:.2f} ({100 * entry['share']:.1f}%)"
            return "0"

        parts.append(
            "Named costs, inclusive (ms/update and share of the busy main thread):\n\n"
            + table(
                ["cost", "floor", "coach"],
                [(name, hotspot("floor", name), hotspot("coach", name)) for name in names],
            )
        )
    coach = profiles.get("coach")
    if coach is not None:
        updates = coach["updates"]
        parts.append(
            "Top functions of the coach by own time (main thread):\n\n"
            + table(
                ["function", "ms/update", "share of busy"],
                [
                    (f["function"], 1000 * f["seconds"] / updates, f"{100 * f['share']:.1f}%")
                    for f in coach["profile"]["top_functions"]
                ],
            )
        )
        parts.append(
            "Our code, inclusive time (the function and what it calls, on the main thread):\n\n"
            + table(
                ["function", "ms/update", "share of busy"],
                [
                    (f["function"], 1000 * f["seconds"] / updates, f"{100 * f['share']:.1f}%")
                    for f in coach["profile"]["our_inclusive"]
                ],
            )
        )
    return "\n\n".join(parts)


async def main() -> None:
    setup_logging()
    started = time.time()
    profiles: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        for app in ("floor", "coach"):
            path = OUT / f"profile-{app}.html"
            say(f"profile: sqlite, {app} ...")
            result = await measure(
                "sqlite", REGIME, app, Path(tmp), profile=path, people=PROFILE_PEOPLE, tag="profile"
            )
            if result["profile"] is None:
                raise RuntimeError(f"the {app} bot wrote no profile")
            profiles[app] = result
            say(f"  {result['updates']} updates; HTML profile in {path.relative_to(OUT.parent)}")
    text = render(profiles)
    await publish(
        "profile",
        text,
        started,
        people=PROFILE_PEOPLE,
        routines=REGIME.routines,
        results={app: dict(r) for app, r in profiles.items()},
        note=fmt("main thread only"),
    )


if __name__ == "__main__":
    asyncio.run(main())
