"""Load and validate the exercise library; a bad file fails loudly with its file and field."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from content.body import SIDES
from content.coaching import CoachingRules
from content.i18n import LANGUAGES
from content.i18n import replace_library_language as translated
from content.models import (
    EASIER,
    HARDER,
    LEVELS,
    STANDARD,
    Dose,
    Exercise,
    Guide,
    Hold,
    Needs,
    Routine,
    Variation,
)
from content.poses import Demo, ExerciseDemos
from content.texts import Texts

__all__ = [
    "EASIER",
    "HARDER",
    "LEVELS",
    "STANDARD",
    "ContentError",
    "Dose",
    "Exercise",
    "Guide",
    "Hold",
    "Library",
    "Needs",
    "Routine",
    "Texts",
    "Variation",
    "library",
    "load_library",
]

CONTENT_DIR = Path(__file__).resolve().parent


class ContentError(Exception):
    """A content file is missing, unreadable or invalid; the message names file and field."""


@dataclass(frozen=True)
class Library:
    """The validated content: exercises and routines by id, the guide and the interface texts."""

    exercises: dict[str, Exercise]
    routines: dict[str, Routine]
    default_routine: str
    guide: Guide
    texts: Texts
    coaching: CoachingRules
    # How each exercise version is shown (content/poses/<exercise id>.yaml).
    demos: dict[str, ExerciseDemos]
    # The language its texts are in (content/i18n.py); the content itself is the same.
    language: str = "en"

    def routine(self, routine_id: str) -> Routine:
        """Return a routine by id (KeyError when unknown)."""
        return self.routines[routine_id]

    def exercise(self, exercise_id: str) -> Exercise:
        """Return an exercise by id (KeyError when unknown)."""
        return self.exercises[exercise_id]


M = TypeVar("M", bound=BaseModel)


class _ExerciseFile(BaseModel):
    exercises: list[Exercise]


class _RoutineFile(BaseModel):
    default: str
    routines: list[Routine]


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc


def _parse(path: Path, model: type[M]) -> M:
    data = _read(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ContentError(f"{path}: {field}: {first['msg']}{more}") from exc


def load_library(directory: Path = CONTENT_DIR, *, with_demos: bool = True) -> Library:
    """Read every content file in a folder, validate it and check cross-references.

    with_demos=False leaves the demonstrations out (the preview tool reads the one file being
    written itself, while others may be unfinished); the bot always loads every one.
    """
    ex_path = directory / "exercises.yaml"
    rt_path = directory / "routines.yaml"
    exercises_file = _parse(ex_path, _ExerciseFile)
    routines_file = _parse(rt_path, _RoutineFile)
    guide = _parse(directory / "guide.yaml", Guide)
    texts = _parse(directory / "texts.yaml", Texts)

    exercises: dict[str, Exercise] = {}
    index_of: dict[str, int] = {}
    for index, exercise in enumerate(exercises_file.exercises):
        if exercise.id in exercises:
            raise ContentError(f"{ex_path}: exercises.{index}.id: duplicate id {exercise.id!r}")
        exercises[exercise.id] = exercise
        index_of[exercise.id] = index

    routines: dict[str, Routine] = {}
    for index, routine in enumerate(routines_file.routines):
        where = f"{rt_path}: routines.{index}"
        if routine.id in routines:
            raise ContentError(f"{where}.id: duplicate id {routine.id!r}")
        for position, exercise_id in enumerate(routine.exercises):
            if exercise_id not in exercises:
                raise ContentError(
                    f"{where}.exercises.{position}: unknown exercise {exercise_id!r}"
                )
            easiest = exercises[exercise_id].easier
            if routine.top_level(exercises[exercise_id]) is None:
                raise ContentError(
                    f"{where}.exercises.{position}: {exercise_id!r} is not possible at a desk: "
                    f"even its easier version {easiest.name!r} {easiest.desk_problem} "
                    f"({ex_path.name}: exercises.{index_of[exercise_id]}.easier.needs)"
                )
        routines[routine.id] = routine
    if routines_file.default not in routines:
        raise ContentError(f"{rt_path}: default: unknown routine {routines_file.default!r}")
    coaching = _parse(directory / "coaching.yaml", CoachingRules)
    if (problem := coaching.unknown_reference(routines, exercises)) is not None:
        raise ContentError(f"{directory / 'coaching.yaml'}: {problem}")

    demos = _load_demos(directory / "poses", exercises, texts) if with_demos else {}
    return Library(
        exercises=exercises,
        routines=routines,
        default_routine=routines_file.default,
        guide=guide,
        texts=texts,
        coaching=coaching,
        demos=demos,
    )


def _load_demos(
    folder: Path, exercises: dict[str, Exercise], texts: Texts
) -> dict[str, ExerciseDemos]:
    """Read and check one demonstration file per exercise (content/poses/<id>.yaml)."""
    demos: dict[str, ExerciseDemos] = {}
    for exercise_id, exercise in exercises.items():
        path = folder / f"{exercise_id}.yaml"
        if not path.exists():
            raise ContentError(f"{path}: missing: every exercise needs its demonstrations")
        file = _parse(path, ExerciseDemos)
        if file.exercise != exercise_id:
            raise ContentError(
                f"{path}: exercise: {file.exercise!r} in the file of {exercise_id!r}"
            )
        for level, name in ((-1, "easier"), (0, "standard"), (1, "harder")):
            demo = file.level(level)
            dose = exercise.dose_for(level)
            problem = demo.problem() or _against_dose(demo, dose, texts)
            if problem is None and not dose.per_side:
                # Both legs work at once: the demonstration has no side to mirror.
                sided = {limb.split("_", 1)[0] for limb in demo.working if limb.endswith("_leg")}
                if sided != set(SIDES):
                    problem = "working: an exercise without sides highlights both legs"
            if problem is not None:
                raise ContentError(f"{path}: {name}.{problem}")
        demos[exercise_id] = file
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in exercises:
            raise ContentError(f"{path}: no exercise {path.stem!r} in exercises.yaml")
    return demos


def _against_dose(demo: Demo, dose: Dose, texts: Texts) -> str | None:
    """Return what in a demonstration's motion its dose cannot time, or an unknown cue."""
    for index, move in enumerate(demo.motion):
        if move.hold and dose.hold is None:
            return f"motion.{index}: hold: true, but the dose has no hold"
        if move.breaths and dose.unit != "breaths":
            return f"motion.{index}: breaths: true, but the dose counts {dose.unit}"
        if move.cue is not None and move.cue not in texts.media_cues:
            return f"motion.{index}: cue {move.cue!r} is not in texts.yaml media_cues"
    for index, item in enumerate(demo.attached):
        if item.kind == "band" and item.to is None:
            return f"attached.{index}: a band needs `to`"
    return None


def content_model(file_name: str) -> type[BaseModel] | None:
    """Return the model a content file is read with (for extracting its texts), if any."""
    return _FILE_MODELS.get(file_name)


_FILE_MODELS: dict[str, type[BaseModel]] = {
    "exercises.yaml": _ExerciseFile,
    "routines.yaml": _RoutineFile,
    "guide.yaml": Guide,
    "texts.yaml": Texts,
    "coaching.yaml": CoachingRules,
}


@functools.cache
def library(language: str = "en") -> Library:
    """Return the bundled library in a language, loaded once per process and language.

    A language we do not speak (a value stored before a language was dropped) is English.
    """
    if language == "en":
        return load_library()
    if language not in LANGUAGES:
        return library()
    return translated(library(), language)
