"""Benchmark 8, team fan-out: 1,000 teams' daily posts due at one minute, then live boards.

Both phases run the real bot (`python -m bot run`: long polling, the reminder sweep and the
team sweep, which share the reminders' pace) against the double enforcing Telegram's limits
(30 sends/s overall, 1/s per chat, 20 sends and edits a minute per group, 429 with
retry_after beyond). Teams, their members (people rows) and their stays (team_members rows)
are loaded with SQL; nobody has a personal reminder due, so every send is a team's.

1. Posts: TEAMS group chats with 3-5 members each, every team's break at the same local
   minute. Measured from the double's records: posts sent, duplicates, missing, 429s, the
   sustained rate as a share of REMINDER_RATE (and of 30/s), lateness from the due minute,
   and the busiest group's messages in any minute.
2. Boards: BOARD_GROUPS teams of BOARD_MEMBERS members, due at one minute; once their posts
   are out, every member finishes a routine within BURST seconds (a finished run inserted in
   the database with its teams' boards marked dirty in the same transaction, as a routine's
   last press does; the bot's team sweep picks dirty boards up). Measured:
   edits per group, the most sends and edits in any 60 s of a group, 429s, and that each
   final board shows every finisher.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import math
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bench.common import (
    OUT,
    QUICK,
    TOKEN,
    Child,
    Database,
    child_env,
    database,
    median,
    percentile,
    poll_until,
    publish,
    say,
    setup_logging,
    table,
    wait_polling,
)
from bench.people import midday_zone
from bench.reminder_fanout import max_in_window
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Person, Run, Team, TeamMember, TeamPost
from bot.db.unit_of_work import units
from bot.domain.run import RunStatus
from bot.domain.schedule import EVERY_DAY, days_to_mask
from bot.sandbox.double import BotApiDouble

CEILING = 30.0  # Telegram's overall limit, enforced by the double
GROUP_LIMIT = 20  # Telegram's ~20 messages or edits a minute per group, enforced by the double
RATE = 20.0  # the default REMINDER_RATE: the team posts share the reminders' pace
TEAMS = 100 if QUICK else 1_000
MEMBERS = (3, 5)
BOARD_GROUPS = 5 if QUICK else 20
BOARD_MEMBERS = 30
BURST = 60.0  # each board group's members finish at random moments within this many seconds
LEAD = timedelta(seconds=20)  # at least this long between the load and the due minute
FIRST_PERSON = 6_000_000
FIRST_GROUP = -700_000_000
SWEEP_INTERVAL = 2.0  # the default SWEEP_INTERVAL_SECONDS (the team sweep's too)
SETTLE = 6.0  # seconds watched after the work is done, for late duplicates or stray edits
DONE = re.compile(r"(\d+) of (\d+) done")


@dataclass(frozen=True)
class Load:
    """What was loaded: each team's chat id, its members' person ids and telegram ids."""

    due: datetime
    day: date
    zone: str
    chats: dict[int, int]  # team id -> chat id
    members: dict[int, list[tuple[int, int]]]  # team id -> [(person id, telegram id)]


def due_minute(after: datetime) -> datetime:
    """Return the first whole minute at least LEAD after `after`."""
    at = after + LEAD
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def load_teams(db: Database, sizes: list[int], seed: int) -> Load:
    """Insert the people, the teams (all due at one minute) and their stays; return them."""
    now = datetime.now(UTC)
    due = due_minute(now)
    zone = midday_zone(due)
    local = due.astimezone(ZoneInfo(zone))
    day = local.date()
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    teams: list[dict[str, Any]] = []
    stays: list[dict[str, Any]] = []
    chats: dict[int, int] = {}
    members: dict[int, list[tuple[int, int]]] = {}
    person_id = 0
    for index, size in enumerate(sizes):
        team_id = index + 1
        chats[team_id] = FIRST_GROUP - index
        teams.append(
            {
                "id": team_id,
                "code": f"bench{team_id:07d}",
                "chat_id": chats[team_id],
                "title": f"Office {team_id}",
                "timezone": zone,
                "post_at": local.time().replace(tzinfo=None),
                "days": days_to_mask(EVERY_DAY),
                "routine_id": "desk",
                "goal": None,
                "ranking": True,
                "active": True,
                # Made today: no weekly summary goes out with the first post.
                "created_at": now,
                "updated_at": now,
                "next_post_at": due,
                "next_post_day": day,
            }
        )
        members[team_id] = []
        for _ in range(size):
            person_id += 1
            telegram_id = FIRST_PERSON + person_id
            name = f"{rng.choice('ABCDEFGHJKLMNPRSTVW')}{person_id}"
            people.append(
                {
                    "id": person_id,
                    "telegram_id": telegram_id,
                    "chat_id": telegram_id,
                    "first_name": name,
                    "timezone": zone,
                    "created_at": now,
                    "updated_at": now,
                    # Only the teams' posts are due: no personal reminder in the way.
                    "reminders_on": False,
                    "next_reminder_at": None,
                    "next_reminder_day": None,
                }
            )
            stays.append(
                {
                    "team_id": team_id,
                    "person_id": person_id,
                    "joined_on": day - timedelta(days=1),
                    "left_on": None,
                    "joined_at": now,
                }
            )
            members[team_id].append((person_id, telegram_id))
    engine = create_engine(db.url)
    try:
        async with create_sessionmaker(engine)() as session:
            for model, rows in ((Person, people), (Team, teams), (TeamMember, stays)):
                for start in range(0, len(rows), 5_000):
                    await session.execute(insert(model), rows[start : start + 5_000])
            await session.commit()
    finally:
        await engine.dispose()
    return Load(due, day, zone, chats, members)


def make_groups(double: BotApiDouble, loaded: Load) -> None:
    """Make each team's group chat in the double, the bot and the members in it."""
    for team_id, chat_id in loaded.chats.items():
        group = double.group(chat_id, f"Office {team_id}")
        for _, telegram_id in loaded.members[team_id]:
            group.member(telegram_id, f"M{telegram_id}")


