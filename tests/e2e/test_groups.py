"""The bot in a group chat: nothing personal there, and a busy chat stalls nobody else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db.models import Person, Run
from bot.sandbox.harness import Sandbox
from content import library
from handlers.callback_data import ConfirmDelete, pack
from tests.e2e.conftest import make_settings
from tests.e2e.helpers import join, person_row, reminders_in, sweep

T = library().texts
DESK = library().routine("desk")
GROUP = -4001


def pointer_only(messages: list) -> None:
    """The group saw at most the one pointer to the private chat, and nothing personal."""
    assert [m.text for m in messages] == [T.group_private_only]
    [button] = [b for row in messages[0].buttons for b in row]
    assert button.text == T.btn_open_private
    assert button.url is not None and button.url.startswith("https://t.me/")
    assert button.url.endswith("?start=group")
    assert all(m.document is None and m.photo is None for m in messages)


async def test_a_group_streak_does_not_send_reminders_to_the_group(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
    ada = await join(timed, 4101, "Europe/Berlin", "08:00", False)
    group = timed.double.group(GROUP)
    in_group = group.member(4101, "P4101")
    await timed.settle(await in_group.send("/streak"))
    await timed.settle(await in_group.send("/settings@" + timed.app.bot.username))
    pointer_only(group.bot_messages)
    assert (await person_row(db, 4101)).chat_id == 4101, "the private chat stays the person's"

    clock.now = datetime(2026, 3, 2, 7, 0, 30, tzinfo=UTC)
    assert await sweep(timed) == 1
    assert len(reminders_in(ada)) == 1, "the reminder came to the private chat"
    assert [m.text for m in group.bot_messages] == [T.group_private_only]


async def test_export_in_a_group_sends_no_file_there(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(4201, "Ada")
    await ada.send("/start")
    group = sandbox.double.group(GROUP)
    await sandbox.settle(await group.member(4201, "Ada").send("/export"))
    await sandbox.settle(await group.member(4202, "Bob").send("/delete"))
    pointer_only(group.bot_messages)
    # The private chat got nothing from the group's commands either.
    assert not [m for m in ada.raw.bot_messages if m.document is not None]


async def test_the_bot_removed_from_a_group_keeps_private_reminders(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 4301, "Europe/Berlin", "08:00", False)
    timed.double.group(GROUP, with_bot=False)
    await timed.settle(timed.double.add_bot_to_group(GROUP, by_user_id=4301))
    await timed.settle(timed.double.remove_bot_from_group(GROUP, by_user_id=4301))
    person = await person_row(db, 4301)
    assert not person.blocked and person.next_reminder_at is not None
    clock.now = datetime(2026, 3, 2, 7, 0, 30, tzinfo=UTC)
    assert await sweep(timed) == 1
    assert len(reminders_in(ada)) == 1


async def people_count(db) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_a_delete_confirmation_acts_only_for_the_person_asked(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(4401, "Ada")
    bob = sandbox.person(4402, "Bob")
    await ada.send("/start")
    await bob.send("/start")
    group = sandbox.double.group(GROUP)
    await sandbox.settle(await group.member(4401, "Ada").send("/delete"))
    assert not [m for m in group.bot_messages if T.btn_delete_yes in m.button_texts], (
        "the delete question was put in the group, where anyone can press Yes"
    )

    # Bob forges the press of Ada's question in his own chat: nothing is deleted.
    await bob.send("/help")
    answer = await bob.press_data(pack(ConfirmDelete(True, 4401)), message_id=bob.last.message_id)
    assert answer.text == T.ans_delete_not_yours
    # A button from before the asker was packed in must be asked again.
    answer = await bob.press_data("1:dl:y", message_id=bob.last.message_id)
    assert answer.text == T.ans_delete_again
    # A press in a group acts for nobody, whatever the button.
    bot_message = group.bot_messages[-1]
    update_id = await group.member(4402, "Bob").press_data(
        "1:dl:y", message_id=bot_message.message_id
    )
    await sandbox.settle(update_id)
    assert sandbox.double.answer_for(update_id).text == T.ans_private_only.format(
        bot=sandbox.app.bot.username
    )
    assert await people_count(db) == 2

    # Ada's own answer, in her private chat, deletes her and only her.
    await ada.send("/delete")
    await ada.press(T.btn_delete_yes)
    assert ada.last.text == T.delete_done
    assert await people_count(db) == 1


async def test_a_routine_button_in_a_group_changes_nothing(sandbox: Sandbox, db) -> None:
    group = sandbox.double.group(GROUP)
    member = group.member(4501, "Ada")
    await sandbox.settle(await member.send("/routine"))
    pointer_only(group.bot_messages)
    update_id = await member.press_data("1:go:desk", message_id=group.bot_messages[-1].message_id)
    await sandbox.settle(update_id)
    assert sandbox.double.answer_for(update_id).text.startswith("I coach in a private chat")
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Run)) == 0
    assert await people_count(db) == 0


async def test_a_busy_group_gets_one_pointer(sandbox: Sandbox) -> None:
    group = sandbox.double.group(GROUP)
    updates = [await group.member(4600 + i % 7).send("/routine") for i in range(40)]
    await sandbox.settle(updates[-1])
    assert len(group.bot_messages) == 1


# The flooding chat's replies are paced (bot/rate_limit.py): a few dozen keep the test short.
FLOOD = 60


@pytest.fixture
async def four_slots(database_url: str) -> AsyncIterator[Sandbox]:
    """A bot that handles at most four updates at once."""
    settings = make_settings(database_url).model_copy(update={"concurrent_updates": 4})
    async with Sandbox(settings) as running:
        yield running


async def test_a_flood_from_one_chat_stalls_nobody_else(four_slots: Sandbox) -> None:
    bot = four_slots
    flooder = bot.double.user(4701, "Flo")
    other = bot.person(4702, "Ada")
    await other.send("/start")
    flood = [await flooder.send("/help") for _ in range(FLOOD)]
    asked = await other.raw.send("/about")
    await bot.wait_handled(asked, timeout=30)
    answered_before = len(flooder.bot_messages)
    assert other.last.text.startswith("<b>") or other.last.text, "Ada got her answer"
    # The flood's updates queue behind each other in their own chat, never in front of Ada:
    # with four slots, yesterday's processor let the flood hold all four while they waited.
    assert answered_before < 20, f"Ada waited for {answered_before} of the flood's {FLOOD}"
    await asyncio.gather(*(bot.wait_handled(u, timeout=60) for u in flood))
    assert len(flooder.bot_messages) == FLOOD, "the flood itself was answered in full"
