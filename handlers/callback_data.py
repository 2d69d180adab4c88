"""Callback data: short, versioned, packed and parsed only here.

Layout: ``1:<kind>[:<field>...]``; numbers in base 36 to stay far below Telegram's 64 bytes.
Bump VERSION when the layout changes; buttons of an old layout then get a polite answer.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.domain.pain import HipToday
from content.i18n import LANGUAGES

VERSION = "1"
MAX_BYTES = 64
_ROUTINE_ID = re.compile(r"^[a-z][a-z0-9_]{1,15}$")
_BASE36 = re.compile(r"^(0|[1-9a-z][0-9a-z]{0,11})$")
# Row ids (runs, deliveries) are 32-bit INTEGER columns: a larger number names no row, and
# asyncpg refuses to even send it (DataError), so it is malformed data, not a missing row.
MAX_ROW_ID = 2**31 - 1
# Telegram user ids fit in 52 bits (Bot API docs): anything larger is not one.
MAX_USER_ID = 2**52


class CallbackDataError(ValueError):
    """The data is not something this version of the bot packed."""


class Press(enum.StrEnum):
    """What a button on a run's message asks for."""

    DONE = "d"
    LOG = "l"  # with a count
    COUNTS = "p"  # show the count picker
    BACK = "b"  # leave the count picker, or the full steps under an animation
    STEPS = "t"  # show the full steps (why, setup, form cues) under the animation
    EASIER = "e"
    HARDER = "h"
    SKIP = "s"
    STOP = "x"


@dataclass(frozen=True)
class StartRoutine:
    """Open a run of a routine."""

    routine_id: str


@dataclass(frozen=True)
class ContinueRun:
    """Show the person's run in progress again."""

    run_id: int


@dataclass(frozen=True)
class ShowPicker:
    """Show the routine picker."""


@dataclass(frozen=True)
class ShowAbout:
    """Show what the movement is and who needs it."""


@dataclass(frozen=True)
class RunButton:
    """A press on a run's message, tied to the run's version when it was drawn."""

    run_id: int
    version: int
    press: Press
    count: int | None = None


@dataclass(frozen=True)
class StartHere:
    """Open a run in the message the button is on (the reminder's Start now)."""

    routine_id: str


@dataclass(frozen=True)
class Snooze:
    """Bring a reminder back later."""

    delivery_id: int
    minutes: int


@dataclass(frozen=True)
class NotToday:
    """Dismiss today's reminder."""

    delivery_id: int


# The reminder's "How's the hip today?" answers, packed as one letter each.
HIP_ANSWERS = {HipToday.BETTER: "b", HipToday.SAME: "s", HipToday.WORSE: "w"}


@dataclass(frozen=True)
class HipAnswer:
    """Answer the reminder's "How's the hip today?"."""

    delivery_id: int
    answer: HipToday


@dataclass(frozen=True)
class RestDay:
    """Take today as a rest day (offered after Worse)."""

    delivery_id: int


class Section(enum.StrEnum):
    """Views of the settings message."""

    MAIN = "m"
    ZONE = "z"
    TIME = "t"
    DAYS = "d"
    ROUTINE = "r"


@dataclass(frozen=True)
class ShowSettings:
    """Show a view of the settings; onboarding views lead on to the next question."""

    section: Section
    onboarding: bool = False


@dataclass(frozen=True)
class SetZone:
    """Choose a time zone from the buttons."""

    zone: str
    onboarding: bool = False


@dataclass(frozen=True)
class SetTime:
    """Choose a reminder time from the buttons (minutes after midnight)."""

    minutes: int
    onboarding: bool = False


@dataclass(frozen=True)
class SetDays:
    """Choose workdays ('w'), every day ('a'), or switch one weekday ('0'..'6')."""

    choice: str


@dataclass(frozen=True)
class SetReminderRoutine:
    """Choose the routine the reminder offers."""

    routine_id: str


@dataclass(frozen=True)
class SetReminders:
    """Turn reminders on or off."""

    on: bool


@dataclass(frozen=True)
class SetDataSaver:
    """Show exercise steps as text only (on) or with their animations (off)."""

    on: bool


@dataclass(frozen=True)
class KeepDefaults:
    """Leave onboarding with the default reminder settings."""


