"""The bundled exercise library loads, and broken content fails naming its file and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from content import CONTENT_DIR, DESK_POSITIONS, ContentError, Library, load_library

EXPECTED_IDS = {
    "seated_ir",
    "ninety_ninety",
    "prone_wipers",
    "tabletop_circles",
    "revolved_pyramid",
    "warrior_half_moon",
    "banded_ir",
}
MAX_STEP_CHARS = 140


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library(CONTENT_DIR)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A writable copy of the real content folder (YAML files only)."""
    target = tmp_path / "content"
    target.mkdir()
    for source in CONTENT_DIR.glob("*.yaml"):
        shutil.copy(source, target / source.name)
    return target


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


# --- the bundled library -------------------------------------------------------------------


def test_copied_folder_loads_like_the_bundled_one(content_dir: Path, lib: Library) -> None:
    copy = load_library(content_dir)
    assert copy.exercises == lib.exercises
    assert copy.routines == lib.routines


def test_library_has_the_seven_exercises(lib: Library) -> None:
    assert len(lib.exercises) == 7
    assert set(lib.exercises) == EXPECTED_IDS


def test_positions_match_the_exercises(lib: Library) -> None:
    positions = {ex_id: ex.position for ex_id, ex in lib.exercises.items()}
    assert positions == {
        "seated_ir": "seated",
        "ninety_ninety": "floor",
        "prone_wipers": "floor",
        "tabletop_circles": "all-fours",
        "revolved_pyramid": "standing",
        "warrior_half_moon": "standing",
        "banded_ir": "standing",
    }


def test_doses_follow_the_source(lib: Library) -> None:
    def summary(ex_id: str) -> tuple[int, int, str, bool]:
        dose = lib.exercise(ex_id).dose
        return dose.min, dose.max, dose.unit, dose.per_side

    assert summary("seated_ir") == (10, 15, "reps", True)
    assert summary("ninety_ninety") == (8, 12, "reps", True)
    assert summary("prone_wipers") == (10, 12, "reps", False)
    assert summary("tabletop_circles") == (5, 8, "reps", True)
    assert summary("revolved_pyramid") == (3, 5, "breaths", True)
    assert summary("warrior_half_moon") == (3, 4, "rounds", True)
    assert summary("banded_ir") == (8, 10, "reps", True)
    hold = lib.exercise("prone_wipers").dose.hold
    assert hold is not None
    assert (hold.min, hold.max, hold.unit) == (2, 3, "seconds")


@pytest.mark.parametrize("ex_id", sorted(EXPECTED_IDS))
def test_variations_are_distinct(lib: Library, ex_id: str) -> None:
    exercise = lib.exercise(ex_id)
    variations = [exercise.standard, exercise.easier, exercise.harder]
    assert len({v.name for v in variations}) == 3
    assert len({tuple(v.steps) for v in variations}) == 3
    assert [exercise.variation(level) for level in (-1, 0, 1)] == [
        exercise.easier,
        exercise.standard,
        exercise.harder,
    ]


@pytest.mark.parametrize("ex_id", sorted(EXPECTED_IDS))
def test_steps_are_short_and_side_neutral(lib: Library, ex_id: str) -> None:
    exercise = lib.exercise(ex_id)
    for variation in (exercise.standard, exercise.easier, exercise.harder):
        assert 2 <= len(variation.steps) <= 6, variation.name
        for step in variation.steps:
            assert step.strip(), variation.name
            assert len(step) < MAX_STEP_CHARS, step
            words = set(step.lower().replace(",", " ").replace(".", " ").split())
            assert not words & {"left", "right"}, step
    assert 1 <= len(exercise.cues) <= 4


def test_harder_doses_never_exceed_the_standard(lib: Library) -> None:
    for exercise in lib.exercises.values():
        harder = exercise.dose_for(1)
        assert harder.max <= exercise.dose.max, exercise.id
        assert harder.per_side == exercise.dose.per_side, exercise.id


def test_default_routine_is_desk(lib: Library) -> None:
    assert lib.default_routine == "desk"
    assert lib.routine("desk").setting == "desk"


def test_desk_routine_is_seated_or_standing_only(lib: Library) -> None:
    desk = lib.routine("desk")
    assert 3 <= len(desk.exercises) <= 4
    assert desk.minutes <= 7
    for ex_id in desk.exercises:
        assert lib.exercise(ex_id).position in DESK_POSITIONS, ex_id


def test_floor_routine_is_mat_work(lib: Library) -> None:
    floor = lib.routine("floor")
    assert floor.setting == "floor"
    assert {"ninety_ninety", "prone_wipers", "tabletop_circles"} <= set(floor.exercises)


def test_full_routine_has_all_seven_once(lib: Library) -> None:
    full = lib.routine("full")
    assert sorted(full.exercises) == sorted(EXPECTED_IDS)


def test_guide_covers_the_self_check_and_safety(lib: Library) -> None:
    guide = lib.guide
    assert len(guide.signs) >= 5
    assert len(guide.who_benefits) >= 4
    assert "physical therapist" in guide.safety
    assert "pain" in guide.safety
    assert "medical advice" in guide.safety


# --- broken content fails loudly --------------------------------------------------------


