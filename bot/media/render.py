"""Render one exercise version for one side: frames, a key frame, and the content hash naming it.

An Animation names everything a picture depends on (the demonstration, the dose, the side, the
words on the frame, the style, this renderer's version); its hash is the file's name in the
cache and the key its Telegram file_id is stored under.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image

from bot.media.camera import Camera, fit
from bot.media.draw import Painter, Scene, Style, working_segments
from bot.media.encode import write_mp4
from bot.media.timeline import FPS, Frame, frames
from content import Dose
from content.body import BODY, SIDES, Skeleton, Vec
from content.poses import Attached, Demo

# Bump when the drawing code changes what a picture looks like: every cached file renders anew.
RENDERER_VERSION = 5
# Props small enough to keep in the picture; a wall or a mat may run off its edges.
_FRAMED_PROPS = frozenset({"chair", "desk", "block", "pillow", "towel"})


@dataclass(frozen=True)
class Animation:
    """One demonstration to render: a version of an exercise, for a side, with its words."""

    exercise_id: str
    level: int
    side: str | None  # "left", "right", or None for an exercise done with both legs at once
    demo: Demo
    dose: Dose
    side_label: str  # e.g. "Left foot" (drawn on the frame), "" for none
    cues: dict[str, str]  # cue key -> word on the frame, e.g. {"hold": "Hold"}
    style: Style = field(default_factory=Style)

    @property
    def key(self) -> str:
        """Return the content hash: the same inputs always give the same key."""
        data = {
            "renderer": RENDERER_VERSION,
            "side": self.side,
            "demo": self.demo.model_dump(mode="json"),
            "dose": self.dose.model_dump(mode="json"),
            "label": self.side_label,
            "cues": {k: self.cues[k] for k in sorted(self.cues)},
            "style": asdict(self.style),
        }
        blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:32]

    @property
    def name(self) -> str:
        """Return a readable file stem, e.g. seated_ir-standard-left."""
        level = {-1: "easier", 0: "standard", 1: "harder"}[self.level]
        return f"{self.exercise_id}-{level}" + (f"-{self.side}" if self.side else "")


def _mirror_name(name: str) -> str:
    for a, b in zip(SIDES, reversed(SIDES), strict=True):
        if name.startswith(f"{a}_"):
            return f"{b}_{name[len(a) + 1 :]}"
    return name


def scene_and_frames(animation: Animation) -> tuple[Scene, list[Frame]]:
    """Return the fixed scene and every frame of one loop (mirrored for the right side)."""
    demo = animation.demo
    loop = frames(demo, animation.dose)
    camera = Camera(demo.view.yaw, demo.view.elevation)
    props = [prop.placed() for prop in demo.props]
    working = list(demo.working)
    bands: list[tuple[str, str | Vec]] = []
    weights: list[str] = []
    towels: list[Attached] = []
    for item in demo.attached:
        if item.kind == "ankle_weight":
            weights.append(item.at)
        elif item.kind == "towel":
            towels.append(item)
        else:
            assert item.to is not None, "the loader checks every band has two ends"
            bands.append((item.at, item.to))
    ghost = _grounded_pose(demo, demo.ghost) if demo.ghost else None
    if animation.side == "right":
        # The right side is the left one in a mirror: the figure, the props and the camera.
        loop = [Frame(f.skeleton.mirrored(), f.overlay) for f in loop]
        camera = camera.mirrored()
        props = [p.mirrored() for p in props]
        working = [_mirror_name(limb) for limb in working]
        bands = [
            (_mirror_name(a), _mirror_name(b) if isinstance(b, str) else (-b[0], b[1], b[2]))
            for a, b in bands
        ]
        weights = [_mirror_name(w) for w in weights]
        towels = [t.model_copy(update={"at": _mirror_name(t.at)}) for t in towels]
        ghost = ghost.mirrored() if ghost else None
    style = animation.style
    flats = [camera.flat(p) for f in loop for p in f.skeleton.points.values()]
    for prop in props:
        if prop.kind in _FRAMED_PROPS:
            flats.extend(camera.flat(c) for corners, _ in prop.boxes() for c in corners)
    for towel in towels:
        flats.extend(
            camera.flat(c)
            for f in loop
            for corners, _ in towel.towel(f.skeleton.points).boxes()
            for c in corners
        )
    framing = fit(
        flats,
        style.width,
        style.height,
        # The points are bone ends: the head and the trunk reach this far past them.
        pad=BODY.head_radius + 0.02,
        margin=style.margin + 12,
        top_space=style.top_space,
        bottom_space=style.bottom_space,
    )
    scene = Scene(
        camera=camera,
        framing=framing,
        props=props,
        working=working_segments(working),
        bands=bands,
        weights=weights,
        towels=towels,
        ghost=ghost,
        side_label=animation.side_label,
        cues=animation.cues,
    )
    return scene, loop


def _grounded_pose(demo: Demo, name: str) -> Skeleton:
    from content.body import pose_skeleton

    skeleton = pose_skeleton(demo.pose(name))
    return skeleton.shifted(-skeleton.lowest())


def render_mp4(animation: Animation, path: Path) -> None:
    """Render every frame of one loop and write them to path as an MP4."""
    scene, loop = scene_and_frames(animation)
    painter = Painter(scene, animation.style, [f.skeleton for f in loop])
    write_mp4((painter.paint(frame) for frame in loop), path, FPS)


def key_frame(animation: Animation) -> Image.Image:
    """Return the frame that shows the move best: the ghost pose, or the middle of the loop."""
    scene, loop = scene_and_frames(animation)
    demo = animation.demo
    index = len(loop) // 2
    if demo.ghost is not None:
        # The first frame that has reached the ghost pose (the end of the move).
        target = scene.ghost
        assert target is not None
        index = min(
            range(len(loop)),
            key=lambda i: sum(
                abs(a - b)
                for name, p in loop[i].skeleton.points.items()
                for a, b in zip(p, target.points[name], strict=True)
            ),
        )
    still = Scene(**{**scene.__dict__, "ghost": None})
    return Painter(still, animation.style, [f.skeleton for f in loop]).paint(loop[index])


def frame_images(animation: Animation) -> list[Image.Image]:
    """Return every frame as a picture (for looking at an animation, and for tests)."""
    scene, loop = scene_and_frames(animation)
    painter = Painter(scene, animation.style, [f.skeleton for f in loop])
    return [painter.paint(frame) for frame in loop]
