"""Write bench/RESULTS.md from the figures the benchmarks saved in bench/out/."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    counterpart,
    cpu_per_update,
    fmt,
    load,
    paired_ratio,
    ratio,
    table,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
STEP_NAMES = {0: "/routine", 1: "start the routine"}


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**not met**"


def _machine(machine: dict[str, Any], started: datetime, total: float) -> str:
    load_start = ", ".join(f"{x:.2f}" for x in machine.get("loadavg", []))
    load_end = ", ".join(f"{x:.2f}" for x in machine.get("loadavg_end", []))
    rows = [
        ("started (UTC)", started.strftime("%Y-%m-%d %H:%M")),
        ("wall time of the whole run", f"{total / 60:.1f} min"),
        ("cores", machine.get("cores")),
        ("CPU", machine.get("cpu")),
        ("Python", machine.get("python")),
        ("SQLite", machine.get("sqlite")),
        ("PostgreSQL", machine.get("postgresql") or "not reachable (skipped)"),
        ("python-telegram-bot", machine.get("python-telegram-bot")),
        ("SQLAlchemy", machine.get("sqlalchemy")),
        ("platform", machine.get("platform")),
        ("load average at start / end (1, 5, 15 min)", f"{load_start} / {load_end}"),
    ]
    return table(["", ""], rows)


def _button_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    goals: list[tuple[str, str, str]] = []
    if data is None:
        return "Not run.", [("button cost within 1.5x of the floor", "n/a", _verdict(None))]
    results: list[dict[str, Any]] = data["results"]
    parts = [
        f"{data['people']} simulated people each do full desk routines (/routine, the desk "
        "routine button, then Done on each of the 6 steps: 8 updates a routine) at the same "
        "time, through the real bot and the double. The bot runs in its own process "
        "(`python -m bench.botproc coach`, which is `mobility-coach run --no-reminders`), so "
        "its CPU time is its own; the double and the people run in the benchmark process. "
        "The **floor** is the same bot object (Defaults, AIORateLimiter, HTTP client) and "
        "update processor with two bare handlers: /routine sends a message with one button; "
        "the button answers and edits the message; no database. **floor_db** is the floor "
        "plus the least a bot that keeps what people do must add: every update commits one "
        "row in one transaction through the bot's own engine and session setup (SQLAlchemy "
        "async on aiosqlite or asyncpg), before the same bare replies. It splits the coach's "
        "distance from the floor into the price of one durable write with the required stack "
        "and what the coach does beyond it. Latency runs from pushing the "
        "update into the double until the bot's last call for it (the answer, the edit or the "
        "new message) arrived, from the double's own timestamps. CPU is the bot process's "
        "user+system time over the measured phase (all threads) plus, on PostgreSQL, the "
        "server processes serving its database.",
        "- **paced**: each person waits 1.5-2.5 s between taps (about 25 updates/s offered, "
        "under the rate limiter's 30 calls/s): latency and CPU at a realistic load, with the "
        "production rate limiter. The three bots of a round run side by side, each with its "
        "own double and database, their measured phases starting together: the machine's "
        "speed drifts by a third within minutes, and measured one after the other the same "
        "code's CPU ratio coach/floor_db ranged from 1.08 to 1.75 between rounds.\n"
        "- **saturated**: nobody waits, and the rate limiter's overall 30/s cap is lifted in "
        "every bot (everything else stays): the most updates per second each can handle. With "
        "the cap in place every bot would be held at about 30 chat calls per second, and the "
        "comparison would only show the cap. Latency at saturation is queueing (50 people / "
        "throughput) and is not a goal figure.",
        data["table"],
    ]
    step_rows = []
    for r in results:
        if r["regime"] != "paced":
            continue
        steps = r.get("by_step", {})
        done = [v["p50_ms"] for k, v in steps.items() if int(k) >= 2]
        step_rows.append(
            (
                r["kind"],
                r["app"],
                steps.get("0", {}).get("p50_ms", math.nan),
                steps.get("1", {}).get("p50_ms", math.nan),
                sum(done) / len(done) if done else math.nan,
                r.get("thread_cpu_ms_per_update", {}).get("main", math.nan),
                sum(v for k, v in r.get("thread_cpu_ms_per_update", {}).items() if k != "main"),
            )
        )
    if step_rows:
        parts.append(
            "Paced regime, by step (p50 latency, ms) and where the bot's CPU went (ms/update):"
            "\n\n"
            + table(
                [
                    "database",
                    "bot",
                    "command p50",
                    "first press p50",
                    "later presses p50 (mean)",
                    "main thread CPU",
                    "other threads CPU (aiosqlite)",
                ],
                step_rows,
            )
        )
    worst = 0.0
    for floor in (r for r in results if r["app"] == "floor"):
        coach = counterpart(results, "coach", floor)
        if coach is None:
            continue
        cpu = ratio(cpu_per_update(coach), cpu_per_update(floor))
        figures = [("CPU/update coach/floor", cpu)]
        if floor["regime"] == "paced":
            figures += [
                ("p50 coach/floor", ratio(coach["p50_ms"], floor["p50_ms"])),
                ("p99 coach/floor", ratio(coach["p99_ms"], floor["p99_ms"])),
            ]
        else:
            throughput = ratio(floor["updates_per_s"], coach["updates_per_s"])
            figures.append(("throughput floor/coach", throughput))
        for name, value in figures:
            worst = max(worst, value)
            goals.append(
                (
                    f"button cost, {floor['kind']}, {floor['regime']}: {name} at most 1.5",
                    fmt(value),
                    _verdict(value <= 1.5),
                )
            )
    parts.append(
        "Goal: within 1.5x of the floor: "
        + _verdict(worst <= 1.5 if goals else None)
        + f" (worst ratio {fmt(worst)})."
    )
    # The press at the cost of one committed row: against floor_db, paced (CPU at most 1.2x,
    # p99 at most 1.5x), on each database; the median of the rounds' own ratios.
    for base in (r for r in results if r["app"] == "floor_db" and r["regime"] == "paced"):
        coach = counterpart(results, "coach", base)
        if coach is None:
            continue
        for name, value, limit in (
            ("CPU/update coach/floor_db", paired_ratio(base, coach, "cpu_ms_per_update"), 1.2),
            ("p99 coach/floor_db", paired_ratio(base, coach, "p99_ms"), 1.5),
        ):
            goals.append(
                (
                    f"button cost, {base['kind']}, paced: {name} at most {limit:g}",
                    fmt(value),
                    _verdict(value <= limit),
                )
            )
    split = _split_lines(results)
    if split:
        parts.append("Where the distance from the floor goes (CPU per update, paced):\n\n" + split)
    parts.append("The profile (section 5) names the costs inside the coach.")
    return "\n\n".join(parts), goals


def _split_lines(results: list[dict[str, Any]]) -> str:
    """Say, per database, what one durable write costs and what the coach adds beyond it."""
    lines = []
    for kind in dict.fromkeys(r["kind"] for r in results):
        paced = {r["app"]: r for r in results if r["kind"] == kind and r["regime"] == "paced"}
        if not {"floor", "floor_db", "coach"} <= set(paced):
            continue
        floor, one_write, coach = (
            cpu_per_update(paced[name]) for name in ("floor", "floor_db", "coach")
        )
        lines.append(
            f"- {kind}: floor {fmt(floor)} ms, floor plus one committed row {fmt(one_write)} ms "
            f"({fmt(ratio(one_write, floor))}x the floor), coach {fmt(coach)} ms "
            f"({fmt(ratio(coach, one_write))}x floor_db, {fmt(ratio(coach, floor))}x the floor)."
        )
    return "\n".join(lines)


def _fanout_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    if data is None:
        return "Not run.", [("fan-out at least 95% of 30/s, no 429", "n/a", _verdict(None))]
    main = data["main"]
    ok = main["share_of_ceiling"] >= 0.95 and main["throttled_429"] == 0
    rate = main["rate_setting"]
    early = main.get("early_setting_s", 0)
    # Punctuality (early start): p95 distance from the chosen minute within 180 s, none earlier
    # than the setting (a second of tolerance for the double's clock), no duplicates, no 429.
    offset_p95 = main.get("offset_p95_s", float("nan"))
    punctual = (
        offset_p95 <= 180
        and main.get("earliest_s", 0.0) >= -early - 1
        and main["duplicates"] == 0
        and main["throttled_429"] == 0
    )
    parts = [
        f"{main['people']:,} people are loaded with SQL, all due at the same instant (everyone "
        "who chose 09:00 in one zone), a few seconds after the bot starts. The bot is the real "
        f"program, `python -m bot run` (long polling and the APScheduler sweep every 2 s), with "
        f"REMINDER_RATE={rate:g}; the double enforces Telegram's limits (30 sends/s overall and "
        "1/s per chat, sliding one-second windows, 429 with retry_after beyond). Rates and "
        "lateness come from the double's records of the sends that succeeded; the sustained "
        "rate runs from the first reminder to the last.",
        data["table"],
        f"Goal: at least 95% of 30/s with zero 429s: {_verdict(ok)} "
        f"({100 * main['share_of_ceiling']:.1f}%, {main['throttled_429']} 429s; "
        f"{main['pauses']} pauses of more than two send intervals, {main['paused_s']:.2f} s in "
        f"all; deliveries recorded: {main['deliveries']}).",
        f"Punctuality with early start (REMINDER_EARLY_MAX_SECONDS={early}): the sends start "
        "early by half the time the crowd takes at the rate, at most the setting, so they are "
        "centred on the chosen minute (bot/domain/early_start.py). The first arrived "
        f"{-main.get('earliest_s', 0.0):.0f} s before the minute and the last "
        f"{main['last_after_due_s']:.0f} s after it; distance p50 "
        f"{main.get('offset_p50_s', float('nan')):.0f} s, p95 {offset_p95:.0f} s, max "
        f"{main.get('offset_max_s', float('nan')):.0f} s. Goal: p95 distance at most 180 s, "
        f"none earlier than the setting, 0 duplicates, 0 429s: {_verdict(punctual)}.",
    ]
    parts.append(
        "Why this REMINDER_RATE: Telegram (and the double) allow 30 sends in any one-second "
        "window, and one 429 costs more than its message: PTB's AIORateLimiter then holds "
        "every call of the bot for retry_after + 0.1 s, and the sends queued meanwhile go out "
        "together and draw more 429s. So reminders are sent on an even grid 1/REMINDER_RATE "
        "apart (handlers/send_grid.py, SendGrid): a wake-up that runs a little late keeps the "
        "grid, one later than half a slot starts it afresh, never a burst; after a 429's wait "
        "it leaves a slot for each send the rate limiter retries then, and one more (without "
        "that, a slow machine's first 429 drew another every 2 s for minutes). At 29 a window "
        "holds 29 sends, 30 when a wake-up runs late, so there is one send a second of slack "
        "for jitter; 30 would leave none. Two findings made this work. The claim used to "
        "issue about five statements per person (203 for a batch of 40, 300 ms of the event "
        "loop on SQLite): the sends bunched up behind it, and each bunch drew 429s. It is now "
        "a fixed handful of statements per batch (section 3). And aiolimiter's one-deep "
        "bucket lost every late wake-up for good: 94% of 30/s at a setting of 29, against "
        "96-97% on the grid. Any such setting leaves nothing for people using the bot at the "
        "time, since their answers share the same 30/s (below): the default REMINDER_RATE is "
        "20.",
    )
    paid = data.get("paid") or []
    paid_goals: list[tuple[str, str, str]] = []
    if paid:
        big, small = paid[0], paid[-1]
        fast = big["offset_p95_s"] <= 120 and big["duplicates"] == 0 and big["missing"] == 0
        capped = small["paid_messages"] <= small["stars_budget"] * 10 and small["missing"] == 0
        parts.append(
            "Paid broadcasts (PAID_BROADCAST_STARS_PER_DAY): reminders beyond the free rate go "
            "out with allow_paid_broadcast, on a paid grid of 900 a second "
            "(handlers/paid_lane.py), "
            "from a daily Stars budget reserved in the database by every process "
            "(bot/services/paid_broadcast.py); the double enforces Telegram's 1,000 paid "
            "messages a second and counts the Stars (0.1 each). The first run's budget covers "
            "the crowd; the second's is too small, and the rest of its crowd waits for free "
            "slots. In the first run the same bot sent an earlier crowd first (due "
            "170 s before; its sends are not in the figures, its Stars are), as a bot that has "
            "run before: the early start plans each crowd with the rate the senders reach, "
            "measured during each backlog as it goes (handlers/reminders.py, "
            "ReminderPace.batch_sent), which on this machine is well below the paid lane's 900 a "
            "second; a crowd started on the earlier crowd's slower rate is held back until the "
            "rest of it is centred again. A bot's first crowd after a start is planned with the "
            "configured rate, and starts later.\n\n" + str(data.get("paid_table", ""))
        )
        parts.append(
            f"Goal: {big['people']:,} due at one minute with paid broadcasts on give p95 "
            f"distance at most 120 s: {_verdict(fast)} (p95 {big['offset_p95_s']:.0f} s at "
            f"{big['sustained_per_s']:.0f} sends a second; {big['paid_messages']:,} paid, "
            f"{big['stars_spent']:g} Stars). The budget is a hard cap: {_verdict(capped)} "
            f"({small['paid_messages']} paid of {small['stars_budget'] * 10} allowed by "
            f"{small['stars_budget']} Stars, the other {small['sent'] - small['paid_messages']} "
            "free)."
        )
        paid_goals = [
            (
                f"paid broadcasts: {big['people']:,} due at one minute, p95 distance at most 120 s",
                f"p95 {big['offset_p95_s']:.0f} s, {big['sustained_per_s']:.0f}/s, "
                f"{big['stars_spent']:g} Stars",
                _verdict(fast),
            ),
            (
                "paid broadcasts: a budget too small is a hard cap",
                f"{small['paid_messages']} paid of {small['stars_budget'] * 10} allowed",
                _verdict(capped),
            ),
        ]
    live = data.get("live") or []
    if live:
        lines = [
            "What the reminders' share leaves for live replies: the same fan-out for "
            f"{live[0]['live']['people']} people tapping through routines (1.5-2.5 s between "
            "taps) at the same time:"
        ]
        for r in live:
            lines.append(
                f"- REMINDER_RATE={r['rate_setting']:g}: reminders at "
                f"{r['sustained_per_s']:.1f}/s, {r['throttled_429']} 429s, taps p50 "
                f"{r['live']['p50_ms']:.0f} ms, p99 {r['live']['p99_ms']:.0f} ms."
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts), [
        (
            f"fan-out at REMINDER_RATE={rate:g}: share of 30/s at least 95%, zero 429s",
            f"{100 * main['share_of_ceiling']:.1f}%, {main['throttled_429']} 429s",
            _verdict(ok),
        ),
        (
            f"punctuality: {main['people']:,} due at one minute, REMINDER_RATE={rate:g}: p95 "
            "distance at most 180 s, none early beyond the setting, 0 duplicates, 0 429s",
            f"p95 {offset_p95:.0f} s, earliest {main.get('earliest_s', 0.0):.0f} s, "
            f"{main['duplicates']} duplicates, {main['throttled_429']} 429s",
            _verdict(punctual),
        ),
        *paid_goals,
    ]


def _schedule_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    if data is None:
        return "Not run.", [("claim 1M/10k at most 2", "n/a", _verdict(None))]
    results: list[dict[str, Any]] = data["results"]
    goals = []
    for kind in dict.fromkeys(r["kind"] for r in results):
        mine = [r for r in results if r["kind"] == kind]
        value = ratio(mine[-1]["median_ms"], mine[0]["median_ms"])
        index = all(r["uses_index"] for r in mine)
        goals.append(
            (
                f"claim time {mine[-1]['people']:,}/{mine[0]['people']:,} people, {kind}, "
                "at most 2 (and the index used)",
                f"{fmt(value)}, index {'used' if index else 'NOT used'}",
                _verdict(value <= 2 and index),
            )
        )
    text = (
        "People are bulk-loaded with SQL (90% due some time in the next week, 10% with "
        "reminders off, a few batches due now, scattered among the ids; PostgreSQL gets the "
        "VACUUM ANALYZE autovacuum would run after such a load). One claim is "
        f"`ReminderService.claim_due({data['batch']})`, the production batch (REMINDER_RATE x "
        "SWEEP_INTERVAL_SECONDS of the default settings); after a warm-up claim it is timed "
        f"{data['repetitions']} times (each claims the next batch) and the median is kept. The "
        "claim's SELECT on people is captured as the service sends it and explained.\n\n"
        + data["table"]
    )
    return text, goals


def _memory_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    if data is None:
        return "Not run.", [("memory 1M/100 at most 1.1", "n/a", _verdict(None))]
    results: list[dict[str, Any]] = data["results"]
    small, large = results[0], results[1]
    value = ratio(large["peak_rss_mib"], small["peak_rss_mib"])
    text = (
        "Each figure is one child process running the real bot (`python -m bot run`: polling "
        "and the sweep) on a SQLite database holding the people (40 of them due, so the sweep "
        f"sends real reminders), stopped with SIGTERM {data['run_seconds']:g} s after it began "
        "polling (and, for ours, after the due reminders went out); peak RSS is the bot's "
        "ru_maxrss from wait4(), in a small launcher process (`bench/launch.py`): Linux counts "
        "the memory of the process that forks a child into the child's ru_maxrss, and the "
        "benchmark process is large after loading a million people. The per-person job "
        "approach is the same bot without the sweep plus one "
        "`JobQueue.run_daily` job per person, as PTB's timerbot example schedules timers.\n\n"
        + data["table"]
    )
    return text, [
        (
            f"peak RSS {large['people']:,}/{small['people']:,} people (ours) at most 1.1",
            f"{value:.3f}",
            _verdict(value <= 1.1),
        )
    ]


def _profile_section(data: dict[str, Any] | None) -> str:
    if data is None:
        return "Not run."
    coach = data["results"].get("coach", {})
    floor = data["results"].get("floor", {})

    def cpu(result: dict[str, Any]) -> str:
        return fmt(result.get("bot_cpu_ms_per_update", math.nan))

    return (
        f"pyinstrument (every 4 ms, main thread, wall clock) on the bot process while "
        f"{data['people']} people tap through {data['routines']} desk routine(s) each as fast "
        "as they can (SQLite, the rate limiter's cap lifted), from the first tap to the last; "
        "the floor and the coach alike. Profiling slows the bot down (CPU per update while "
        f"profiled: floor {cpu(floor)} ms, coach {cpu(coach)} ms), so read the shares. "
        "SQLite's own work runs in aiosqlite's thread and is not in these samples (the CPU "
        "split by thread is in the button cost section). The full profiles: "
        "`bench/out/profile-floor.html`, `bench/out/profile-coach.html`.\n\n" + str(data["table"])
    )


FAIRNESS_GOAL = 2.0


def _fairness_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    if data is None:
        return "Not run.", [("fairness under a flood at most 2x", "n/a", _verdict(None))]
    runs: list[dict[str, Any]] = data["runs"]
    parts = [
        f"The real bot in its own process (`python -m bench.botproc coach`: long polling, the "
        "production rate limiter, AIORateLimiter at 30 calls/s) against the double, which "
        "enforces Telegram's limits (30 sends/s overall, 1/s per chat, 20 sends and edits a "
        f"minute per group: `enforce_limits()`). {data['others']} other people use the bot as "
        "people do: half walk through desk routines (/routine, the routine, Done on each "
        "step), half send /streak. They act in waves: each sends one update at a random moment "
        f"within {data['stagger'] * 1000:.0f} ms, and when the bot has handled them all they "
        f"pause {data['think'][0]:g}-{data['think'][1]:g} s before the next. Rounds rotate "
        "between three cases, so the machine's background load falls on all of them alike:",
        "- **baseline**: one wave, nothing else going on.\n"
        f"- **private flood**: one private chat sends {data['private_flood']} button presses at "
        "once: Harder and Easier in turn on its own run, each carrying the run's version at its "
        "turn, so every one is applied (a committed write, an answer and an edit). Waves go on "
        "for as long as it lasts.\n"
        f"- **group flood**: one group (a new one each round) sends {data['group_flood']} "
        f"commands at once from {data['group_members']} members (/streak, /routine, /help, "
        "...); the bot answers the first with its pointer to the private chat and no more than "
        "that for 5 minutes. Waves go on for as long as it lasts.",
        "A reply time runs from pushing an update into the double until the bot's last call "
        "for it (the answer, the edit or the new message) arrived there, from the double's own "
        "timestamps. In a flood case only the others' updates pushed before the flood's last "
        "update was handled count. When each update was handled, and so each flood's duration "
        "and order, comes from the bot process (`botproc --handled`: the handler's start and "
        "end, inside the processor's chat turn and slot). A flood is *served in full, in "
        "order* when every update of it was handled, in the order sent, and (private) every "
        "press was applied. A private chat's calls are paced (bot/rate_limit.py: a burst of 10, "
        "then 5 a second), so a flood of 150 presses takes about half a minute, longer than "
        "Telegram waits for a press's answer (about 15 s): its last presses are applied but "
        "their spinners time out, which the table counts. Bot CPU is the bot process's CPU "
        "time over the rounds (the pauses left out) per second. Each setting is one bot process: "
        + ", ".join(
            f"{s['kind']} with CONCURRENT_UPDATES={s['concurrent_updates']} "
            f"({s['samples']} of the others' updates per case)"
            for s in data["settings"]
        )
        + "; the goal is judged at 64 (the default). The same benchmark on the processor "
        f"before the fix: section {_found_number()}.",
        data["table"],
    ]
    goals: list[tuple[str, str, str]] = []
    for run in runs:
        if run["concurrent_updates"] != 64:
            continue
        floods = [r for r in run["results"] if r["case"] != "baseline"]
        worst = max(max(r["p50_ratio"], r["p95_ratio"]) for r in floods)
        served = all(r["flood_served"] for r in floods)
        value = ", ".join(
            f"{r['case'].split()[0]} {fmt(r['p50_ratio'])}/{fmt(r['p95_ratio'])}" for r in floods
        )
        goals.append(
            (
                f"fairness, {run['kind']}, CONCURRENT_UPDATES=64: others' p50/p95 under a flood "
                f"at most {FAIRNESS_GOAL:g}x of no flood, the flood served in order",
                value + ("" if served else ", flood NOT served in full and in order"),
                _verdict(worst <= FAIRNESS_GOAL and served),
            )
        )
    parts.append(
        "Goal: the others' p50 and p95 within "
        f"{FAIRNESS_GOAL:g}x of the baseline during either flood (production settings): "
        + "; ".join(f"{g[0].split(':')[0]}: {g[1]} {g[2]}" for g in goals)
        + "."
    )
    causes = _fairness_causes(runs, data["private_flood"], data["group_flood"])
    if causes:
        parts.append(causes)
    return "\n\n".join(parts), goals


def _case(run: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    if run is None:
        return None
    return next((r for r in run["results"] if r["case"] == name), None)


def _fairness_causes(runs: list[dict[str, Any]], presses: int, commands: int) -> str:
    """Say, from this run's figures, what the others still share with a flood."""
    by = {(r["kind"], r["concurrent_updates"]): r for r in runs}
    main = _case(by.get(("sqlite", 64)), "private flood")
    few = _case(by.get(("sqlite", 8)), "private flood")
    group = _case(by.get(("sqlite", 64)), "group flood")
    if main is None or group is None:
        return ""
    slots = (
        f"; with 8 slots instead of 64 the others' p50 during the private flood was "
        f"{few['p50_ms']:.0f} ms ({main['p50_ms']:.0f} ms with 64)"
        if few is not None
        else ""
    )
    rate = presses / main["flood_seconds_median"]
    return (
        "Slots are not what the others wait for: every flood was handled one update at a "
        f"time, in the order sent, in one slot{slots}. Two other things a flooding chat "
        "shares with everybody are held to its own pace. The bot's 30 calls a second: a "
        "private chat's calls wait for their own turn (bot/rate_limit.py, a burst of 10, then "
        f"5 a second) before they take a place in the shared budget, so the {presses} presses, "
        f"an edit each, took {fmt(main['flood_seconds_median'])} s ({rate:.1f} a second) and "
        "left the rest of the 30/s to the others. And the one event loop: a chat's updates run "
        "at most 20 a second after a burst of as many (bot/update_processor.py), so a group's "
        f"{commands} commands are spread over {fmt(group['flood_seconds_median'])} s instead "
        "of taking the loop in one go. On this shared machine the ratios move with the load of "
        "the moment (load averages above)."
    )


