"""Hardening: /delete means gone, one bad zone stops nobody else, poison numbers, CSV cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from bot.db.models import Delivery, Person
from bot.sandbox.harness import Sandbox
from content import library
from tests.e2e.helpers import deliveries, join, person_row, reminders_in, sweep

T = library().texts
DESK = library().routine("desk")


async def people_rows(db) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_delete_then_reads_create_nobody(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(1301, "Ada")
    await ada.send("/start")
    await ada.send("/settings")
    old_settings = ada.last
    await ada.send("/delete")
    await ada.press(T.btn_delete_yes)
    assert ada.last.text == T.delete_done
    assert await people_rows(db) == 0

    for command in ("/streak", "/history", "/progress", "/settings", "/resume"):
        await ada.send(command)
        assert ada.last.text == T.no_data, command
    await ada.send("/export")
    assert ada.last.text == T.export_nothing
    # An old settings button that only shows a view registers nobody either.
    answer = await ada.press(T.btn_set_days, message_id=old_settings.message_id)
    assert answer.text == T.ans_no_data
    assert await people_rows(db) == 0, "a read after /delete brought the person back"

    # /start is how one comes back, with a fresh row.
    await ada.send("/start")
    assert await people_rows(db) == 1


async def test_a_routine_from_an_old_button_brings_back_no_reminders(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(1302, "Ada")
    await ada.send("/start")
    welcome = next(m for m in ada.raw.bot_messages if m.text.startswith("Hi Ada"))
    await ada.send("/delete")
    await ada.press(T.btn_delete_yes)
    start = T.start_default_button.format(title=DESK.title, minutes=f"{DESK.minutes} min")
    await ada.press(start, message_id=welcome.message_id)
    # Someone new again: the first-use screening comes first, and its No starts the routine.
    await ada.press(T.btn_screening_no)
    [run] = [m for m in ada.raw.bot_messages if m.message_id == welcome.message_id]
    assert run.text.startswith(library().exercise(DESK.exercises[0]).name)
    person = await person_row(db, 1302)
    assert not person.reminders_on and person.next_reminder_at is None


async def test_one_unloadable_zone_does_not_stop_the_others(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
    people = [await join(timed, 1310 + i, "Europe/Berlin", "08:00", False) for i in range(3)]
    # A zone this host cannot load (stored before zones were checked, or a host whose zone
    # database lacks it): computing anything for this person raises.
    async with db.begin() as session:
        await session.execute(
            update(Person).where(Person.telegram_id == 1311).values(timezone="Mars/Olympus_Mons")
        )
    clock.now = datetime(2026, 3, 2, 7, 0, 30, tzinfo=UTC)
    assert await sweep(timed) == 2
    assert len(reminders_in(people[0])) == 1 and len(reminders_in(people[2])) == 1
    assert reminders_in(people[1]) == []
    rows = {row.person_id: row for row in await deliveries(db)}
    bad = (await person_row(db, 1311)).id
    assert rows[bad].status == "failed" and "Mars/Olympus_Mons" in (rows[bad].detail or "")
    assert sorted(row.status for row in rows.values()) == ["failed", "sent", "sent"]
    # The next sweeps neither fail nor retry the person whose reminder cannot be prepared.
    clock.advance(minutes=5)
    assert await sweep(timed) == 0
    assert len(await deliveries(db)) == 3


async def test_only_real_zones_are_accepted(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(1320)
    await ada.send("/start")
    for name in ("localtime", "Factory", "US/Eastern", "Etc/GMT+5", "posixrules"):
        await ada.send(f"/timezone {name}")
        assert ada.last.text.startswith("I do not know the time zone"), name
    assert (await person_row(db, 1320)).timezone == "Europe/Berlin"
    await ada.send("/timezone utc")
    assert (await person_row(db, 1320)).timezone == "UTC"


async def test_numbers_are_ascii_digits(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(1330)
    await ada.send("/start")
    for text in ("/pause ²", "/pause ٣", "/pause ３"):
        await ada.send(text)
        assert ada.last.text == T.pause_bad, text
    for text in ("/remind ٠٧:٣٠", "/remind ７:30"):
        await ada.send(text)
        assert ada.last.text.startswith("I could not read"), text
    person = await person_row(db, 1330)
    assert person.paused_until is None


async def test_a_callback_id_past_32_bits_is_refused_as_malformed(sandbox: Sandbox) -> None:
    ada = sandbox.person(1340)
    await ada.send("/routine")
    picker = ada.last
    for data in ("1:d:zzzzzzz:0", "1:c:" + "z" * 12, "1:nt:zik0zk", "1:sz:zik0zk:f"):
        answer = await ada.press_data(data, message_id=picker.message_id)
        assert answer.text == T.ans_invalid, data


async def test_exported_csv_cells_never_start_a_formula(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(1350, '=HYPERLINK("http://x")')
    await ada.send("/start")
    await ada.send("/export")
    csv_file = ada.raw.bot_messages[-1]
    assert csv_file.document is not None
    cells = [row[3] for row in csv.reader(io.StringIO(csv_file.document.decode()))]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


async def test_deliveries_keep_their_words(db, timed, clock) -> None:
    # Statuses are checked enums now: the rows read back as the same words as before.
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    await join(timed, 1360, "Europe/Berlin", "08:00", False)
    clock.now = datetime(2026, 3, 2, 7, 0, 30, tzinfo=UTC)
    await sweep(timed)
    async with db() as session:
        kind, status = (await session.execute(select(Delivery.kind, Delivery.status))).one()
    assert (kind, status) == ("daily", "sent")
