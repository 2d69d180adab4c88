"""Whatever arrives, in whatever state the conversation is, the person is left with a way on.

Hypothesis picks a state (a new person, the picker shown, mid-run, the count picker open, a
finished run, the settings open, a reminder shown) and an update: any text, commands with junk
arguments, any callback data (random, or a real button's data mutated), edited messages, shared
locations, stickers, update kinds the bot has no handler for, chats it never saw. Then:

- no exception reaches the error handler (nothing logged at ERROR);
- every callback query is answered;
- a person's message in a private chat gets a new message that names a /command or has buttons.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Person as PersonRow
from bot.sandbox.double import Person
from bot.sandbox.harness import Sandbox
from tests.e2e.helpers import sweep
from tests.faults.conftest import LogRecorder, fault_settings
from tests.faults.person import DESK, DESK_LABEL, DONE_PREFIX, LIB, T

STATES = ("new", "picker", "mid_run", "counts", "finished", "settings", "reminder")
COMMANDS = tuple(dict.fromkeys((*LIB.texts.menu, "start", "help", "stats", "dance")))
JUNK = (
    "x",
    "99:99",
    "../../etc/passwd",
    "-1",
    "0",
    "100000000000000000000",
    "25:00",
    "off on",
    "Europe/Nowhere",
    "<b>bold</b> & <i>",
    "🙂" * 20,
    "\u202e\u200b",
    "'; DROP TABLE people; --",
    "%s %d {0}",
    "6pm tomorrow",
)
_COMMAND_MENTION = re.compile(r"/[a-z]{3,}")
_ids = itertools.count(50_000)


def way_on(text: str, has_buttons: bool) -> bool:
    """Whether a bot message tells the person what to do next (a /command or buttons)."""
    return has_buttons or _COMMAND_MENTION.search(text) is not None


@pytest.fixture
async def fuzz_bot(database_url: str) -> AsyncIterator[Sandbox]:
    """One bot for all the examples of a test; each example brings its own person."""
    async with Sandbox(fault_settings(database_url)) as running:
        yield running


async def handled(bot: Sandbox, update_id: int) -> None:
    await bot.wait_handled(update_id, timeout=10)


async def press(bot: Sandbox, person: Person, label: str) -> None:
    await handled(bot, await person.press(label))


async def send(bot: Sandbox, person: Person, text: str) -> None:
    await handled(bot, await person.send(text))


async def reach(bot: Sandbox, person: Person, state: str, database_url: str) -> None:
    """Bring a new person to ``state`` by using the bot."""
    if state == "new":
        return
    if state == "settings":
        await send(bot, person, "/settings")
        return
    if state == "reminder":
        await send(bot, person, "/start")
        await remind_now(bot, person, database_url)
        return
    await send(bot, person, "/routine")
    if state == "picker":
        return
    await press(bot, person, DESK_LABEL)
    last = person.last_bot_message
    if last is not None and T.btn_screening_no in last.button_texts:
        await press(bot, person, T.btn_screening_no)  # the one-time hip question
    if state == "finished":
        for _ in range(2 * len(DESK.exercises)):
            await press(bot, person, _done_label(person))
        return
    await press(bot, person, _done_label(person))
    if state == "counts":
        await press(bot, person, T.btn_log)


def _done_label(person: Person) -> str:
    last = person.last_bot_message
    assert last is not None
    return next(label for label in last.button_texts if label.startswith(DONE_PREFIX))


async def remind_now(bot: Sandbox, person: Person, database_url: str) -> None:
    """Make the person's reminder due and let the sweep send it."""
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            await session.execute(
                update(PersonRow)
                .where(PersonRow.telegram_id == person.user_id)
                .values(
                    next_reminder_at=now - timedelta(minutes=1),
                    next_reminder_day=now.astimezone(ZoneInfo("Europe/Berlin")).date(),
                )
            )
    finally:
        await engine.dispose()
    await sweep(bot)
    last = person.last_bot_message
    assert last is not None and T.btn_start_now in last.button_texts, last


