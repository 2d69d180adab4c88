"""Use cases of the guided routine: start a run, apply a button press, look a run up."""

from __future__ import annotations

import enum
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.db.models import Person, Run
from bot.db.repositories.levels import LevelTally
from bot.db.repositories.runs import Seen
from bot.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bot.domain import coaching_plan
from bot.domain.coaching_plan import CapReason, RunCoaching
from bot.domain.history import PainAnswer
from bot.domain.run import (
    Action,
    Notice,
    RunState,
    RunStatus,
    SetRecord,
    SetStatus,
    Side,
    Step,
    apply,
    decode_plan,
    encode_plan,
    level_caps,
    plan_steps,
)
from bot.domain.schedule import local_date
from bot.domain.screening import Screening, may_train
from bot.domain.streak import StreakSummary, milestones_reached, streak
from bot.services.clock import Clock
from bot.services.coaching import CoachingPlanner
from bot.services.hip import gentlest_today
from bot.services.people import PeopleService, PersonRef
from bot.services.records import set_record
from bot.services.training import streak_inputs
from content import Library, Routine

logger = logging.getLogger(__name__)
# A second tap on a start button within this window returns the run the first tap opened.
START_DEDUPE_WINDOW = timedelta(seconds=30)
# Live runs this process last read or wrote, kept so the next press on each writes at once.
SEEN_RUNS = 4096


class Verdict(enum.StrEnum):
    """How a button press on a run was judged."""

    APPLIED = "applied"  # the action changed the run
    UNCHANGED = "unchanged"  # valid press that changes nothing (at the easiest level, a view)
    OUTDATED = "outdated"  # the button is from an earlier state of a live run (double press)
    OVER = "over"  # the run has finished or was stopped
    FOREIGN = "foreign"  # the run belongs to someone else
    MISSING = "missing"  # no such run


@dataclass(frozen=True)
class RunView:
    """A run as the interface shows it."""

    run_id: int
    routine: Routine
    state: RunState
    # The sets logged, read only once the run is over (its summary lists them): a press on a
    # live run needs none of them, and reading them is a query on every press.
    records: tuple[SetRecord, ...]
    message_id: int | None
    coaching: RunCoaching = field(default_factory=RunCoaching)
    # The end-of-run "Any pain?" answer and the exercise picked, once the run is over.
    check_in: tuple[PainAnswer, str | None] | None = None
    # The person's data saver: steps as text only, without animations.
    data_saver: bool = False


@dataclass(frozen=True)
class StartResult:
    """A run started (or the one a repeated tap opened), or why none was: the screening."""

    view: RunView | None
    is_new: bool
    # The first-use screening must be answered (or changed) before any routine starts.
    needs_screening: bool = False


@dataclass(frozen=True)
class FinishFacts:
    """The streak after a finished run, and the milestones it reached for the first time."""

    summary: StreakSummary
    milestones: list[int]
    # (post id, group chat id) of the boards of the person's teams for the day the run counts
    # for, marked for an edit.
    boards: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PressResult:
    """What a press did and the run as it now stands (None when missing or foreign).

    record is the set this press logged, if any; finish is set when this press finished the
    run: the streak and any new milestones.
    """

    verdict: Verdict
    notice: Notice | None
    view: RunView | None
    finish: FinishFacts | None = None
    record: SetRecord | None = None


@dataclass(frozen=True)
class _SeenRun:
    """A live run as this process last read or wrote it, and what its write must check.

    The version a write checks is the view's (view.state.version); seen holds the rest.
    """

    view: RunView
    person_id: int
    telegram_id: int
    step_started_at: datetime
    seen: Seen


@dataclass(frozen=True)
class _PlanParts:
    """A run's routine, steps and coaching as decoded from its stored columns."""

    routine: Routine
    steps: tuple[Step, ...]
    exercise_ids: frozenset[str]
    coaching: RunCoaching
    caps: Mapping[str, int]
    coach_caps: frozenset[str]
    targets: Mapping[tuple[str, int, Side | None], int]