def _media_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    if data is None:
        return "Not run.", [("media: each picture uploaded once per bot", "n/a", _verdict(None))]
    render = data["render"]
    walk = data["first_upload"]
    one, two = walk["walks"]
    presses: list[dict[str, Any]] = data["presses"]
    steps = data["media_steps"]
    workers = render["workers"]
    parts = [
        "Every picture the bot can show (`MediaCatalog.pictures()`: each exercise's easier, "
        "standard and harder version for each side it has, and each routine's sheet) is "
        f"rendered first, with {workers} worker{'s' if workers != 1 else ''}, into an empty "
        "temporary MEDIA_DIR, which every bot of the run is then given: no bot renders while "
        "it is measured.",
        "**Render.** The time to render them all (`render_missing`), against the time to load "
        "the content library (`load_library()`: the YAML files read and validated, the "
        f"median of {len(render['library_loads_s'])} loads around the render) in the same "
        "process: both are CPU-bound Python work, so their ratio holds when the shared machine "
        "is slower or busier, while the seconds do not. The absolute time is for the operator "
        "(`mobility-coach media DIR` does the same with one worker per core).\n\n"
        + data["tables"]["render"],
        f"**A press that changes the media.** Button cost's paced regime: {data['people']} "
        f"people, {data['think'][0]:g}-{data['think'][1]:g} s between taps, one desk routine "
        "each (/routine, the routine's button, the one-time hip question answered No, then "
        f"Done on each of the {len(steps) + 1} steps), each bot in its own process with the "
        "production rate limiter. **floor** is button cost's floor (an answer and an "
        "editMessageText per press); **media** is the coach with animations; **text** is the "
        "coach with the data saver on for everybody (people are loaded into the database "
        "before the bot starts, "
        "with the data saver set for the text bot). Before the measured phase "
        f"{data['warmup_people']} warm-up people walk one routine each, which uploads every "
        "picture of the desk routine and stores its file_id, so in the measured phase every "
        "picture is shown by file_id (editMessageMedia; uploads in the measured phase are "
        "counted in the last column and must be 0). The desk routine goes exercise by "
        "exercise, left side then right, so every Done but the last puts another animation "
        f"into the message: the rows *steps {steps[0]}-{steps[-1]}* count those presses only "
        f"({len(steps)} per person; the last Done, which shows the summary's picture, is left "
        "out), and the same presses of the floor and the text bot. *All* counts every update "
        "of the routine. Latency runs from pushing the update until the bot's last call for "
        "it reached the double; CPU is the bot process's (plus, on PostgreSQL, the server's) "
        "over the whole measured phase per update: it cannot be split by press, and "
        f"{_shown(presses)} updates per person show a picture.\n\n" + data["tables"]["presses"],
        _media_press_lines(presses, data["desk_pictures"]),
        "**First upload.** A fresh database and a fresh double; one person (screened already, "
        "so both walks press the same buttons) walks "
        + ", ".join(walk["walk"])
        + " (routine@version of every exercise, set before each routine through the bot's "
        "own level repository), which shows every picture at least once, then walks the same "
        f"again, {data['walk_think'][0]:g}-{data['walk_think'][1]:g} s between taps. Uploads "
        "and bytes come from the double's records (`double.uploads`). A press's latency runs "
        "from pushing it until the bot's handler for it ended (`botproc --handled`: after the "
        "upload was answered and its file_id committed), and, beside it, until the bot's last "
        "call for it reached the double (which stamps a call when it arrives, before reading "
        "its body, so an upload's bytes are not in that figure). The "
        "uploading presses are those of the first walk that sent a file; the second walk's "
        "presses at the same places are compared with them.\n\n" + data["tables"]["walk"],
    ]
    text = (
        f"{one['uploads']} uploads ({fmt(one['bytes'])} bytes) of {walk['pictures']} "
        f"pictures ({one['covered']} covered), then {two['uploads']}"
    )
    ok = one["covered"] == walk["pictures"] and one["uploads"] == walk["pictures"]
    ok = ok and two["uploads"] == 0
    ok = ok and all(r["measured_uploads"] == 0 for r in presses)
    return "\n\n".join(parts), [
        (
            "media: each picture uploaded once per bot (a walk through all of them, then "
            "again: nothing)",
            text,
            _verdict(ok),
        )
    ]


