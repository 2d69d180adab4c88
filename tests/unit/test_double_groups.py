"""The double's group support for team mode, driven by a real PTB Bot over HTTP.

Members and admins (getChatMember, getChatAdministrators, getChat), a group upgraded to a
supergroup (ChatMigrated), the bot removed and re-added, the group flood limit and its
count, and deep links into the private chat.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from telegram import (
    Bot,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.request import HTTPXRequest

from bot.sandbox.double import BotApiDouble

# PTB itself reads RetryAfter.retry_after in the constructor, which warns on every 429.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

BOT_ID = 123456
ADA, BOB, CY, DEE, EVE = 3001, 3002, 3003, 3004, 3005
OFFICE = -4001
DESK = -1_001_234_567_890  # a supergroup


class FakeTime:
    """A wall clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def double(fake_time: FakeTime) -> AsyncIterator[BotApiDouble]:
    async with BotApiDouble(clock=fake_time) as running:
        yield running


@pytest.fixture
async def bot(double: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(
        double.token,
        base_url=double.base_url,
        base_file_url=double.base_file_url,
        request=HTTPXRequest(connection_pool_size=8, read_timeout=5.0),
    ) as ready:
        yield ready


def says(text: str) -> re.Pattern[str]:
    """Match PTB's error text, which PTB re-capitalises, case-insensitively."""
    return re.compile(re.escape(text), re.IGNORECASE)


def retry_after_of(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 deprecates the int form; either is fine here
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ------------------------------------------------------------------ members and admins


async def test_get_chat_member_gives_every_status(double: BotApiDouble, bot: Bot) -> None:
    office = double.group(OFFICE)
    ada = office.member(ADA, "Ada")  # the first member made is the creator
    office.member(BOB, "Bob", status="administrator")
    office.member(CY, "Cy")
    office.member(DEE, "Dee", status="kicked")
    double.user(EVE, "Eve")  # Telegram knows Eve, who was never in the group
    assert (ada.status, office.creator) == ("creator", ada)

    owner = await bot.get_chat_member(OFFICE, ADA)
    assert isinstance(owner, ChatMemberOwner) and owner.user.first_name == "Ada"
    admin = await bot.get_chat_member(OFFICE, BOB)
    assert isinstance(admin, ChatMemberAdministrator)
    assert admin.can_delete_messages and not admin.can_promote_members
    assert isinstance(await bot.get_chat_member(OFFICE, CY), ChatMemberMember)
    banned = await bot.get_chat_member(OFFICE, DEE)
    assert isinstance(banned, ChatMemberBanned) and banned.user.id == DEE
    left = await bot.get_chat_member(OFFICE, EVE)
    assert isinstance(left, ChatMemberLeft) and left.user.id == EVE
    me = await bot.get_chat_member(OFFICE, BOT_ID)
    assert isinstance(me, ChatMemberMember) and me.user.is_bot

    with pytest.raises(BadRequest, match=says("user not found")):
        await bot.get_chat_member(OFFICE, 999_999)  # nobody Telegram knows
    with pytest.raises(BadRequest, match=says("invalid user_id specified")):
        await bot.get_chat_member(OFFICE, 0)
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.get_chat_member(-777, ADA)

    desk = double.group(DESK, "Desk crew")
    desk.member(ADA)
    desk.member(BOB, status="restricted")  # only supergroups restrict
    restricted = await bot.get_chat_member(DESK, BOB)
    assert isinstance(restricted, ChatMemberRestricted)
    assert restricted.is_member and not restricted.can_send_messages
    with pytest.raises(RuntimeError, match="restricted"):
        await desk.member(BOB).send("hi")
    with pytest.raises(ValueError, match="supergroups"):
        office.member(CY).set_status("restricted")


async def test_tests_set_admins_and_the_bot_reads_them(double: BotApiDouble, bot: Bot) -> None:
    office = double.group(OFFICE)
    ada = office.member(ADA, "Ada", status="member")  # a status given: no creator yet
    bob = office.member(BOB, "Bob")
    assert (ada.status, bob.status, office.creator) == ("member", "member", None)
    bob.promote()
    office.member(CY, "Cy", status="creator")
    with pytest.raises(ValueError, match="creator already"):
        ada.set_status("creator")
    assert office.status_of(BOB) == "administrator"
    admins = await bot.get_chat_administrators(OFFICE)
    assert [(a.status, a.user.id) for a in admins] == [("creator", CY), ("administrator", BOB)]
    bob.demote()
    office.member(ADA, status="left")
    with pytest.raises(RuntimeError, match="not in group"):
        await ada.send("/team")
    assert [a.user.id for a in await bot.get_chat_administrators(OFFICE)] == [CY]
    assert await bot.get_chat_member_count(OFFICE) == 3  # Bob, Cy and the bot

    # The bot made an admin: my_chat_member says so, and it is listed with the admins.
    promoted = double.set_bot_admin(OFFICE, CY)
    assert office.bot_is_admin
    [update] = [u for u in await bot.get_updates(timeout=0) if u.update_id == promoted]
    assert update.my_chat_member is not None
    assert update.my_chat_member.old_chat_member.status == "member"
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(OFFICE, BOT_ID), ChatMemberAdministrator)
    assert [a.user.id for a in await bot.get_chat_administrators(OFFICE)] == [CY, BOT_ID]
    with pytest.raises(ValueError, match="already"):
        double.set_bot_admin(OFFICE, CY)
    double.set_bot_admin(OFFICE, CY, admin=False)
    assert not office.bot_is_admin

    person = double.user(ADA)
    await person.send("hi")
    with pytest.raises(BadRequest, match=says("there are no administrators in the private chat")):
        await bot.get_chat_administrators(ADA)


async def test_get_chat_of_groups_and_private_chats(double: BotApiDouble, bot: Bot) -> None:
    double.group(OFFICE, "Office").member(ADA)
    double.group(DESK, "Desk crew").member(ADA)
    office = await bot.get_chat(OFFICE)
    assert isinstance(office, ChatFullInfo)
    assert (office.id, office.type, office.title) == (OFFICE, "group", "Office")
    assert office.permissions is not None and office.permissions.can_send_messages
    desk = await bot.get_chat(DESK)
    assert (desk.type, desk.title) == ("supergroup", "Desk crew")
    await double.user(BOB, "Bob").send("hello")
    private = await bot.get_chat(BOB)
    assert (private.type, private.first_name) == ("private", "Bob")
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.get_chat(-777)


# ------------------------------------------------------------------ upgrade to a supergroup


async def test_group_migrated_to_a_supergroup(double: BotApiDouble, bot: Bot) -> None:
    office = double.group(OFFICE, "Office")
    ada, bob = office.member(ADA, "Ada"), office.member(BOB, "Bob", status="administrator")
    await ada.send("/team")
    board = await bot.send_message(OFFICE, "Board: 0 of 2 done")
    await bot.get_updates(timeout=0)
    before = len(office.chat)

    new_id = office.migrate_to_supergroup()
    assert new_id == -1_000_000_004_001  # -100 followed by the group's digits
    supergroup = office.supergroup
    assert supergroup is not None and supergroup is double.group(new_id)
    assert (office.migrated_to, supergroup.migrated_from) == (new_id, OFFICE)
    assert supergroup.title == "Office"

    # Telegram's updates: the old group says where it went, the bot joins the supergroup,
    # and the supergroup says where it came from.
    updates = {u.update_id: u for u in await bot.get_updates(timeout=0)}
    farewell_id, joined_id, welcome_id = office.migration_updates
    farewell = updates[farewell_id].message
    assert farewell is not None and farewell.chat.id == OFFICE and farewell.from_user is not None
    assert (farewell.migrate_to_chat_id, farewell.from_user.id) == (new_id, ADA)
    joined = updates[joined_id].my_chat_member
    assert joined is not None and joined.chat.id == new_id and joined.chat.type == "supergroup"
    assert (joined.old_chat_member.status, joined.new_chat_member.status) == ("left", "member")
    welcome = updates[welcome_id].message
    assert welcome is not None and (welcome.chat.id, welcome.chat.type) == (new_id, "supergroup")
    assert welcome.migrate_from_chat_id == OFFICE

    # The old id refuses writes with the new id, which PTB turns into ChatMigrated.
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(OFFICE, "Board: 1 of 2 done")
    assert migrated.value.new_chat_id == new_id
    async with httpx.AsyncClient(base_url=double.base_url + double.token) as http:
        raw = await http.post("/sendMessage", json={"chat_id": OFFICE, "text": "raw"})
    assert (raw.status_code, raw.json()) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": new_id},
        },
    )
    with pytest.raises(ChatMigrated):
        await bot.edit_message_text("Board: 1 of 2 done", OFFICE, board.message_id)
    with pytest.raises(ChatMigrated):
        await bot.delete_message(OFFICE, board.message_id)
    with pytest.raises(ChatMigrated):
        await bot.get_chat_member(OFFICE, ADA)
    with pytest.raises(ChatMigrated):
        await bot.get_chat_administrators(OFFICE)
    # Reading the old chat itself, and the bot's own membership, still works.
    assert (await bot.get_chat(OFFICE)).type == "group"
    assert (await bot.get_chat_member(OFFICE, BOT_ID)).status == "member"

    # The messages stay with the old group; the supergroup starts with its service message.
    assert len(office.chat) == before + 1 and office.chat[-1].service == "migrate_to_chat_id"
    assert [m.text for m in office.bot_messages] == ["Board: 0 of 2 done"]
    assert [m.service for m in supergroup.chat] == ["migrate_from_chat_id"]

    # Members moved along with their statuses; they now act in the supergroup.
    assert (await bot.get_chat_member(new_id, ADA)).status == "creator"
    assert (await bot.get_chat_member(new_id, BOB)).status == "administrator"
    with pytest.raises(RuntimeError, match="upgraded"):
        await ada.send("/board")
    await supergroup.member(ADA).send("/board")
    sent = await bot.send_message(new_id, "Board: 1 of 2 done")
    await bot.edit_message_text("Board: 2 of 2 done", new_id, sent.message_id)
    assert [m.text for m in supergroup.bot_messages] == ["Board: 2 of 2 done"]
    assert bob.status == "administrator"  # the old group's records are unchanged

    with pytest.raises(ValueError, match="already"):
        office.migrate_to_supergroup()
    with pytest.raises(ValueError, match="upgraded"):
        double.remove_bot_from_group(OFFICE, ADA)
    with pytest.raises(ValueError, match="basic group"):
        supergroup.migrate_to_supergroup()


