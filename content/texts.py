"""Every sentence the bot says outside the exercise library, validated as one model."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from content.models import CountUnit, HoldUnit, SideNaming


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _english_plural(one: str, other: str, n: int) -> str:
    return one if n == 1 else other


class Plural(_Frozen):
    """A text that depends on a number: English 'one' and 'other' in the YAML.

    In another language the catalog holds as many forms as the language has (Russian three);
    pick(n) returns the right one, so read it only through pick().
    """

    one: str
    other: str
    _choose: Callable[[str, str, int], str] = PrivateAttr(default_factory=lambda: _english_plural)

    def pick(self, n: int) -> str:
        """Return the form for the number n."""
        return self._choose(self.one, self.other, n)

    def in_language(self, choose: Callable[[str, str, int], str]) -> Plural:
        """Return this text with a language's plural lookup (gettext's ngettext)."""
        copy = self.model_copy()
        copy._choose = choose
        return copy


class UnitWords(_Frozen):
    """How a count unit is said: a count (by plural form), a range, and the picker's question."""

    count: Plural
    range: str
    picker_hint: str


class SideNames(_Frozen):
    """The two sides under one way of naming them, e.g. 'Left foot' and 'Right foot'."""

    left: str
    right: str


def _every(kind: object, found: Collection[str]) -> None:
    missing = [key for key in get_args(kind) if key not in found]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")


class ChartTexts(_Frozen):
    """The words of the /progress picture (bot/reports/progress_chart.py)."""

    title: str
    summary: Plural  # by sessions; {sessions} and {days}
    summary_days: Plural  # by days: "on {days} days", appended to summary
    nothing_logged: str
    no_sessions_weeks: str
    no_sessions_ever: str
    legend_none: str
    legend_one: str
    legend_many: str
    legend_today: str
    levels_title: str
    levels_empty: str
    level_names: list[str] = Field(min_length=3, max_length=3)  # easier, standard, harder
    not_tried: str
    checkup_title: str
    checkup_hint: str
    checkup_again: str
    checkup_same: str