def mutate(data: str, how: st.DataObject) -> str:
    """A real button's data, changed the way a forger or an old client might."""
    fields = data.split(":")
    op = how.draw(st.sampled_from(["field", "drop", "add", "bump", "truncate", "char", "prefix"]))
    if op == "field":
        index = how.draw(st.integers(0, len(fields) - 1))
        fields[index] = how.draw(
            st.one_of(
                st.sampled_from(["", "0", "-1", "zzzzzzzzzzzz", "99999999999999", "1e9", "x"]),
                st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz:_-", max_size=12),
            )
        )
    elif op == "drop" and len(fields) > 1:
        del fields[how.draw(st.integers(0, len(fields) - 1))]
    elif op == "add":
        fields.append(how.draw(st.text(alphabet="0123456789az", max_size=6)))
    elif op == "bump":
        index = how.draw(st.integers(0, len(fields) - 1))
        try:
            value = int(fields[index], 36) + how.draw(st.sampled_from([-1, 1, 36, 10_000]))
            fields[index] = _b36(max(value, 0))
        except ValueError:
            fields[index] += "0"
    elif op == "truncate":
        return data[: how.draw(st.integers(1, max(1, len(data) - 1)))]
    elif op == "char":
        index = how.draw(st.integers(0, len(data) - 1))
        return data[:index] + how.draw(st.characters(codec="utf-8")) + data[index + 1 :]
    else:
        fields[0] = how.draw(st.sampled_from(["0", "2", "", "1 ", "v1"]))
    return ":".join(fields) or "1"


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def callback_data() -> st.SearchStrategy[str]:
    """Any callback data Telegram would carry: 1 to 64 bytes of UTF-8."""
    return st.text(st.characters(codec="utf-8"), min_size=1, max_size=64).filter(
        lambda s: len(s.encode()) <= 64
    )


def user_dict(user_id: int, name: str = "Zed") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}


