"""The hip question, "How's the hip today?": which reminder asks it, what an answer changes.

The reminder after a pain report asks it (a pain report: the person's latest end-of-routine
check-in said Some or Sharp). It asks until the person answers, once per report: a snoozed
reminder asks again when the first went unanswered. The answer is kept per local day in
``hip_days``; Worse makes today a gentlest day (:func:`gentlest_today`) and offers a rest day,
a one-day pause that never breaks a streak (``ReminderService.rest_day``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.db.models import Person
from bot.db.repositories.coaching import LatestReports
from bot.db.unit_of_work import UnitOfWork
from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday, hip_today

# The check-in answers that are a pain report: bot.domain.pain.is_pain holds for both under
# any valid coaching.yaml (the scale puts Some at 1/10 or more), and for nothing else.
PAIN_REPORTS = frozenset({PainAnswer.SOME, PainAnswer.SHARP})


@dataclass(frozen=True)
class HipPrompt:
    """What a reminder says about the hip: ask the question, or today's answer, or nothing."""

    ask: bool = False
    today: HipToday | None = None


def prompt(latest: LatestReports | None, day: date) -> HipPrompt:
    """Return what the reminder for a local day says about the hip, from the latest reports.

    Ask when the latest check-in reported pain and no hip answer came after it; otherwise
    carry the answer given on that day, if any (a snoozed reminder after Worse still offers
    the rest day).
    """
    if latest is None:
        return HipPrompt()
    answered_since = latest.hip_at is not None and latest.hip_at > latest.check_in_at
    if latest.check_in in PAIN_REPORTS and not answered_since:
        return HipPrompt(ask=True)
    return HipPrompt(today=latest.hip if latest.hip_day == day else None)


async def prompts(uow: UnitOfWork, person_ids: list[int]) -> dict[int, LatestReports]:
    """Return the latest reports of these people: one statement whatever their number."""
    return await uow.hip_days.latest_with_check_ins(person_ids)


async def gentlest_today(uow: UnitOfWork, person: Person, today: date) -> bool:
    """Return whether today's routine uses the gentlest versions: the person said Worse today.

    For the routine's start, in its own unit of work; ``today`` is the person's local date.
    One primary-key read of ``hip_days``. A rest day is a Worse day too, so a person who
    trains anyway gets the gentlest versions.
    """
    day = await uow.hip_days.on(person.id, today)
    return hip_today(None if day is None else day.answer).gentlest
