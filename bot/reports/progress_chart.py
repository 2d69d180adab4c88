"""Draw the /progress picture: a 12-week heatmap, levels over time, the last two self-checks.

The self-check panel (the last two results side by side) is drawn only when there are results.

Every word comes from the caller (``ChartTexts`` of the person's language, band and exercise
names); weekdays, months, dates and numbers come from Babel's CLDR data for the locale.  Texts
are measured before they are drawn: one longer than its room (German and Russian run longer
than English) is set smaller, and cut with "…" only if even the smallest size does not fit.

All text is set in DejaVu Sans, the font bundled with matplotlib: it has Latin and Cyrillic
letters and the arrows and signs used here, and nothing is looked up or downloaded at run time.

Only the object-oriented matplotlib API is used (a Figure with its own Agg canvas, no pyplot):
pyplot keeps global state, which is not safe when two pictures are drawn at once in threads.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from babel import Locale
from babel.dates import format_skeleton, get_day_names, get_month_names
from babel.numbers import format_decimal
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle

from content import Library
from content import library as content_library
from content.i18n import LANGUAGES, SOURCE
from content.texts import ChartTexts

WEEKS = 12
MAX_EXERCISES = 7
DPI = 100

# Colours by sessions on a day: none, one, two or more.  Greens of clearly different lightness,
# so the three are told apart in greyscale and by colour-blind people too.
NONE_COLOUR = "#e4e7eb"
ONE_COLOUR = "#7cc47f"
MANY_COLOUR = "#1d6b35"
FUTURE_COLOUR = "#f7f8f9"
TODAY_EDGE = "#1b1f24"
LINE_COLOUR = "#2f6db5"
TEXT_COLOUR = "#1b1f24"
MUTED_COLOUR = "#6a737d"
CARD_COLOUR = "#f3f6f9"
CARD_EDGE = "#d0d7de"
BETTER_COLOUR = "#1d6b35"  # a lower self-check score: more inward turn

# Bundled with matplotlib (mpl-data/fonts), with Cyrillic: no font without the glyphs is used.
FONT_FAMILY = "DejaVu Sans"
_SMALLEST = 9.0  # points: a text is not shrunk below this (it is cut instead)

# Layout in pixels.  Fixed positions (no tight bbox) keep the size a function of the input.
_WIDTH = 740
_MARGIN = 40  # titles and exercise names start here
_LEFT = 150  # the plots start here, leaving room for the level names left of the lanes
_CELL = 46
_GRID_WIDTH = WEEKS * _CELL
_TEXT_WIDTH = _WIDTH - 2 * _MARGIN  # room for a heading or a name across the picture
_TITLE_TOP = 14
_SUBTITLE_TOP = 57
_GRID_TOP = 124
_GRID_HEIGHT = 7 * _CELL
_LEGEND_TOP = _GRID_TOP + _GRID_HEIGHT + 4
_LEVELS_HEADING_TOP = _LEGEND_TOP + 52
_FIRST_LANE_TOP = _LEVELS_HEADING_TOP + 34
_LANE_NAME = 22  # the exercise name sits above its lane
_LANE_PLOT = 46
_LANE_GAP = 8
_LANE = _LANE_NAME + _LANE_PLOT + _LANE_GAP
_BOTTOM = 32  # month labels under the last lane
_SIDE_LABEL = _LEFT - _MARGIN - 10  # room for a weekday or level name left of the plots
# The self-check panel under the lanes: a heading, then the last two results as cards.
SHOWN_CHECKUPS = 2
_PANEL_GAP = 18
_PANEL_HEADING = 40
_CARD_HEIGHT = 78
# Between the two cards: the arrow and the change, or the word for "same" (the gap widens for
# a long word, the cards narrow, up to _WIDEST_GAP).
_CARD_GAP = 60
_WIDEST_GAP = 100
_CARD_PAD = 16
_PANEL = _PANEL_GAP + _PANEL_HEADING + _CARD_HEIGHT + 26


@dataclass(frozen=True)
class CheckupMark:
    """One self-check result as the picture shows it."""

    day: date
    score: int
    max_score: int
    label: str  # the band as a person reads it, e.g. "some stiffness"


@dataclass(frozen=True)
class Cell:
    """One day of the heatmap: where it sits and how many sessions it had."""

    day: date
    column: int  # 0 = oldest week, WEEKS - 1 = this week
    row: int  # 0 = Monday .. 6 = Sunday
    sessions: int
    future: bool


def calendar_cells(today: date, sessions_per_day: Mapping[date, int]) -> list[Cell]:
    """Return the heatmap cells of the last WEEKS ISO weeks, oldest first, today's week last."""
    first_monday = _first_monday(today)
    cells: list[Cell] = []
    for offset in range(WEEKS * 7):
        day = first_monday + timedelta(days=offset)
        column, row = divmod(offset, 7)
        sessions = 0 if day > today else max(0, sessions_per_day.get(day, 0))
        cells.append(Cell(day, column, row, sessions, day > today))
    return cells