def _shown(presses: list[dict[str, Any]]) -> str:
    """Say how many of the media bot's updates per person showed a picture."""
    media = next((r for r in presses if r["bot"] == "media"), None)
    if media is None:
        return "some of the media bot's"
    methods = media["methods_per_person"]
    shown = sum(methods.get(m, 0) for m in ("editMessageMedia", "sendAnimation", "sendPhoto"))
    return f"{shown:.0f} of the media bot's {media['updates'] / media['people']:.0f}"


def _media_press_lines(presses: list[dict[str, Any]], pictures: int) -> str:
    """Say what the ratios show, and what the warm-up's uploads say about shows at once."""
    lines = []
    for kind in dict.fromkeys(r["kind"] for r in presses):
        by = {r["bot"]: r for r in presses if r["kind"] == kind}
        if not {"floor", "text", "media"} <= set(by):
            continue
        media, text, floor = by["media"], by["text"], by["floor"]

        def p50(result: dict[str, Any]) -> float:
            return float(result["media_steps"]["p50_ms"])

        cpu = {name: cpu_per_update(result) for name, result in by.items()}
        lines.append(
            f"- {kind}: a press that puts another animation in the message took "
            f"{fmt(ratio(p50(media), p50(text)))}x the p50 of the same press with text steps "
            f"({fmt(ratio(p50(media), p50(floor)))}x the floor's), and the media bot "
            f"{fmt(ratio(cpu['media'], cpu['text']))}x the text bot's CPU per update "
            f"({fmt(ratio(cpu['media'], cpu['floor']))}x the floor's). Its warm-up uploaded "
            f"{media['warmup_uploads']} files for the routine's {pictures} pictures."
        )
    if not lines:
        return ""
    return (
        "\n".join(lines)
        + "\n\nThe warm-up people walk at once and in step: a picture shown to several of "
        "them before its first upload returned waits for that upload and then names its "
        "file_id (uploads of one picture take turns in a process), so the warm-up uploads "
        "each picture once. Before that fix the same warm-up uploaded 11 (SQLite) and 35 "
        "(PostgreSQL) files for the 7 pictures."
    )


