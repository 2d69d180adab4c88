"""Screens of team mode: the setup message, the daily post and its board, /board, summaries.

Everything here but the private-chat confirmations is posted in a group: short, and no person
is named beyond a first name with done or not done.
"""

from __future__ import annotations

from datetime import time
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from bot.domain.streak import Mark
from bot.domain.teams import team_payload
from bot.services.teams import Board, Summary, TeamView, Week
from content import Library
from content.i18n import LANGUAGES
from handlers import formats
from handlers.callback_data import (
    TeamDelete,
    TeamField,
    TeamJoin,
    TeamLeave,
    TeamMenu,
    TeamSection,
    TeamSet,
    base36,
)
from handlers.inline import button as _button
from handlers.inline import rows as _rows
from handlers.render import Screen, fill
from handlers.settings_screens import TIME_CHOICES, days_text, hhmm

# The /start payload of a daily post's Start: the routine, in the person's private chat.
ROUTINE_PAYLOAD_PREFIX = "routine_"
GOAL_CHOICES = (2, 3, 4, 5, 6, 8, 10)
# /board lists this many members at most: a phone screen, and Telegram's 4,096 characters.
BOARD_ROWS = 30
_MARKS = {
    Mark.DONE: "✅",
    Mark.MISSED: "▫️",
    Mark.TODAY_PENDING: "▫️",
    Mark.FUTURE: "·",
    Mark.REST: "➖",
    Mark.PAUSED: "➖",
    Mark.BEFORE_JOINING: "·",
}


def join_link(bot_username: str, team: TeamView) -> str:
    """Return the deep link that opens the private chat, starts the bot and joins the team."""
    return create_deep_linked_url(bot_username, team_payload(team.code))


def routine_link(bot_username: str, routine_id: str) -> str:
    """Return the deep link that starts a routine in the private chat."""
    return create_deep_linked_url(bot_username, ROUTINE_PAYLOAD_PREFIX + routine_id)


def _routine(library: Library, routine_id: str) -> tuple[str, str]:
    routine = library.routines.get(routine_id) or library.routine(library.default_routine)
    return routine.title, formats.minutes(library, routine.minutes)


def setup(library: Library, team: TeamView) -> Screen:
    """Draw the team's setup message: its settings, Join, and the admins' buttons."""
    texts = library.texts
    title, minutes = _routine(library, team.routine_id)
    goal = (
        fill(texts.team_goal_default, goal=team.goal_today)
        if team.goal is None
        else fill(texts.team_goal_chosen.pick(team.goal), goal=team.goal)
    )
    state = ""
    if not team.present:
        state = texts.team_setup_away
    elif not team.active:
        state = texts.team_setup_paused
    text = _compose(
        texts.team_setup,
        {
            "title": fill(texts.team_setup_title, title=team.title) if team.title else "",
            "state": state,
        },
        time=hhmm(team.post_at),
        zone=team.timezone,
        days=days_text(library, team.days),
        routine=title,
        minutes=minutes,
        goal=goal,
        ranking=texts.team_ranking_on if team.ranking else texts.team_ranking_off,
        members=team.members,
    )
    text += "\n\n" + texts.team_setup_hint
    return Screen(text, _setup_keyboard(library, team))


def _setup_keyboard(library: Library, team: TeamView) -> InlineKeyboardMarkup:
    texts = library.texts
    t = team.id
    return InlineKeyboardMarkup(
        [
            [_button(texts.btn_team_join, TeamJoin(t))],
            [
                _button(texts.btn_team_time, TeamMenu(t, TeamSection.TIME)),
                _button(texts.btn_team_zone, TeamMenu(t, TeamSection.ZONE)),
                _button(texts.btn_team_days, TeamMenu(t, TeamSection.DAYS)),
            ],
            [
                _button(texts.btn_team_routine, TeamMenu(t, TeamSection.ROUTINE)),
                _button(texts.btn_team_goal, TeamMenu(t, TeamSection.GOAL)),
            ],
            [
                _button(
                    texts.btn_team_ranking,
                    TeamSet(t, TeamField.RANKING, "0" if team.ranking else "1"),
                ),
                _button(texts.btn_team_language, TeamMenu(t, TeamSection.LANGUAGE)),
            ],
        ]
    )