def cell_colour(cell: Cell) -> str:
    """Return the fill colour of a heatmap cell."""
    if cell.future:
        return FUTURE_COLOUR
    if cell.sessions <= 0:
        return NONE_COLOUR
    return ONE_COLOUR if cell.sessions == 1 else MANY_COLOUR


def figure_size(exercise_count: int, checkups: int = 0) -> tuple[int, int]:
    """Return the picture's (width, height) in pixels for a number of exercises and results."""
    panel = _PANEL if checkups > 0 else 0
    return _WIDTH, _lanes_bottom(exercise_count) + panel


def _lanes_bottom(exercise_count: int) -> int:
    lanes = max(1, min(exercise_count, MAX_EXERCISES))  # an empty section still shows a note
    return _FIRST_LANE_TOP + lanes * _LANE + _BOTTOM


def weekday_labels(locale: str) -> list[str]:
    """Return the heatmap's row labels, Monday first, in the locale ('Mon'.., 'Пн'..)."""
    names = get_day_names("abbreviated", context="stand-alone", locale=locale)
    return [_capitalised(str(names[day])) for day in range(7)]


def month_labels(locale: str) -> list[str]:
    """Return the heatmap's month labels, January first, in the locale ('Jan'.., 'Янв.'..)."""
    names = get_month_names("abbreviated", context="stand-alone", locale=locale)
    return [_capitalised(str(names[month])) for month in range(1, 13)]


