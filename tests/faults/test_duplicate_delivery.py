"""One press reaching two bot instances at once: it counts once, and every press is answered.

Within one process the per-chat update processor puts a chat's updates in a row, so these tests
use two Application instances on one database (as two processes, or a webhook delivered twice,
would): each gets the update through ``process_update`` at the same moment. What keeps the set
from being logged twice is the database: the run row's version, checked under a row lock, and
the unique (run_id, step_index) of set_logs.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import select
from telegram import Update

from bot.app import build_application
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Run, SetLog
from bot.domain.run import plan_steps
from bot.lifecycle import running
from bot.sandbox.double import BotApiDouble, ChatMessage, Person
from handlers.context import CoachApplication
from tests.faults.conftest import LogRecorder, fault_settings
from tests.faults.person import DESK, DESK_LABEL, DONE_PREFIX, FINISHED_PREFIX, LIB, T, heading

STEPS = plan_steps(DESK, LIB.exercises)


class Node:
    """One bot instance that does not poll: the test hands it updates."""

    def __init__(self, app: CoachApplication, started: AsyncExitStack) -> None:
        self.app = app
        self._started = started

    @classmethod
    async def start(cls, database_url: str, double: BotApiDouble) -> Node:
        app = build_application(
            fault_settings(database_url),
            token=double.token,
            base_url=double.base_url,
            base_file_url=double.base_file_url,
            reminders=False,
        )
        started = AsyncExitStack()
        await started.enter_async_context(running(app))
        return cls(app, started)

    async def stop(self) -> None:
        await self._started.aclose()

    async def handle(self, update: Update) -> None:
        """Handle an update (made for any bot) as this instance, as if it had just arrived."""
        await asyncio.wait_for(
            self.app.process_update(Update.de_json(update.to_dict(), self.app.bot)), 15
        )


class Telegram:
    """Takes the person's updates from the double the way a bot does: getUpdates."""

    def __init__(self, node: Node) -> None:
        self._bot = node.app.bot
        self._offset = 0

    async def take(self, count: int) -> list[Update]:
        updates: list[Update] = []
        async with asyncio.timeout(5):
            while len(updates) < count:
                batch = await self._bot.get_updates(offset=self._offset, timeout=0)
                for update in batch:
                    self._offset = update.update_id + 1
                updates.extend(batch)
        assert len(updates) == count, updates
        return updates


def button(person: Person, prefix: str) -> tuple[ChatMessage, str]:
    """The newest bot message with a button whose label starts with ``prefix``, and its data."""
    for message in reversed(person.bot_messages):
        for row in message.buttons:
            for b in row:
                if b.text.startswith(prefix) and b.callback_data:
                    return message, b.callback_data
    raise AssertionError(f"no button {prefix!r}")


async def rows(database_url: str) -> list[SetLog]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list((await session.scalars(select(SetLog).order_by(SetLog.step_index))).all())
    finally:
        await engine.dispose()


@pytest.fixture
async def two_nodes(database_url: str) -> tuple[BotApiDouble, Node, Node]:  # type: ignore[misc]
    async with BotApiDouble() as double:
        first = await Node.start(database_url, double)
        second = await Node.start(database_url, double)
        try:
            yield double, first, second
        finally:
            await first.stop()
            await second.stop()


async def test_every_press_delivered_to_two_instances_at_once_counts_once(
    database_url: str, two_nodes: tuple[BotApiDouble, Node, Node], bot_log: LogRecorder
) -> None:
    double, a, b = two_nodes
    telegram = Telegram(a)
    ada = double.user(3001, "Ada")
    async with asyncio.timeout(60):
        await ada.send("/routine")
        [update] = await telegram.take(1)
        await a.handle(update)
        picker, data = button(ada, DESK_LABEL)
        await ada.press_data(data, message_id=picker.message_id)
        [update] = await telegram.take(1)
        await b.handle(update)
        # The one-time hip question before the first routine: its No starts the routine.
        question, data = button(ada, T.btn_screening_no)
        await ada.press_data(data, message_id=question.message_id)
        [update] = await telegram.take(1)
        await a.handle(update)

        for index, step in enumerate(STEPS):
            run_message, done = button(ada, DONE_PREFIX)
            assert run_message.text.split("\n", 1)[0] == heading(step.exercise_id, step.side)
            before = len(await rows(database_url))
            first, second = (a, b) if index % 2 == 0 else (b, a)
            kind = ("two taps", "one update twice", "done and skip")[index % 3]
            if kind == "one update twice":
                # Telegram delivers the very same update twice (a retry, a second instance).
                await ada.press_data(done, message_id=run_message.message_id)
                [update] = await telegram.take(1)
                await asyncio.gather(first.handle(update), second.handle(update))
                answers = [double.answer_for(update.update_id)]
            else:
                other = done
                if kind == "done and skip":
                    _, other = button(ada, T.btn_skip)
                await ada.press_data(done, message_id=run_message.message_id)
                await ada.press_data(other, message_id=run_message.message_id)
                one, two = await telegram.take(2)
                await asyncio.gather(first.handle(one), second.handle(two))
                answers = [double.answer_for(one.update_id), double.answer_for(two.update_id)]

            logged = await rows(database_url)
            assert len(logged) == before + 1, (kind, [(r.step_index, r.status) for r in logged])
            assert logged[-1].step_index == index
            # Every press got its answer; one of two says it was already recorded (or, once
            # the other finished the run, that the routine has ended).
            texts = [answer.text if answer else None for answer in answers]
            assert None not in texts, (kind, texts)
            if len(texts) == 2:
                refused = sum(text in (T.ans_outdated, T.ans_over) for text in texts)
                assert refused == 1, (kind, texts)
            # And the message moved on exactly one step.
            shown = ada.bot_messages[-1].text
            if index + 1 < len(STEPS):
                after = STEPS[index + 1]
                assert shown.split("\n", 1)[0] == heading(after.exercise_id, after.side), kind
            else:
                assert shown.startswith(FINISHED_PREFIX), shown

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            [run] = (await session.scalars(select(Run))).all()
    finally:
        await engine.dispose()
    assert run.status == "finished"
    assert [r.step_index for r in await rows(database_url)] == list(range(len(STEPS)))
    bot_log.assert_no_errors()
