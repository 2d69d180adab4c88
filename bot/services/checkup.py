"""The /checkup self-check as use cases: start, answer, see the result, accept it, offer it again.

One ``checkups`` row per check-up. It starts with no answers; each press adds one (the yes/no
questions in content order, then the seated range test), and the range test's answer scores it
(``bot.domain.checkup.result``): ``score``, ``band`` and the day it was taken are then set and
the check-up is finished. Accepting the result sets the person's reminder routine to the band's
routine and, for every exercise of it, both the version in use and the starting version
(``exercise_levels.level`` and ``start_level``), and stamps ``accepted_at``.

Every press names the check-up and the step it was drawn for (the question's index; the result
is the step after the range test). Only the person's newest check-up takes presses: a press on
an older one, on a finished one, or for a step already answered changes nothing and says why
(see :class:`Verdict`). Someone unknown (never sent /start, or deleted) gets None from
:meth:`CheckupService.start` and :meth:`CheckupService.status`, and nothing is written.

When it is offered again (:func:`next_checkup`): ``repeat_days`` (28) after the last finished
check-up. Someone who never took one is not pressed into it on day one: it becomes due once they
have a week of training behind them, FIRST_AFTER_DAYS (7) different days with a routine that
counts (the streak's rule), from the seventh such day on. Until then, and for someone who has
neither trained nor taken one, nothing is due; /checkup itself works at any time.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.db.models import Checkup, Person
from bot.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bot.domain import checkup as rules_of_checkup
from bot.domain.checkup import CheckupResult
from bot.domain.schedule import local_date
from bot.services.clock import Clock
from bot.services.people import PersonRef
from bot.services.training import done_days
from content import Library
from content.coaching import CheckupRules

__all__ = [
    "FIRST_AFTER_DAYS",
    "CheckupPress",
    "CheckupService",
    "CheckupStatus",
    "CheckupView",
    "PastResult",
    "Verdict",
    "next_checkup",
]

# Someone who never took the check-up is offered it once they trained on this many days.
FIRST_AFTER_DAYS = 7
# The key of the range test's answer in the stored answers (the rest are question ids).
RANGE_KEY = "range"
# How many finished results /progress shows side by side.
SHOWN_RESULTS = 2


class Verdict(enum.StrEnum):
    """What became of a press on a check-up's message."""

    APPLIED = "applied"  # the answer is recorded (or the suggestion taken / declined)
    ANSWERED = "answered"  # that step was answered already: a doubled or old press
    FINISHED = "finished"  # the check-up is scored; its questions take no more answers
    ACCEPTED = "accepted"  # the suggestion was taken already
    REPLACED = "replaced"  # the person started a newer check-up since
    INVALID = "invalid"  # an answer that does not fit the step (a forged button)
    FOREIGN = "foreign"  # someone else's check-up
    MISSING = "missing"  # no such check-up (deleted with the person's data, or never was)


@dataclass(frozen=True)
class CheckupView:
    """A check-up as it stands: its answers, the step it waits for, and its result if scored."""

    checkup_id: int
    step: int  # 0..n-1: a yes/no question; n: the range test; n + 1: the result
    answers: Mapping[str, bool]
    range_answer: str | None
    result: CheckupResult | None
    accepted: bool
    local_date: date


@dataclass(frozen=True)
class CheckupPress:
    """The outcome of a press: the verdict, and the check-up as it now stands (if it exists)."""

    verdict: Verdict
    view: CheckupView | None


@dataclass(frozen=True)
class PastResult:
    """One finished check-up, as /progress shows it."""

    local_date: date
    score: int
    band: str
    accepted: bool


@dataclass(frozen=True)
class CheckupStatus:
    """The last results (oldest first, at most two) and when the check is offered again."""

    today: date
    results: tuple[PastResult, ...]
    next_due: date | None  # None: nothing due yet (never taken, fewer than 7 days trained)
    max_score: int

    @property
    def is_due(self) -> bool:
        """Return whether the check-up is offered today."""
        return self.next_due is not None and self.today >= self.next_due


def next_checkup(
    last_taken: date | None, trained: Iterable[date], rules: CheckupRules
) -> date | None:
    """Return the day the check-up is next offered, or None while nothing makes it due.

    repeat_days after the last one; never taken: the seventh different day trained (trained
    holds the local days of counted routines, in any order, repeats allowed).
    """
    if last_taken is not None:
        return rules_of_checkup.next_due(last_taken, last_taken, rules)
    days = sorted(set(trained))
    if len(days) < FIRST_AFTER_DAYS:
        return None
    return days[FIRST_AFTER_DAYS - 1]


