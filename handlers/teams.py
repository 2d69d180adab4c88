"""Team mode in the chats: /team, /board, /leave, the setup buttons, Join, group events.

Group events: the bot added or removed, the group turned into a supergroup.

Who may change a team is Telegram's answer (getChatMember), kept for a minute (AdminCache).
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, ChatMember, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.domain.schedule import parse_time
from bot.domain.teams import parse_team_payload
from bot.domain.zones import valid_zone
from bot.services.people import PersonRef
from bot.services.teams import (
    JoinVerdict,
    SettingError,
    TeamChange,
    TeamView,
    set_active,
    set_days,
    set_goal,
    set_language,
    set_ranking,
    set_routine,
    set_time,
    set_zone,
)
from content.i18n import LANGUAGES, language_of, named_language
from handlers import team_boards, team_screens
from handlers.callback_data import (
    TeamData,
    TeamDelete,
    TeamField,
    TeamJoin,
    TeamLeave,
    TeamMenu,
    TeamSection,
    TeamSet,
)
from handlers.common import TELEGRAM_FAULTS, answer, edit, reply
from handlers.context import CoachContext
from handlers.render import Screen, fill

logger = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


async def is_admin(context: CoachContext, chat_id: int, user_id: int) -> bool:
    """Return whether the user is an admin of the group (Telegram's answer, cached briefly)."""
    cache = context.bot_data.team_admins
    known = cache.get(chat_id, user_id)
    if known is not None:
        return known
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden, *TELEGRAM_FAULTS) as error:
        logger.info("admin check in chat %s failed: %r", chat_id, error)
        return False  # not cached: the next try asks again
    admin = member.status in ADMIN_STATUSES
    cache.put(chat_id, user_id, admin)
    return admin


# --- commands in the group ----------------------------------------------------------------


async def team_command(update: Update, context: CoachContext) -> None:
    """/team in a group: set up or show the team (admins); /team on|off|delete|time|zone|goal."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    services = context.services
    texts = context.library.texts
    if not await is_admin(context, chat.id, user.id):
        await reply(update, Screen(texts.team_not_admin))
        return
    args = context.args or []
    if not args:
        team, _ = await services.teams.setup(
            chat.id, chat.title or "", user.id, language_of(user.language_code)
        )
        _adopt(context, team)
        await _post_setup(update, context, team)
        return
    word, rest = args[0].lower(), args[1:]
    found = await services.teams.view(chat.id)
    team = (
        found
        or (
            await services.teams.setup(
                chat.id, chat.title or "", user.id, language_of(user.language_code)
            )
        )[0]
    )
    _adopt(context, team)
    if word == "delete" and not rest:
        await reply(update, team_screens.delete_question(context.library, team))
        return
    try:
        change = _typed_change(word, rest)
    except SettingError as error:
        await reply(update, Screen(_refusal(context, error)))
        return
    if change is None:
        await reply(update, Screen(texts.team_bad_command))
        return
    try:
        changed = await services.teams.change(team.id, change)
        if changed is not None:
            _adopt(context, changed)
    except SettingError as error:
        await reply(update, Screen(_refusal(context, error)))
        return
    if changed is None:
        await reply(update, Screen(texts.team_none))
        return
    if word == "off":
        await reply(update, Screen(texts.team_off))
        await _redraw_setup(context, changed)
        return
    await _post_setup(update, context, changed)


def _refusal(context: CoachContext, error: SettingError) -> str:
    """Return what to say about a setting that cannot be stored, in the group's language."""
    texts = context.library.texts
    said = {
        "time": texts.team_bad_time,
        "zone": texts.team_bad_zone,
        "goal": texts.team_bad_goal,
        "language": texts.team_bad_language,
    }
    return said.get(error.kind, texts.team_bad_command)


def _adopt(context: CoachContext, team: TeamView) -> None:
    """Answer in the team's language from now on (this update too), and remember it."""
    context.bot_data.languages.put(team.chat_id, team.language)
    context.language = team.language


