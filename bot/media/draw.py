"""Paint one frame with Pillow: floor, props, the figure (working limbs highlighted), the overlay.

The figure is drawn at twice the size and scaled down, which smooths its edges; parts are
painted far to near (each with its own outline, so a limb in front stays readable). Every
colour and size is in Style, which is part of the cache key: changing the look renders anew.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib
from PIL import Image, ImageDraw, ImageFont

from bot.media.camera import Camera, Framing
from bot.media.timeline import Frame
from content.body import BODY, LIMBS, SEGMENTS, Skeleton, Vec
from content.poses import Attached
from content.props import Placed

RGB = tuple[int, int, int]
# World point -> pixel on the (supersampled) canvas.
Project = Callable[[Vec], tuple[float, float]]

# DejaVu Sans ships inside matplotlib (a dependency already): a font with Latin, Greek and
# Cyrillic, read from the installed package, never downloaded.
_FONT_DIR = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


@functools.cache
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans at a pixel size."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(os.path.join(_FONT_DIR, name), size)


@dataclass(frozen=True)
class Style:
    """The look of a demonstration; part of every animation's cache key."""

    width: int = 480
    height: int = 360
    supersample: int = 2
    background: RGB = (248, 246, 241)
    floor: RGB = (230, 224, 212)
    body: RGB = (74, 90, 112)
    body_line: RGB = (38, 46, 58)
    working: RGB = (232, 117, 26)
    working_line: RGB = (140, 66, 8)
    band: RGB = (214, 48, 96)
    weight: RGB = (40, 40, 40)
    text: RGB = (38, 46, 58)
    props: dict[str, RGB] = field(
        default_factory=lambda: {
            "wood": (182, 138, 90),
            "metal": (120, 120, 124),
            "mat": (96, 160, 152),
            "wall": (214, 208, 196),
            "foam": (143, 179, 217),
            "cloth": (196, 180, 222),
        }
    )
    # Pixels kept free above and below the figure for the side badge and the cue bar.
    top_space: int = 34
    bottom_space: int = 58
    margin: int = 10


@dataclass(frozen=True)
class Scene:
    """Everything fixed over a loop: camera, framing, props, highlighted parts, attachments."""

    camera: Camera
    framing: Framing
    props: list[Placed]
    working: frozenset[str]  # segment names drawn in the highlight colour
    bands: list[tuple[str, str | Vec]]  # body point -> body point or fixed world point
    weights: list[str]  # body points wearing an ankle weight
    towels: list[Attached]  # towels under a foot, which slide along the floor with it
    ghost: Skeleton | None
    side_label: str
    cues: dict[str, str]


def working_segments(limbs: list[str]) -> frozenset[str]:
    """Return the segment names of the highlighted limbs."""
    return frozenset(segment for limb in limbs for segment in LIMBS[limb])


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


class Painter:
    """Paints the frames of one loop: what does not move is drawn once, as the backdrop."""

    def __init__(self, scene: Scene, style: Style, skeletons: list[Skeleton]) -> None:
        self._scene, self._style = scene, style
        k = style.supersample
        cam = scene.camera
        # Painting far to near: a prop's box goes over the figure only when all of it is
        # nearer than the figure ever comes (a desk between the camera and the figure); the
        # rest, a seat under the thighs or a wall behind, is part of the backdrop.
        nearest = max(cam.depth(p) for s in skeletons for p in s.points.values())
        boxes = [box for prop in scene.props for box in prop.boxes()]
        self._ahead = [b for b in boxes if min(cam.depth(c) for c in b[0]) > nearest]
        behind = [b for b in boxes if b not in self._ahead]
        backdrop = Image.new("RGB", (style.width * k, style.height * k), style.background)
        draw = ImageDraw.Draw(backdrop)
        _floor(draw, scene, self.px, style)
        _boxes(draw, cam, behind, self.px, style)
        if scene.ghost is not None:
            _ghost(backdrop, scene, scene.ghost, self.px, style)
        self._backdrop = backdrop

    def px(self, p: Vec) -> tuple[float, float]:
        """Return the canvas pixel of a world point."""
        x, y = self._scene.framing.pixel(self._scene.camera.flat(p))
        k = self._style.supersample
        return (x * k, y * k)

    def paint(self, frame: Frame) -> Image.Image:
        """Return one frame as an RGB picture of style.width x style.height."""
        scene, style = self._scene, self._style
        big = self._backdrop.copy()
        draw = ImageDraw.Draw(big)
        scale = scene.framing.scale * style.supersample
        # A towel under a foot: on the floor, under everything of the figure.
        towels = [box for t in scene.towels for box in t.towel(frame.skeleton.points).boxes()]
        _boxes(draw, scene.camera, towels, self.px, style)
        _figure(draw, scene, frame.skeleton, self.px, style, scale)
        _boxes(draw, scene.camera, self._ahead, self.px, style)
        # Averaging each 2x2 block: the smoothing of supersampling, at a fraction of the cost
        # of a windowed filter.
        image = big.resize((style.width, style.height), Image.Resampling.BOX)
        _overlay(image, scene, frame, style)
        return image


