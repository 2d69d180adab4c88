"""The double's Telegram state: users, chats and messages, files, callback queries, updates."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

from bot.sandbox.double.records import (
    BLOCKED,
    GROUP_UPGRADED,
    KICKED_FROM_GROUP,
    KICKED_FROM_SUPERGROUP,
    NOT_GROUP_MEMBER,
    NOT_SUPERGROUP_MEMBER,
    ApiError,
    Button,
    ButtonNotFoundError,
    CallbackAnswer,
    ChatMessage,
    JsonDict,
    UploadRecord,
)
from bot.sandbox.telegram_html import Entity, FormattedText, utf16_len

BotStatus = Literal["member", "left", "kicked"]
# A ChatMember's status, as getChatMember and the chat member updates give it.
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
# What a method needs of a chat, after the Bot API server's own check (check_chat_access):
# "read" (getChat, the bot's own membership), "members" (other members), "edit", "write".
Access = Literal["read", "members", "edit", "write"]
FileKind = Literal["photo", "document", "animation"]

MEMBER_STATUSES: Final[frozenset[str]] = frozenset(
    {"creator", "administrator", "member", "restricted", "left", "kicked"}
)
# Statuses of someone who is in the chat (a restricted member here always is).
PRESENT_STATUSES: Final = frozenset({"creator", "administrator", "member", "restricted"})
# Who sends a supergroup's own service messages, as the Bot API shows it.
GROUP_ANONYMOUS_BOT: Final[JsonDict] = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
# Supergroup ids are -100 followed by the channel's id: -1_000_000_000_000 and below.
SUPERGROUP_ID_BOUND: Final = -1_000_000_000_000
# Fields that make a message a service message (ChatMessage.service names the first found).
SERVICE_FIELDS: Final = (
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "group_chat_created",
    "supergroup_chat_created",
)
# The rights every administrator has in the double (a basic group knows no finer split).
_ADMIN_RIGHTS: Final = (
    "can_manage_chat",
    "can_change_info",
    "can_delete_messages",
    "can_invite_users",
    "can_restrict_members",
    "can_pin_messages",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_manage_tags",
)
# A restricted member may do none of these (the double restricts everything).
_RESTRICTED_PERMISSIONS: Final = (
    "can_send_messages",
    "can_send_media_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)

# Message kinds that carry a file and a caption (editMessageCaption and editMessageMedia apply).
MEDIA_KINDS: Final = frozenset({"photo", "document", "animation"})
# How Telegram's file_ids start, by kind (the rest encodes the bot and the file).
_FILE_ID_PREFIXES: Final[dict[FileKind, str]] = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
}
# Any file_id a double hands out, to any bot: "<prefix><scope>_<number>[_<size step>]".
_FILE_ID_SHAPE: Final = re.compile(
    "(?:" + "|".join(_FILE_ID_PREFIXES.values()) + r")[0-9a-f]+_\d{8}(?:_\d)?"
)
_FILE_FOLDERS: Final[dict[FileKind, str]] = {
    "photo": "photos",
    "document": "documents",
    "animation": "animations",
}
# Numbers each double in the process, so one double's file_ids mean nothing to another
# (Telegram's file_ids belong to one bot).
_DOUBLE_NUMBERS: Final = itertools.count(1)

# Update kinds Telegram leaves out unless allowed_updates names them.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_GROUP_TYPES: Final = frozenset({"group", "supergroup"})
# What an inline keyboard button does: exactly one of these fields.
BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass(slots=True)
class StoredFile:
    """A file the bot uploaded, kept for getFile, downloads and resending by file_id."""

    kind: FileKind
    file_id: str
    unique_id: str
    data: bytes
    sha256: str
    name: str | None
    mime: str | None
    width: int
    height: int
    path: str
    duration: int = 0


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat, as the double keeps it (edits applied in place)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender: JsonDict
    date: int
    kind: str  # "text", "photo", "document", "animation", "location", "raw" or "service"
    source: str
    parse_mode: str | None
    formatted: FormattedText
    markup: list[list[JsonDict]] | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    animation: StoredFile | None = None
    location: tuple[float, float] | None = None
    edit_date: int | None = None
    raw: JsonDict | None = None


@dataclass(slots=True)
class ChatState:
    """One chat: its Bot API Chat object, messages, members, and what the bot may do there."""

    id: int
    info: JsonDict
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    # Private chat: the person wrote to the bot. Group: the bot is or was a member.
    # Otherwise Telegram answers "chat not found".
    known: bool = False
    # "kicked" in a private chat means the person blocked the bot.
    bot_status: BotStatus = "member"
    # The bot is an administrator (only while it is a member).
    bot_admin: bool = False
    actions: list[str] = field(default_factory=list)
    # Group members by user id, in the order they joined (the bot is not among them).
    members: dict[int, MemberStatus] = field(default_factory=dict)
    # A basic group upgraded to a supergroup: the supergroup's id; and the other way round.
    migrated_to: int | None = None
    migrated_from: int | None = None
    # Sends and edits Telegram accepted here: (clock time, method), oldest first.
    writes: list[tuple[float, str]] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        """Whether this is a group or supergroup (not a private chat)."""
        return self.info.get("type") in _GROUP_TYPES

    @property
    def is_supergroup(self) -> bool:
        """Whether this is a supergroup."""
        return self.info.get("type") == "supergroup"

    @property
    def bot_member_status(self) -> MemberStatus:
        """The bot's ChatMember status here: "administrator", "member", "left" or "kicked"."""
        if self.bot_status == "member" and self.bot_admin:
            return "administrator"
        return self.bot_status

    @property
    def forbidden(self) -> str | None:
        """Telegram's 403 description for the bot writing here now, or None if it may."""
        if self.bot_status == "member":
            return None
        if not self.is_group:
            return BLOCKED
        if self.is_supergroup:
            return KICKED_FROM_SUPERGROUP if self.bot_status == "kicked" else NOT_SUPERGROUP_MEMBER
        return KICKED_FROM_GROUP if self.bot_status == "kicked" else NOT_GROUP_MEMBER

    def refusal(self, access: Access) -> ApiError | None:
        """Telegram's answer to a method needing ``access`` here, or None if it may go on.

        As the Bot API server checks it: a basic group upgraded to a supergroup refuses
        writing and reading its members with 400 and migrate_to_chat_id (the double refuses
        edits there the same way); a basic group the bot was removed from refuses all but
        "read"; a supergroup refuses everything while the bot is not in it.
        """
        needs_write = access in ("edit", "write")
        if not self.is_group:
            return ApiError(403, BLOCKED) if needs_write and self.bot_status != "member" else None
        if self.is_supergroup:
            forbidden = self.forbidden
            return ApiError(403, forbidden) if forbidden is not None else None
        if self.migrated_to is not None:
            if access == "read":
                return None
            return ApiError(
                400, f"Bad Request: {GROUP_UPGRADED}", migrate_to_chat_id=self.migrated_to
            )
        forbidden = self.forbidden
        if forbidden is not None and (needs_write or access == "members"):
            return ApiError(403, forbidden)
        return None

    def calls_per_minute(self, span: float = 60.0) -> int:
        """Return the most sends and edits Telegram accepted here in any ``span`` seconds."""
        times = sorted(at for at, _ in self.writes)
        most = start = 0
        for end, at in enumerate(times):
            while times[start] <= at - span:
                start += 1
            most = max(most, end - start + 1)
        return most


