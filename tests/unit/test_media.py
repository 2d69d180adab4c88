"""The demonstrations: pose data the loader accepts, and renders that are right and repeatable."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from bot.media.catalog import Demo, MediaCatalog, RoutineSheet
from bot.media.render import frame_images, render_mp4, scene_and_frames
from content import CONTENT_DIR, ContentError, Library, load_library
from content.body import BODY, RANGES, pose_skeleton

MAX_SIDE = 480
MAX_BYTES = 1024 * 1024


def _sub(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(x - y for x, y in zip(a, b, strict=True))


def _dot(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _cross(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


angles = {
    kind: st.fixed_dictionaries(
        {name: st.floats(low, high) for name, (low, high) in ranges.items()}
    )
    for kind, ranges in RANGES.items()
}


@settings(max_examples=200, deadline=None)
@given(
    pelvis=angles["pelvis"],
    hip=angles["hip"],
    knee=angles["knee"],
    side=st.sampled_from(["left", "right"]),
)
def test_a_knee_never_bends_backwards(pelvis, hip, knee, side) -> None:
    """Any pose in range bends the shin behind the thigh, never in front of the kneecap."""
    pose = {"pelvis": pelvis, f"{side}_hip": hip, f"{side}_knee": knee}
    flat = pose_skeleton({**pose, f"{side}_knee": {"flex": 0.0}})
    bent = pose_skeleton(pose)
    hip_at, knee_at = bent.points[f"{side}_hip"], bent.points[f"{side}_knee"]
    # With the knee straight, the foot points where the kneecap faces (toes forward).
    front = _sub(flat.points[f"{side}_toe"], flat.points[f"{side}_heel"])
    shin = _sub(bent.points[f"{side}_ankle"], knee_at)
    thigh = _sub(knee_at, hip_at)
    # The shin keeps its length and swings only in the plane of the thigh and the kneecap.
    assert math.isclose(math.dist(knee_at, bent.points[f"{side}_ankle"]), BODY.shin, rel_tol=1e-9)
    axis = _cross(thigh, front)
    assert abs(_dot(shin, axis)) < 1e-6
    assert _dot(shin, front) <= 1e-9


def test_every_exercise_version_is_shown(lib: Library) -> None:
    """The loader holds a demonstration of each version of each exercise, all accepted."""
    for exercise_id, exercise in lib.exercises.items():
        demos = lib.demos[exercise_id]
        for level in (-1, 0, 1):
            demo = demos.level(level)
            assert demo.problem() is None
            if not exercise.dose_for(level).per_side:
                assert {"left_leg", "right_leg"} <= set(demo.working)


def _broken_copy(tmp_path: Path, exercise_id: str, edit: object) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "poses" / f"{exercise_id}.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data))
    return folder


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["standard"]["base"].update({"left_knee": {"flex": -20}}),
            "left_knee.flex = -20 is outside 0..155",
        ),
        (
            lambda d: d["standard"]["base"].update({"left_hip": {"flex": 90, "rot": 80}}),
            "left_hip.rot = 80 is outside -60..50",
        ),
        (
            lambda d: d["standard"]["poses"][next(iter(d["standard"]["poses"]))].update(
                {"contacts": ["left_hand"]}
            ),
            "left_hand should rest on the floor or a prop",
        ),
        (lambda d: d.pop("harder"), "harder: Field required"),
        (
            lambda d: d["standard"]["motion"][1].update({"cue": "dance"}),
            "cue 'dance' is not in texts.yaml media_cues",
        ),
        (
            lambda d: d["standard"]["motion"].insert(
                1, {"pose": d["standard"]["motion"][0]["pose"], "hold": True}
            ),
            "hold: true, but the dose has no hold",
        ),
    ],
)
def test_the_loader_refuses_a_bad_pose(tmp_path: Path, edit: object, message: str) -> None:
    """Out-of-range joints, a contact in the air, a version or a cue missing: named and refused."""
    folder = _broken_copy(tmp_path, "seated_ir", edit)
    with pytest.raises(ContentError, match=r"seated_ir\.yaml") as error:
        load_library(folder, with_demos=True)
    assert message in str(error.value)


def test_the_loader_needs_every_exercise(tmp_path: Path) -> None:
    """An exercise without its demonstration file stops the bot at start."""
    folder = _broken_copy(tmp_path, "banded_ir", lambda d: None)
    (folder / "poses" / "banded_ir.yaml").unlink()
    with pytest.raises(ContentError, match=r"banded_ir\.yaml: missing"):
        load_library(folder, with_demos=True)


def test_a_render_is_deterministic(lib: Library, tmp_path: Path) -> None:
    """The same demonstration renders to the same bytes, so its hash names it fairly."""
    catalog = MediaCatalog(lib, tmp_path)
    animation = catalog.animation(Demo("seated_ir", 0, "left"))
    render_mp4(animation, tmp_path / "a.mp4")
    render_mp4(animation, tmp_path / "b.mp4")
    first = hashlib.sha256((tmp_path / "a.mp4").read_bytes()).hexdigest()
    assert first == hashlib.sha256((tmp_path / "b.mp4").read_bytes()).hexdigest()
    # And in another process, with another order of its sets and dicts' hashing.
    script = (
        "import sys; from pathlib import Path; from content import library; "
        "from bot.media.catalog import MediaCatalog, Demo; "
        "from bot.media.render import render_mp4; "
        "c = MediaCatalog(library(), Path(sys.argv[1])); "
        "render_mp4(c.animation(Demo('seated_ir', 0, 'left')), Path(sys.argv[1]) / 'c.mp4')"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env)
    assert first == hashlib.sha256((tmp_path / "c.mp4").read_bytes()).hexdigest()
    # And a change of the pose data is another file.
    other = catalog.animation(Demo("seated_ir", 1, "left"))
    assert other.key != animation.key


def test_every_picture_fits_telegram(lib: Library, rendered_media: Path) -> None:
    """Each file is at most 480 px a side and 1 MB; the animations are silent looping H.264."""
    catalog = MediaCatalog(lib, rendered_media)
    for picture in catalog.pictures():
        media = catalog.file(picture)
        assert media.path.stat().st_size <= MAX_BYTES, media.path.name
        if media.kind == "photo":
            with Image.open(media.path) as image:
                # The routine sheet is a photo: Telegram scales photos, the limit is for video.
                assert image.width <= 1280 and image.height <= 1280
            continue
        with av.open(str(media.path)) as container:
            assert [s.type for s in container.streams] == ["video"], media.path.name
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert max(stream.codec_context.width, stream.codec_context.height) <= MAX_SIDE
            duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
            assert 1.0 <= duration <= 60.0, (media.path.name, duration)


def _figure_area(image: Image.Image, top: int, bottom: int) -> Image.Image:
    """Return the part of a frame with the figure (without the side badge and the cue bar)."""
    return image.crop((0, top, image.width, image.height - bottom))


def test_the_right_side_is_the_left_in_a_mirror(lib: Library, tmp_path: Path) -> None:
    """The right side's figure is the left side's flipped; its badge names the right side."""
    catalog = MediaCatalog(lib, tmp_path)
    for exercise_id in ("seated_ir", "revolved_pyramid", "warrior_half_moon"):
        left = catalog.animation(Demo(exercise_id, 0, "left"))
        right = catalog.animation(Demo(exercise_id, 0, "right"))
        exercise = lib.exercise(exercise_id)
        naming = exercise.sides_for(0)
        assert naming is not None
        assert left.side_label == lib.texts.side(naming, "left")
        assert right.side_label == lib.texts.side(naming, "right")
        scene_left, _ = scene_and_frames(left)
        scene_right, _ = scene_and_frames(right)
        # The highlighted leg is the named one's mirror image.
        assert {s.split("_")[0] for s in scene_left.working} != {
            s.split("_")[0] for s in scene_right.working
        }
        style = left.style
        top, bottom = style.top_space + 4, style.bottom_space
        frames_left, frames_right = frame_images(left), frame_images(right)
        for a, b in zip(frames_left[::9], frames_right[::9], strict=True):
            flipped = _figure_area(a, top, bottom).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            diff = ImageChops.difference(flipped, _figure_area(b, top, bottom)).convert("L")
            mean = sum(i * n for i, n in enumerate(diff.histogram())) / (diff.width * diff.height)
            assert mean < 1.0, (exercise_id, mean)


def _named_leg(demo: Demo, lib: Library, frames: list) -> str:
    """Return which leg of the drawn figure is the one the caption names, by what it does.

    foot / working leg: the highlighted leg; standing leg: the foot that never leaves the
    floor while the other one does; back leg: the foot behind, along the way the head faces.
    """
    naming = lib.exercise(demo.exercise_id).sides_for(demo.level)
    if naming in ("foot", "working_leg"):
        scene, _ = scene_and_frames(MediaCatalog(lib, Path("/x")).animation(demo))
        (leg,) = {s.split("_")[0] for s in scene.working if s.endswith("thigh")}
        return leg

    def sole(skeleton: object, side: str) -> float:
        points = skeleton.points  # type: ignore[attr-defined]
        return min(points[f"{side}_heel"][1], points[f"{side}_toe"][1]) - BODY.radius_foot

    if naming == "standing_leg":
        grounded = [s for s in ("left", "right") if max(sole(f.skeleton, s) for f in frames) < 0.03]
        lifted = [s for s in ("left", "right") if max(sole(f.skeleton, s) for f in frames) > 0.1]
        assert len(grounded) == 1 and len(lifted) == 1, (demo, grounded, lifted)
        return grounded[0]
    assert naming == "back_leg"
    points = frames[0].skeleton.points
    facing = _sub(points["nose"], points["head"])
    forward = (facing[0], 0.0, facing[2])
    left = _dot(_sub(points["left_ankle"], points["pelvis"]), forward)
    right = _dot(_sub(points["right_ankle"], points["pelvis"]), forward)
    return "left" if left < right else "right"


def test_the_side_drawn_is_the_side_named(lib: Library) -> None:
    """The leg the caption names ("Left foot", "Left leg back", "Standing on your left leg")
    is that leg of the figure; its right side is the other leg (X > 0 is the figure's left)."""
    catalog = MediaCatalog(lib, Path("/nonexistent"))
    for demo in catalog.demos():
        if demo.side is None:
            continue
        animation = catalog.animation(demo)
        _, frames = scene_and_frames(animation)
        assert _named_leg(demo, lib, frames) == demo.side, demo
        naming = lib.exercise(demo.exercise_id).sides_for(demo.level)
        assert naming is not None
        assert animation.side_label == lib.texts.side(naming, demo.side)


def test_the_routine_sheet_shows_each_move(lib: Library, rendered_media: Path) -> None:
    """The summary's picture of a routine has a tile per exercise."""
    catalog = MediaCatalog(lib, rendered_media)
    sheet = catalog.sheet(RoutineSheet("full"))
    assert len(sheet.animations) == len(lib.routine("full").exercises)
    with Image.open(catalog.file(RoutineSheet("full")).path) as image:
        assert image.width == 3 * 320