GROUP_LIMIT = 20  # Telegram's ~20 messages or edits a minute per group


def _team_section(data: dict[str, Any] | None) -> tuple[str, list[tuple[str, str, str]]]:
    if data is None:
        return "Not run.", [
            ("team posts and boards within Telegram's limits", "n/a", _verdict(None))
        ]
    posts: dict[str, Any] = data["posts"]
    boards: dict[str, Any] = data["boards"]
    limit = int(data.get("group_limit", GROUP_LIMIT))
    rate = posts["rate_setting"]
    parts = [
        "Both phases run the real bot, `python -m bot run` (long polling, the reminder sweep and "
        "the team sweep every 2 s, which share the reminders' pace), with "
        f"REMINDER_RATE={rate:g} (the default), against the double enforcing Telegram's limits "
        f"(30 sends/s overall, 1/s per chat, {limit} sends and edits a minute per group, 429 "
        "with retry_after beyond). Teams (every day, the desk routine, the default goal), their "
        "members (people rows, nobody with a personal reminder due) and their stays "
        "(team_members rows) are loaded with SQL; each team's group exists in the double with "
        "the bot and the members in it. All figures come from the double's records of the calls "
        "that succeeded.",
        f"**Posts.** {posts['teams']:,} teams of 3-5 members ({posts['members']:,} people), "
        "each with its break at the same local minute (a zone where it is about noon, so no "
        "run crosses a local midnight). Lateness runs from that minute to each post's arrival; "
        "the sustained rate from the first post to the last, as a share of REMINDER_RATE and "
        "of 30/s. The busiest group is the most sends and edits the double accepted in any "
        "60 s of one group. Posts recorded in team_posts: "
        + ", ".join(f"{n:,} {status}" for status, n in posts["post_statuses"].items())
        + ".",
        f"**Boards.** {boards['groups']} teams of {boards['members']} members, due at one "
        "minute; as soon as their posts are out, every member finishes a routine at a random "
        f"moment within {boards['burst_s']:g} s ({boards['members'] / boards['burst_s'] * 60:.0f} "
        "finishes a minute offered per group, the post in the same minute): a finished run "
        "committed in the database with its teams' boards marked dirty in the same transaction, "
        "as a routine's last press does (`bot/services/routines.py`). These finishes come from "
        "outside the bot process, so the bot finds them through the team sweep "
        "(`TeamService.dirty_boards`, every 2 s) and `handlers/team_boards.schedule`: the path "
        "of a finish in another process or after a failed edit; a press in the bot itself asks "
        "for the edit at once, through the same pacer and the same compare-and-set "
        "(`TeamService.board_edit`, 3 s between edits of a post). A board is complete when the "
        'group\'s post reads every finisher ("N of N done"); the last column runs from a '
        "group's last finish to its last edit.",
        data["table"],
    ]
    posts_ok = (
        posts["duplicates"] == 0
        and posts["missing"] == 0
        and posts["throttled_429"] == 0
        and posts["busiest_group_per_minute"] <= limit
    )
    boards_ok = (
        boards["max_per_minute"] <= limit
        and boards["throttled_429"] == 0
        and boards["complete_boards"] == boards["groups"]
    )
    parts.append(
        f"Posts: {_verdict(posts_ok)}: {posts['sent']:,} of {posts['teams']:,} posted, "
        f"{posts['duplicates']} duplicates, {posts['missing']} missing, "
        f"{posts['throttled_429']} 429s, at {fmt(posts['sustained_per_s'])}/s "
        f"({100 * posts['share_of_rate']:.1f}% of REMINDER_RATE, "
        f"{100 * posts['share_of_ceiling']:.1f}% of 30/s); the first arrived "
        f"{fmt(posts['first_after_due_s'])} s after the minute (the sweep runs every 2 s) and "
        f"the last {fmt(posts['last_after_due_s'])} s after it, which is the rate: "
        f"{posts['teams']:,} posts at {rate:g}/s take {posts['teams'] / rate:.0f} s. "
        + _team_pauses(posts)
        + f"Boards: {_verdict(boards_ok)}: {boards['finishes']:,} finishes became "
        f"{boards['edits']:,} edits ({fmt(boards['finishes_per_edit'])} finishes an edit), "
        f"at most {boards['max_per_minute']} sends and edits in any minute of a group "
        f"(the limit is {limit}), {boards['throttled_429']} 429s, "
        f"{boards['complete_boards']} of {boards['groups']} boards showing every finisher "
        f"{fmt(boards['complete_after_burst_s'])} s after the last finish.",
    )
    goals = [
        (
            f"team posts, {posts['teams']:,} teams due at one minute: each posted once (no "
            f"duplicate, none missing), zero 429s, the busiest group at most {limit} a minute",
            f"{posts['sent']:,} sent, {posts['duplicates']} duplicates, {posts['missing']} "
            f"missing, {posts['throttled_429']} 429s, busiest group "
            f"{posts['busiest_group_per_minute']}/min; {100 * posts['share_of_rate']:.1f}% of "
            f"REMINDER_RATE={rate:g}, lateness p50/p95/max {fmt(posts['lateness_p50_s'], 1)}/"
            f"{fmt(posts['lateness_p95_s'], 1)}/{fmt(posts['lateness_max_s'], 1)} s",
            _verdict(posts_ok),
        ),
        (
            f"team boards, {boards['groups']} groups × {boards['members']} members finishing "
            f"within {boards['burst_s']:g} s: at most {limit} sends and edits in any minute of "
            "a group, zero 429s, every final board showing every finisher",
            f"at most {boards['max_per_minute']}/min, {boards['throttled_429']} 429s, "
            f"{boards['complete_boards']} of {boards['groups']} complete; {boards['edits']:,} "
            f"edits for {boards['finishes']:,} finishes",
            _verdict(boards_ok),
        ),
    ]
    return "\n\n".join(parts), goals