def section(library: Library, team: TeamView, part: TeamSection) -> Screen:
    """Draw one view of the setup message: a picker for one setting, or the main view."""
    texts = library.texts
    t = team.id
    back = [_button(texts.btn_team_back, TeamMenu(t, TeamSection.MAIN))]
    match part:
        case TeamSection.TIME:
            buttons = [
                _button(hhmm(at), TeamSet(t, TeamField.TIME, base36(at.hour * 60 + at.minute)))
                for at in _team_times(team.post_at)
            ]
            return Screen(
                fill(texts.team_pick_time, zone=team.timezone),
                InlineKeyboardMarkup([*_rows(buttons, 4), back]),
            )
        case TeamSection.ZONE:
            zones = list(dict.fromkeys([team.timezone, *texts.common_zones]))
            buttons = [_button(zone, TeamSet(t, TeamField.ZONE, zone)) for zone in zones]
            return Screen(texts.team_pick_zone, InlineKeyboardMarkup([*_rows(buttons, 2), back]))
        case TeamSection.DAYS:
            toggles = [
                _button(
                    ("✅ " if day in team.days else "▫️ ") + name,
                    TeamSet(t, TeamField.DAYS, str(day)),
                )
                for day, name in enumerate(formats.day_names(library))
            ]
            rows = [
                *_rows(toggles, 4),
                [
                    _button(texts.days_workdays, TeamSet(t, TeamField.DAYS, "w")),
                    _button(texts.days_every, TeamSet(t, TeamField.DAYS, "a")),
                ],
                back,
            ]
            return Screen(texts.team_pick_days, InlineKeyboardMarkup(rows))
        case TeamSection.ROUTINE:
            buttons = [
                _button(
                    ("✅ " if routine.id == team.routine_id else "") + routine.title,
                    TeamSet(t, TeamField.ROUTINE, routine.id),
                )
                for routine in library.routines.values()
            ]
            return Screen(texts.team_pick_routine, InlineKeyboardMarkup([*_rows(buttons, 1), back]))
        case TeamSection.LANGUAGE:
            choices = [
                _button(
                    ("✅ " if code == team.language else "") + name,
                    TeamSet(t, TeamField.LANGUAGE, code),
                )
                for code, name in LANGUAGES.items()
            ]
            return Screen(
                texts.team_pick_language, InlineKeyboardMarkup([*_rows(choices, 1), back])
            )
        case TeamSection.GOAL:
            buttons = [_button(texts.btn_team_goal_default, TeamSet(t, TeamField.GOAL, "0"))]
            buttons += [
                _button(
                    ("✅ " if team.goal == n else "") + str(n),
                    TeamSet(t, TeamField.GOAL, base36(n)),
                )
                for n in GOAL_CHOICES
            ]
            return Screen(texts.team_pick_goal, InlineKeyboardMarkup([*_rows(buttons, 4), back]))
    return setup(library, team)


def _team_times(current: time) -> list[time]:
    """Return the offered break times (office hours), with the current one among them."""
    office = [at for at in TIME_CHOICES if time(8) <= at <= time(18)]
    extra = [time(10, 30), time(11, 30), time(15, 30)]
    return sorted(set([*office, *extra, current]))


def board_text(library: Library, board: Board) -> str:
    """Return the live board: how many of the members finished, and who (first names)."""
    texts = library.texts
    if not board.names:
        return texts.team_board_nobody
    names = " · ".join(f"{name} {'✅' if done else '▫️'}" for name, done in board.names)
    team_day = texts.team_board_team_day if board.done >= board.goal else ""
    return _compose(
        texts.team_board,
        {"team_day": team_day},
        done=board.done,
        members=len(board.names),
        goal=board.goal,
        names=names,
    )


