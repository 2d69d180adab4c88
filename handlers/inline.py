"""Inline buttons: one that carries packed callback data, and buttons laid out in rows."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from handlers.callback_data import CallbackData, pack


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """Return a button whose press brings back this data (handlers/buttons.py routes it)."""
    return InlineKeyboardButton(text, callback_data=pack(data))


def rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """Return the buttons in rows of `width`, the last row shorter if need be."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]