@dataclass(slots=True)
class Query:
    """A callback query the bot may answer once, within Telegram's time limit."""

    id: str
    update_id: int
    created: float
    answer: CallbackAnswer | None = None


class Signal:
    """Broadcast wake-up: ``fire`` wakes everyone currently waiting."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake every current waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109
        """Return at the next ``fire`` or after ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)


class Actor(Protocol):
    """A user acting in one chat: a person in their private chat or a member of a group."""

    @property
    def user(self) -> JsonDict:
        """Return the Bot API User object."""

    @property
    def user_id(self) -> int:
        """Return the user's id."""

    @property
    def first_name(self) -> str:
        """Return the user's first name."""

    @property
    def chat_id(self) -> int:
        """Return the id of the chat the user acts in."""


def command_entities(text: str) -> list[Entity]:
    """bot_command entities the way Telegram marks commands (also ``/cmd@bot``) in a message."""
    return [
        Entity("bot_command", utf16_len(text[: match.start()]), utf16_len(match.group()))
        for match in _COMMAND.finditer(text)
    ]


def update_kind(update: JsonDict) -> str:
    """Return the kind of an update: "message", "callback_query", ..."""
    return next((key for key in update if key != "update_id"), "unknown")


def is_allowed(kind: str, allowed: frozenset[str] | None) -> bool:
    """Whether getUpdates hands out this kind (None: Telegram's default selection)."""
    return kind not in _OPT_IN_UPDATES if allowed is None else kind in allowed


