"""Turn content and run views into HTML texts (escaped, within Telegram's 4096 characters)."""

from __future__ import annotations

from html import escape

from telegram.constants import MessageLimit

from bot.domain.run import Notice, RunStatus, SetRecord, SetStatus, Side
from bot.media.catalog import Demo, RoutineSheet
from bot.services.routines import RunView
from content import Dose, Exercise, Library
from handlers import captions, coach_screens, formats, keyboards
from handlers.screen import Screen as Screen  # re-exported: handlers draw Screens
from handlers.screen import fill as fill


def clip(text: str) -> str:
    """Keep a message within Telegram's limit; content is short, this is a last guard."""
    limit = MessageLimit.MAX_TEXT_LENGTH
    return text if len(text) <= limit else text[: limit - 1] + "…"


def no_data(library: Library) -> Screen:
    """Draw the answer to a read from someone about whom nothing is stored."""
    return Screen(library.texts.no_data)


def welcome(library: Library, first_name: str) -> Screen:
    """Draw /start: what the coach does, the safety note, how to begin."""
    text = fill(
        library.texts.welcome,
        name=first_name or library.texts.name_fallback,
        safety=library.guide.safety,
    )
    return Screen(clip(text), keyboards.welcome_keyboard(library))


def help_text(library: Library) -> Screen:
    """Draw /help."""
    return Screen(library.texts.help)


def about(library: Library) -> Screen:
    """Draw /about: the movement, who benefits, the signs, safety."""
    guide, texts = library.guide, library.texts
    parts = [
        texts.about_title,
        escape(guide.what_it_is),
        escape(guide.muscles),
        escape(guide.why_it_matters),
        texts.who_benefits_title,
        "\n".join(f"• {escape(item)}" for item in guide.who_benefits),
        texts.signs_title,
        "\n".join(f"• {escape(item)}" for item in guide.signs),
        texts.safety_title,
        escape(guide.safety),
        texts.help.splitlines()[-1],
    ]
    return Screen(clip("\n\n".join(parts)), keyboards.picker_keyboard(library, None))


def picker(library: Library, active: RunView | None) -> Screen:
    """Draw the routine picker, with a continue button when a run is in progress."""
    lines = "\n".join(
        f"• <b>{escape(r.title)}</b> ({escape(formats.minutes(library, r.minutes))}):"
        f" {escape(r.description)}"
        for r in library.routines.values()
    )
    text = library.texts.picker.format(routines=lines)
    return Screen(clip(text), keyboards.picker_keyboard(library, active))


def dose_text(library: Library, dose: Dose) -> str:
    """Return e.g. '10-12 reps · hold 2-3 seconds each time'."""
    text = library.texts.count_range(dose.unit, dose.min, dose.max)
    if dose.hold is not None:
        hold = library.texts.hold_lines[dose.hold.unit].format(min=dose.hold.min, max=dose.hold.max)
        text += f" · {hold}"
    return text


def side_name(library: Library, exercise: Exercise, level: int, side: Side) -> str:
    """Return the side as the version names it, e.g. 'Left leg back'."""
    naming = exercise.sides_for(level)
    assert naming is not None, "the loader requires a naming for every per-side exercise"
    return library.texts.side(naming, side)