class Texts(_Frozen):
    """Interface texts; HTML where noted, {placeholders} filled (escaped) by the renderer."""

    # The command menu (set_my_commands): command -> description, in menu order
    menu: dict[str, str]
    # Commands
    welcome: str
    help: str
    about_title: str
    who_benefits_title: str
    signs_title: str
    safety_title: str
    unknown_text: str
    unknown_command: str
    # Routine picker
    picker: str
    picker_continue: str
    routine_button: str
    start_default_button: str
    pick_routine_button: str
    about_button: str
    # Walkthrough
    step_progress: str
    side_names: dict[SideNaming, SideNames]
    # Words on the exercise animations: cue key -> word (content/poses name the keys)
    media_cues: dict[str, str]
    media_both_legs: str
    # The contact sheet's names of the versions: easier, standard, harder
    media_levels: tuple[str, str, str]
    units: dict[CountUnit, UnitWords]
    why_line: str
    no_equipment: str
    variation_line: str
    dose_line: str
    hold_lines: dict[HoldUnit, str]
    form_cue_line: str
    safety_cue_line: str
    next_hint: str
    btn_done: str
    btn_log: str
    btn_easier: str
    btn_harder: str
    btn_skip: str
    btn_steps: str
    btn_steps_less: str
    btn_stop: str
    btn_back: str
    btn_new_routine: str
    # Summary
    summary_finished: str
    summary_stopped: str
    summary_done_line: str
    side_count: str
    summary_skipped_line: str
    summary_totals: Plural
    summary_nothing: str
    closing_finished: str
    closing_empty: str
    closing_stopped: str
    # Callback answers (toasts, plain text, at most 200 characters)
    ans_logged: str
    ans_logged_side: str
    ans_skipped: str
    ans_stopped: str
    ans_finished: str
    ans_easier: str
    ans_harder: str
    ans_at_easiest: str
    ans_at_hardest: str
    ans_desk_cap: str
    ans_try_in: str
    ans_bad_count: str
    ans_outdated: str
    ans_over: str
    ans_foreign: str
    ans_missing: str
    ans_invalid: str
    ans_started: str
    ans_already_started: str
    ans_continue: str
    ans_unknown_routine: str
    moved_below: str
    # Settings and reminders
    days_workdays: str
    days_every: str
    common_zones: list[str]
    settings_view: str
    reminder_on_line: str
    reminder_off_line: str
    next_line: str
    next_none: str
    paused_line: str
    blocked_line: str
    when_format: str
    btn_set_zone: str
    btn_set_time: str
    btn_set_days: str
    btn_set_routine: str
    btn_reminders_off: str
    btn_data_saver_on: str
    btn_data_saver_off: str
    data_saver_line_on: str
    data_saver_line_off: str
    btn_reminders_on: str
    btn_workdays: str
    btn_every_day: str
    btn_settings_done: str
    btn_keep_defaults: str
    zone_picker: str
    time_picker: str
    days_picker: str
    routine_reminder_picker: str
    timezone_set: str
    timezone_bad: str
    timezone_usage: str
    location_zone: str
    location_unknown: str
    remind_set: str
    remind_off: str
    remind_bad: str
    remind_usage: str
    pause_set: str
    pause_bad: str
    resume_done: str
    resume_not_paused: str
    onboarding: str
    onboarding_done: str
    name_fallback: str
    reminder_text: str
    reminder_snoozed: str
    reminder_dismissed: str
    btn_start_now: str
    btn_snooze_15: str
    btn_snooze_60: str
    btn_not_today: str
    ans_saved: str
    ans_snoozed: str
    ans_not_today: str
    ans_reminder_handled: str
    ans_reminder_stale: str
    ans_trained: str
    # "How's the hip today?": in the reminder after a pain report, and in /history
    hip_question: str
    btn_hip_better: str
    btn_hip_same: str
    btn_hip_worse: str
    hip_better: str
    hip_same: str
    hip_worse: str
    btn_rest_day: str
    hip_rest_day: str
    ans_hip_saved: str
    ans_rest_day: str
    ans_hip_resting: str
    history_hip: str
    history_hip_day: str
    history_hip_rest: str
    hip_word_better: str
    hip_word_same: str
    hip_word_worse: str
    # Streaks, history, progress
    days: Plural
    mark_done: str
    mark_missed: str
    mark_rest: str
    mark_paused: str
    mark_today: str
    mark_future: str
    mark_outside: str
    marks_legend: str
    streak_view: str
    streak_line_zero: str
    streak_line_pending: str
    streak_line_done: str
    streak_line_rest: str
    summary_streak: str
    reminder_streak: str
    milestone: Plural
    history_title: str
    history_sessions_title: str
    history_session: str
    history_status_finished: str
    history_status_stopped: str
    history_set: str
    history_totals_title: str
    history_total_line: str
    history_empty: str
    history_next: str
    progress_caption: str
    weekly_summary: str
    weekly_moved: str
    weekly_moved_none: str
    # Data rights and the operator
    export_caption_json: str
    export_caption_csv: str
    export_nothing: str
    delete_confirm: str
    btn_delete_yes: str
    btn_delete_no: str
    delete_done: str
    delete_cancelled: str
    delete_nothing: str
    ans_delete_not_yours: str
    ans_delete_again: str
    # Someone unknown (never started, or deleted): reads write nothing and say so
    no_data: str
    ans_no_data: str
    # Group chats: personal coaching happens in the private chat only
    group_private_only: str
    btn_open_private: str
    ans_private_only: str
    # Team mode: the group's daily break (short, first names only), and the private side
    group_menu: dict[str, str]
    progress_chart: ChartTexts
    language_pick: str
    language_set: str
    language_unknown: str
    bot_description: str = Field(max_length=512)
    bot_short_description: str = Field(max_length=120)
    btn_team_language: str
    team_pick_language: str
    team_hello: str
    team_setup: str
    team_setup_title: str
    team_setup_paused: str
    team_setup_away: str
    team_setup_hint: str
    team_goal_default: str
    team_goal_chosen: Plural
    team_ranking_on: str
    team_ranking_off: str
    btn_team_join: str
    btn_team_start: str
    btn_team_time: str
    btn_team_zone: str
    btn_team_days: str
    btn_team_routine: str
    btn_team_goal: str
    btn_team_ranking: str
    btn_team_back: str
    btn_team_goal_default: str
    team_pick_time: str
    team_pick_zone: str
    team_pick_days: str
    team_pick_routine: str
    team_pick_goal: str
    team_not_admin: str
    ans_team_not_admin: str
    ans_team_saved: str
    team_bad_command: str
    team_bad_time: str
    team_bad_zone: str
    team_bad_goal: str
    team_bad_language: str
    team_off: str
    team_none: str
    team_delete_confirm: str
    btn_team_delete_yes: str
    btn_team_delete_no: str
    team_deleted: str
    team_delete_kept: str
    team_post: str
    team_board: str
    team_board_team_day: str
    team_board_nobody: str
    team_weekly: Plural
    team_weekly_ranking: str
    team_milestone: Plural
    team_week: str
    team_week_team_row: str
    team_fallback: str
    team_joined: str
    team_link_gone: str
    ans_team_joined: str
    ans_team_already: str
    ans_team_gone: str
    team_left: str
    team_left_group: str
    team_not_member: str
    team_leave_pick: str
    team_leave_none: str
    admin_stats: str
    # Faults
    error_apology: str
    # The /checkup self-check (its questions, range test and bands are in coaching.yaml)
    checkup_intro: str
    checkup_question: str
    checkup_range: str
    checkup_range_step: str
    checkup_result: str
    checkup_level_line: str
    checkup_accepted: str
    checkup_later: str
    checkup_bands: dict[str, str]  # band id -> how a person reads it; missing: the id
    btn_yes: str
    btn_no: str
    btn_checkup_use: str
    btn_checkup_later: str
    btn_checkup_start: str
    ans_checkup_answered: str
    ans_checkup_finished: str
    ans_checkup_replaced: str
    ans_checkup_accepted: str
    ans_checkup_already: str
    ans_checkup_later: str
    ans_checkup_foreign: str
    ans_checkup_missing: str
    progress_checkup_due: str
    progress_checkup_first: str
    # First-use screening
    screening_question: str
    screening_caution: str
    screening_not_now: str
    screening_line_clear: str
    screening_line_gentle: str
    screening_line_not_now: str
    screening_line_unasked: str
    btn_screening_yes: str
    btn_screening_no: str
    btn_screening_gentle: str
    btn_screening_not_now: str
    btn_set_screening: str
    ans_screening_saved: str
    first_run_safety: str
    # The coach's plan on an exercise's first step
    note_sharp_down: str
    note_break_down: Plural
    note_therapist: str
    offer_up: Plural
    offer_down: Plural
    btn_offer_up_take: str
    btn_offer_up_decline: str
    btn_offer_down_take: str
    btn_offer_down_decline: str
    btn_fine_again: str
    extra_set_mark: str
    ans_offer_taken: str
    ans_offer_declined: str
    ans_fine_again: str
    ans_coach_stale: str
    ans_harder_gentle: str
    ans_harder_therapist: str
    ans_harder_hip_today: str
    # The end-of-routine check-in and the gap between the sides
    checkin_question: str
    btn_pain_none: str
    btn_pain_some: str
    btn_pain_sharp: str
    checkin_which: str
    btn_pain_unsure: str
    checkin_thanks_none: str
    checkin_thanks_some: str
    checkin_thanks_sharp: str
    checkin_where: str
    checkin_therapist: str
    imbalance_line: str
    btn_extra_take: str
    btn_extra_decline: str
    extra_taken: str
    extra_declined: str
    side_word_left: str
    side_word_right: str
    ans_checkin_saved: str
    history_pain: str
    history_pain_none: str
    history_pain_some: str
    history_pain_sharp: str

    @field_validator("side_names")
    @classmethod
    def _every_naming(cls, value: dict[SideNaming, SideNames]) -> dict[SideNaming, SideNames]:
        _every(SideNaming, value.keys())
        return value

    @field_validator("units")
    @classmethod
    def _every_unit(cls, value: dict[CountUnit, UnitWords]) -> dict[CountUnit, UnitWords]:
        _every(CountUnit, value.keys())
        return value

    def count(self, unit: CountUnit, n: int) -> str:
        """Return a count in its unit, singular or plural: '1 breath', '5 breaths'."""
        return self.units[unit].count.pick(n).format(n=n)

    def counts(self, unit: CountUnit, numbers: Sequence[int]) -> str:
        """Return counts of one unit added up as logged, e.g. '15+12 reps'."""
        if len(numbers) == 1:
            return self.count(unit, numbers[0])
        words = self.units[unit].count.pick(sum(numbers))
        return words.format(n="+".join(str(n) for n in numbers))

    def count_range(self, unit: CountUnit, low: int, high: int) -> str:
        """Return a dose's range in its unit, e.g. '10-15 reps', or one count when equal."""
        if low == high:
            return self.count(unit, low)
        return self.units[unit].range.format(min=low, max=high)

    def side(self, naming: SideNaming, side: Literal["left", "right"]) -> str:
        """Return a side as the exercise names it, e.g. 'Left leg back'."""
        names = self.side_names[naming]
        return names.left if side == "left" else names.right
