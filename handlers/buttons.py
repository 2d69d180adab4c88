"""Every button of every message lands here: parse it once, answer it once, route it."""

from __future__ import annotations

import logging

from telegram import Update

from handlers import (
    checkup,
    coach,
    data_rights,
    languages,
    reminders,
    render,
    routine,
    settings,
    teams,
)
from handlers.callback_data import (
    CallbackDataError,
    CheckupAccept,
    CheckupAnswer,
    CheckupLater,
    CoachOffer,
    ConfirmDelete,
    ContinueRun,
    ExtraSet,
    FineAgain,
    HipAnswer,
    KeepDefaults,
    NotToday,
    PainCheck,
    PainWhere,
    RestDay,
    RunButton,
    ScreeningAnswer,
    SetDataSaver,
    SetDays,
    SetLanguage,
    SetReminderRoutine,
    SetReminders,
    SetTime,
    SetZone,
    ShowAbout,
    ShowPicker,
    ShowScreening,
    ShowSettings,
    Snooze,
    StartHere,
    StartRoutine,
    TeamDelete,
    TeamJoin,
    TeamLeave,
    TeamMenu,
    TeamSet,
    parse,
)
from handlers.common import answer, person_ref, reply
from handlers.context import CoachContext
from handlers.render import fill

logger = logging.getLogger(__name__)


async def on_button(update: Update, context: CoachContext) -> None:
    """Route a button press; every path answers the query exactly once."""
    query = update.callback_query
    assert query is not None
    texts = context.library.texts
    ref = person_ref(update)
    try:
        data = parse(query.data)
    except CallbackDataError as error:
        logger.info("unreadable callback data: %s", error)
        await answer(query, texts.ans_invalid)
        return
    if query.message is None:
        # Presses on inline-mode messages have no chat; nothing here sends those.
        await answer(query, texts.ans_invalid)
        return
    if isinstance(data, TeamJoin | TeamMenu | TeamSet | TeamLeave | TeamDelete):
        # Team buttons live in groups (Join, the admins' setup) and in private (Leave).
        await teams.on_team_button(update, query, context, data)
        return
    if ref is None:
        # A button in a group (an old reminder posted there before coaching became private):
        # it acts for nobody, whoever presses it.
        await answer(query, fill(texts.ans_private_only, bot=context.bot.username))
        return

    match data:
        case SetLanguage():
            await languages.on_language_button(update, context, data)
        case ShowPicker():
            await answer(query)
            active = await context.services.routines.active(ref)
            await reply(update, render.picker(context.library, active))
        case ShowAbout():
            await answer(query)
            await reply(update, render.about(context.library))
        case StartRoutine(routine_id):
            await routine.start_routine(update, query, context, routine_id)
        case StartHere(routine_id):
            await routine.start_here(update, query, context, routine_id)
        case ContinueRun(run_id):
            await routine.continue_run(update, query, context, run_id)
        case RunButton():
            await routine.run_button(query, context, ref, data)
        case Snooze() | NotToday():
            await reminders.on_snooze(update, query, context, data)
        case HipAnswer() | RestDay():
            await reminders.on_hip(update, query, context, data)
        case (
            ShowSettings()
            | SetZone()
            | SetTime()
            | SetDays()
            | SetReminderRoutine()
            | SetReminders()
            | SetDataSaver()
            | KeepDefaults()
        ):
            await settings.on_settings_button(update, query, context, data)
        case ConfirmDelete():
            await data_rights.on_confirm_delete(update, query, context, data)
        case CheckupAnswer() | CheckupAccept() | CheckupLater():
            await checkup.on_checkup_button(update, query, context, data)
        case ScreeningAnswer() | ShowScreening():
            await coach.on_screening(update, query, context, ref, data)
        case CoachOffer() | FineAgain():
            await coach.on_offer(query, context, ref, data)
        case PainCheck() | PainWhere():
            await coach.on_check_in(query, context, ref, data)
        case ExtraSet():
            await coach.on_extra_set(query, context, ref, data)
