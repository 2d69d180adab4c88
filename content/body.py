"""The figure the coach draws: a simple human skeleton, its joint ranges and where its joints land.

A pose is a set of joint angles in degrees, named the way a physical therapist would measure
them (hip flexion, abduction, internal rotation; knee flexion; ...). Forward kinematics turns a
pose into 3D points in metres. The world: X to the figure's left when it faces +Z, Y up, Z
forward; the floor is y = 0. Pure Python, no drawing: the loader checks poses with it and the
renderer (bot/media) draws what it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]  # rows

SIDES = ("left", "right")

# Each joint's angles and their human range in degrees (active range, a little generous so a
# drawing can reach the end of a normal range; a pose outside it is refused by the loader).
# rot on a hip or a shoulder is internal (+) / external (-) rotation about the bone's own length;
# abd is abduction (+) / adduction (-).
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "pelvis": {"yaw": (-360, 360), "pitch": (-100, 100), "roll": (-100, 100)},
    "spine": {"flex": (-30, 90), "twist": (-60, 60), "side": (-40, 40)},
    "neck": {"flex": (-50, 70), "turn": (-80, 80)},
    "hip": {"flex": (-30, 135), "abd": (-30, 60), "rot": (-60, 50)},
    "knee": {"flex": (0, 155)},
    "ankle": {"flex": (-30, 55)},
    "shoulder": {"flex": (-60, 180), "abd": (-30, 180), "rot": (-60, 90)},
    "elbow": {"flex": (0, 150)},
}
# Joints that come in a left and a right one ("left_hip", "right_knee", ...).
PAIRED = ("hip", "knee", "ankle", "shoulder", "elbow")
JOINTS = ("pelvis", "spine", "neck", *tuple(f"{s}_{j}" for s in SIDES for j in PAIRED))


def joint_kind(joint: str) -> str:
    """Return the kind of a joint name: 'left_hip' -> 'hip'."""
    return joint.split("_", 1)[1] if joint.startswith(SIDES) else joint


@dataclass(frozen=True)
class Proportions:
    """Segment lengths in metres for a figure about 1.70 m tall, and limb thickness."""

    hip_half_width: float = 0.095
    thigh: float = 0.44
    shin: float = 0.43
    foot: float = 0.17
    heel: float = 0.05
    torso: float = 0.50  # pelvis centre to the middle of the shoulder line
    shoulder_half_width: float = 0.18
    neck: float = 0.09
    head_radius: float = 0.105
    upper_arm: float = 0.29
    forearm: float = 0.26
    # Half thickness of each drawn part: the skin is this far from the bone line, so it is
    # also how high a joint lying on the floor sits.
    radius_torso: float = 0.12
    radius_thigh: float = 0.07
    radius_shin: float = 0.052
    radius_foot: float = 0.035
    radius_arm: float = 0.045
    radius_hand: float = 0.04


BODY = Proportions()

# The drawn parts: name -> (from point, to point, radius). Points are named in Skeleton.points.
SEGMENTS: dict[str, tuple[str, str, float]] = {
    "torso": ("pelvis", "chest", BODY.radius_torso),
    "hips": ("left_hip", "right_hip", BODY.radius_thigh),
    "shoulders": ("left_shoulder", "right_shoulder", BODY.radius_arm),
    "neck": ("chest", "head", BODY.radius_arm),
    **{
        f"{s}_{name}": (f"{s}_{a}", f"{s}_{b}", r)
        for s in SIDES
        for name, a, b, r in (
            ("thigh", "hip", "knee", BODY.radius_thigh),
            ("shin", "knee", "ankle", BODY.radius_shin),
            ("foot", "heel", "toe", BODY.radius_foot),
            ("upper_arm", "shoulder", "elbow", BODY.radius_arm),
            ("forearm", "elbow", "hand", BODY.radius_hand),
        )
    },
}
# Which segments make up a leg or an arm (for highlighting the working one).
LIMBS: dict[str, tuple[str, ...]] = {
    f"{s}_{limb}": tuple(f"{s}_{part}" for part in parts)
    for s in SIDES
    for limb, parts in (("leg", ("thigh", "shin", "foot")), ("arm", ("upper_arm", "forearm")))
}
# Points that can rest on a surface, for contact checks, with the thickness under them.
CONTACT_POINTS: dict[str, tuple[str, ...]] = {
    "pelvis": ("pelvis",),
    "seat": ("left_hip", "right_hip"),
    "chest": ("chest",),
    **{f"{s}_knee": (f"{s}_knee",) for s in SIDES},
    **{f"{s}_foot": (f"{s}_heel", f"{s}_toe") for s in SIDES},
    **{f"{s}_toes": (f"{s}_toe",) for s in SIDES},
    **{f"{s}_shin": (f"{s}_knee", f"{s}_ankle") for s in SIDES},
    **{f"{s}_hand": (f"{s}_hand",) for s in SIDES},
}


def point_radius(point: str) -> float:
    """Return how far the skin is from a named point, i.e. how high it sits on a surface."""
    kind = joint_kind(point)
    return {
        "pelvis": BODY.radius_torso,
        "chest": BODY.radius_torso,
        "head": BODY.head_radius,
        "nose": 0.02,
        "hip": BODY.radius_thigh,
        "knee": BODY.radius_shin,
        "ankle": BODY.radius_shin,
        "heel": BODY.radius_foot,
        "toe": BODY.radius_foot,
        "shoulder": BODY.radius_arm,
        "elbow": BODY.radius_arm,
        "hand": BODY.radius_hand,
    }[kind]


# A pose: joint -> angle name -> degrees; plus "root": x, y, z of the pelvis centre in metres.
Pose = dict[str, dict[str, float]]


def _rx(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))


def _ry(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


def _rz(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _mul(a: Mat, b: Mat) -> Mat:
    cols = tuple(zip(*b, strict=True))
    return tuple(  # type: ignore[return-value]
        tuple(sum(x * y for x, y in zip(row, col, strict=True)) for col in cols) for row in a
    )


def _apply(m: Mat, v: Vec) -> Vec:
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def _add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _scale(v: Vec, k: float) -> Vec:
    return (v[0] * k, v[1] * k, v[2] * k)


DOWN: Vec = (0.0, -1.0, 0.0)
UP: Vec = (0.0, 1.0, 0.0)
FORWARD: Vec = (0.0, 0.0, 1.0)


def angle(pose: Pose, joint: str, name: str) -> float:
    """Return one angle of a pose in degrees (0 when the pose does not set it)."""
    return pose.get(joint, {}).get(name, 0.0)


@dataclass(frozen=True)
class Skeleton:
    """A posed figure: named 3D points (metres), and marks drawn on its skin.

    Marks touch nothing (they are not in the contact or floor checks): the kneecaps, so a
    thigh turning about its own length shows which way the knee faces.
    """

    points: dict[str, Vec]
    marks: dict[str, Vec] = field(default_factory=dict)

    def lowest(self) -> float:
        """Return the height of the lowest skin surface (joint height minus its radius)."""
        heights = [p[1] - point_radius(name) for name, p in self.points.items()]
        return min(heights)

    def shifted(self, dy: float) -> Skeleton:
        """Return the same figure moved up by dy metres."""
        return Skeleton(
            {k: (p[0], p[1] + dy, p[2]) for k, p in self.points.items()},
            {k: (p[0], p[1] + dy, p[2]) for k, p in self.marks.items()},
        )

    def mirrored(self) -> Skeleton:
        """Return the figure reflected left to right: the left leg's work done by the right."""
        return Skeleton(_mirror(self.points), _mirror(self.marks))


