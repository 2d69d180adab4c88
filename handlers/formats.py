"""Dates, weekdays, months, numbers and durations in the person's language (Babel, CLDR data).

Never strftime: its names are the host's C locale, English at best.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_skeleton, format_time, get_day_names
from babel.numbers import format_decimal
from babel.units import format_unit

from content import Library


def locale_of(library: Library) -> Locale:
    """Return the Babel locale of a library's language ('pt_BR', 'de', ...)."""
    return Locale.parse(library.language)


def day_names(library: Library) -> list[str]:
    """Return the abbreviated weekday names, Monday first ('Mon'.., 'Пн'..)."""
    names = get_day_names("abbreviated", context="format", locale=locale_of(library))
    return [str(names[day]) for day in range(7)]


def day_letters(library: Library) -> list[str]:
    """Return the shortest weekday names for a grid's header, Monday first ('Mo'.., 'Пн'..)."""
    names = get_day_names("short", context="format", locale=locale_of(library))
    return [str(names[day]) for day in range(7)]


def month_day(library: Library, day: date) -> str:
    """Return a day of a month as the language writes it ('Mar 2', '2 mars', '2. März')."""
    return format_skeleton("MMMd", day, locale=locale_of(library))


def weekday_month_day(library: Library, day: date) -> str:
    """Return a date with its weekday ('Mon, Mar 2', 'Mo., 2. März')."""
    return format_skeleton("MMMEd", day, locale=locale_of(library))


def clock(library: Library, moment: datetime) -> str:
    """Return a local time of day, 24-hour ('09:00')."""
    return format_time(moment.time(), "HH:mm", locale=locale_of(library))


def minutes(library: Library, count: int, *, long: bool = False) -> str:
    """Return a duration in minutes ('5 min', '5 minutes', '5 Min.', '5 мин')."""
    return format_unit(
        count, "duration-minute", length="long" if long else "short", locale=locale_of(library)
    )


def number(library: Library, value: int | float) -> str:
    """Return a number with the language's digits grouping and decimal sign."""
    return format_decimal(value, locale=locale_of(library))
