"""A message as it should stand, and filling a text template safely."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardMarkup


@dataclass(frozen=True)
class Screen:
    """A message as it should stand: HTML text and its buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def fill(template: str, **values: object) -> str:
    """Format a text template with every value HTML-escaped."""
    return template.format(**{key: escape(str(value)) for key, value in values.items()})