def step(
    library: Library,
    view: RunView,
    *,
    counts: bool = False,
    details: bool = False,
    streak_line: str = "",
    coach: coach_screens.CoachPart | None = None,
) -> Screen:
    """Draw the current exercise: its animation, name, version, steps, dose, cues, buttons.

    Under the animation the caption is short (the move is on screen): name, side, where and
    with what, version, steps, dose, safety. The why, the setup and the form cues are one tap
    away ("Steps", or details=True). As text (data saver) everything is in the message.
    """
    texts = library.texts
    state = view.state
    current = state.current
    if current is None:
        return summary(library, view, streak_line=streak_line, coach=coach)
    exercise = library.exercise(current.exercise_id)
    level = state.level_of(exercise.id)
    variation = exercise.variation(level)
    dose = exercise.dose_for(level)
    number, total = state.exercise_position()
    equipment = ", ".join(variation.equipment) or texts.no_equipment
    side = ""
    if current.side is not None:
        side = f" — {side_name(library, exercise, level, current.side)}"
    if coach_screens.is_extra_set(state):
        side += texts.extra_set_mark
    title = f"<b>{escape(exercise.name)}</b>{escape(side)}"
    progress = fill(texts.step_progress, number=number, total=total)
    steps = [f"{i}. {escape(s)}" for i, s in enumerate(variation.steps, start=1)]
    dose_line = fill(texts.dose_line, dose=dose_text(library, dose))
    safety = [fill(texts.safety_cue_line, cue=cue) for cue in exercise.safety_cues]
    notes = coach_screens.step_notes(library, view)
    first_run = coach_screens.first_run_safety(library, view)
    hint = texts.units[dose.unit].picker_hint if counts else texts.next_hint
    why = fill(texts.why_line, why=exercise.why)
    place = f"{progress} · {escape(exercise.position)} · {escape(equipment)}"
    version = fill(texts.variation_line, variation=variation.name)
    full = [
        title,
        # The why is said once per exercise: the second side would only repeat it.
        *([why] if state.opens_exercise else []),
        *notes,
        place,
        version,
        "",
        escape(exercise.setup_for(level)),
        *steps,
        "",
        dose_line,
        *(fill(texts.form_cue_line, cue=cue) for cue in exercise.form_cues),
        *safety,
        *first_run,
        "",
        hint,
    ]
    picture = None if view.data_saver else Demo(exercise.id, level, current.side, library.language)
    if details:
        # Everything, the why included; the steps give way first if the coach's notes and
        # the first-run safety note leave no room.
        caption_lines = [(line, 1 if line in steps else 0) for line in full]
        if not state.opens_exercise:
            caption_lines.insert(1, (why, 0))
    else:
        caption_lines = [
            (title, 0),
            *((note, 0) for note in notes),
            (place, 0),
            (version, 0),
            *((line, 1) for line in steps),
            ("", 0),
            (dose_line, 0),
            *((line, 0) for line in safety),
            *((line, 0) for line in first_run),
            ("", 0),
            (hint, 0),
        ]
    keyboard = (
        keyboards.counts_keyboard(library, view)
        if counts
        else keyboards.step_keyboard(library, view, details=None if picture is None else details)
    )
    return Screen(clip("\n".join(full)), keyboard, picture, captions.fit(caption_lines))


def logged_counts(library: Library, exercise: Exercise, records: list[SetRecord]) -> str:
    """Return what was logged of one exercise, each side named: 'Left foot 15 reps, ...'."""
    texts = library.texts
    parts = []
    for record in records:
        count = texts.count(exercise.dose_for(record.level).unit, record.reps or 0)
        if record.side is None:
            parts.append(count)
        else:
            side = side_name(library, exercise, record.level, record.side)
            parts.append(texts.side_count.format(side=side, count=count))
    return ", ".join(parts)


