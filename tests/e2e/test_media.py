"""The moves shown in the chat: an animation per step, uploaded once, and text when it must be."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import MediaFile, Run, SetLog
from bot.media.catalog import Demo, MediaCatalog, RoutineSheet
from bot.sandbox.double import ChatMessage
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import Library, library
from tests.e2e.helpers import start_routine

LIB: Library = library()
T = LIB.texts


def routine_label(routine_id: str) -> str:
    routine = LIB.routine(routine_id)
    return T.routine_button.format(title=routine.title, minutes=f"{routine.minutes} min")


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected(catalog: MediaCatalog, exercise_id: str, level: int, side: str | None) -> str:
    """Return the sha256 of the animation a step of this version and side must show."""
    picture = Demo(exercise_id, level, side)  # type: ignore[arg-type]
    return sha_of(catalog.file(picture).path)


def done_button(message: ChatMessage) -> str:
    return next(t for t in message.button_texts if t.startswith(T.btn_done.split("{")[0]))


async def open_routine(person: SandboxPerson, routine_id: str) -> ChatMessage:
    await person.send("/routine")
    await start_routine(person, routine_label(routine_id))
    return person.last


async def run_of(db: async_sessionmaker[AsyncSession]) -> Run:
    async with db() as session:
        run = await session.scalar(select(Run).order_by(Run.id.desc()))
        assert run is not None
        return run


async def media_rows(db: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with db() as session:
        return {row.key: row.file_id for row in (await session.scalars(select(MediaFile))).all()}


def side_of(caption: str, exercise_id: str, level: int) -> str | None:
    """Return the side a caption names ('left' / 'right'), from the exercise's own naming."""
    naming = LIB.exercise(exercise_id).sides_for(level)
    if naming is None:
        return None
    for side in ("left", "right"):
        if T.side(naming, side) in caption.split("\n")[0]:
            return side
    raise AssertionError(f"no side named in {caption.splitlines()[0]!r}")


async def test_every_step_of_the_full_routine_shows_its_move(
    sandbox: Sandbox, db, rendered_media: Path
) -> None:
    """Each exercise screen is the animation of its version and of the side its caption names."""
    catalog = MediaCatalog(LIB, rendered_media)
    ada = sandbox.person(801, "Ada")
    message = await open_routine(ada, "full")
    run_message = message.message_id
    seen: list[tuple[str, int, str | None]] = []
    routine = LIB.routine("full")
    eased = False
    while True:
        message = ada.last
        assert message.message_id == run_message, "the run lives in one message"
        exercise = next(
            (e for e in routine.exercises if message.text.startswith(LIB.exercise(e).name)), None
        )
        if exercise is None:
            break
        level = -1 if (eased and exercise == "tabletop_circles") else 0
        side = side_of(message.text, exercise, level)
        assert message.animation_sha256 == expected(catalog, exercise, level, side), (
            exercise,
            level,
            side,
        )
        assert len(message.text) <= 1024
        seen.append((exercise, level, side))
        if exercise == "tabletop_circles" and not eased:
            # An easier version is another animation, in the same message.
            await ada.press(T.btn_easier)
            eased = True
            continue
        await ada.press(done_button(message))
    # Every exercise, both sides where it has two, and the easier circles after the tap.
    assert [e for e, _, _ in seen if e != "tabletop_circles"] == [
        e
        for e in routine.exercises
        if e != "tabletop_circles"
        for _ in range(2 if LIB.exercise(e).dose.per_side else 1)
    ]
    assert ("tabletop_circles", -1, "left") in seen and ("tabletop_circles", -1, "right") in seen
    # The summary is the routine's picture, in the run's message.
    summary = ada.last
    assert summary.message_id == run_message
    assert summary.photo_sha256 == sha_of(catalog.file(RoutineSheet("full")).path)
    assert summary.text.startswith(T.summary_finished.split("{")[0].replace("<b>", ""))
    async with db() as session:
        done = (await session.scalars(select(SetLog))).all()
    assert len(done) == len(seen) - 1  # the Easier press logged nothing


async def test_each_animation_is_uploaded_once_and_then_reused(
    sandbox: Sandbox, db, rendered_media: Path
) -> None:
    """The first run uploads each animation once; the next run sends them all by file_id."""
    ada = sandbox.person(802, "Ada")
    await open_routine(ada, "desk")
    for _ in range(6):  # three moves, both sides
        await ada.press(done_button(ada.last))
    first = list(sandbox.double.uploads)
    shas = [u.sha256 for u in first]
    assert len(shas) == len(set(shas)) == 6 + 1  # six animations and the summary's picture
    assert len(await media_rows(db)) == 7
    await open_routine(ada, "desk")
    for _ in range(6):
        step = ada.last
        # Shown by file_id, its caption read as HTML (the default parse mode reaches the
        # edit that does not read Telegram's answer back): no tag shows.
        assert step.animation_sha256 is not None and step.parse_mode == "HTML", step.text
        assert "<" not in step.text and step.entities, step.text
        await ada.press(done_button(step))
    assert list(sandbox.double.uploads) == first, "the second run uploaded nothing"
    assert ada.last.photo_sha256 is not None


