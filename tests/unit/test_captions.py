"""Captions fit under a picture: 1024 characters as Telegram counts them, whole lines dropped."""

from __future__ import annotations

from handlers.captions import CAPTION_LIMIT, fit, visible_length


def test_length_is_counted_as_telegram_counts_it() -> None:
    """Tags do not count, entities count once, an emoji counts two (UTF-16)."""
    assert visible_length("<b>Hi</b> &amp; bye") == len("Hi & bye")
    assert visible_length("⚠️ x") == 4  # U+26A0 U+FE0F, a space, x
    assert visible_length("💪") == 2


def test_a_short_text_is_kept_whole() -> None:
    lines = [("<b>Title</b>", 0), ("1. step", 1), ("", 0), ("Tap Done", 0)]
    assert fit(lines) == "<b>Title</b>\n1. step\n\nTap Done"


def test_the_highest_rank_goes_first_last_line_first() -> None:
    """Steps (rank 1) give way from the last; lines that must stay (rank 0) stay."""
    steps = [(f"{i}. " + "s" * 200, 1) for i in range(1, 7)]
    lines = [("<b>Title</b>", 0), *steps, ("", 0), ("<i>Dose</i>", 0), ("Tap Done", 0)]
    text = fit(lines)
    assert visible_length(text) <= CAPTION_LIMIT
    assert text.startswith("<b>Title</b>\n1. ") and text.endswith("<i>Dose</i>\nTap Done")
    kept = [line for line in text.split("\n") if line[:1].isdigit()]
    assert [line.split(".")[0] for line in kept] == ["1", "2", "3", "4"]


def test_a_blank_line_left_alone_collapses() -> None:
    lines = [("Title", 0), ("", 0), ("x" * 2000, 1), ("", 0), ("Tap Done", 0)]
    assert fit(lines) == "Title\n\nTap Done"


def test_lines_that_must_stay_and_do_not_fit_become_plain_cut_text() -> None:
    text = fit([("<b>" + "a" * 1500 + "</b>", 0)])
    assert "<b>" not in text and visible_length(text) == CAPTION_LIMIT and text.endswith("…")
