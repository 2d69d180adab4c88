"""Telegram misbehaves on 10% of calls while fifty people do their desk routine at once.

429s, 500s, 502s, time-outs (the call was carried out, the answer came too late) and dropped
connections (nothing was carried out) hit answerCallbackQuery, editMessageText and sendMessage
at random. People do what people do: when a tap seems to have done nothing they tap again, now
and then they tap twice. In the end every routine is finished, every set is logged once, and the
bot never treated Telegram's faults as its own bugs.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict

from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Person as PersonRow
from bot.db.models import Run, SetLog
from bot.domain.run import plan_steps
from bot.sandbox.double import Person
from bot.sandbox.harness import Sandbox
from tests.faults.conftest import UNHANDLED, LogRecorder, fault_settings
from tests.faults.person import DESK, LIB, Snapshot, do_routines, heading, shown_when_done

PEOPLE = 50
SEED = 20260302
KINDS = ("429", "500", "502", "timeout", "drop")
# The bot gives up on a call after TIMEOUT s; a timed-out call is answered after DELAY s.
TIMEOUT = 1.0
DELAY = 1.5
STEPS = plan_steps(DESK, LIB.exercises)


async def test_fifty_people_finish_their_routines_through_random_telegram_faults(
    database_url: str, bot_log: LogRecorder
) -> None:
    rng = random.Random(SEED)
    async with asyncio.timeout(120), Sandbox(fault_settings(database_url, timeout=TIMEOUT)) as bot:
        double = bot.double

        async def handled(person: Person, update_id: int, before: Snapshot) -> None:
            await bot.wait_handled(update_id, timeout=20)

        people = [double.user(9000 + i, f"P{i}") for i in range(PEOPLE)]
        double.random_faults(0.1, seed=SEED, kinds=KINDS, retry_after=1, delay=DELAY)
        diaries = await asyncio.gather(
            *(
                do_routines(p, handled, rng=random.Random(rng.random()), impatience=0.1)
                for p in people
            )
        )
        double.clear_faults()
        injected = dict(double.faults_injected)

    # The faults really happened, of every kind, on every method that matters.
    assert set(injected) == set(KINDS), injected
    faulted = Counter(c.method for c in double.calls if c.fault)
    assert {"sendMessage", "editMessageText", "answerCallbackQuery"} <= set(faulted), faulted

    # Nobody saw a reply twice: a send that timed out was not sent again.
    for diary in diaries:
        for tap in diary.taps:
            allowed = 2 if tap.twice else 1
            assert tap.new_bot_messages <= allowed, (diary.user_id, tap)

    # Telegram's faults are not the bot's bugs: nothing unhandled, no error at all.
    assert not [r for r in bot_log.records if UNHANDLED in r.getMessage()], bot_log.errors()[:3]
    bot_log.assert_no_errors()

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            people_ids = dict(
                (await session.execute(select(PersonRow.id, PersonRow.telegram_id))).all()
            )
            runs = (await session.scalars(select(Run))).all()
            logs = (await session.scalars(select(SetLog).order_by(SetLog.step_index))).all()
    finally:
        await engine.dispose()
    by_diary = {d.user_id: d for d in diaries}
    assert sorted(people_ids.values()) == sorted(by_diary)
    runs_of: dict[int, list[Run]] = defaultdict(list)
    for run in runs:
        runs_of[people_ids[run.person_id]].append(run)
    logs_of: dict[int, list[SetLog]] = defaultdict(list)
    for log in logs:
        logs_of[log.run_id].append(log)
    for user_id, diary in by_diary.items():
        [run] = runs_of[user_id]
        assert run.status == "finished", (user_id, run.status)
        rows = logs_of[run.id]
        # One row per step, in order, each a Done of the suggested count; none doubled.
        assert [r.step_index for r in rows] == list(range(len(STEPS))), (user_id, rows)
        assert all(r.status == "done" for r in rows), user_id
        # Every set logged was on the person's screen when they tapped Done.
        seen = shown_when_done(diary).get(run.id, set())
        for row in rows:
            assert heading(row.exercise_id, row.side) in seen, (user_id, row.step_index, seen)
