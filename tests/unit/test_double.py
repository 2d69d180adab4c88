"""The loopback Bot API double, driven by a real PTB Bot and by raw HTTP."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.sandbox.double import (
    BotApiDouble,
    Button,
    ButtonNotFoundError,
    UpdateNotDeliveredError,
)

# PTB itself reads RetryAfter.retry_after in the constructor, which warns on every 429.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ADA = 1001


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


def make_bot(double: BotApiDouble, *, read_timeout: float = 5.0) -> Bot:
    return Bot(
        double.token,
        base_url=double.base_url,
        base_file_url=double.base_file_url,
        request=HTTPXRequest(connection_pool_size=8, read_timeout=read_timeout),
    )


@pytest.fixture
async def bot(double: BotApiDouble) -> AsyncIterator[Bot]:
    async with make_bot(double) as ready:
        yield ready


@pytest.fixture
async def http(double: BotApiDouble) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{double.port}", timeout=5) as client:
        yield client


@pytest.fixture
async def ada(double: BotApiDouble):
    """A person who has already written to the bot (so the bot may write to her)."""
    person = double.user(ADA, "Ada")
    await person.send("hello")
    return person


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"cb:{label}") for label in labels]]
    )


def says(text: str) -> re.Pattern[str]:
    """Match PTB's error text, which PTB re-capitalises, case-insensitively."""
    return re.compile(re.escape(text), re.IGNORECASE)


def seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after_of(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 deprecates the int form; either is fine here
        return seconds(error.retry_after)


# ------------------------------------------------------------------ protocol


async def test_get_me_returns_the_bot_user(double: BotApiDouble, bot: Bot):
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "mobility_coach_bot")
    assert double.count("getme") >= 1


async def test_wrong_token_unknown_method_and_method_case(http: httpx.AsyncClient):
    wrong = await http.post("/bot999:nope/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    unknown = await http.post("/bot123456:TEST-token/getMeNot")
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"
    lower = await http.get("/bot123456:TEST-token/getme")
    assert lower.json()["result"]["username"] == "mobility_coach_bot"


async def test_json_body_and_query_string_are_accepted(http: httpx.AsyncClient, ada):
    by_json = await http.post(
        "/bot123456:TEST-token/sendMessage",
        json={"chat_id": ADA, "text": "<b>json</b>", "parse_mode": "HTML"},
    )
    assert by_json.json()["result"]["text"] == "json"
    by_query = await http.get(
        "/bot123456:TEST-token/sendMessage", params={"chat_id": str(ADA), "text": "query"}
    )
    assert by_query.json()["ok"] is True
    assert [m.text for m in ada.bot_messages] == ["json", "query"]


async def test_calls_are_recorded_with_decoded_params(double: BotApiDouble, bot: Bot, ada):
    await bot.send_message(ADA, "hi", reply_markup=keyboard("A"))
    call = double.calls_to("sendMessage")[-1]
    assert call.status == 200
    assert call.params["chat_id"] == ADA
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "cb:A"
    assert double.counts["sendMessage"] == 1


# ------------------------------------------------------------------ sending and the chat


async def test_html_message_with_buttons_shows_in_the_chat(bot: Bot, ada):
    sent = await bot.send_message(
        ADA,
        "<b>Today</b>: hip &amp; knee",
        parse_mode="HTML",
        reply_markup=keyboard("Start", "Skip"),
    )
    assert sent.text == "Today: hip & knee"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 5),)
    last = ada.last_bot_message
    assert last is not None
    assert last.message_id == sent.message_id
    assert last.text == "Today: hip & knee"
    assert last.html == "<b>Today</b>: hip &amp; knee"
    assert last.buttons == [[Button("Start", "cb:Start"), Button("Skip", "cb:Skip")]]
    assert [m.from_bot for m in ada.chat] == [False, True]