def _mirror(named: dict[str, Vec]) -> dict[str, Vec]:
    swapped: dict[str, Vec] = {}
    for name, p in named.items():
        other = name
        if name.startswith("left_"):
            other = "right_" + name[5:]
        elif name.startswith("right_"):
            other = "left_" + name[6:]
        swapped[other] = (-p[0], p[1], p[2])
    return swapped


def pose_skeleton(pose: Pose) -> Skeleton:
    """Place every point of the figure for a pose (the pelvis centre at pose['root'])."""
    b = BODY
    root = pose.get("root", {})
    origin: Vec = (root.get("x", 0.0), root.get("y", 1.0), root.get("z", 0.0))
    pelvis = _mul(
        _mul(_ry(angle(pose, "pelvis", "yaw")), _rx(angle(pose, "pelvis", "pitch"))),
        _rz(angle(pose, "pelvis", "roll")),
    )
    # The spine bends forward (toward +Z), twists (+ turns the chest to the figure's left) and
    # bends sideways (+ toward the figure's right).
    chest_frame = _mul(
        pelvis,
        _mul(
            _mul(_rx(angle(pose, "spine", "flex")), _ry(angle(pose, "spine", "twist"))),
            _rz(angle(pose, "spine", "side")),
        ),
    )
    points: dict[str, Vec] = {"pelvis": origin}
    marks: dict[str, Vec] = {}
    chest = _add(origin, _apply(chest_frame, _scale(UP, b.torso)))
    points["chest"] = chest
    head_frame = _mul(
        chest_frame, _mul(_ry(angle(pose, "neck", "turn")), _rx(angle(pose, "neck", "flex")))
    )
    points["head"] = _add(chest, _apply(head_frame, _scale(UP, b.neck + b.head_radius)))
    points["nose"] = _add(points["head"], _apply(head_frame, _scale(FORWARD, b.head_radius)))

    for side in SIDES:
        # Mirror sign: +1 for the left side (its outside is +X), -1 for the right.
        s = 1.0 if side == "left" else -1.0
        hip = _add(origin, _apply(pelvis, (s * b.hip_half_width, 0.0, 0.0)))
        # Internal rotation turns the front of the thigh toward the middle; flexion lifts the
        # thigh forward; abduction takes it out to the side.
        thigh_frame = _mul(
            pelvis,
            _mul(
                _mul(
                    _rx(-angle(pose, f"{side}_hip", "flex")),
                    _rz(s * angle(pose, f"{side}_hip", "abd")),
                ),
                _ry(-s * angle(pose, f"{side}_hip", "rot")),
            ),
        )
        knee = _add(hip, _apply(thigh_frame, _scale(DOWN, b.thigh)))
        # The kneecap: on the front of the thigh's end, so it turns with the thigh.
        marks[f"{side}_kneecap"] = _add(
            knee, _apply(thigh_frame, (0.0, 0.0, b.radius_thigh * 0.85))
        )
        # The knee bends one way only: the shin swings back, behind the thigh.
        shin_frame = _mul(thigh_frame, _rx(angle(pose, f"{side}_knee", "flex")))
        ankle = _add(knee, _apply(shin_frame, _scale(DOWN, b.shin)))
        foot_frame = _mul(shin_frame, _rx(angle(pose, f"{side}_ankle", "flex")))
        toe = _add(ankle, _apply(foot_frame, (0.0, -b.radius_foot, b.foot)))
        heel = _add(ankle, _apply(foot_frame, (0.0, -b.radius_foot, -b.heel)))
        points.update(
            {
                f"{side}_hip": hip,
                f"{side}_knee": knee,
                f"{side}_ankle": ankle,
                f"{side}_toe": toe,
                f"{side}_heel": heel,
            }
        )
        shoulder = _add(chest, _apply(chest_frame, (s * b.shoulder_half_width, 0.0, 0.0)))
        # As at the hip: internal rotation turns the front of the upper arm toward the middle,
        # so with the elbow bent the forearm swings in across the belly (external: out).
        arm_frame = _mul(
            chest_frame,
            _mul(
                _mul(
                    _rx(-angle(pose, f"{side}_shoulder", "flex")),
                    _rz(s * angle(pose, f"{side}_shoulder", "abd")),
                ),
                _ry(-s * angle(pose, f"{side}_shoulder", "rot")),
            ),
        )
        elbow = _add(shoulder, _apply(arm_frame, _scale(DOWN, b.upper_arm)))
        # The elbow bends the forearm forward (toward the front of the upper arm).
        forearm_frame = _mul(arm_frame, _rx(-angle(pose, f"{side}_elbow", "flex")))
        hand = _add(elbow, _apply(forearm_frame, _scale(DOWN, b.forearm)))
        points.update({f"{side}_shoulder": shoulder, f"{side}_elbow": elbow, f"{side}_hand": hand})
    return Skeleton(points, marks)


