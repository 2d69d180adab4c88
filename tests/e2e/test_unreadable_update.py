"""One update python-telegram-bot cannot read must not stall long polling for everyone."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.harness import Sandbox
from content import library

T = library().texts


async def test_an_unreadable_update_is_passed_over_and_the_next_is_answered(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    ada = sandbox.person(7101, "Ada")
    await ada.send("/help")
    helps = len(ada.chat)
    polls_before = len(sandbox.double.calls_to("getUpdates"))
    # A text whose entity lacks its offset and length: PTB's parser raises on it, and PTB reads
    # a batch all or nothing (without the fix, getUpdates failed in a tight loop from here on).
    bad = await sandbox.double.push_update(
        {
            "message": {
                "message_id": 999,
                "date": 0,
                "chat": {"id": ada.raw.chat_id, "type": "private", "first_name": "Ada"},
                "from": {"id": ada.raw.chat_id, "is_bot": False, "first_name": "Ada"},
                "text": "hello",
                "entities": [{"type": "bold"}],
            }
        }
    )
    with caplog.at_level(logging.WARNING, logger="bot.telegram_bot"):
        await ada.send("/help")  # right behind it: answered, and the bad one confirmed

    await sandbox.double.wait_delivered(bad)
    replies = [m for m in ada.chat[helps:] if m.from_bot]
    assert replies and replies[-1].text == ada.chat[helps - 1].text  # the same help again
    polls = len(sandbox.double.calls_to("getUpdates")) - polls_before
    assert polls < 10, f"{polls} getUpdates calls for two updates: polling is spinning"
    passed_over = [r.getMessage() for r in caplog.records if "passed on empty" in r.getMessage()]
    assert passed_over == [f"update {bad} (message) could not be read (TypeError); passed on empty"]
    assert "hello" not in " ".join(passed_over)  # the person's words stay out of the log