def _floor(draw: ImageDraw.ImageDraw, scene: Scene, px: Project, style: Style) -> None:
    """Fill the floor as a wide disc under everything (its far edge a soft curve)."""
    to_px = px
    radius = 2.6
    rim = [
        (radius * math.cos(2 * math.pi * i / 72), 0.0, radius * math.sin(2 * math.pi * i / 72))
        for i in range(72)
    ]
    draw.polygon([to_px(p) for p in rim], fill=style.floor)


Box3 = tuple[list[Vec], str]


def _boxes(
    draw: ImageDraw.ImageDraw, cam: Camera, boxes: list[Box3], px: Project, style: Style
) -> None:
    """Draw boxes far to near, each face that looks at the camera, shaded by its direction."""
    to_px = px
    # corners are indexed by their (dx, dy, dz) bits: 4*x + 2*y + z; shade > 0 is lighter
    faces = (
        ([2, 3, 7, 6], 0.12),
        ([0, 1, 5, 4], -0.2),
        ([1, 3, 7, 5], -0.05),
        ([0, 2, 6, 4], -0.05),
        ([4, 5, 7, 6], -0.15),
        ([0, 1, 3, 2], -0.15),
    )
    for corners, role in sorted(boxes, key=lambda b: sum(cam.depth(c) for c in b[0])):
        colour = style.props[role]
        centre = [sum(c[i] for c in corners) / 8 for i in range(3)]
        for idx, shade in faces:
            quad = [corners[i] for i in idx]
            mid = [sum(q[i] for q in quad) / 4 for i in range(3)]
            normal: Vec = (mid[0] - centre[0], mid[1] - centre[1], mid[2] - centre[2])
            if cam.depth(normal) <= 1e-9:
                continue
            tint = (
                _mix(colour, (255, 255, 255), shade)
                if shade > 0
                else _mix(colour, (0, 0, 0), -shade)
            )
            outline = _mix(colour, (0, 0, 0), 0.35)
            draw.polygon([to_px(q) for q in quad], fill=tint, outline=outline)


