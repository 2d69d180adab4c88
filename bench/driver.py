"""Simulated people tapping through routines in the double, and latencies from its call records."""

from __future__ import annotations

import asyncio
import bisect
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.run import plan_steps
from bot.sandbox.double import BotApiDouble, ChatMessage, Person
from content import library
from handlers import formats

# How often a waiting person looks at the chat; latencies come from the double's own
# timestamps, so this only adds a little to each person's cycle, never to a latency.
LOOK_EVERY = 0.005
STEP_TIMEOUT = 60.0

Match = Callable[[str], bool]


@dataclass(frozen=True)
class Scenario:
    """What a person sends and which button they press at each step of one routine."""

    name: str
    command: str
    presses: tuple[Match, ...]

    @property
    def updates_per_routine(self) -> int:
        """Updates one routine sends the bot: the command and every press."""
        return 1 + len(self.presses)


def _exactly(label: str) -> Match:
    return lambda text: text == label


SCREENING_NO = library().texts.btn_screening_no


def _screening_no(text: str) -> bool:
    return text == SCREENING_NO


_SCREENING_NO: Match = _screening_no


def _starting(prefix: str) -> Match:
    return lambda text: text.startswith(prefix)


def desk_steps() -> int:
    """Return how many steps (Done presses) the desk routine has."""
    lib = library()
    return len(plan_steps(lib.routine("desk"), lib.exercises))


def coach_scenario() -> Scenario:
    """/routine, the desk routine button, then Done on every step."""
    lib = library()
    desk = lib.routine("desk")
    label = lib.texts.routine_button.format(
        title=desk.title, minutes=formats.minutes(lib, desk.minutes)
    )
    done = lib.texts.btn_done.split("{", 1)[0]
    return Scenario("coach", "/routine", (_exactly(label),) + (_starting(done),) * desk_steps())


def floor_scenario() -> Scenario:
    """The same number of updates against the floor bot: a command, then its one button."""
    return Scenario("floor", "/routine", (_starting("✅ Done"),) * (1 + desk_steps()))


@dataclass(frozen=True)
class Action:
    """One update a person caused: when it was pushed to the double."""

    chat_id: int
    update_id: int
    pushed_at: float
    kind: str  # "command" or "press"
    step: int  # 0: the command, then 1, 2, ... for the presses of a routine


@dataclass
class Load:
    """What a group of people did."""

    actions: list[Action]
    started: float
    ended: float


def _key(message: ChatMessage | None) -> tuple[object, ...]:
    if message is None:
        return ()
    data = tuple(b.callback_data for row in message.buttons for b in row)
    return (message.message_id, message.text, data)


def _button(message: ChatMessage | None, match: Match) -> str | None:
    if message is None:
        return None
    for row in message.buttons:
        for button in row:
            if button.callback_data and match(button.text):
                return button.text
    return None


async def _until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {STEP_TIMEOUT} s for {what}")
        await asyncio.sleep(LOOK_EVERY)