async def test_migrating_a_group_without_the_bot_tells_it_nothing(
    double: BotApiDouble, bot: Bot
) -> None:
    gym = double.group(-4242, "Gym", with_bot=False)
    gym.member(ADA)
    double.add_bot_to_group(-4242, ADA)
    removed = double.remove_bot_from_group(-4242, ADA)
    new_id = gym.migrate_to_supergroup(new_chat_id=-1_009_999_999_999)
    assert new_id == -1_009_999_999_999 and gym.migration_updates == ()
    assert [u.update_id for u in await bot.get_updates(timeout=0)][-1] == removed
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.send_message(new_id, "hello?")
    # The old id now answers with the upgrade, as the Bot API server checks that first.
    with pytest.raises(ChatMigrated):
        await bot.send_message(-4242, "hello?")
    with pytest.raises(ValueError, match="-100"):
        double.group(-5151, "Small").migrate_to_supergroup(by_user_id=ADA, new_chat_id=-5152)


# ------------------------------------------------------------------ removed and re-added


async def test_bot_removed_from_groups_is_forbidden_and_can_come_back(
    double: BotApiDouble, bot: Bot
) -> None:
    office = double.group(OFFICE)
    office.member(ADA)
    sent = await bot.send_message(OFFICE, "hello")
    double.remove_bot_from_group(OFFICE, ADA)
    kicked = says("Forbidden: bot was kicked from the group chat")
    with pytest.raises(Forbidden, match=kicked):
        await bot.send_message(OFFICE, "still here?")
    with pytest.raises(Forbidden, match=kicked):
        await bot.delete_message(OFFICE, sent.message_id)
    with pytest.raises(Forbidden, match=kicked):
        await bot.send_chat_action(OFFICE, "typing")
    with pytest.raises(Forbidden, match=kicked):
        await bot.get_chat_member(OFFICE, ADA)
    with pytest.raises(Forbidden, match=kicked):
        await bot.get_chat_administrators(OFFICE)
    assert (await bot.get_chat_member(OFFICE, BOT_ID)).status == "kicked"
    assert (await bot.get_chat(OFFICE)).id == OFFICE  # a basic group stays readable

    back = double.add_bot_to_group(OFFICE, ADA, admin=True)
    assert office.bot_is_admin
    await bot.send_message(OFFICE, "back again")
    [rejoined] = [u for u in await bot.get_updates(timeout=0) if u.update_id == back]
    assert rejoined.my_chat_member is not None
    assert rejoined.my_chat_member.old_chat_member.status == "kicked"
    assert rejoined.my_chat_member.new_chat_member.status == "administrator"
    left = double.remove_bot_from_group(OFFICE, ADA, ban=False)
    assert not office.bot_is_admin
    with pytest.raises(Forbidden, match=says("Forbidden: bot is not a member of the group chat")):
        await bot.send_message(OFFICE, "gone")
    [gone] = [u for u in await bot.get_updates(timeout=0) if u.update_id == left]
    assert gone.my_chat_member is not None
    assert gone.my_chat_member.old_chat_member.status == "administrator"

    # A supergroup names itself, and refuses even reading while the bot is out.
    desk = double.group(DESK, "Desk crew")
    desk.member(ADA)
    double.remove_bot_from_group(DESK, ADA)
    with pytest.raises(Forbidden, match=says("bot was kicked from the supergroup chat")):
        await bot.send_message(DESK, "hi")
    with pytest.raises(Forbidden, match=says("bot was kicked from the supergroup chat")):
        await bot.get_chat(DESK)
    double.add_bot_to_group(DESK, ADA)
    double.remove_bot_from_group(DESK, ADA, ban=False)
    with pytest.raises(Forbidden, match=says("bot is not a member of the supergroup chat")):
        await bot.send_message(DESK, "hi")


