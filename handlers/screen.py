"""A message as it should stand, and filling a text template safely."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardMarkup

from bot.media.catalog import Picture


@dataclass(frozen=True)
class Screen:
    """A message as it should stand: HTML text and its buttons, maybe a picture.

    With a picture, the message is the picture with `caption` under it (at most 1024
    characters); `text` is the same screen as a text message (data saver, or a run whose
    message is text), which may say more.
    """

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    picture: Picture | None = None
    caption: str | None = None

    @property
    def shown_caption(self) -> str:
        """Return the text under the picture."""
        return self.caption if self.caption is not None else self.text


def fill(template: str, **values: object) -> str:
    """Format a text template with every value HTML-escaped."""
    return template.format(**{key: escape(str(value)) for key, value in values.items()})
