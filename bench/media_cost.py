"""Benchmark 7, media cost: what showing each step as an animation costs, against floors.

Every picture is rendered first, with one worker, into an empty temporary MEDIA_DIR that every
bot of the run then uses (so no bot renders while it is measured). Three measurements:

- Render: the time to render every picture (MediaCatalog.pictures(): each exercise's three
  versions for each side it has, and each routine's sheet) with one worker, as a ratio to the
  time to load the content library (load_library(), the median of several loads around the
  render) measured in the same run: both are CPU-bound Python work of this process, so the
  ratio stays put when the machine is slower or busier, while the seconds do not.
- A press that changes the media: button_cost's paced regime (50 people, 1.5-2.5 s between
  taps, desk routines, the production rate limiter), each bot in its own process: the floor
  (bench.botproc floor), the coach with animations, and the coach with the data saver on for
  everyone (text steps). The people are loaded into the database before the bot starts (with
  the data saver on for the text bot); five warm-up people walk one routine first, so every
  picture of the desk routine is uploaded and its file_id stored before the measured phase:
  the measured presses show pictures by file_id (editMessageMedia), and no upload happens in
  it (counted). The desk routine goes exercise by exercise, left side then right: every Done
  but the last puts another animation in the message; those are the presses counted in the
  media rows (steps 2-6), the same steps of the floor and the text bot against them.
- First upload: on a fresh database and a fresh double one screened person walks routines that
  show every picture once (the full routine with every exercise at the standard, the easier and
  the harder version, set before each routine through the bot's own level repository, then the
  desk and the floor routines for their sheets), then walks the same again. Uploads and bytes
  come from the double's records; a press's latency runs from pushing it until the bot's
  handler for it ended (botproc --handled: after the upload was answered and its file_id
  stored), and, beside it, until the bot's last call for it reached the double.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bench import people
from bench.common import (
    OUT,
    QUICK,
    TOKEN,
    Child,
    child_env,
    cpu_of,
    cpu_per_update,
    database,
    database_kinds,
    fmt,
    median,
    percentile,
    pg_backend_pids,
    publish,
    ratio,
    say,
    setup_logging,
    table,
    wait_polling,
)
from bench.driver import Action, Scenario, desk_steps, floor_scenario, latencies, run_load
from bench.fairness import HandledLog
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Person
from bot.db.repositories.levels import LevelRepository
from bot.domain.run import plan_steps
from bot.domain.screening import Screening
from bot.media.catalog import MediaCatalog, render_missing
from bot.sandbox.double import BotApiDouble
from content import LEVELS, library, load_library
from handlers import formats

PEOPLE = 10 if QUICK else 50
WARMUP_PEOPLE = 5
FIRST_ID = 200_000
WARMUP_ID = 290_000
WALKER_ID = 300_000
# button_cost's paced regime: about 25 updates/s offered, under the rate limiter's 30 calls/s.
THINK = (1.5, 2.5)
# The walker waits a little between presses, so each press is handled on its own.
WALK_THINK = (0.15, 0.25)
LIBRARY_LOADS = 3 if QUICK else 5
# One worker is the figure; a quick try-out renders with two to save time.
RENDER_WORKERS = 2 if QUICK else 1
# The Done presses that put another animation in the message: all but the last (the summary).
MEDIA_STEPS = tuple(range(2, desk_steps() + 1))
# The pictures of the desk routine: an animation per exercise and side, and its sheet.
DESK_PICTURES = 1 + len(
    {(s.exercise_id, s.side) for s in plan_steps(library().routine("desk"), library().exercises)}
)
# (routine, version of every exercise) in the order the walker does them.
WALK: tuple[tuple[str, int], ...] = (
    *(("full", level) for level in (0, -1, 1)),
    ("desk", 0),
    ("floor", 0),
)
MEDIA_METHODS = (
    "sendAnimation",
    "sendPhoto",
    "sendMessage",
    "editMessageMedia",
    "editMessageCaption",
    "editMessageText",
)


@dataclass(frozen=True)
class Bot:
    """One bot of the press measurement: the program and whether people save data."""

    name: str
    app: str
    data_saver: bool


BOTS = (Bot("floor", "floor", False), Bot("text", "coach", True), Bot("media", "coach", False))
# (base, compared) for the ratio table.
PAIRS = (("floor", "media"), ("floor", "text"), ("text", "media"))


def routine_scenario(routine_id: str) -> Scenario:
    """/routine, the routine's button, then Done on every step."""
    lib = library()
    routine = lib.routine(routine_id)
    label = lib.texts.routine_button.format(
        title=routine.title, minutes=formats.minutes(lib, routine.minutes)
    )
    done = lib.texts.btn_done.split("{", 1)[0]
    steps = len(plan_steps(routine, lib.exercises))

    def start(text: str) -> bool:
        return text == label

    def finish(text: str) -> bool:
        return text.startswith(done)

    return Scenario(routine_id, "/routine", (start,) + (finish,) * steps)


