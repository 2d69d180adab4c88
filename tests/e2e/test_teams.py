"""Team mode through the double: a group's daily break, its live board, streak and members."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bot.db.models import Delivery, Person, Team, TeamMember, TeamPost
from bot.sandbox.double import CallbackAnswer
from bot.sandbox.double.person import GroupMember
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import library
from handlers.reminders import ReminderPace
from handlers.team_posts import send_team_due
from tests.e2e.helpers import cleared, reminders_in, start_routine, sweep

LIB = library()
T = LIB.texts
DESK = LIB.routine("desk")
GROUP = -5001
ANA, BEN, CY, DEE = 6001, 6002, 6003, 6004
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
BREAK = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)  # 11:00:05 in Berlin, the default time


async def gsend(sandbox: Sandbox, member: GroupMember, text: str) -> None:
    await sandbox.settle(await member.send(text))


async def gpress(
    sandbox: Sandbox, member: GroupMember, label: str, message_id: int | None = None
) -> CallbackAnswer:
    update_id = await member.press(label, message_id=message_id)
    await sandbox.settle(update_id)
    answer = member.answer_for(update_id)
    assert answer is not None
    return answer


async def post_due(sandbox: Sandbox) -> int:
    return await send_team_due(
        sandbox.app.bot, sandbox.services, ReminderPace(1000, 1), sandbox.app
    )


async def until(check: Callable[[], bool], timeout: float = 12.0) -> None:  # noqa: ASYNC109
    """Wait for something the bot does in a job (a board edit), failing after the timeout."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - the double records edits; nothing to wait on
            await asyncio.sleep(0.05)


async def do_desk(person: SandboxPerson) -> None:
    await person.send("/routine")
    await start_routine(person, f"{DESK.title} · {DESK.minutes} min")
    for _ in range(2 * len(DESK.exercises)):
        done = next(b for b in person.last.button_texts if b.startswith("✅ Done"))
        await person.press(done)


async def teams(db) -> list[Team]:
    async with db() as session:
        return list((await session.scalars(select(Team))).all())


async def stays(db) -> list[tuple[int, date, date | None]]:
    async with db() as session:
        rows = await session.execute(
            select(Person.telegram_id, TeamMember.joined_on, TeamMember.left_on)
            .join(Person, Person.id == TeamMember.person_id)
            .order_by(TeamMember.id)
        )
        return [(tid, joined, left) for tid, joined, left in rows.all()]


async def posts(db) -> list[TeamPost]:
    async with db() as session:
        return list((await session.scalars(select(TeamPost).order_by(TeamPost.id))).all())


async def office(sandbox: Sandbox, *names: tuple[int, str]) -> tuple[GroupMember, ...]:
    """A group whose first member (the creator, an admin) sets up a team with /team."""
    group = sandbox.double.group(GROUP, "Office")
    members = tuple(group.member(uid, name) for uid, name in names)
    await gsend(sandbox, members[0], "/team")
    return members


async def trained(sandbox: Sandbox, *names: tuple[int, str]) -> list[SandboxPerson]:
    """People who started the bot in private and answered the hip question."""
    people = []
    for uid, name in names:
        person = sandbox.person(uid, name)
        await cleared(person)
        people.append(person)
    return people


async def test_an_admin_sets_up_the_team_and_others_cannot(sandbox: Sandbox, db) -> None:
    group = sandbox.double.group(GROUP, "Office")
    ana, ben = group.member(ANA, "Ana"), group.member(BEN, "Ben")  # Ana created the group
    await gsend(sandbox, ben, "/team")
    assert group.last_bot_message is not None
    assert group.last_bot_message.text == T.team_not_admin
    assert await teams(db) == [], "a non-admin's /team changes nothing"

    await gsend(sandbox, ana, "/team")
    setup = group.last_bot_message
    assert setup is not None
    assert setup.text.startswith("🏃 Team break · Office\n⏰ 11:00 (Europe/Berlin), workdays")
    assert "Desk break, about 5 min" in setup.text and "Joined: 0" in setup.text
    assert T.btn_team_join in setup.button_texts
    [team] = await teams(db)
    assert (team.post_at, team.days, team.routine_id, team.goal) == (time(11), 31, "desk", None)

    # Ben's presses on the admins' buttons change nothing; Ana's do.
    answer = await gpress(sandbox, ben, T.btn_team_time, setup.message_id)
    assert answer.text == T.ans_team_not_admin
    await gpress(sandbox, ana, T.btn_team_time, setup.message_id)
    await gpress(sandbox, ana, "10:30", setup.message_id)
    await gpress(sandbox, ana, T.btn_team_goal, setup.message_id)
    assert (await gpress(sandbox, ana, "3", setup.message_id)).text == T.ans_team_saved
    await gpress(sandbox, ana, T.btn_team_ranking, setup.message_id)
    edited = group.bot_messages[-1]
    assert edited.message_id == setup.message_id, "the setup message changes in place"
    assert "⏰ 10:30 (Europe/Berlin)" in edited.text and "3 members finish" in edited.text
    assert T.team_ranking_off in edited.text
    [team] = await teams(db)
    assert (team.post_at, team.goal, team.ranking) == (time(10, 30), 3, False)

    # Typed settings, and bad ones refused with the reason and nothing changed.
    await gsend(sandbox, ana, "/team zone America/Sao_Paulo")
    await gsend(sandbox, ana, "/team goal 1")
    assert group.last_bot_message.text == T.team_bad_goal
    await gsend(sandbox, ana, "/team zone Mars/Olympus")
    assert group.last_bot_message.text == T.team_bad_zone
    await gsend(sandbox, ben, "/team off")
    assert group.last_bot_message.text == T.team_not_admin
    [team] = await teams(db)
    assert (team.timezone, team.goal, team.active) == ("America/Sao_Paulo", 3, True)
    await gsend(sandbox, ana, "/team off")
    assert group.last_bot_message.text == T.team_off
    [team] = await teams(db)
    assert (team.active, team.next_post_at) == (False, None)


