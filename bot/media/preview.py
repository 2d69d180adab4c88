"""Look at a demonstration while writing it: frames of one loop side by side in one PNG.

    python -m bot.media.preview seated_ir standard left [--frames 6] [--out /tmp/preview.png]

Reads content/poses/<exercise>.yaml directly (the other exercises need not be finished), says
what the loader would refuse, prints where each key pose's contact points are, and writes the
frames, evenly spaced over the loop, as a grid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from PIL import Image

from bot.media.render import Animation, frame_images
from content import CONTENT_DIR, load_library
from content.body import CONTACT_POINTS, point_radius, pose_skeleton
from content.poses import Demo

LEVELS = {"easier": -1, "standard": 0, "harder": 1}


def main(argv: list[str] | None = None) -> int:
    """Write a preview grid of one exercise version and side; return 1 if the pose is refused."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise")
    parser.add_argument("level", choices=list(LEVELS))
    parser.add_argument("side", nargs="?", default="left", choices=["left", "right", "none"])
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("/tmp/preview.png"))
    args = parser.parse_args(argv)

    lib = load_library(with_demos=False)
    exercise = lib.exercise(args.exercise)
    raw = yaml.safe_load((CONTENT_DIR / "poses" / f"{args.exercise}.yaml").read_text())
    demo = Demo.model_validate(raw[args.level])
    problem = demo.problem()
    print("loader:", problem or "ok")
    for name in demo.poses:
        skeleton = pose_skeleton(demo.pose(name))
        skeleton = skeleton.shifted(-skeleton.lowest())
        heights = {
            contact: round(
                min(skeleton.points[p][1] - point_radius(p) for p in CONTACT_POINTS[contact]), 3
            )
            for contact in CONTACT_POINTS
        }
        print(f"  {name}: skin height above the floor {heights}")
    level = LEVELS[args.level]
    side = None if args.side == "none" else args.side
    naming = exercise.sides_for(level)
    label = lib.texts.side(naming, side) if naming and side else lib.texts.media_both_legs
    animation = Animation(
        args.exercise, level, side, demo, exercise.dose_for(level), label, lib.texts.media_cues
    )
    images = frame_images(animation)
    count = max(2, min(args.frames, len(images)))
    picked = [images[round(i * (len(images) - 1) / (count - 1))] for i in range(count)]
    cols = 3
    rows = (count + cols - 1) // cols
    w, h = picked[0].size
    sheet = Image.new("RGB", (w * cols, h * rows), "white")
    for i, image in enumerate(picked):
        sheet.paste(image, ((i % cols) * w, (i // cols) * h))
    sheet.save(args.out)
    print(f"{len(images)} frames, {count} shown -> {args.out}")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
