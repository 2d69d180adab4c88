"""A person doing desk routines the way people do: reading the chat as it stands, tapping again.

The person only looks at what Telegram shows them (the double's chat): the newest message with a
button they understand, the toast a tap got. When a tap seems to have done nothing, they tap
again. How they wait for the bot is up to the caller: in-process tests wait until the bot has
handled the tap, tests with a bot process wait until the chat has been quiet for a moment.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.sandbox.double import BotApiDouble, Button, ChatMessage, Person
from bot.sandbox.harness import Sandbox
from content import Library, library
from handlers.callback_data import RunButton, parse

LIB: Library = library()
T = LIB.texts
DESK = LIB.routine("desk")
DESK_LABEL = T.routine_button.format(title=DESK.title, minutes=f"{DESK.minutes} min")
DONE_PREFIX = T.btn_done.split("{", 1)[0]
CONTINUE_PREFIX = T.picker_continue.split("{", 1)[0]
FINISHED_PREFIX = f"🎉 {DESK.title}: done!"


def heading(exercise_id: str, side: str | None) -> str:
    """The first line of a step message, as the person reads it (desk runs: standard versions)."""
    exercise = LIB.exercise(exercise_id)
    if side is None or exercise.sides is None:
        return exercise.name
    return f"{exercise.name} — {T.side(exercise.sides, 'left' if side == 'left' else 'right')}"


def acknowledged(answer_text: str | None) -> bool:
    """Whether a toast told the person their set was saved."""
    if answer_text is None:
        return False
    return answer_text.startswith(T.ans_logged.split("{", 1)[0]) or answer_text == T.ans_finished


Snapshot = tuple[tuple[int, str, tuple[tuple[str, ...], ...]], ...]


def snapshot(person: Person) -> Snapshot:
    """The bot's side of the chat as the person sees it: ids, texts and buttons."""
    return tuple(
        (m.message_id, m.text, tuple(tuple(b.text for b in row) for row in m.buttons))
        for m in person.bot_messages
    )


@dataclass
class Tap:
    """One thing the person did, and what they saw when they did it."""

    update_id: int
    kind: str  # "send", "done", "continue", "start", "another"
    heading: str = ""  # the step on screen, for a Done
    callback_data: str = ""
    new_bot_messages: int = 0  # how many bot messages this action brought
    twice: bool = False  # tapped twice without waiting (both taps' messages count here)


@dataclass
class Diary:
    """Everything one person did; tests check the rows against it."""

    user_id: int
    taps: list[Tap] = field(default_factory=list)


Wait = Callable[[Person, int, Snapshot], Awaitable[None]]


def _kind_of(label: str) -> str | None:
    """What a button means to this person, if anything."""
    if label.startswith(DONE_PREFIX):
        return "done"
    if label.startswith(CONTINUE_PREFIX):
        return "continue"
    if label == DESK_LABEL:
        return "start"
    if label == T.btn_screening_no:  # the one-time hip question before the first routine
        return "screen"
    if label == T.btn_new_routine:
        return "another"
    return None


PRIORITY = ("done", "continue", "screen", "start", "another")


def _newest_actionable(person: Person) -> tuple[ChatMessage, Button, str] | None:
    """The newest bot message with a button this person knows what to do with, and that button."""
    for message in reversed(person.bot_messages):
        known = {
            kind: button
            for row in message.buttons
            for button in row
            if button.callback_data and (kind := _kind_of(button.text))
        }
        for kind in PRIORITY:
            if kind in known:
                return message, known[kind], kind
    return None


def shown_when_done(diary: Diary) -> dict[int, set[str]]:
    """Per run, the steps (first lines) that were on screen when the person tapped its Done."""
    shown: dict[int, set[str]] = {}
    for tap in diary.taps:
        if tap.kind == "done":
            data = parse(tap.callback_data)
            assert isinstance(data, RunButton), tap
            shown.setdefault(data.run_id, set()).add(tap.heading)
    return shown


def finished_routines(person: Person) -> int:
    """How many finished desk routines the chat shows."""
    return sum(1 for m in person.bot_messages if m.text.startswith(FINISHED_PREFIX))


async def do_routines(
    person: Person,
    wait: Wait,
    *,
    goal: int = 1,
    rng: random.Random,
    impatience: float = 0.0,
    max_actions: int = 80,
) -> Diary:
    """Finish ``goal`` desk routines in total, acting on the chat as it stands.

    ``wait(person, update_id, before)`` returns once the person would look again. With
    probability ``impatience`` a tap is made twice in a row without waiting (a double tap).
    """
    diary = Diary(person.user_id)
    for _ in range(max_actions):
        if finished_routines(person) >= goal:
            return diary
        before = snapshot(person)
        found = _newest_actionable(person)
        if found is None:
            update_id = await person.send("/routine")
            tap = Tap(update_id, "send")
        else:
            message, button, kind = found
            assert button.callback_data is not None
            shown = message.text.split("\n", 1)[0] if kind == "done" else ""
            update_id = await person.press_data(button.callback_data, message_id=message.message_id)
            tap = Tap(update_id, kind, shown, button.callback_data)
            if rng.random() < impatience:
                again = await person.press_data(button.callback_data, message_id=message.message_id)
                tap.twice = True
                diary.taps.append(Tap(again, kind, shown, button.callback_data))
                await wait(person, again, before)
        await wait(person, update_id, before)
        tap.new_bot_messages = len(person.bot_messages) - len(before)
        diary.taps.append(tap)
    raise AssertionError(
        f"person {person.user_id} did not finish {goal} routine(s) in {max_actions} actions; "
        f"the chat ends with: {[m.text[:60] for m in person.bot_messages[-3:]]}; "
        f"the last taps: {[(t.kind, t.heading[:30], t.new_bot_messages) for t in diary.taps[-8:]]}"
    )


async def wait_quiet(
    double: BotApiDouble,
    person: Person,
    before: Snapshot,
    *,
    patience: float,
    quiet: float = 0.4,
) -> None:
    """Wait until the chat changed and then stayed still for ``quiet`` s, or ``patience`` ran out.

    This is how a person waits on a bot they cannot see inside: until the screen settles.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    try:
        await double.wait_until(
            lambda: snapshot(person) != before, timeout=patience, what="a change"
        )
    except TimeoutError:
        return
    while loop.time() < deadline:
        current = snapshot(person)

        def moved(seen: Snapshot = current) -> bool:
            return snapshot(person) != seen

        try:
            await double.wait_until(moved, timeout=quiet)
        except TimeoutError:
            return


async def cleared(bot: Sandbox, person: Person, *, text_only: bool = False) -> None:
    """Answer the one-time hip question with No from /settings, before any routine.

    Tests whose faults hit the send that opens a routine need that send to be the routine's
    own, not the question's that comes before the first routine. text_only: turn the data
    saver on too, for a test of the text steps' calls (sendMessage, editMessageText).
    """
    actions = [
        lambda: person.send("/start"),
        lambda: person.send("/settings"),
        lambda: person.press(T.btn_set_screening),
        lambda: person.press(T.btn_screening_no),
    ]
    if text_only:
        actions.append(lambda: person.press(T.btn_data_saver_on))
    for action in actions:
        await bot.wait_handled(await action())