async def test_bad_html_is_rejected_and_nothing_lands(bot: Bot, ada):
    with pytest.raises(BadRequest, match=says('can\'t parse entities: unsupported start tag "x"')):
        await bot.send_message(ADA, "a <x>b</x>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=says("can't parse entities")):
        await bot.send_message(ADA, "Tom & Jerry", parse_mode="HTML")
    assert ada.bot_messages == []


async def test_text_length_is_checked_after_parsing(bot: Bot, ada):
    await bot.send_message(ADA, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=says("message is too long")):
        await bot.send_message(ADA, "a" * 4097)
    with pytest.raises(BadRequest, match=says("message text is empty")):
        await bot.send_message(ADA, "  \n ")
    with pytest.raises(BadRequest, match=says("message text is empty")):
        await bot.send_message(ADA, "<b></b>", parse_mode="HTML")


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, ada):
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
    await bot.send_message(ADA, "fits", reply_markup=ok)
    for data in ("x" * 65, "é" * 33):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("big", callback_data=data)]])
        with pytest.raises(BadRequest, match=says("BUTTON_DATA_INVALID")):
            await bot.send_message(ADA, "too big", reply_markup=markup)


async def test_keyboard_rules(http: httpx.AsyncClient, ada):
    async def send(markup: object) -> str:
        reply = await http.post(
            "/bot123456:TEST-token/sendMessage",
            data={"chat_id": str(ADA), "text": "x", "reply_markup": json.dumps(markup)},
        )
        assert reply.status_code == 400
        return str(reply.json()["description"])

    assert "Text buttons are unallowed" in await send({"inline_keyboard": [[{"text": "plain"}]]})
    assert "BUTTON_TEXT_INVALID" in await send(
        {"inline_keyboard": [[{"text": " ", "callback_data": "x"}]]}
    )
    assert "exactly one" in await send(
        {"inline_keyboard": [[{"text": "t", "callback_data": "x", "url": "https://a.io"}]]}
    )
    many = [[{"text": str(i), "callback_data": str(i)} for i in range(101)]]
    assert await send({"inline_keyboard": many}) == "Bad Request: reply markup is too long"


async def test_chat_not_found_until_the_person_writes(double: BotApiDouble, bot: Bot):
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.send_message(424242, "hello?")
    grace = double.user(2002, "Grace")
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.send_message(2002, "I write first")
    await grace.send("/start")
    await bot.send_message(2002, "now I may")


async def test_send_photo_and_document_land_in_the_chat(bot: Bot, ada):
    photo = await bot.send_photo(ADA, PNG, caption="<i>Hip circle</i>", parse_mode="HTML")
    assert photo.caption == "Hip circle"
    assert (photo.photo[-1].width, photo.photo[-1].height) == (1, 1)
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.photo, shown.text, shown.html) == (PNG, "Hip circle", "<i>Hip circle</i>")
    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == PNG

    document = await bot.send_document(ADA, b"week 1", filename="plan.txt")
    assert document.document is not None
    assert document.document.file_name == "plan.txt"
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.document, shown.document_name) == (b"week 1", "plan.txt")


async def test_photo_rules(bot: Bot, ada):
    with pytest.raises(BadRequest, match=says("IMAGE_PROCESS_FAILED")):
        await bot.send_photo(ADA, b"not an image")
    with pytest.raises(BadRequest, match=says("message caption is too long")):
        await bot.send_photo(ADA, PNG, caption="c" * 1025)


async def test_chat_actions_are_recorded(bot: Bot, ada):
    await bot.send_chat_action(ADA, "typing")
    assert ada.chat_actions == ["typing"]
    with pytest.raises(BadRequest, match=says("wrong parameter action")):
        await bot.send_chat_action(ADA, "dancing")


# ------------------------------------------------------------------ edits and deletes


async def test_edits_apply_in_place_and_respect_not_modified(bot: Bot, ada):
    sent = await bot.send_message(ADA, "Set 1", reply_markup=keyboard("Done"))
    with pytest.raises(BadRequest, match=says("message is not modified")):
        await bot.edit_message_text("Set 1", ADA, sent.message_id, reply_markup=keyboard("Done"))
    # The same text rendered from different HTML is still "not modified".
    with pytest.raises(BadRequest, match=says("message is not modified")):
        await bot.edit_message_text(
            "Set&#32;1", ADA, sent.message_id, parse_mode="HTML", reply_markup=keyboard("Done")
        )
    # Editing the text without reply_markup removes the keyboard, as on Telegram.
    await bot.edit_message_text("Set 1", ADA, sent.message_id)
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.text, shown.buttons, shown.edited) == ("Set 1", [], True)
    await bot.edit_message_reply_markup(ADA, sent.message_id, reply_markup=keyboard("Again"))
    assert ada.chat[-1].buttons == [[Button("Again", "cb:Again")]]
    assert len(ada.chat) == 2


