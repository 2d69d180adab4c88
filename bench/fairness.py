"""Benchmark 6, fairness under a flood: other people's reply time while one chat floods the bot.

The real bot runs in its own process (`python -m bench.botproc coach`: long polling, the
production rate limiter) against the double, which enforces Telegram's limits (30 sends/s
overall, 1/s per chat, 20 sends and edits a minute per group). Ten people (the "others") use
the bot as people do: half walk through desk routines, half send /streak. They act in waves:
in a wave each of them sends one update, at a random moment within STAGGER seconds, and once
the bot has handled all of them they pause 1.5-2.5 s, like a person, before the next wave.

Rounds rotate between three cases, so the machine's background load falls on all of them alike:
- baseline: one wave, nothing else going on;
- private flood: one private chat sends PRIVATE_FLOOD button presses at once (Harder and
  Easier on its own run in turn, each applied: a committed write, an answer and an edit), and
  waves go on, a person's pause apart, for as long as the flood lasts;
- group flood: one group (a new one each round) sends GROUP_FLOOD commands at once from
  GROUP_MEMBERS members, and waves go on for as long as it lasts.

A reply time runs from pushing the update into the double until the bot's last call for it
arrived there (driver.latencies, from the double's own timestamps). In a flood case only the
others' updates pushed before the flood's last update was handled count. When the bot handled
each update (and so each flood's end and order) comes from the bot process itself (botproc
--handled). Each setting (database, CONCURRENT_UPDATES) is one bot process.

BENCH_FAIRNESS_PROCESSOR=FILE runs the bot with another update processor module (such as the one
before the fix, from git) and saves the figures as fairness_override instead of fairness.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    QUICK,
    TOKEN,
    Child,
    child_env,
    database,
    database_kinds,
    fmt,
    median,
    percentile,
    publish,
    ratio,
    say,
    setup_logging,
    table,
    wait_polling,
)
from bench.driver import SCREENING_NO, Action, Match, coach_scenario, latencies
from bot.sandbox.double import BotApiDouble, ChatMessage, Person
from handlers.callback_data import CallbackDataError, Press, RunButton, pack, parse

OTHERS = 4 if QUICK else 10
PRIVATE_FLOOD = 50 if QUICK else 150  # even: the level the presses toggle ends where it began
GROUP_FLOOD = 40 if QUICK else 120
GROUP_MEMBERS = 6
GROUP_COMMANDS = ("/streak", "/routine", "/help", "/start", "/settings@{bot}", "/about")
THINK = (1.5, 2.5)
STAGGER = 0.1
CASES = ("baseline", "private flood", "group flood")
KINDS = ("/streak", "/routine", "press")


@dataclass(frozen=True)
class Setting:
    """One bot process: CONCURRENT_UPDATES, the database, and the samples each case should get."""

    concurrent_updates: int
    samples: int
    max_seconds: float
    kind: str = "sqlite"


SETTINGS = (
    (Setting(64, 20, 60), Setting(8, 10, 40))
    if QUICK
    else (
        # The default (SQLite, CONCURRENT_UPDATES=64): a goal.
        Setting(64, 100, 150),
        # Few slots, where the old processor's starvation is plainest.
        Setting(8, 40, 70),
        # PostgreSQL, when a server answers: a goal too.
        Setting(64, 60, 90, kind="postgresql"),
    )
)
FLOOD_TIMEOUT = 120.0
FIRST_OTHER = 200_001
FLOODER = 300_001
FIRST_MEMBER = 400_001
FIRST_GROUP = -4_100_000_001


class HandledLog:
    """The bot's record of the updates it handled (botproc --handled), read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handled: dict[int, tuple[int, float, float]] = {}  # id: (chat, began, ended)
        self._offset = 0
        self._rest = b""

    def refresh(self) -> None:
        """Read the lines the bot wrote since the last call."""
        try:
            with self.path.open("rb") as source:
                source.seek(self._offset)
                data = source.read()
        except FileNotFoundError:
            return
        self._offset += len(data)
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        for line in lines:
            update_id, chat_id, began, ended = line.split()
            self.handled[int(update_id)] = (int(chat_id), float(began), float(ended))

    def done(self, update_ids: Iterable[int]) -> bool:
        """Return whether the bot handled every one of these updates."""
        self.refresh()
        return all(update_id in self.handled for update_id in update_ids)

    async def wait(self, update_ids: Iterable[int], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Wait until the bot handled every one of these updates."""
        wanted = list(update_ids)
        deadline = time.monotonic() + timeout
        while not self.done(wanted):
            if time.monotonic() > deadline:
                missing = sum(1 for u in wanted if u not in self.handled)
                raise TimeoutError(
                    f"{missing} of {len(wanted)} updates unhandled after {timeout} s: {what}"
                )
            await asyncio.sleep(0.01)


def _button(message: ChatMessage | None, match: Match) -> str | None:
    if message is None:
        return None
    for row in message.buttons:
        for button in row:
            if button.callback_data and match(button.text):
                return button.text
    return None


@dataclass
class Other:
    """A person using the bot as usual: through desk routines, or asking for the streak."""

    person: Person
    walks_routines: bool
    step: int = 0  # routines: 0 is /routine, then the presses of the scenario

    async def act(self) -> tuple[int, str]:
        """Send the next update; return its id and its kind."""
        if not self.walks_routines:
            return await self.person.send("/streak"), "/streak"
        scenario = coach_scenario()
        if self.step > 0:
            message = self.person.last_bot_message
            if message is not None and SCREENING_NO in message.button_texts:
                # The one-time hip question before this person's first routine: No starts it.
                return await self.person.press(SCREENING_NO, message_id=message.message_id), "press"
            label = _button(message, scenario.presses[self.step - 1])
            if message is not None and label is not None:
                self.step = (self.step + 1) % scenario.updates_per_routine
                return await self.person.press(label, message_id=message.message_id), "press"
        self.step = 1
        return await self.person.send(scenario.command), scenario.command


@dataclass
class Case:
    """What one case gathered over its rounds."""

    name: str
    actions: list[Action] = field(default_factory=list)
    flood_ended: dict[int, float] = field(default_factory=dict)  # action update id: flood end
    floods: list[dict[str, Any]] = field(default_factory=list)
    rounds: int = 0
    waves: int = 0
    throttled: int = 0
    bot_cpu_s: float = 0.0  # the bot process's CPU time over the rounds (pauses left out)
    wall_s: float = 0.0

    def counted(self) -> int:
        """Return how many of the others' updates count (pushed while the flood lasted)."""
        ends = self.flood_ended
        return sum(1 for a in self.actions if a.pushed_at < ends.get(a.update_id, math.inf))


class Bench:
    """One bot process with its double, the others, the flooder and the groups."""

    def __init__(
        self, double: BotApiDouble, log: HandledLog, bot_cpu: Callable[[], float], seed: int
    ) -> None:
        self.double = double
        self.log = log
        self.bot_cpu = bot_cpu
        self.rng = random.Random(seed)
        self.others = [
            Other(double.user(FIRST_OTHER + i, f"O{i}"), walks_routines=i % 2 == 0)
            for i in range(OTHERS)
        ]
        self.flooder = double.user(FLOODER, "Flo")
        self.groups = 0
        self.run_message = 0

    async def warm_up(self) -> None:
        """Every other person acts once, and the flooder starts the run it will hammer."""
        await self.wave(Case("warm-up"))
        await asyncio.sleep(self.rng.uniform(*THINK))
        scenario = coach_scenario()
        first = await self.flooder.send(scenario.command)
        await self.log.wait([first], 30, "the flooder's /routine")
        message = self.flooder.last_bot_message
        label = _button(message, scenario.presses[0])
        assert message is not None and label is not None, "no routine button for the flooder"
        await asyncio.sleep(1.1)  # Telegram's one message a second per chat: no 429 here
        pressed = await self.flooder.press(label, message_id=message.message_id)
        await self.log.wait([pressed], 30, "the flooder's start of a routine")
        question = self.flooder.last_bot_message
        if question is not None and SCREENING_NO in question.button_texts:
            # The one-time hip question before a first routine: its No starts the routine.
            await asyncio.sleep(1.1)
            pressed = await self.flooder.press(SCREENING_NO, message_id=question.message_id)
            await self.log.wait([pressed], 30, "the flooder's answer to the hip question")
        run = self._run_button()
        assert run is not None, "the flooder's run shows no run buttons"

    def _run_button(self) -> RunButton | None:
        message = self.flooder.last_bot_message
        if message is None:
            return None
        for row in message.buttons:
            for button in row:
                try:
                    data = parse(button.callback_data)
                except CallbackDataError:
                    continue
                if isinstance(data, RunButton):
                    self.run_message = message.message_id
                    return data
        return None

    async def wave(self, case: Case) -> None:
        """Each other person sends one update (spread over STAGGER s); wait until all handled."""

        async def one(other: Other) -> Action:
            await asyncio.sleep(self.rng.uniform(0, STAGGER))
            pushed = time.time()
            update_id, kind = await other.act()
            return Action(other.person.user_id, update_id, pushed, kind, 0)

        actions = await asyncio.gather(*(one(other) for other in self.others))
        await self.log.wait([a.update_id for a in actions], FLOOD_TIMEOUT, "the others' wave")
        case.actions.extend(actions)
        case.waves += 1

    async def private_flood(self) -> tuple[list[int], int]:
        """Push PRIVATE_FLOOD presses on the flooder's run at once; return their ids, version.

        Each press carries the version the run will have when its turn comes, as if each tap
        came after the previous edit arrived, so every one is applied. (The double's people
        never suspend while pushing, so the whole flood is queued before anything else runs.)
        """
        run = self._run_button()
        assert run is not None, "the flooder's run message lost its buttons"
        ids = []
        for i in range(PRIVATE_FLOOD):
            press = Press.HARDER if i % 2 == 0 else Press.EASIER
            data = pack(RunButton(run.run_id, run.version + i, press))
            ids.append(await self.flooder.press_data(data, message_id=self.run_message))
        return ids, run.version

    async def group_flood(self) -> list[int]:
        """Push GROUP_FLOOD commands from GROUP_MEMBERS members of a new group at once."""
        self.groups += 1
        group = self.double.group(FIRST_GROUP - self.groups, f"Team {self.groups}")
        members = [group.member(FIRST_MEMBER + j, f"M{j}") for j in range(GROUP_MEMBERS)]
        ids = []
        for i in range(GROUP_FLOOD):
            text = GROUP_COMMANDS[i % len(GROUP_COMMANDS)].format(bot=self.double.username)
            ids.append(await members[i % GROUP_MEMBERS].send(text))
        return ids

    async def round(self, case: Case) -> None:
        """One round of a case: the flood (if any), then waves while it lasts, then a pause."""
        throttled = self.double.throttled
        flood: list[int] = []
        version = 0
        cpu = self.bot_cpu()
        started = time.time()
        if case.name == "private flood":
            flood, version = await self.private_flood()
        elif case.name == "group flood":
            flood = await self.group_flood()
        before = len(case.actions)
        await self.wave(case)
        # Further waves, a person's pause apart, for as long as the flood lasts.
        while flood and not self.log.done(flood):
            await asyncio.sleep(self.rng.uniform(*THINK))
            if self.log.done(flood):
                break
            await self.wave(case)
        if flood:
            await self.log.wait(flood, FLOOD_TIMEOUT, case.name)
            handled = [self.log.handled[u] for u in flood]
            ended = max(end for _, _, end in handled)
            by_start = [
                u for u, _ in sorted(zip(flood, handled, strict=True), key=lambda pair: pair[1][1])
            ]
            record: dict[str, Any] = {
                "updates": len(flood),
                "handled": len(handled),
                "in_order": by_start == sorted(flood),
                "seconds": ended - started,
            }
            if case.name == "private flood":
                run = self._run_button()
                record["applied"] = (run.version - version) if run is not None else 0
                record["answered"] = sum(1 for u in flood if self.double.answer_for(u) is not None)
            case.floods.append(record)
            for action in case.actions[before:]:
                case.flood_ended[action.update_id] = ended
        case.bot_cpu_s += self.bot_cpu() - cpu
        case.wall_s += time.time() - started
        case.rounds += 1
        case.throttled += self.double.throttled - throttled
        await asyncio.sleep(self.rng.uniform(*THINK))


async def measure(setting: Setting, workdir: Path, processor: Path | None) -> dict[str, Any]:
    """Run the three cases against one bot process; return their figures."""
    n = setting.concurrent_updates
    name = f"fairness-{setting.kind}-{n}"
    handled = workdir / f"{name}.handled"
    args = ["-m", "bench.botproc", "coach", "--handled", str(handled)]
    if processor is not None:
        args += ["--processor", str(processor)]
    async with database(setting.kind, workdir) as db, BotApiDouble(token=TOKEN) as double:
        double.enforce_limits()  # Telegram's: 30/s overall, 1/s per chat, 20/min per group
        child = Child(
            args,
            child_env(db.url, double, LOG_LEVEL="INFO", CONCURRENT_UPDATES=str(n)),
            OUT / "logs" / f"{name}.log",
            workdir,
        )
        child.start()
        cases = {case: Case(case) for case in CASES}
        try:
            await wait_polling(double, child)
            bench = Bench(double, HandledLog(handled), child.cpu_seconds, seed=42)
            await bench.warm_up()
            begun = time.monotonic()
            turn = 0
            while time.monotonic() - begun < setting.max_seconds:
                short = [c for c in cases.values() if c.counted() < setting.samples]
                if not short:
                    break
                case = cases[CASES[turn % len(CASES)]]
                turn += 1
                if case in short:
                    await bench.round(case)
        finally:
            ended = await child.stop()
        if ended.code != 0:
            raise RuntimeError(f"the bot exited with {ended.code}:\n{child.tail()}")
        timed, _ = latencies(double, [a for c in cases.values() for a in c.actions])
    reply = {action.update_id: latency for action, latency in timed}
    results = [_figures(case, reply) for case in cases.values()]
    base = results[0]
    for result in results:
        result["p50_ratio"] = ratio(result["p50_ms"], base["p50_ms"])
        result["p95_ratio"] = ratio(result["p95_ms"], base["p95_ms"])
    return {
        "kind": setting.kind,
        "concurrent_updates": n,
        "results": results,
    }


def _figures(case: Case, reply: dict[int, float]) -> dict[str, Any]:
    """Return a case's figures: the others' reply times that count, and its floods."""
    counted = [
        a
        for a in case.actions
        if a.update_id in reply and a.pushed_at < case.flood_ended.get(a.update_id, math.inf)
    ]
    values = [reply[a.update_id] for a in counted]
    by_kind = {}
    for kind in KINDS:
        found = [reply[a.update_id] for a in counted if a.kind == kind]
        by_kind[kind] = {
            "samples": len(found),
            "p50_ms": 1000 * median(found),
            "p95_ms": 1000 * percentile(found, 95),
        }
    floods = case.floods
    return {
        "case": case.name,
        "rounds": case.rounds,
        "waves": case.waves,
        "updates": len(case.actions),
        "samples": len(values),
        "unanswered": sum(1 for a in case.actions if a.update_id not in reply),
        "p50_ms": 1000 * median(values),
        "p95_ms": 1000 * percentile(values, 95),
        "max_ms": 1000 * max(values, default=math.nan),
        "by_kind": by_kind,
        "floods": floods,
        "flood_seconds_median": median([f["seconds"] for f in floods]),
        "flood_seconds_max": max((f["seconds"] for f in floods), default=math.nan),
        # Every update handled, each chat's in the order sent, and (private) every press
        # applied: nothing the flooder did is lost or reordered.
        "flood_served": all(
            f["handled"] == f["updates"]
            and f["in_order"]
            and f.get("applied", f["updates"]) == f["updates"]
            for f in floods
        ),
        # Presses answered while Telegram still takes an answer (about 15 s): a flood paced
        # behind its own chat runs longer than that, and its last presses' spinners time out.
        "flood_answered": ", ".join(
            f"{f['answered']}/{f['updates']}" for f in floods if "answered" in f
        ),
        "throttled": case.throttled,
        "bot_cpu_share": ratio(case.bot_cpu_s, case.wall_s),
    }


def render(runs: list[dict[str, Any]]) -> str:
    """Return the table of every setting's cases and the main setting's figures by kind."""
    rows = []
    for run in runs:
        for r in run["results"]:
            flood = r["case"] != "baseline"
            rows.append(
                (
                    run["kind"],
                    run["concurrent_updates"],
                    r["case"],
                    len(r["floods"]) if flood else "",
                    r["samples"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p50_ratio"] if flood else "",
                    r["p95_ratio"] if flood else "",
                    f"{fmt(r['flood_seconds_median'])} / {fmt(r['flood_seconds_max'])}"
                    if flood
                    else "",
                    r["flood_served"] if flood else "",
                    r.get("flood_answered", "") if flood else "",
                    f"{100 * r['bot_cpu_share']:.0f}%",
                    r["throttled"],
                )
            )
    main = table(
        [
            "database",
            "CONCURRENT_UPDATES",
            "case",
            "floods",
            "others' updates",
            "p50 ms",
            "p95 ms",
            "p50 / baseline",
            "p95 / baseline",
            "flood handled in s (median / max)",
            "flood served in full, in order",
            "flood's presses answered in time",
            "bot CPU, share of a core",
            "429s",
        ],
        rows,
    )
    kind_rows = [
        (
            run["kind"],
            run["concurrent_updates"],
            r["case"],
            kind,
            v["samples"],
            v["p50_ms"],
            v["p95_ms"],
        )
        for run in runs
        for r in run["results"]
        for kind, v in r["by_kind"].items()
        if run is runs[0] and v["samples"]
    ]
    by_kind = table(
        [
            "database",
            "CONCURRENT_UPDATES",
            "case",
            "update",
            "count",
            "p50 ms",
            "p95 ms",
        ],
        kind_rows,
    )
    return main + "\n\nThe others' reply times by update, first setting:\n\n" + by_kind


def other_processor() -> Path | None:
    """Return the update processor module BENCH_FAIRNESS_PROCESSOR names, if any."""
    override = os.environ.get("BENCH_FAIRNESS_PROCESSOR")
    return Path(override).resolve(strict=True) if override else None


async def main() -> None:
    setup_logging()
    started = time.time()
    processor = other_processor()
    kinds = await database_kinds()
    settings = [s for s in SETTINGS if s.kind in kinds]
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as tmp:
        for setting in settings:
            also = f", processor {processor}" if processor else ""
            say(
                f"fairness: {setting.kind}, CONCURRENT_UPDATES={setting.concurrent_updates}"
                f"{also} ..."
            )
            run = await measure(setting, Path(tmp), processor)
            for r in run["results"]:
                line = (
                    f"  {r['case']}: {r['samples']} of the others' updates, p50 "
                    f"{r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms"
                )
                if r["floods"]:
                    line += (
                        f" ({r['p50_ratio']:.2f}x, {r['p95_ratio']:.2f}x); {len(r['floods'])} "
                        f"floods, each handled in {r['flood_seconds_median']:.2f} s, served "
                        f"in full and in order: {fmt(r['flood_served'])}"
                    )
                say(line)
            runs.append(run)
    await publish(
        "fairness_override" if processor else "fairness",
        render(runs),
        started,
        processor=str(processor) if processor else "bot/update_processor.py",
        others=OTHERS,
        private_flood=PRIVATE_FLOOD,
        group_flood=GROUP_FLOOD,
        group_members=GROUP_MEMBERS,
        think=THINK,
        stagger=STAGGER,
        settings=[s.__dict__ for s in settings],
        runs=runs,
    )


if __name__ == "__main__":
    asyncio.run(main())
