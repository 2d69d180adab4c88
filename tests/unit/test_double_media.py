"""The double's animations and media edits, driven by a real PTB Bot over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaAnimation,
    InputMediaPhoto,
    Message,
)
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.sandbox.double import BotApiDouble, Button, Person, UploadRecord
from bot.sandbox.double.mp4 import is_mp4, read_mp4

# PTB itself reads RetryAfter.retry_after in the constructor, which warns on every 429.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADA = 1001
OFFICE = -4_000_000_001
# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
NOT_MODIFIED = "message is not modified"


def box(kind: bytes, body: bytes) -> bytes:
    """One MP4 box: 32-bit size, four-letter type, body."""
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def mp4(
    *, width: int = 320, height: int = 240, seconds: int = 3, sound: bool = False, tag: bytes = b""
) -> bytes:
    """A tiny MP4 with the boxes the double reads (``tag`` makes different content)."""
    mvhd = box(b"mvhd", bytes(12) + (1000).to_bytes(4, "big") + (seconds * 1000).to_bytes(4, "big"))
    size = (width << 16).to_bytes(4, "big") + (height << 16).to_bytes(4, "big")
    tkhd = box(b"tkhd", bytes(76) + size)

    def handler(kind: bytes) -> bytes:
        return box(b"hdlr", bytes(8) + kind + bytes(13))

    tracks = box(b"trak", tkhd + box(b"mdia", handler(b"vide")))
    if sound:
        tracks += box(b"trak", box(b"tkhd", bytes(84)) + box(b"mdia", handler(b"soun")))
    return FTYP + box(b"moov", mvhd + tracks) + box(b"mdat", b"\x00\x00\x01\x65" + tag)


STEP_1 = mp4(tag=b"step 1")
STEP_2 = mp4(width=480, height=480, seconds=5, tag=b"step 2")


def seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
async def double() -> AsyncIterator[BotApiDouble]:
    async with BotApiDouble() as running:
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
    base = f"http://127.0.0.1:{double.port}/bot{double.token}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        yield client


@pytest.fixture
async def ada(double: BotApiDouble) -> Person:
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


async def send_step(bot: Bot, data: bytes = STEP_1, caption: str = "<b>Cat-cow</b>") -> Message:
    return await bot.send_animation(
        ADA,
        InputFile(data, filename="step.mp4"),
        caption=caption,
        parse_mode="HTML",
        reply_markup=keyboard("Next"),
    )


def file_id_of(message: Message) -> str:
    assert message.animation is not None
    return message.animation.file_id


# ------------------------------------------------------------------ sendAnimation


async def test_send_animation_upload_lands_with_animation_and_document(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    sent = await send_step(bot)
    animation = sent.animation
    assert animation is not None
    assert (animation.width, animation.height, seconds(animation.duration)) == (
        320,
        240,
        3,
    )
    assert (animation.mime_type, animation.file_name, animation.file_size) == (
        "video/mp4",
        "step.mp4",
        len(STEP_1),
    )
    # Telegram describes an animation a second time as a document with the same ids.
    assert sent.document is not None
    assert (sent.document.file_id, sent.document.file_unique_id) == (
        animation.file_id,
        animation.file_unique_id,
    )
    assert sent.caption == "Cat-cow"
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.animation, shown.animation_sha256) == (STEP_1, sha(STEP_1))
    assert (shown.text, shown.html, shown.parse_mode) == ("Cat-cow", "<b>Cat-cow</b>", "HTML")
    assert shown.buttons == [[Button("Next", "cb:Next")]]
    assert (shown.photo, shown.document, shown.photo_sha256) == (None, None, None)
    assert double.uploads == [("sendAnimation", sha(STEP_1), len(STEP_1))]
    assert double.calls_to("sendAnimation")[0].params["animation"].startswith("<file")
    downloaded = await (await bot.get_file(animation.file_id)).download_as_bytearray()
    assert bytes(downloaded) == STEP_1


async def test_size_hints_fill_in_what_the_file_does_not_say(bot: Bot, ada: Person) -> None:
    bare = FTYP + b"\x00" * 64  # an ftyp box and nothing the double can read
    sent = await bot.send_animation(ADA, bare, width=640, height=360, duration=4)
    assert sent.animation is not None
    assert (sent.animation.width, sent.animation.height) == (640, 360)
    assert seconds(sent.animation.duration) == 4
    plain = await bot.send_animation(ADA, mp4(tag=b"plain"))
    assert plain.animation is not None and plain.caption is None
    assert ada.last_bot_message is not None and ada.last_bot_message.text == ""


async def test_resending_by_file_id_uploads_nothing(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    first = await send_step(bot)
    again = await bot.send_animation(ADA, file_id_of(first), caption="Again")
    assert again.animation is not None and first.animation is not None
    assert again.animation.file_id == first.animation.file_id
    assert again.animation.file_unique_id == first.animation.file_unique_id
    assert len(double.uploads) == 1
    assert "<file" not in str(double.calls_to("sendAnimation")[-1].params["animation"])
    assert [m.animation_sha256 for m in ada.bot_messages] == [sha(STEP_1)] * 2


async def test_same_bytes_twice_share_the_unique_id_not_the_file_id(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    one, two = await send_step(bot), await send_step(bot)
    other = await send_step(bot, STEP_2)
    assert one.animation is not None and two.animation is not None
    assert other.animation is not None
    assert one.animation.file_unique_id == two.animation.file_unique_id
    assert one.animation.file_id != two.animation.file_id
    assert other.animation.file_unique_id != one.animation.file_unique_id
    assert [upload.sha256 for upload in double.uploads] == [sha(STEP_1)] * 2 + [sha(STEP_2)]
    assert double.uploads[0] == UploadRecord("sendAnimation", sha(STEP_1), len(STEP_1))


async def test_file_ids_belong_to_one_bot(bot: Bot, ada: Person) -> None:
    async with BotApiDouble() as elsewhere, make_bot(elsewhere) as other_bot:
        await elsewhere.user(ADA).send("hi")
        foreign = await other_bot.send_animation(ADA, STEP_1)
        with pytest.raises(BadRequest, match=says("wrong file identifier/HTTP URL specified")):
            await bot.send_animation(ADA, file_id_of(foreign))
    with pytest.raises(BadRequest, match=says("wrong file identifier/HTTP URL specified")):
        await bot.send_animation(ADA, "no-such-file")
    with pytest.raises(BadRequest, match=says("failed to get HTTP URL content")):
        await bot.send_animation(ADA, "https://example.com/step.mp4")
    assert ada.bot_messages == []


async def test_a_photo_file_id_is_no_animation(double: BotApiDouble, bot: Bot, ada: Person) -> None:
    photo = await bot.send_photo(ADA, PNG)
    again = await bot.send_photo(ADA, photo.photo[-1].file_id, caption="Again")
    assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id
    assert double.uploads == [("sendPhoto", sha(PNG), len(PNG))]
    assert ada.chat[-1].photo_sha256 == sha(PNG)
    with pytest.raises(BadRequest, match=says("can't use file of type Photo as Animation")):
        await bot.send_animation(ADA, photo.photo[-1].file_id)
    animation = await send_step(bot)
    with pytest.raises(BadRequest, match=says("can't use file of type Animation as Photo")):
        await bot.send_photo(ADA, file_id_of(animation))


async def test_animation_file_rules(
    double: BotApiDouble, bot: Bot, http: httpx.AsyncClient, ada: Person
) -> None:
    with pytest.raises(BadRequest, match=says("wrong file type: the double takes MP4")):
        await bot.send_animation(ADA, b"GIF89a not an mp4")
    with pytest.raises(BadRequest, match=says("sound track")):
        await bot.send_animation(ADA, mp4(sound=True))
    huge = FTYP + bytes(50 * 1024 * 1024)
    answer = await http.post(
        "/sendAnimation",
        data={"chat_id": str(ADA)},
        files={"animation": ("big.mp4", huge, "video/mp4")},
    )
    assert (answer.status_code, answer.json()["description"]) == (413, "Request Entity Too Large")
    assert ada.bot_messages == []
    assert double.uploads == []


async def test_caption_is_limited_to_1024_characters_after_parsing(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    await bot.send_animation(ADA, STEP_1, caption="<b>" + "a" * 1024 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=says("message caption is too long")):
        await bot.send_animation(ADA, STEP_2, caption="a" * 1025)
    with pytest.raises(BadRequest, match=says("message caption is too long")):
        await bot.send_photo(ADA, PNG, caption="a" * 1025)
    assert len(ada.bot_messages) == 1
    assert len(double.uploads) == 1  # a refused send keeps no file


# ------------------------------------------------------------------ file ids Telegram forgets


async def test_expired_file_ids_are_refused_until_uploaded_again(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    first = await send_step(bot)
    old_id = file_id_of(first)
    assert double.expire_file_ids() >= 1
    with pytest.raises(BadRequest, match=says("wrong file identifier/HTTP URL specified")):
        await bot.send_animation(ADA, old_id)
    # An edit passes Telegram's own word on: MEDIA_EMPTY.
    with pytest.raises(BadRequest, match=says("MEDIA_EMPTY")):
        await bot.edit_message_media(InputMediaAnimation(old_id), ADA, first.message_id)
    with pytest.raises(BadRequest, match=says("invalid file_id")):
        await bot.get_file(old_id)
    again = await send_step(bot)
    assert file_id_of(again) != old_id
    assert len(double.uploads) == 2
    await bot.send_animation(ADA, file_id_of(again))
    assert [m.animation for m in ada.bot_messages] == [STEP_1] * 3  # the chat still shows it


async def test_expiring_chosen_file_ids_only(double: BotApiDouble, bot: Bot, ada: Person) -> None:
    one, two = await send_step(bot), await send_step(bot, STEP_2)
    assert double.expire_file_ids([file_id_of(one), "unknown"]) == 1
    await bot.send_animation(ADA, file_id_of(two))
    with pytest.raises(BadRequest, match=says("wrong file identifier")):
        await bot.send_animation(ADA, file_id_of(one))


# ------------------------------------------------------------------ editMessageMedia


async def test_edit_media_swaps_the_animation_in_place(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    sent = await send_step(bot)
    # PTB's pitfall: an InputFile made without attach=True never reaches the request.
    with pytest.raises(BadRequest, match=says("Media is not specified")):
        await bot.edit_message_media(
            InputMediaAnimation(InputFile(STEP_2, filename="step2.mp4")), ADA, sent.message_id
        )
    edited = await bot.edit_message_media(
        InputMediaAnimation(
            InputFile(STEP_2, filename="step2.mp4", attach=True),
            caption="<i>Hip circle</i>",
            parse_mode="HTML",
        ),
        ADA,
        sent.message_id,
        reply_markup=keyboard("Done"),
    )
    assert isinstance(edited, Message)
    assert edited.animation is not None
    assert (edited.animation.width, edited.animation.height) == (480, 480)
    assert edited.caption == "Hip circle"
    assert len(ada.bot_messages) == 1
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.animation_sha256, shown.text, shown.html) == (
        sha(STEP_2),
        "Hip circle",
        "<i>Hip circle</i>",
    )
    assert (shown.buttons, shown.edited) == ([[Button("Done", "cb:Done")]], True)
    assert double.uploads[-1] == UploadRecord("editMessageMedia", sha(STEP_2), len(STEP_2))


async def test_edit_media_by_file_id_to_a_photo_and_back(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    sent = await send_step(bot)
    await bot.edit_message_media(InputMediaPhoto(PNG, caption="Summary"), ADA, sent.message_id)
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.photo, shown.photo_sha256, shown.animation, shown.text) == (
        PNG,
        sha(PNG),
        None,
        "Summary",
    )
    assert shown.buttons == []  # no reply_markup in the edit: the keyboard goes, as on Telegram
    uploads = len(double.uploads)
    back = await bot.edit_message_media(InputMediaAnimation(file_id_of(sent)), ADA, sent.message_id)
    assert isinstance(back, Message) and back.photo == () and back.animation is not None
    assert len(double.uploads) == uploads
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.animation, shown.photo, shown.text) == (STEP_1, None, "")


async def test_edit_media_adds_media_to_a_text_message(bot: Bot, ada: Person) -> None:
    # The Bot API: editMessageMedia edits media messages "or adds media to text messages".
    text = await bot.send_message(ADA, "Loading the first step")
    await bot.edit_message_media(
        InputMediaAnimation(STEP_1, caption="Cat-cow"), ADA, text.message_id
    )
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.animation, shown.text) == (STEP_1, "Cat-cow")


async def test_edit_media_that_changes_nothing_is_not_modified(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    sent = await send_step(bot)
    same = InputMediaAnimation(file_id_of(sent), caption="<b>Cat-cow</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=says(NOT_MODIFIED)):
        await bot.edit_message_media(same, ADA, sent.message_id, reply_markup=keyboard("Next"))
    # The same bytes uploaded again are the same file to Telegram.
    reupload = InputMediaAnimation(STEP_1, caption="<b>Cat-cow</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=says(NOT_MODIFIED)):
        await bot.edit_message_media(reupload, ADA, sent.message_id, reply_markup=keyboard("Next"))
    assert len(double.uploads) == 1
    # A new caption or a new keyboard is a change.
    await bot.edit_message_media(same, ADA, sent.message_id, reply_markup=keyboard("Other"))
    await bot.edit_message_media(
        InputMediaAnimation(file_id_of(sent), caption="New"),
        ADA,
        sent.message_id,
        reply_markup=keyboard("Other"),
    )
    assert ada.chat[-1].text == "New"


async def test_edit_media_caption_rules(bot: Bot, ada: Person) -> None:
    sent = await send_step(bot)
    with pytest.raises(BadRequest, match=says("message caption is too long")):
        await bot.edit_message_media(
            InputMediaAnimation(STEP_2, caption="a" * 1025), ADA, sent.message_id
        )
    await bot.edit_message_media(
        InputMediaAnimation(STEP_2, caption="a" * 1024), ADA, sent.message_id
    )
    # No caption in the InputMedia: the message is left without one.
    await bot.edit_message_media(InputMediaAnimation(STEP_1), ADA, sent.message_id)
    shown = ada.last_bot_message
    assert shown is not None and (shown.text, shown.html) == ("", "")


async def test_edit_media_request_errors(http: httpx.AsyncClient, bot: Bot, ada: Person) -> None:
    sent = await send_step(bot)

    async def edit(media: object, files: dict[str, tuple[str, bytes]] | None = None) -> str:
        fields = {"chat_id": str(ADA), "message_id": str(sent.message_id)}
        if media is not None:
            fields["media"] = media if isinstance(media, str) else json.dumps(media)
        answer = await http.post("/editMessageMedia", data=fields, files=files)
        assert answer.status_code == 400
        return str(answer.json()["description"])

    assert await edit(None) == 'Bad Request: parameter "media" is required'
    assert await edit("not json") == "Bad Request: can't parse input media JSON object"
    assert (
        await edit({"media": "x"})
        == "Bad Request: can't parse InputMedia: Can't find field \"type\""
    )
    assert await edit({"type": "animation"}) == (
        "Bad Request: can't parse InputMedia: Media is not specified"
    )
    assert await edit({"type": "sticker", "media": "x"}) == (
        'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported'
    )
    assert await edit({"type": "animation", "media": "attach://gone"}) == (
        "Bad Request: can't parse InputMedia: media not found"
    )
    assert await edit({"type": "animation", "media": "garbage"}) == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    attached = await edit(
        {"type": "animation", "media": "attach://clip"}, files={"clip": ("a.gif", b"GIF89a")}
    )
    assert attached.startswith("Bad Request: wrong file type")


async def test_edit_media_of_a_message_it_cannot_edit(bot: Bot, ada: Person) -> None:
    with pytest.raises(BadRequest, match=says("message to edit not found")):
        await bot.edit_message_media(InputMediaAnimation(STEP_1), ADA, 9999)
    with pytest.raises(BadRequest, match=says("message can't be edited")):
        await bot.edit_message_media(InputMediaAnimation(STEP_1), ADA, ada.chat[0].message_id)


# ------------------------------------------------------------------ caption, text and markup


async def test_edit_caption_on_media_and_its_rules(bot: Bot, ada: Person) -> None:
    sent = await send_step(bot)
    await bot.edit_message_caption(
        ADA,
        sent.message_id,
        caption="<b>Cat-cow</b> 2/3",
        parse_mode="HTML",
        reply_markup=keyboard("Next"),
    )
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.text, shown.animation, shown.edited) == ("Cat-cow 2/3", STEP_1, True)
    with pytest.raises(BadRequest, match=says(NOT_MODIFIED)):
        await bot.edit_message_caption(
            ADA,
            sent.message_id,
            caption="<b>Cat-cow</b> 2/3",
            parse_mode="HTML",
            reply_markup=keyboard("Next"),
        )
    with pytest.raises(BadRequest, match=says("message caption is too long")):
        await bot.edit_message_caption(ADA, sent.message_id, caption="a" * 1025)
    await bot.edit_message_caption(ADA, sent.message_id, caption="a" * 1024)
    text = await bot.send_message(ADA, "plain")
    with pytest.raises(BadRequest, match=says("there is no caption in the message to edit")):
        await bot.edit_message_caption(ADA, text.message_id, caption="x")


async def test_edit_text_of_a_media_message_is_refused(bot: Bot, ada: Person) -> None:
    sent = await send_step(bot)
    with pytest.raises(BadRequest, match=says("there is no text in the message to edit")):
        await bot.edit_message_text("x", ADA, sent.message_id)


async def test_edit_reply_markup_on_media(bot: Bot, ada: Person) -> None:
    sent = await send_step(bot)
    with pytest.raises(BadRequest, match=says(NOT_MODIFIED)):
        await bot.edit_message_reply_markup(ADA, sent.message_id, reply_markup=keyboard("Next"))
    await bot.edit_message_reply_markup(ADA, sent.message_id, reply_markup=keyboard("Stop"))
    shown = ada.last_bot_message
    assert shown is not None
    assert (shown.buttons, shown.animation, shown.text) == (
        [[Button("Stop", "cb:Stop")]],
        STEP_1,
        "Cat-cow",
    )


# ------------------------------------------------------------------ faults and limits


async def test_injected_faults_hit_the_media_methods_by_name(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    double.fail_next("sendAnimation", status=500)
    with pytest.raises(NetworkError, match=says("Internal Server Error")):
        await send_step(bot)
    assert (ada.bot_messages, double.uploads) == ([], [])
    sent = await send_step(bot)
    double.fail_next("editMessageMedia", status=500)
    with pytest.raises(NetworkError):
        await bot.edit_message_media(InputMediaAnimation(STEP_2), ADA, sent.message_id)
    assert ada.chat[-1].animation == STEP_1
    double.fail_next("editMessageCaption", status=502)
    with pytest.raises(NetworkError, match=says("Bad Gateway")):
        await bot.edit_message_caption(ADA, sent.message_id, caption="x")
    assert [call.fault for call in double.calls_to("sendAnimation")] == ["500", None]
    assert double.faults_injected["500"] == 2


async def test_a_timed_out_send_animation_still_lands(double: BotApiDouble, ada: Person) -> None:
    async with make_bot(double, read_timeout=0.2) as impatient:
        double.fail_next("sendAnimation", kind="timeout", delay=1.0)
        with pytest.raises(TimedOut):
            await impatient.send_animation(ADA, STEP_1)
    assert [m.animation for m in ada.bot_messages] == [STEP_1]
    assert len(double.uploads) == 1


async def test_random_faults_cover_the_media_methods() -> None:
    double = BotApiDouble()
    double.random_faults(1.0, seed=3, kinds=("500",))
    for method in ("sendanimation", "editmessagemedia", "editmessagecaption"):
        rule = double.faults.take(method, ADA)
        assert rule is not None and rule.label == "500"


async def test_flood_limits_count_animations_and_media_edits(
    double: BotApiDouble, bot: Bot, ada: Person
) -> None:
    double.enforce_limits()
    await send_step(bot)
    with pytest.raises(RetryAfter):
        await send_step(bot)
    assert double.throttled == 1
    double.disable_limits()
    group = double.group(OFFICE)
    await group.member(2002, "Grace").send("hi")
    double.enforce_limits(per_group_per_minute=3)
    sent = await bot.send_animation(OFFICE, STEP_1, caption="a")
    await bot.edit_message_caption(OFFICE, sent.message_id, caption="b")
    await bot.edit_message_media(InputMediaAnimation(STEP_2), OFFICE, sent.message_id)
    with pytest.raises(RetryAfter):
        await bot.edit_message_caption(OFFICE, sent.message_id, caption="c")


# ------------------------------------------------------------------ the MP4 reader


def test_mp4_reader() -> None:
    info = read_mp4(STEP_2)
    assert (info.width, info.height, info.duration, info.has_sound) == (480, 480, 5, False)
    assert read_mp4(mp4(sound=True)).has_sound
    assert is_mp4(FTYP) and not is_mp4(PNG)
    # A damaged box ends the walk instead of reading garbage.
    assert read_mp4(FTYP + b"\x00\x00\xff\xffmoov").width == 0
    # A 64-bit box size, and an mvhd of version 1.
    mvhd = box(b"mvhd", b"\x01" + bytes(19) + (600).to_bytes(4, "big") + (1200).to_bytes(8, "big"))
    moov = b"\x00\x00\x00\x01moov" + (16 + len(mvhd)).to_bytes(8, "big") + mvhd
    assert read_mp4(FTYP + moov).duration == 2


def encoded_mp4(tmp_path: Path, *, sound: bool) -> bytes:
    """A real H.264 MP4 from PyAV (64x48, 20 frames at 10 fps), with an AAC track or not."""
    av = pytest.importorskip("av")
    numpy = pytest.importorskip("numpy")
    path = tmp_path / f"clip-{sound}.mp4"
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=44100) if sound else None
        for shade in range(20):
            pixels = numpy.full((48, 64, 3), shade * 10, dtype=numpy.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        out.mux(video.encode())
        if audio is not None:
            silence = av.AudioFrame.from_ndarray(
                numpy.zeros((1, 1024), dtype=numpy.float32), format="fltp", layout="mono"
            )
            silence.sample_rate = 44100
            out.mux(audio.encode(silence))
            out.mux(audio.encode())
    return path.read_bytes()


def test_mp4_reader_on_files_ffmpeg_wrote(tmp_path: Path) -> None:
    silent = read_mp4(encoded_mp4(tmp_path, sound=False))
    assert (silent.width, silent.height, silent.duration, silent.has_sound) == (64, 48, 2, False)
    assert read_mp4(encoded_mp4(tmp_path, sound=True)).has_sound
