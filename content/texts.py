"""Every sentence the bot says outside the exercise library, validated as one model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Texts(BaseModel):
    """Interface texts; HTML where noted, {placeholders} filled (escaped) by the renderer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
    side_left: str
    side_right: str
    no_equipment: str
    variation_line: str
    dose_line: str
    hold_line: str
    cue_line: str
    next_hint: str
    picker_hint: str
    btn_done: str
    btn_log: str
    btn_easier: str
    btn_harder: str
    btn_skip: str
    btn_stop: str
    btn_back: str
    btn_new_routine: str
    # Summary
    summary_finished: str
    summary_stopped: str
    summary_done_line: str
    summary_skipped_line: str
    summary_totals: str
    summary_nothing: str
    closing_finished: str
    closing_empty: str
    closing_stopped: str
    # Callback answers (toasts, plain text, at most 200 characters)
    ans_logged: str
    ans_skipped: str
    ans_stopped: str
    ans_finished: str
    ans_easier: str
    ans_harder: str
    ans_at_easiest: str
    ans_at_hardest: str
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
    # Faults
    error_apology: str
