"""The bundled exercise library loads, and broken content fails naming its file and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from content import (
    CONTENT_DIR,
    EASIER,
    HARDER,
    LEVELS,
    STANDARD,
    ContentError,
    Library,
    Needs,
    Variation,
    load_library,
)

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
WEIGHT = "0.5–1 kg (1–2 lb)"


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library(CONTENT_DIR)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A writable copy of the real content folder (YAML files only, the poses included)."""
    target = tmp_path / "content"
    target.mkdir()
    for source in CONTENT_DIR.glob("*.yaml"):
        shutil.copy(source, target / source.name)
    shutil.copytree(CONTENT_DIR / "poses", target / "poses")
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
    assert 1 <= len(exercise.form_cues) + len(exercise.safety_cues) <= 5


def test_harder_doses_never_exceed_the_standard(lib: Library) -> None:
    for exercise in lib.exercises.values():
        harder = exercise.dose_for(1)
        assert harder.max <= exercise.dose.max, exercise.id
        assert harder.per_side == exercise.dose.per_side, exercise.id


def test_default_routine_is_desk(lib: Library) -> None:
    assert lib.default_routine == "desk"
    assert lib.routine("desk").setting == "desk"


def test_desk_routine_shows_only_desk_safe_versions(lib: Library) -> None:
    desk = lib.routine("desk")
    assert 3 <= len(desk.exercises) <= 4
    assert desk.minutes <= 7
    for ex_id in desk.exercises:
        exercise = lib.exercise(ex_id)
        top = desk.top_level(exercise)
        assert top is not None, ex_id
        for level in (level for level in LEVELS if level <= top):
            needs = exercise.variation(level).needs
            assert needs.floor == "feet_only", (ex_id, level)
            if needs.balance == "one_leg":
                assert needs.support in {"wall", "desk", "chair"}, (ex_id, level)


def test_desk_defaults_hold_the_wall_or_a_chair_and_the_floor_is_left_out(lib: Library) -> None:
    desk = lib.routine("desk")
    tops = {ex_id: desk.top_level(lib.exercise(ex_id)) for ex_id in desk.exercises}
    assert tops == {"seated_ir": HARDER, "revolved_pyramid": HARDER, "warrior_half_moon": STANDARD}
    warrior = lib.exercise("warrior_half_moon")
    assert warrior.standard.needs == Needs(support="wall", balance="one_leg", floor="feet_only")
    assert "wall or desk" in warrior.standard.equipment
    assert warrior.harder.needs.floor == "hand"  # half moon with a hand down: the Full set only
    pyramid = lib.exercise("revolved_pyramid")
    assert pyramid.standard.needs.support == "chair"
    assert all(pyramid.variation(level).needs.floor == "feet_only" for level in LEVELS)
    for routine in lib.routines.values():
        if routine.setting != "desk":
            assert {routine.top_level(lib.exercise(e)) for e in routine.exercises} == {HARDER}


def _variation(support: str, balance: str, floor: str) -> Variation:
    needs = Needs.model_validate({"support": support, "balance": balance, "floor": floor})
    return Variation(name="Test", steps=["One step."], needs=needs, equipment=[])


@pytest.mark.parametrize(
    ("support", "balance", "floor", "safe"),
    [
        ("chair", "seated", "feet_only", True),
        ("none", "two_feet", "feet_only", True),
        ("none", "split_stance", "feet_only", True),
        ("wall", "one_leg", "feet_only", True),
        ("desk", "one_leg", "feet_only", True),
        ("chair", "one_leg", "feet_only", True),
        ("none", "one_leg", "feet_only", False),  # free balance next to a desk
        ("block", "one_leg", "feet_only", False),  # a block is no hand-hold
        ("none", "split_stance", "hand", False),  # a hand to the floor
        ("wall", "one_leg", "hand", False),
        ("none", "all_fours", "knees", False),
        ("none", "seated", "sitting", False),
        ("none", "lying", "lying", False),
    ],
)
def test_desk_rule(support: str, balance: str, floor: str, safe: bool) -> None:
    variation = _variation(support, balance, floor)
    assert variation.desk_safe is safe
    assert (variation.desk_problem is None) is safe


def test_sides_are_named_by_the_leg_that_works(lib: Library) -> None:
    namings = {ex_id: ex.sides for ex_id, ex in lib.exercises.items()}
    assert namings == {
        "seated_ir": "foot",
        "ninety_ninety": "back_leg",
        "prone_wipers": None,  # both hips at once
        "tabletop_circles": "working_leg",
        "revolved_pyramid": "back_leg",
        "warrior_half_moon": "standing_leg",
        "banded_ir": "working_leg",
    }
    banded = lib.exercise("banded_ir")
    assert banded.sides_for(HARDER) == "standing_leg"  # balancing on the banded leg
    assert banded.sides_for(STANDARD) == banded.sides_for(EASIER) == "working_leg"
    texts = lib.texts
    assert texts.side("back_leg", "left") == "Left leg back"
    assert texts.side("standing_leg", "right") == "Standing on your right leg"
    assert texts.side("foot", "left") == "Left foot"
    assert texts.side("working_leg", "left") == "Left leg"