async def test_edit_of_missing_or_foreign_message(bot: Bot, ada):
    with pytest.raises(BadRequest, match=says("message to edit not found")):
        await bot.edit_message_text("x", ADA, 9999)
    own = ada.chat[0]
    with pytest.raises(BadRequest, match=says("message can't be edited")):
        await bot.edit_message_text("x", ADA, own.message_id)


async def test_delete_removes_the_message(bot: Bot, ada):
    sent = await bot.send_message(ADA, "bye")
    assert await bot.delete_message(ADA, sent.message_id)
    assert ada.bot_messages == []
    with pytest.raises(BadRequest, match=says("message to delete not found")):
        await bot.delete_message(ADA, sent.message_id)


# ------------------------------------------------------------------ the person and updates


async def test_commands_arrive_with_a_bot_command_entity(double: BotApiDouble, bot: Bot):
    person = double.user(ADA, "Ada", username="ada")
    first = await person.send("/start")
    second = await person.send("/plan@mobility_coach_bot tomorrow")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    start = updates[0].message
    assert start is not None and start.from_user is not None
    assert start.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert (start.from_user.id, start.from_user.username, start.chat.type) == (
        ADA,
        "ada",
        "private",
    )
    plan = updates[1].message
    assert plan is not None
    assert plan.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 24),)
    assert plan.text == "/plan@mobility_coach_bot tomorrow"


async def test_press_sends_a_callback_query(double: BotApiDouble, bot: Bot, ada):
    sent = await bot.send_message(ADA, "Ready?", reply_markup=keyboard("Go", "Later"))
    update_id = await ada.press("Go")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert updates[-1].update_id == update_id
    assert query is not None and isinstance(query.message, Message)
    assert query.data == "cb:Go"
    assert query.from_user.id == ADA
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == keyboard("Go", "Later")
    assert ada.answer_for(update_id) is None
    assert await bot.answer_callback_query(query.id, text="Let's go")
    answer = ada.answer_for(update_id)
    assert answer is not None
    assert (answer.text, answer.show_alert) == ("Let's go", False)


async def test_press_explains_missing_buttons(bot: Bot, ada):
    await bot.send_message(ADA, "Pick", reply_markup=keyboard("One", "Two"))
    with pytest.raises(ButtonNotFoundError, match="'One', 'Two'"):
        await ada.press("Three")
    link = InlineKeyboardMarkup([[InlineKeyboardButton("Docs", url="https://example.com")]])
    await bot.send_message(ADA, "Read", reply_markup=link)
    with pytest.raises(ButtonNotFoundError, match="url button"):
        await ada.press("Docs")


async def test_press_targets_an_older_message_and_raw_data(bot: Bot, ada):
    first = await bot.send_message(ADA, "old", reply_markup=keyboard("Go"))
    await bot.send_message(ADA, "new", reply_markup=keyboard("Go"))
    await ada.press("Go", message_id=first.message_id)
    await ada.press_data("stale:v0", message_id=first.message_id)
    updates = await bot.get_updates(timeout=0)
    queries = [u.callback_query for u in updates if u.callback_query]
    assert [(q.data, q.message.message_id) for q in queries if q.message] == [
        ("cb:Go", first.message_id),
        ("stale:v0", first.message_id),
    ]


async def test_answering_a_callback_twice_or_late_fails(
    double: BotApiDouble, bot: Bot, ada, fake_time: FakeTime
):
    await bot.send_message(ADA, "Q", reply_markup=keyboard("A"))
    await ada.press("A")
    await ada.press("A")
    queries = [u.callback_query for u in await bot.get_updates(timeout=0) if u.callback_query]
    assert await bot.answer_callback_query(queries[0].id)
    with pytest.raises(BadRequest, match=says("query is too old")):
        await bot.answer_callback_query(queries[0].id)
    fake_time.advance(15.5)
    with pytest.raises(BadRequest, match=says("query is too old")):
        await bot.answer_callback_query(queries[1].id)
    with pytest.raises(BadRequest, match=says("query is too old")):
        await bot.answer_callback_query("no-such-query")


async def test_callback_answer_text_is_limited(bot: Bot, ada):
    await bot.send_message(ADA, "Q", reply_markup=keyboard("A"))
    update_id = await ada.press("A")
    query = (await bot.get_updates(timeout=0))[-1].callback_query
    assert query is not None
    with pytest.raises(BadRequest, match=says("message is too long")):
        await bot.answer_callback_query(query.id, text="x" * 201)
    assert await bot.answer_callback_query(query.id, text="x" * 200)
    assert ada.answer_for(update_id) is not None