def render_progress(
    *,
    today: date,
    sessions_per_day: Mapping[date, int],
    levels: Mapping[str, Sequence[tuple[date, int]]],
    words: ChartTexts,
    locale: str,
    checkups: Sequence[CheckupMark] = (),
) -> bytes:
    """Return the progress picture as PNG bytes; checkups oldest first (the last two shown).

    words are the picture's texts in the person's language, locale its Babel id ("pt_BR");
    exercise names (the keys of levels) and the checkups' labels are already in that language.
    """
    Locale.parse(locale)  # an unknown locale fails here, not halfway through the drawing
    names = list(levels)[:MAX_EXERCISES]
    shown = list(checkups)[-SHOWN_CHECKUPS:]
    width, height = figure_size(len(names), len(shown))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    draw = _Drawing(figure, FigureCanvasAgg(figure), _Placer(width, height), words, locale)

    cells = calendar_cells(today, sessions_per_day)
    sessions = sum(cell.sessions for cell in cells)
    days_trained = sum(1 for cell in cells if cell.sessions > 0)
    draw.text(_MARGIN, _TITLE_TOP, words.title, 26, bold=True, room=_TEXT_WIDTH, smallest=16)
    draw.text(
        _MARGIN,
        _SUBTITLE_TOP,
        _summary_line(words, locale, sessions, days_trained),
        16,
        colour=MUTED_COLOUR,
        room=_TEXT_WIDTH,
    )

    grid = figure.add_axes(draw.place.rect(_LEFT, _GRID_TOP, _GRID_WIDTH, _GRID_HEIGHT))
    _draw_heatmap(draw, grid, cells, today)
    if sessions == 0:
        ever = any(count > 0 and day <= today for day, count in sessions_per_day.items())
        note, size = draw.fit(
            words.no_sessions_weeks if ever else words.no_sessions_ever, 18, _GRID_WIDTH - 80
        )
        grid.text(
            WEEKS / 2,
            3.5,
            note,
            ha="center",
            va="center",
            fontproperties=_font(size),
            color=TEXT_COLOUR,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": NONE_COLOUR},
        )
    _draw_legend(draw)

    draw.text(_MARGIN, _LEVELS_HEADING_TOP, words.levels_title, 19, bold=True, room=_TEXT_WIDTH)
    first_monday = _first_monday(today)
    # One size for the level names of every lane, the largest at which all three fit.
    level_size = draw.size(words.level_names, 11.5, _SIDE_LABEL, smallest=8)
    level_names = [
        draw.fit(level, level_size, _SIDE_LABEL, smallest=8)[0] for level in words.level_names
    ]
    lanes: list[Axes] = []
    for index, name in enumerate(names):
        top = _FIRST_LANE_TOP + index * _LANE + _LANE_NAME
        lane = figure.add_axes(draw.place.rect(_LEFT, top, _GRID_WIDTH, _LANE_PLOT))
        _draw_lane(draw, lane, levels[name], first_monday, today, level_names, level_size)
        draw.text(_MARGIN, top - _LANE_NAME, name, 14, room=_TEXT_WIDTH, smallest=10)
        lanes.append(lane)
    if not names:
        draw.text(
            _LEFT,
            _FIRST_LANE_TOP + 20,
            words.levels_empty,
            15,
            colour=MUTED_COLOUR,
            room=_WIDTH - _LEFT - _MARGIN,
        )
    else:
        _month_ticks(draw, lanes[-1], first_monday)
    if shown:
        _draw_checkups(draw, _lanes_bottom(len(names)) + _PANEL_GAP, shown)
    hidden = len(levels) - len(names)
    if hidden > 0:
        # How many exercises are left out; a number needs no words.
        draw.text(
            _WIDTH - 16,
            _lanes_bottom(len(names)) - 8,
            f"+{format_decimal(hidden, locale=locale)}",
            12,
            colour=MUTED_COLOUR,
            ha="right",
            va="bottom",
        )

    buffer = io.BytesIO()
    # No "Software" entry: the bytes then depend on the input, not on the matplotlib version.
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def example_data(today: date) -> tuple[dict[date, int], dict[str, list[tuple[date, int]]]]:
    """Return realistic made-up sessions and levels for the 12 weeks up to today."""
    rng = random.Random(20240313)  # fixed seed: the docs picture must not change run to run
    first = _first_monday(today)
    holiday = range(38, 47)  # a week and a bit away, no training
    sessions: dict[date, int] = {}
    for offset in range(WEEKS * 7):
        day = first + timedelta(days=offset)
        if day >= today or offset in holiday:
            continue
        chance = 0.85 if day.weekday() < 5 else 0.35
        if rng.random() < chance:
            sessions[day] = 2 if rng.random() < 0.15 else 1
    # (name, starting level, (fraction of the sessions after which the level changes, new level))
    plans: list[tuple[str, int, list[tuple[float, int]]]] = [
        ("Seated internal rotation", 0, [(0.3, 1)]),
        ("90-90 back-foot lift", -1, [(0.45, 0), (0.85, 1)]),
        ("Prone windshield wipers", 0, []),
        ("Table-top hip circles", 0, [(0.2, 1), (0.35, 0), (0.7, 1)]),
        ("Revolved pyramid pose", -1, [(0.6, 0)]),
        ("Warrior 3 to half moon", -1, []),
        ("Standing banded internal rotation", 0, [(0.5, -1), (0.8, 0)]),
    ]
    done = sorted(sessions)
    levels: dict[str, list[tuple[date, int]]] = {}
    for name, start, changes in plans:
        points: list[tuple[date, int]] = []
        for position, day in enumerate(done):
            level = start
            for fraction, new_level in changes:
                if position >= fraction * len(done):
                    level = new_level
            points.append((day, level))
        levels[name] = points
    return sessions, levels