async def test_join_by_button_and_by_deep_link_for_someone_new(sandbox: Sandbox, db) -> None:
    [ana_private] = await trained(sandbox, (ANA, "Ana"))
    ana, _ben, cy = await office(sandbox, (ANA, "Ana"), (BEN, "Ben"), (CY, "Cy"))
    group = ana.group
    assert await stays(db) == [], "nobody is on the team before they join"

    assert (await gpress(sandbox, ana, T.btn_team_join)).text == T.ans_team_joined
    assert (await gpress(sandbox, ana, T.btn_team_join)).text == T.ans_team_already
    assert not [m for m in ana_private.chat if "board" in m.text], "a toast, no private message"

    # Cy never started the bot: the press opens the private chat with a join link.
    answer = await gpress(sandbox, cy, T.btn_team_join)
    [team] = await teams(db)
    assert answer.url == f"https://t.me/{sandbox.app.bot.username}?start=team_{team.code}"
    await sandbox.settle(await sandbox.double.user(CY).open_link(answer.url))
    cy_chat = sandbox.double.user(CY).bot_messages
    assert [m.text.split(".")[0] for m in cy_chat] == ["You're on the board of Office"]
    assert [tid for tid, _, _ in await stays(db)] == [ANA, CY]
    async with db() as session:
        cy_row = await session.scalar(select(Person).where(Person.telegram_id == CY))
    assert cy_row is not None and cy_row.chat_id == CY and not cy_row.reminders_on
    assert all("Ana" not in m.text for m in group.bot_messages), "no board before a post"


async def test_the_daily_post_once_and_three_finishes_edit_its_board(timed, clock, db) -> None:
    clock.now = MONDAY
    people = await trained(timed, (ANA, "Ana"), (BEN, "Ben"), (CY, "Cy"))
    members = await office(timed, (ANA, "Ana"), (BEN, "Ben"), (CY, "Cy"), (DEE, "Dee"))
    for member in members[:3]:
        await gpress(timed, member, T.btn_team_join)
    group = members[0].group
    timed.double.enforce_limits()

    clock.now = BREAK - timedelta(minutes=1)
    assert await post_due(timed) == 0, "not before the team's time"
    clock.now = BREAK
    assert await post_due(timed) == 1
    assert await post_due(timed) == 0, "once per team and day"
    post = group.bot_messages[-1]
    assert post.text.startswith("🏃 Team break! Today: Desk break, about 5 min.")
    assert "0 of 3 done · a team day at 2\nAna ▫️ · Ben ▫️ · Cy ▫️" in post.text
    assert "Dee" not in post.text, "Dee never joined"
    start = next(b for row in post.buttons for b in row if b.text == T.btn_team_start)
    assert start.url is not None and start.url.endswith("?start=routine_desk")
    [row] = await posts(db)
    assert (row.kind, row.local_date, row.status, row.message_id) == (
        "daily",
        date(2026, 3, 2),
        "sent",
        post.message_id,
    )

    writes_before = len(group.writes)
    for person in people:  # three finishes in a burst, each in a private chat
        await do_desk(person)
    clock.advance(seconds=10)

    def board() -> str:
        return next(m.text for m in group.bot_messages if m.message_id == post.message_id)

    await until(lambda: "3 of 3 done" in board())
    assert "3 of 3 done · a team day at 2 · ✅ team day!\nAna ✅ · Ben ✅ · Cy ✅" in board()
    assert group.bot_messages[-1].message_id == post.message_id, "edited in place, no new post"
    edits = group.writes[writes_before:]
    assert 1 <= len(edits) <= 3 and all(method == "editMessageText" for _, method in edits)
    assert group.calls_per_minute() <= 20
    # The group never sees counts, versions or pain: only names and done marks.
    assert all("rep" not in m.text and "pain" not in m.text.lower() for m in group.bot_messages)