# ------------------------------------------------------------------ the group limit


async def test_group_edits_are_counted_and_limited(
    double: BotApiDouble, bot: Bot, fake_time: FakeTime
) -> None:
    office = double.group(OFFICE)
    office.member(ADA)
    double.enforce_limits()  # Telegram's 20 a minute in a group, edits included
    board = await bot.send_message(OFFICE, "Board: 0 done")
    for done in range(1, 20):
        fake_time.advance(2)
        await bot.edit_message_text(f"Board: {done} done", OFFICE, board.message_id)
    fake_time.advance(2)
    with pytest.raises(RetryAfter) as error:
        await bot.edit_message_text("Board: 20 done", OFFICE, board.message_id)
    assert retry_after_of(error.value) == 20  # the send is 40 s old: out of the window in 20 s
    with pytest.raises(RetryAfter):
        await bot.send_message(OFFICE, "one more")
    assert office.calls_per_minute() == 20
    assert [method for _, method in office.writes[:2]] == ["sendMessage", "editMessageText"]
    # Refused calls and chat actions are not counted.
    assert len(office.writes) == 20
    fake_time.advance(20)
    await bot.edit_message_text("Board: 20 done", OFFICE, board.message_id)
    await bot.send_chat_action(OFFICE, "typing")
    assert office.calls_per_minute() == 20 and len(office.writes) == 21