def example_checkups(today: date) -> list[CheckupMark]:
    """Return two made-up self-check results, about four weeks apart, oldest first."""
    return [
        CheckupMark(today - timedelta(days=40), 6, 10, "some stiffness"),
        CheckupMark(today - timedelta(days=11), 3, 10, "turning well"),
    ]


def example_in_language(
    today: date, words_library: Library
) -> tuple[dict[date, int], dict[str, list[tuple[date, int]]], list[CheckupMark]]:
    """Return the example's sessions, levels and results with names in a library's language."""
    english = content_library()
    sessions, levels = example_data(today)
    ids = {exercise.name: exercise_id for exercise_id, exercise in english.exercises.items()}
    named = {
        words_library.exercises[ids[name]].name if name in ids else name: points
        for name, points in levels.items()
    }
    bands = {label: band for band, label in english.texts.checkup_bands.items()}
    marks = [
        replace(mark, label=words_library.texts.checkup_bands.get(bands[mark.label], mark.label))
        if mark.label in bands
        else mark
        for mark in example_checkups(today)
    ]
    return sessions, named, marks


class _Placer:
    """Turn pixel positions measured from the top left into figure fractions."""

    def __init__(self, width: int, height: int) -> None:
        self._width = width
        self._height = height

    def x(self, pixels: float) -> float:
        return pixels / self._width

    def y(self, pixels_from_top: float) -> float:
        return 1 - pixels_from_top / self._height

    def rect(
        self, left: float, top: float, width: float, height: float
    ) -> tuple[float, float, float, float]:
        return (
            left / self._width,
            1 - (top + height) / self._height,
            width / self._width,
            height / self._height,
        )


def _font(size: float, *, bold: bool = False) -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else "normal")


