"""Screens of the settings, the onboarding questions and the reminder message."""

from __future__ import annotations

from datetime import datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.pain import HipToday
from bot.domain.schedule import EVERY_DAY, WORKDAYS
from bot.domain.screening import Screening
from bot.services.hip import HipPrompt
from bot.services.settings import ReminderSettings
from content import Library
from handlers import formats
from handlers.callback_data import (
    HipAnswer,
    KeepDefaults,
    NotToday,
    RestDay,
    Section,
    SetDataSaver,
    SetDays,
    SetReminderRoutine,
    SetReminders,
    SetTime,
    SetZone,
    ShowScreening,
    ShowSettings,
    Snooze,
    StartHere,
)
from handlers.inline import button as _button
from handlers.inline import rows as _rows
from handlers.render import Screen, fill
from handlers.stats_screens import reminder_streak

# Times offered as buttons; any other minute is one /remind away.
TIME_CHOICES = (
    time(6), time(7), time(7, 30), time(8), time(8, 30), time(9), time(10), time(11),
    time(12), time(13), time(14), time(15), time(16), time(17), time(18), time(20),
)  # fmt: skip
SNOOZE_MINUTES = (15, 60)


def hhmm(value: time) -> str:
    """Return a time as 24-hour HH:MM."""
    return f"{value.hour:02d}:{value.minute:02d}"


def when(library: Library, moment: datetime) -> str:
    """Return a local moment as e.g. 'Thu 26 Nov, 09:00'."""
    return library.texts.when_format.format(
        date=formats.weekday_month_day(library, moment.date()), time=formats.clock(library, moment)
    )


def days_text(library: Library, days: frozenset[int]) -> str:
    """Return the chosen weekdays in words."""
    if days == WORKDAYS:
        return library.texts.days_workdays
    if days == EVERY_DAY:
        return library.texts.days_every
    names = formats.day_names(library)
    return ", ".join(names[d] for d in sorted(days))


def next_text(library: Library, settings: ReminderSettings) -> str:
    """Return the sentence about the next reminder (or the pause, or none)."""
    texts = library.texts
    parts = []
    if settings.blocked:
        parts.append(texts.blocked_line)
    if settings.paused_until is not None and settings.reminders_on:
        parts.append(
            texts.paused_line.format(
                until=formats.weekday_month_day(library, settings.paused_until)
            )
        )
    if settings.next_local is not None:
        parts.append(texts.next_line.format(when=when(library, settings.next_local)))
    elif not parts:
        parts.append(texts.next_none)
    return " ".join(parts)


def settings_main(library: Library, settings: ReminderSettings) -> Screen:
    """Draw /settings: every setting and a button to change each."""
    texts = library.texts
    reminder = (
        texts.reminder_on_line.format(
            time=hhmm(settings.remind_at), days=days_text(library, settings.days)
        )
        if settings.reminders_on
        else texts.reminder_off_line
    )
    text = fill(
        texts.settings_view,
        zone=settings.timezone,
        now=hhmm(settings.now_local.time()),
        reminder=reminder,
        routine=library.routine(settings.routine_id).title,
        next=next_text(library, settings),
    )
    text += "\n" + _screening_line(library, settings)
    text += "\n" + (texts.data_saver_line_on if settings.data_saver else texts.data_saver_line_off)
    toggle = (
        _button(texts.btn_reminders_off, SetReminders(False))
        if settings.reminders_on
        else _button(texts.btn_reminders_on, SetReminders(True))
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(texts.btn_set_zone, ShowSettings(Section.ZONE)),
                _button(texts.btn_set_time, ShowSettings(Section.TIME)),
            ],
            [
                _button(texts.btn_set_days, ShowSettings(Section.DAYS)),
                _button(texts.btn_set_routine, ShowSettings(Section.ROUTINE)),
            ],
            [toggle, _button(texts.btn_set_screening, ShowScreening())],
            [
                _button(texts.btn_data_saver_off, SetDataSaver(False))
                if settings.data_saver
                else _button(texts.btn_data_saver_on, SetDataSaver(True))
            ],
        ]
    )
    return Screen(text, keyboard)


def _screening_line(library: Library, settings: ReminderSettings) -> str:
    texts = library.texts
    if settings.screening is None:
        return texts.screening_line_unasked
    return {
        Screening.CLEAR: texts.screening_line_clear,
        Screening.GENTLE: texts.screening_line_gentle,
        Screening.NOT_NOW: texts.screening_line_not_now,
    }[settings.screening]


def _back(library: Library, onboarding: bool) -> list[InlineKeyboardButton]:
    if onboarding:
        return [_button(library.texts.btn_keep_defaults, KeepDefaults())]
    return [_button(library.texts.btn_settings_done, ShowSettings(Section.MAIN))]


def zone_picker(library: Library, *, onboarding: bool = False, lead: str | None = None) -> Screen:
    """Draw the time zone question with buttons of common zones."""
    buttons = [_button(zone, SetZone(zone, onboarding)) for zone in library.texts.common_zones]
    rows = [*_rows(buttons, 2), _back(library, onboarding)]
    return Screen(lead or library.texts.zone_picker, InlineKeyboardMarkup(rows))