# --------------------------------------------------------------------------------------
# Render
# --------------------------------------------------------------------------------------


def _library_load_seconds() -> float:
    began = time.perf_counter()
    load_library()
    return time.perf_counter() - began


def render_all(directory: Path) -> dict[str, Any]:
    """Render every picture into an empty folder; time it and the library loads around it."""
    load_library()  # imports and caches warm, so the loads below time the reading alone
    loads = [_library_load_seconds() for _ in range(LIBRARY_LOADS)]
    catalog = MediaCatalog(library(), directory)
    pictures = catalog.pictures()
    began, cpu_began = time.perf_counter(), time.process_time()
    written = render_missing(catalog, workers=RENDER_WORKERS)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    loads += [_library_load_seconds() for _ in range(LIBRARY_LOADS)]
    sizes = {path.name: path.stat().st_size for path in written}
    floor = median(loads)
    return {
        "workers": RENDER_WORKERS,
        "pictures": len(pictures),
        "rendered": len(written),
        "render_s": seconds,
        "render_cpu_s": cpu if RENDER_WORKERS == 1 else None,
        "per_picture_s": seconds / len(written) if written else float("nan"),
        "library_load_s": floor,
        "library_loads_s": loads,
        "ratio": ratio(seconds, floor),
        "bytes": sum(sizes.values()),
        "animations": sum(1 for name in sizes if name.endswith(".mp4")),
        "largest_bytes": max(sizes.values(), default=0),
    }


def file_hashes(directory: Path) -> dict[str, int]:
    """Return the hex SHA-256 and size of every rendered file in the folder."""
    out: dict[str, int] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in (".mp4", ".png"):
            data = path.read_bytes()
            out[hashlib.sha256(data).hexdigest()] = len(data)
    return out


def check_nothing_rendered(media_dir: Path, rendered: frozenset[str], what: str) -> None:
    """Fail when a bot wrote pictures of its own into the folder: it rendered while measured.

    That happens when the code or the content changed after this process rendered them (a
    picture's file is named by the hash of what it shows): the figures would include it.
    """
    extra = sorted(path.name for path in media_dir.iterdir() if path.name not in rendered)
    if extra:
        raise RuntimeError(
            f"{what}: the bot rendered {len(extra)} file(s) while measured ({', '.join(extra[:3])}"
            f"{', ...' if len(extra) > 3 else ''}): the code or the content changed after the "
            "benchmark rendered every picture; run it again on a tree nobody is editing"
        )


# --------------------------------------------------------------------------------------
# The database, through the bot's own models
# --------------------------------------------------------------------------------------


async def set_people(url: str, **values: object) -> None:
    """Set columns of every person in the database (the data saver, the screening)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(update(Person).values(**values))
    finally:
        await engine.dispose()


async def set_levels(url: str, telegram_id: int, level: int) -> None:
    """Put every exercise of a person at one version, as a check-up's result does."""
    engine = create_engine(url)
    try:
        sessions = create_sessionmaker(engine)
        async with sessions.begin() as session:
            person_id = await session.scalar(
                select(Person.id).where(Person.telegram_id == telegram_id)
            )
            assert person_id is not None, f"no person {telegram_id}"
            levels = dict.fromkeys(library().exercises, level)
            await LevelRepository(session).start_at(person_id, levels, datetime.now(UTC))
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------------------
# 1. A press that changes the media
# --------------------------------------------------------------------------------------