def out_of_range(pose: Pose) -> str | None:
    """Return the first angle outside its human range, as 'left_knee.flex = 170', or None."""
    for joint, angles in pose.items():
        if joint == "root":
            continue
        kind = joint_kind(joint)
        if joint not in JOINTS:
            return f"{joint}: not a joint (one of {', '.join(JOINTS)})"
        for name, value in angles.items():
            if name not in RANGES[kind]:
                return f"{joint}.{name}: not an angle of a {kind} ({', '.join(RANGES[kind])})"
            low, high = RANGES[kind][name]
            if not low <= value <= high:
                return f"{joint}.{name} = {value:g} is outside {low:g}..{high:g}"
    return None


def blend(a: Pose, b: Pose, t: float) -> Pose:
    """Return the pose a fraction t of the way from a to b (angle by angle; unset is 0)."""
    out: Pose = {}
    for joint in set(a) | set(b):
        names = set(a.get(joint, {})) | set(b.get(joint, {}))
        out[joint] = {
            n: a.get(joint, {}).get(n, 0.0) * (1 - t) + b.get(joint, {}).get(n, 0.0) * t
            for n in names
        }
    return out


def merge(base: Pose, overrides: Pose) -> Pose:
    """Return base with the angles of overrides replacing its own."""
    out: Pose = {joint: dict(angles) for joint, angles in base.items()}
    for joint, angles in overrides.items():
        out.setdefault(joint, {}).update(angles)
    return out