def group_sends(double: BotApiDouble) -> Callable[[], int]:
    """Return a callable counting the sends that got through so far, in constant time.

    Only the teams' groups get messages in these runs (nobody has a personal reminder due).
    """
    return lambda: double.count("sendMessage") - double.throttled


async def start_bot(
    db: Database, double: BotApiDouble, workdir: Path, rate: float, tag: str
) -> Child:
    """Start the real bot on this database (the caller waits until it polls, and stops it)."""
    env = child_env(
        db.url, double, REMINDER_RATE=f"{rate:g}", DEFAULT_TIMEZONE="UTC", LOG_LEVEL="INFO"
    )
    child = Child(["-m", "bot", "run"], env, OUT / "logs" / f"{tag}.log", workdir)
    child.start()
    return child


def _settled(records: list[Any]) -> list[Any]:
    """Return the finished call records (status known)."""
    return [r for r in records if r.status != 0]


async def post_statuses(url: str) -> dict[str, int]:
    """Return how many team_posts rows have each status."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(TeamPost.status, func.count()).group_by(TeamPost.status)
            )
            return {str(status): int(count) for status, count in rows.all()}
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------------------
# 1. Posts
# --------------------------------------------------------------------------------------


async def posts_phase(rate: float, teams: int, workdir: Path) -> dict[str, Any]:
    """Run the daily posts of `teams` teams due at one minute; return the figures."""
    rng = random.Random(7)
    sizes = [rng.randint(*MEMBERS) for _ in range(teams)]
    async with database("sqlite", workdir, migrated=True) as db:
        loaded = await load_teams(db, sizes, seed=7)
        async with BotApiDouble(token=TOKEN) as double:
            double.enforce_limits(per_second=CEILING, per_chat_per_second=1)
            make_groups(double, loaded)
            gc.collect()
            gc.freeze()
            gc.disable()  # as in reminder_fanout: no full collection stalls the double's loop
            child = await start_bot(db, double, workdir, rate, "team-posts")
            try:
                await wait_polling(double, child)
                started = time.time()
                if loaded.due.timestamp() < started:
                    raise RuntimeError("the bot took longer to start than the lead time")
                sent = group_sends(double)
                budget = loaded.due.timestamp() - started + teams / min(rate, CEILING) * 2 + 90
                await poll_until(
                    lambda: sent() >= teams,
                    timeout=budget,
                    what=f"{teams} team posts",
                    interval=0.5,
                    child=child,
                )
                await asyncio.sleep(SETTLE)  # a second sweep or two: any duplicate shows
            finally:
                gc.enable()
                await child.stop()
            figures = _post_figures(double, loaded, rate)
        figures["post_statuses"] = await post_statuses(db.url)
        figures["members"] = sum(sizes)
        figures["zone"] = loaded.zone
        return figures


def _post_figures(double: BotApiDouble, loaded: Load, rate: float) -> dict[str, Any]:
    due = loaded.due.timestamp()
    chats = set(loaded.chats.values())
    stamps: list[float] = []
    per_chat: Counter[int] = Counter()
    throttled_in_groups = 0
    for record in _settled(double.calls):
        chat = int(record.params.get("chat_id", 0) or 0)
        if chat not in chats:
            continue
        if record.status == 429:
            throttled_in_groups += 1
        if record.method == "sendMessage" and record.status == 200:
            stamps.append(record.at)
            per_chat[chat] += 1
    stamps.sort()
    sent = len(stamps)
    first, last = (stamps[0], stamps[-1]) if stamps else (due, due)
    sustained = (sent - 1) / (last - first) if sent > 1 and last > first else math.nan
    lateness = [at - due for at in stamps]
    # Pauses: gaps between consecutive posts longer than two send intervals.
    gaps = [b - a for a, b in itertools.pairwise(stamps) if b - a > 2 / min(rate, CEILING)]
    busiest = max((double.group(chat).calls_per_minute() for chat in chats), default=0)
    return {
        "rate_setting": rate,
        "teams": len(chats),
        "sent": sent,
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "missing": len(chats) - len(per_chat),
        "throttled_429": double.throttled,
        "throttled_429_in_groups": throttled_in_groups,
        "sustained_per_s": sustained,
        "share_of_rate": sustained / rate,
        "share_of_ceiling": sustained / CEILING,
        "first_after_due_s": first - due,
        "last_after_due_s": last - due,
        "lateness_p50_s": median(lateness),
        "lateness_p95_s": percentile(lateness, 95),
        "lateness_max_s": max(lateness, default=math.nan),
        "max_sends_in_1s_window": max_in_window(stamps),
        "pauses": len(gaps),
        "paused_s": sum(gaps),
        "sweep_batch": max(1, int(rate * SWEEP_INTERVAL)),
        "busiest_group_per_minute": busiest,
    }


# --------------------------------------------------------------------------------------
# 2. Boards
# --------------------------------------------------------------------------------------


async def boards_phase(rate: float, groups: int, members: int, workdir: Path) -> dict[str, Any]:
    """Post to `groups` teams, then let all their members finish in a burst; return figures."""
    async with database("sqlite", workdir, migrated=True) as db:
        loaded = await load_teams(db, [members] * groups, seed=11)
        chats = set(loaded.chats.values())
        async with BotApiDouble(token=TOKEN) as double:
            double.enforce_limits(per_second=CEILING, per_chat_per_second=1)
            make_groups(double, loaded)
            child = await start_bot(db, double, workdir, rate, "team-boards")
            engine = create_engine(db.url)
            try:
                await wait_polling(double, child)
                sent = group_sends(double)
                budget = loaded.due.timestamp() - time.time() + 90
                await poll_until(
                    lambda: sent() >= groups,
                    timeout=budget,
                    what=f"{groups} team posts",
                    interval=0.2,
                    child=child,
                )
                posted_at = time.time()
                finishes = await _finish_burst(engine, loaded)
                burst_end = time.time()
                await poll_until(
                    lambda: _all_complete(double, chats, members),
                    timeout=120,
                    what="every board to show every finisher",
                    interval=0.5,
                    child=child,
                )
                complete_at = time.time()
                await asyncio.sleep(SETTLE)
            finally:
                await engine.dispose()
                await child.stop()
            figures = _board_figures(double, loaded, finishes, members)
        figures.update(
            rate_setting=rate,
            burst_s=BURST,
            burst_took_s=burst_end - posted_at,
            complete_after_burst_s=complete_at - burst_end,
            post_statuses=await post_statuses(db.url),
        )
        return figures


async def _finish_burst(engine: Any, loaded: Load) -> dict[int, list[float]]:
    """Every member finishes a routine at a random moment within BURST s; return the times.

    A finish is a finished run committed in the database with its teams' boards marked dirty,
    in one transaction, as a routine's last press does (bot/services/routines.py).
    """
    uow = units(create_sessionmaker(engine))
    rng = random.Random(13)
    plan = sorted(
        (rng.uniform(0, BURST), team_id, person_id, telegram_id)
        for team_id, people in loaded.members.items()
        for person_id, telegram_id in people
    )
    chat_of = loaded.chats
    began = time.time()
    times: dict[int, list[float]] = {chat: [] for chat in chat_of.values()}
    for offset, team_id, person_id, telegram_id in plan:
        await asyncio.sleep(max(0.0, began + offset - time.time()))
        now = datetime.now(UTC)
        async with uow() as unit:
            unit.session.add(
                Run(
                    person_id=person_id,
                    routine_id="desk",
                    plan="",
                    status=RunStatus.FINISHED,
                    step_index=6,
                    version=7,
                    chat_id=telegram_id,
                    message_id=None,
                    timezone=loaded.zone,
                    started_at=now - timedelta(minutes=5),
                    step_started_at=now,
                    finished_at=now,
                    local_date=loaded.day,
                    sets_done=6,
                )
            )
            await unit.teams.mark_boards_dirty(person_id, [loaded.day])
            await unit.commit()
        times[chat_of[team_id]].append(time.time())
    return times


def _board_counts(double: BotApiDouble, chat: int) -> tuple[int, int] | None:
    """Return (done, members) of the board in the group's latest bot message, if any."""
    messages = double.group(chat).bot_messages
    for message in reversed(messages):
        found = DONE.search(message.text)
        if found is not None:
            return int(found.group(1)), int(found.group(2))
    return None


