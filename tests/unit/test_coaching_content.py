"""coaching.yaml loads with the issue's thresholds, and a broken one names its file and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.domain.progression import Reason
from content import CONTENT_DIR, ContentError, load_library
from content.coaching import CoachingRules


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A writable copy of the real content folder (YAML files only)."""
    target = tmp_path / "content"
    target.mkdir()
    for source in CONTENT_DIR.glob("*.yaml"):
        shutil.copy(source, target / source.name)
    return target


def test_the_bundled_rules_are_the_issues() -> None:
    rules = load_library(CONTENT_DIR).coaching
    assert isinstance(rules, CoachingRules)
    p, pain, balance, checkup = rules.progression, rules.pain, rules.balance, rules.checkup
    assert (p.top_sessions, p.ask_again_after, p.low_sessions, p.break_days) == (2, 2, 2, 14)
    assert (pain.therapist_sessions, balance.percent, balance.sessions) == (3, 20, 3)
    assert checkup.repeat_days == 28
    # The decided pain mapping: Some is up to about 5/10, above mild; Sharp is above 5/10.
    assert pain.scale.some == pain.acceptable_max == 5
    assert pain.mild_max < pain.scale.some < pain.scale.sharp


def test_every_reason_is_a_plain_identifier_the_interface_can_key_texts_by() -> None:
    assert all(reason.value.isidentifier() for reason in Reason)


def _change(path: Path, edit: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _set(*keys: str | int, value: Any) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value

    return edit


def _delete(*keys: str | int) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        for key in keys[:-1]:
            data = data[key]
        del data[keys[-1]]

    return edit


def _three_questions(data: Any) -> None:
    data["checkup"]["questions"] = data["checkup"]["questions"][:3]


def _same_question_twice(data: Any) -> None:
    questions = data["checkup"]["questions"]
    questions[1]["id"] = questions[0]["id"]


def _two_range_answers(data: Any) -> None:
    data["checkup"]["range_test"]["answers"].pop()


def _bands_out_of_order(data: Any) -> None:
    bands = data["checkup"]["bands"]
    bands[0], bands[1] = bands[1], bands[0]


def _level_missing(data: Any) -> None:
    del data["checkup"]["bands"][0]["levels"]["seated_ir"]


def _level_not_in_routine(data: Any) -> None:
    data["checkup"]["bands"][0]["levels"]["banded_ir"] = 0


BROKEN = [
    (_set("progression", "top_sessions", value=0), "progression.top_sessions"),
    (_set("progression", "break_days", value="14"), "progression.break_days"),
    (_set("progression", "low_sessions", value=2.5), "progression.low_sessions"),
    (_delete("progression", "ask_again_after"), "progression.ask_again_after"),
    (_set("progression", "tempo", value=3), "progression.tempo"),
    (_set("pain", "mild_max", value=6), "pain: Value error, acceptable_max must not be below"),
    (_set("pain", "acceptable_max", value=10), "pain: Value error, scale.sharp must be above"),
    (_set("pain", "scale", "sharp", value=4), "pain.scale: Value error, sharp must stand"),
    (_set("pain", "therapist_window", value=2), "pain: Value error, therapist_window"),
    (_set("balance", "percent", value=100), "balance.percent"),
    (_set("checkup", "repeat_days", value=0), "checkup.repeat_days"),
    (_three_questions, "checkup.questions"),
    (_same_question_twice, "checkup: Value error, question ids must be unique"),
    (_two_range_answers, "checkup.range_test.answers"),
    (_bands_out_of_order, "checkup: Value error, bands must be in strictly ascending"),
    (_set("checkup", "bands", 2, "up_to", value=9), "checkup: Value error, the last band"),
    (
        _set("checkup", "bands", 0, "levels", "seated_ir", value=2),
        "checkup.bands.0.levels.seated_ir",
    ),
    (_set("checkup", "bands", 1, "routine", value="gym"), "checkup.bands.1.routine: unknown"),
    (_level_missing, "checkup.bands.0.levels: no level for ['seated_ir']"),
    (_level_not_in_routine, "checkup.bands.0.levels: ['banded_ir'] not in routine"),
]


@pytest.mark.parametrize(("edit", "where"), BROKEN, ids=[where for _, where in BROKEN])
def test_a_broken_coaching_file_names_file_and_field(
    content_dir: Path, edit: Callable[[Any], None], where: str
) -> None:
    path = content_dir / "coaching.yaml"
    _change(path, edit)
    with pytest.raises(ContentError) as caught:
        load_library(content_dir)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert where in message, message


def test_a_missing_coaching_file_is_named(content_dir: Path) -> None:
    (content_dir / "coaching.yaml").unlink()
    with pytest.raises(ContentError, match=r"coaching\.yaml: cannot read"):
        load_library(content_dir)