class _Drawing:
    """One picture being drawn: its figure and words, with texts measured before they are set."""

    def __init__(
        self,
        figure: Figure,
        canvas: FigureCanvasAgg,
        place: _Placer,
        words: ChartTexts,
        locale: str,
    ) -> None:
        self.figure = figure
        self.place = place
        self.words = words
        self.locale = locale
        self.renderer: RendererBase = canvas.get_renderer()  # type: ignore[no-untyped-call]

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def width(self, text: str, size: float, *, bold: bool = False) -> float:
        """Return the width in pixels of the widest line of a text at a size."""
        font = _font(size, bold=bold)
        return max(
            float(self.renderer.get_text_width_height_descent(line, font, ismath=False)[0])
            for line in text.split("\n")
        )

    def size(
        self,
        texts: Sequence[str],
        size: float,
        room: float,
        *,
        bold: bool = False,
        smallest: float = _SMALLEST,
    ) -> float:
        """Return the largest size up to size (by half points, at least smallest) fitting all."""
        widest = max((self.width(text, size, bold=bold) for text in texts), default=0.0)
        if widest <= room:
            return size
        # Widths grow with the size: start from the proportion, then step down if hinting differs.
        fitted = max(smallest, min(size - 0.5, math.floor(size * room / widest * 2) / 2))
        while fitted > smallest and any(
            self.width(text, fitted, bold=bold) > room for text in texts
        ):
            fitted -= 0.5
        return max(fitted, smallest)

    def fit(
        self,
        text: str,
        size: float,
        room: float,
        *,
        bold: bool = False,
        smallest: float = _SMALLEST,
    ) -> tuple[str, float]:
        """Return the text and a size at which it fits in room; cut with "…" if it cannot."""
        fitted = self.size([text], size, room, bold=bold, smallest=smallest)
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if self.width(line, fitted, bold=bold) <= room:
                continue
            kept = line
            while kept and self.width(kept.rstrip() + "…", fitted, bold=bold) > room:
                kept = kept[:-1]
            lines[index] = kept.rstrip() + "…"
        return "\n".join(lines), fitted

    def fit_lines(
        self,
        text: str,
        size: float,
        room: float,
        *,
        bold: bool = False,
        smallest: float = _SMALLEST,
    ) -> tuple[str, float]:
        """As fit, but a text that would have to shrink much is broken into two lines."""
        one_line = self.size([text], size, room, bold=bold, smallest=smallest)
        spaces = [index for index, char in enumerate(text) if char == " "]
        if one_line >= 0.85 * size or "\n" in text or not spaces:
            return self.fit(text, size, room, bold=bold, smallest=smallest)
        middle = min(spaces, key=lambda index: abs(index - len(text) / 2))
        two_lines = text[:middle] + "\n" + text[middle + 1 :]
        cut = self.width(text, one_line, bold=bold) > room
        if cut or self.size([two_lines], size, room, bold=bold, smallest=smallest) > one_line:
            return self.fit(two_lines, size, room, bold=bold, smallest=smallest)
        return self.fit(text, size, room, bold=bold, smallest=smallest)

    def text(
        self,
        left: float,
        top: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: str = TEXT_COLOUR,
        room: float | None = None,
        smallest: float = _SMALLEST,
        ha: str = "left",
        va: str = "top",
    ) -> None:
        """Set a text on the figure at pixels from the top left, fitted into room if given."""
        if room is not None:
            text, size = self.fit(text, size, room, bold=bold, smallest=smallest)
        self.figure.text(
            self.place.x(left),
            self.place.y(top),
            text,
            fontproperties=_font(size, bold=bold),
            color=colour,
            ha=ha,
            va=va,
            parse_math=False,
        )


def _capitalised(name: str) -> str:
    # A label standing alone starts with a capital, as CLDR's stand-alone casing ('Пн', 'Март').
    return name[:1].upper() + name[1:]


def _first_monday(today: date) -> date:
    return today - timedelta(days=today.weekday(), weeks=WEEKS - 1)


def _summary_line(words: ChartTexts, locale: str, sessions: int, days_trained: int) -> str:
    if sessions == 0:
        return words.nothing_logged
    values = {
        "sessions": format_decimal(sessions, locale=locale),
        "days": format_decimal(days_trained, locale=locale),
    }
    return words.summary.pick(sessions).format(**values) + words.summary_days.pick(
        days_trained
    ).format(**values)


def _draw_heatmap(draw: _Drawing, axes: Axes, cells: Sequence[Cell], today: date) -> None:
    axes.set_xlim(0, WEEKS)
    axes.set_ylim(7, 0)  # Monday on top, as in a paper calendar
    axes.set_axis_off()
    gap = 0.07
    for cell in cells:
        is_today = cell.day == today
        axes.add_patch(
            Rectangle(
                (cell.column + gap, cell.row + gap),
                1 - 2 * gap,
                1 - 2 * gap,
                facecolor=cell_colour(cell),
                edgecolor=TODAY_EDGE if is_today else "none",
                linewidth=3.5 if is_today else 0,
                zorder=3 if is_today else 2,
            )
        )
    weekdays = weekday_labels(draw.locale)
    weekday_font = _font(draw.size(weekdays, 16, _SIDE_LABEL, smallest=10))
    for row, name in enumerate(weekdays):
        axes.text(
            -0.2,
            row + 0.5,
            name,
            ha="right",
            va="center",
            fontproperties=weekday_font,
            color=TEXT_COLOUR,
            parse_math=False,
        )
    months = month_labels(draw.locale)
    starts = _month_starts(cells)
    # One size for all month names: each has room up to the next one (the last, to the margin).
    ends = [column * _CELL - 10 for column, _ in starts[1:]] + [_WIDTH - _LEFT - 16]
    month_size = min(
        draw.size([months[month - 1]], 15, end - column * _CELL)
        for (column, month), end in zip(starts, ends, strict=True)
    )
    for column, month in starts:
        axes.text(
            column + gap,
            -0.25,
            months[month - 1],
            ha="left",
            va="bottom",
            fontproperties=_font(month_size),
            color=MUTED_COLOUR,
            parse_math=False,
        )


