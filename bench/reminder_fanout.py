"""Benchmark 2, reminder fan-out: 10,000 people due at the same instant, Telegram's limits on.

The people are loaded with SQL, all with the same next reminder instant (everyone who chose
09:00 in one zone), a few seconds after the bot starts. The bot is the real program
(`python -m bot run`, long polling and the APScheduler sweep) with REMINDER_RATE set for the
run; the double enforces Telegram's limits (30 sends/s overall, 1/s per chat, a sliding
window, 429 with retry_after beyond). Measured from the double's own records: the sustained
rate as a share of 30/s, the 429s, when the last reminder arrived, and how late each was.

Then a short second phase: the same fan-out while people tap through routines, to see what
the reminders' share leaves for live replies.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    OUT,
    QUICK,
    TOKEN,
    Child,
    child_env,
    database,
    database_kinds,
    median,
    open_chat,
    percentile,
    poll_until,
    publish,
    say,
    setup_logging,
    table,
    wait_polling,
)
from bench.driver import coach_scenario, latencies, run_load
from bench.people import Crowd, load, midday_zone
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Delivery
from bot.sandbox.double import BotApiDouble

CEILING = 30.0  # Telegram's overall limit, enforced by the double
PEOPLE = 1_000 if QUICK else 10_000
# The rate for the full run: see RESULTS.md for why (the smallest gap that still meets 95%).
RATE = float(os.environ.get("BENCH_REMINDER_RATE", "29"))
LIVE_SECONDS = 10 if QUICK else 15  # length of the fan-out with live taps
LIVE_PEOPLE = 8
FIRST_ID = 5_000_000
LEAD = timedelta(seconds=12)  # the due instant, after the load and the bot's start
# Early start (REMINDER_EARLY_MAX_SECONDS, bot/domain/early_start.py): the main run gives the
# bot room to start that early; the live runs keep it off (they time taps from the due instant).
EARLY = int(os.environ.get("BENCH_REMINDER_EARLY", "180"))
# Paid broadcasts: a crowd of PAID_PEOPLE with a budget that covers it, and one too small.
PAID_PEOPLE = 5_000 if QUICK else 100_000
# The paid run's crowd comes after an earlier one, as a bot that has run before sees it: the
# early start plans with the rate the senders reached in the earlier backlog (one Python
# process reaches about 500 a second, not the paid lane's 900), then with the one it measures.
WARMUP_PEOPLE = 1_000 if QUICK else 15_000
# A deployment for 100,000 people runs on PostgreSQL with more than one sending process (README:
# "Running reminders in separate processes"): the paid run does too, where PostgreSQL answers.
PAID_SENDERS = 2
# The earlier crowd's minute, before the main one's: its backlog is over before the main
# crowd may start (at most REMINDER_EARLY_MAX_SECONDS early).
WARMUP_BEFORE = timedelta(seconds=300)
PAID_LIMIT = 1000.0  # Telegram's paid broadcasts a second, enforced by the double
SMALL_BUDGET_STARS = 50  # 500 paid messages


def max_in_window(stamps: list[float], span: float = 1.0) -> int:
    """Return the most events in any window of `span` seconds (Telegram's sliding window)."""
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, at in enumerate(stamps):
        while stamps[start] <= at - span:
            start += 1
        best = max(best, end - start + 1)
    return best


async def fanout(
    rate: float,
    people: int,
    workdir: Path,
    *,
    live: bool = False,
    tag: str = "fanout",
    early: int = 0,
    stars: int = 0,
    warmup: int = 0,
    kind: str = "sqlite",
    senders: int = 1,
) -> dict[str, Any]:
    """Run one fan-out; return its figures (stars: PAID_BROADCAST_STARS_PER_DAY).

    warmup: people due WARMUP_BEFORE the main crowd, sent by the same bot first (their sends
    are not in the figures, except the Stars, which count both crowds). senders: processes
    sending reminders (the bot, plus `run --reminders-only` ones), on a database of `kind`.
    """
    async with database(kind, workdir, migrated=True) as db:
        due_at = datetime.now(UTC) + LEAD + timedelta(seconds=early)
        if warmup:
            due_at += WARMUP_BEFORE
            before = due_at - WARMUP_BEFORE
            await load(
                db,
                Crowd(
                    count=warmup,
                    due=warmup,
                    now=before,
                    first_id=FIRST_ID + people,
                    due_window=timedelta(0),
                    off_share=0.0,
                    zone=midday_zone(before),
                ),
            )
        crowd = Crowd(
            count=people,
            due=people,
            now=due_at,
            first_id=FIRST_ID,
            due_window=timedelta(0),
            off_share=0.0,
            zone=midday_zone(due_at),
        )
        await load(db, crowd)
        async with BotApiDouble(token=TOKEN) as double:
            double.enforce_limits(
                per_second=CEILING, per_chat_per_second=1, paid_per_second=PAID_LIMIT
            )
            chats = {FIRST_ID + i for i in range(people)}
            for chat_id in chats | {FIRST_ID + people + i for i in range(warmup)}:
                open_chat(double, chat_id, f"P{chat_id}")
            env = child_env(
                db.url,
                double,
                REMINDER_RATE=f"{rate:g}",
                REMINDER_EARLY_MAX_SECONDS=str(early),
                PAID_BROADCAST_STARS_PER_DAY=str(stars),
                DEFAULT_TIMEZONE="UTC",
                LOG_LEVEL="INFO",
            )
            child = Child(["-m", "bot", "run"], env, OUT / "logs" / f"{tag}.log", workdir)
            extra = [
                Child(
                    ["-m", "bot", "run", "--reminders-only"],
                    env,
                    OUT / "logs" / f"{tag}-sender-{number}.log",
                    workdir,
                )
                for number in range(1, senders)
            ]
            child.start()
            for sender in extra:
                sender.start()
            live_load = None
            # The double keeps every message; a full garbage collection over them would stall
            # its event loop and bunch up the timestamps (and flood counts) of the sends that
            # arrive meanwhile, which Telegram's servers would not do.
            gc.collect()
            gc.freeze()
            gc.disable()
            try:
                await wait_polling(double, child)
                if due_at.timestamp() < time.time():
                    raise RuntimeError("the bot took longer to start than the lead time")
                sent = _sent_counter(double)
                # Paid runs: allow for a bot far below the paid limit (the figure says how far).
                per_second = 150.0 if stars else min(rate, CEILING)
                budget = (
                    LIVE_SECONDS + 60
                    if live
                    else early
                    + (people + warmup) / per_second * 1.5
                    + 60
                    + (WARMUP_BEFORE.total_seconds() if warmup else 0)
                )
                if live:
                    await asyncio.sleep(max(0.0, due_at.timestamp() - time.time() + 3))
                    live_load = await _live_taps(double, LIVE_SECONDS)
                else:
                    await poll_until(
                        lambda: sent() >= people + warmup,
                        timeout=budget,
                        what=f"{people} reminders",
                        interval=0.5,
                        child=child,
                    )
            finally:
                gc.enable()
                for sender in extra:
                    await sender.stop()
                await child.stop()
        figures = _figures(double, chats, due_at.timestamp(), rate, people)
        figures["early_setting_s"] = early
        figures["warmup_people"] = warmup
        figures["database"] = kind
        figures["senders"] = senders
        figures["stars_budget"] = stars
        figures["paid_messages"] = double.paid_messages
        figures["stars_spent"] = double.stars_spent
        figures["deliveries"] = await _delivery_statuses(db.url)
        if live_load is not None:
            timed, _ = latencies(double, live_load.actions)
            values = [latency for _, latency in timed]
            figures["live"] = {
                "people": LIVE_PEOPLE,
                "updates": len(live_load.actions),
                "p50_ms": 1000 * median(values),
                "p90_ms": 1000 * percentile(values, 90),
                "p99_ms": 1000 * percentile(values, 99),
                "max_ms": 1000 * max(values, default=float("nan")),
            }
        figures["tag"] = tag
        return figures


def _sent_counter(double: BotApiDouble) -> Callable[[], int]:
    """Return a callable counting the sends that got through so far, in constant time.

    (Scanning the call records while the double serves would hold its event loop and bunch
    up the timestamps of the sends that arrive meanwhile.)
    """
    return lambda: double.count("sendMessage") - double.throttled


async def _live_taps(double: BotApiDouble, seconds: float) -> Any:
    """People doing routines (with a little thought between taps) during the fan-out."""
    scenario = coach_scenario()
    routines = max(1, int(seconds / (scenario.updates_per_routine * 2.0)))
    ids = range(9_000_000, 9_000_000 + LIVE_PEOPLE)
    return await run_load(double, scenario, ids, routines=routines, think=(1.5, 2.5), seed=3)


def _figures(
    double: BotApiDouble, chats: set[int], due: float, rate: float, people: int
) -> dict[str, Any]:
    stamps: list[float] = []
    per_chat: Counter[int] = Counter()
    all_sends: list[float] = []
    for record in double.calls:
        if record.method != "sendMessage" or record.status != 200:
            continue
        all_sends.append(record.at)
        chat = int(record.params.get("chat_id", 0))
        if chat in chats:
            stamps.append(record.at)
            per_chat[chat] += 1
    stamps.sort()
    sent = len(stamps)
    first, last = (stamps[0], stamps[-1]) if stamps else (due, due)
    sustained = (sent - 1) / (last - first) if sent > 1 and last > first else float("nan")
    lateness = [at - due for at in stamps]
    # Punctuality: each reminder's distance from the chosen minute, early (< 0) or late.
    off_by = [abs(offset) for offset in lateness]
    # Pauses: gaps between consecutive sends longer than two regular spacings.
    spacing = 1 / min(rate, CEILING)
    gaps = [b - a for a, b in itertools.pairwise(stamps) if b - a > 2 * spacing]
    return {
        "rate_setting": rate,
        "people": people,
        "sent": sent,
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "missing": len(chats) - len(per_chat),
        "throttled_429": double.throttled,
        "sustained_per_s": sustained,
        "share_of_ceiling": sustained / CEILING,
        "overall_per_s": sent / (last - due) if last > due else float("nan"),
        "first_after_due_s": first - due,
        "last_after_due_s": last - due,
        "lateness_p50_s": median(lateness),
        "lateness_p95_s": percentile(lateness, 95),
        "earliest_s": min(lateness, default=0.0),
        "offset_p50_s": median(off_by),
        "offset_p95_s": percentile(off_by, 95),
        "offset_max_s": max(off_by, default=0.0),
        "max_sends_in_1s_window": max_in_window(all_sends),
        "pauses": len(gaps),
        "paused_s": sum(gaps),
        "longest_pause_s": max(gaps, default=0.0),
    }


async def _delivery_statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            )
            return {str(status): int(count) for status, count in rows.all()}
    finally:
        await engine.dispose()