async def test_no_personal_reminder_within_the_hour_of_the_team_post(timed, clock, db) -> None:
    clock.now = MONDAY
    [ana_p, ben_p] = await trained(timed, (ANA, "Ana"), (BEN, "Ben"))
    await ana_p.send("/remind 11:30")  # half an hour after the team's break
    await ben_p.send("/remind 13:00")  # two hours after it
    ana, ben = await office(timed, (ANA, "Ana"), (BEN, "Ben"))
    await gpress(timed, ana, T.btn_team_join)
    await gpress(timed, ben, T.btn_team_join)
    clock.now = BREAK
    assert await post_due(timed) == 1
    clock.now = datetime(2026, 3, 2, 10, 30, 5, tzinfo=UTC)
    assert await sweep(timed) == 0
    clock.now = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)
    assert await sweep(timed) == 1
    assert reminders_in(ana_p) == [] and len(reminders_in(ben_p)) == 1
    async with db() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    assert [(d.local_date, d.status) for d in rows] == [
        (date(2026, 3, 2), "team"),
        (date(2026, 3, 2), "sent"),
    ]
    # The next day's reminder comes as usual.
    clock.now = datetime(2026, 3, 3, 10, 30, 5, tzinfo=UTC)
    assert await sweep(timed) == 1 and len(reminders_in(ana_p)) == 1


async def test_the_team_streak_after_a_team_day_a_paused_day_and_a_missed_day(
    timed, clock, db
) -> None:
    clock.now = MONDAY
    ana_p, ben_p = await trained(timed, (ANA, "Ana"), (BEN, "Ben"))
    ana, ben, _cy = await office(timed, (ANA, "Ana"), (BEN, "Ben"), (CY, "Cy"))
    for member in (ana, ben):
        await gpress(timed, member, T.btn_team_join)
    group = ana.group

    async def board_line() -> str:
        await gsend(timed, ana, "/board")
        text = group.bot_messages[-1].text
        return next(line for line in text.splitlines() if line.startswith("🔥"))

    await do_desk(ana_p)
    await do_desk(ben_p)  # Monday: both of two finished, a team day
    assert await board_line() == "🔥 Team streak: 1 · best: 1"
    clock.now = MONDAY + timedelta(days=1)  # Tuesday: the admin pauses the team
    await gsend(timed, ana, "/team off")
    clock.now = MONDAY + timedelta(days=2)  # Wednesday: back on, and a team day
    await gsend(timed, ana, "/team on")
    await do_desk(ana_p)
    await do_desk(ben_p)
    assert await board_line() == "🔥 Team streak: 2 · best: 2", "the paused day did not break it"
    week = group.bot_messages[-1].text
    assert "<code>Mo Tu We Th Fr Sa Su</code>" not in week  # shown as code, read as text
    assert "Mo Tu We Th Fr Sa Su" in week
    assert "Team  ✅ ➖ ✅ · · ➖ ➖" in week
    assert "Ana  ✅ ➖ ✅ · · ➖ ➖" in week
    clock.now = MONDAY + timedelta(days=4)  # Friday: Thursday was missed
    await do_desk(ana_p)  # one of two is not a team day
    assert await board_line() == "🔥 Team streak: 0 · best: 2"
    # The weekly summary comes with next Monday's break.
    clock.now = datetime(2026, 3, 9, 10, 0, 5, tzinfo=UTC)
    assert await post_due(timed) == 2
    summary, post = group.bot_messages[-2:]
    assert summary.text.startswith("📅 Last week: 2 of 4 team days.")
    assert "👏 Most consistent: Ana, Ben" in summary.text
    assert post.text.startswith("🏃 Team break!")


async def test_leave_in_the_group_and_in_private(sandbox: Sandbox, db) -> None:
    ana_p, ben_p = await trained(sandbox, (ANA, "Ana"), (BEN, "Ben"))
    ana, ben = await office(sandbox, (ANA, "Ana"), (BEN, "Ben"))
    for member in (ana, ben):
        await gpress(sandbox, member, T.btn_team_join)
    await gsend(sandbox, ben, "/leave")
    assert ben.group.last_bot_message is not None
    assert ben.group.last_bot_message.text == T.team_left_group.format(name="Ben")
    await gsend(sandbox, ben, "/leave")
    assert ben.group.last_bot_message.text == T.team_not_member
    await ana_p.send("/leave")
    assert ana_p.last.text == T.team_leave_pick
    await ana_p.press("Office")
    assert ana_p.last.text == "You left Office. Your own routines and streak stay as they are."
    await ana_p.send("/leave")
    assert ana_p.last.text == T.team_leave_none
    assert await stays(db) == [], "joined and left the same day: as if never there"
    assert ben_p.last.text != T.team_leave_pick


