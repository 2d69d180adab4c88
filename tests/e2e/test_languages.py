"""The person's language, through the double: first contact, /language, reminders, menus, teams."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.db.models import Person, Run
from bot.reports.progress_chart import render_progress
from bot.sandbox.harness import Sandbox
from content import library
from content.i18n import LANGUAGES
from handlers import render, stats_screens
from handlers.reminders import ReminderPace
from handlers.team_posts import send_team_due
from tests.e2e.helpers import reminders_in, sweep
from tests.rows import finished_run

EN, DE, ES, PT, RU = (library(code) for code in ("en", "de", "es", "pt_BR", "ru"))


async def language_in_db(db, telegram_id: int) -> str:
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
        return person.language


def test_the_languages_are_translated() -> None:
    # The screens below would pass in English too if a catalog were empty: they are not.
    for lib in (DE, ES, PT, RU):
        assert lib.texts.help != EN.texts.help, lib.language
        assert lib.guide.safety != EN.guide.safety, lib.language
        assert lib.exercise("seated_ir").name != EN.exercise("seated_ir").name, lib.language


async def test_german_from_start_on_and_the_reminder_in_german(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
    anna = timed.person(7001, "Anna", language_code="de")
    await anna.send("/start")
    welcome, onboarding = anna.raw.bot_messages
    assert onboarding.text.startswith(DE.texts.onboarding.split("{")[0])
    assert welcome.text == render.welcome(DE, "Anna").text.replace("<b>", "").replace("</b>", "")
    assert DE.guide.safety in welcome.text and EN.guide.safety not in welcome.text
    assert await language_in_db(db, 7001) == "de"
    await anna.send("/remind 08:00")
    assert anna.last.text.startswith(DE.texts.remind_set.split("{")[0])
    clock.now = datetime(2026, 3, 2, 7, 0, 30, tzinfo=UTC)
    assert await sweep(timed) == 1
    [reminder] = [m for m in anna.raw.bot_messages if m.text.startswith("⏰")]
    german = DE.texts.reminder_text.split("{")[0]
    assert reminder.text.startswith(german) and german != EN.texts.reminder_text.split("{")[0]
    assert reminders_in(anna) == [], "nothing in English"
    buttons = " ".join(reminder.button_texts)
    assert DE.texts.btn_start_now in buttons


async def test_language_command_switches_and_the_choice_survives_a_restart(
    sandbox: Sandbox, db
) -> None:
    ada = sandbox.person(7101, "Ada")
    await ada.send("/start")
    await ada.send("/language")
    assert ada.last.text == EN.texts.language_pick
    assert ada.last.button_texts == list(LANGUAGES.values())
    await ada.press("Español")
    assert ada.last.text == ES.texts.language_set
    assert await language_in_db(db, 7101) == "es"
    await sandbox.restart()
    await ada.send("/help")
    assert ada.last.text == render.help_text(ES).text.replace("<b>", "").replace("</b>", "")
    await ada.send("/language xx")
    assert ada.last.text == ES.texts.language_unknown
    assert await language_in_db(db, 7101) == "es", "a bad choice changes nothing"
    await ada.send("/language de")
    assert ada.last.text == DE.texts.language_set
    await ada.send("/language Русский")
    assert ada.last.text == RU.texts.language_set
    assert await language_in_db(db, 7101) == "ru"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("pt-br", "pt_BR"), ("pt", "pt_BR"), ("de-AT", "de"), ("fr", "en"), ("zh-hans", "en")],
)
async def test_telegram_language_codes_map_to_ours(
    sandbox: Sandbox, db, code: str, expected: str
) -> None:
    person = sandbox.person(7200, "Bea", language_code=code)
    await person.send("/start")
    assert await language_in_db(db, 7200) == expected
    welcome = person.raw.bot_messages[0].text
    assert welcome.startswith(library(expected).texts.welcome.split("{")[0])


async def test_the_command_menu_and_descriptions_in_every_language(sandbox: Sandbox) -> None:
    double = sandbox.double
    private = {"type": "all_private_chats"}
    groups = {"type": "all_group_chats"}
    for lib, code in ((DE, "de"), (ES, "es"), (PT, "pt"), (RU, "ru")):
        menu = double.my_commands(private, code)
        assert [(c["command"], c["description"]) for c in menu] == list(lib.texts.menu.items())
        assert [c["command"] for c in double.my_commands(groups, code)] == list(
            lib.texts.group_menu
        )
        assert double.my_description(code) == lib.texts.bot_description
        assert double.my_description(code, short=True) == lib.texts.bot_short_description
        assert menu != double.my_commands(private), "not the English menu"
    assert [c["command"] for c in double.my_commands(private)] == list(EN.texts.menu)
    assert double.my_description("fr") == EN.texts.bot_description, "the default for the rest"


async def test_a_russian_streak_says_day_in_the_right_plural_form(sandbox: Sandbox, db) -> None:
    ivan = sandbox.person(7301, "Иван", language_code="ru")
    await ivan.send("/start")
    await ivan.send("/settings")
    await ivan.press(RU.texts.btn_set_days)
    await ivan.press(RU.texts.btn_every_day)
    async with db() as session:
        person_id = await session.scalar(select(Person.id).where(Person.telegram_id == 7301))
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()  # the bot's default zone
    done = 0
    for streak, word in ((1, "день"), (2, "дня"), (5, "дней"), (21, "день")):
        await add_days(db, person_id, today, done, streak)
        done = streak
        await ivan.send("/streak")
        assert stats_screens.days(RU, streak) == f"{streak} {word}"
        assert f"{streak} {word}" in ivan.last.text.splitlines()[0]


async def add_days(db, person_id: int, today: date, first: int, last: int) -> None:
    """Record finished routines on the days from `first` to `last - 1` days before today."""
    async with db.begin() as session:
        for back in range(first, last):
            day = today - timedelta(days=back)
            await session.execute(insert(Run).values(finished_run(person_id, day, chat_id=7301)))


async def test_a_team_speaks_its_own_language(timed, clock, db) -> None:
    clock.now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    group = timed.double.group(-7401, "Büro")
    admin = group.member(7401, "Jonas")
    await timed.settle(await admin.send("/team"))
    await timed.settle(await admin.send("/team language de"))
    assert group.last_bot_message is not None
    assert group.last_bot_message.text.startswith("🏃")
    assert DE.texts.team_setup_hint in group.last_bot_message.text
    clock.now = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)
    pace = ReminderPace(1000, 1)
    assert await send_team_due(timed.app.bot, timed.services, pace, timed.app) == 1
    post = group.bot_messages[-1].text
    assert post.startswith(DE.texts.team_post.split("{")[0].replace("<b>", "").replace("</b>", ""))
    assert DE.routine("desk").title in post


async def test_the_progress_picture_in_russian(sandbox: Sandbox) -> None:
    """/progress sends the picture drawn with the Russian words and Babel's Russian dates.

    That those words come out as Cyrillic letters (not boxes) is checked where the picture
    is drawn (tests/unit/test_progress_chart.py: no glyph missing from the bundled font).
    """
    ivan = sandbox.person(7501, "Иван", language_code="ru")
    await ivan.send("/start")
    await ivan.send("/progress")
    sent = ivan.last
    assert sent.photo_sha256 is not None
    assert sent.text.startswith(RU.texts.progress_caption.split("{")[0].split("\n")[0])
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    expected = render_progress(
        today=today,
        sessions_per_day={},
        levels={},
        words=RU.texts.progress_chart,
        locale="ru",
        checkups=[],
    )
    assert hashlib.sha256(expected).hexdigest() == sent.photo_sha256
    english = render_progress(
        today=today, sessions_per_day={}, levels={}, words=EN.texts.progress_chart, locale="en"
    )
    assert hashlib.sha256(english).hexdigest() != sent.photo_sha256
