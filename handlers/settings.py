"""Reminder settings in the chat: /settings, /timezone, /remind, /pause, /resume, locations."""

from __future__ import annotations

from datetime import time

from telegram import CallbackQuery, Update

from bot.domain.schedule import EVERY_DAY, WORKDAYS, parse_time
from bot.domain.zones import valid_zone, zone_at
from bot.services.settings import DEFAULT_PAUSE_DAYS, MAX_PAUSE_DAYS, ReminderSettings
from handlers import formats
from handlers import settings_screens as screens
from handlers.callback_data import (
    KeepDefaults,
    Section,
    SetDataSaver,
    SetDays,
    SetReminderRoutine,
    SetReminders,
    SetTime,
    SetZone,
    ShowSettings,
)
from handlers.common import answer, edit, person_ref, reply
from handlers.context import CoachContext
from handlers.render import Screen, fill, no_data


def _argument(context: CoachContext) -> str:
    return " ".join(context.args or []).strip()


def _zone_sentence(context: CoachContext, template: str, settings: ReminderSettings) -> str:
    library = context.library
    return fill(
        template,
        zone=settings.timezone,
        now=screens.hhmm(settings.now_local.time()),
        next=screens.next_text(library, settings),
    )


async def settings_command(update: Update, context: CoachContext) -> None:
    """Show every setting with buttons to change each."""
    ref = person_ref(update)
    if ref is None:
        return
    settings = await context.services.settings.get(ref)
    if settings is None:
        await reply(update, no_data(context.library))
        return
    await reply(update, screens.settings_main(context.library, settings))


async def timezone_command(update: Update, context: CoachContext) -> None:
    """Set the zone from '/timezone Area/City', or ask with buttons."""
    ref = person_ref(update)
    if ref is None:
        return
    library = context.library
    text = _argument(context)
    if not text:
        await reply(update, screens.zone_picker(library, lead=library.texts.timezone_usage))
        return
    zone = valid_zone(text)
    if zone is None:
        lead = fill(library.texts.timezone_bad, text=text[:64])
        await reply(update, screens.zone_picker(library, lead=lead))
        return
    settings = await context.services.settings.set_timezone(ref, zone)
    await reply(update, Screen(_zone_sentence(context, library.texts.timezone_set, settings)))


async def location(update: Update, context: CoachContext) -> None:
    """Set the zone from a shared location."""
    ref = person_ref(update)
    message = update.effective_message
    if ref is None or message is None or message.location is None:
        return
    library = context.library
    zone = zone_at(message.location.latitude, message.location.longitude)
    if zone is None or valid_zone(zone) is None:
        await reply(update, Screen(library.texts.location_unknown))
        return
    settings = await context.services.settings.set_timezone(ref, zone)
    await reply(update, Screen(_zone_sentence(context, library.texts.location_zone, settings)))


async def remind_command(update: Update, context: CoachContext) -> None:
    """Set the reminder time from '/remind 07:30' (or '/remind off'), or ask with buttons."""
    ref = person_ref(update)
    if ref is None:
        return
    services = context.services
    texts = context.library.texts
    text = _argument(context)
    if not text:
        settings = await services.settings.get(ref)
        # Someone unknown sees the zone they would get; choosing a time then registers them.
        zone = settings.timezone if settings else services.people.default_timezone
        picker = screens.time_picker(context.library, zone)
        await reply(update, Screen(f"{texts.remind_usage}\n\n{picker.text}", picker.keyboard))
        return
    if text.lower() in ("off", "stop", "none"):
        await services.settings.set_enabled(ref, False)
        await reply(update, Screen(texts.remind_off))
        return
    at = parse_time(text)
    if at is None:
        await reply(update, Screen(fill(texts.remind_bad, text=text[:40])))
        return
    settings = await services.settings.set_time(ref, at)
    await reply(update, Screen(_remind_sentence(context, settings)))


def _remind_sentence(context: CoachContext, settings: ReminderSettings) -> str:
    library = context.library
    return fill(
        library.texts.remind_set,
        time=screens.hhmm(settings.remind_at),
        days=screens.days_text(library, settings.days),
        next=screens.next_text(library, settings),
    )


