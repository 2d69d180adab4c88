"""Callback data: packed short, parsed back exactly, and anything else rejected."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.callback_data import (
    MAX_BYTES,
    CallbackDataError,
    ConfirmDelete,
    ContinueRun,
    KeepDefaults,
    NotToday,
    Press,
    RunButton,
    Section,
    SetDays,
    SetReminderRoutine,
    SetReminders,
    SetTime,
    SetZone,
    ShowAbout,
    ShowPicker,
    ShowSettings,
    Snooze,
    StartHere,
    StartRoutine,
    _b36,
    pack,
    parse,
)

# Row ids are 32-bit columns: a button never carries more (see test_row_ids_past_32_bits).
ids = st.integers(min_value=0, max_value=2**31 - 1)
user_ids = st.integers(min_value=1, max_value=2**52)
routine_ids = st.from_regex(r"^[a-z][a-z0-9_]{1,15}$", fullmatch=True)
counts = st.integers(min_value=0, max_value=10_000)
datas = st.one_of(
    st.builds(StartRoutine, st.from_regex(r"^[a-z][a-z0-9_]{1,15}$", fullmatch=True)),
    st.builds(ContinueRun, ids),
    st.just(ShowPicker()),
    st.just(ShowAbout()),
    st.builds(RunButton, ids, ids, st.sampled_from([p for p in Press if p is not Press.LOG])),
    st.builds(RunButton, ids, ids, st.just(Press.LOG), counts),
    st.builds(StartHere, routine_ids),
    st.builds(Snooze, ids, counts),
    st.builds(NotToday, ids),
    st.builds(ShowSettings, st.sampled_from(list(Section)), st.booleans()),
    st.builds(SetZone, st.sampled_from(sorted(available_timezones())), st.booleans()),
    st.builds(SetTime, st.integers(0, 24 * 60 - 1), st.booleans()),
    st.builds(SetDays, st.sampled_from(["w", "a", *map(str, range(7))])),
    st.builds(SetReminderRoutine, routine_ids),
    st.builds(SetReminders, st.booleans()),
    st.just(KeepDefaults()),
    st.builds(ConfirmDelete, st.booleans(), user_ids),
)


@given(datas)
def test_round_trip_within_64_bytes(data: object) -> None:
    packed = pack(data)  # type: ignore[arg-type]
    assert 1 <= len(packed.encode()) <= MAX_BYTES
    assert packed.startswith("1:")
    assert parse(packed) == data


def test_examples_are_short() -> None:
    assert pack(RunButton(123456, 42, Press.LOG, 15)) == "1:l:2n9c:16:f"
    assert pack(StartRoutine("desk")) == "1:go:desk"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "x" * 65,
        "2:go:desk",  # a future or past layout
        "go:desk",
        "1:go:Desk!",
        "1:go",
        "1:zz:1:1",
        "1:d:1",
        "1:d:1:1:1",
        "1:l:1:1",
        "1:d:-1:1",
        "1:d:1:1.5",
        "1:c:",
        "1:pk:1",
        "1:d:" + "z" * 13 + ":1",
        "1:d:01:1",  # not how pack writes numbers
    ],
)
def test_malformed_data_is_rejected(raw: str | None) -> None:
    with pytest.raises(CallbackDataError):
        parse(raw)


@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_is_rejected_cleanly(raw: str) -> None:
    try:
        data = parse(raw)
    except CallbackDataError:
        return
    assert pack(data) == raw


@pytest.mark.parametrize("number", [2**31, 2**31 + 1, 2**63, 36**12 - 1])
def test_row_ids_past_32_bits_are_malformed(number: int) -> None:
    # asyncpg refuses such a number for an INTEGER column (DataError, an ERROR per press).
    big = pack(RunButton(0, 0, Press.DONE)).replace(":0:0", f":{_b36(number)}:0")
    with pytest.raises(CallbackDataError):
        parse(big)
    with pytest.raises(CallbackDataError):
        parse(f"1:nt:{_b36(number)}")
    with pytest.raises(CallbackDataError):
        parse(f"1:sz:{_b36(number)}:f")
    assert parse(f"1:c:{_b36(2**31 - 1)}") == ContinueRun(2**31 - 1)


def test_a_delete_answer_names_who_was_asked() -> None:
    assert parse(pack(ConfirmDelete(True, 123456789))) == ConfirmDelete(True, 123456789)
    # A button drawn before the asker was packed in still parses, so it gets a clear answer.
    assert parse("1:dl:y") == ConfirmDelete(True, None)
    with pytest.raises(ValueError):
        pack(ConfirmDelete(True, None))
