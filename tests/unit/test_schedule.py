"""Reminder times: parsing, and the next instant in the person's zone across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.schedule import (
    EVERY_DAY,
    WORKDAYS,
    days_to_mask,
    local_instant,
    mask_to_days,
    next_reminder,
    parse_time,
)
from bot.domain.zones import valid_zone, zone_at

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Pacific/Chatham",  # UTC+12:45 / +13:45
    "America/Sao_Paulo",
    "Pacific/Apia",  # skipped a whole day in 2011
    "UTC",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("19:05", time(19, 5)),
        ("7.45", time(7, 45)),
        ("7pm", time(19, 0)),
        ("7:30 AM", time(7, 30)),
        ("12am", time(0, 0)),
        ("12:15pm", time(12, 15)),
        ("0:00", time(0, 0)),
    ],
)
def test_parse_time_accepts_24h_and_12h(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "7", "25:00", "7:60", "13pm", "0am", "noon", "7:5", "-1:00"])
def test_parse_time_rejects_the_rest(text: str) -> None:
    assert parse_time(text) is None


def test_weekday_masks_round_trip() -> None:
    assert mask_to_days(days_to_mask(WORKDAYS)) == WORKDAYS
    assert days_to_mask(WORKDAYS) == 31 and days_to_mask(EVERY_DAY) == 127
    with pytest.raises(ValueError):
        days_to_mask([7])


def test_zone_names_and_locations() -> None:
    assert valid_zone("europe/berlin") == "Europe/Berlin"
    assert valid_zone("America/New York") == "America/New_York"
    assert valid_zone("Mars/Olympus") is None and valid_zone("") is None
    assert zone_at(52.52, 13.405) == "Europe/Berlin"
    assert zone_at(28.61, 77.21) == "Asia/Kolkata"
    assert zone_at(95, 0) is None


def test_spring_gap_fires_when_the_clocks_jump() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    instant = local_instant(date(2026, 3, 29), time(2, 30), berlin)
    assert instant == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert instant.astimezone(berlin).time() == time(3, 0)
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    # 4 October 2026: 02:00 jumps to 02:30 (a half-hour shift).
    instant = local_instant(date(2026, 10, 4), time(2, 10), lord_howe)
    assert instant.astimezone(lord_howe).time() == time(2, 30)


def test_autumn_repeat_fires_once_at_the_first_occurrence() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 25 October 2026: 02:30 happens twice (CEST, then CET).
    instant = local_instant(date(2026, 10, 25), time(2, 30), berlin)
    assert instant == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after_first = next_reminder(instant, time(2, 30), berlin, EVERY_DAY)
    assert after_first is not None and after_first[1] == date(2026, 10, 26)


def test_workdays_skip_the_weekend_and_pauses_skip_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    friday_evening = datetime(2026, 3, 27, 18, tzinfo=UTC)
    found = next_reminder(friday_evening, time(9), berlin, WORKDAYS)
    assert found == (datetime(2026, 3, 30, 7, tzinfo=UTC), date(2026, 3, 30))
    paused = next_reminder(friday_evening, time(9), berlin, WORKDAYS, paused_until=date(2026, 4, 1))
    assert paused is not None and paused[1] == date(2026, 4, 2)
    assert next_reminder(friday_evening, time(9), berlin, frozenset()) is None


def _expected_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Find the instant by brute force, minute by minute, independent of the code under test."""
    wall = datetime.combine(day, at)
    start = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=15)
    for minute in range(0, 48 * 60):
        moment = start + timedelta(minutes=minute)
        if moment.astimezone(zone).replace(tzinfo=None) >= wall:
            return moment
    raise AssertionError("no instant found")


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    after=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    pause=st.one_of(st.none(), st.integers(0, 20)),
)
def test_next_reminder_properties(
    zone_name: str, after: datetime, at: time, days: frozenset[int], pause: int | None
) -> None:
    zone = ZoneInfo(zone_name)
    now = after.replace(tzinfo=UTC)
    paused_until = None if pause is None else now.astimezone(zone).date() + timedelta(days=pause)
    found = next_reminder(now, at, zone, days, paused_until=paused_until)
    assert found is not None
    instant, day = found
    # Always in the future, on a chosen day, after any pause, on the day it claims.
    assert instant > now
    assert day.weekday() in days
    assert paused_until is None or day > paused_until
    assert instant.astimezone(zone).date() == day or _in_gap_at_midnight(day, at, zone)
    # The chosen local time, or the first valid instant after it when it does not exist.
    assert instant == _expected_instant(day, at, zone)
    # No chosen day in between was skipped.
    probe = max(now.astimezone(zone).date(), (paused_until or date.min) + timedelta(days=1))
    while probe < day:
        if probe.weekday() in days:
            assert _expected_instant(probe, at, zone) <= now
        probe += timedelta(days=1)


def _in_gap_at_midnight(day: date, at: time, zone: ZoneInfo) -> bool:
    # A gap that swallows the end of a day moves the reminder into the next local day.
    return local_instant(day, at, zone).astimezone(zone).date() != day