async def _person(
    double: BotApiDouble,
    user_id: int,
    scenario: Scenario,
    routines: int,
    think: tuple[float, float] | None,
    rng: random.Random,
    actions: list[Action],
) -> None:
    person: Person = double.user(user_id, f"P{user_id}")

    async def pause() -> None:
        if think is not None:
            await asyncio.sleep(rng.uniform(*think))

    if think is not None:
        # People arrive spread over two think times, not all in the same second.
        await asyncio.sleep(rng.uniform(0, 2 * think[1]))
    for _ in range(routines):
        await pause()
        newest = person.last_bot_message
        before = newest.message_id if newest else 0
        first = scenario.presses[0]
        pushed = time.time()
        update_id = await person.send(scenario.command)
        actions.append(Action(user_id, update_id, pushed, "command", 0))

        def answered(before: int = before, first: Match = first) -> bool:
            message = person.last_bot_message
            return (
                message is not None
                and message.message_id > before
                and _button(message, first) is not None
            )

        await _until(answered, f"the answer to {scenario.command} in chat {user_id}")
        for index, match in enumerate(scenario.presses):
            await pause()
            message = person.last_bot_message
            label = _button(message, match)
            assert message is not None and label is not None, f"no button to press in {user_id}"
            snapshot = _key(message)
            following = scenario.presses[index + 1] if index + 1 < len(scenario.presses) else None
            pushed = time.time()
            update_id = await person.press(label, message_id=message.message_id)
            actions.append(Action(user_id, update_id, pushed, "press", index + 1))

            def done(
                update_id: int = update_id,
                following: Match | None = following,
                snapshot: tuple[object, ...] = snapshot,
            ) -> bool:
                if double.answer_for(update_id) is None:
                    return False
                newest = person.last_bot_message
                if _key(newest) == snapshot:
                    return False
                return (
                    following is None
                    or _button(newest, following) is not None
                    or _button(newest, _SCREENING_NO) is not None
                )

            await _until(done, f"the answer to {label!r} in chat {user_id}")
            question = person.last_bot_message
            if following is not None and _button(question, _SCREENING_NO) is not None:
                # The coach asks its one-time hip question before a person's first routine:
                # answer No (a real update, counted like the others) and go on.
                assert question is not None
                snapshot = _key(question)
                pushed = time.time()
                update_id = await person.press(SCREENING_NO, message_id=question.message_id)
                actions.append(Action(user_id, update_id, pushed, "press", index + 1))

                def started(update_id: int = update_id, following: Match = following) -> bool:
                    newest = person.last_bot_message
                    answered = double.answer_for(update_id) is not None
                    return answered and _button(newest, following) is not None

                await _until(started, f"the answer to the hip question in chat {user_id}")


async def run_load(
    double: BotApiDouble,
    scenario: Scenario,
    user_ids: Sequence[int],
    *,
    routines: int,
    think: tuple[float, float] | None,
    seed: int,
) -> Load:
    """Let every person do `routines` routines at once; return what they did and when."""
    actions: list[Action] = []
    rng = random.Random(seed)
    started = time.time()
    people = [(user_id, random.Random(rng.random())) for user_id in user_ids]
    await asyncio.gather(
        *(
            _person(double, user_id, scenario, routines, think, own_rng, actions)
            for user_id, own_rng in people
        )
    )
    return Load(actions, started, time.time())


def latencies(
    double: BotApiDouble, actions: Sequence[Action]
) -> tuple[list[tuple[Action, float]], float]:
    """Return each update's latency and the time the last answer arrived.

    A latency runs from pushing the update until the bot's last call for it arrived at the
    double (the answer to a press, the edit or the new message). A person waits for the bot
    before acting again, so the calls to a chat between two of its updates belong to the first.
    """
    per_chat: dict[int, list[Action]] = {}
    for action in actions:
        per_chat.setdefault(action.chat_id, []).append(action)
    starts: dict[int, list[float]] = {}
    for chat, chat_actions in per_chat.items():
        chat_actions.sort(key=lambda a: a.pushed_at)
        starts[chat] = [a.pushed_at for a in chat_actions]
    ends: dict[int, float] = {}
    for record in double.calls:
        raw = record.params.get("chat_id")
        if raw is None or record.method == "getUpdates" or not 200 <= record.status < 300:
            continue
        try:
            chat = int(raw)
        except (TypeError, ValueError):
            continue
        chat_starts = starts.get(chat)
        if chat_starts is None:
            continue
        index = bisect.bisect_right(chat_starts, record.at) - 1
        if index < 0:
            continue
        action = per_chat[chat][index]
        ends[action.update_id] = max(ends.get(action.update_id, 0.0), record.at)
    result: list[tuple[Action, float]] = []
    last = 0.0
    for action in actions:
        end = ends.get(action.update_id, 0.0)
        answer = double.answer_for(action.update_id) if action.kind == "press" else None
        if answer is not None:
            end = max(end, answer.at)
        if end:
            result.append((action, end - action.pushed_at))
            last = max(last, end)
    return result, last