async def test_person_edit_and_location(bot: Bot, double: BotApiDouble, ada):
    own = ada.chat[0]
    await ada.edit(own.message_id, "hello again")
    await ada.share_location(52.52, 13.405)
    updates = await bot.get_updates(timeout=0)
    edited = updates[-2].edited_message
    assert edited is not None and edited.text == "hello again"
    location = updates[-1].message
    assert location is not None and location.location is not None
    assert (location.location.latitude, location.location.longitude) == (52.52, 13.405)
    assert ada.chat[0].edited
    assert ada.chat[-1].location == (52.52, 13.405)


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, ada):
    greeting = await bot.get_updates(timeout=0)
    offset = greeting[-1].update_id + 1
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=offset, timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await ada.send("are you there?")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert updates[-1].message is not None
    assert updates[-1].message.text == "are you there?"


async def test_long_poll_times_out_empty(bot: Bot):
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2


async def test_offset_confirms_and_drops_older_updates(double: BotApiDouble, bot: Bot, ada):
    await ada.send("two")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 2
    assert double.pending_updates == 2
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert double.pending_updates == 0


async def test_limit_caps_the_batch(bot: Bot, ada):
    for n in range(5):
        await ada.send(f"m{n}")
    assert len(await bot.get_updates(limit=2, timeout=0)) == 2


async def test_a_newer_poll_ends_the_older_with_conflict(double: BotApiDouble):
    async with make_bot(double) as first, make_bot(double) as second:
        older = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        await second.get_updates(timeout=0)
        with pytest.raises(Conflict, match=says("terminated by other getUpdates")):
            await asyncio.wait_for(older, 2)


async def test_wait_delivered(double: BotApiDouble, bot: Bot, ada):
    update_id = await ada.send("/start")
    with pytest.raises(TimeoutError, match="no getUpdates call"):
        await double.wait_delivered(update_id, timeout=0.1)
    updates = await bot.get_updates(timeout=0)
    with pytest.raises(TimeoutError, match="handed out but not confirmed"):
        await double.wait_delivered(update_id, timeout=0.1)
    waiter = asyncio.create_task(double.wait_delivered(update_id, timeout=2))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    await asyncio.wait_for(waiter, 1)


async def test_filtered_update_is_reported_as_not_delivered(double: BotApiDouble, bot: Bot):
    person = double.user(ADA)
    update_id = await person.send("hi")
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    await bot.get_updates(offset=update_id + 1, timeout=0)
    with pytest.raises(UpdateNotDeliveredError, match="not in allowed_updates"):
        await double.wait_delivered(update_id, timeout=0.5)


async def test_wait_answered_and_next_bot_message(double: BotApiDouble, bot: Bot, ada):
    await bot.send_message(ADA, "Q", reply_markup=keyboard("A"))
    update_id = await ada.press("A")

    async def bot_side() -> None:
        updates = await bot.get_updates(timeout=0)
        query = updates[-1].callback_query
        assert query is not None
        await bot.answer_callback_query(query.id, text="noted", show_alert=True)
        await bot.send_message(ADA, "Next exercise")

    task = asyncio.create_task(bot_side())
    answer = await double.wait_answered(update_id, timeout=2)
    assert (answer.text, answer.show_alert) == ("noted", True)
    reply = await ada.next_bot_message(timeout=2)
    assert reply.text == "Next exercise"
    await task


async def test_push_update_for_unknown_kinds_and_chats(double: BotApiDouble, bot: Bot):
    group = {"id": -100777, "type": "supergroup", "title": "Desk crew"}
    sender = {"id": 3003, "is_bot": False, "first_name": "Lin"}
    first = await double.push_update({"future_kind": {"id": "p1"}})  # unknown to PTB
    second = await double.push_update(
        {"message": {"chat": group, "from": sender, "date": 1, "text": "hi all"}}
    )
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    assert updates[1].message is not None and updates[1].message.chat.id == -100777
    reply = await bot.send_message(-100777, "hello group")
    assert double.chat(-100777)[-1].text == "hello group"
    assert reply.chat.type == "supergroup"