def summary(
    library: Library,
    view: RunView,
    *,
    streak_line: str = "",
    coach: coach_screens.CoachPart | None = None,
) -> Screen:
    """Draw the end of a run: what was done (counts, versions), skipped, the check-in, next."""
    texts = library.texts
    state = view.state
    by_exercise: dict[str, list[SetRecord]] = {}
    for record in view.records:
        by_exercise.setdefault(record.exercise_id, []).append(record)
    lines: list[str] = []
    for exercise_id, records in by_exercise.items():
        exercise = library.exercise(exercise_id)
        done = [r for r in records if r.status is SetStatus.DONE]
        if not done:
            lines.append(fill(texts.summary_skipped_line, exercise=exercise.name))
            continue
        variations = ", ".join(dict.fromkeys(exercise.variation(r.level).name for r in done))
        lines.append(
            fill(
                texts.summary_done_line,
                exercise=exercise.name,
                variation=variations,
                counts=logged_counts(library, exercise, done),
            )
        )
    done_count = sum(1 for r in view.records if r.status is SetStatus.DONE)
    skipped_count = len(view.records) - done_count
    if state.status is RunStatus.FINISHED:
        head = fill(texts.summary_finished, title=view.routine.title)
        closing = texts.closing_finished if done_count else texts.closing_empty
    else:
        head = fill(
            texts.summary_stopped,
            title=view.routine.title,
            done=state.index,
            total=len(state.steps),
        )
        closing = texts.closing_stopped
    body = "\n".join(lines) if lines else texts.summary_nothing
    totals = fill(texts.summary_totals.pick(done_count), done=done_count, skipped=skipped_count)
    streak = f"{streak_line}\n" if streak_line else ""
    text = f"{head}\n\n{body}\n\n{totals}\n{streak}\n{closing}"
    lines, rows = coach if coach is not None else coach_screens.checkin_part(library, view)
    if lines:
        text += "\n\n" + "\n".join(lines)
    # Under the picture, the list of exercises gives way (last first) if the whole is too long.
    body_lines = set(body.split("\n"))
    caption = captions.fit([(line, 1 if line in body_lines else 0) for line in text.split("\n")])
    picture = None if view.data_saver else RoutineSheet(view.routine.id, library.language)
    return Screen(clip(text), keyboards.after_run_keyboard(library, rows), picture, caption)


def answer(
    library: Library,
    notice: Notice,
    record: SetRecord | None = None,
    view: RunView | None = None,
) -> str:
    """Return the short answer to a button press (plain text, shown as a toast)."""
    texts = library.texts
    if notice is Notice.LOGGED and record is not None:
        exercise = library.exercise(record.exercise_id)
        count = texts.count(exercise.dose_for(record.level).unit, record.reps or 0)
        if record.side is None:
            return texts.ans_logged.format(count=count)
        side = side_name(library, exercise, record.level, record.side)
        return texts.ans_logged_side.format(count=count, side=side)
    if notice is Notice.DESK_CAP and view is not None:
        return _desk_cap(library, view)
    if notice is Notice.HARDER_PAUSED and view is not None:
        return coach_screens.harder_paused(library, view)
    return {
        Notice.LOGGED: texts.ans_logged.format(count=""),
        Notice.SKIPPED: texts.ans_skipped,
        Notice.STOPPED: texts.ans_stopped,
        Notice.FINISHED: texts.ans_finished,
        Notice.EASIER: texts.ans_easier,
        Notice.HARDER: texts.ans_harder,
        Notice.AT_EASIEST: texts.ans_at_easiest,
        Notice.AT_HARDEST: texts.ans_at_hardest,
        Notice.DESK_CAP: texts.ans_desk_cap,
        Notice.HARDER_PAUSED: texts.ans_desk_cap,
        Notice.OFFER_TAKEN: texts.ans_offer_taken,
        Notice.OFFER_DECLINED: texts.ans_offer_declined,
        Notice.BAD_COUNT: texts.ans_bad_count,
        Notice.NOT_ACTIVE: texts.ans_over,
    }[notice]


def _desk_cap(library: Library, view: RunView) -> str:
    """Say why Harder changed nothing, and which routines offer the harder version."""
    texts = library.texts
    step = view.state.current
    if step is None:
        return texts.ans_desk_cap
    exercise = library.exercise(step.exercise_id)
    level = view.state.level_of(exercise.id)
    elsewhere = [
        routine.title
        for routine in library.routines.values()
        if exercise.id in routine.exercises and _offers(routine.top_level(exercise), level + 1)
    ]
    if not elsewhere:
        return texts.ans_desk_cap
    return f"{texts.ans_desk_cap} {texts.ans_try_in.format(routines=', '.join(elsewhere))}"


def _offers(top: int | None, level: int) -> bool:
    return top is not None and top >= level