def _month_starts(cells: Sequence[Cell]) -> list[tuple[int, int]]:
    """Return (column, month) for each column in which a month starts."""
    starts = [(cell.column, cell.day.month) for cell in cells if cell.day.day == 1]
    # Name the first column's month too, unless the next label is so close they would overlap.
    if not starts or starts[0][0] >= 2:
        starts.insert(0, (0, cells[0].day.month))
    return starts


def _draw_legend(draw: _Drawing) -> None:
    words = draw.words
    labels = [words.legend_none, words.legend_one, words.legend_many, words.legend_today]
    left = _LEFT - 8
    room = _WIDTH - left - 16
    size = 15.0
    cut = False
    while True:
        legend = draw.figure.legend(
            handles=[
                Patch(facecolor=NONE_COLOUR, label=labels[0]),
                Patch(facecolor=ONE_COLOUR, label=labels[1]),
                Patch(facecolor=MANY_COLOUR, label=labels[2]),
                Patch(facecolor="white", edgecolor=TODAY_EDGE, linewidth=2.5, label=labels[3]),
            ],
            loc="upper left",
            bbox_to_anchor=(draw.place.x(left), draw.place.y(_LEGEND_TOP)),
            ncol=4,
            frameon=False,
            prop=_font(size),
            handlelength=1.3,
            handleheight=1.3,
            columnspacing=1.4,
            handletextpad=0.5,
        )
        wide = legend.get_window_extent(draw.renderer).width
        if wide <= room or cut:
            return
        legend.remove()  # longer words than English: the same row, smaller
        if size > _SMALLEST:
            size = max(_SMALLEST, min(size - 0.5, math.floor(size * room / wide * 2) / 2))
            continue
        # Too wide even at the smallest size: cut the labels longer than an equal share.
        share = (room - wide + sum(draw.width(label, size) for label in labels)) / len(labels)
        labels = [draw.fit(label, size, share)[0] for label in labels]
        cut = True