async def test_a_refused_file_id_is_uploaded_again_once(
    sandbox: Sandbox, db, rendered_media: Path
) -> None:
    """When Telegram no longer knows a file_id, the bot uploads the file again, once."""
    ada = sandbox.person(803, "Ada")
    await open_routine(ada, "desk")
    for _ in range(6):
        await ada.press(done_button(ada.last))
    uploads = len(sandbox.double.uploads)
    before = await media_rows(db)
    assert sandbox.double.expire_file_ids() >= 7  # a photo has an id per size
    # A new run: its first step is sent with a refused id (sendAnimation), its second is
    # edited in with one (editMessageMedia): each is uploaded again, once, and shown.
    step = await open_routine(ada, "desk")
    assert step.animation_sha256 is not None
    await ada.press(T.btn_steps)  # the same picture: its caption changes, nothing uploads
    await ada.press(done_button(ada.last))
    assert ada.last.animation_sha256 not in (None, step.animation_sha256)
    added = sandbox.double.uploads[uploads:]
    assert len(added) == len({u.sha256 for u in added}) == 2
    after = await media_rows(db)
    changed = [key for key in before if after[key] != before[key]]
    assert len(changed) == 2, "the two refused ids were replaced, the rest kept"


async def test_the_data_saver_shows_steps_as_text(
    sandbox: Sandbox, db, rendered_media: Path
) -> None:
    """With the data saver on, a run is text: the full steps, no animation, nothing uploaded."""
    ada = sandbox.person(804, "Ada")
    await ada.send("/start")
    await ada.send("/settings")
    await ada.press(T.btn_data_saver_on)
    assert T.data_saver_line_on in ada.last.text
    await open_routine(ada, "desk")
    step = ada.last
    assert step.animation is None and step.photo is None
    seated = LIB.exercise("seated_ir")
    assert seated.setup_for(0).split(".")[0] in step.text  # the setup, in full
    for _ in range(6):
        await ada.press(done_button(ada.last))
    assert ada.last.photo is None
    assert T.summary_finished.split("{")[0].replace("<b>", "") in ada.last.text
    assert list(sandbox.double.uploads) == []
    await ada.send("/settings")
    await ada.press(T.btn_data_saver_off)
    await open_routine(ada, "desk")
    assert ada.last.animation_sha256 is not None


async def test_a_media_failure_falls_back_to_text_and_keeps_the_press(
    sandbox: Sandbox, db, rendered_media: Path
) -> None:
    """editMessageMedia fails: the set is logged, the next step comes as text, taps go on."""
    ada = sandbox.person(805, "Ada")
    first = await open_routine(ada, "desk")
    assert first.animation_sha256 is not None
    sandbox.double.fail_next("editMessageMedia", status=500)
    await ada.press(done_button(ada.last))
    async with db() as session:
        logged = (await session.scalars(select(SetLog))).all()
    assert [(s.exercise_id, s.side) for s in logged] == [("seated_ir", "left")]
    step = ada.last
    assert step.message_id != first.message_id
    assert step.animation is None
    assert step.text.startswith(f"{LIB.exercise('seated_ir').name} — ")
    assert (await run_of(db)).message_id == step.message_id
    old = next(m for m in ada.chat if m.message_id == first.message_id)
    assert old.text == T.moved_below and old.buttons == []
    # The run goes on in the text message.
    await ada.press(done_button(step))
    async with db() as session:
        assert len((await session.scalars(select(SetLog))).all()) == 2
    assert ada.last.message_id == step.message_id


async def test_steps_show_the_full_text_under_the_animation(
    sandbox: Sandbox, rendered_media: Path
) -> None:
    """The caption is short; Steps shows why, setup and form cues; Less goes back."""
    ada = sandbox.person(806, "Ada")
    step = await open_routine(ada, "desk")
    seated = LIB.exercise("seated_ir")
    setup_start = seated.setup_for(0).split(".")[0]
    assert setup_start not in step.text
    assert T.btn_steps in step.button_texts
    await ada.press(T.btn_steps)
    full = ada.last
    assert setup_start in full.text and seated.why.split(",")[0] in full.text
    assert full.animation_sha256 == step.animation_sha256
    await ada.press(T.btn_steps_less)
    assert ada.last.text == step.text


async def test_the_data_saver_switched_on_mid_run_moves_the_run_to_text(
    sandbox: Sandbox, db, rendered_media: Path
) -> None:
    """The next press after turning it on shows its step as text; the old picture retires."""
    ada = sandbox.person(807, "Ada")
    first = await open_routine(ada, "desk")
    await ada.send("/settings")
    await ada.press(T.btn_data_saver_on)
    await ada.press(done_button(first), message_id=first.message_id)
    step = ada.last
    assert step.message_id != first.message_id and step.animation is None
    assert step.text.startswith(f"{LIB.exercise('seated_ir').name} — ")
    assert (await run_of(db)).message_id == step.message_id
    old = next(m for m in ada.chat if m.message_id == first.message_id)
    assert old.text == T.moved_below and old.buttons == []


async def test_people_starting_at_once_share_one_upload(
    sandbox: Sandbox, rendered_media: Path
) -> None:
    """Five first runs opened together (a team's nudge): the first step is uploaded once."""
    people = [sandbox.person(810 + i, f"P{i}") for i in range(5)]
    for person in people:
        await person.send("/start")
        await person.send("/settings")
        await person.press(T.btn_set_screening)
        await person.press(T.btn_screening_no)
        await person.send("/routine")
    await asyncio.gather(*(p.press(routine_label("desk")) for p in people))
    shown = {p.last.animation_sha256 for p in people}
    assert len(shown) == 1 and None not in shown
    assert [u.sha256 for u in sandbox.double.uploads] == list(shown)
