"""The props a demonstration can place around the figure, as boxes in metres.

A prop is a kind (chair, mat, wall, desk, block, pillow, towel) placed at x, z on the floor and
turned by yaw degrees; its shape is a few boxes. Bands and ankle weights are drawn on the body
(bot/media), so they have no boxes; a towel attached to a foot is the towel prop, placed anew
under that foot in every frame (towel_under). The loader uses the tops and faces of these boxes
to check that a hand, a foot or the seat of the figure really rests on something.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from content.body import Vec

PropKind = Literal["chair", "mat", "wall", "desk", "block", "pillow", "towel"]
# Attached props follow a point of the body (the band between two points, a cuff at the ankle,
# a towel under a foot that slides on it).
AttachedKind = Literal["band", "ankle_weight", "towel"]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in the prop's own frame: centre and full size, and its colour role."""

    centre: Vec
    size: Vec
    role: str  # "wood", "metal", "mat", "wall", "foam", "cloth"


def _legs(width: float, depth: float, height: float, thick: float) -> list[Box]:
    x, z = width / 2 - thick / 2, depth / 2 - thick / 2
    return [
        Box((sx * x, height / 2, sz * z), (thick, height, thick), "metal")
        for sx in (-1, 1)
        for sz in (-1, 1)
    ]


# Heights that a figure's pose must match (a seat the hips rest on, a desk a hand rests on).
CHAIR_SEAT = 0.43
DESK_TOP = 0.74

# Each prop faces +Z in its own frame: a chair's seat front is at +Z, its back at -Z.
SHAPES: dict[str, list[Box]] = {
    "chair": [
        Box((0.0, CHAIR_SEAT - 0.02, 0.0), (0.46, 0.04, 0.44), "wood"),
        Box((0.0, CHAIR_SEAT + 0.24, -0.21), (0.44, 0.42, 0.03), "wood"),
        *_legs(0.44, 0.42, CHAIR_SEAT - 0.04, 0.03),
    ],
    "mat": [Box((0.0, 0.004, 0.0), (0.62, 0.008, 1.85), "mat")],
    "wall": [Box((0.0, 1.1, 0.0), (2.4, 2.2, 0.06), "wall")],
    "desk": [
        Box((0.0, DESK_TOP - 0.02, 0.0), (1.2, 0.04, 0.62), "wood"),
        *_legs(1.14, 0.56, DESK_TOP - 0.04, 0.04),
    ],
    "block": [Box((0.0, 0.075, 0.0), (0.23, 0.15, 0.10), "foam")],
    "pillow": [Box((0.0, 0.05, 0.0), (0.5, 0.1, 0.36), "cloth")],
    "towel": [Box((0.0, 0.005, 0.0), (0.3, 0.01, 0.3), "cloth")],
}


@dataclass(frozen=True)
class Placed:
    """A prop placed in the world."""

    kind: str
    x: float
    z: float
    yaw: float

    def boxes(self) -> list[tuple[list[Vec], str]]:
        """Return each box as its eight world corners and its colour role."""
        c, s = math.cos(math.radians(self.yaw)), math.sin(math.radians(self.yaw))
        out: list[tuple[list[Vec], str]] = []
        for box in SHAPES[self.kind]:
            corners: list[Vec] = []
            for dx in (-0.5, 0.5):
                for dy in (-0.5, 0.5):
                    for dz in (-0.5, 0.5):
                        lx = box.centre[0] + dx * box.size[0]
                        ly = box.centre[1] + dy * box.size[1]
                        lz = box.centre[2] + dz * box.size[2]
                        corners.append((self.x + c * lx + s * lz, ly, self.z - s * lx + c * lz))
            out.append((corners, box.role))
        return out

    def mirrored(self) -> Placed:
        """Return the prop reflected left to right, as the figure is for the other side."""
        return Placed(self.kind, -self.x, self.z, -self.yaw)


def towel_under(heel: Vec, toe: Vec) -> Placed:
    """Return a towel lying flat on the floor under a foot: centred under it, along its length."""
    yaw = math.degrees(math.atan2(toe[0] - heel[0], toe[2] - heel[2]))
    return Placed("towel", (heel[0] + toe[0]) / 2, (heel[2] + toe[2]) / 2, yaw)


def rests_on(point: Vec, radius: float, props: list[Placed], tolerance: float) -> bool:
    """Return whether a body point of this thickness touches the floor or a prop's surface.

    A point rests on a top face when its underside is within tolerance of it and it lies over
    the face; it rests on a side face (a hand on a wall) when its skin is within tolerance of it.
    """
    x, y, z = point
    if abs(y - radius) <= tolerance:
        return True
    for prop in props:
        for corners, _role in prop.boxes():
            xs = [p[0] for p in corners]
            ys = [p[1] for p in corners]
            zs = [p[2] for p in corners]
            over = min(xs) - tolerance <= x <= max(xs) + tolerance and (
                min(zs) - tolerance <= z <= max(zs) + tolerance
            )
            if over and abs(y - radius - max(ys)) <= tolerance:
                return True
            beside = min(ys) - tolerance <= y <= max(ys) + tolerance
            # The distance from the point to the box, outside it (0 when inside).
            dx = max(min(xs) - x, 0.0, x - max(xs))
            dz = max(min(zs) - z, 0.0, z - max(zs))
            if beside and abs(math.hypot(dx, dz) - radius) <= tolerance:
                return True
    return False