def _draw_lane(
    draw: _Drawing,
    axes: Axes,
    points: Sequence[tuple[date, int]],
    first_monday: date,
    today: date,
    level_names: Sequence[str],
    level_size: float,
) -> None:
    axes.set_xlim(0, WEEKS)
    axes.set_ylim(-1.3, 1.3)
    axes.set_yticks([-1, 0, 1], list(level_names))
    axes.tick_params(
        axis="y",
        labelsize=level_size,
        labelfontfamily=FONT_FAMILY,
        length=0,
        colors=MUTED_COLOUR,
    )
    axes.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    for level in (-1, 0, 1):
        axes.axhline(level, color="#eef0f2", linewidth=1, zorder=0)
    for week in range(1, WEEKS):
        axes.axvline(week, color="#f3f4f6", linewidth=1, zorder=0)
    today_x = _x_of(today, first_monday)
    axes.axvline(today_x, color=TODAY_EDGE, linewidth=1.2, linestyle=":", zorder=1)

    window_start = first_monday
    ordered = sorted((p for p in points if p[0] <= today), key=lambda p: p[0])
    earlier = [p for p in ordered if p[0] < window_start]
    inside = [p for p in ordered if p[0] >= window_start]
    xs: list[float] = []
    ys: list[int] = []
    if earlier:
        # The level in use when the window opens, carried in from before it.
        xs.append(0.0)
        ys.append(_clamp(earlier[-1][1]))
    for day, level in inside:
        xs.append(_x_of(day, first_monday))
        ys.append(_clamp(level))
    if not xs:
        note, size = draw.fit(draw.words.not_tried, 13, _GRID_WIDTH - 20)
        axes.text(
            0.15,
            0,
            note,
            va="center",
            fontproperties=_font(size),
            color=MUTED_COLOUR,
            parse_math=False,
        )
        return
    # Hold the last level up to today: it stays in use until it is changed.
    line_x = [*xs, max(today_x, xs[-1])]
    line_y = [*ys, ys[-1]]
    axes.plot(line_x, line_y, drawstyle="steps-post", color=LINE_COLOUR, linewidth=2.5, zorder=2)
    dots_x = [_x_of(day, first_monday) for day, _ in inside]
    dots_y = [_clamp(level) for _, level in inside]
    axes.plot(dots_x, dots_y, "o", color=LINE_COLOUR, markersize=3.5, zorder=3)


def _draw_checkups(draw: _Drawing, top: int, checkups: Sequence[CheckupMark]) -> None:
    """Draw the self-check heading and the results as cards side by side, oldest on the left."""
    words = draw.words
    # The heading on the left and the hint on the right share a line: the hint gets the rest.
    title, title_size = draw.fit(words.checkup_title, 19, 0.6 * _TEXT_WIDTH, bold=True, smallest=14)
    draw.text(_MARGIN, top, title, title_size, bold=True)
    draw.text(
        _MARGIN + _TEXT_WIDTH,
        top + 6,
        words.checkup_hint,
        13,
        colour=MUTED_COLOUR,
        room=_TEXT_WIDTH - draw.width(title, title_size, bold=True) - 24,
        ha="right",
    )
    card_top = top + _PANEL_HEADING
    panel = draw.figure.add_axes(draw.place.rect(0, card_top, _WIDTH, _CARD_HEIGHT))
    panel.set_xlim(0, _WIDTH)
    panel.set_ylim(_CARD_HEIGHT, 0)  # pixels from the panel's top left
    panel.set_axis_off()

    def put(
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: str = TEXT_COLOUR,
        ha: str = "left",
        va: str = "top",
    ) -> None:
        panel.text(
            x,
            y,
            text,
            fontproperties=_font(size, bold=bold),
            color=colour,
            ha=ha,
            va=va,
            multialignment=ha,
            parse_math=False,
        )

    change = checkups[-1].score - checkups[-2].score if len(checkups) > 1 else 0
    if len(checkups) == 1:
        said, said_size = "", 13.0
    elif change == 0:
        said, said_size = draw.fit_lines(words.checkup_same, 13, _WIDEST_GAP - 16, bold=True)
    else:
        said, said_size = ("+" if change > 0 else "−") + draw.number(abs(change)), 13.0
    gap = max(_CARD_GAP, math.ceil(draw.width(said, said_size, bold=True)) + 16)
    card_width = (_TEXT_WIDTH - gap) / 2
    scores = [f"{draw.number(mark.score)}/{draw.number(mark.max_score)}" for mark in checkups]
    days = [format_skeleton("yMMMd", mark.day, locale=draw.locale) for mark in checkups]
    # The date and the band share the room left of the score; both cards use the same sizes.
    widest_score = max(draw.width(score, 21, bold=True) for score in scores)
    room = card_width - 2 * _CARD_PAD - widest_score - 12
    day_size = draw.size(days, 15, room, bold=True, smallest=10)
    label_size = draw.size([mark.label for mark in checkups], 14, room)
    for index, (mark, score, day) in enumerate(zip(checkups, scores, days, strict=True)):
        left = _MARGIN + index * (card_width + gap)
        panel.add_patch(
            FancyBboxPatch(
                (left, 2),
                card_width,
                _CARD_HEIGHT - 4,
                boxstyle="round,pad=0,rounding_size=10",
                facecolor=CARD_COLOUR,
                edgecolor=LINE_COLOUR if index == len(checkups) - 1 else CARD_EDGE,
                linewidth=2 if index == len(checkups) - 1 else 1.2,
            )
        )
        day_text, size = draw.fit(day, day_size, room, bold=True, smallest=10)
        put(left + _CARD_PAD, 14, day_text, size, bold=True, va="top")
        label, size = draw.fit(mark.label, label_size, room)
        put(left + _CARD_PAD, 44, label, size, va="top")
        put(
            left + card_width - _CARD_PAD,
            _CARD_HEIGHT / 2,
            score,
            21,
            bold=True,
            ha="right",
            va="center",
        )
    if len(checkups) == 1:
        left = _MARGIN + card_width + 24
        again, size = draw.fit_lines(words.checkup_again, 14, _WIDTH - left - 16)
        put(left, _CARD_HEIGHT / 2, again, size, colour=MUTED_COLOUR, va="center")
        return
    middle = _MARGIN + card_width + gap / 2
    two_lines = "\n" in said
    put(middle, 24 if two_lines else 30, "→", 26, colour=MUTED_COLOUR, ha="center", va="center")
    put(
        middle,
        58 if two_lines else 60,
        said,
        said_size,
        bold=True,
        colour=BETTER_COLOUR if change < 0 else MUTED_COLOUR,
        ha="center",
        va="center",
    )