@dataclass(frozen=True)
class ConfirmDelete:
    """Answer the /delete question: yes deletes everything, no keeps it.

    asker is the Telegram user the question was put to: only their press acts. None for a
    button drawn before the asker was packed in, which must be asked again.
    """

    yes: bool
    asker: int | None


@dataclass(frozen=True)
class CheckupAnswer:
    """Answer one step of a /checkup: True/False for a question, a range answer's id."""

    checkup_id: int
    step: int
    choice: bool | str


@dataclass(frozen=True)
class CheckupAccept:
    """Take the check-up's suggestion ("Use this")."""

    checkup_id: int
    step: int


@dataclass(frozen=True)
class CheckupLater:
    """Leave the check-up's suggestion for now ("Not now")."""

    checkup_id: int
    step: int


@dataclass(frozen=True)
class ScreeningAnswer:
    """Answer the first-use screening: 'yes' / 'no', then 'gentle' / 'not_now' after a yes.

    routine_id is the routine the person was starting ('' from /settings); here: it was the
    reminder's Start now, which turns that message into the routine.
    """

    answer: str
    routine_id: str
    here: bool = False


@dataclass(frozen=True)
class ShowScreening:
    """Ask the screening question again (from /settings)."""


@dataclass(frozen=True)
class CoachOffer:
    """Take (or decline) the version the coach offers on a run's current exercise."""

    run_id: int
    version: int
    take: bool


@dataclass(frozen=True)
class FineAgain:
    """Say the hip is fine again after a therapist suggestion (on a run's current exercise)."""

    run_id: int
    version: int


@dataclass(frozen=True)
class PainCheck:
    """Answer "Any pain?" after a run: 'n' none, 's' some, 'x' sharp."""

    run_id: int
    answer: str


@dataclass(frozen=True)
class PainWhere:
    """Say which exercise hurt: its place among the run's exercises done (None: not sure)."""

    run_id: int
    answer: str
    index: int | None


@dataclass(frozen=True)
class ExtraSet:
    """Take (or decline) one extra set next time on the side the summary found behind."""

    run_id: int
    take: bool


@dataclass(frozen=True)
class SetLanguage:
    """Speak this language from now on (a /language button)."""

    language: str


class TeamSection(enum.StrEnum):
    """Views of a team's setup message."""

    LANGUAGE = "l"
    MAIN = "m"
    TIME = "t"
    ZONE = "z"
    DAYS = "d"
    ROUTINE = "r"
    GOAL = "g"


class TeamField(enum.StrEnum):
    """A team setting a setup button changes."""

    TIME = "t"  # minutes after midnight, base 36
    ZONE = "z"  # an Area/City name
    DAYS = "d"  # 'w' workdays, 'a' every day, '0'..'6' one day toggled
    ROUTINE = "r"
    GOAL = "g"  # '0' the default, or a number of members (base 36)
    RANKING = "k"  # '1' or '0'
    LANGUAGE = "l"  # a language of content/i18n.py LANGUAGES


@dataclass(frozen=True)
class TeamJoin:
    """Join a team from its group's setup message or daily post."""

    team_id: int


@dataclass(frozen=True)
class TeamMenu:
    """Show a view of a team's setup message (admins only)."""

    team_id: int
    section: TeamSection


@dataclass(frozen=True)
class TeamSet:
    """Change one team setting from its setup message (admins only)."""

    team_id: int
    field: TeamField
    value: str


@dataclass(frozen=True)
class TeamLeave:
    """Leave a team (a button of /leave in the private chat)."""

    team_id: int


@dataclass(frozen=True)
class TeamDelete:
    """Answer /team delete: yes deletes the team, no keeps it (admins only)."""

    team_id: int
    yes: bool


TeamData = TeamJoin | TeamMenu | TeamSet | TeamLeave | TeamDelete