async def test_commands_menu(double: BotApiDouble, bot: Bot):
    await bot.set_my_commands([("start", "Begin"), ("plan", "Your week")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "plan"]
    assert double.my_commands()[1] == {"command": "plan", "description": "Your week"}
    with pytest.raises(BadRequest, match=says("BOT_COMMAND_INVALID")):
        await bot.set_my_commands([("Start", "Begin")])
    with pytest.raises(BadRequest, match=says("command description must be non-empty")):
        await bot.set_my_commands([("start", " ")])
    with pytest.raises(BadRequest, match=says("command length must not exceed 32")):
        await bot.set_my_commands([("a" * 33, "x")])
    with pytest.raises(BadRequest, match=says("BOT_COMMANDS_TOO_MUCH")):
        await bot.set_my_commands([(f"c{i}", "x") for i in range(101)])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_webhook_blocks_polling(double: BotApiDouble, bot: Bot):
    await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match=says("webhook is active")):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


# ------------------------------------------------------------------ faults


async def test_blocked_chat_is_forbidden(double: BotApiDouble, bot: Bot, ada):
    sent = await bot.send_message(ADA, "hi")
    double.block(ADA, notify=True)
    with pytest.raises(Forbidden, match=says("bot was blocked by the user")):
        await bot.send_message(ADA, "still there?")
    with pytest.raises(Forbidden, match=says("bot was blocked by the user")):
        await bot.edit_message_text("edited", ADA, sent.message_id)
    member = (await bot.get_updates(timeout=0))[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    with pytest.raises(RuntimeError, match="blocked the bot"):
        await ada.send("hello")
    assert [m.text for m in ada.bot_messages] == ["hi"]  # the chat stays readable
    double.unblock(ADA)
    await bot.send_message(ADA, "welcome back")


async def test_fail_next_429_raises_retry_after(double: BotApiDouble, bot: Bot, ada):
    double.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(ADA, "flood")
    assert retry_after_of(error.value) == 3
    await bot.send_message(ADA, "fine again")
    assert [m.text for m in ada.bot_messages] == ["fine again"]
    assert double.calls_to("sendMessage")[0].fault == "429"
    assert double.faults_injected["429"] == 1


async def test_fail_next_counts_and_filters_by_chat(double: BotApiDouble, bot: Bot, ada):
    grace = double.user(2002, "Grace")
    await grace.send("hi")
    double.fail_next("sendmessage", status=500, count=2, chat_id=ADA)
    await bot.send_message(2002, "Grace is unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError, match=says("Internal Server Error")):
            await bot.send_message(ADA, "x")
    await bot.send_message(ADA, "third time lucky")
    double.fail_next("*", status=502)
    with pytest.raises(NetworkError, match=says("Bad Gateway")):
        await bot.get_me()


async def test_dropped_connection_does_not_act(
    double: BotApiDouble, bot: Bot, ada, caplog: pytest.LogCaptureFixture
):
    double.fail_next("sendMessage", kind="drop")
    with pytest.raises(NetworkError):
        await bot.send_message(ADA, "lost")
    assert ada.bot_messages == []
    assert double.calls_to("sendMessage")[0].fault == "drop"
    assert not [r for r in caplog.records if r.name.startswith("uvicorn")]  # no traceback noise


async def test_timeout_fault_acts_but_answers_late(double: BotApiDouble, ada):
    async with make_bot(double, read_timeout=0.2) as impatient:
        double.fail_next("sendMessage", kind="timeout", delay=1.0)
        with pytest.raises(TimedOut):
            await impatient.send_message(ADA, "arrived anyway")
    assert [m.text for m in ada.bot_messages] == ["arrived anyway"]


async def test_random_faults_are_reproducible():
    async def labels(seed: int) -> list[str | None]:
        double = BotApiDouble()
        double.random_faults(0.5, seed=seed, kinds=("429", "500"))
        outcomes = [double.faults.take("sendmessage", ADA) for _ in range(40)]
        assert double.faults.take("getupdates", ADA) is None  # not a default method
        return [rule.label if rule else None for rule in outcomes]

    first = await labels(7)
    assert first == await labels(7)
    assert first != await labels(8)
    assert {"429", "500", None} == set(first)


async def test_random_faults_over_http(double: BotApiDouble, bot: Bot, ada):
    double.random_faults(1.0, seed=1, kinds=("500",), methods=["sendMessage"])
    with pytest.raises(NetworkError):
        await bot.send_message(ADA, "x")
    double.clear_faults()
    await bot.send_message(ADA, "y")


async def test_flood_limits_per_chat(double: BotApiDouble, bot: Bot, ada, fake_time: FakeTime):
    double.enforce_limits()
    results = await asyncio.gather(
        *(bot.send_message(ADA, f"burst {n}") for n in range(40)), return_exceptions=True
    )
    throttled = [r for r in results if isinstance(r, RetryAfter)]
    assert len(throttled) == 39
    assert all(retry_after_of(error) >= 1 for error in throttled)
    assert double.throttled == 39
    assert len(ada.bot_messages) == 1
    fake_time.advance(1.0)
    await bot.send_message(ADA, "a second later")


async def test_flood_limits_overall(double: BotApiDouble, bot: Bot, fake_time: FakeTime):
    people = [double.user(5000 + n) for n in range(40)]
    for person in people:
        await person.send("/start")
    double.enforce_limits(per_second=30, per_chat_per_second=1)
    outcomes: list[float] = []
    for person in people:
        try:
            await bot.send_message(person.chat_id, "reminder")
            outcomes.append(0)
        except RetryAfter as error:
            outcomes.append(retry_after_of(error))
        fake_time.advance(0.01)
    assert outcomes.count(0) == 30
    assert [wait for wait in outcomes if wait] == [1.0] * 10
    fake_time.advance(1.0)
    await bot.send_message(people[-1].chat_id, "room again")
    double.disable_limits()


async def test_stop_ends_a_pending_long_poll(fake_time: FakeTime):
    double = BotApiDouble(clock=fake_time)
    await double.start()
    async with make_bot(double) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await double.stop()
        assert time.monotonic() - started < 3
        done, _ = await asyncio.wait({poll}, timeout=3)
        assert poll in done  # answered empty or cut off; either way it does not hang
        assert poll.exception() is None or isinstance(poll.exception(), NetworkError)
    assert not double.running


async def test_a_ptb_application_polls_the_double_across_restarts(double: BotApiDouble):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id,
            "<b>Welcome</b>",
            parse_mode="HTML",
            reply_markup=keyboard("Go"),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Started")
        await update.callback_query.edit_message_text("Started")

    async def run_app() -> Any:
        app = (
            Application.builder()
            .token(double.token)
            .base_url(double.base_url)
            .base_file_url(double.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        return app

    async def stop_app(app: Any) -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    person = double.user(ADA)
    for round_ in range(2):  # a restarted bot keeps polling the same double
        app = await run_app()
        try:
            await double.wait_delivered(await person.send("/start"), timeout=3)
            welcome = await person.next_bot_message(timeout=3)
            assert welcome.text == "Welcome"
            answer = await double.wait_answered(await person.press("Go"), timeout=3)
            assert answer.text == "Started"
            await double.wait_until(
                lambda: person.chat[-1].text == "Started", timeout=3, what="the edit"
            )
        finally:
            await stop_app(app)
        assert len(person.bot_messages) == round_ + 1


# ------------------------------------------------------------------ group chats

GRACE = 2002
OFFICE = -4_000_000_001  # the default group id


async def test_groups_are_negative_idempotent_and_typed_by_id(double: BotApiDouble):
    office = double.group()
    assert office is double.group()
    assert (office.chat_id, office.title, office.bot_status) == (OFFICE, "Office", "member")
    gym = double.group(-1_001_234_567_890, "Gym")
    assert double.group(-1_001_234_567_890, "Renamed").title == "Gym"  # first call names it
    member = office.member(ADA, "Ada")
    assert office.member(ADA) is member
    assert (member.chat_id, member.user_id, member.group) == (OFFICE, ADA, office)
    with pytest.raises(ValueError, match="negative"):
        double.group(ADA)
    with pytest.raises(ValueError, match="positive"):
        office.member(-5)
    assert gym.chat == [] and office.last_bot_message is None


async def test_group_command_arrives_from_the_member_in_the_group(double: BotApiDouble, bot: Bot):
    office = double.group()
    ada = office.member(ADA, "Ada", username="ada")
    addressed = await ada.send("/streak@mobility_coach_bot")
    bare = await ada.send("/streak")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [addressed, bare]
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert (message.chat.id, message.chat.type, message.chat.title) == (OFFICE, "group", "Office")
    assert (message.from_user.id, message.from_user.username) == (ADA, "ada")
    assert message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 26),)
    assert updates[1].message is not None
    assert updates[1].message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 7),)
    assert [m.sender_id for m in office.chat] == [ADA, ADA]