def _all_complete(double: BotApiDouble, chats: set[int], members: int) -> bool:
    return all(_board_counts(double, chat) == (members, members) for chat in chats)


def _board_figures(
    double: BotApiDouble, loaded: Load, finishes: dict[int, list[float]], members: int
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for chat in sorted(loaded.chats.values(), reverse=True):
        records = [
            r
            for r in _settled(double.calls)
            if int(r.params.get("chat_id", 0) or 0) == chat
            and r.method in ("sendMessage", "editMessageText")
        ]
        edits = [r.at for r in records if r.method == "editMessageText" and r.status == 200]
        board = _board_counts(double, chat)
        last_finish = max(finishes[chat], default=math.nan)
        rows.append(
            {
                "chat_id": chat,
                "finishes": len(finishes[chat]),
                "posts": sum(1 for r in records if r.method == "sendMessage" and r.status == 200),
                "edits": len(edits),
                "throttled_429": sum(1 for r in records if r.status == 429),
                "per_minute": double.group(chat).calls_per_minute(),
                "final_done": board[0] if board else 0,
                "final_members": board[1] if board else 0,
                "last_edit_after_last_finish_s": max(edits, default=math.nan) - last_finish,
            }
        )
    edits = [r["edits"] for r in rows]
    catch_up = [r["last_edit_after_last_finish_s"] for r in rows]
    return {
        "groups": len(rows),
        "members": members,
        "finishes": sum(r["finishes"] for r in rows),
        "edits": sum(edits),
        "edits_per_group_min": min(edits, default=0),
        "edits_per_group_median": median(edits),
        "edits_per_group_max": max(edits, default=0),
        "finishes_per_edit": sum(r["finishes"] for r in rows) / sum(edits)
        if sum(edits)
        else math.nan,
        "max_per_minute": max((r["per_minute"] for r in rows), default=0),
        "throttled_429": double.throttled,
        "complete_boards": sum(
            1 for r in rows if r["final_done"] == r["final_members"] == r["finishes"] == members
        ),
        "catch_up_p50_s": median(catch_up),
        "catch_up_max_s": max(catch_up, default=math.nan),
        "per_group": rows,
    }


# --------------------------------------------------------------------------------------


def render(posts: dict[str, Any], boards: dict[str, Any]) -> str:
    """Return the tables of both phases."""
    first = table(
        [
            "teams due",
            "members",
            "REMINDER_RATE",
            "posts sent",
            "duplicates",
            "missing",
            "429s",
            "sustained /s",
            "share of REMINDER_RATE",
            "share of 30/s",
            "lateness p50 (s)",
            "lateness p95 (s)",
            "lateness max (s)",
            "busiest group, per minute",
        ],
        [
            (
                posts["teams"],
                posts["members"],
                f"{posts['rate_setting']:g}",
                posts["sent"],
                posts["duplicates"],
                posts["missing"],
                posts["throttled_429"],
                posts["sustained_per_s"],
                f"{100 * posts['share_of_rate']:.1f}%",
                f"{100 * posts['share_of_ceiling']:.1f}%",
                posts["lateness_p50_s"],
                posts["lateness_p95_s"],
                posts["lateness_max_s"],
                posts["busiest_group_per_minute"],
            )
        ],
    )
    second = table(
        [
            "groups × members",
            "finishes",
            "edits",
            "edits per group (min / median / max)",
            "finishes per edit",
            "most sends+edits in any 60 s of a group",
            "429s",
            "boards showing every finisher",
            "last edit after the group's last finish p50 / max (s)",
        ],
        [
            (
                f"{boards['groups']} × {boards['members']}",
                boards["finishes"],
                boards["edits"],
                f"{boards['edits_per_group_min']} / {boards['edits_per_group_median']:g} / "
                f"{boards['edits_per_group_max']}",
                boards["finishes_per_edit"],
                boards["max_per_minute"],
                boards["throttled_429"],
                f"{boards['complete_boards']} of {boards['groups']}",
                f"{boards['catch_up_p50_s']:.1f} / {boards['catch_up_max_s']:.1f}",
            )
        ],
    )
    return first + "\n\n" + second


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.team_fanout")
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--teams", type=int, default=TEAMS)
    parser.add_argument("--board-groups", type=int, default=BOARD_GROUPS)
    parser.add_argument("--board-members", type=int, default=BOARD_MEMBERS)
    args = parser.parse_args()
    setup_logging()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="bench-teams-") as tmp:
        workdir = Path(tmp)
        say(f"team posts: {args.teams} teams due at one minute, REMINDER_RATE={args.rate:g} ...")
        posts = await posts_phase(args.rate, args.teams, workdir)
        say(
            f"  {posts['sent']} sent, {posts['duplicates']} duplicates, {posts['missing']} "
            f"missing, {posts['throttled_429']} 429s, {posts['sustained_per_s']:.2f}/s, "
            f"lateness p95 {posts['lateness_p95_s']:.1f} s"
        )
        say(
            f"team boards: {args.board_groups} groups × {args.board_members} members finishing "
            f"within {BURST:g} s ..."
        )
        boards = await boards_phase(args.rate, args.board_groups, args.board_members, workdir)
        say(
            f"  {boards['edits']} edits, at most {boards['max_per_minute']} a minute in a group, "
            f"{boards['throttled_429']} 429s, {boards['complete_boards']} of {boards['groups']} "
            "boards complete"
        )
    text = render(posts, boards)
    await publish(
        "team_fanout",
        text,
        started,
        ceiling=CEILING,
        group_limit=GROUP_LIMIT,
        posts=posts,
        boards=boards,
    )


if __name__ == "__main__":
    asyncio.run(main())