CallbackData = (
    StartRoutine
    | ContinueRun
    | ShowPicker
    | ShowAbout
    | RunButton
    | StartHere
    | Snooze
    | NotToday
    | HipAnswer
    | RestDay
    | ShowSettings
    | SetZone
    | SetTime
    | SetDays
    | SetReminderRoutine
    | SetReminders
    | SetDataSaver
    | KeepDefaults
    | ConfirmDelete
    | CheckupAnswer
    | CheckupAccept
    | CheckupLater
    | ScreeningAnswer
    | ShowScreening
    | CoachOffer
    | FineAgain
    | PainCheck
    | PainWhere
    | ExtraSet
    | TeamJoin
    | TeamMenu
    | TeamSet
    | TeamLeave
    | TeamDelete
    | SetLanguage
)
_SCREENING = re.compile(r"^(yes|no|gentle|not_now)$")
_PAIN = re.compile(r"^[nsx]$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]{0,50}$")
_DAY_CHOICE = re.compile(r"^[wa0-6]$")
# A range test answer's id (content.coaching): never one letter, so never "y" or "n".
_RANGE_ANSWER = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def base36(number: int) -> str:
    """Return a number as callback data packs it (base 36, for a button's value field)."""
    return _b36(number)


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("negative numbers are not packed")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _int(text: str, limit: int = MAX_ROW_ID) -> int:
    if not _BASE36.match(text):
        raise CallbackDataError(f"not a number: {text!r}")
    value = int(text, 36)
    if value > limit:
        raise CallbackDataError(f"number out of range: {text!r}")
    return value