def render(main_run: dict[str, Any], live: list[dict[str, Any]]) -> str:
    """Return the fan-out tables."""
    rows = [
        (
            f"{r['rate_setting']:g}",
            r["people"],
            r["sent"],
            r["throttled_429"],
            r["sustained_per_s"],
            f"{100 * r['share_of_ceiling']:.1f}%",
            r["max_sends_in_1s_window"],
            r["first_after_due_s"],
            r["last_after_due_s"],
            r["offset_p50_s"],
            r["offset_p95_s"],
            r["duplicates"],
            r["missing"],
        )
        for r in [main_run]
    ]
    text = table(
        [
            "REMINDER_RATE",
            "people due",
            "sent",
            "429s",
            "sustained /s",
            "share of 30/s",
            "most sends in any 1 s",
            "first (s from the minute)",
            "last (s from the minute)",
            "distance p50 (s)",
            "distance p95 (s)",
            "duplicates",
            "missing",
        ],
        rows,
    )
    if live:
        text += "\n\n" + table(
            [
                "REMINDER_RATE",
                "reminders sent",
                "429s",
                "reminders /s",
                "live taps",
                "tap p50 ms",
                "tap p90 ms",
                "tap p99 ms",
            ],
            [
                (
                    f"{r['rate_setting']:g}",
                    r["sent"],
                    r["throttled_429"],
                    r["sustained_per_s"],
                    r["live"]["updates"],
                    r["live"]["p50_ms"],
                    r["live"]["p90_ms"],
                    r["live"]["p99_ms"],
                )
                for r in live
            ],
        )
    return text


