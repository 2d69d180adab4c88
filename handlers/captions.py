"""Fit a screen's lines into a caption: Telegram shows at most 1024 characters under a picture.

Each line has a rank: 0 must stay; higher ranks go first (the last line of a rank first) until
the rest fits. Lines are dropped whole, so the HTML of each line stays balanced. Length is
counted as Telegram counts it: the visible text (tags removed, entities decoded) in UTF-16
code units, so an emoji counts two.
"""

from __future__ import annotations

import re
from html import unescape

from telegram.constants import MessageLimit

CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
_TAG = re.compile(r"<[^>]+>")

Line = tuple[str, int]  # the line's HTML and its rank (0: never dropped)


def visible_length(html: str) -> int:
    """Return the length Telegram counts for an HTML text: what a person sees, in UTF-16."""
    return len(unescape(_TAG.sub("", html)).encode("utf-16-le")) // 2


def fit(lines: list[Line], limit: int = CAPTION_LIMIT) -> str:
    """Join the lines, dropping the highest-ranked ones (last first) until the text fits."""
    kept = list(lines)
    while visible_length(_join(kept)) > limit:
        droppable = [i for i, (_, rank) in enumerate(kept) if rank > 0]
        if not droppable:
            break
        top = max(kept[i][1] for i in droppable)
        last = max(i for i in droppable if kept[i][1] == top)
        del kept[last]
    text = _join(kept)
    if visible_length(text) > limit:
        # Only the lines that must stay are left and they are still too long: show them as
        # plain text, cut (a last guard; the content is written to fit).
        plain = unescape(_TAG.sub("", text))
        text = _escape(plain[: limit - 1]) + "…"
    return text


def _join(lines: list[Line]) -> str:
    # Blank lines separate paragraphs; two in a row (a paragraph dropped) collapse into one.
    text = "\n".join(line for line, _ in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