def _method_counts(double: BotApiDouble, since: int) -> dict[str, int]:
    counts = Counter(
        record.method
        for record in double.calls[since:]
        if record.method in MEDIA_METHODS and 200 <= record.status < 300
    )
    return {method: counts.get(method, 0) for method in MEDIA_METHODS}


def _figures(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": 1000 * median(values),
        "p99_ms": 1000 * percentile(values, 99),
        "count": len(values),
    }


async def measure_presses(
    kind: str, bot: Bot, workdir: Path, media_dir: Path, rendered: frozenset[str]
) -> dict[str, Any]:
    """Run one bot under the paced regime; return its figures."""
    scenario = routine_scenario("desk") if bot.app == "coach" else floor_scenario()
    tag = f"media-{kind}-{bot.name}"
    stats_path = workdir / f"{tag}.stats.json"
    args = ["-m", "bench.botproc", bot.app, "--stats", str(stats_path)]
    async with database(kind, workdir, migrated=bot.app == "coach") as db:
        if bot.app == "coach":
            now = datetime.now(UTC)
            await people.load(db, people.Crowd(PEOPLE, 0, now, first_id=FIRST_ID))
            await people.load(db, people.Crowd(WARMUP_PEOPLE, 0, now, first_id=WARMUP_ID))
            if bot.data_saver:
                await set_people(db.url, data_saver=True)
        async with BotApiDouble(token=TOKEN) as double:
            env = child_env(db.url, double, LOG_LEVEL="INFO", MEDIA_DIR=str(media_dir))
            child = Child(args, env, OUT / "logs" / f"{tag}.log", workdir)
            child.start()
            try:
                await wait_polling(double, child)
                warm_ids = range(WARMUP_ID, WARMUP_ID + WARMUP_PEOPLE)
                await run_load(double, scenario, warm_ids, routines=1, think=None, seed=7)
                uploads_before, calls_before = len(double.uploads), len(double.calls)
                pg_pids = await pg_backend_pids(db.name) if kind == "postgresql" else []
                pg_before = cpu_of(pg_pids)
                cpu_before = child.cpu_seconds()
                child.signal(signal.SIGUSR1)
                load = await run_load(
                    double,
                    scenario,
                    range(FIRST_ID, FIRST_ID + PEOPLE),
                    routines=1,
                    think=THINK,
                    seed=42,
                )
                child.signal(signal.SIGUSR2)
                cpu_after = child.cpu_seconds()
                pg_after = cpu_of(await pg_backend_pids(db.name)) if kind == "postgresql" else {}
            finally:
                ended = await child.stop(timeout=30)
            if ended.code != 0:
                raise RuntimeError(f"{bot.name} bot exited with {ended.code}:\n{child.tail()}")
            check_nothing_rendered(media_dir, rendered, f"{kind}, {bot.name}")
            timed, _ = latencies(double, load.actions)
            warm_uploads = uploads_before
            measured_uploads = len(double.uploads) - uploads_before
            methods = _method_counts(double, calls_before)
    stats: dict[str, Any] = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    updates = len(load.actions)
    pg_cpu = sum(pg_after.get(pid, 0.0) - pg_before.get(pid, 0.0) for pid in pg_after)
    every = [latency for _, latency in timed]
    changing = [
        latency
        for action, latency in timed
        if action.kind == "press" and action.step in MEDIA_STEPS
    ]
    return {
        "kind": kind,
        "bot": bot.name,
        "app": bot.app,
        "data_saver": bot.data_saver,
        "people": PEOPLE,
        "updates": updates,
        "answered": len(every),
        "bot_cpu_ms_per_update": 1000 * (cpu_after - cpu_before) / updates,
        "pg_cpu_ms_per_update": 1000 * pg_cpu / updates,
        "all": _figures(every),
        "media_steps": _figures(changing),
        "warmup_uploads": warm_uploads,
        "measured_uploads": measured_uploads,
        "methods_per_person": {m: n / PEOPLE for m, n in methods.items()},
        "sql_statements_per_update": stats.get("total_statements", 0) / updates,
        "commits_per_update": stats.get("commits", 0) / updates,
    }