def render_paid(runs: list[dict[str, Any]]) -> str:
    """Return the paid broadcasts' table."""
    return table(
        [
            "people due",
            "database, senders",
            "an earlier crowd",
            "Stars a day",
            "sent",
            "paid",
            "Stars spent",
            "429s",
            "sustained /s",
            "distance p50 (s)",
            "distance p95 (s)",
            "last (s from the minute)",
            "duplicates",
            "missing",
        ],
        [
            (
                r["people"],
                f"{r.get('database', 'sqlite')}, {r.get('senders', 1)}",
                r.get("warmup_people", 0),
                r["stars_budget"],
                r["sent"],
                r["paid_messages"],
                r["stars_spent"],
                r["throttled_429"],
                r["sustained_per_s"],
                r["offset_p50_s"],
                r["offset_p95_s"],
                r["last_after_due_s"],
                r["duplicates"],
                r["missing"],
            )
            for r in runs
        ],
    )


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reminder_fanout")
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--live-rates", default=f"20,{RATE:g}", help="live phase rates")
    parser.add_argument("--early", type=int, default=EARLY, help="REMINDER_EARLY_MAX_SECONDS")
    parser.add_argument("--paid-people", type=int, default=PAID_PEOPLE, help="0: no paid runs")
    args = parser.parse_args()
    setup_logging()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        workdir = Path(tmp)
        say(f"reminder fan-out: {args.people} people at REMINDER_RATE={args.rate:g} ...")
        main_run = await fanout(args.rate, args.people, workdir, early=args.early)
        say(
            f"  {main_run['sent']} sent, {main_run['throttled_429']} 429s, "
            f"{main_run['sustained_per_s']:.2f}/s, last after {main_run['last_after_due_s']:.0f} s"
        )
        paid = []
        if args.paid_people:
            # A budget that covers the whole crowd (0.1 Star a message), then one too small.
            kinds = await database_kinds()
            big = ("postgresql", PAID_SENDERS) if "postgresql" in kinds else ("sqlite", 1)
            for people, stars, warmup, (kind, senders) in (
                (args.paid_people, args.paid_people + WARMUP_PEOPLE, WARMUP_PEOPLE, big),
                (args.paid_people // 50, SMALL_BUDGET_STARS, 0, ("sqlite", 1)),
            ):
                say(f"paid broadcasts: {people} people, {stars} Stars a day ...")
                run = await fanout(
                    args.rate,
                    people,
                    workdir,
                    early=args.early,
                    stars=stars,
                    tag=f"paid-{stars}",
                    warmup=warmup,
                    kind=kind,
                    senders=senders,
                )
                say(
                    f"  {run['sent']} sent ({run['paid_messages']} paid, {run['stars_spent']:g} "
                    f"Stars), {run['throttled_429']} 429s, p95 distance {run['offset_p95_s']:.0f} s"
                )
                paid.append(run)
        live = []
        for raw in filter(None, args.live_rates.split(",")):
            rate = float(raw)
            people = int(rate * (LIVE_SECONDS + 30))
            say(f"fan-out with live taps: REMINDER_RATE={rate:g}, {LIVE_SECONDS} s ...")
            live.append(await fanout(rate, people, workdir, live=True, tag=f"fanout-live-{rate:g}"))
    text = render(main_run, live)
    await publish(
        "reminder_fanout",
        text,
        started,
        ceiling=CEILING,
        main=main_run,
        live=live,
        paid=paid,
        paid_table=render_paid(paid) if paid else "",
    )


if __name__ == "__main__":
    asyncio.run(main())