class RoutineService:
    """Runs of routines; each call is one transaction."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        library: Library,
        people: PeopleService,
        clock: Clock,
    ) -> None:
        self._units = units
        self._library = library
        self._people = people
        self._clock = clock
        self.planner = CoachingPlanner(library)
        # A run's stored plan and coaching decode the same on every press of the run: read
        # once per text (the parts are immutable: RunState and RunCoaching are frozen). Each
        # run has its own coaching text, so the cache holds the runs in progress (a few KB
        # each), the least recently pressed going first.
        self._plan_parts = lru_cache(maxsize=1024)(self._decode_plan_parts)
        # A press on a run as this process last saw it writes without reading it first (the
        # read was most of a press's database time); the write checks that nothing it saw has
        # changed, so another process's press or setting is never overwritten.
        self._seen: OrderedDict[int, _SeenRun] = OrderedDict()

    def _decode_plan_parts(
        self, routine_id: str, plan: str, coaching_text: str | None
    ) -> _PlanParts:
        """Return what a run's view reads from its routine, plan and coaching columns."""
        steps = decode_plan(plan)
        routine = self._library.routine(routine_id)
        coaching = coaching_plan.decode(coaching_text)
        caps = level_caps(routine, self._library.exercises)
        for exercise_id, cap in coaching.caps().items():
            caps[exercise_id] = min(cap, caps.get(exercise_id, cap))
        coach_caps = frozenset(
            e
            for e, exercise_plan in coaching.exercises.items()
            if exercise_plan.cap_reason not in (None, CapReason.DESK)
        )
        return _PlanParts(
            routine,
            steps,
            frozenset(s.exercise_id for s in steps),
            coaching,
            caps,
            coach_caps,
            coaching.targets(),
        )

    async def start(
        self,
        ref: PersonRef,
        routine_id: str,
        message_id: int | None = None,
        *,
        screening: Screening | None = None,
    ) -> StartResult:
        """Open a run of a routine; return it and whether it is new.

        message_id: the chat message the run will be shown in, when it is known before the
        start (the button's own message); then the start is the one transaction it takes.
        screening: the first-use screening answer the person gave with this start, stored in
        the same transaction.

        A run still in progress is stopped first, so a person has one live run. A repeated
        tap on a start button returns the untouched run the first tap opened. Nobody starts
        before the first-use screening is answered with a go-ahead. Answering it for a start is
        a choice the person makes: it registers someone unknown, without reminders (a start
        that only leads to the question stores nothing about someone unknown). The coach's
        plan for the run (versions, Done's counts, offers, notes) is made here, once.
        """
        routine = self._library.routine(routine_id)
        now = self._clock()
        async with self._units() as uow:
            if screening is None:
                known = await self._people.known_in(uow, ref)
                if known is None:
                    return StartResult(None, False, needs_screening=True)
                person, created = known, False
            else:
                person, created = await self._people.joined_in(uow, ref, reminders_on=False)
                self._people.screen_in(person, screening)
            if not may_train(person.screening):
                await uow.commit()
                return StartResult(None, False, needs_screening=True)
            # Someone registered by this start has no runs, hip answers or versions to read.
            current, latest, any_run = (
                (None, None, False) if created else await uow.runs.active_and_marks(person.id)
            )
            if current is not None:
                untouched = current.version == 0 and current.routine_id == routine_id
                if untouched and now - current.started_at < START_DEDUPE_WINDOW:
                    view = await self.view_of(uow, person, current)
                    await uow.commit()  # a hip answer given with this start is kept
                    return StartResult(view, False)
                current.status = RunStatus.STOPPED
                current.version += 1
                self._seen.pop(current.id, None)
                current.finished_at = now
                current.local_date = local_date(now, ZoneInfo(current.timezone))
                # The run just stopped is the latest ended one now.
                latest = max(latest or 0, current.id)
            today = local_date(now, ZoneInfo(person.timezone))
            coaching, levels = await self.planner.plan(
                uow,
                person,
                routine,
                today=today,
                now=now,
                gentlest_today=not created and await gentlest_today(uow, person, today),
                marks=(latest, any_run),
                newcomer=created,
            )
            steps = with_extra_sets(plan_steps(routine, self._library.exercises), coaching)
            run = Run(
                person_id=person.id,
                routine_id=routine_id,
                plan=encode_plan(steps),
                status=RunStatus.ACTIVE,
                step_index=0,
                version=0,
                chat_id=ref.chat_id,
                message_id=message_id,
                timezone=person.timezone,
                started_at=now,
                step_started_at=now,
                coaching=coaching_plan.encode(coaching),
            )
            uow.runs.add(run)
            await uow.flush()
            logger.info("run %s started: routine %s", run.id, routine_id)
            view = await self.view_of(uow, person, run, levels)
            # As the run now stands, with the versions as the plan left them: the first press
            # then writes without reading (an aggregate read here instead of a press's read).
            # A newcomer's versions are those the plan remembered, none so far.
            tally = (
                LevelTally.of(()) if created and not levels else await uow.levels.tally(person.id)
            )
            seen = Seen(message_id, person.data_saver, tally)
            await uow.commit()
            self._remember(run.id, _SeenRun(view, person.id, person.telegram_id, now, seen))
            return StartResult(view, True)

    def routine_cap(self, routine: Routine, exercise_id: str) -> int | None:
        """Return the hardest version a routine itself offers of an exercise, if it caps one."""
        return level_caps(routine, self._library.exercises).get(exercise_id)

    async def active(self, ref: PersonRef) -> RunView | None:
        """Return the person's run in progress, if any."""
        async with self._units() as uow:
            await uow.reads_only()
            person = await self._people.find_in(uow, ref)
            if person is None:
                return None
            run = await uow.runs.active(person.id)
            return None if run is None else await self.view_of(uow, person, run)

    async def attach_message(self, run_id: int, message_id: int) -> None:
        """Remember which chat message shows the run, so only that one is edited."""
        async with self._units() as uow:
            await uow.runs.attach_message(run_id, message_id)
            await uow.commit()

    async def look(self, ref: PersonRef, run_id: int, version: int | None) -> PressResult:
        """Judge a press that only changes the view; version None accepts any version."""
        async with self._units() as uow:
            result, seen = await self._press(uow, ref, run_id, version, None, None)
        self._remember(run_id, seen)
        return result

    async def press(
        self,
        ref: PersonRef,
        run_id: int,
        version: int,
        action: Action | None,
        reps: int | None = None,
    ) -> PressResult:
        """Apply a button press to a run, once, if it still belongs to the run as it stands."""
        try:
            quick = await self._press_seen(ref, run_id, version, action, reps)
            if quick is not None:
                return quick
            async with self._units() as uow:
                result, seen = await self._press(uow, ref, run_id, version, action, reps)
                await uow.commit()
            self._remember(run_id, seen)
            return result
        except IntegrityError:
            # A concurrent press logged this step first (the unique step row): the second
            # press must change nothing, exactly like a press on an outdated button.
            logger.info("run %s: concurrent press on version %s ignored", run_id, version)
            result = await self.look(ref, run_id, None)
            return PressResult(Verdict.OUTDATED, None, result.view) if result.view else result

    async def _press_seen(
        self,
        ref: PersonRef,
        run_id: int,
        version: int,
        action: Action | None,
        reps: int | None,
    ) -> PressResult | None:
        """Apply a press to a run as this process last saw it, writing without a read.

        Only a press that moves a live run on to its next step goes this way; None means the
        press must take the full path (nothing seen, another version, a change of version,
        the end of the run, or the run changed since it was seen: then nothing was written).
        """
        seen = self._seen.get(run_id)
        if seen is None or action is None:
            return None
        state = seen.view.state
        if seen.telegram_id != ref.telegram_id or state.version != version:
            return None
        outcome = apply(state, action, self._library.exercises, reps=reps)
        new = outcome.state
        moves_on = new.version != state.version and new.status is RunStatus.ACTIVE
        if not moves_on or outcome.level_change is not None:
            return None
        now = self._clock()
        progress, logged = _writes(
            new, outcome.record, run_id, seen.person_id, seen.step_started_at, now
        )
        async with self._units() as uow:
            # On PostgreSQL the press is one statement (RunRepository.advance): its own
            # transaction, without a BEGIN and a COMMIT around it.
            await uow.autocommit()
            if not await uow.runs.advance(run_id, version, seen.seen, progress, logged):
                self._seen.pop(run_id, None)
                return None
            await uow.commit()
        view = replace(seen.view, state=new)
        self._remember(
            run_id,
            replace(
                seen,
                view=view,
                step_started_at=now if logged is not None else seen.step_started_at,
            ),
        )
        records = view.records + ((outcome.record,) if outcome.record is not None else ())
        return PressResult(
            Verdict.APPLIED, outcome.notice, replace(view, records=records), None, outcome.record
        )

    def _remember(self, run_id: int, seen: _SeenRun | None) -> None:
        """Keep a live run as last seen (None: forget it), the least recently pressed going."""
        if seen is None:
            self._seen.pop(run_id, None)
            return
        self._seen[run_id] = seen
        self._seen.move_to_end(run_id)
        while len(self._seen) > SEEN_RUNS:
            self._seen.popitem(last=False)

    async def _press(
        self,
        uow: UnitOfWork,
        ref: PersonRef,
        run_id: int,
        version: int | None,
        action: Action | None,
        reps: int | None,
    ) -> tuple[PressResult, _SeenRun | None]:
        """Judge and apply a press on the run as read now; return it and the run as now seen.

        The run as seen is None when the run is not live after the press (or not the
        person's), or when the press changed a remembered version.
        """
        found = await uow.runs.lock(run_id)
        if found is None:
            return PressResult(Verdict.MISSING, None, None), None
        run, person = found.run, found.person
        if person.telegram_id != ref.telegram_id:
            return PressResult(Verdict.FOREIGN, None, None), None
        view = await self.view_of(uow, person, run, found.levels)
        if run.status != RunStatus.ACTIVE:
            return PressResult(Verdict.OVER, None, view), None
        as_read = _SeenRun(view, person.id, person.telegram_id, run.step_started_at, found.seen)
        if version is not None and run.version != version:
            return PressResult(Verdict.OUTDATED, None, view), as_read
        if action is None:
            return PressResult(Verdict.UNCHANGED, None, view), as_read

        outcome = apply(view.state, action, self._library.exercises, reps=reps)
        new = outcome.state
        if new.version == run.version:
            return PressResult(Verdict.UNCHANGED, outcome.notice, view), as_read

        now = self._clock()
        records = view.records
        if new.status is not RunStatus.ACTIVE:
            # Read before the new row is added (autoflush would include it).
            records = await self._records(uow, run)
        # A press writes with plain statements (no ORM flush): the run's one UPDATE, with the
        # set's one INSERT (unique per run and step: a concurrent second press fails there).
        progress, logged = _writes(new, outcome.record, run.id, person.id, run.step_started_at, now)
        if outcome.record is not None:
            records += (outcome.record,)
        if outcome.level_change is not None:
            exercise_id, level = outcome.level_change
            await uow.levels.remember(person.id, exercise_id, level, now)
        if new.status is not RunStatus.ACTIVE:
            progress["finished_at"] = now
            # The day counts where the person was when they trained, whatever they move to.
            progress["local_date"] = local_date(now, ZoneInfo(run.timezone))
            progress["sets_done"] = sum(1 for r in records if r.status is SetStatus.DONE)
        await uow.runs.save(run, progress, logged)
        finish = None
        if new.status is not RunStatus.ACTIVE:
            assert run.local_date is not None
            if new.status is RunStatus.FINISHED:
                finish = await self._celebrate(uow, person, run.local_date, now)
                # A board of a day shows the finishes that count for that day (the run's own
                # local day, the rule of the streak): only that day's posts change. Marked in
                # the press's transaction, so the press commits once.
                boards = await uow.teams.mark_boards_dirty(person.id, [run.local_date])
                finish = replace(finish, boards=tuple(boards))
                done = [r.exercise_id for r in records if r.status is SetStatus.DONE]
                coaching = await self.planner.after_finish(
                    uow, person, view.coaching, list(dict.fromkeys(done))
                )
                if coaching != view.coaching:
                    run.coaching = coaching_plan.encode(coaching)
                    view = replace(view, coaching=coaching)
        await uow.flush()
        live = None
        if new.status is RunStatus.ACTIVE and outcome.level_change is None:
            live = replace(
                as_read,
                view=replace(view, state=new),
                step_started_at=run.step_started_at,
            )
        result = PressResult(
            Verdict.APPLIED,
            outcome.notice,
            replace(view, state=new, records=records, message_id=run.message_id),
            finish,
            outcome.record,
        )
        return result, live

    @staticmethod
    async def _celebrate(
        uow: UnitOfWork, person: Person, finished_on: date, now: datetime
    ) -> FinishFacts:
        """Return the streak after a run finished, and record milestones reached first now."""
        found = await streak_inputs(uow, person)
        days, schedule = found.done_days, found.schedule
        today = local_date(now, ZoneInfo(person.timezone))
        after = streak(days, schedule, today)
        # The streak before this run: the same history without this run's day, unless an
        # earlier run had already counted that day (then this run changed nothing).
        if days.count(finished_on) == 1:
            before = streak([d for d in days if d != finished_on], schedule, today)
        else:
            before = after
        new = milestones_reached(before.current, after.current, found.celebrated)
        recorded = [m for m in new if await uow.milestones.record_once(person.id, m, now)]
        return FinishFacts(after, recorded)

    async def view_of(
        self, uow: UnitOfWork, person: Person, run: Run, levels: Mapping[str, int] | None = None
    ) -> RunView:
        """Return a run as the interface shows it (the sets and check-in once it is over).

        levels: the person's remembered versions when the caller has them already (the lock
        of a press reads them with the run); else they are read here.
        """
        parts = self._plan_parts(run.routine_id, run.plan, run.coaching)
        if levels is None:
            levels = await uow.levels.of(person.id, parts.exercise_ids)
        levels = {e: level for e, level in levels.items() if e in parts.exercise_ids}
        routine, coaching = parts.routine, parts.coaching
        state = RunState(
            steps=parts.steps,
            index=run.step_index,
            version=run.version,
            status=RunStatus(run.status),
            levels=levels,
            caps=parts.caps,
            coach_caps=parts.coach_caps,
            targets=parts.targets,
        )
        records: tuple[SetRecord, ...] = ()
        check_in = None
        if state.status is not RunStatus.ACTIVE:
            records = await self._records(uow, run)
            row = await uow.check_ins.of_run(run.id)
            check_in = None if row is None else (PainAnswer(row.answer), row.exercise_id)
        return RunView(
            run.id,
            routine,
            state,
            records,
            run.message_id,
            coaching,
            check_in,
            data_saver=person.data_saver,
        )

    @staticmethod
    async def _records(uow: UnitOfWork, run: Run) -> tuple[SetRecord, ...]:
        # Every logged set bumps the version: a run still at version 0 has none to read.
        logs = await uow.sets.of_run(run.id) if run.version else []
        return tuple(set_record(log) for log in logs)