def _capsule(
    draw: ImageDraw.ImageDraw,
    a: tuple[float, float],
    b: tuple[float, float],
    radius: float,
    fill: RGB,
    line: RGB,
    edge: float,
) -> None:
    """Draw a limb: a thick line with round ends, outlined."""
    for r, colour in ((radius + edge, line), (radius, fill)):
        width = max(1, round(2 * r))
        draw.line([a, b], fill=colour, width=width)
        for x, y in (a, b):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _figure(
    draw: ImageDraw.ImageDraw,
    scene: Scene,
    skeleton: Skeleton,
    px: Project,
    style: Style,
    scale: float,
) -> None:
    """Draw the figure's parts far to near; the far side a shade paler so depth reads."""
    to_px = px
    cam = scene.camera
    pts = skeleton.points
    edge = max(2.0, scale * 0.012)
    items: list[tuple[float, str]] = []
    for name, (a, b, _r) in SEGMENTS.items():
        items.append(((cam.depth(pts[a]) + cam.depth(pts[b])) / 2, name))
    items.append((cam.depth(pts["head"]), "head"))
    items.append((cam.depth(pts["nose"]), "nose"))
    for name, mark in skeleton.marks.items():
        # A kneecap on a highlighted leg: which way that knee faces as the thigh turns.
        if f"{name.split('_')[0]}_thigh" in scene.working:
            items.append((cam.depth(mark), name))
    depths = [d for d, _ in items]
    near, far = max(depths), min(depths)
    for depth, name in sorted(items):
        # 0 at the nearest part, up to 0.3 paler at the farthest.
        fade = 0.3 * (near - depth) / (near - far) if near > far else 0.0
        working = name in scene.working
        fill = _mix(style.working if working else style.body, style.background, fade)
        line = style.working_line if working else style.body_line
        if name == "head":
            c = to_px(pts["head"])
            r = BODY.head_radius * scale
            draw.ellipse(
                (c[0] - r - edge, c[1] - r - edge, c[0] + r + edge, c[1] + r + edge), fill=line
            )
            draw.ellipse((c[0] - r, c[1] - r, c[0] + r, c[1] + r), fill=fill)
            continue
        if name in skeleton.marks:
            c = to_px(skeleton.marks[name])
            r = 0.03 * scale
            draw.ellipse(
                (c[0] - r, c[1] - r, c[0] + r, c[1] + r), fill=(255, 236, 214), outline=line
            )
            continue
        if name == "nose":
            c = to_px(pts["nose"])
            r = 0.028 * scale
            draw.ellipse((c[0] - r, c[1] - r, c[0] + r, c[1] + r), fill=line)
            continue
        a, b, radius = SEGMENTS[name]
        _capsule(draw, to_px(pts[a]), to_px(pts[b]), radius * scale, fill, line, edge)
        if name.endswith("shin"):
            side = name.split("_", 1)[0]
            if f"{side}_ankle" in scene.weights:
                c = to_px(pts[f"{side}_ankle"])
                r = 0.07 * scale
                draw.ellipse((c[0] - r, c[1] - r, c[0] + r, c[1] + r), fill=style.weight)
    for start, end in scene.bands:
        p0 = to_px(pts[start])
        p1 = to_px(pts[end] if isinstance(end, str) else end)
        draw.line([p0, p1], fill=style.band, width=max(2, round(0.022 * scale)))


def _ghost(big: Image.Image, scene: Scene, ghost: Skeleton, px: Project, style: Style) -> None:
    """Draw the working limbs faintly where the move goes, behind the moving figure."""
    to_px = px
    layer = Image.new("RGBA", big.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = (*style.working, 70)
    scale = scene.framing.scale * style.supersample
    for name in sorted(scene.working):
        a, b, radius = SEGMENTS[name]
        pa, pb = to_px(ghost.points[a]), to_px(ghost.points[b])
        r = radius * scale
        draw.line([pa, pb], fill=colour, width=max(1, round(2 * r)))
        for x, y in (pa, pb):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    big.paste(Image.alpha_composite(big.convert("RGBA"), layer).convert("RGB"))


def _overlay(image: Image.Image, scene: Scene, frame: Frame, style: Style) -> None:
    """Draw the side badge, the cue and its count, the breath circle and the loop's progress."""
    draw = ImageDraw.Draw(image)
    w, h = style.width, style.height
    if scene.side_label:
        f = font(17)
        box = draw.textbbox((0, 0), scene.side_label, font=f)
        pad = 7
        draw.rounded_rectangle(
            (8, 7, 8 + box[2] + 2 * pad, 7 + box[3] + 2 * pad - 2), radius=9, fill=style.working
        )
        draw.text((8 + pad, 7 + pad - 3), scene.side_label, font=f, fill=(255, 255, 255))
    bar_top = h - style.bottom_space + 6
    draw.rectangle((0, bar_top, w, h), fill=(255, 255, 255))
    draw.line((0, bar_top, w, bar_top), fill=(220, 214, 202), width=1)
    o = frame.overlay
    cue = scene.cues.get(o.cue, "")
    if cue:
        draw.text((14, bar_top + 10), cue, font=font(24), fill=style.text)
    if o.count:
        f = font(26)
        box = draw.textbbox((0, 0), o.count, font=f)
        draw.text((w - 16 - box[2], bar_top + 8), o.count, font=f, fill=style.working_line)
    if o.breath >= 0:
        # A circle that fills as the lungs do: big on the inhale, small on the exhale.
        cx, cy = w - 90, bar_top + 24
        r = 6 + 12 * o.breath
        draw.ellipse((cx - 18, cy - 18, cx + 18, cy + 18), outline=(143, 179, 217), width=2)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(143, 179, 217))
    draw.rectangle((0, h - 5, round(w * o.progress), h), fill=style.working)
