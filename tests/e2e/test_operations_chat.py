"""/export, /delete and the operator's /stats, through the chat."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.db.models import Person, Run
from bot.sandbox.harness import Sandbox
from content import library
from tests.e2e.conftest import make_settings
from tests.e2e.helpers import start_routine

T = library().texts
DESK = library().routine("desk")


async def test_export_then_delete_then_export(sandbox: Sandbox, db) -> None:
    ada = sandbox.person(1201, "Ada")
    await ada.send("/start")
    await ada.send("/routine")
    await start_routine(ada, f"{DESK.title} · {DESK.minutes} min")
    dose = library().exercise(DESK.exercises[0]).dose
    await ada.press(T.btn_done.format(count=f"{dose.target} {dose.unit}"))
    await ada.send("/export")
    json_file, csv_file = ada.raw.bot_messages[-2:]
    assert json_file.document_name == "mobility-coach-export.json"
    assert csv_file.document_name == "mobility-coach-export.csv"
    assert json_file.document is not None and csv_file.document is not None
    exported = json.loads(json_file.document)
    assert exported["people"][0]["telegram_id"] == 1201
    assert len(exported["set_logs"]) == 1 and len(exported["runs"]) == 1
    assert b"set_logs,1,reps," in csv_file.document

    await ada.send("/delete")
    assert ada.last.text == T.delete_confirm
    await ada.press(T.btn_delete_no)
    assert ada.last.text == T.delete_cancelled
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 1
    await ada.send("/delete")
    await ada.press(T.btn_delete_yes)
    assert ada.last.text == T.delete_done
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0
        assert await session.scalar(select(func.count()).select_from(Run)) == 0

    await ada.send("/export")
    assert ada.last.text == T.export_nothing
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0, (
            "asking for an export creates no record"
        )


@pytest.fixture
async def with_admin(database_url: str) -> AsyncIterator[Sandbox]:
    settings = make_settings(database_url).model_copy(update={"admin_ids": frozenset({1301})})
    async with Sandbox(settings) as running:
        yield running


async def test_stats_for_the_operator_help_for_everyone_else(with_admin: Sandbox) -> None:
    operator = with_admin.person(1301, "Op")
    someone = with_admin.person(1302, "Sam")
    await someone.send("/start")
    await someone.send("/stats")
    assert "/routine" in someone.last.text and "Operator view" not in someone.last.text
    await operator.send("/stats")
    text = operator.last.text
    assert text.startswith("📊 Operator view")
    assert "People: 1 (0 blocked the bot)" in text
    assert "Routines finished in the last 24 h: 0" in text