def _edit(name: str, change: Callable[[Any], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        data = _load(path)
        change(data)
        _dump(path, data)

    return apply


def _set_dose_max_below_min(data: Any) -> None:
    dose = data["exercises"][0]["dose"]
    dose["max"] = dose["min"] - 1


def _set_harder_dose_max_below_min(data: Any) -> None:
    data["exercises"][0]["harder"]["dose"] = {
        "min": 5,
        "max": 3,
        "unit": "reps",
        "per_side": True,
    }


def _set_hold_max_below_min(data: Any) -> None:
    data["exercises"][2]["dose"]["hold"] = {"min": 3, "max": 2, "unit": "seconds"}


def _drop_why(data: Any) -> None:
    del data["exercises"][2]["why"]


def _unknown_position(data: Any) -> None:
    data["exercises"][1]["position"] = "lying"


def _unknown_unit(data: Any) -> None:
    data["exercises"][3]["dose"]["unit"] = "laps"


def _extra_field(data: Any) -> None:
    data["exercises"][0]["standard"]["tempo"] = "slow"


def _empty_steps(data: Any) -> None:
    data["exercises"][4]["easier"]["steps"] = []


def _duplicate_id(data: Any) -> None:
    data["exercises"][1]["id"] = data["exercises"][0]["id"]


def _bad_id(data: Any) -> None:
    data["exercises"][0]["id"] = "Seated IR"


def _unknown_exercise_in_routine(data: Any) -> None:
    data["routines"][0]["exercises"].append("jumping_jacks")


def _floor_exercise_in_desk(data: Any) -> None:
    desk = next(r for r in data["routines"] if r["setting"] == "desk")
    desk["exercises"].append("prone_wipers")


def _unknown_default(data: Any) -> None:
    data["default"] = "nowhere"


def _duplicate_routine(data: Any) -> None:
    data["routines"][1]["id"] = data["routines"][0]["id"]


def _guide_without_safety(data: Any) -> None:
    del data["safety"]


def _routines_index(folder: Path, setting: str) -> int:
    routines = _load(folder / "routines.yaml")["routines"]
    return next(i for i, r in enumerate(routines) if r["setting"] == setting)


BROKEN: list[tuple[str, Callable[[Any], None], str, str]] = [
    ("exercises.yaml", _set_dose_max_below_min, "exercises.0.dose", "max must not be below min"),
    ("exercises.yaml", _set_harder_dose_max_below_min, "exercises.0.harder.dose", "max must"),
    (
        "exercises.yaml",
        _set_hold_max_below_min,
        "exercises.2.dose.hold",
        "max must not be below min",
    ),
    ("exercises.yaml", _drop_why, "exercises.2.why", "required"),
    ("exercises.yaml", _unknown_position, "exercises.1.position", "seated"),
    ("exercises.yaml", _unknown_unit, "exercises.3.dose.unit", "reps"),
    ("exercises.yaml", _extra_field, "exercises.0.standard.tempo", "not permitted"),
    ("exercises.yaml", _empty_steps, "exercises.4.easier.steps", "at least 1"),
    ("exercises.yaml", _duplicate_id, "exercises.1.id", "duplicate id"),
    ("exercises.yaml", _bad_id, "exercises.0.id", "pattern"),
    ("routines.yaml", _unknown_exercise_in_routine, "routines.0.exercises.", "jumping_jacks"),
    ("routines.yaml", _unknown_default, "default", "nowhere"),
    ("routines.yaml", _duplicate_routine, "routines.1.id", "duplicate id"),
    ("guide.yaml", _guide_without_safety, "safety", "required"),
]


@pytest.mark.parametrize(
    ("name", "change", "field", "reason"),
    BROKEN,
    ids=[change.__name__.lstrip("_") for _, change, _, _ in BROKEN],
)
def test_broken_file_names_file_and_field(
    content_dir: Path, name: str, change: Callable[[Any], None], field: str, reason: str
) -> None:
    _edit(name, change)(content_dir)
    with pytest.raises(ContentError) as info:
        load_library(content_dir)
    message = str(info.value)
    assert message.startswith(f"{content_dir / name}: "), message
    assert f": {field}" in message, message
    assert reason in message, message


def test_floor_exercise_in_desk_routine_is_refused(content_dir: Path) -> None:
    index = _routines_index(content_dir, "desk")
    desk_length = len(_load(content_dir / "routines.yaml")["routines"][index]["exercises"])
    _edit("routines.yaml", _floor_exercise_in_desk)(content_dir)
    with pytest.raises(ContentError) as info:
        load_library(content_dir)
    message = str(info.value)
    assert message.startswith(f"{content_dir / 'routines.yaml'}: "), message
    assert f"routines.{index}.exercises.{desk_length}:" in message, message
    assert "prone_wipers" in message
    assert "not possible at a desk" in message


@pytest.mark.parametrize("name", ["exercises.yaml", "routines.yaml", "guide.yaml"])
def test_invalid_yaml_names_the_file(content_dir: Path, name: str) -> None:
    (content_dir / name).write_text("exercises: [unclosed\n  - : :\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_library(content_dir)
    message = str(info.value)
    assert message.startswith(f"{content_dir / name}: "), message
    assert "not valid YAML" in message


@pytest.mark.parametrize("name", ["exercises.yaml", "routines.yaml", "guide.yaml"])
def test_missing_file_names_the_file(content_dir: Path, name: str) -> None:
    (content_dir / name).unlink()
    with pytest.raises(ContentError) as info:
        load_library(content_dir)
    assert str(info.value).startswith(f"{content_dir / name}: ")
    assert "cannot read" in str(info.value)


def test_empty_exercise_file_is_refused(content_dir: Path) -> None:
    (content_dir / "exercises.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_library(content_dir)
    assert str(info.value).startswith(f"{content_dir / 'exercises.yaml'}: ")