def press_tables(results: list[dict[str, Any]]) -> str:
    """Return the figures of the three bots and their ratios."""
    figures = table(
        [
            "database",
            "bot",
            "updates",
            "bot CPU ms/update",
            "PG server CPU ms/update",
            "p50 ms (steps 2-6)",
            "p99 ms (steps 2-6)",
            "p50 ms (all)",
            "p99 ms (all)",
            "editMessageMedia/person",
            "editMessageText/person",
            "uploads: warm-up / measured",
        ],
        [
            (
                r["kind"],
                r["bot"],
                r["updates"],
                r["bot_cpu_ms_per_update"],
                r["pg_cpu_ms_per_update"] if r["kind"] == "postgresql" else "",
                r["media_steps"]["p50_ms"],
                r["media_steps"]["p99_ms"],
                r["all"]["p50_ms"],
                r["all"]["p99_ms"],
                r["methods_per_person"]["editMessageMedia"],
                r["methods_per_person"]["editMessageText"],
                f"{r['warmup_uploads']} / {r['measured_uploads']}",
            )
            for r in results
        ],
    )
    rows = []
    for kind in dict.fromkeys(r["kind"] for r in results):
        by = {r["bot"]: r for r in results if r["kind"] == kind}
        for base, compared in PAIRS:
            if base not in by or compared not in by:
                continue
            b, c = by[base], by[compared]
            rows.append(
                (
                    f"{compared} / {base}",
                    kind,
                    ratio(c["media_steps"]["p50_ms"], b["media_steps"]["p50_ms"]),
                    ratio(c["media_steps"]["p99_ms"], b["media_steps"]["p99_ms"]),
                    ratio(cpu_per_update(c), cpu_per_update(b)),
                    ratio(c["all"]["p50_ms"], b["all"]["p50_ms"]),
                    ratio(c["all"]["p99_ms"], b["all"]["p99_ms"]),
                )
            )
    ratios = table(
        [
            "compared",
            "database",
            "p50 ratio (steps 2-6)",
            "p99 ratio (steps 2-6)",
            "CPU/update ratio",
            "p50 ratio (all)",
            "p99 ratio (all)",
        ],
        rows,
    )
    return figures + "\n\n" + ratios


# --------------------------------------------------------------------------------------
# 2. The first upload of every picture
# --------------------------------------------------------------------------------------


def _upload_updates(double: BotApiDouble, actions: Sequence[Action]) -> set[int]:
    """Return the updates whose handling uploaded a file (a call with a file part)."""
    starts = sorted((a.pushed_at, a.update_id) for a in actions)
    found: set[int] = set()
    for record in double.calls:
        if not 200 <= record.status < 300:
            continue
        if not any(isinstance(v, str) and v.startswith("<file ") for v in record.params.values()):
            continue
        before = [update_id for pushed, update_id in starts if pushed <= record.at]
        if before:
            found.add(before[-1])
    return found