def _typed_change(word: str, rest: list[str]) -> TeamChange | None:
    """Return the change a typed /team subcommand asks for; None when it is not one."""
    value = " ".join(rest)
    match word:
        case "on" | "off" if not rest:
            return set_active(word == "on")
        case "time" if rest:
            at = parse_time(value)
            if at is None:
                raise SettingError("time", f"{value[:20]} is not a time")
            return set_time(at.hour * 60 + at.minute)
        case "zone" if rest:
            zone = valid_zone(value)
            if zone is None:
                raise SettingError("zone", f"{value[:40]} is not a time zone")
            return set_zone(zone)
        case "goal" if rest:
            if value.lower() == "default":
                return set_goal(None)
            if not value.isascii() or not value.isdigit():
                raise SettingError("goal", f"{value[:20]} is not a number")
            return set_goal(int(value))
        case "ranking" if value.lower() in ("on", "off"):
            return set_ranking(value.lower() == "on")
        case "language" if rest:
            code = named_language(value)
            if code is None:
                raise SettingError("language", f"{value[:20]} is not a language")
            return set_language(code, LANGUAGES)
    return None


async def _post_setup(update: Update, context: CoachContext, team: TeamView) -> None:
    """Post the setup message (the latest one is the one the buttons redraw)."""
    sent = await reply(update, team_screens.setup(context.library, team))
    if sent is not None:
        context.bot_data.team_boards.record(team.chat_id)
        await context.services.teams.remember_setup_message(team.id, sent.message_id)


async def _redraw_setup(context: CoachContext, team: TeamView) -> None:
    """Redraw the last setup message after a typed change (best effort)."""
    services = context.services
    message_id = await services.teams.setup_message_of(team.id)
    if message_id is None:
        return
    screen = team_screens.setup(context.library, team)
    try:
        await context.bot.edit_message_text(
            screen.text, team.chat_id, message_id, reply_markup=screen.keyboard
        )
    except BadRequest as error:
        logger.info("setup message of team %s not redrawn: %s", team.id, error.message)
    except (Forbidden, *TELEGRAM_FAULTS) as error:
        logger.info("setup message of team %s not redrawn: %r", team.id, error)


async def board_command(update: Update, context: CoachContext) -> None:
    """/board in a group: this week's grid, the team streak and the best."""
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    week = await services.teams.week(chat.id)
    if week is None:
        await reply(update, Screen(context.library.texts.team_none))
        return
    context.bot_data.team_boards.record(chat.id)
    await reply(update, team_screens.week_grid(context.library, week))


async def leave_in_group(update: Update, context: CoachContext) -> None:
    """/leave in a group: take the sender off this group's team."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    services = context.services
    texts = context.library.texts
    team = await services.teams.view(chat.id)
    if team is None:
        await reply(update, Screen(texts.team_none))
        return
    result = await services.teams.leave(team.id, user.id)
    if result.verdict is JoinVerdict.LEFT:
        await reply(update, Screen(fill(texts.team_left_group, name=user.first_name or "")))
        await team_boards.refresh(context, result.posts)
    else:
        await reply(update, Screen(texts.team_not_member))


# --- the private chat ---------------------------------------------------------------------


async def leave_in_private(update: Update, context: CoachContext) -> None:
    """/leave in the private chat: pick the team to leave."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    teams = await services.teams.teams_of(user.id)
    await reply(update, team_screens.leave_picker(context.library, teams))


async def start_with_payload(update: Update, context: CoachContext, ref: PersonRef) -> bool:
    """Handle /start team_<code> (join in one tap); return False for other payloads."""
    code = parse_team_payload(context.args[0] if context.args else None)
    if code is None:
        return False
    services = context.services
    texts = context.library.texts
    result = await services.teams.join_by_code(code, ref)
    if result.verdict is JoinVerdict.NO_TEAM or result.team is None:
        await reply(update, Screen(texts.team_link_gone))
        return True
    await reply(update, team_screens.joined(context.library, result.team))
    await team_boards.refresh(context, result.posts)
    return True


# --- buttons ------------------------------------------------------------------------------


async def on_team_button(
    update: Update, query: CallbackQuery, context: CoachContext, data: TeamData
) -> None:
    """Route a team button: Join and the admins' setup buttons in the group, Leave in private."""
    services = context.services
    texts = context.library.texts
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        await answer(query, texts.ans_invalid)
        return
    match data:
        case TeamJoin(team_id):
            await _join(query, context, team_id, user.id)
        case TeamLeave(team_id):
            result = await services.teams.leave(team_id, user.id)
            if result.verdict is JoinVerdict.LEFT and result.team is not None:
                await answer(query)
                name = result.team.title or str(result.team.id)
                await edit(query, Screen(fill(texts.team_left, team=name)))
                await team_boards.refresh(context, result.posts)
            elif result.verdict is JoinVerdict.NO_TEAM:
                await answer(query, texts.ans_team_gone)
            else:
                await answer(query, texts.team_not_member)
        case TeamMenu() | TeamSet() | TeamDelete():
            if chat.type == ChatType.PRIVATE or not await is_admin(context, chat.id, user.id):
                await answer(query, texts.ans_team_not_admin)
                return
            await _admin_press(query, context, chat.id, data)


