"""The /progress picture: a valid PNG of a fixed size, with the data where it should be.

Its words are the content's, its dates Babel's, in the person's language: Cyrillic included.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_rgb
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from bot.reports.progress_chart import (
    BETTER_COLOUR,
    CARD_COLOUR,
    FONT_FAMILY,
    MANY_COLOUR,
    MAX_EXERCISES,
    NONE_COLOUR,
    ONE_COLOUR,
    WEEKS,
    CheckupMark,
    calendar_cells,
    cell_colour,
    example_checkups,
    example_data,
    figure_size,
    main,
    month_labels,
    render_progress,
    weekday_labels,
)
from content import library
from content.texts import ChartTexts, Plural

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = date(2024, 3, 13)  # a Wednesday
DAY = timedelta(days=1)
ENGLISH = library().texts.progress_chart


def render(*, words: ChartTexts = ENGLISH, locale: str = "en", **data: Any) -> bytes:
    return render_progress(words=words, locale=locale, **data)


def decode(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def count_colour(pixels: np.ndarray, colour: str) -> int:
    target = np.array([round(c * 255) for c in to_rgb(colour)], dtype=np.int16)
    return int(np.all(np.abs(pixels.astype(np.int16) - target) <= 1, axis=-1).sum())


def assert_not_blank(pixels: np.ndarray) -> None:
    not_white = np.any(pixels < 250, axis=-1).mean()
    assert not_white > 0.05
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20


def test_example_picture_is_a_phone_sized_png() -> None:
    sessions, levels = example_data(TODAY)
    pixels = decode(render(today=TODAY, sessions_per_day=sessions, levels=levels))
    height, width, _ = pixels.shape
    assert (width, height) == figure_size(len(levels))
    assert 600 <= width <= 900
    assert 800 <= height <= 1100
    assert_not_blank(pixels)


def test_empty_data_still_makes_a_picture() -> None:
    pixels = decode(render(today=TODAY, sessions_per_day={}, levels={}))
    height, width, _ = pixels.shape
    assert (width, height) == figure_size(0)
    assert height <= 1100
    assert_not_blank(pixels)
    assert count_colour(pixels, NONE_COLOUR) > 10_000  # the empty calendar is drawn


def test_exercises_without_points_are_fine() -> None:
    png = render(today=TODAY, sessions_per_day={}, levels={"Towel glide": []})
    assert decode(png).shape[:2] == figure_size(1)[::-1]


def test_more_exercises_than_fit_are_cut_to_the_maximum() -> None:
    sessions, levels = example_data(TODAY)
    many = {f"{name} {i}": points for i in range(2) for name, points in levels.items()}
    assert len(many) > MAX_EXERCISES
    pixels = decode(render(today=TODAY, sessions_per_day=sessions, levels=many))
    assert pixels.shape[:2] == figure_size(MAX_EXERCISES)[::-1]
    assert figure_size(len(many)) == figure_size(MAX_EXERCISES)


def test_odd_level_data_does_not_break_the_picture() -> None:
    levels = {
        "Unsorted, out of range, in the future and from long ago": [
            (TODAY, 5),
            (TODAY - 300 * DAY, -1),
            (TODAY - 20 * DAY, -7),
            (TODAY + 3 * DAY, 1),
            (TODAY - 20 * DAY, 0),
        ],
        "Only before the window": [(TODAY - 200 * DAY, 1)],
    }
    pixels = decode(render(today=TODAY, sessions_per_day={TODAY: -2}, levels=levels))
    assert_not_blank(pixels)


def test_same_input_gives_the_same_picture() -> None:
    sessions, levels = example_data(TODAY)
    first = render(today=TODAY, sessions_per_day=sessions, levels=levels)
    second = render(today=TODAY, sessions_per_day=dict(sessions), levels=dict(levels))
    assert decode(first).shape == decode(second).shape
    assert first == second


def test_pictures_drawn_in_parallel_threads_match() -> None:
    sessions, levels = example_data(TODAY)

    def draw(_: int) -> bytes:
        return render(today=TODAY, sessions_per_day=sessions, levels=levels)

    with ThreadPoolExecutor(max_workers=4) as pool:
        pictures = list(pool.map(draw, range(4)))
    assert len(set(pictures)) == 1


@pytest.mark.parametrize("colour, count", [(ONE_COLOUR, 1), (MANY_COLOUR, 3)])
def test_a_day_with_sessions_is_painted_differently(colour: str, count: int) -> None:
    """Adding sessions on one day adds about one cell of that day's colour to the picture.

    Counting pixels of the exact colour keeps the test independent of the layout: the legend
    swatches are in both pictures and cancel out.
    """
    # Both pictures have a session somewhere, so neither shows the "No sessions yet" note.
    baseline = {TODAY - 50 * DAY: 1, TODAY: 0}
    without = decode(render(today=TODAY, sessions_per_day=baseline, levels={}))
    monday = TODAY - 2 * DAY
    with_one = decode(render(today=TODAY, sessions_per_day={**baseline, monday: count}, levels={}))
    added = count_colour(with_one, colour) - count_colour(without, colour)
    removed = count_colour(without, NONE_COLOUR) - count_colour(with_one, NONE_COLOUR)
    assert 1000 < added < 3000  # one cell of about 40 x 40 pixels
    assert abs(added - removed) < 200


def test_cell_colours() -> None:
    cells = calendar_cells(TODAY, {TODAY - DAY: 1, TODAY - 2 * DAY: 2, TODAY - 3 * DAY: 9})
    by_day = {cell.day: cell for cell in cells}
    assert cell_colour(by_day[TODAY]) == NONE_COLOUR
    assert cell_colour(by_day[TODAY - DAY]) == ONE_COLOUR
    assert cell_colour(by_day[TODAY - 2 * DAY]) == MANY_COLOUR
    assert cell_colour(by_day[TODAY - 3 * DAY]) == MANY_COLOUR
    assert len({NONE_COLOUR, ONE_COLOUR, MANY_COLOUR, cell_colour(by_day[TODAY + DAY])}) == 4


@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 1, 1)),
    st.dictionaries(st.integers(-120, 10), st.integers(-1, 5), max_size=40),
)
def test_calendar_cells_cover_twelve_iso_weeks_up_to_today(today, raw) -> None:
    sessions = {today + timedelta(days=o): n for o, n in raw.items()}
    cells = calendar_cells(today, sessions)
    assert len(cells) == WEEKS * 7
    assert cells[0].day.weekday() == 0
    assert cells[-1].day.weekday() == 6
    assert all(b.day - a.day == DAY for a, b in itertools.pairwise(cells))
    for cell in cells:
        assert (cell.column, cell.row) == divmod((cell.day - cells[0].day).days, 7)
        assert cell.row == cell.day.weekday()
        assert cell.future == (cell.day > today)
        expected = 0 if cell.future else max(0, sessions.get(cell.day, 0))
        assert cell.sessions == expected
    (today_cell,) = [cell for cell in cells if cell.day == today]
    assert today_cell.column == WEEKS - 1


def test_example_data_is_realistic() -> None:
    sessions, levels = example_data(TODAY)
    assert len(levels) == 7
    assert "Seated internal rotation" in levels
    first = min(sessions)
    assert first >= TODAY - WEEKS * 7 * DAY
    assert max(sessions) < TODAY
    assert 30 < len(sessions) < WEEKS * 7
    assert any(count >= 2 for count in sessions.values())
    for points in levels.values():
        assert {level for _, level in points} <= {-1, 0, 1}
    assert any(len({level for _, level in points}) > 1 for points in levels.values())


def test_running_the_module_writes_the_example(tmp_path) -> None:
    target = tmp_path / "example.png"
    subprocess.run(
        [sys.executable, "-m", "bot.reports.progress_chart", str(target)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert target.read_bytes().startswith(PNG_SIGNATURE)


# The self-check panel: the last two results side by side, under the lanes.
OLDER = CheckupMark(TODAY - 30 * DAY, 6, 10, "some stiffness")
NEWER = CheckupMark(TODAY - 2 * DAY, 3, 10, "turning well")


def test_the_self_check_panel_adds_height_only_when_there_are_results() -> None:
    for exercises in (0, 3, MAX_EXERCISES):
        without = figure_size(exercises)
        assert figure_size(exercises, 0) == without
        assert figure_size(exercises, 1) == figure_size(exercises, 2)
        assert figure_size(exercises, 1)[1] > without[1]
        assert figure_size(exercises, 1)[0] == without[0]
    sessions, levels = example_data(TODAY)
    one = render(today=TODAY, sessions_per_day=sessions, levels=levels, checkups=[NEWER])
    assert decode(one).shape[:2] == figure_size(len(levels), 1)[::-1]


def test_only_the_last_two_results_are_drawn() -> None:
    oldest = CheckupMark(TODAY - 60 * DAY, 9, 10, "quite stiff")
    three = render(today=TODAY, sessions_per_day={}, levels={}, checkups=[oldest, OLDER, NEWER])
    two = render(today=TODAY, sessions_per_day={}, levels={}, checkups=[OLDER, NEWER])
    assert three == two
    assert decode(two).shape[:2] == figure_size(0, 2)[::-1]


def test_two_results_are_two_cards_and_a_lower_score_is_marked_better() -> None:
    def draw(*marks: CheckupMark) -> np.ndarray:
        return decode(render(today=TODAY, sessions_per_day={}, levels={}, checkups=marks))

    one, better, worse = draw(NEWER), draw(OLDER, NEWER), draw(NEWER, OLDER)
    # A second card adds its pale fill.
    assert count_colour(better, CARD_COLOUR) > count_colour(one, CARD_COLOUR) + 10_000
    # The change between them ("−3") is in the better colour only when the score went down.
    assert count_colour(better, BETTER_COLOUR) > count_colour(worse, BETTER_COLOUR) + 20


def test_the_example_has_two_results_about_four_weeks_apart() -> None:
    older, newer = example_checkups(TODAY)
    assert older.day < newer.day < TODAY
    assert 21 <= (newer.day - older.day).days <= 35
    assert newer.score < older.score


# Languages: every word from ChartTexts, weekdays, months and dates from Babel, in DejaVu Sans.
RUSSIAN = ENGLISH.model_copy(
    update={
        "title": "Ваши последние 12 недель",
        "summary": Plural(one="{sessions} занятие", other="{sessions} занятий"),
        "summary_days": Plural(one=" за {days} день", other=" за {days} дней"),
        "legend_none": "нет",
        "legend_one": "1 занятие",
        "legend_many": "2 и больше",
        "legend_today": "сегодня",
        "levels_title": "Уровень каждого упражнения",
        "level_names": ["полегче", "стандартный", "посложнее"],
        "not_tried": "ещё не пробовали",
        "checkup_title": "Самопроверка",
        "checkup_hint": "баллы: меньше — значит свободнее бёдра",
        "checkup_same": "без изменений",
    }
)
# Far longer than any translation: everything must still fit in the picture, shrunk or cut.
LONG = ENGLISH.model_copy(
    update={
        name: f"{value} {value} {value}"
        for name, value in ENGLISH.model_dump().items()
        if isinstance(value, str)
    }
    | {
        "level_names": ["Schwierigkeitsstufe leichter", "Standardausführung", "Schwerer"],
        "summary": Plural(one="{sessions} Trainingseinheit", other="{sessions} Trainingseinheiten"),
    }
)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Bbox]]]:
    """Record every text the picture draws, with where it landed (pixels from bottom left)."""
    seen: list[tuple[str, Bbox]] = []
    original = Text.draw

    def draw(self: Text, renderer: Any) -> None:
        original(self, renderer)
        if self.get_visible() and self.get_text():
            seen.append((self.get_text(), self.get_window_extent(renderer)))

    monkeypatch.setattr(Text, "draw", draw)
    yield seen


def test_the_font_has_cyrillic() -> None:
    for weight in ("normal", "bold"):
        font = FT2Font(findfont(FontProperties(family=FONT_FAMILY, weight=weight)))
        assert all(font.get_char_index(ord(letter)) for letter in "ПнМартЖжёЁ→−…")


def test_russian_words_are_drawn_in_cyrillic_with_babel_dates(drawn) -> None:
    sessions, levels = example_data(TODAY)
    levels = {"Внутренняя ротация сидя": next(iter(levels.values()))}
    same = CheckupMark(NEWER.day, OLDER.score, 10, "хорошо вращаются")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render(
            today=TODAY,
            sessions_per_day=sessions,
            levels=levels,
            words=RUSSIAN,
            locale="ru",
            checkups=[OLDER, same],
        )
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert decode(png).shape[:2] == figure_size(1, 2)[::-1]
    texts = {text.replace("\n", " ") for text, _ in drawn}
    assert {"Ваши последние 12 недель", "сегодня", "посложнее", "без изменений"} <= texts
    assert "62 занятий за 54 дней" in texts  # Plural texts, picked by the counts
    assert "Внутренняя ротация сидя" in texts
    # Weekdays and months from CLDR: 'Пн', 'Март' over the calendar, '1 мар.' under the lanes.
    assert weekday_labels("ru")[0] == "Пн" and month_labels("ru")[2] == "Март"
    assert {*weekday_labels("ru"), "Янв.", "Февр.", "Март", "1 мар.", "1 февр."} <= texts
    assert "12 февр. 2024\u202fг." in texts  # the self-check card's date (a narrow space)
    assert not texts & {"Mon", "Jan", "Mar", "today", "none", "Self-check", "same"}


def test_english_words_and_dates(drawn) -> None:
    sessions, levels = example_data(TODAY)
    render(today=TODAY, sessions_per_day=sessions, levels=levels, checkups=[OLDER, NEWER])
    texts = {text for text, _ in drawn}
    assert {"Your last 12 weeks", "Mon", "Sun", "Jan", "Mar", "Mar 1", "today", "harder"} <= texts
    assert {"Feb 12, 2024", "some stiffness", "6/10", "−3"} <= texts


@pytest.mark.parametrize("words", [ENGLISH, RUSSIAN, LONG], ids=["en", "ru", "long"])
def test_long_words_stay_inside_the_picture_and_apart(drawn, words: ChartTexts) -> None:
    sessions, levels = example_data(TODAY)
    levels = {f"{name} ({words.title})": points for name, points in levels.items()}
    png = render(
        today=TODAY,
        sessions_per_day=sessions,
        levels=levels,
        words=words,
        locale="de",
        checkups=[OLDER, CheckupMark(NEWER.day, OLDER.score, 10, words.checkup_hint)],
    )
    height, width, _ = decode(png).shape
    boxes = [(text, box) for text, box in drawn]
    for text, box in boxes:
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, text
    for (first, a), (second, b) in itertools.combinations(boxes, 2):
        assert not a.overlaps(b.shrunk(0.9, 0.9)), (first, second)


def test_the_example_tool_draws_in_a_language(tmp_path) -> None:
    target = tmp_path / "de.png"
    main([str(target), "--language", "de"])
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    with pytest.raises(SystemExit):
        main([str(target), "--language", "xx"])