async def first_upload(workdir: Path, media_dir: Path, rendered: frozenset[str]) -> dict[str, Any]:
    """One person walks every picture twice on a fresh database and double."""
    on_disk = file_hashes(media_dir)
    handled_path = workdir / "media-walk.handled"
    args = ["-m", "bench.botproc", "coach", "--handled", str(handled_path)]
    walks: list[dict[str, Any]] = []
    actions_of: list[list[Action]] = []
    async with database("sqlite", workdir, migrated=True) as db:
        await people.load(db, people.Crowd(1, 0, datetime.now(UTC), first_id=WALKER_ID))
        # Screened already: both walks are the same presses, with no hip question in the first.
        await set_people(db.url, screening=Screening.CLEAR, screened_at=datetime.now(UTC))
        async with BotApiDouble(token=TOKEN) as double:
            env = child_env(db.url, double, LOG_LEVEL="INFO", MEDIA_DIR=str(media_dir))
            child = Child(args, env, OUT / "logs" / "media-walk.log", workdir)
            child.start()
            log = HandledLog(handled_path)
            try:
                await wait_polling(double, child)
                for walk in (1, 2):
                    uploads_before, calls_before = len(double.uploads), len(double.calls)
                    cpu_before = child.cpu_seconds()
                    actions: list[Action] = []
                    began = time.time()
                    for index, (routine_id, level) in enumerate(WALK):
                        await set_levels(db.url, WALKER_ID, level)
                        load = await run_load(
                            double,
                            routine_scenario(routine_id),
                            [WALKER_ID],
                            routines=1,
                            think=WALK_THINK,
                            seed=100 * walk + index,
                        )
                        actions += load.actions
                        # Every handler done (the last file_id stored) before the levels change.
                        await log.wait(
                            [a.update_id for a in load.actions], 60, f"walk {walk}, {routine_id}"
                        )
                    cpu = child.cpu_seconds() - cpu_before
                    uploads = double.uploads[uploads_before:]
                    walks.append(
                        {
                            "walk": walk,
                            "seconds": time.time() - began,
                            "updates": len(actions),
                            "presses": sum(1 for a in actions if a.kind == "press"),
                            "uploads": len(uploads),
                            "distinct_files": len({u.sha256 for u in uploads}),
                            "bytes": sum(u.size for u in uploads),
                            "uploads_by_method": dict(Counter(u.method for u in uploads)),
                            "methods": _method_counts(double, calls_before),
                            "covered": len({u.sha256 for u in uploads} & set(on_disk)),
                            "bot_cpu_ms_per_update": 1000 * cpu / len(actions),
                        }
                    )
                    actions_of.append(actions)
            finally:
                ended = await child.stop(timeout=30)
            if ended.code != 0:
                raise RuntimeError(f"walking bot exited with {ended.code}:\n{child.tail()}")
            check_nothing_rendered(media_dir, rendered, "first upload")
            log.refresh()
            timed, _ = latencies(double, [a for walk in actions_of for a in walk])
            at_double = {action.update_id: latency for action, latency in timed}
            uploading = _upload_updates(double, [a for walk in actions_of for a in walk])
    presses = [[a for a in walk if a.kind == "press"] for walk in actions_of]
    if len(presses[0]) != len(presses[1]):
        raise RuntimeError("the two walks pressed different numbers of buttons")
    upload_positions = [i for i, a in enumerate(presses[0]) if a.update_id in uploading]

    def handled_ms(action: Action) -> float:
        return 1000 * (log.handled[action.update_id][2] - action.pushed_at)

    for figures, pressed in zip(walks, presses, strict=True):
        figures["p50_ms"] = median([handled_ms(a) for a in pressed])
        figures["p50_at_double_ms"] = 1000 * median(
            [at_double[a.update_id] for a in pressed if a.update_id in at_double]
        )
        chosen = [pressed[i] for i in upload_positions]
        figures["upload_positions_p50_ms"] = median([handled_ms(a) for a in chosen])
        figures["upload_positions_p50_at_double_ms"] = 1000 * median(
            [at_double[a.update_id] for a in chosen if a.update_id in at_double]
        )
    one, two = walks
    return {
        "pictures": len(on_disk),
        "bytes_on_disk": sum(on_disk.values()),
        "walk": [f"{routine_id}@{level:+d}" for routine_id, level in WALK],
        "walks": walks,
        "uploading_presses": len(upload_positions),
        "ratio_p50": ratio(one["p50_ms"], two["p50_ms"]),
        "ratio_p50_at_double": ratio(one["p50_at_double_ms"], two["p50_at_double_ms"]),
        "ratio_upload_positions_p50": ratio(
            one["upload_positions_p50_ms"], two["upload_positions_p50_ms"]
        ),
        "ratio_upload_positions_p50_at_double": ratio(
            one["upload_positions_p50_at_double_ms"], two["upload_positions_p50_at_double_ms"]
        ),
        "ratio_cpu": ratio(one["bot_cpu_ms_per_update"], two["bot_cpu_ms_per_update"]),
    }