async def test_supergroup_chat_type(double: BotApiDouble, bot: Bot):
    desk = double.group(-1_001_234_567_890, "Desk crew")
    await desk.member(ADA).send("hi all")
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].message is not None
    assert updates[-1].message.chat.type == "supergroup"


async def test_bot_messages_land_in_the_group_chat(double: BotApiDouble, bot: Bot):
    office = double.group()
    ada = office.member(ADA, "Ada")
    await ada.send("/streak")
    sent = await bot.send_message(OFFICE, "<b>3</b> days", parse_mode="HTML")
    assert sent.chat.id == OFFICE and sent.chat.type == "group"
    await bot.send_document(OFFICE, b"week 1", filename="plan.txt")
    await bot.send_photo(OFFICE, PNG, caption="Chart")
    assert [m.from_bot for m in office.chat] == [False, True, True, True]
    assert [m.text for m in office.bot_messages] == ["3 days", "", "Chart"]
    assert office.bot_messages[1].document_name == "plan.txt"
    last = office.last_bot_message
    assert last is not None and last.photo == PNG and last.sender_id == 123456
    assert ada.last_bot_message == last
    assert double.chat(OFFICE) == office.chat
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.send_message(-777, "no such group")


async def test_the_same_user_in_a_group_and_a_private_chat(double: BotApiDouble, bot: Bot):
    member = double.group().member(ADA, "Ada")
    person = double.user(ADA, "Someone else")
    assert person.user is member.user  # one Telegram user; the first call named her
    assert (person.chat_id, member.chat_id) == (ADA, OFFICE)
    await member.send("/streak@mobility_coach_bot")
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.send_message(ADA, "she has not written to the bot privately")
    await person.send("/start")
    await bot.send_message(ADA, "private")
    await bot.send_message(OFFICE, "group")
    assert [m.text for m in person.bot_messages] == ["private"]
    assert [m.text for m in member.bot_messages] == ["group"]
    chats = [u.effective_chat.id for u in await bot.get_updates(timeout=0) if u.effective_chat]
    assert chats == [OFFICE, ADA]


