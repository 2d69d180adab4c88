"""The hip question's buttons: packed short, parsed back exactly, anything else rejected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.pain import HipToday
from handlers.callback_data import (
    MAX_BYTES,
    CallbackDataError,
    HipAnswer,
    RestDay,
    pack,
    parse,
)

ids = st.integers(min_value=0, max_value=2**31 - 1)


@given(
    st.one_of(st.builds(HipAnswer, ids, st.sampled_from(list(HipToday))), st.builds(RestDay, ids))
)
def test_round_trip_within_64_bytes(data: HipAnswer | RestDay) -> None:
    packed = pack(data)
    assert packed.startswith("1:") and len(packed.encode()) <= MAX_BYTES
    assert parse(packed) == data


def test_examples() -> None:
    assert pack(HipAnswer(1295, HipToday.WORSE)) == "1:hq:zz:w"
    assert pack(RestDay(36)) == "1:hr:10"


@pytest.mark.parametrize(
    "raw", ["1:hq:1", "1:hq:1:x", "1:hq:1:better", "1:hq:-1:b", "1:hr", "1:hr:1:2", "2:hr:1"]
)
def test_malformed_is_rejected(raw: str) -> None:
    with pytest.raises(CallbackDataError):
        parse(raw)