def walk_table(data: dict[str, Any]) -> str:
    """Return the two walks side by side, and their ratios."""
    one, two = data["walks"]
    rows = [
        (
            "updates (presses)",
            f"{one['updates']} ({one['presses']})",
            f"{two['updates']} ({two['presses']})",
            "",
        ),
        ("uploads", one["uploads"], two["uploads"], ""),
        ("distinct files uploaded", one["distinct_files"], two["distinct_files"], ""),
        ("of the pictures on disk", one["covered"], two["covered"], ""),
        ("bytes uploaded", one["bytes"], two["bytes"], ""),
        ("p50 per press, ms (handler end)", one["p50_ms"], two["p50_ms"], data["ratio_p50"]),
        (
            "p50 per press, ms (last call at the double)",
            one["p50_at_double_ms"],
            two["p50_at_double_ms"],
            data["ratio_p50_at_double"],
        ),
        (
            f"p50 of the {data['uploading_presses']} uploading presses, ms (handler end)",
            one["upload_positions_p50_ms"],
            two["upload_positions_p50_ms"],
            data["ratio_upload_positions_p50"],
        ),
        (
            "the same, ms (last call at the double)",
            one["upload_positions_p50_at_double_ms"],
            two["upload_positions_p50_at_double_ms"],
            data["ratio_upload_positions_p50_at_double"],
        ),
        (
            "bot CPU ms/update",
            one["bot_cpu_ms_per_update"],
            two["bot_cpu_ms_per_update"],
            data["ratio_cpu"],
        ),
    ]
    return table(["", "first walk", "second walk", "first / second"], rows)


def render_table(data: dict[str, Any]) -> str:
    """Return the render figures."""
    rows = [
        ("pictures rendered (of them animations)", f"{data['rendered']} ({data['animations']})"),
        ("workers", data["workers"]),
        ("render time, s", data["render_s"]),
        ("render CPU time of this process, s", data["render_cpu_s"] or "n/a (workers)"),
        ("render time per picture, s", data["per_picture_s"]),
        ("content library load (median), ms", 1000 * data["library_load_s"]),
        ("render / library load", data["ratio"]),
        ("bytes on disk (largest file)", f"{fmt(data['bytes'])} ({fmt(data['largest_bytes'])})"),
    ]
    return table(["", ""], rows)


async def main() -> None:
    setup_logging()
    started = time.time()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        workdir = Path(tmp)
        media_dir = workdir / "media"
        media_dir.mkdir()
        say(f"media cost: rendering every picture with {RENDER_WORKERS} worker(s) ...")
        render = await asyncio.to_thread(render_all, media_dir)
        rendered = frozenset(path.name for path in media_dir.iterdir())
        say(
            f"  {render['rendered']} pictures in {render['render_s']:.1f} s; library load "
            f"{1000 * render['library_load_s']:.0f} ms; ratio {render['ratio']:.0f}"
        )
        for kind in await database_kinds():
            for bot in BOTS:
                say(f"media cost: {kind}, paced, {bot.name} ...")
                result = await measure_presses(kind, bot, workdir, media_dir, rendered)
                say(
                    f"  {result['updates']} updates, bot CPU "
                    f"{result['bot_cpu_ms_per_update']:.2f} ms/update, steps 2-6 p50 "
                    f"{result['media_steps']['p50_ms']:.0f} ms, p99 "
                    f"{result['media_steps']['p99_ms']:.0f} ms, uploads measured "
                    f"{result['measured_uploads']}"
                )
                results.append(result)
        say("media cost: first upload, two walks ...")
        walk = await first_upload(workdir, media_dir, rendered)
        one, two = walk["walks"]
        say(
            f"  uploads {one['uploads']} ({one['bytes']:,} bytes) then {two['uploads']}; "
            f"p50 first/second {walk['ratio_p50']:.2f}"
        )
    tables = {
        "render": render_table(render),
        "presses": press_tables(results),
        "walk": walk_table(walk),
    }
    text = "\n\n".join(
        [
            "Render:\n\n" + tables["render"],
            "A press that changes the media (paced):\n\n" + tables["presses"],
            "First upload of every picture:\n\n" + tables["walk"],
        ]
    )
    await publish(
        "media_cost",
        text,
        started,
        people=PEOPLE,
        warmup_people=WARMUP_PEOPLE,
        think=THINK,
        walk_think=WALK_THINK,
        media_steps=MEDIA_STEPS,
        desk_pictures=DESK_PICTURES,
        levels=LEVELS,
        render=render,
        presses=results,
        first_upload=walk,
        tables=tables,
    )


if __name__ == "__main__":
    asyncio.run(main())