def time_picker(library: Library, zone: str, *, onboarding: bool = False) -> Screen:
    """Draw the reminder time question with a grid of times."""
    buttons = [_button(hhmm(t), SetTime(t.hour * 60 + t.minute, onboarding)) for t in TIME_CHOICES]
    rows = [*_rows(buttons, 4), _back(library, onboarding)]
    return Screen(fill(library.texts.time_picker, zone=zone), InlineKeyboardMarkup(rows))


def days_picker(library: Library, settings: ReminderSettings) -> Screen:
    """Draw the weekday toggles."""
    texts = library.texts
    toggles = [
        _button(("✅ " if day in settings.days else "▫️ ") + name, SetDays(str(day)))
        for day, name in enumerate(formats.day_names(library))
    ]
    rows = [
        [_button(texts.btn_workdays, SetDays("w")), _button(texts.btn_every_day, SetDays("a"))],
        *_rows(toggles, 4),
        _back(library, False),
    ]
    return Screen(texts.days_picker, InlineKeyboardMarkup(rows))


def routine_picker(library: Library, settings: ReminderSettings) -> Screen:
    """Draw the choice of routine for reminders."""
    rows = [
        [
            _button(
                ("✅ " if routine.id == settings.routine_id else "")
                + library.texts.routine_button.format(
                    title=routine.title, minutes=formats.minutes(library, routine.minutes)
                ),
                SetReminderRoutine(routine.id),
            )
        ]
        for routine in library.routines.values()
    ]
    rows.append(_back(library, False))
    return Screen(library.texts.routine_reminder_picker, InlineKeyboardMarkup(rows))


def onboarding_question(library: Library, settings: ReminderSettings) -> Screen:
    """Draw the newcomer's two-tap question: zone first (then time), or keep defaults."""
    lead = fill(library.texts.onboarding, time=hhmm(settings.remind_at), zone=settings.timezone)
    return zone_picker(library, onboarding=True, lead=lead)


def onboarding_done(library: Library, settings: ReminderSettings) -> Screen:
    """Draw the end of onboarding: what was chosen and where to change it."""
    text = fill(
        library.texts.onboarding_done,
        time=hhmm(settings.remind_at),
        days=days_text(library, settings.days),
        zone=settings.timezone,
        next=next_text(library, settings),
    )
    return Screen(text)


def reminder(
    library: Library,
    *,
    name: str,
    routine_id: str,
    delivery_id: int,
    streak: int = 0,
    hip: HipPrompt | None = None,
    first: bool = False,
) -> Screen:
    """Draw the daily nudge with Start now, Snooze and Not today.

    After a pain report it asks "How's the hip today?" with Better / Same / Worse; once
    answered it says what that means for today, and after Worse offers a rest day.
    """
    texts = library.texts
    routine = library.routine(routine_id)
    text = fill(
        texts.reminder_text,
        name=name or texts.name_fallback,
        routine=routine.title,
        minutes=formats.minutes(library, routine.minutes, long=True),
        streak=reminder_streak(library, streak),
    )
    if first:
        # The first reminder says the safety note, as /start and the first routine do.
        text += "\n\n" + fill(texts.first_run_safety, safety=library.guide.safety)
    rows: list[list[InlineKeyboardButton]] = []
    start = [_button(texts.btn_start_now, StartHere(routine_id))]
    hip = hip or HipPrompt()
    if hip.ask:
        text += "\n\n" + texts.hip_question
        rows.append(
            [
                _button(texts.btn_hip_better, HipAnswer(delivery_id, HipToday.BETTER)),
                _button(texts.btn_hip_same, HipAnswer(delivery_id, HipToday.SAME)),
                _button(texts.btn_hip_worse, HipAnswer(delivery_id, HipToday.WORSE)),
            ]
        )
    elif hip.today is not None:
        said = {
            HipToday.BETTER: texts.hip_better,
            HipToday.SAME: texts.hip_same,
            HipToday.WORSE: texts.hip_worse,
        }
        text += "\n\n" + said[hip.today]
        if hip.today is HipToday.WORSE:
            start.append(_button(texts.btn_rest_day, RestDay(delivery_id)))
    rows.append(start)
    rows.append(
        [
            _button(texts.btn_snooze_15, Snooze(delivery_id, SNOOZE_MINUTES[0])),
            _button(texts.btn_snooze_60, Snooze(delivery_id, SNOOZE_MINUTES[1])),
            _button(texts.btn_not_today, NotToday(delivery_id)),
        ]
    )
    return Screen(text, InlineKeyboardMarkup(rows))


def reminder_rest_day(library: Library, settings: ReminderSettings) -> Screen:
    """Draw a reminder turned into a rest day: the streak is safe, the next reminder."""
    return Screen(fill(library.texts.hip_rest_day, next=next_text(library, settings)))


def reminder_snoozed(library: Library, routine_id: str, until: datetime) -> Screen:
    """Draw a snoozed reminder: when it comes back, and Start now still at hand."""
    text = fill(library.texts.reminder_snoozed, time=hhmm(until.time()))
    keyboard = InlineKeyboardMarkup([[_button(library.texts.btn_start_now, StartHere(routine_id))]])
    return Screen(text, keyboard)


def reminder_dismissed(library: Library, settings: ReminderSettings) -> Screen:
    """Draw a dismissed reminder with the next one."""
    return Screen(fill(library.texts.reminder_dismissed, next=next_text(library, settings)))