async def test_the_bot_removed_pauses_the_team_and_a_supergroup_keeps_it(timed, clock, db) -> None:
    clock.now = MONDAY
    await trained(timed, (ANA, "Ana"), (BEN, "Ben"))
    ana, ben = await office(timed, (ANA, "Ana"), (BEN, "Ben"))
    for member in (ana, ben):
        await gpress(timed, member, T.btn_team_join)
    await timed.settle(timed.double.remove_bot_from_group(GROUP, by_user_id=ANA))
    [team] = await teams(db)
    assert team.left_at is not None and team.next_post_at is None
    clock.now = BREAK
    assert await post_due(timed) == 0, "no post to a group the bot is not in"

    await timed.settle(timed.double.add_bot_to_group(GROUP, by_user_id=ANA))
    [team] = await teams(db)
    assert team.left_at is None and team.next_post_at is not None

    new_id = ana.group.migrate_to_supergroup()
    for update_id in ana.group.migration_updates:
        await timed.settle(update_id)
    [team] = await teams(db)
    assert team.chat_id == new_id
    assert [tid for tid, _, _ in await stays(db)] == [ANA, BEN], "nobody lost"
    clock.now = BREAK + timedelta(days=1)
    assert await post_due(timed) == 1
    supergroup = timed.double.group(new_id)
    assert supergroup.bot_messages[-1].text.startswith("🏃 Team break!")
    assert "0 of 2 done" in supergroup.bot_messages[-1].text
    assert not [m for m in supergroup.bot_messages if m.text == T.team_hello]


async def test_a_slow_move_to_the_supergroup_still_greets_nobody(sandbox: Sandbox, db) -> None:
    """The supergroup's "bot added" waits for the move that the old group's message starts.

    Telegram sends the old group's migrate_to_chat_id first, then the bot joining the
    supergroup; the two are different chats, so nothing else kept them in order. A move that
    took a moment used to let the join through first, and the team got a stranger's hello.
    """
    await trained(sandbox, (ANA, "Ana"))
    [ana] = await office(sandbox, (ANA, "Ana"))
    teams_service = sandbox.services.teams
    move = teams_service.migrated

    async def slow_move(old_chat_id: int, new_chat_id: int) -> bool:
        await asyncio.sleep(0.3)
        return await move(old_chat_id, new_chat_id)

    teams_service.migrated = slow_move  # type: ignore[method-assign]
    new_id = ana.group.migrate_to_supergroup()
    await sandbox.settle(ana.group.migration_updates[-1])
    [team] = await teams(db)
    assert team.chat_id == new_id
    supergroup = sandbox.double.group(new_id)
    assert [m.text for m in supergroup.bot_messages if m.text == T.team_hello] == []


async def test_delete_removes_memberships_and_team_delete_the_team(sandbox: Sandbox, db) -> None:
    ana_p, _ben_p = await trained(sandbox, (ANA, "Ana"), (BEN, "Ben"))
    ana, ben = await office(sandbox, (ANA, "Ana"), (BEN, "Ben"))
    for member in (ana, ben):
        await gpress(sandbox, member, T.btn_team_join)
    await ana_p.send("/export")
    export = next(m for m in ana_p.chat if m.document is not None)
    assert export.document is not None and b"team_members" in export.document
    await ana_p.send("/delete")
    await ana_p.press(T.btn_delete_yes)
    assert [tid for tid, _, _ in await stays(db)] == [BEN]

    await gsend(sandbox, ben, "/team delete")
    assert ben.group.last_bot_message.text == T.team_not_admin
    await gsend(sandbox, ana, "/team delete")
    assert ana.group.last_bot_message.text == T.team_delete_confirm
    await gpress(sandbox, ben, T.btn_team_delete_yes)
    assert len(await teams(db)) == 1, "only an admin's yes deletes"
    await gpress(sandbox, ana, T.btn_team_delete_yes)
    assert ana.group.last_bot_message.text == T.team_deleted
    assert await teams(db) == [] and await stays(db) == []


async def test_an_unknown_team_link_says_so(sandbox: Sandbox) -> None:
    dee = sandbox.double.user(DEE, "Dee")
    link = f"t.me/{sandbox.app.bot.username}?start=team_nope"
    await sandbox.settle(await dee.open_link(link))
    assert [m.text for m in dee.bot_messages] == [T.team_link_gone]
