"""Demonstrations as data: key poses, props, camera and motion for every exercise version.

One file per exercise in content/poses/<exercise id>.yaml, one entry per version (easier,
standard, harder). Poses are written for the side the exercise calls "left" (the left foot, the
left leg back, standing on the left leg); the right side is drawn mirrored. The motion is one
rep (or one round, or one held pose): a list of moves to key poses, each with a tempo in
seconds, or held for the dose's hold, or held for its breaths. The loader checks every pose
against the body's ranges and its declared contacts (content.body, content.props).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from content.body import (
    CONTACT_POINTS,
    LIMBS,
    Pose,
    Vec,
    merge,
    out_of_range,
    point_radius,
    pose_skeleton,
)
from content.props import AttachedKind, Placed, PropKind, rests_on, towel_under

# How close to a surface a point resting on it must be (metres). Drawn limbs are rounded, so
# a couple of centimetres is invisible on a 480-pixel picture.
CONTACT_TOLERANCE = 0.035
# How far below the floor any point of the skin may reach (a rounding error, not a sunk foot).
FLOOR_SLACK = 0.01


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class View(_Strict):
    """The camera: turned yaw degrees around the figure from its front, raised elevation degrees.

    yaw 0 looks at the figure's front, 90 at its left side, 180 at its back.
    """

    yaw: float = Field(ge=-180, le=180)
    elevation: float = Field(default=10, ge=-10, le=80)


class Prop(_Strict):
    """A prop on the floor, at x, z metres from the origin, turned yaw degrees."""

    kind: PropKind
    x: float = 0.0
    z: float = 0.0
    yaw: float = 0.0

    def placed(self) -> Placed:
        """Return the prop as geometry."""
        return Placed(self.kind, self.x, self.z, self.yaw)


# The feet a towel can lie under (attached: {kind: towel, at: left_foot}).
TOWEL_FEET = ("left_foot", "right_foot")


class Attached(_Strict):
    """A band between two points, a weight at an ankle, or a towel that slides with a foot.

    A band runs from a body point to another or to a fixed x, y, z; a towel lies under a foot
    (at: left_foot or right_foot) and slides along the floor with it.
    """

    kind: AttachedKind
    at: str  # a body point (content.body point names, e.g. left_ankle); a foot for a towel
    to: str | tuple[float, float, float] | None = None  # band only

    def towel(self, points: dict[str, Vec]) -> Placed:
        """Return this towel as a prop under its foot, for a figure's points."""
        side = self.at.removesuffix("_foot")
        return towel_under(points[f"{side}_heel"], points[f"{side}_toe"])


class KeyPose(_Strict):
    """A key pose: angles over the version's base, and what rests on a surface in it."""

    angles: Pose = Field(default_factory=dict)
    contacts: list[str] | None = None  # None: the version's contacts


class Move(_Strict):
    """One move of the motion: to a key pose in secs, or held there (hold / breaths)."""

    pose: str
    secs: float | None = Field(default=None, gt=0, le=10)
    hold: bool = False  # stay for the dose's hold (e.g. 2 seconds), with a countdown
    breaths: bool = False  # stay for the dose's breaths, breathing in and out
    cue: str | None = None  # a key of texts.yaml media.cues, shown on the frame
    # Eased moves start and stop gently; `ease: false` keeps an even speed, so moves in a row
    # (the quarters of a circle) flow into each other instead of stopping at every key pose.
    ease: bool = True

    @model_validator(mode="after")
    def _one_timing(self) -> Move:
        chosen = (self.secs is not None) + self.hold + self.breaths
        if chosen != 1:
            raise ValueError("give exactly one of secs, hold: true, breaths: true")
        return self


class Demo(_Strict):
    """How one version of an exercise is shown."""

    view: View
    props: list[Prop] = Field(default_factory=list)
    attached: list[Attached] = Field(default_factory=list)
    # Highlighted limbs, e.g. [left_leg]: the leg that turns inward, for the left side.
    working: list[str] = Field(min_length=1)
    contacts: list[str] = Field(min_length=1)
    base: Pose
    poses: dict[str, KeyPose] = Field(min_length=1)
    motion: list[Move] = Field(min_length=2)
    # A key pose shown faintly behind the moving figure: where the move goes.
    ghost: str | None = None

    def pose(self, name: str) -> Pose:
        """Return a key pose as full angles (the base with its own angles on top)."""
        return merge(self.base, self.poses[name].angles)

    def contacts_of(self, name: str) -> list[str]:
        """Return what rests on a surface in a key pose."""
        own = self.poses[name].contacts
        return self.contacts if own is None else own

    def problem(self) -> str | None:
        """Return the first thing wrong with this demonstration, or None."""
        for limb in self.working:
            if limb not in LIMBS:
                return f"working: {limb!r} is not a limb ({', '.join(LIMBS)})"
        for move in self.motion:
            if move.pose not in self.poses:
                return f"motion: unknown pose {move.pose!r}"
        if self.motion[0].pose != self.motion[-1].pose:
            return "motion: must end in the pose it starts from, so the loop is seamless"
        if self.ghost is not None and self.ghost not in self.poses:
            return f"ghost: unknown pose {self.ghost!r}"
        props = [prop.placed() for prop in self.props]
        known = pose_skeleton(self.base).points
        for index, item in enumerate(self.attached):
            if item.kind == "towel":
                if item.at not in TOWEL_FEET or item.to is not None:
                    return (
                        f"attached.{index}: a towel lies under a foot: at: left_foot or right_foot"
                    )
                continue
            ends = [item.at] + ([item.to] if isinstance(item.to, str) else [])
            for end in ends:
                if end not in known:
                    return f"attached.{index}: {end!r} is not a point of the body"
        for name in self.poses:
            pose = self.pose(name)
            if (bad := out_of_range(pose)) is not None:
                return f"poses.{name}: {bad}"
            skeleton = pose_skeleton(pose)
            # The figure is set on the floor by its lowest point (bot/media does the same).
            skeleton = skeleton.shifted(-skeleton.lowest())
            # A towel under a foot goes where the foot is: a surface it can rest on.
            towels = [a.towel(skeleton.points) for a in self.attached if a.kind == "towel"]
            for contact in self.contacts_of(name):
                if contact not in CONTACT_POINTS:
                    return f"poses.{name}: unknown contact {contact!r}"
                for point in CONTACT_POINTS[contact]:
                    where = skeleton.points[point]
                    if not rests_on(where, point_radius(point), props + towels, CONTACT_TOLERANCE):
                        return (
                            f"poses.{name}: {contact} should rest on the floor or a prop but "
                            f"{point} is at height {where[1] - point_radius(point):.2f} m"
                        )
        return None


class ExerciseDemos(_Strict):
    """The demonstrations of one exercise: easier, standard and harder."""

    exercise: str
    easier: Demo
    standard: Demo
    harder: Demo

    def level(self, level: int) -> Demo:
        """Return the demonstration of a level (-1 easier, 0 standard, 1 harder)."""
        return {-1: self.easier, 0: self.standard, 1: self.harder}[level]


Level = Literal["easier", "standard", "harder"]
