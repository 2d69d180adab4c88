"""Export and delete against the schema: every table about a person is covered."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from bot.db.models import (
    Base,
    CheckIn,
    Checkup,
    Delivery,
    ExerciseLevel,
    HipDay,
    Milestone,
    Pause,
    Person,
    Run,
    SetLog,
    Team,
    TeamMember,
)
from bot.db.unit_of_work import units
from bot.services.data_rights import NOT_PERSONAL, DataRightsService, personal_tables
from bot.services.people import PersonRef

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADA = PersonRef(1, 1, "Ada")
BOB = PersonRef(2, 2, "Bob")


def test_every_table_is_either_about_a_person_or_declared_not_to_be() -> None:
    personal = {t.name for t in personal_tables()}
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_PERSONAL:
            assert "person_id" not in table.columns, f"{table.name} holds person_id after all"
        else:
            # A new table must have a person_id (then export and delete cover it) or be
            # declared in NOT_PERSONAL after thinking about it.
            assert table.name in personal, f"{table.name}: personal data or not? decide"


async def fill(sessions, ref: PersonRef) -> int:
    """Give a person a row in every personal table; return the person's id."""
    async with sessions.begin() as session:
        person = Person(
            telegram_id=ref.telegram_id,
            chat_id=ref.chat_id,
            first_name=ref.first_name,
            timezone="Europe/Berlin",
            created_at=NOW,
            updated_at=NOW,
            remind_at=time(9, 0),
        )
        session.add(person)
        await session.flush()
        run = Run(
            person_id=person.id,
            routine_id="desk",
            plan="seated_ir:l,seated_ir:r",
            status="finished",
            step_index=2,
            version=2,
            chat_id=ref.chat_id,
            timezone="Europe/Berlin",
            started_at=NOW,
            step_started_at=NOW,
            finished_at=NOW,
            local_date=date(2026, 3, 2),
            sets_done=1,
        )
        session.add(run)
        # A group's team (not personal) and the person's stay on it (personal).
        team = Team(
            code=f"code{person.id}",
            chat_id=-1000 - person.id,
            title="Office",
            timezone="Europe/Berlin",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(team)
        await session.flush()
        session.add_all(
            [
                SetLog(
                    run_id=run.id,
                    person_id=person.id,
                    step_index=0,
                    exercise_id="seated_ir",
                    side="left",
                    level=0,
                    status="done",
                    reps=15,
                    started_at=NOW,
                    logged_at=NOW,
                ),
                ExerciseLevel(
                    person_id=person.id, exercise_id="seated_ir", level=1, updated_at=NOW
                ),
                Delivery(
                    person_id=person.id,
                    kind="daily",
                    local_date=date(2026, 3, 2),
                    seq=0,
                    status="sent",
                    due_at=NOW,
                    claimed_at=NOW,
                    claimed_by="w",
                ),
                Pause(person_id=person.id, first_day=date(2026, 3, 3), last_day=date(2026, 3, 4)),
                Milestone(person_id=person.id, days=3, celebrated_at=NOW),
                TeamMember(
                    team_id=team.id,
                    person_id=person.id,
                    joined_on=date(2026, 3, 2),
                    joined_at=NOW,
                ),
                CheckIn(
                    person_id=person.id,
                    run_id=run.id,
                    answer="some",
                    exercise_id="seated_ir",
                    local_date=date(2026, 3, 2),
                    answered_at=NOW,
                ),
                HipDay(
                    person_id=person.id, local_date=date(2026, 3, 3), answer="same", answered_at=NOW
                ),
                Checkup(
                    person_id=person.id,
                    local_date=date(2026, 3, 2),
                    taken_at=NOW,
                    answers='{"cross_legged": true}',
                    score=3,
                    band="some",
                ),
            ]
        )
        return person.id


async def test_export_has_a_row_from_every_personal_table(sessions) -> None:
    await fill(sessions, ADA)
    await fill(sessions, BOB)
    export = await DataRightsService(units(sessions)).export(ADA)
    assert export is not None
    assert set(export.tables) == {t.name for t in personal_tables()}
    assert all(len(rows) == 1 for rows in export.tables.values()), export.tables
    assert export.tables["people"][0]["first_name"] == "Ada"
    assert json.loads(export.to_json())["set_logs"][0]["reps"] == 15
    csv_text = export.to_csv().decode()
    assert csv_text.splitlines()[0] == "table,row,column,value"
    assert "set_logs,1,reps,15" in csv_text
    assert "Bob" not in export.to_json().decode()


async def test_delete_removes_every_row_about_the_person_and_only_theirs(sessions) -> None:
    ada_id = await fill(sessions, ADA)
    bob_id = await fill(sessions, BOB)
    rights = DataRightsService(units(sessions))
    assert await rights.delete(ADA)
    async with sessions() as session:
        for table in personal_tables():
            key = table.c.id if table.name == "people" else table.c.person_id
            left = await session.scalar(
                select(func.count()).select_from(table).where(key == ada_id)
            )
            kept = await session.scalar(
                select(func.count()).select_from(table).where(key == bob_id)
            )
            assert (table.name, left, kept) == (table.name, 0, 1)
    assert await rights.export(ADA) is None
    assert not await rights.delete(ADA)