async def test_group_member_presses_a_button_on_a_bot_message(double: BotApiDouble, bot: Bot):
    office = double.group()
    ada, grace = office.member(ADA, "Ada"), office.member(GRACE, "Grace")
    sent = await bot.send_message(OFFICE, "Who is in?", reply_markup=keyboard("Me", "Later"))
    first = await grace.press("Me")
    second = await ada.press_data("stale:v0", message_id=sent.message_id)
    updates = await bot.get_updates(timeout=0)
    queries = [u.callback_query for u in updates if u.callback_query]
    assert [u.update_id for u in updates] == [first, second]
    assert [(q.from_user.id, q.data) for q in queries] == [(GRACE, "cb:Me"), (ADA, "stale:v0")]
    assert isinstance(queries[0].message, Message)
    assert (queries[0].message.chat.id, queries[0].message.message_id) == (OFFICE, sent.message_id)
    assert grace.answer_for(first) is None
    await bot.answer_callback_query(queries[0].id, text="Counted")
    answer = grace.answer_for(first)
    assert answer is not None and answer.text == "Counted"
    with pytest.raises(ButtonNotFoundError, match="'Me', 'Later'"):
        await ada.press("Never")
    await bot.edit_message_text("Grace is in", OFFICE, sent.message_id)
    assert office.chat[-1].text == "Grace is in" and office.chat[-1].edited