def chat_member_dict(user: JsonDict, status: MemberStatus, *, supergroup: bool) -> JsonDict:
    """Return a Bot API ChatMember with every field Telegram sends for ``status``."""
    entry: JsonDict = {"user": user, "status": status}
    if status == "creator":
        entry["is_anonymous"] = False
    elif status == "administrator":
        entry["can_be_edited"] = False  # the bot promoted nobody
        for right in _ADMIN_RIGHTS:
            entry[right] = True
        if supergroup:
            entry["can_manage_topics"] = False
        entry["can_promote_members"] = False
        entry["is_anonymous"] = False
        entry["can_manage_voice_chats"] = True
    elif status == "restricted":
        entry["until_date"] = 0  # forever
        for permission in _RESTRICTED_PERMISSIONS:
            entry[permission] = False
        entry["is_member"] = True
    elif status == "kicked":
        entry["until_date"] = 0  # forever
    return entry


def chat_message(message: StoredMessage) -> ChatMessage:
    """Return the public view of a stored message."""
    buttons = [
        [
            Button(
                str(button.get("text", "")),
                button.get("callback_data")
                if isinstance(button.get("callback_data"), str)
                else None,
                button.get("url") if isinstance(button.get("url"), str) else None,
            )
            for button in row
        ]
        for row in message.markup or []
    ]
    sender_id = message.sender.get("id")
    return ChatMessage(
        message_id=message.message_id,
        from_bot=message.from_bot,
        text=message.formatted.text,
        html=message.source,
        buttons=buttons,
        photo=message.photo.data if message.photo else None,
        document=message.document.data if message.document else None,
        document_name=message.document.name if message.document else None,
        edited=message.edit_date is not None,
        date=message.date,
        parse_mode=message.parse_mode,
        entities=message.formatted.entities,
        location=message.location,
        sender_id=sender_id if isinstance(sender_id, int) else None,
        animation=message.animation.data if message.animation else None,
        animation_sha256=message.animation.sha256 if message.animation else None,
        photo_sha256=message.photo.sha256 if message.photo else None,
        service=_service_field(message.raw),
    )


def _service_field(raw: JsonDict | None) -> str | None:
    if raw is None:
        return None
    return next((name for name in SERVICE_FIELDS if name in raw), None)


def is_file_id_shaped(value: str) -> bool:
    """Whether ``value`` looks like a file_id some double handed out (to any bot)."""
    return _FILE_ID_SHAPE.fullmatch(value) is not None


def _animation_dict(stored: StoredFile) -> JsonDict:
    return {
        **_document_dict(stored),
        "width": stored.width,
        "height": stored.height,
        "duration": stored.duration,
    }


def _document_dict(stored: StoredFile) -> JsonDict:
    data: JsonDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.data),
    }
    if stored.name is not None:
        data["file_name"] = stored.name
    if stored.mime is not None:
        data["mime_type"] = stored.mime
    return data


