"""Reminder settings in the chat: onboarding in two taps, /settings, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select

from bot.db.models import Person
from bot.domain.schedule import EVERY_DAY, WORKDAYS, days_to_mask
from bot.sandbox.harness import Sandbox
from content import library
from tests.e2e.helpers import deliveries, join, person_row, reminders_in, start_routine, sweep

T = library().texts


async def test_onboarding_takes_two_taps(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(901, "Ada")
    await ada.send("/start")
    question = ada.last
    assert "Europe/Berlin" in question.text and "09:00" in question.text
    assert question.button_texts[:2] == T.common_zones[:2]
    await ada.press("Asia/Kolkata")
    assert ada.last.message_id == question.message_id
    assert "Asia/Kolkata time" in ada.last.text and "07:30" in ada.last.button_texts
    await ada.press("07:30")
    assert ada.last.text.startswith(
        "All set: reminders at 07:30 on workdays (Mon–Fri), Asia/Kolkata"
    )
    assert "Next reminder:" in ada.last.text
    person = await person_row(db, 901)
    assert (person.timezone, person.remind_at, person.remind_days) == (
        "Asia/Kolkata",
        time(7, 30),
        days_to_mask(WORKDAYS),
    )
    assert person.reminders_on and person.next_reminder_at is not None

    # A second /start does not ask again.
    await ada.send("/start")
    assert ada.last.text.startswith("Hi Ada!")


async def test_onboarding_can_be_skipped_with_defaults(sandbox: Sandbox, db) -> None:
    bob = sandbox.person(902, "Bob")
    await bob.send("/start")
    await bob.press(T.btn_keep_defaults)
    assert bob.last.text.startswith(
        "All set: reminders at 09:00 on workdays (Mon–Fri), Europe/Berlin"
    )
    person = await person_row(db, 902)
    assert person.timezone == "Europe/Berlin" and person.remind_at == time(9, 0)


async def test_settings_buttons_change_each_setting(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(903)
    await ada.send("/start")  # /settings only shows what is stored: it registers nobody
    await ada.send("/settings")
    view = ada.last
    assert "Time zone: Europe/Berlin" in view.text and "Reminder: 09:00 on workdays" in view.text
    assert "Routine offered: Desk break" in view.text and "Next reminder:" in view.text
    await ada.press(T.btn_set_days)
    await ada.press(T.btn_every_day)
    assert "✅ Sat" in ada.last.button_texts
    await ada.press("✅ Sat")
    assert "▫️ Sat" in ada.last.button_texts
    await ada.press(T.btn_settings_done)
    assert "Reminder: 09:00 on Mon, Tue, Wed, Thu, Fri, Sun" in ada.last.text
    await ada.press(T.btn_set_routine)
    floor = library().routine("floor")
    await start_routine(ada, f"{floor.title} · {floor.minutes} min")
    assert f"Routine offered: {floor.title}" in ada.last.text
    await ada.press(T.btn_set_time)
    await ada.press("06:00")
    assert "Reminder: 06:00" in ada.last.text
    await ada.press(T.btn_reminders_off)
    assert "Reminder: off" in ada.last.text and T.next_none in ada.last.text
    assert ada.last.message_id == view.message_id, "one settings message, edited in place"
    person = await person_row(db, 903)
    assert not person.reminders_on and person.next_reminder_at is None
    assert person.remind_routine == "floor" and person.remind_at == time(6, 0)
    assert person.remind_days == days_to_mask(EVERY_DAY - {5})
    await ada.press(T.btn_reminders_on)
    assert (await person_row(db, 903)).next_reminder_at is not None


async def test_time_zone_by_name_location_and_bad_input(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(904)
    await ada.send("/start")  # /settings only shows what is stored: it registers nobody
    await ada.send("/settings")
    await ada.send("/timezone Mars/Olympus_Mons")
    assert ada.last.text.startswith("I do not know the time zone “Mars/Olympus_Mons”")
    assert "Europe/Berlin" in ada.last.button_texts
    assert (await person_row(db, 904)).timezone == "Europe/Berlin", "bad input changes nothing"
    await ada.send("/timezone america/new york")
    assert ada.last.text.startswith("Time zone set to America/New_York; it is ")
    await ada.send("/timezone")
    assert ada.last.text == T.timezone_usage
    update_id = await ada.raw.share_location(-33.87, 151.21)
    await sandbox.settle(update_id)
    assert ada.last.text.startswith("From your location, your time zone is Australia/Sydney")
    assert (await person_row(db, 904)).timezone == "Australia/Sydney"


async def test_remind_command_forms(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(905)
    await ada.send("/remind 6:45pm")
    assert ada.last.text.startswith("Reminders at 18:45 on workdays (Mon–Fri).")
    await ada.send("/remind 25:99")
    assert ada.last.text == T.remind_bad.format(text="25:99")
    assert (await person_row(db, 905)).remind_at == time(18, 45)
    await ada.send("/remind off")
    assert ada.last.text == T.remind_off
    assert (await person_row(db, 905)).next_reminder_at is None
    await ada.send("/remind")
    assert ada.last.text.startswith(T.remind_usage)
    assert "07:30" in ada.last.button_texts
    await ada.send("/remind 07:05")
    person = await person_row(db, 905)
    assert person.reminders_on and person.remind_at == time(7, 5)


async def test_a_timed_out_send_is_not_retried(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ada = await join(timed, 906, "Europe/Berlin", "09:00", True)
    timed.double.fail_next("sendMessage", kind="timeout", delay=3.0)
    clock.now = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    [row] = await deliveries(db)
    assert row.status == "unknown" and "timed out" in (row.detail or "")
    assert len(reminders_in(ada)) == 1, "it did arrive; no second copy was sent"
    async with db() as session:
        assert await session.scalar(select(Person.next_reminder_day)) is not None
