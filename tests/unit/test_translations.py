"""Every language: its catalog complete, fresh and faithful; every screen within the limits.

The catalog checks name the string at fault (content/translation_check.py); `make translations`
refreshes the catalogs after the English changes.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from babel.messages.pofile import read_po
from telegram.constants import MessageLimit

from bot.domain.run import RunState, RunStatus, level_caps, plan_steps
from bot.services.routines import RunView
from content import LEVELS, library
from content.i18n import LANGUAGES, LOCALES, SOURCE, language_of, messages
from content.texts import Plural
from content.translation_check import extracted, problems
from handlers import render
from handlers.captions import CAPTION_LIMIT, visible_length

TRANSLATED = [language for language in LANGUAGES if language != SOURCE]


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_is_complete_faithful_and_compiled(language: str) -> None:
    """No string missing or fuzzy; placeholders, tags, numbers, commands and plurals kept."""
    found = problems(language)
    assert found == [], "\n".join(found[:40])


def test_the_template_holds_what_the_content_says_now() -> None:
    with (LOCALES / "messages.pot").open("rb") as file:
        template = read_po(file)
    in_template = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    now = set(extracted())
    assert sorted(now - in_template) == [], "new texts: run make translations"
    assert sorted(in_template - now) == [], "texts gone from the content: run make translations"


def test_plural_forms_follow_each_language() -> None:
    ru = library("ru").texts
    assert [ru.days.pick(n).format(n=n) for n in (1, 2, 5, 21, 0, 11, 22)] == [
        "1 день",
        "2 дня",
        "5 дней",
        "21 день",
        "0 дней",
        "11 дней",
        "22 дня",
    ]
    de = library("de").texts
    assert de.days.pick(1).format(n=1) != de.days.pick(2).format(n=2).replace("2", "1")


def test_every_plural_text_is_found_for_translation() -> None:
    texts = library().texts
    plurals = [m for m in messages(texts, "texts") if m.plural is not None]
    declared = [
        name for name, field in type(texts).model_fields.items() if field.annotation is Plural
    ]
    assert {m.path.split(".")[1] for m in plurals} >= set(declared)


@pytest.mark.parametrize(
    ("code", "ours"),
    [("de", "de"), ("de-CH", "de"), ("pt-br", "pt_BR"), ("pt-PT", "pt_BR"), ("es-419", "es"),
     ("ru", "ru"), ("en-GB", "en"), ("fr", "en"), ("", "en"), (None, "en"), ("zh-hans", "en")],
)  # fmt: skip
def test_telegram_codes_map_to_our_languages(code: str | None, ours: str) -> None:
    assert language_of(code) == ours


def _views(language: str) -> list[RunView]:
    """A view of every step of every routine, at every version (standard, easier, harder)."""
    lib = library(language)
    views = []
    for routine in lib.routines.values():
        steps = plan_steps(routine, lib.exercises)
        caps = level_caps(routine, lib.exercises)
        for level in LEVELS:
            levels = {exercise_id: level for exercise_id in routine.exercises}
            for index in range(len(steps)):
                state = RunState(steps, index, 0, RunStatus.ACTIVE, levels, caps)
                views.append(RunView(1, routine, state, (), None))
    return views


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_step_fits_a_message_or_a_caption(language: str) -> None:
    """German runs long: with the animation the caption is cut to fit, whole lines at a time."""
    lib = library(language)
    for view in _views(language):
        for data_saver in (False, True):
            shown = replace(view, data_saver=data_saver)
            for details in (False, True):
                screen = render.step(lib, shown, details=details)
                assert visible_length(screen.text) <= MessageLimit.MAX_TEXT_LENGTH
                if screen.picture is not None:
                    assert visible_length(screen.shown_caption) <= CAPTION_LIMIT
                for row in screen.keyboard.inline_keyboard if screen.keyboard else ():
                    for button in row:
                        assert len(button.text) <= 40, (language, button.text)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_long_screens_fit_a_message(language: str) -> None:
    lib = library(language)
    for screen in (render.help_text(lib), render.about(lib), render.welcome(lib, "Ada")):
        assert visible_length(screen.text) <= MessageLimit.MAX_TEXT_LENGTH
    assert len(lib.texts.bot_description) <= 512
    assert len(lib.texts.bot_short_description) <= 120
    assert all(0 < len(text) <= 256 for text in lib.texts.menu.values())


def test_the_checker_names_what_a_translation_changed() -> None:
    """A dose changed, a placeholder lost, a tag dropped, a command translated: each is named."""
    from content.translation_check import _form_problems

    source = "<b>Do:</b> {count}, hold 2-3 seconds. Send /routine."
    assert (
        list(_form_problems("'x'", source, "<b>Mach:</b> {count}, 2–3 Sekunden. /routine", False))
        == []
    )
    found = list(
        _form_problems(
            "'x'", source, "<b>Mach:</b> {anzahl}, 2–4 Sekunden halten. /training", False
        )
    )
    assert [problem.split(" in ")[0] for problem in found] == [
        "placeholders differ",
        "numbers differ",
        "/commands differ",
    ]
    assert list(_form_problems("'x'", source, "Mach: {count}, 2–3. /routine", False)) == [
        "HTML tags differ in 'x': []"
    ]


def test_a_language_we_do_not_speak_reads_english() -> None:
    """A stored code of a dropped language must not break anybody's chat."""
    assert library("fr").texts.help == library().texts.help