def _team_pauses(posts: dict[str, Any]) -> str:
    """Say where the posts' rate went short of REMINDER_RATE: the pauses between sends."""
    if "pauses" not in posts:
        return ""
    batches = math.ceil(posts["teams"] / posts["sweep_batch"])
    return (
        f"The posts paused {posts['pauses']} times for more than two send intervals "
        f"({fmt(posts['paused_s'])} s in all), against {batches} claimed batches of "
        f"{posts['sweep_batch']} (REMINDER_RATE × the 2 s sweep interval): the team sweep "
        "claims a batch (each team's board drawn in the claim), sends it, and only then claims "
        "the next, where the reminders' sweep claims the next batch while it sends. "
    )


# What the benchmarks and the fault suite found. Unlike the sections above, these are not figures
# of the run: they are what earlier runs of the same programs showed before each fix.
FOUND_AND_FIXED = """\
Figures in this section come from earlier runs of the same programs on this machine, before and
after each fix; the sections above are this run's.

Found by the benchmarks:

- **httpcore retried a failing `import sniffio` on every lock it took** (inside PTB's HTTP
  client): 18% of the floor's and 11% of the coach's profiled time. Fixed by installing sniffio
  (a dependency now): CPU per update, SQLite, paced, fell from 9.2 to 5.3 ms (floor) and from
  21.5 to 12.6 ms (coach).
- **The reminder claim issued about five statements per person** (a delivery insert, a
  trained-that-day check, the streak's runs and pauses): 203 statements and 316 ms for a batch
  of 40 on SQLite. Now one select of the due people, one of their finished days, one of their
  pauses and one multi-row insert, whatever the batch: about 22 ms (section 3).
- **Those 300 ms claims stalled the event loop that paces the sends**, which then bunched up and
  drew 429s: 127 429s and 90.9% of 30/s for 10,000 reminders before the fix.
- **aiolimiter as the send gate lost every late wake-up**: 94% of 30/s at REMINDER_RATE=29. An
  even grid that keeps its slots (handlers/send_grid.py, SendGrid): 96.5%.
- **One 429 became a cascade**: PTB's AIORateLimiter holds every call for retry_after + 0.1 s,
  while the sweep went on releasing sends; they queued behind it and left together, drawing
  more. One run: 1,821 429s after a single first one. The grid now holds while the wait runs
  (bot/flood.py, fed by the HTTP client's response hook). tests/e2e/test_flood_wait.py fails
  without it (44 sends inside the second Telegram asked for; at most 3 in flight with it).
- **After the wait, the next 429 came every 2 s**: when a 429's wait ends PTB retries the refused
  sends at once, and the grid started again at full rate beside them, so the next second held
  more than 30 and drew the next 429. On a slower machine (AMD EPYC, 2 GHz) one first 429 kept
  this going for minutes: 38 and 64 429s for 10,000 reminders, 25.9 and 24.2 a second. The grid
  now leaves a slot for each retried send, and one more: 1 429, 28.8 a second (96.1% of 30/s).
  tests/unit/test_send_grid.py fails without it.
- **A press that shows another picture read Telegram's copy of the message back**: PTB reads
  the answer to editMessageMedia into some fifteen objects (the message, the picture, its
  thumbnail, every button again), half the CPU of the call (in-process on the slower machine:
  1.74 ms with it, 0.87 ms without), for a message nobody looks at. A picture named by its
  file_id now goes through CoachBot.edit_media_unread (bot/telegram_bot.py): errors are raised
  and defaults applied as before; an upload still reads the answer, for the new file_id.
- **The paced CPU ratio moved by a third between rounds of the same code**: the three bots were
  measured one after the other, and this machine's speed drifts within minutes (up to a quarter
  of the CPU stolen by other tenants). Single rounds of coach/floor_db on SQLite ranged from
  1.08 to 1.75. The three now run side by side in each round, each with its own double and
  database, their measured phases starting together: the same code then gave 1.23 to 1.27.
- **A look took the write lock**: on SQLite every unit of work opened with BEGIN IMMEDIATE, so
  the /routine menu's two reads (the person's language, their run in progress) waited for
  another process's write and held up every writer meanwhile, and paid a BEGIN (three trips to
  aiosqlite's thread) each. A unit that only reads now runs without a transaction
  (UnitOfWork.reads_only; autocommit on PostgreSQL); tests/integration/test_reads_only.py fails
  without it (the read waits out the 30 s busy timeout).
- **A newcomer's first routine cost two transactions and nine statements**: the routine tap
  registered the person before asking the screening question, and the answer's start read
  their runs, hip answers and versions, of which someone registered a moment ago has none. The
  tap that only asks now stores nothing, and the answer registers and starts in one transaction
  that reads only the person's row (tests/integration/test_first_start.py). With the reads
  above: SQLite coach/floor_db CPU from 1.23-1.26 to 1.15-1.22 in side-by-side rounds.
- **A paid-broadcast sender spent a sixth of its CPU placing requests on connections**:
  httpcore checks every connection of its pool (a poll of each idle socket) when a request
  comes and when it ends, and a sender keeps dozens open. PTB's HTTPXRequest now runs as four
  pools (bot/telegram_request.py), each request in the least busy; with reminders and team
  posts no longer reading the sent message back (CoachBot.send_message_unread, 7% of a
  sender), 100,000 paid reminders went from 316 to 367 a second, p95 151 to 134 s.
- **A press read more than it needed**: its person in a second statement and every set logged
  in the run so far: 7 statements per press, now 4 (the run locked and joined with its person,
  the exercise levels, the update, the insert); the logged sets are read only when the run
  ends, for its summary. Since then a press commits once, a start is one transaction, and the
  statements of a press, a start and a finish are built once with named parameters (building
  them and their cache keys was the largest share of a press in the profile): 5.44 statements
  an update on SQLite became 4.89 (4.33 to 3.78 on PostgreSQL), the finish's streak is one read
  instead of three.
- **The button goal against the bare floor is out of reach for any bot that commits each
  press** with the required stack (SQLAlchemy async on aiosqlite or asyncpg): one committed row
  per update alone costs more than 1.5x the floor's CPU (section 1, floor_db). The coach is
  compared with that too; the rest of its distance is the ORM's statements (the profile).
  Not met, and left so: dropping durability or the ORM would trade away what the bot promises.
- **SQLite's paced p99** was several times its p50 (the coach's 380-580 ms against floor_db's
  120 ms on a slow day), not for the fsync (synchronous=FULL, kept) but for SQLite's busy
  handler: with a pool of connections, a transaction waiting for the write lock sleeps and
  retries at growing intervals, up to 100 ms, and loses to newer ones. Timed in the bot,
  BEGIN IMMEDIATE waited up to 1.15 s while no transaction held the lock over 50 ms. One
  connection per process makes them queue in order (bot/db/engine.py): p99 140 ms in the same
  setting, and less CPU.
- **One chat's flood took every update slot**: the processor waited for the chat's lock while
  holding one of PTB's concurrency slots, so a chat's queued updates filled them all. The
  fairness benchmark on the processor before the fix (0c54c22's bot/update_processor.py, loaded
  with BENCH_FAIRNESS_PROCESSOR): during a flood of 150 presses from one private chat the
  others' p50 was 2,171 ms and p95 2,512 ms, against 41 and 141 ms without a flood (53.6x and
  17.8x; SQLite, CONCURRENT_UPDATES=64); with 8 slots 4,167 ms (103x); on PostgreSQL 2,253 ms
  (34.8x); during a group flood of 120 commands 154 and 419 ms (3.8x and 3.0x). A chat's turn
  is now awaited before a slot is taken (section 6 has this run's figures).
- **With the slots fixed, the flood still spent everybody's 30 calls a second**: the private
  flood's edits used the whole budget and the others' replies queued behind them (p50 4.34x and
  p95 4.36x on SQLite, 2.15x and 3.19x on PostgreSQL), and a group's 120 commands took the event
  loop for 0.15 s (2.70x). Each private chat's calls are now paced (a burst of 10, then 5 a
  second) and each chat's updates run at most 20 a second after a burst: section 6.
- **The pacing's first cut stalled the reminder fan-out**: forgetting idle chats swept every
  chat's limiter on every call once there were 512, and a fan-out to 10,000 chats keeps about
  that many: 23 429s and 90.2% of 30/s. Forgetting from the oldest end, amortised O(1), gave
  back 0 429s and 96.5% (section 2).
- **Pictures shown to several people at once were uploaded once per show**: the media
  benchmark's warm-up (5 people walking the desk routine in step) uploaded 11 files on SQLite
  and 35 on PostgreSQL for the routine's 7 pictures, since a file_id is stored only when its
  upload returns. Uploads of one picture now take turns in a process, and a show that waited
  names the file_id the first stored: 7 uploads on both (section 7).

Found by the fault suite (tests/faults, part of `make test`), each shown to fail on an injected
bug before it passed:

- Lost Telegram calls (an answer, an edit or a send that failed or timed out) surfaced as the
  bot's own errors and cut handlers short; a second answer to one callback query raised. Now
  swallowed and logged where harmless, and the next press repairs the message.
- An apology was sent on top of a reply that had timed out but arrived; a run whose first send
  timed out but arrived could not be repaired by tapping it. Both fixed.
- Three replies named no next step (found by the Hypothesis test); rewritten.
- In long polling, one update python-telegram-bot cannot read failed every getUpdates batch
  that held it, in a tight loop: nobody got an answer. Fixed in bot/telegram_bot.py (the batch is
  read one update at a time and the unreadable one passed on empty);
  tests/e2e/test_unreadable_update.py fails without it.
"""