def _compose(template: str, raw: dict[str, str], **values: object) -> str:
    """Fill a template: values escaped, raw parts (our own HTML, filled already) as they are."""
    escaped = {key: escape(str(value)) for key, value in values.items()}
    return template.format(**escaped, **raw)


def daily_post(library: Library, board: Board, bot_username: str) -> Screen:
    """Draw the day's team post: the routine, Start, Join, and the live board."""
    texts = library.texts
    title, minutes = _routine(library, board.team.routine_id)
    text = _compose(
        texts.team_post, {"board": board_text(library, board)}, routine=title, minutes=minutes
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.btn_team_start, url=routine_link(bot_username, board.team.routine_id)
                ),
                _button(texts.btn_team_join, TeamJoin(board.team.id)),
            ]
        ]
    )
    return Screen(text, keyboard)


def weekly(library: Library, summary: Summary) -> Screen:
    """Draw last week's summary: team days, the streak, and (unless off) the most consistent."""
    texts = library.texts
    week = summary.summary
    text = fill(
        texts.team_weekly.pick(week.required_days),
        team_days=len(week.team_days),
        required=week.required_days,
        streak=week.streak.current,
        best=week.streak.best,
    )
    if week.most_consistent:
        names = ", ".join(summary.names.get(m.member, "?") for m in week.most_consistent)
        text += "\n" + fill(texts.team_weekly_ranking, names=names)
    return Screen(text)


def milestone(library: Library, days: int) -> Screen:
    """Draw the celebration of a team milestone."""
    return Screen(fill(library.texts.team_milestone.pick(days), days=days))


def week_grid(library: Library, week: Week) -> Screen:
    """Draw /board: the team's row and each member's for this week, the streak and the best."""
    texts = library.texts
    header = " ".join(formats.day_letters(library))
    team_marks = " ".join(
        "✅"
        if day.team_day
        else ("➖" if not day.required else ("·" if day.day > week.today else "▫️"))
        for day in week.grid.days
    )
    lines = [f"<b>{escape(texts.team_week_team_row)}</b>  {team_marks}"]
    members = list(week.grid.rows.items())
    for member, marks in members[:BOARD_ROWS]:
        row = " ".join(_MARKS[mark.mark] for mark in marks)
        lines.append(f"{escape(week.names.get(member, '?'))}  {row}")
    if len(members) > BOARD_ROWS:
        lines.append(f"+{len(members) - BOARD_ROWS}")
    text = _compose(
        texts.team_week,
        {"rows": "\n".join(lines)},
        zone=week.team.timezone,
        header=header,
        streak=week.streak.current,
        best=week.streak.best,
    )
    return Screen(text)


def delete_question(library: Library, team: TeamView) -> Screen:
    """Ask an admin to confirm /team delete."""
    texts = library.texts
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(texts.btn_team_delete_yes, TeamDelete(team.id, True)),
                _button(texts.btn_team_delete_no, TeamDelete(team.id, False)),
            ]
        ]
    )
    return Screen(texts.team_delete_confirm, keyboard)


def joined(library: Library, team: TeamView) -> Screen:
    """Confirm a join in the private chat, with when the team trains."""
    return Screen(
        fill(
            library.texts.team_joined,
            team=team.title or library.texts.team_fallback,
            time=hhmm(team.post_at),
            zone=team.timezone,
            days=days_text(library, team.days),
        )
    )


def leave_picker(library: Library, teams: list[TeamView]) -> Screen:
    """Ask which team to leave (private /leave)."""
    if not teams:
        return Screen(library.texts.team_leave_none)
    buttons = [_button(team.title or str(team.id), TeamLeave(team.id)) for team in teams]
    return Screen(library.texts.team_leave_pick, InlineKeyboardMarkup(_rows(buttons, 1)))