async def _join(query: CallbackQuery, context: CoachContext, team_id: int, user_id: int) -> None:
    services = context.services
    texts = context.library.texts
    result = await services.teams.join(team_id, user_id)
    match result.verdict:
        case JoinVerdict.NEEDS_START:
            assert result.team is not None
            # Opens the private chat with /start team_<code>: started and joined in one tap.
            link = team_screens.join_link(context.bot.username, result.team)
            try:
                await query.answer(url=link)
            except BadRequest as error:
                logger.info("join link not given to press %s: %s", query.id, error.message)
            except TELEGRAM_FAULTS as error:
                logger.warning("join link not given to press %s: %r", query.id, error)
        case JoinVerdict.JOINED:
            await answer(query, texts.ans_team_joined)
            await team_boards.refresh(context, result.posts)
        case JoinVerdict.ALREADY:
            await answer(query, texts.ans_team_already)
        case _:
            await answer(query, texts.ans_team_gone)


async def _admin_press(
    query: CallbackQuery, context: CoachContext, chat_id: int, data: TeamMenu | TeamSet | TeamDelete
) -> None:
    services = context.services
    library = context.library
    texts = library.texts
    team = await services.teams.view(chat_id)
    if team is None or team.id != data.team_id:
        await answer(query, texts.ans_team_gone)
        return
    match data:
        case TeamMenu(_, part):
            await answer(query)
            await edit(query, team_screens.section(library, team, part))
        case TeamSet(_, field, value):
            try:
                changed = await services.teams.change(team.id, _button_change(field, value))
                if changed is not None:
                    _adopt(context, changed)
            except SettingError:
                await answer(query, texts.ans_invalid)
                return
            if changed is None:
                await answer(query, texts.ans_team_gone)
                return
            await answer(query, texts.ans_team_saved)
            back = TeamSection.DAYS if field is TeamField.DAYS else TeamSection.MAIN
            await edit(query, team_screens.section(library, changed, back))
        case TeamDelete(_, yes):
            if not yes:
                await answer(query)
                await edit(query, Screen(texts.team_delete_kept))
                return
            await services.teams.delete(team.id)
            await answer(query)
            await edit(query, Screen(texts.team_deleted))


def _button_change(field: TeamField, value: str) -> TeamChange:
    """Return the change a setup button asks for (its value was checked when parsed)."""
    match field:
        case TeamField.TIME:
            return set_time(int(value, 36))
        case TeamField.ZONE:
            return set_zone(value)
        case TeamField.DAYS:
            return set_days(value)
        case TeamField.ROUTINE:
            return set_routine(value)
        case TeamField.GOAL:
            number = int(value, 36)
            return set_goal(None if number == 0 else number)
        case TeamField.RANKING:
            return set_ranking(value == "1")
        case TeamField.LANGUAGE:
            return set_language(value, LANGUAGES)


# --- the group and the bot ----------------------------------------------------------------


async def on_group_membership(update: Update, context: CoachContext) -> None:
    """Pause or resume a group's team when the bot is removed from or added to the group."""
    change = update.my_chat_member
    if change is None:
        return
    services = context.services
    status = change.new_chat_member.status
    chat_id = change.chat.id
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await services.teams.bot_left(chat_id)
        return
    if status not in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        return
    back = await services.teams.bot_back(chat_id)
    was_out = change.old_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    if was_out and not back and await services.teams.view(chat_id) is None:
        # Newly added (a team moving to its supergroup is found by the new id already, as
        # Telegram sends the old group's migrate_to_chat_id first): say once what the bot does.
        context.bot_data.team_boards.record(chat_id)
        try:
            await context.bot.send_message(chat_id, context.library.texts.team_hello)
        except (BadRequest, Forbidden, *TELEGRAM_FAULTS) as error:
            logger.info("no hello in chat %s: %r", chat_id, error)


async def on_migration(update: Update, context: CoachContext) -> None:
    """Move a team to the supergroup its group became (either of the two service messages)."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        await context.services.teams.migrated(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        await context.services.teams.migrated(message.migrate_from_chat_id, message.chat.id)