Section = Callable[[dict[str, Any] | None], tuple[str, list[tuple[str, str, str]]]]


def _no_goals(render: Callable[[dict[str, Any] | None], str]) -> Section:
    return lambda data: (render(data), [])


# (figures in bench/out, heading, program, section, how its goal rows begin), in order.
SECTIONS: tuple[tuple[str, str, str, Section, str | None], ...] = (
    ("button_cost", "Button cost", "bench/button_cost.py", _button_section, "button cost"),
    ("reminder_fanout", "Reminder fan-out", "bench/reminder_fanout.py", _fanout_section, "fan-out"),
    ("schedule_scale", "Schedule scale", "bench/schedule_scale.py", _schedule_section, "claim "),
    ("memory", "Memory", "bench/memory.py", _memory_section, "peak RSS"),
    (
        "profile",
        "Profile of the button path",
        "bench/profile_buttons.py",
        _no_goals(_profile_section),
        None,
    ),
    ("fairness", "Fairness under a flood", "bench/fairness.py", _fairness_section, "fairness"),
    ("media_cost", "Media cost", "bench/media_cost.py", _media_section, "media"),
    ("team_fanout", "Team posts and boards", "bench/team_fanout.py", _team_section, "team "),
)
FOUND = "Found and fixed"
KEPT = "_Not run this time: kept from the run started {started} UTC (`{command}`)._"


