"""Just enough of the MP4 (ISO BMFF) box structure to check an animation upload.

The double does not decode video. It checks that an upload is an MP4 (an ``ftyp`` box
first), reads the picture size and duration Telegram would report, and notices a sound
track, which makes Telegram treat the file as a video rather than a silent animation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

# Boxes that hold other boxes on the way to the track headers and handlers.
_CONTAINERS: Final = frozenset({b"moov", b"trak", b"mdia"})
_MAX_DEPTH: Final = 4


@dataclass(frozen=True, slots=True)
class Mp4Info:
    """What the double reads from an MP4: size in pixels, whole seconds, sound or not."""

    width: int
    height: int
    duration: int
    has_sound: bool


def is_mp4(data: bytes) -> bool:
    """Whether ``data`` starts like an MP4: its first box is ``ftyp``."""
    return len(data) >= 8 and data[4:8] == b"ftyp"


def read_mp4(data: bytes) -> Mp4Info:
    """Read size, duration and sound from an MP4's boxes; unreadable parts count as 0."""
    width = height = duration = 0
    has_sound = False
    for kind, body in _walk(data, 0, len(data), 0):
        if kind == b"mvhd" and duration == 0:
            duration = _movie_seconds(body)
        elif kind == b"tkhd" and width == 0 and len(body) >= 8:
            # The track's presentation size closes the box, as 16.16 fixed point.
            width = int.from_bytes(body[-8:-4], "big") >> 16
            height = int.from_bytes(body[-4:], "big") >> 16
        elif kind == b"hdlr" and body[8:12] == b"soun":
            has_sound = True
    return Mp4Info(width, height, duration, has_sound)


def _walk(data: bytes, start: int, end: int, depth: int) -> Iterator[tuple[bytes, bytes]]:
    """Yield (type, body) of each box between ``start`` and ``end``, entering containers."""
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = end - pos  # the box runs to the end of its parent
        if size < header or pos + size > end:
            return  # a damaged box: stop rather than read garbage as boxes
        body_start, box_end = pos + header, pos + size
        if kind in _CONTAINERS and depth < _MAX_DEPTH:
            yield from _walk(data, body_start, box_end, depth + 1)
        else:
            yield kind, data[body_start:box_end]
        pos = box_end


def _movie_seconds(body: bytes) -> int:
    """Whole seconds from an ``mvhd`` body (version 0: 32-bit fields, version 1: 64-bit)."""
    if body[:1] == b"\x01" and len(body) >= 32:
        timescale = int.from_bytes(body[20:24], "big")
        length = int.from_bytes(body[24:32], "big")
    elif len(body) >= 20:
        timescale = int.from_bytes(body[12:16], "big")
        length = int.from_bytes(body[16:20], "big")
    else:
        return 0
    return round(length / timescale) if timescale else 0
