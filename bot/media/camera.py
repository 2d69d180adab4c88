"""An orthographic camera: world points to picture points, and which of two things is nearer."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from content.body import Vec


@dataclass(frozen=True)
class Camera:
    """Looks at the origin from yaw degrees around (0 = the figure's front), elevation up."""

    yaw: float
    elevation: float

    @functools.cached_property
    def _axes(self) -> tuple[Vec, Vec, Vec]:
        y, e = math.radians(self.yaw), math.radians(self.elevation)
        toward: Vec = (math.sin(y) * math.cos(e), math.sin(e), math.cos(y) * math.cos(e))
        right: Vec = (math.cos(y), 0.0, -math.sin(y))
        up: Vec = (
            toward[1] * right[2] - toward[2] * right[1],
            toward[2] * right[0] - toward[0] * right[2],
            toward[0] * right[1] - toward[1] * right[0],
        )
        return toward, right, up

    def flat(self, p: Vec) -> tuple[float, float]:
        """Return a point on the picture plane in metres: right and up from the origin."""
        _, right, up = self._axes
        return (_dot(p, right), _dot(p, up))

    def depth(self, p: Vec) -> float:
        """Return how near a point is to the camera (larger is nearer)."""
        toward, _, _ = self._axes
        return _dot(p, toward)

    def mirrored(self) -> Camera:
        """Return the camera for the mirrored scene (the picture comes out flipped)."""
        return Camera(-self.yaw, self.elevation)


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


@dataclass(frozen=True)
class Framing:
    """Metres on the picture plane to pixels: one scale and offset for the whole loop."""

    scale: float
    left: float
    top: float

    def pixel(self, flat: tuple[float, float]) -> tuple[float, float]:
        """Return pixel coordinates (x right, y down) of a picture-plane point."""
        return ((flat[0] - self.left) * self.scale, (self.top - flat[1]) * self.scale)


def fit(
    flats: Iterable[tuple[float, float]],
    width: float,
    height: float,
    *,
    pad: float = 0.0,
    margin: float,
    top_space: float,
    bottom_space: float,
) -> Framing:
    """Return the framing that shows every point, and pad metres around it, in the box.

    The box is what is left for the figure between the badge above and the cue bar below.
    """
    xs, ys = zip(*flats, strict=True)
    span_x = max(max(xs) - min(xs) + 2 * pad, 0.5)
    span_y = max(max(ys) - min(ys) + 2 * pad, 0.5)
    room_w = width - 2 * margin
    room_h = height - top_space - bottom_space - 2 * margin
    scale = min(room_w / span_x, room_h / span_y)
    mid_x = (max(xs) + min(xs)) / 2
    mid_y = (max(ys) + min(ys)) / 2
    left = mid_x - (width / 2) / scale
    top = mid_y + (top_space + margin + room_h / 2) / scale
    return Framing(scale, left, top)
