"""Still pictures made of key frames: a routine's moves in one picture, and the contact sheet.

The routine sheet goes with the summary at the end of a run (the run's message is a picture
with a caption from its first step to its last); the contact sheet of every exercise and
version is docs/exercises.png (`mobility-coach media --sheet`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from bot.media.draw import font
from bot.media.render import Animation, key_frame

TILE = (320, 240)
LABEL_HEIGHT = 30
BACKGROUND = (255, 255, 255)
INK = (38, 46, 58)


@dataclass(frozen=True)
class Sheet:
    """A routine's moves: one key frame each, with its name under it."""

    routine_id: str
    title: str
    animations: tuple[Animation, ...]
    names: Sequence[str]

    @property
    def key(self) -> str:
        """Return the content hash of the sheet (its frames' hashes and its words)."""
        parts = [self.title, *self.names, *(a.key for a in self.animations)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def tiles(frames: Sequence[Image.Image], labels: Sequence[str], columns: int) -> Image.Image:
    """Return key frames in a grid, each scaled to a tile with its label underneath."""
    rows = (len(frames) + columns - 1) // columns
    w, h = TILE
    sheet = Image.new("RGB", (columns * w, rows * (h + LABEL_HEIGHT)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    label_font = font(15)
    for i, (frame, label) in enumerate(zip(frames, labels, strict=True)):
        x, y = (i % columns) * w, (i // columns) * (h + LABEL_HEIGHT)
        sheet.paste(frame.resize(TILE, Image.Resampling.LANCZOS), (x, y))
        text = _fit(draw, label, label_font, w - 12)
        draw.text((x + 6, y + h + 6), text, font=label_font, fill=INK)
    return sheet


def _fit(draw: ImageDraw.ImageDraw, text: str, face: object, width: int) -> str:
    """Shorten a label with an ellipsis until it fits the tile."""
    while draw.textlength(text, font=face) > width and len(text) > 4:  # type: ignore[arg-type]
        text = text[:-2].rstrip() + "…"
    return text


def render_sheet(sheet: Sheet, path: Path) -> None:
    """Write a routine's sheet as a PNG (atomically)."""
    frames = [key_frame(a) for a in sheet.animations]
    columns = 3 if len(frames) != 4 else 2
    image = tiles(frames, list(sheet.names), columns)
    save_png(image, path)


def save_png(image: Image.Image, path: Path) -> None:
    """Write a PNG so that a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(handle)
    try:
        image.save(temp, format="PNG", optimize=True)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def contact_sheet(rows: Sequence[tuple[str, Sequence[tuple[str, Animation]]]]) -> Image.Image:
    """Return one key frame per exercise and version: a row per exercise, its name above it.

    rows: (exercise name, [(version label, animation), ...]) in order.
    """
    title_height = 34
    w, h = TILE
    columns = max(len(versions) for _, versions in rows)
    row_height = title_height + h + LABEL_HEIGHT
    sheet = Image.new("RGB", (columns * w, len(rows) * row_height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for r, (name, versions) in enumerate(rows):
        y = r * row_height
        draw.rectangle((0, y, columns * w, y + title_height - 4), fill=(236, 232, 224))
        draw.text((10, y + 6), name, font=font(19), fill=INK)
        frames = [key_frame(animation) for _, animation in versions]
        strip = tiles(frames, [label for label, _ in versions], columns)
        sheet.paste(strip, (0, y + title_height))
    return sheet