def test_each_version_has_its_own_setup_where_it_differs(lib: Library) -> None:
    banded = lib.exercise("banded_ir")
    assert "band" in banded.setup_for(STANDARD).lower()
    assert "band" not in banded.setup_for(EASIER).lower()
    assert banded.easier.equipment == []
    assert banded.setup_for(HARDER) == banded.setup


def test_safety_cues_are_pain_and_balance_only(lib: Library) -> None:
    for exercise in lib.exercises.values():
        assert any("sharp pain" in cue for cue in exercise.safety_cues), exercise.id
        assert not any("pain" in cue for cue in exercise.form_cues), exercise.id
    warrior = lib.exercise("warrior_half_moon")
    assert any("wobble" in cue for cue in warrior.safety_cues)


def test_every_weight_says_how_heavy(lib: Library) -> None:
    weighted = []
    for exercise in lib.exercises.values():
        for level in LEVELS:
            variation = exercise.variation(level)
            text = " ".join([*variation.steps, *variation.equipment])
            if "ankle weight" in text or "light weight" in text:
                weighted.append(exercise.id)
                assert WEIGHT in text, (exercise.id, variation.name)
    assert sorted(weighted) == ["ninety_ninety", "seated_ir", "tabletop_circles"]


def test_table_top_circles_say_what_one_rep_is(lib: Library) -> None:
    circles = lib.exercise("tabletop_circles")
    assert "One circle each way makes one rep." in circles.standard.steps
    easier = " ".join(circles.easier.steps)
    assert "one way" in easier and "the other way" in easier and "one rep" in easier
    assert "only" not in easier  # no "one direction only" next to the other direction
    assert "one rep" in " ".join(circles.harder.steps)


def test_unit_words_have_singular_and_plural(lib: Library) -> None:
    texts = lib.texts
    assert texts.count("breaths", 1) == "1 breath"
    assert texts.count("breaths", 5) == "5 breaths"
    assert texts.count("rounds", 4) == "4 rounds"
    assert texts.count_range("reps", 10, 15) == "10-15 reps"
    assert texts.count_range("rounds", 3, 3) == "3 rounds"
    assert texts.counts("reps", [15, 12]) == "15+12 reps"
    assert texts.counts("reps", [1]) == "1 rep"


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


def _desk_exercise_without_a_desk_safe_version(data: Any) -> None:
    warrior = next(e for e in data["exercises"] if e["id"] == "warrior_half_moon")
    warrior["easier"]["needs"]["floor"] = "hand"


def _other_unit_in_a_version(data: Any) -> None:
    data["exercises"][0]["harder"]["dose"]["unit"] = "breaths"


def _sided_without_naming(data: Any) -> None:
    del data["exercises"][0]["sides"]


def _unknown_floor_contact(data: Any) -> None:
    data["exercises"][0]["standard"]["needs"]["floor"] = "elbows"


def _version_without_needs(data: Any) -> None:
    del data["exercises"][1]["easier"]["needs"]


def _units_without_breaths(data: Any) -> None:
    del data["units"]["breaths"]


def _side_names_without_foot(data: Any) -> None:
    del data["side_names"]["foot"]


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
    ("exercises.yaml", _other_unit_in_a_version, "exercises.0", "exercise's unit"),
    ("exercises.yaml", _sided_without_naming, "exercises.0", "sides"),
    ("exercises.yaml", _unknown_floor_contact, "exercises.0.standard.needs.floor", "feet_only"),
    ("exercises.yaml", _version_without_needs, "exercises.1.easier.needs", "required"),
    ("texts.yaml", _units_without_breaths, "units", "missing breaths"),
    ("texts.yaml", _side_names_without_foot, "side_names", "missing foot"),
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


def test_desk_routine_without_a_desk_safe_version_is_refused(content_dir: Path) -> None:
    index = _routines_index(content_dir, "desk")
    desk = _load(content_dir / "routines.yaml")["routines"][index]["exercises"]
    exercises = [e["id"] for e in _load(content_dir / "exercises.yaml")["exercises"]]
    _edit("exercises.yaml", _desk_exercise_without_a_desk_safe_version)(content_dir)
    with pytest.raises(ContentError) as info:
        load_library(content_dir)
    message = str(info.value)
    assert message.startswith(f"{content_dir / 'routines.yaml'}: "), message
    assert f"routines.{index}.exercises.{desk.index('warrior_half_moon')}:" in message, message
    assert "'warrior_half_moon' is not possible at a desk" in message
    where = f"exercises.yaml: exercises.{exercises.index('warrior_half_moon')}.easier.needs"
    assert where in message, message
    assert "only the feet touch the floor" in message


def test_a_desk_routine_stops_below_the_first_version_that_needs_the_floor(
    content_dir: Path,
) -> None:
    def standard_hand_down(data: Any) -> None:
        warrior = next(e for e in data["exercises"] if e["id"] == "warrior_half_moon")
        warrior["standard"]["needs"] = {"support": "none", "balance": "one_leg", "floor": "hand"}

    _edit("exercises.yaml", standard_hand_down)(content_dir)
    lib = load_library(content_dir)
    warrior = lib.exercise("warrior_half_moon")
    assert lib.routine("desk").top_level(warrior) == EASIER
    assert lib.routine("full").top_level(warrior) == HARDER


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