def _month_ticks(draw: _Drawing, axes: Axes, first_monday: date) -> None:
    positions: list[float] = []
    days: list[date] = []
    for offset in range(WEEKS * 7):
        day = first_monday + timedelta(days=offset)
        if day.day == 1:
            positions.append(offset / 7)
            days.append(day)
    # Date the left edge as well, unless a month label sits close enough to collide with it.
    if not positions or positions[0] >= 2:
        positions.insert(0, 0.0)
        days.insert(0, first_monday)
    labels = [format_skeleton("MMMd", day, locale=draw.locale) for day in days]
    closest = min((b - a for a, b in itertools.pairwise(positions)), default=WEEKS)
    size = draw.size(labels, 13, closest * _CELL - 10)
    axes.set_xticks(positions, labels)
    axes.tick_params(
        axis="x", labelsize=size, labelfontfamily=FONT_FAMILY, length=4, colors=MUTED_COLOUR
    )


def _x_of(day: date, first_monday: date) -> float:
    # The middle of the day's heatmap column slot, so lanes line up with the calendar above.
    offset = (day - first_monday).days
    return offset // 7 + (offset % 7 + 0.5) / 7


def _clamp(level: int) -> int:
    return max(-1, min(1, level))


def main(argv: Sequence[str] | None = None) -> None:
    """Write the example picture (docs/progress-example.png is the English one)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.reports.progress_chart",
        description="Draw the /progress picture with made-up data.",
    )
    parser.add_argument("output", help="the PNG file to write")
    parser.add_argument(
        "--language", default=SOURCE, choices=list(LANGUAGES), help="default: %(default)s"
    )
    arguments = parser.parse_args(argv)
    words_library = content_library(arguments.language)
    example_today = date.today()
    sessions, levels, checkups = example_in_language(example_today, words_library)
    png = render_progress(
        today=example_today,
        sessions_per_day=sessions,
        levels=levels,
        words=words_library.texts.progress_chart,
        locale=words_library.language,
        checkups=checkups,
    )
    with open(arguments.output, "wb") as output:
        output.write(png)
    print(f"wrote {arguments.output} ({len(png)} bytes)")


if __name__ == "__main__":
    main()