async def test_group_calls_are_counted_without_limits(
    double: BotApiDouble, bot: Bot, fake_time: FakeTime
) -> None:
    office = double.group(OFFICE)
    office.member(ADA)
    board = await bot.send_message(OFFICE, "Board: 0 done")
    for done in range(1, 30):  # a burst Telegram would refuse after the 20th
        fake_time.advance(1)
        await bot.edit_message_text(f"Board: {done} done", OFFICE, board.message_id)
    with pytest.raises(BadRequest, match=says("message is not modified")):
        await bot.edit_message_text("Board: 29 done", OFFICE, board.message_id)
    assert office.calls_per_minute() == 30
    assert office.calls_per_minute(span=10) == 10
    fake_time.advance(120)
    await bot.send_message(OFFICE, "later")
    assert office.calls_per_minute() == 30  # the busiest minute so far
    assert double.group(-4242).calls_per_minute() == 0


# ------------------------------------------------------------------ deep links


async def test_start_with_a_team_code_from_a_private_chat(double: BotApiDouble, bot: Bot) -> None:
    office = double.group(OFFICE)
    office.member(ADA)
    link = "https://t.me/mobility_coach_bot?start=team_abc"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Join", url=link)]])
    await bot.send_message(OFFICE, "Team break at 11:00", reply_markup=markup)
    [join] = [b for row in office.bot_messages[-1].buttons for b in row]
    assert join.url == link

    newcomer = double.user(BOB, "Bob")  # never wrote to the bot
    opened = await newcomer.open_link(join.url)
    typed = await double.user(ADA).send("/start team_abc")
    updates = {u.update_id: u for u in await bot.get_updates(timeout=0)}
    for update_id, user_id in ((opened, BOB), (typed, ADA)):
        message = updates[update_id].message
        assert message is not None and message.chat.type == "private"
        assert (message.chat.id, message.text) == (user_id, "/start team_abc")
        assert message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    await bot.send_message(BOB, "You joined the team")  # the chat exists now

    assert await newcomer.open_link("tg://resolve?domain=mobility_coach_bot&start=team_x")
    assert await newcomer.open_link("t.me/mobility_coach_bot")  # a plain /start
    assert [m.text for m in newcomer.chat if not m.from_bot][-2:] == ["/start team_x", "/start"]
    with pytest.raises(ValueError, match="not this bot"):
        await newcomer.open_link("https://t.me/other_bot?start=team_abc")
    with pytest.raises(ValueError, match="rule"):
        await newcomer.open_link("https://t.me/mobility_coach_bot?start=team abc!")
    with pytest.raises(ValueError, match="rule"):
        await newcomer.open_link("https://t.me/mobility_coach_bot?start=" + "x" * 65)