def with_extra_sets(steps: tuple[Step, ...], coaching: RunCoaching) -> tuple[Step, ...]:
    """Return the steps with each accepted extra set right after its exercise's last step."""
    out: list[Step] = []
    for index, step in enumerate(steps):
        out.append(step)
        extra = coaching.of(step.exercise_id).extra_side
        last = index + 1 == len(steps) or steps[index + 1].exercise_id != step.exercise_id
        if last and extra is not None:
            out.append(Step(step.exercise_id, extra))
    return tuple(out)


def _writes(
    new: RunState,
    record: SetRecord | None,
    run_id: int,
    person_id: int,
    started_at: datetime,
    now: datetime,
) -> tuple[dict[str, object], dict[str, object] | None]:
    """Return a press's columns of the run and the set_logs row of the set it logged, if any."""
    progress: dict[str, object] = {
        "step_index": new.index,
        "version": new.version,
        "status": new.status,
    }
    if record is None:
        return progress, None
    progress["step_started_at"] = now
    return progress, _set_log(run_id, person_id, started_at, record, now)


def _set_log(
    run_id: int, person_id: int, started_at: datetime, record: SetRecord, now: datetime
) -> dict[str, object]:
    """Return the set_logs row of a set this press logged."""
    return dict(
        run_id=run_id,
        person_id=person_id,
        step_index=record.step_index,
        exercise_id=record.exercise_id,
        side=record.side,
        level=record.level,
        status=record.status,
        reps=record.reps,
        started_at=started_at,
        logged_at=now,
    )