def raw_update(kind: str, person: Person, how: st.DataObject) -> dict[str, Any]:
    """An update of a kind no handler here is for, or from a chat the bot never saw."""
    user = person.user
    chat = {"id": person.chat_id, "type": "private", "first_name": person.first_name}
    now = int(time.time())
    text = how.draw(st.text(min_size=1, max_size=50).filter(str.strip))
    if kind == "poll":
        return {
            "poll": {
                "id": "5",
                "question": text,
                "options": [
                    {"text": "a", "voter_count": 0, "persistent_id": "a"},
                    {"text": "b", "voter_count": 1, "persistent_id": "b"},
                ],
                "total_voter_count": 1,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        }
    if kind == "poll_answer":
        return {
            "poll_answer": {
                "poll_id": "5",
                "user": user,
                "option_ids": [0],
                "option_persistent_ids": ["a"],
            }
        }
    if kind == "message_reaction":
        last = person.last_bot_message
        return {
            "message_reaction": {
                "chat": chat,
                "message_id": last.message_id if last else 1,
                "user": user,
                "date": now,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        }
    if kind == "inline_query":
        return {"inline_query": {"id": "77", "from": user, "query": text, "offset": ""}}
    if kind == "inline_button":
        # A press on a message sent in inline mode: no chat, no message.
        return {
            "callback_query": {
                "id": f"iq{next(_ids)}",
                "from": user,
                "chat_instance": "1",
                "inline_message_id": "AAAA",
                "data": how.draw(callback_data()),
            }
        }
    if kind == "blocked":
        bot_user = {"id": 123456, "is_bot": True, "first_name": "Mobility Coach"}
        return {
            "my_chat_member": {
                "chat": chat,
                "from": user,
                "date": now,
                "old_chat_member": {"status": "member", "user": bot_user},
                "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
            }
        }
    if kind == "sticker":
        return {
            "message": {
                "message_id": 0,
                "date": now,
                "chat": chat,
                "from": user,
                "sticker": {
                    "file_id": "CAAD",
                    "file_unique_id": "AgAD",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            }
        }
    if kind == "group":
        group = {"id": -4_000_000 - next(_ids), "type": "group", "title": "Hips"}
        return {
            "message": {"message_id": 0, "date": now, "chat": group, "from": user, "text": text}
        }
    if kind == "channel":
        channel = {"id": -1_000_000_000_000 - next(_ids), "type": "channel", "title": "News"}
        return {"channel_post": {"message_id": 0, "date": now, "chat": channel, "text": text}}
    # A private chat the bot never saw, whose first words are anything.
    stranger_id = next(_ids)
    stranger = user_dict(stranger_id)
    words = how.draw(st.one_of(st.just(text), st.sampled_from([f"/{c}" for c in COMMANDS])))
    return {
        "message": {
            "message_id": 0,
            "date": now,
            "chat": {"id": stranger_id, "type": "private", "first_name": "Zed"},
            "from": stranger,
            "text": words,
        }
    }


KINDS = (
    "text",
    "command",
    "command",
    "command",
    "data",
    "mutated",
    "mutated",
    "button",
    "button",
    "edit",
    "location",
    "raw",
    "raw",
)
RAW_KINDS = (
    "poll",
    "poll_answer",
    "message_reaction",
    "inline_query",
    "inline_button",
    "blocked",
    "sticker",
    "group",
    "channel",
    "stranger",
)


async def act(bot: Sandbox, person: Person, how: st.DataObject) -> tuple[int, str, int]:
    """Send one generated update; return its id, what it was, and the chat it expects a reply in.

    The chat is 0 when no message is owed (a press is owed an answer instead; other kinds and
    chats that are not private owe nothing).
    """
    # Weighted towards commands and presses, where the bot has the most paths.
    kind = how.draw(st.sampled_from(KINDS), label="kind")
    messages = person.chat
    if kind in ("data", "mutated", "button") and not messages:
        kind = "command"
    if kind == "text":
        text = how.draw(st.text(min_size=1, max_size=300).filter(str.strip), label="text")
        return await person.send(text), kind, person.chat_id
    if kind == "command":
        command = how.draw(st.sampled_from(COMMANDS), label="command")
        suffix = how.draw(st.sampled_from(["", "@mobility_coach_bot", "@other_bot"]), label="@")
        args = how.draw(
            st.lists(
                st.one_of(st.sampled_from(JUNK), st.text(max_size=30)), min_size=1, max_size=3
            ),
            label="args",
        )
        text = " ".join([f"/{command}{suffix}", *args]).strip()
        return await person.send(text), kind, person.chat_id
    if kind in ("data", "mutated", "button"):
        with_buttons = [m for m in messages if m.from_bot and m.buttons]
        if kind == "data" or not with_buttons:
            message = how.draw(st.sampled_from(messages), label="message")
            data = how.draw(callback_data(), label="data")
        else:
            message = how.draw(st.sampled_from(with_buttons), label="message")
            buttons = [b for row in message.buttons for b in row if b.callback_data]
            button = how.draw(st.sampled_from(buttons), label="button")
            assert button.callback_data is not None
            data = button.callback_data
            if kind == "mutated":
                data = mutate(data, how)
                if len(data.encode()) > 64:
                    data = data.encode()[:64].decode(errors="ignore") or "1"
        return await person.press_data(data, message_id=message.message_id), "press " + kind, 0
    if kind == "edit":
        own = [m for m in messages if not m.from_bot and m.text]
        if not own:
            await send(bot, person, "hello")
            own = [m for m in person.chat if not m.from_bot and m.text]
        text = how.draw(st.text(min_size=1, max_size=100).filter(str.strip), label="edited")
        return await person.edit(own[-1].message_id, text), kind, person.chat_id
    if kind == "location":
        lat = how.draw(st.floats(-90, 90), label="lat")
        lon = how.draw(st.floats(-180, 180), label="lon")
        return await person.share_location(lat, lon), kind, person.chat_id
    raw_kind = how.draw(st.sampled_from(RAW_KINDS), label="raw kind")
    payload = raw_update(raw_kind, person, how)
    update_id = await bot.double.push_update(payload)
    expects = 0
    if raw_kind == "sticker":
        expects = person.chat_id
    elif raw_kind == "stranger":
        expects = payload["message"]["chat"]["id"]
    return update_id, f"raw {raw_kind}", expects


@settings(
    max_examples=int(__import__("os").environ.get("FUZZ_N", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(how=st.data())
async def test_any_update_in_any_state_leaves_a_way_on(
    fuzz_bot: Sandbox, database_url: str, bot_log: LogRecorder, how: st.DataObject
) -> None:
    bot = fuzz_bot
    async with asyncio.timeout(20):
        state = how.draw(st.sampled_from(STATES), label="state")
        user_id = next(_ids)
        person = bot.double.user(user_id, f"F{user_id}")
        await reach(bot, person, state, database_url)
        errors_before = len(bot_log.errors())
        replies_before = len(person.bot_messages)
        update_id, kind, reply_chat = await act(bot, person, how)
        if reply_chat != person.chat_id:
            replies_before = 0  # a chat the bot never saw has no replies yet
        await handled(bot, update_id)

        new_errors = bot_log.errors()[errors_before:]
        assert not new_errors, f"{state} / {kind}:\n" + "\n\n".join(new_errors[:2])
        if kind.startswith("press") or kind == "raw inline_button":
            assert bot.double.answer_for(update_id) is not None, f"{state} / {kind}: no answer"
        if reply_chat:
            replies = [m for m in bot.double.chat(reply_chat) if m.from_bot][replies_before:]
            assert replies, f"{state} / {kind}: no reply"
            assert any(way_on(m.text, bool(m.buttons)) for m in replies), (
                f"{state} / {kind}: the reply does not say what to do next: "
                f"{[m.text for m in replies]}"
            )
