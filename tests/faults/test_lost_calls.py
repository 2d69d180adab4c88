"""Single lost calls, placed where they hurt most; what the random faults find only by luck.

Each test makes one call fail on purpose and checks what the person sees next.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from bot.sandbox.double import Person
from bot.sandbox.harness import Sandbox
from tests.faults.conftest import UNHANDLED, LogRecorder, fault_settings
from tests.faults.person import DESK, DESK_LABEL, DONE_PREFIX, LIB, T, cleared, heading

TIMEOUT = 0.5


def run_message(person: Person) -> tuple[int, str, str]:
    """The newest message with a Done button: its id, first line and the Done button's data."""
    for message in reversed(person.bot_messages):
        for button in (b for row in message.buttons for b in row):
            if button.text.startswith(DONE_PREFIX) and button.callback_data:
                return message.message_id, message.text.split("\n", 1)[0], button.callback_data
    raise AssertionError("no run message with a Done button")


async def tap(bot: Sandbox, person: Person, data: str, message_id: int) -> str | None:
    update_id = await person.press_data(data, message_id=message_id)
    await bot.wait_handled(update_id, timeout=10)
    answer = person.answer_for(update_id)
    return answer.text if answer else None


async def test_a_run_message_whose_send_timed_out_is_repaired_by_the_next_tap(
    database_url: str, bot_log: LogRecorder
) -> None:
    """Text steps (the data saver): a lost send and lost edits are repaired by the next tap."""
    first, then = DESK.exercises[0], DESK.exercises[1]
    async with asyncio.timeout(30), Sandbox(fault_settings(database_url, timeout=TIMEOUT)) as bot:
        ada = bot.double.user(4001, "Ada")
        await cleared(bot, ada, text_only=True)
        await bot.wait_handled(await ada.send("/routine"))
        # The run's message reaches the chat, but its answer comes too late: the bot cannot
        # know which message shows the run.
        bot.double.fail_next("sendMessage", kind="timeout", delay=TIMEOUT * 3)
        await bot.wait_handled(await ada.press(DESK_LABEL))
        message_id, shown, done = run_message(ada)
        assert shown == heading(first, "left")
        # Done is saved and answered, but the edit that would show the right side is lost.
        bot.double.fail_next("editMessageText", kind="drop")
        dose = LIB.exercise(first).dose
        assert await tap(bot, ada, done, message_id) == T.ans_logged_side.format(
            count=f"{dose.target} {dose.unit}", side=heading(first, "left").split(" — ")[1]
        )
        assert run_message(ada)[1] == heading(first, "left"), "the edit was lost"
        # The person taps Done again on what they see: nothing is logged twice, and the
        # message catches up with the saved run.
        assert await tap(bot, ada, done, message_id) == T.ans_outdated
        assert run_message(ada)[:2] == (message_id, heading(first, "right"))
        # From here on the message is the run's own: a lost edit is repaired the same way.
        _, _, done = run_message(ada)
        bot.double.fail_next("editMessageText", kind="drop")
        await tap(bot, ada, done, message_id)
        assert await tap(bot, ada, done, message_id) == T.ans_outdated
        assert run_message(ada)[:2] == (message_id, heading(then, "left"))
    bot_log.assert_no_errors()


async def test_an_animation_whose_send_timed_out_is_adopted_and_a_failed_media_edit_goes_text(
    database_url: str, bot_log: LogRecorder
) -> None:
    """Animated steps: the timed-out send that arrived is the run's; a failed media edit
    brings the next step as text in a new message, and the press is kept."""
    first = DESK.exercises[0]
    async with asyncio.timeout(30), Sandbox(fault_settings(database_url, timeout=TIMEOUT)) as bot:
        ada = bot.double.user(4003, "Ada")
        await cleared(bot, ada)
        await bot.wait_handled(await ada.send("/routine"))
        # The animation reaches the chat, but its answer comes too late: not sent again.
        bot.double.fail_next("sendAnimation", kind="timeout", delay=TIMEOUT * 3)
        await bot.wait_handled(await ada.press(DESK_LABEL))
        message_id, shown, done = run_message(ada)
        assert shown == heading(first, "left")
        assert len([m for m in ada.bot_messages if m.animation is not None]) == 1
        # Done on it is saved, and the animation turns to the right foot.
        dose = LIB.exercise(first).dose
        assert await tap(bot, ada, done, message_id) == T.ans_logged_side.format(
            count=f"{dose.target} {dose.unit}", side=heading(first, "left").split(" — ")[1]
        )
        assert run_message(ada)[:2] == (message_id, heading(first, "right"))
        # The next Done is saved, but Telegram fails the media edit: the step comes as text.
        _, _, done = run_message(ada)
        bot.double.fail_next("editMessageMedia", status=500)
        await tap(bot, ada, done, message_id)
        text_id, shown, done = run_message(ada)
        assert text_id != message_id and shown == heading(DESK.exercises[1], "left")
        assert next(m for m in ada.bot_messages if m.message_id == text_id).animation is None
        # And the run goes on there.
        await tap(bot, ada, done, text_id)
        assert run_message(ada)[:2] == (text_id, heading(DESK.exercises[1], "right"))
    bot_log.assert_no_errors()


async def test_a_lost_answer_does_not_keep_the_message_from_moving_on(
    database_url: str, bot_log: LogRecorder
) -> None:
    async with asyncio.timeout(30), Sandbox(fault_settings(database_url, timeout=TIMEOUT)) as bot:
        ada = bot.double.user(4002, "Ada")
        await cleared(bot, ada)
        await bot.wait_handled(await ada.send("/routine"))
        await bot.wait_handled(await ada.press(DESK_LABEL))
        message_id, _, done = run_message(ada)
        faults: tuple[Literal["error", "drop", "timeout"], ...] = ("error", "drop", "timeout")
        for fault in faults:
            bot.double.fail_next("answerCallbackQuery", kind=fault, status=500, delay=TIMEOUT * 3)
            before = run_message(ada)[1]
            await tap(bot, ada, done, message_id)
            # No toast perhaps, but the message shows the next step at once.
            after_id, after, done = run_message(ada)
            assert (after_id, after != before) == (message_id, True), fault
    assert after == heading(DESK.exercises[1], "right")
    bot_log.assert_no_errors()


async def test_a_request_telegram_refuses_is_still_reported_as_the_bots_own_error(
    database_url: str, bot_log: LogRecorder
) -> None:
    # A 400 is not Telegram failing but refusing what the bot sent (PTB's BadRequest is a
    # NetworkError too): it must stay loud, not pass as one more lost call.
    async with asyncio.timeout(30), Sandbox(fault_settings(database_url, timeout=TIMEOUT)) as bot:
        ada = bot.double.user(4003, "Ada")
        bot.double.fail_next(
            "sendMessage", status=400, description="Bad Request: can't parse entities"
        )
        await bot.wait_handled(await ada.send("/help"))
        assert [m.text for m in ada.bot_messages] == [T.error_apology]
    assert any(UNHANDLED in e for e in bot_log.errors()), bot_log.errors()