def _found_number() -> int:
    """Return the number of the "Found and fixed" section (after every benchmark's)."""
    return len(SECTIONS) + 1


@dataclass(frozen=True)
class Earlier:
    """What an earlier RESULTS.md held: its sections by program, goal rows, start and command.

    numbers: each section's number then, to the program it was (or FOUND), so the section
    references in a kept section can follow a change in the numbering.
    """

    bodies: dict[str, str]
    goals: list[tuple[str, str, str]]
    started: str
    command: str
    numbers: dict[int, str]

    def renumber(self, body: str, now: dict[str, int]) -> str:
        """Return a kept section with its "section N" references in today's numbering."""

        def swap(match: re.Match[str]) -> str:
            number = now.get(self.numbers.get(int(match.group(2)), ""))
            return match.group(0) if number is None else f"{match.group(1)}{number}"

        return re.sub(r"\b(section )(\d+)\b", swap, body, flags=re.I)


def _earlier(path: Path) -> Earlier:
    """Read an earlier RESULTS.md."""
    if not path.exists():
        return Earlier({}, [], "", "", {})
    text = path.read_text()
    started = re.search(r"^\| started \(UTC\) \| ([^|]+?) \|$", text, re.M)
    command = re.search(r"^Produced by `([^`]+)`", text, re.M)
    bodies: dict[str, str] = {}
    goals: list[tuple[str, str, str]] = []
    numbers: dict[int, str] = {}
    for chunk in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        program = re.search(r"\(`(bench/[a-z_]+\.py)`\)$", heading)
        numbered = re.match(r"(\d+)\. (.+)$", heading.strip())
        if numbered is not None:
            key = program.group(1) if program is not None else numbered.group(2).strip()
            numbers[int(numbered.group(1))] = key
        if program is not None:
            bodies[program.group(1)] = body.strip()
        elif heading.strip() == "Goals":
            for line in body.strip().splitlines()[2:]:
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                if len(cells) == 3:
                    goals.append((cells[0], cells[1], cells[2]))
    return Earlier(
        bodies,
        goals,
        started.group(1).strip() if started else "an unknown time",
        command.group(1) if command else "unknown",
        numbers,
    )