async def test_adding_and_removing_the_bot_sends_my_chat_member(double: BotApiDouble, bot: Bot):
    gym = double.group(-4242, "Gym", with_bot=False)
    ada = gym.member(ADA, "Ada")
    assert gym.bot_status == "left"
    with pytest.raises(BadRequest, match=says("chat not found")):
        await bot.send_message(-4242, "not in it yet")
    with pytest.raises(RuntimeError, match="add_bot_to_group"):
        await ada.send("/streak")

    added = double.add_bot_to_group(-4242, ADA)
    with pytest.raises(ValueError, match="already in group"):
        double.add_bot_to_group(-4242, ADA)
    sent = await bot.send_message(-4242, "Hello, gym")
    await ada.send("/streak@mobility_coach_bot")
    removed = double.remove_bot_from_group(-4242, GRACE)
    assert double.group(-4242).bot_status == "kicked"  # the same handle
    with pytest.raises(Forbidden, match=says("bot was kicked from the group chat")):
        await bot.send_message(-4242, "still here?")
    with pytest.raises(Forbidden, match=says("bot was kicked from the group chat")):
        await bot.edit_message_text("edited", -4242, sent.message_id)
    with pytest.raises(RuntimeError, match="not in group"):
        await ada.send("/streak")

    updates = {u.update_id: u for u in await bot.get_updates(timeout=0)}
    joined, left = updates[added].my_chat_member, updates[removed].my_chat_member
    assert joined is not None and left is not None
    assert (joined.chat.id, joined.chat.type, joined.from_user.id) == (-4242, "group", ADA)
    assert (joined.old_chat_member.status, joined.new_chat_member.status) == ("left", "member")
    assert joined.new_chat_member.user.id == 123456
    assert (left.chat.id, left.from_user.id) == (-4242, GRACE)
    assert (left.old_chat_member.status, left.new_chat_member.status) == ("member", "kicked")
    assert [m.text for m in gym.bot_messages] == ["Hello, gym"]  # the chat stays readable

    back = double.add_bot_to_group(-4242, ADA)
    await bot.send_message(-4242, "back again")
    double.remove_bot_from_group(-4242, ADA, ban=False)
    with pytest.raises(Forbidden, match=says("bot is not a member of the group chat")):
        await bot.send_message(-4242, "gone")
    rejoined = (await bot.get_updates(timeout=0))[-2]
    assert rejoined.update_id == back and rejoined.my_chat_member is not None
    assert rejoined.my_chat_member.old_chat_member.status == "kicked"
    with pytest.raises(ValueError, match="is a group"):
        double.block(-4242)


async def test_group_flood_limit_counts_messages_and_edits_per_minute(
    double: BotApiDouble, bot: Bot, fake_time: FakeTime
):
    office = double.group()
    await office.member(ADA).send("/streak")
    double.enforce_limits()
    sent = [await bot.send_message(OFFICE, "one")]
    for n in range(18):
        fake_time.advance(2)  # past the 1 message per second per chat
        sent.append(await bot.send_message(OFFICE, f"message {n}"))
    fake_time.advance(2)
    await bot.edit_message_text("edited", OFFICE, sent[0].message_id)  # the 20th
    fake_time.advance(2)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(OFFICE, "the 21st in a minute")
    # The first message is 40 s old; it leaves the 60 s window in 20 s.
    assert retry_after_of(error.value) == 20
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("edited again", OFFICE, sent[0].message_id)
    assert double.throttled == 2
    fake_time.advance(20)
    await bot.send_message(OFFICE, "room again")


async def test_group_limit_leaves_private_chats_alone(
    double: BotApiDouble, bot: Bot, ada, fake_time: FakeTime
):
    double.enforce_limits(per_group_per_minute=2)
    for n in range(5):
        await bot.send_message(ADA, f"private {n}")
        fake_time.advance(1.0)
    assert len(ada.bot_messages) == 5


async def test_start_payload_and_group_commands_through_a_ptb_application(
    double: BotApiDouble,
):
    seen: list[tuple[str, int, list[str]]] = []

    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        name = (update.effective_message.text or "").split()[0]
        seen.append((name, update.effective_chat.id, list(context.args or [])))
        await context.bot.send_message(update.effective_chat.id, f"got {name}")

    app = (
        Application.builder()
        .token(double.token)
        .base_url(double.base_url)
        .base_file_url(double.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler(["start", "streak"], command))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10)
    try:
        person = double.user(ADA)
        member = double.group().member(GRACE, "Grace")
        await double.wait_delivered(await person.send("/start from_ad_42"), timeout=3)
        await double.wait_delivered(await member.send("/streak@other_bot"), timeout=3)
        await double.wait_delivered(await member.send("/streak@mobility_coach_bot week"), timeout=3)
        await double.wait_until(lambda: len(seen) == 2, timeout=3, what="two commands")
        await member.next_bot_message(timeout=3)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert seen == [
        ("/start", ADA, ["from_ad_42"]),
        ("/streak@mobility_coach_bot", OFFICE, ["week"]),
    ]
    assert [m.text for m in double.group().bot_messages] == ["got /streak@mobility_coach_bot"]