class CheckupService:
    """Start, answer, score and accept the self-check; report results and when it is due."""

    def __init__(self, units: UnitOfWorkFactory, library: Library, clock: Clock) -> None:
        self._units = units
        self._library = library
        self._rules = library.coaching.checkup
        self._clock = clock

    @property
    def rules(self) -> CheckupRules:
        """Return the questions, range test and bands the check-up uses."""
        return self._rules

    async def start(self, ref: PersonRef) -> CheckupView | None:
        """Start a new check-up with no answers; None (nothing written) for someone unknown."""
        now = self._clock()
        async with self._units() as uow:
            person = await uow.people.by_telegram_id(ref.telegram_id)
            if person is None:
                return None
            row = Checkup(
                person_id=person.id,
                local_date=local_date(now, ZoneInfo(person.timezone)),
                taken_at=now,
                answers="{}",
            )
            uow.checkups.add(row)
            await uow.flush()
            view = self._view(row)
            await uow.commit()
            return view

    async def answer(
        self, ref: PersonRef, checkup_id: int, step: int, choice: bool | str
    ) -> CheckupPress:
        """Record the answer to one step: True/False for a question, a range answer's id.

        The range test's answer finishes the check-up: its score and band are stored.
        """
        now = self._clock()
        async with self._units() as uow:
            found = await self._judge(uow, ref, checkup_id, step, open_only=True)
            if isinstance(found, CheckupPress):
                return found
            row, owner, view = found
            questions = self._rules.questions
            answers: dict[str, bool | str] = dict(view.answers)
            if step < len(questions):
                if not isinstance(choice, bool):
                    return CheckupPress(Verdict.INVALID, view)
                answers[questions[step].id] = choice
            else:
                ranges = {answer.id for answer in self._rules.range_test.answers}
                if isinstance(choice, bool) or choice not in ranges:
                    return CheckupPress(Verdict.INVALID, view)
                answers[RANGE_KEY] = choice
                outcome = rules_of_checkup.result(view.answers, choice, self._rules)
                row.score, row.band = outcome.score, outcome.band
                # Taken when finished: the day the result belongs to.
                row.taken_at = now
                row.local_date = local_date(now, ZoneInfo(owner.timezone))
            row.answers = json.dumps(answers, sort_keys=True)
            await uow.flush()
            updated = self._view(row)
            await uow.commit()
            return CheckupPress(Verdict.APPLIED, updated)

    async def accept(self, ref: PersonRef, checkup_id: int, step: int) -> CheckupPress:
        """Take the result's suggestion: reminder routine, versions in use and starting versions."""
        now = self._clock()
        async with self._units() as uow:
            found = await self._judge(uow, ref, checkup_id, step, open_only=False)
            if isinstance(found, CheckupPress):
                return found
            row, person, view = found
            assert view.result is not None  # _judge lets only a scored check-up through
            person.remind_routine = view.result.routine
            await uow.levels.start_at(person.id, view.result.levels, now)
            row.accepted_at = now
            await uow.flush()
            updated = self._view(row)
            await uow.commit()
            return CheckupPress(Verdict.APPLIED, updated)

    async def decline(self, ref: PersonRef, checkup_id: int, step: int) -> CheckupPress:
        """Leave the suggestion untaken ("Not now"): changes nothing, judged like accept."""
        async with self._units() as uow:
            found = await self._judge(uow, ref, checkup_id, step, open_only=False)
            if isinstance(found, CheckupPress):
                return found
            return CheckupPress(Verdict.APPLIED, found[2])

    async def status(self, ref: PersonRef) -> CheckupStatus | None:
        """Return the last two results and when the check is due; None for someone unknown."""
        now = self._clock()
        async with self._units() as uow:
            person = await uow.people.by_telegram_id(ref.telegram_id)
            if person is None:
                return None
            today = local_date(now, ZoneInfo(person.timezone))
            latest = await uow.checkups.latest(person.id, SHOWN_RESULTS)
            results = tuple(
                PastResult(row.local_date, row.score, row.band, row.accepted_at is not None)
                for row in reversed(latest)
                if row.score is not None and row.band is not None
            )
            last = latest[0].local_date if latest else None
            days = await done_days(uow, person.id) if last is None else []
            due = next_checkup(last, days, self._rules)
            return CheckupStatus(today, results, due, self._rules.max_score)

    async def _judge(
        self, uow: UnitOfWork, ref: PersonRef, checkup_id: int, step: int, *, open_only: bool
    ) -> tuple[Checkup, Person, CheckupView] | CheckupPress:
        """Lock the check-up and return it when this press may act on it, else the refusal.

        open_only: a question's answer (the check-up must not be scored yet); otherwise the
        result's buttons (it must be scored and not accepted yet).
        """
        found = await uow.checkups.lock(checkup_id)
        if found is None:
            return CheckupPress(Verdict.MISSING, None)
        row, owner = found
        if owner.telegram_id != ref.telegram_id:
            return CheckupPress(Verdict.FOREIGN, None)
        view = self._view(row)
        if await uow.checkups.newest_id(owner.id) != row.id:
            return CheckupPress(Verdict.REPLACED, view)
        if open_only and view.result is not None:
            return CheckupPress(Verdict.FINISHED, view)
        if not open_only and view.accepted:
            return CheckupPress(Verdict.ACCEPTED, view)
        if step != view.step or (not open_only and view.result is None):
            # An answered step (a doubled tap, an old message) or one not reached yet.
            return CheckupPress(Verdict.ANSWERED, view)
        return row, owner, view

    def _view(self, row: Checkup) -> CheckupView:
        stored = json.loads(row.answers or "{}")
        questions = self._rules.questions
        answers = {
            q.id: bool(stored[q.id]) for q in questions if isinstance(stored.get(q.id), bool)
        }
        range_answer = stored.get(RANGE_KEY)
        if not isinstance(range_answer, str):
            range_answer = None
        if len(answers) < len(questions):
            step = next(i for i, q in enumerate(questions) if q.id not in answers)
        else:
            step = len(questions) if row.band is None else len(questions) + 1
        return CheckupView(
            checkup_id=row.id,
            step=step,
            answers=answers,
            range_answer=range_answer,
            result=self._result(row, answers, range_answer),
            accepted=row.accepted_at is not None,
            local_date=row.local_date,
        )

    def _result(
        self, row: Checkup, answers: Mapping[str, bool], range_answer: str | None
    ) -> CheckupResult | None:
        """Return the stored result, as its band in content says (or rescored if it is gone)."""
        if row.band is None or row.score is None:
            return None
        band = next((band for band in self._rules.bands if band.id == row.band), None)
        if band is not None:
            return CheckupResult(row.score, band.id, band.routine, dict(band.levels), band.summary)
        if range_answer is None or len(answers) < len(self._rules.questions):
            return None
        return rules_of_checkup.result(answers, range_answer, self._rules)