def pack(data: CallbackData) -> str:
    """Return the string to put in a button."""
    match data:
        case StartRoutine(routine_id):
            fields = ["go", routine_id]
        case ContinueRun(run_id):
            fields = ["c", _b36(run_id)]
        case ShowPicker():
            fields = ["pk"]
        case ShowAbout():
            fields = ["ab"]
        case RunButton(run_id, version, press, count):
            fields = [press.value, _b36(run_id), _b36(version)]
            if count is not None:
                fields.append(_b36(count))
        case StartHere(routine_id):
            fields = ["gh", routine_id]
        case Snooze(delivery_id, minutes):
            fields = ["sz", _b36(delivery_id), _b36(minutes)]
        case NotToday(delivery_id):
            fields = ["nt", _b36(delivery_id)]
        case HipAnswer(delivery_id, hip):
            fields = ["hq", _b36(delivery_id), HIP_ANSWERS[hip]]
        case RestDay(delivery_id):
            fields = ["hr", _b36(delivery_id)]
        case ShowSettings(section, onboarding):
            fields = ["st", _flow(onboarding), section.value]
        case SetZone(zone, onboarding):
            fields = ["tz", _flow(onboarding), zone]
        case SetTime(minutes, onboarding):
            fields = ["tm", _flow(onboarding), _b36(minutes)]
        case SetDays(choice):
            fields = ["dy", choice]
        case SetReminderRoutine(routine_id):
            fields = ["rr", routine_id]
        case SetReminders(on):
            fields = ["rm", "1" if on else "0"]
        case SetDataSaver(on):
            fields = ["ds", "1" if on else "0"]
        case KeepDefaults():
            fields = ["ok"]
        case ConfirmDelete(yes, asker):
            if asker is None:
                raise ValueError("a delete question is always put to someone")
            fields = ["dl", "y" if yes else "n", _b36(asker)]
        case CheckupAnswer(checkup_id, step, choice):
            answer = choice if isinstance(choice, str) else ("y" if choice else "n")
            fields = ["ka", _b36(checkup_id), _b36(step), answer]
        case CheckupAccept(checkup_id, step):
            fields = ["ky", _b36(checkup_id), _b36(step)]
        case CheckupLater(checkup_id, step):
            fields = ["kn", _b36(checkup_id), _b36(step)]
        case ScreeningAnswer(answer, routine_id, here):
            fields = ["sq", answer, routine_id, "h" if here else "m"]
        case ShowScreening():
            fields = ["ss"]
        case CoachOffer(run_id, version, take):
            fields = ["of", _b36(run_id), _b36(version), "y" if take else "n"]
        case FineAgain(run_id, version):
            fields = ["fa", _b36(run_id), _b36(version)]
        case PainCheck(run_id, answer):
            fields = ["pc", _b36(run_id), answer]
        case PainWhere(run_id, answer, index):
            fields = ["pw", _b36(run_id), answer, "-" if index is None else _b36(index)]
        case ExtraSet(run_id, take):
            fields = ["xs", _b36(run_id), "y" if take else "n"]
        case TeamJoin(team_id):
            fields = ["tj", _b36(team_id)]
        case TeamMenu(team_id, section):
            fields = ["tv", _b36(team_id), section.value]
        case TeamSet(team_id, field, value):
            fields = ["ts", _b36(team_id), field.value, value]
        case TeamLeave(team_id):
            fields = ["tl", _b36(team_id)]
        case TeamDelete(team_id, yes):
            fields = ["tx", _b36(team_id), "y" if yes else "n"]
        case SetLanguage(language):
            fields = ["lg", language]
    packed = ":".join([VERSION, *fields])
    if len(packed.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {packed!r}")
    return packed


def parse(raw: str | None) -> CallbackData:
    """Return the data a button carries; raise CallbackDataError for anything else."""
    if not raw or len(raw.encode()) > MAX_BYTES:
        raise CallbackDataError("empty or too long")
    version, _, rest = raw.partition(":")
    if version != VERSION:
        raise CallbackDataError(f"layout version {version!r}")
    kind, *fields = rest.split(":")
    if kind == "go" and len(fields) == 1 and _ROUTINE_ID.match(fields[0]):
        return StartRoutine(fields[0])
    if kind == "c" and len(fields) == 1:
        return ContinueRun(_int(fields[0]))
    if kind == "pk" and not fields:
        return ShowPicker()
    if kind == "ab" and not fields:
        return ShowAbout()
    settings = _parse_settings(kind, fields)
    if settings is not None:
        return settings
    hip = _parse_hip(kind, fields)
    if hip is not None:
        return hip
    checkup = _parse_checkup(kind, fields)
    if checkup is not None:
        return checkup
    coach = _parse_coach(kind, fields)
    if coach is not None:
        return coach
    team = _parse_team(kind, fields)
    if team is not None:
        return team
    try:
        press = Press(kind)
    except ValueError:
        raise CallbackDataError(f"unknown kind {kind!r}") from None
    wants_count = press is Press.LOG
    if len(fields) != (3 if wants_count else 2):
        raise CallbackDataError(f"wrong number of fields for {kind!r}")
    count = _int(fields[2]) if wants_count else None
    return RunButton(_int(fields[0]), _int(fields[1]), press, count)


def _parse_coach(kind: str, fields: list[str]) -> CallbackData | None:
    """Parse the coach's kinds (screening, offers, check-in, extra set); None for others."""
    match kind, fields:
        case "sq", [answer, routine_id, ("h" | "m") as where] if _SCREENING.match(answer) and (
            routine_id == "" or _ROUTINE_ID.match(routine_id)
        ):
            return ScreeningAnswer(answer, routine_id, where == "h")
        case "ss", []:
            return ShowScreening()
        case "of", [run, version, ("y" | "n") as take]:
            return CoachOffer(_int(run), _int(version), take == "y")
        case "fa", [run, version]:
            return FineAgain(_int(run), _int(version))
        case "pc", [run, answer] if _PAIN.match(answer):
            return PainCheck(_int(run), answer)
        case "pw", [run, answer, "-"] if answer in ("s", "x"):
            return PainWhere(_int(run), answer, None)
        case "pw", [run, answer, index] if answer in ("s", "x"):
            return PainWhere(_int(run), answer, _int(index))
        case "xs", [run, ("y" | "n") as take]:
            return ExtraSet(_int(run), take == "y")
        case (("sq" | "ss" | "of" | "fa" | "pc" | "pw" | "xs"), _):
            raise CallbackDataError(f"malformed {kind!r} data")
    return None


_TEAM_VALUE = {
    TeamField.TIME: _BASE36,
    TeamField.ZONE: _ZONE,
    TeamField.DAYS: _DAY_CHOICE,
    TeamField.ROUTINE: _ROUTINE_ID,
    TeamField.GOAL: _BASE36,
    TeamField.RANKING: re.compile(r"^[01]$"),
    TeamField.LANGUAGE: re.compile(r"^[a-z]{2}(_[A-Z]{2})?$"),
}


def _parse_team(kind: str, fields: list[str]) -> CallbackData | None:
    """Parse the team kinds; None when the kind is not one of them."""
    match kind, fields:
        case "tj", [team]:
            return TeamJoin(_int(team))
        case "tv", [team, section] if section in set(TeamSection):
            return TeamMenu(_int(team), TeamSection(section))
        case "ts", [team, field, value] if field in set(TeamField) and _TEAM_VALUE[
            TeamField(field)
        ].match(value):
            return TeamSet(_int(team), TeamField(field), value)
        case "tl", [team]:
            return TeamLeave(_int(team))
        case "tx", [team, ("y" | "n") as yes]:
            return TeamDelete(_int(team), yes == "y")
        case "lg", [language] if language in LANGUAGES:
            return SetLanguage(language)
        case (("tj" | "tv" | "ts" | "tl" | "tx" | "lg"), _):
            raise CallbackDataError(f"malformed {kind!r} data")
    return None


def _parse_checkup(kind: str, fields: list[str]) -> CallbackData | None:
    """Parse the /checkup kinds; None when the kind is not one of them."""
    match kind, fields:
        case "ka", [checkup, step, ("y" | "n") as answer]:
            return CheckupAnswer(_int(checkup), _int(step), answer == "y")
        case "ka", [checkup, step, answer] if _RANGE_ANSWER.match(answer):
            return CheckupAnswer(_int(checkup), _int(step), answer)
        case "ky", [checkup, step]:
            return CheckupAccept(_int(checkup), _int(step))
        case "kn", [checkup, step]:
            return CheckupLater(_int(checkup), _int(step))
        case (("ka" | "ky" | "kn"), _):
            raise CallbackDataError(f"malformed {kind!r} data")
    return None


def _flow(onboarding: bool) -> str:
    return "o" if onboarding else "s"


def _parse_settings(kind: str, fields: list[str]) -> CallbackData | None:
    """Parse the reminder and settings kinds; None when the kind is not one of them."""
    match kind, fields:
        case "gh", [routine_id] if _ROUTINE_ID.match(routine_id):
            return StartHere(routine_id)
        case "sz", [delivery, minutes]:
            return Snooze(_int(delivery), _int(minutes))
        case "nt", [delivery]:
            return NotToday(_int(delivery))
        case "st", [("o" | "s") as flow, section]:
            try:
                return ShowSettings(Section(section), flow == "o")
            except ValueError:
                raise CallbackDataError(f"unknown section {section!r}") from None
        case "tz", [("o" | "s") as flow, zone] if _ZONE.match(zone):
            return SetZone(zone, flow == "o")
        case "tm", [("o" | "s") as flow, minutes]:
            value = _int(minutes)
            if value >= 24 * 60:
                raise CallbackDataError("time past midnight")
            return SetTime(value, flow == "o")
        case "dy", [choice] if _DAY_CHOICE.match(choice):
            return SetDays(choice)
        case "rr", [routine_id] if _ROUTINE_ID.match(routine_id):
            return SetReminderRoutine(routine_id)
        case "rm", [("1" | "0") as on]:
            return SetReminders(on == "1")
        case "ds", [("1" | "0") as on]:
            return SetDataSaver(on == "1")
        case "ok", []:
            return KeepDefaults()
        case "dl", [("y" | "n") as answer]:
            return ConfirmDelete(answer == "y", None)  # drawn before the asker was packed
        case "dl", [("y" | "n") as answer, asker]:
            return ConfirmDelete(answer == "y", _int(asker, MAX_USER_ID))
        case (
            ("gh" | "sz" | "nt" | "st" | "tz" | "tm" | "dy" | "rr" | "rm" | "ds" | "ok" | "dl"),
            _,
        ):
            raise CallbackDataError(f"malformed {kind!r} data")
    return None


def _parse_hip(kind: str, fields: list[str]) -> CallbackData | None:
    """Parse the hip question's kinds; None when the kind is not one of them."""
    answers = {letter: answer for answer, letter in HIP_ANSWERS.items()}
    match kind, fields:
        case "hq", [delivery, letter] if letter in answers:
            return HipAnswer(_int(delivery), answers[letter])
        case "hr", [delivery]:
            return RestDay(_int(delivery))
        case (("hq" | "hr"), _):
            raise CallbackDataError(f"malformed {kind!r} data")
    return None