class TelegramState:
    """Everything the double's Telegram knows, and the updates waiting for the bot."""

    def __init__(self, bot_user: JsonDict, clock: Callable[[], float]) -> None:
        self.bot_user = bot_user
        self.bot_id = int(bot_user["id"])
        self._clock = clock

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, JsonDict] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._uploads: list[UploadRecord] = []
        # file_ids Telegram no longer honours (expire_file_ids); the files stay in messages.
        self._forgotten_files: set[str] = set()
        # Part of every file_id: the bot's id and this double's number.
        self._file_scope = f"{self.bot_id:x}{next(_DOUBLE_NUMBERS):04x}"
        self._queries: dict[str, Query] = {}
        self._query_by_update: dict[int, str] = {}

        self._pending: deque[JsonDict] = deque()
        self._handed_out: set[int] = set()
        self._dropped: dict[int, str] = {}
        self._next_update_id = 1
        self._confirmed_offset = 0  # every update below this id is confirmed or dropped
        self._allowed_updates: frozenset[str] | None = None

        self._next_message_id = 1
        self._next_file = 1
        self._next_query = 1

        self._updates_signal = Signal()
        self._state_signal = Signal()
        self._closing = False

    # ---------------------------------------------------------------- waiting

    def answer_for(self, update_id: int) -> CallbackAnswer | None:
        """Return the answer given to the callback query of ``update_id``, if any."""
        query_id = self._query_by_update.get(update_id)
        if query_id is None:
            return None
        return self._queries[query_id].answer

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every change of state."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            await self._state_signal.wait(remaining)

    # ---------------------------------------------------------------- the update queue

    def _changed(self) -> None:
        self._state_signal.fire()

    def _push(self, update: JsonDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **update})
        self._updates_signal.fire()
        self._state_signal.fire()
        return update_id

    def _next_batch(self, limit: int) -> list[JsonDict]:
        allowed = self._allowed_updates
        batch: list[JsonDict] = []
        for update in self._pending:
            if not is_allowed(update_kind(update), allowed):
                continue
            batch.append(update)
            self._handed_out.add(update["update_id"])
            if len(batch) >= limit:
                break
        return batch

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep only the last -offset)."""
        if offset == 0:
            return
        if offset > 0:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._retire(self._pending.popleft(), "skipped: getUpdates offset passed it")
            self._confirmed_offset = max(self._confirmed_offset, offset)
        else:
            while len(self._pending) > -offset:
                self._retire(self._pending.popleft(), "skipped: negative getUpdates offset")
            next_id = self._pending[0]["update_id"] if self._pending else self._next_update_id
            self._confirmed_offset = max(self._confirmed_offset, next_id)
        self._changed()

    def _retire(self, update: JsonDict, reason: str) -> None:
        update_id = update["update_id"]
        if update_id in self._handed_out:
            self._handed_out.discard(update_id)
            return
        kind = update_kind(update)
        if not is_allowed(kind, self._allowed_updates):
            reason = f"{kind} is not in allowed_updates"
        self._dropped[update_id] = reason

    def _purge_updates(self, reason: str) -> None:
        while self._pending:
            update = self._pending.popleft()
            self._handed_out.discard(update["update_id"])
            self._dropped[update["update_id"]] = reason
        self._confirmed_offset = self._next_update_id
        self._changed()

    # ---------------------------------------------------------------- users and chats

    def _user_record(
        self, user_id: int, first_name: str, *, language_code: str, username: str | None
    ) -> JsonDict:
        """Return the User object for ``user_id``, made on first use (the first name sticks)."""
        user = self._users.get(user_id)
        if user is None:
            if user_id <= 0:
                raise ValueError(f"user ids are positive (negative ids are groups): {user_id}")
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            if username is not None:
                user["username"] = username
            user["language_code"] = language_code
            self._users[user_id] = user
        return user

    def _private_chat(self, user: JsonDict) -> ChatState:
        """Return the user's private chat with the bot; its id is the user's id."""
        user_id = int(user["id"])
        chat = self._chats.get(user_id)
        if chat is None:
            info: JsonDict = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                info["username"] = user["username"]
            chat = self._chats[user_id] = ChatState(user_id, info)
        return chat

    def _group_chat(self, chat_id: int, title: str, *, with_bot: bool) -> ChatState:
        """Return the group ``chat_id``, made on first use (ids from -100…: a supergroup)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id >= 0:
                raise ValueError(f"group ids are negative (positive ids are users): {chat_id}")
            kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            info: JsonDict = {"id": chat_id, "type": kind, "title": title}
            chat = ChatState(chat_id, info, known=with_bot)
            if not with_bot:
                chat.bot_status = "left"
            self._chats[chat_id] = chat
        elif not chat.is_group:
            raise ValueError(f"chat {chat_id} is not a group")
        return chat

    def _existing_chat(self, chat_id: int) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"the double knows no chat {chat_id}; create it with user() or group()")
        return chat

    def _chat_view(self, person: Actor) -> ChatState:
        """Return the chat the person acts in, for reading (no side effects)."""
        return self._chats[person.chat_id]

    def _chat_of(self, person: Actor) -> ChatState:
        """Return the person's chat, which the bot may write to once the person acted in it."""
        chat = self._chats[person.chat_id]
        if chat.migrated_to is not None:
            raise RuntimeError(
                f"group {chat.id} ({chat.info.get('title')}) was upgraded to supergroup "
                f"{chat.migrated_to}; act there (group.supergroup or "
                f"double.group({chat.migrated_to}))"
            )
        if chat.bot_status != "member":
            if chat.is_group:
                raise RuntimeError(
                    f"the bot is not in group {chat.id} ({chat.info.get('title')}), so "
                    f"{person.first_name} ({person.user_id}) cannot reach it; "
                    "add_bot_to_group() first"
                )
            raise RuntimeError(
                f"{person.first_name} ({person.user_id}) blocked the bot; unblock() first"
            )
        if chat.is_group:
            status = chat.members.get(person.user_id, "left")
            if status not in PRESENT_STATUSES:
                raise RuntimeError(
                    f"{person.first_name} ({person.user_id}) is not in group {chat.id} "
                    f"({status}); set_status('member') first"
                )
            if status == "restricted":
                raise RuntimeError(
                    f"{person.first_name} ({person.user_id}) is restricted in group {chat.id} "
                    "and may not send messages"
                )
        chat.known = True
        return chat

    def _known_chat_from(self, info: Any) -> ChatState | None:
        if not isinstance(info, dict) or not isinstance(info.get("id"), int):
            return None
        chat = self._chats.get(info["id"])
        if chat is None:
            chat = self._chats[info["id"]] = ChatState(info["id"], dict(info))
        chat.known = True
        return chat

    def _push_member_change(
        self, chat: ChatState, old: MemberStatus, new: MemberStatus, by: JsonDict | None = None
    ) -> int:
        """Queue the my_chat_member update for a change of the bot's status in ``chat``."""
        if by is None:
            by = self._users.get(chat.id) or {"id": chat.id, "is_bot": False, "first_name": "?"}
        supergroup = chat.is_supergroup
        return self._push(
            {
                "my_chat_member": {
                    "chat": chat.info,
                    "from": by,
                    "date": int(self._clock()),
                    "old_chat_member": chat_member_dict(self.bot_user, old, supergroup=supergroup),
                    "new_chat_member": chat_member_dict(self.bot_user, new, supergroup=supergroup),
                }
            }
        )

    def _member_status(self, chat: ChatState, user_id: int) -> MemberStatus:
        """Return the status of user ``user_id`` (or the bot) in ``chat``; never in it: left."""
        if user_id == self.bot_id:
            return chat.bot_member_status
        if not chat.is_group:
            return "member" if user_id == chat.id else "left"
        return chat.members.get(user_id, "left")

    def _migrate_group(
        self, chat: ChatState, new_id: int, by: JsonDict
    ) -> tuple[ChatState, list[int]]:
        """Upgrade basic group ``chat`` to supergroup ``new_id``; returns it and the updates.

        Members, their statuses and the bot move along; messages stay with the old chat.
        The bot, if it is in the group, gets the old group's migrate_to_chat_id message, its
        my_chat_member joining the supergroup and the supergroup's migrate_from_chat_id one.
        """
        if chat.info.get("type") != "group":
            raise ValueError(f"chat {chat.id} is not a basic group; only those are upgraded")
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat.id} was already upgraded to {chat.migrated_to}")
        if new_id > SUPERGROUP_ID_BOUND:
            raise ValueError(f"supergroup ids are -100… (at most {SUPERGROUP_ID_BOUND}): {new_id}")
        if new_id in self._chats:
            raise ValueError(f"chat {new_id} exists already")
        with_bot = chat.bot_status == "member"
        info: JsonDict = {"id": new_id, "type": "supergroup", "title": chat.info.get("title", "")}
        new = ChatState(
            new_id,
            info,
            known=with_bot,
            bot_status="member" if with_bot else "left",
            bot_admin=chat.bot_admin and with_bot,
            members=dict(chat.members),
            migrated_from=chat.id,
        )
        self._chats[new_id] = new
        chat.migrated_to = new_id
        updates: list[int] = []
        if with_bot:
            farewell = self._store_service(chat, by, {"migrate_to_chat_id": new_id})
            updates.append(self._push({"message": self._message_dict(farewell)}))
            updates.append(self._push_member_change(new, "left", new.bot_member_status, by))
            welcome = self._store_service(
                new, GROUP_ANONYMOUS_BOT, {"migrate_from_chat_id": chat.id}, sender_chat=info
            )
            updates.append(self._push({"message": self._message_dict(welcome)}))
        self._changed()
        return new, updates

    # ---------------------------------------------------------------- messages

    def _message_in(self, chat: ChatState, message_id: int) -> StoredMessage:
        message = chat.messages.get(message_id)
        if message is None:
            raise ButtonNotFoundError(f"message {message_id} is not in chat {chat.id} (deleted?)")
        return message

    def _store_message(
        self,
        chat: ChatState,
        sender: JsonDict,
        *,
        kind: str,
        source: str,
        formatted: FormattedText,
        parse_mode: str | None = None,
        markup: list[list[JsonDict]] | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            message_id=self._next_message_id,
            chat_id=chat.id,
            from_bot=sender is self.bot_user,
            sender=sender,
            date=int(self._clock()),
            kind=kind,
            source=source,
            parse_mode=parse_mode,
            formatted=formatted,
            markup=markup,
        )
        self._next_message_id += 1
        chat.messages[message.message_id] = message
        self._changed()
        return message

    def _store_service(
        self,
        chat: ChatState,
        sender: JsonDict,
        fields: JsonDict,
        *,
        sender_chat: JsonDict | None = None,
    ) -> StoredMessage:
        """Keep a service message (such as migrate_to_chat_id) in ``chat``."""
        raw: JsonDict = {"message_id": self._next_message_id, "from": sender}
        if sender_chat is not None:
            raw["sender_chat"] = sender_chat
        raw.update({"chat": chat.info, "date": int(self._clock()), **fields})
        self._next_message_id += 1
        message = StoredMessage(
            message_id=raw["message_id"],
            chat_id=chat.id,
            from_bot=False,
            sender=sender,
            date=raw["date"],
            kind="service",
            source="",
            parse_mode=None,
            formatted=FormattedText(""),
            raw=raw,
        )
        chat.messages[message.message_id] = message
        self._changed()
        return message

    def _apply_edit(self, message: StoredMessage, markup: list[list[JsonDict]] | None) -> JsonDict:
        message.markup = markup
        message.edit_date = int(self._clock())
        self._changed()
        return self._message_dict(message)

    def _adopt_raw_message(self, message: JsonDict, *, edited: bool) -> None:
        """Keep a pushed message in its chat so replies, edits and deletes can refer to it."""
        chat = self._known_chat_from(message.get("chat"))
        if chat is None:
            return
        if not isinstance(message.get("message_id"), int):
            message["message_id"] = self._next_message_id
        self._next_message_id = max(self._next_message_id, message["message_id"] + 1)
        message.setdefault("date", int(self._clock()))
        raw_text, raw_sender = message.get("text"), message.get("from")
        text: str = raw_text if isinstance(raw_text, str) else ""
        sender: JsonDict = raw_sender if isinstance(raw_sender, dict) else {}
        chat.messages[message["message_id"]] = StoredMessage(
            message_id=message["message_id"],
            chat_id=chat.id,
            from_bot=False,
            sender=sender,
            date=int(message["date"]),
            kind="raw",
            source=text,
            parse_mode=None,
            formatted=FormattedText(text),
            edit_date=int(self._clock()) if edited else None,
            raw=message,
        )
        self._changed()

    def _message_dict(self, message: StoredMessage) -> JsonDict:
        """Return the message as a Bot API Message object."""
        if message.raw is not None:
            return dict(message.raw)
        chat = self._chats[message.chat_id]
        data: JsonDict = {
            "message_id": message.message_id,
            "from": message.sender,
            "chat": chat.info,
            "date": message.date,
        }
        entities = [entity.to_dict() for entity in message.formatted.entities]
        if message.kind == "text":
            data["text"] = message.formatted.text
            if entities:
                data["entities"] = entities
        elif message.kind in MEDIA_KINDS:
            if message.photo is not None:
                data["photo"] = self._photo_sizes(message.photo)
            if message.document is not None:
                data["document"] = _document_dict(message.document)
            if message.animation is not None:
                data["animation"] = _animation_dict(message.animation)
                # Telegram describes an animation a second time as a document.
                data["document"] = _document_dict(message.animation)
            if message.formatted.text:
                data["caption"] = message.formatted.text
                if entities:
                    data["caption_entities"] = entities
        elif message.kind == "location" and message.location is not None:
            data["location"] = {"latitude": message.location[0], "longitude": message.location[1]}
        if message.markup:
            data["reply_markup"] = {"inline_keyboard": message.markup}
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        return data

    # ---------------------------------------------------------------- callback queries

    def _press(self, person: Actor, message: StoredMessage, data: str) -> int:
        """Queue the callback query of ``person`` pressing a button with ``data``."""
        query_id = f"{self.bot_id}{self._next_query:010d}"
        self._next_query += 1
        update_id = self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": person.user,
                    "message": self._message_dict(message),
                    "chat_instance": str((message.chat_id * 1_000_003 + self.bot_id) % 10**19),
                    "data": data,
                }
            }
        )
        self._register_query(query_id, update_id)
        return update_id

    def _register_query(self, query_id: str, update_id: int) -> None:
        self._queries[query_id] = Query(query_id, update_id, self._clock())
        self._query_by_update[update_id] = query_id

    # ---------------------------------------------------------------- files

    def _known_file(self, file_id: str) -> StoredFile | None:
        """Return the file this bot may send by ``file_id`` now, or None."""
        if file_id in self._forgotten_files:
            return None
        return self._files.get(file_id)

    @staticmethod
    def _new_file(
        kind: FileKind,
        data: bytes,
        name: str | None,
        mime: str | None,
        *,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
    ) -> StoredFile:
        """Describe an upload; it gets its ids only once the call that brought it succeeds."""
        sha256 = hashlib.sha256(data).hexdigest()
        return StoredFile(
            kind=kind,
            file_id="",
            # Telegram's file_unique_id is the same for the same file, whichever bot sees it.
            unique_id=("AQAD" if kind == "photo" else "AgAD") + sha256[:16],
            data=data,
            sha256=sha256,
            name=name,
            mime=mime,
            width=width,
            height=height,
            path="",
            duration=duration,
        )

    def _register_file(self, stored: StoredFile, method: str) -> StoredFile:
        """Give a new upload its file_id and path, and note the upload; returns it."""
        if stored.file_id:
            return stored  # sent before by file_id: nothing was uploaded
        number = self._next_file
        self._next_file += 1
        stored.file_id = f"{_FILE_ID_PREFIXES[stored.kind]}{self._file_scope}_{number:08d}"
        stored.path = f"{_FILE_FOLDERS[stored.kind]}/file_{number}"
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        self._uploads.append(UploadRecord(method, stored.sha256, len(stored.data)))
        return stored

    def _photo_sizes(self, stored: StoredFile) -> list[JsonDict]:
        """Telegram's ladder of sizes: scaled-down copies, then the photo itself."""
        sizes: list[JsonDict] = []
        longest = max(stored.width, stored.height)
        for step, bound in enumerate((90, 320, 800)):
            if longest > bound:
                scale = bound / longest
                alias = f"{stored.file_id}_{step}"
                self._files.setdefault(alias, stored)  # getFile works for every size
                sizes.append(
                    {
                        "file_id": alias,
                        "file_unique_id": f"{stored.unique_id}_{step}",
                        "width": max(1, round(stored.width * scale)),
                        "height": max(1, round(stored.height * scale)),
                    }
                )
        sizes.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "width": stored.width,
                "height": stored.height,
                "file_size": len(stored.data),
            }
        )
        return sizes
