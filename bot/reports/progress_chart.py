"""Draw the /progress picture: a 12-week heatmap, levels over time, the last two self-checks.

The self-check panel (the last two results side by side) is drawn only when there are results.

Only the object-oriented matplotlib API is used (a Figure with its own Agg canvas, no pyplot):
pyplot keeps global state, which is not safe when two pictures are drawn at once in threads.
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle

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

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Fixed English names rather than calendar.month_abbr, which follows the server's locale.
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LEVEL_NAMES = {-1: "easier", 0: "standard", 1: "harder"}

# Layout in pixels.  Fixed positions (no tight bbox) keep the size a function of the input.
_WIDTH = 740
_MARGIN = 40  # titles and exercise names start here
_LEFT = 150  # the plots start here, leaving room for "standard" left of the level lanes
_CELL = 46
_GRID_WIDTH = WEEKS * _CELL
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
# The self-check panel under the lanes: a heading, then the last two results as cards.
SHOWN_CHECKUPS = 2
_PANEL_GAP = 18
_PANEL_HEADING = 40
_CARD_WIDTH = 300
_CARD_HEIGHT = 78
_CARD_GAP = 60  # room for the arrow and the change between the two cards
_PANEL = _PANEL_GAP + _PANEL_HEADING + _CARD_HEIGHT + 26
_LABEL_CHARS = 17


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


def render_progress(
    *,
    today: date,
    sessions_per_day: Mapping[date, int],
    levels: Mapping[str, Sequence[tuple[date, int]]],
    title: str = "Your last 12 weeks",
    checkups: Sequence[CheckupMark] = (),
) -> bytes:
    """Return the progress picture as PNG bytes; checkups oldest first (the last two shown)."""
    names = list(levels)[:MAX_EXERCISES]
    shown = list(checkups)[-SHOWN_CHECKUPS:]
    width, height = figure_size(len(names), len(shown))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    place = _Placer(width, height)

    cells = calendar_cells(today, sessions_per_day)
    sessions = sum(cell.sessions for cell in cells)
    days_trained = sum(1 for cell in cells if cell.sessions > 0)
    figure.text(
        place.x(_MARGIN),
        place.y(_TITLE_TOP),
        title,
        fontsize=26,
        fontweight="bold",
        color=TEXT_COLOUR,
        va="top",
    )
    figure.text(
        place.x(_MARGIN),
        place.y(_SUBTITLE_TOP),
        _summary_line(sessions, days_trained),
        fontsize=16,
        color=MUTED_COLOUR,
        va="top",
    )

    grid = figure.add_axes(place.rect(_LEFT, _GRID_TOP, _GRID_WIDTH, _GRID_HEIGHT))
    _draw_heatmap(grid, cells, today)
    if sessions == 0:
        ever = any(count > 0 and day <= today for day, count in sessions_per_day.items())
        note = (
            "No sessions in these 12 weeks.\nThe next one will show up here."
            if ever
            else "No sessions yet.\nYour first one will show up here."
        )
        grid.text(
            WEEKS / 2,
            3.5,
            note,
            ha="center",
            va="center",
            fontsize=18,
            color=TEXT_COLOUR,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": NONE_COLOUR},
        )
    _draw_legend(figure, place)

    figure.text(
        place.x(_MARGIN),
        place.y(_LEVELS_HEADING_TOP),
        "Level of each exercise",
        fontsize=19,
        fontweight="bold",
        color=TEXT_COLOUR,
        va="top",
    )
    first_monday = _first_monday(today)
    lanes: list[Axes] = []
    for index, name in enumerate(names):
        top = _FIRST_LANE_TOP + index * _LANE + _LANE_NAME
        lane = figure.add_axes(place.rect(_LEFT, top, _GRID_WIDTH, _LANE_PLOT))
        _draw_lane(lane, levels[name], first_monday, today)
        figure.text(
            place.x(_MARGIN),
            place.y(top - _LANE_NAME),
            name,
            fontsize=14,
            color=TEXT_COLOUR,
            va="top",
        )
        lanes.append(lane)
    if not names:
        figure.text(
            place.x(_LEFT),
            place.y(_FIRST_LANE_TOP + 20),
            "Your exercise levels will show here\nafter your first routine.",
            fontsize=15,
            color=MUTED_COLOUR,
            va="top",
        )
    else:
        _month_ticks(lanes[-1], first_monday)
    if shown:
        _draw_checkups(figure, place, _lanes_bottom(len(names)) + _PANEL_GAP, shown)
    hidden = len(levels) - len(names)
    if hidden > 0:
        figure.text(
            place.x(_WIDTH - 16),
            place.y(_lanes_bottom(len(names)) - 8),
            f"+{hidden} more not shown",
            fontsize=12,
            color=MUTED_COLOUR,
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


def _first_monday(today: date) -> date:
    return today - timedelta(days=today.weekday(), weeks=WEEKS - 1)


def _summary_line(sessions: int, days_trained: int) -> str:
    if sessions == 0:
        return "Nothing logged in these 12 weeks"
    session_word = "session" if sessions == 1 else "sessions"
    day_word = "day" if days_trained == 1 else "days"
    return f"{sessions} {session_word} on {days_trained} {day_word}"


def _draw_heatmap(axes: Axes, cells: Sequence[Cell], today: date) -> None:
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
    for row, name in enumerate(_WEEKDAY_NAMES):
        axes.text(-0.2, row + 0.5, name, ha="right", va="center", fontsize=16, color=TEXT_COLOUR)
    for column, month in _month_starts(cells):
        axes.text(
            column + gap,
            -0.25,
            _MONTH_NAMES[month - 1],
            ha="left",
            va="bottom",
            fontsize=15,
            color=MUTED_COLOUR,
        )


def _month_starts(cells: Sequence[Cell]) -> list[tuple[int, int]]:
    """Return (column, month) for each column in which a month starts."""
    starts = [(cell.column, cell.day.month) for cell in cells if cell.day.day == 1]
    # Name the first column's month too, unless the next label is so close they would overlap.
    if not starts or starts[0][0] >= 2:
        starts.insert(0, (0, cells[0].day.month))
    return starts


def _draw_legend(figure: Figure, place: _Placer) -> None:
    handles = [
        Patch(facecolor=NONE_COLOUR, label="none"),
        Patch(facecolor=ONE_COLOUR, label="1 session"),
        Patch(facecolor=MANY_COLOUR, label="2 or more"),
        Patch(facecolor="white", edgecolor=TODAY_EDGE, linewidth=2.5, label="today"),
    ]
    figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(place.x(_LEFT - 8), place.y(_LEGEND_TOP)),
        ncol=4,
        frameon=False,
        fontsize=15,
        handlelength=1.3,
        handleheight=1.3,
        columnspacing=1.4,
        handletextpad=0.5,
    )


def _draw_lane(
    axes: Axes,
    points: Sequence[tuple[date, int]],
    first_monday: date,
    today: date,
) -> None:
    axes.set_xlim(0, WEEKS)
    axes.set_ylim(-1.3, 1.3)
    axes.set_yticks([-1, 0, 1], [_LEVEL_NAMES[level] for level in (-1, 0, 1)])
    axes.tick_params(axis="y", labelsize=11.5, length=0, colors=MUTED_COLOUR)
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
        axes.text(0.15, 0, "not tried yet", va="center", fontsize=13, color=MUTED_COLOUR)
        return
    # Hold the last level up to today: it stays in use until it is changed.
    line_x = [*xs, max(today_x, xs[-1])]
    line_y = [*ys, ys[-1]]
    axes.plot(line_x, line_y, drawstyle="steps-post", color=LINE_COLOUR, linewidth=2.5, zorder=2)
    dots_x = [_x_of(day, first_monday) for day, _ in inside]
    dots_y = [_clamp(level) for _, level in inside]
    axes.plot(dots_x, dots_y, "o", color=LINE_COLOUR, markersize=3.5, zorder=3)


def _draw_checkups(
    figure: Figure, place: _Placer, top: int, checkups: Sequence[CheckupMark]
) -> None:
    """Draw the self-check heading and the results as cards side by side, oldest on the left."""
    figure.text(
        place.x(_MARGIN),
        place.y(top),
        "Self-check",
        fontsize=19,
        fontweight="bold",
        color=TEXT_COLOUR,
        va="top",
    )
    figure.text(
        place.x(_MARGIN + 2 * _CARD_WIDTH + _CARD_GAP),
        place.y(top + 6),
        "score: lower means freer hips",
        fontsize=13,
        color=MUTED_COLOUR,
        ha="right",
        va="top",
    )
    card_top = top + _PANEL_HEADING
    panel = figure.add_axes(place.rect(0, card_top, _WIDTH, _CARD_HEIGHT))
    panel.set_xlim(0, _WIDTH)
    panel.set_ylim(_CARD_HEIGHT, 0)  # pixels from the panel's top left
    panel.set_axis_off()
    for index, mark in enumerate(checkups):
        left = _MARGIN + index * (_CARD_WIDTH + _CARD_GAP)
        panel.add_patch(
            FancyBboxPatch(
                (left, 2),
                _CARD_WIDTH,
                _CARD_HEIGHT - 4,
                boxstyle="round,pad=0,rounding_size=10",
                facecolor=CARD_COLOUR,
                edgecolor=LINE_COLOUR if index == len(checkups) - 1 else CARD_EDGE,
                linewidth=2 if index == len(checkups) - 1 else 1.2,
            )
        )
        day = f"{mark.day.day} {_MONTH_NAMES[mark.day.month - 1]} {mark.day.year}"
        panel.text(left + 16, 14, day, fontsize=15, fontweight="bold", color=TEXT_COLOUR, va="top")
        # Room for about 17 characters left of a "10/10"; a longer label is cut.
        label = (
            mark.label if len(mark.label) <= _LABEL_CHARS else mark.label[: _LABEL_CHARS - 1] + "…"
        )
        panel.text(left + 16, 44, label, fontsize=14, color=TEXT_COLOUR, va="top")
        panel.text(
            left + _CARD_WIDTH - 16,
            _CARD_HEIGHT / 2,
            f"{mark.score}/{mark.max_score}",
            fontsize=21,
            fontweight="bold",
            color=TEXT_COLOUR,
            ha="right",
            va="center",
        )
    middle = _MARGIN + _CARD_WIDTH + _CARD_GAP / 2
    if len(checkups) == 1:
        panel.text(
            middle - _CARD_GAP / 2 + 24,
            _CARD_HEIGHT / 2,
            "Take /checkup again to compare.",
            fontsize=14,
            color=MUTED_COLOUR,
            va="center",
        )
        return
    change = checkups[-1].score - checkups[-2].score
    panel.text(middle, 30, "→", fontsize=26, color=MUTED_COLOUR, ha="center", va="center")
    panel.text(
        middle,
        60,
        "same" if change == 0 else f"{change:+d}".replace("-", "−"),
        fontsize=13,
        fontweight="bold",
        color=BETTER_COLOUR if change < 0 else MUTED_COLOUR,
        ha="center",
        va="center",
    )


def _month_ticks(axes: Axes, first_monday: date) -> None:
    positions: list[float] = []
    labels: list[str] = []
    for offset in range(WEEKS * 7):
        day = first_monday + timedelta(days=offset)
        if day.day == 1:
            positions.append(offset / 7)
            labels.append(f"{day.day} {_MONTH_NAMES[day.month - 1]}")
    # Date the left edge as well, unless a month label sits close enough to collide with it.
    if not positions or positions[0] >= 2:
        positions.insert(0, 0.0)
        labels.insert(0, f"{first_monday.day} {_MONTH_NAMES[first_monday.month - 1]}")
    axes.set_xticks(positions, labels)
    axes.tick_params(axis="x", labelsize=13, length=4, colors=MUTED_COLOUR)


def _x_of(day: date, first_monday: date) -> float:
    # The middle of the day's heatmap column slot, so lanes line up with the calendar above.
    offset = (day - first_monday).days
    return offset // 7 + (offset % 7 + 0.5) / 7


def _clamp(level: int) -> int:
    return max(-1, min(1, level))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bot.reports.progress_chart OUTPUT.png")
    example_today = date.today()
    example_sessions, example_levels = example_data(example_today)
    png = render_progress(
        today=example_today,
        sessions_per_day=example_sessions,
        levels=example_levels,
        checkups=example_checkups(example_today),
    )
    with open(sys.argv[1], "wb") as output:
        output.write(png)
    print(f"wrote {sys.argv[1]} ({len(png)} bytes)")