def write_results(
    *,
    command: str,
    machine: dict[str, Any],
    started: datetime,
    total_seconds: float,
    timings: dict[str, float],
    failed: list[str],
) -> Path:
    """Write RESULTS.md from the saved figures; return its path.

    A benchmark with no figures in bench/out (not run since the folder was made) keeps its
    section and goal rows from the RESULTS.md there was, marked with the run they come from,
    so running one benchmark does not wipe the others' results.
    """
    earlier = _earlier(RESULTS)
    numbering = {program: n for n, (_, _, program, _, _) in enumerate(SECTIONS, start=1)}
    numbering[FOUND] = _found_number()
    goals: list[tuple[str, str, str]] = []
    parts: list[str] = []
    kept: list[str] = []
    for number, (name, title, program, render, prefix) in enumerate(SECTIONS, start=1):
        data = load(name)
        body, section_goals = render(data)
        if data is None and program in earlier.bodies:
            body = earlier.renumber(earlier.bodies[program], numbering)
            if not body.startswith("_Not run this time"):
                kept_from = KEPT.format(started=earlier.started, command=earlier.command)
                body = kept_from + "\n\n" + body
            section_goals = [
                (label, value if "(earlier run)" in value else f"{value} (earlier run)", verdict)
                for label, value, verdict in earlier.goals
                if prefix and label.startswith(prefix)
            ]
            kept.append(f"{number} ({name})")
        goals += section_goals
        parts.append(f"## {number}. {title} (`{program}`)\n\n{body}")
    per_bench = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
    note = (
        f" Sections kept from an earlier run, with their goal rows: {', '.join(kept)}; each "
        "says which run it comes from."
        if kept
        else ""
    )
    sections = [
        "# Benchmark results",
        f"Produced by `{command}` (each benchmark in its own process; `python -m bench NAME` "
        "runs one). The machine is small, shared and noisy, so every speed figure is judged as "
        "a ratio against a floor measured in the same run; absolute figures are for context. "
        "Raw figures, child logs and profiles of the run are in `bench/out/` (not committed).",
        _machine(machine, started, total_seconds),
        f"Time per benchmark: {per_bench}."
        + (f" **Failed: {', '.join(failed)}.**" if failed else "")
        + note,
        "## Goals\n\n" + table(["goal", "this run", "verdict"], goals),
        *parts,
        f"## {_found_number()}. {FOUND}\n\n" + FOUND_AND_FIXED,
    ]
    RESULTS.write_text("\n\n".join(sections) + "\n")
    return RESULTS
