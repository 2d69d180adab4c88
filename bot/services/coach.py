"""What the person answers the coach: offers, the pain check-in, extra sets, the screening.

Each answer is one unit of work that locks the run it belongs to (as a press does), checks that
the button still stands for the run as it is, and changes the run's plan and the person's
remembered versions and markers. An old or doubled tap changes nothing.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.db.models import Person, Run
from bot.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bot.domain import coaching_plan
from bot.domain.coaching_plan import CapReason, OfferStatus, RunCoaching
from bot.domain.history import PainAnswer
from bot.domain.pain import CheckIn, answers_by_exercise, report_effect
from bot.domain.progression import Change
from bot.domain.run import RunStatus, SetStatus
from bot.domain.schedule import local_date
from bot.domain.screening import Screening
from bot.services.clock import Clock
from bot.services.coaching import histories
from bot.services.people import PeopleService, PersonRef
from bot.services.routines import RoutineService, RunView
from content import Library

logger = logging.getLogger(__name__)


class Answered(enum.StrEnum):
    """How an answer to the coach was judged."""

    SAVED = "saved"
    STALE = "stale"  # the question no longer stands (an old or doubled tap)
    FOREIGN = "foreign"  # someone else's run
    MISSING = "missing"


@dataclass(frozen=True)
class CoachAnswer:
    """The verdict and the run as it now stands (None when missing or foreign)."""

    verdict: Answered
    view: RunView | None = None
    # After a check-in: Sharp (step down, stop if it returns) and a new therapist suggestion.
    sharp: bool = False
    therapist: bool = False
    pain_sessions: int = 0
    window: int = 0


class CoachService:
    """Answers to the coach's questions; each is one transaction."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        library: Library,
        people: PeopleService,
        routines: RoutineService,
        clock: Clock,
    ) -> None:
        self._units = units
        self._library = library
        self._people = people
        self._routines = routines
        self._clock = clock

    async def screen(self, ref: PersonRef, answer: Screening) -> None:
        """Store the first-use screening answer (a person who says 'not now' gets no reminders).

        It registers someone unknown: answering it is a choice the person makes.
        """
        async with self._units() as uow:
            person = await self._people.join_in(uow, ref, reminders_on=False)
            self._people.screen_in(person, answer)
            await uow.commit()

    async def screening(self, ref: PersonRef) -> Screening | None:
        """Return the person's screening answer (None when not asked or unknown)."""
        async with self._units() as uow:
            person = await self._people.find_in(uow, ref)
            return (
                None if person is None or person.screening is None else Screening(person.screening)
            )

    async def answer_offer(
        self, ref: PersonRef, run_id: int, version: int, take: bool
    ) -> CoachAnswer:
        """Take or decline the version offered on the current exercise of a live run."""
        now = self._clock()
        async with self._units() as uow:
            found = await self._live(uow, ref, run_id, version)
            if isinstance(found, CoachAnswer):
                return found
            run, person, view = found
            step = view.state.current
            assert step is not None
            plan = view.coaching.of(step.exercise_id)
            offer = plan.offer
            if offer is None or offer.status is not OfferStatus.OPEN:
                return CoachAnswer(Answered.STALE, view)
            markers: dict[str, int | None]
            if take:
                await uow.levels.remember(person.id, step.exercise_id, offer.to_level, now)
                markers = {"declined_up_after": None, "declined_down_after": None}
            else:
                marker = "declined_up_after" if offer.change == Change.UP else "declined_down_after"
                markers = {marker: view.coaching.latest}
            await uow.levels.mark(person.id, step.exercise_id, now, **markers)
            status = OfferStatus.TAKEN if take else OfferStatus.DECLINED
            plan = replace(plan, offer=replace(offer, status=status))
            coaching = view.coaching.with_exercise(step.exercise_id, plan)
            return await self._save(uow, run, person, coaching)

    async def fine_again(self, ref: PersonRef, run_id: int, version: int) -> CoachAnswer:
        """Record that the hip is fine again: the harder version comes back for this exercise."""
        now = self._clock()
        async with self._units() as uow:
            found = await self._live(uow, ref, run_id, version)
            if isinstance(found, CoachAnswer):
                return found
            run, person, view = found
            step = view.state.current
            assert step is not None
            plan = view.coaching.of(step.exercise_id)
            if plan.cap_reason is not CapReason.THERAPIST:
                return CoachAnswer(Answered.STALE, view)
            await uow.levels.mark(
                person.id, step.exercise_id, now, fine_again_after=view.coaching.latest
            )
            top = self._routines.routine_cap(view.routine, step.exercise_id)
            plan = replace(
                plan,
                cap=top,
                cap_reason=CapReason.DESK if top is not None else None,
                note=None,
            )
            coaching = view.coaching.with_exercise(step.exercise_id, plan)
            return await self._save(uow, run, person, coaching)

    async def check_in(
        self, ref: PersonRef, run_id: int, answer: PainAnswer, exercise_id: str | None
    ) -> CoachAnswer:
        """Record the end-of-routine "Any pain?" answer (and which exercise), once per run.

        The answer may be changed while the run is the person's latest (a slip of the thumb);
        the exercise must be one done in the run.
        """
        now = self._clock()
        async with self._units() as uow:
            found = await self._locked(uow, ref, run_id)
            if isinstance(found, CoachAnswer):
                return found
            run, person, view = found
            done = list(
                dict.fromkeys(r.exercise_id for r in view.records if r.status is SetStatus.DONE)
            )
            latest = await uow.runs.latest_ended(person.id)
            if run.status != RunStatus.FINISHED or not done or latest != run.id:
                return CoachAnswer(Answered.STALE, view)
            if exercise_id is not None and exercise_id not in done:
                return CoachAnswer(Answered.STALE, view)
            if exercise_id is None and view.check_in is not None and view.check_in[1] is not None:
                exercise_id = view.check_in[1] if view.check_in[0] == answer else None
            await uow.check_ins.answer(
                person_id=person.id,
                run_id=run.id,
                answer=answer,
                exercise_id=exercise_id,
                day=run.local_date or local_date(now, ZoneInfo(run.timezone)),
                now=now,
            )
            await uow.flush()
            sharp, therapist, sessions, window = False, False, 0, 0
            hurt = answers_by_exercise(CheckIn(answer, exercise_id), done)
            rules = self._library.coaching
            if any(report_effect(a, rules.pain).stop_if_returns for a in hurt.values()):
                sharp = True
            painful = [e for e, a in hurt.items() if a in (PainAnswer.SOME, PainAnswer.SHARP)]
            if painful:
                history = await histories(uow, person, painful, self._library)
                rows = await uow.levels.standings(person.id, painful)
                planner = self._routines.planner
                for exercise in painful:
                    new, count, out_of = planner.pain_effects(history, rows.get(exercise), exercise)
                    if new:
                        therapist, sessions, window = True, count, out_of
            await uow.commit()
            view = await self._refresh(run, person)
            return CoachAnswer(Answered.SAVED, view, sharp, therapist, sessions, window)

    async def extra_set(self, ref: PersonRef, run_id: int, take: bool) -> CoachAnswer:
        """Take or decline one extra set next time on the side the summary found behind."""
        now = self._clock()
        async with self._units() as uow:
            found = await self._locked(uow, ref, run_id)
            if isinstance(found, CoachAnswer):
                return found
            run, person, view = found
            gap = view.coaching.imbalance
            if gap is None or gap.status is not OfferStatus.OPEN:
                return CoachAnswer(Answered.STALE, view)
            if take:
                await uow.levels.mark(person.id, gap.exercise_id, now, extra_side=gap.behind)
            else:
                await uow.levels.mark(person.id, gap.exercise_id, now, extra_declined_after=run.id)
            status = OfferStatus.TAKEN if take else OfferStatus.DECLINED
            coaching = replace(view.coaching, imbalance=replace(gap, status=status))
            run.coaching = coaching_plan.encode(coaching)
            await uow.commit()
            return CoachAnswer(Answered.SAVED, replace(view, coaching=coaching))

    async def _locked(
        self, uow: UnitOfWork, ref: PersonRef, run_id: int
    ) -> tuple[Run, Person, RunView] | CoachAnswer:
        """Lock the person's run and return it with its view, or say why not."""
        found = await uow.runs.lock(run_id)
        if found is None:
            return CoachAnswer(Answered.MISSING)
        run, person = found.run, found.person
        if person.telegram_id != ref.telegram_id:
            return CoachAnswer(Answered.FOREIGN)
        return run, person, await self._routines.view_of(uow, person, run, found.levels)

    async def _live(
        self, uow: UnitOfWork, ref: PersonRef, run_id: int, version: int
    ) -> tuple[Run, Person, RunView] | CoachAnswer:
        """Lock a live run at the version the button was drawn for, or say why not."""
        found = await self._locked(uow, ref, run_id)
        if isinstance(found, CoachAnswer):
            return found
        run, _, view = found
        if run.status != RunStatus.ACTIVE or run.version != version:
            return CoachAnswer(Answered.STALE, view)
        return found

    async def _save(
        self, uow: UnitOfWork, run: Run, person: Person, coaching: RunCoaching
    ) -> CoachAnswer:
        """Store a changed plan with a new run version (the old buttons go stale)."""
        run.coaching = coaching_plan.encode(coaching)
        run.version += 1
        await uow.flush()
        view = await self._routines.view_of(uow, person, run)
        await uow.commit()
        return CoachAnswer(Answered.SAVED, view)

    async def _refresh(self, run: Run, person: Person) -> RunView:
        async with self._units() as uow:
            return await self._routines.view_of(uow, person, run)
