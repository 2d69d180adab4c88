"""Screens of streaks, history, milestones and the weekly summary."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday
from bot.domain.run import RunStatus, SetStatus
from bot.domain.streak import DayMark, Mark, StreakSummary
from bot.services.stats import HipCheck, HistoryView, Session, StreakView, WeekSummary
from content import Library
from handlers import formats
from handlers.render import Screen, clip, fill


def days(library: Library, n: int) -> str:
    """Return '1 day' or 'N days' (in the language's plural form)."""
    return library.texts.days.pick(n).format(n=n)


def marks_row(library: Library, marks: list[DayMark]) -> str:
    """Return one symbol per day."""
    texts = library.texts
    symbols = {
        Mark.DONE: texts.mark_done,
        Mark.MISSED: texts.mark_missed,
        Mark.REST: texts.mark_rest,
        Mark.PAUSED: texts.mark_paused,
        Mark.TODAY_PENDING: texts.mark_today,
        Mark.FUTURE: texts.mark_future,
        Mark.BEFORE_JOINING: texts.mark_outside,
    }
    return "".join(symbols[m.mark] for m in marks)


def streak_screen(library: Library, view: StreakView) -> Screen:
    """Draw /streak: current and best, this week's marks and what to do next."""
    texts = library.texts
    summary = view.summary
    if view.trained_today:
        line = texts.streak_line_done
    elif summary.alive_today_pending:
        line = texts.streak_line_pending
    elif summary.current > 0:
        line = texts.streak_line_rest
    else:
        line = texts.streak_line_zero
    text = texts.streak_view.format(
        current=days(library, summary.current),
        best=days(library, summary.best),
        sessions=summary.total_sessions,
        trained=summary.days_trained,
        week=marks_row(library, view.week),
        legend=texts.marks_legend,
        line=line,
    )
    return Screen(text)


def summary_streak_line(library: Library, summary: StreakSummary) -> str:
    """Return the streak line under a finished routine's summary."""
    return library.texts.summary_streak.format(
        current=days(library, summary.current), best=days(library, summary.best)
    )


def reminder_streak(library: Library, current: int) -> str:
    """Return the streak sentence of a reminder (empty without a streak)."""
    if current <= 0:
        return ""
    return library.texts.reminder_streak.format(current=days(library, current))


def milestone_screen(library: Library, reached: int) -> Screen:
    """Draw the celebration of a streak milestone."""
    return Screen(library.texts.milestone.pick(reached).format(days=reached))


def _calendar(library: Library, view: HistoryView) -> str:
    first = view.marks[0].day
    monday = first - timedelta(days=first.weekday())
    by_day = {mark.day: mark for mark in view.marks}
    rows = []
    while monday <= view.today:
        week = [by_day.get(monday + timedelta(days=i)) for i in range(7)]
        symbols = "".join(
            library.texts.mark_outside if m is None else marks_row(library, [m]) for m in week
        )
        rows.append((formats.month_day(library, monday), symbols))
        monday += timedelta(days=7)
    width = max((len(label) for label, _ in rows), default=0)
    lines = [f"<code>{escape(label):>{width}}</code> {symbols}" for label, symbols in rows]
    header = f"<code>{' ' * width}</code> " + " ".join(formats.day_letters(library))
    return "\n".join([header, *lines])


def _session_line(library: Library, session: Session) -> str:
    texts = library.texts
    parts = []
    for exercise_id in dict.fromkeys(r.exercise_id for r in session.records):
        exercise = library.exercise(exercise_id)
        done = [
            r
            for r in session.records
            if r.exercise_id == exercise_id and r.status is SetStatus.DONE
        ]
        if not done:
            continue
        # Counts only, left then right: side names for five whole sessions would not fit.
        unit = exercise.dose_for(done[-1].level).unit
        counts = texts.counts(unit, [r.reps or 0 for r in done])
        variation = exercise.variation(done[-1].level).name
        parts.append(
            fill(texts.history_set, exercise=exercise.name, counts=counts, variation=variation)
        )
    status = (
        texts.history_status_finished
        if session.status is RunStatus.FINISHED
        else texts.history_status_stopped
    )
    line = texts.history_session.format(
        date=session.local_date.isoformat(),
        routine=fill("{t}", t=library.routine(session.routine_id).title),
        status=status,
        details="; ".join(parts) or "—",
    )
    return line + _pain_note(library, session)


def _pain_note(library: Library, session: Session) -> str:
    """Return what the check-in said after a session, e.g. ' · pain: sharp (Seated ...)'."""
    if session.pain is None:
        return ""
    texts = library.texts
    answer, exercise_id = session.pain
    word = {
        PainAnswer.NO_PAIN: texts.history_pain_none,
        PainAnswer.SOME: texts.history_pain_some,
        PainAnswer.SHARP: texts.history_pain_sharp,
    }.get(answer)
    if word is None:
        return ""
    if exercise_id is not None and exercise_id in library.exercises:
        word = f"{word} ({library.exercise(exercise_id).name})"
    return fill(texts.history_pain, pain=word)


def _hip_line(library: Library, checks: tuple[HipCheck, ...]) -> str:
    """Return the month's hip answers on one line, e.g. 'Hip check: 3 Nov worse (rest day)'."""
    texts = library.texts
    words = {
        HipToday.BETTER: texts.hip_word_better,
        HipToday.SAME: texts.hip_word_same,
        HipToday.WORSE: texts.hip_word_worse,
    }
    days = ", ".join(
        fill(
            texts.history_hip_rest if check.rest_day else texts.history_hip_day,
            date=formats.month_day(library, check.local_date),
            answer=words[check.answer],
        )
        for check in checks
    )
    return texts.history_hip.format(days=days)


def history_screen(library: Library, view: HistoryView) -> Screen:
    """Draw /history: the month as marks, the hip answers, the last sessions, all-time totals."""
    texts = library.texts
    parts = [texts.history_title, _calendar(library, view), texts.marks_legend]
    if view.hip_checks:
        # Before the sessions: at most one short entry a day, never the part clipped away.
        parts.append(_hip_line(library, view.hip_checks))
    if view.sessions:
        parts.append(
            "\n".join(
                [texts.history_sessions_title, *(_session_line(library, s) for s in view.sessions)]
            )
        )
        totals = [
            fill(
                texts.history_total_line,
                exercise=library.exercise(exercise_id).name,
                count=texts.count(library.exercise(exercise_id).dose.unit, count),
            )
            for exercise_id, count in sorted(view.totals.items(), key=lambda item: -item[1])
            if exercise_id in library.exercises
        ]
        parts.append("\n".join([texts.history_totals_title, *totals]))
        parts.append(texts.history_next)
    else:
        parts.append(texts.history_empty)
    return Screen(clip("\n\n".join(parts)))


def weekly_screen(library: Library, week: WeekSummary) -> Screen:
    """Draw the weekly summary of last week."""
    texts = library.texts
    moved = (
        fill(
            texts.weekly_moved,
            exercises=", ".join(
                library.exercise(e).name for e in week.moved_up if e in library.exercises
            ),
        )
        if week.moved_up
        else texts.weekly_moved_none
    )
    text = texts.weekly_summary.format(
        start=week.week_start.isoformat(),
        end=(week.week_start + timedelta(days=6)).isoformat(),
        days=week.days_trained,
        sessions=week.sessions,
        streak=days(library, week.streak),
        moved=moved,
    )
    return Screen(text)