async def pause_command(update: Update, context: CoachContext) -> None:
    """Pause reminders for some days ('/pause 7'; seven when no number is given)."""
    ref = person_ref(update)
    if ref is None:
        return
    texts = context.library.texts
    text = _argument(context)
    # isascii: "²" and "٣" are digits to str.isdigit, and int() refuses the first.
    if text and not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAUSE_DAYS):
        await reply(update, Screen(texts.pause_bad))
        return
    settings = await context.services.settings.pause(ref, int(text or DEFAULT_PAUSE_DAYS))
    assert settings.paused_until is not None
    await reply(
        update,
        Screen(
            fill(
                texts.pause_set,
                until=formats.weekday_month_day(context.library, settings.paused_until),
            )
        ),
    )


async def resume_command(update: Update, context: CoachContext) -> None:
    """End a pause."""
    ref = person_ref(update)
    if ref is None:
        return
    library = context.library
    resumed = await context.services.settings.resume(ref)
    if resumed is None:
        await reply(update, no_data(library))
        return
    settings, was_paused = resumed
    template = library.texts.resume_done if was_paused else library.texts.resume_not_paused
    await reply(update, Screen(fill(template, next=screens.next_text(library, settings))))


async def on_settings_button(
    update: Update,
    query: CallbackQuery,
    context: CoachContext,
    data: ShowSettings
    | SetZone
    | SetTime
    | SetDays
    | SetReminderRoutine
    | SetReminders
    | SetDataSaver
    | KeepDefaults,
) -> None:
    """Apply a settings button and redraw the message it is on."""
    ref = person_ref(update)
    assert ref is not None
    services = context.services
    library = context.library
    settings = services.settings
    match data:
        case ShowSettings(section, onboarding):
            current = await settings.get(ref)
            if current is None:
                await answer(query, library.texts.ans_no_data)
                return
            await answer(query)
            await edit(query, _section(context, section, current, onboarding))
            return
        case SetZone(zone, onboarding):
            if valid_zone(zone) is None:
                await answer(query, library.texts.ans_invalid)
                return
            current = await settings.set_timezone(ref, zone)
            await answer(query, library.texts.ans_saved)
            if onboarding:
                await edit(query, screens.time_picker(library, zone, onboarding=True))
            else:
                await edit(query, screens.settings_main(library, current))
            return
        case SetTime(minutes, onboarding):
            current = await settings.set_time(ref, time(minutes // 60, minutes % 60))
            await answer(query, library.texts.ans_saved)
            if onboarding:
                await edit(query, screens.onboarding_done(library, current))
            else:
                await edit(query, screens.settings_main(library, current))
            return
        case SetDays(choice):
            if choice == "w":
                current = await settings.set_days(ref, WORKDAYS)
            elif choice == "a":
                current = await settings.set_days(ref, EVERY_DAY)
            else:
                current = await settings.toggle_day(ref, int(choice))
            await answer(query, library.texts.ans_saved)
            await edit(query, screens.days_picker(library, current))
            return
        case SetReminderRoutine(routine_id):
            if routine_id not in library.routines:
                await answer(query, library.texts.ans_unknown_routine)
                return
            current = await settings.set_routine(ref, routine_id)
            await answer(query, library.texts.ans_saved)
            await edit(query, screens.settings_main(library, current))
            return
        case SetReminders(on):
            current = await settings.set_enabled(ref, on)
            await answer(query, library.texts.ans_saved)
            await edit(query, screens.settings_main(library, current))
            return
        case SetDataSaver(on):
            current = await settings.set_data_saver(ref, on)
            await answer(query, library.texts.ans_saved)
            await edit(query, screens.settings_main(library, current))
            return
        case KeepDefaults():
            current = await settings.get(ref)
            if current is None:
                await answer(query, library.texts.ans_no_data)
                return
            await answer(query, library.texts.ans_saved)
            await edit(query, screens.onboarding_done(library, current))


def _section(
    context: CoachContext, section: Section, current: ReminderSettings, onboarding: bool
) -> Screen:
    library = context.library
    match section:
        case Section.ZONE:
            return screens.zone_picker(library, onboarding=onboarding)
        case Section.TIME:
            return screens.time_picker(library, current.timezone, onboarding=onboarding)
        case Section.DAYS:
            return screens.days_picker(library, current)
        case Section.ROUTINE:
            return screens.routine_picker(library, current)
        case Section.MAIN:
            return screens.settings_main(library, current)
