"""The users tests drive: a person in a private chat, and groups with their members."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.double.records import ButtonNotFoundError, CallbackAnswer, ChatMessage, JsonDict
from bot.sandbox.double.state import (
    BUTTON_ACTIONS,
    MEMBER_STATUSES,
    SUPERGROUP_ID_BOUND,
    BotStatus,
    ChatState,
    MemberStatus,
    StoredMessage,
    TelegramState,
    chat_message,
    command_entities,
)
from bot.sandbox.telegram_html import FormattedText, trim_plain

# A deep link's start parameter: up to 64 of A-Z, a-z, 0-9, _ and - (Telegram's rule).
_START_PAYLOAD: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ChatUser:
    """A Telegram user acting in one chat with the bot: writes, presses buttons, reads."""

    def __init__(self, double: TelegramState, user: JsonDict, chat_id: int) -> None:
        self._double = double
        self.user = user
        self._chat_id = chat_id
        # Message id a reply is expected after (see next_bot_message).
        self._mark = 0

    @property
    def user_id(self) -> int:
        """Return the user's Telegram user id."""
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        """Return the id of the chat this user acts in."""
        return self._chat_id

    @property
    def first_name(self) -> str:
        """Return the user's first name."""
        return str(self.user["first_name"])

    async def send(self, text: str) -> int:
        """Write ``text`` in the chat; returns the update_id of the message update.

        Commands (``/start payload``, ``/streak@botname``) get bot_command entities.
        """
        if not text.strip():
            raise ValueError("Telegram apps do not send empty messages")
        chat = self._double._chat_of(self)
        formatted = trim_plain(text, command_entities(text))
        message = self._double._store_message(
            chat, self.user, kind="text", source=text, formatted=formatted
        )
        self._mark = message.message_id
        return self._double._push({"message": self._double._message_dict(message)})

    async def press(self, button_text: str, *, message_id: int | None = None) -> int:
        """Press the inline button labelled ``button_text``; returns the update_id.

        Looks in message ``message_id``, or else in the newest bot message that has such a
        button. Raises :class:`ButtonNotFoundError` listing the buttons that are there.
        """
        chat = self._double._chat_of(self)
        if message_id is not None:
            message = self._double._message_in(chat, message_id)
            button = _find_button(message, button_text)
            if button is None:
                raise ButtonNotFoundError(
                    f"no button {button_text!r} in message {message_id}; "
                    f"its buttons: {_describe_buttons(message)}"
                )
        else:
            found = _newest_with_button(chat, button_text)
            if found is None:
                raise ButtonNotFoundError(
                    f"no bot message in chat {chat.id} has a button {button_text!r}; "
                    f"buttons present: {_buttons_present(chat)}"
                )
            message, button = found
        data = button.get("callback_data")
        if not isinstance(data, str):
            kind = next((key for key in BUTTON_ACTIONS if key in button), "unknown")
            raise ButtonNotFoundError(
                f"button {button_text!r} is a {kind} button ({button.get(kind)!r}); "
                "pressing it sends the bot no callback query"
            )
        return self._press(chat, message, data)

    async def press_data(self, data: str, *, message_id: int) -> int:
        """Send a callback query with raw ``data`` from message ``message_id``."""
        chat = self._double._chat_of(self)
        return self._press(chat, self._double._message_in(chat, message_id), data)

    def _press(self, chat: ChatState, message: StoredMessage, data: str) -> int:
        # A reply to a press is whatever the bot writes after the newest message now.
        self._mark = max(self._mark, next(reversed(chat.messages), 0))
        return self._double._press(self, message, data)

    async def share_location(self, lat: float, lon: float) -> int:
        """Share a location; returns the update_id."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"not a location on Earth: {lat}, {lon}")
        chat = self._double._chat_of(self)
        message = self._double._store_message(
            chat, self.user, kind="location", source="", formatted=FormattedText("")
        )
        message.location = (lat, lon)
        self._mark = message.message_id
        return self._double._push({"message": self._double._message_dict(message)})

    async def edit(self, message_id: int, text: str) -> int:
        """Edit one of this user's own messages; returns the update_id."""
        chat = self._double._chat_of(self)
        message = self._double._message_in(chat, message_id)
        if message.sender.get("id") != self.user_id or message.kind != "text":
            raise ValueError(f"message {message_id} is not a text message of {self.first_name}")
        if not text.strip():
            raise ValueError("a message cannot be edited to be empty")
        message.source = text
        message.formatted = trim_plain(text, command_entities(text))
        message.edit_date = int(self._double._clock())
        self._double._changed()
        return self._double._push({"edited_message": self._double._message_dict(message)})

    @property
    def chat(self) -> list[ChatMessage]:
        """The chat as it stands now, oldest first."""
        return _messages(self._double._chat_view(self))

    @property
    def bot_messages(self) -> list[ChatMessage]:
        """The bot's messages still in the chat, oldest first."""
        return _bot_messages(self._double._chat_view(self))

    @property
    def last_bot_message(self) -> ChatMessage | None:
        """The newest bot message still in the chat."""
        return _last_bot_message(self._double._chat_view(self))

    @property
    def chat_actions(self) -> list[str]:
        """Chat actions (sendChatAction) the bot showed in this chat, oldest first."""
        return list(self._double._chat_view(self).actions)

    def answer_for(self, update_id: int) -> CallbackAnswer | None:
        """Return what answerCallbackQuery said for the press of this update (None: not yet)."""
        return self._double.answer_for(update_id)

    async def next_bot_message(
        self,
        *,
        after: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ChatMessage:
        """Wait for the first bot message newer than ``after``.

        ``after`` defaults to this user's latest message (or, after a press, the newest
        message at the time of the press).
        """
        threshold = self._mark if after is None else after
        chat = self._double._chat_view(self)

        def newer() -> bool:
            return _first_bot_message_after(chat, threshold) is not None

        await self._double.wait_until(
            newer, timeout=timeout, what=f"a bot message after message {threshold}"
        )
        message = _first_bot_message_after(chat, threshold)
        assert message is not None
        return chat_message(message)


class Person(ChatUser):
    """A Telegram user in a private chat with the bot (the chat id is the user id)."""

    def __init__(self, double: TelegramState, user: JsonDict) -> None:
        super().__init__(double, user, int(user["id"]))

    async def open_link(self, url: str) -> int:
        """Follow a link to the bot and press Start; returns the update_id of the message.

        Takes ``https://t.me/<bot>?start=<payload>`` (also ``t.me/…`` and
        ``tg://resolve?domain=<bot>&start=<payload>``), which the app turns into the message
        "/start <payload>" in the private chat, as for someone who never wrote to the bot.
        A link to another bot or with a payload Telegram would not pass on raises ValueError.
        """
        parts = urlsplit(url if "://" in url else f"https://{url}")
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.scheme == "tg" and parts.netloc == "resolve":
            username = query.get("domain", [""])[0]
        elif parts.scheme in ("http", "https") and parts.netloc.lower() in ("t.me", "telegram.me"):
            username = parts.path.strip("/")
        else:
            raise ValueError(f"not a link to a bot: {url!r}")
        wanted = str(self._double.bot_user.get("username", ""))
        if username.lower() != wanted.lower():
            raise ValueError(f"the link {url!r} opens @{username}, not this bot (@{wanted})")
        if "startgroup" in query or "startattach" in query:
            raise ValueError(f"the link {url!r} adds the bot to a chat; the double cannot")
        payloads = query.get("start")
        if payloads is None:
            return await self.send("/start")
        payload = payloads[0]
        if not _START_PAYLOAD.fullmatch(payload):
            raise ValueError(
                f"start parameter {payload!r} breaks Telegram's rule (1-64 of A-Z a-z 0-9 _ -), "
                "so the app would not pass it to the bot"
            )
        return await self.send(f"/start {payload}")


class Group:
    """A group chat with the bot: its members act in it, tests read it as it stands.

    Every member has a status (getChatMember's "creator", "administrator", "member",
    "restricted", "left" or "kicked"). The first member the test makes is the group's
    creator unless a status is given; later ones are plain members. Status changes are
    silent: Telegram's chat_member updates and join/leave service messages are not sent.
    """

    def __init__(
        self, double: TelegramState, chat: ChatState, registry: dict[int, Group] | None = None
    ) -> None:
        self._double = double
        self._chat = chat
        self._members: dict[int, GroupMember] = {}
        # The double's Group handles by chat id, so an upgrade registers the supergroup's.
        self._registry = registry if registry is not None else {}
        self._registry.setdefault(chat.id, self)
        self.migration_updates: tuple[int, ...] = ()

    @property
    def chat_id(self) -> int:
        """Return the group's (negative) chat id."""
        return self._chat.id

    @property
    def title(self) -> str:
        """Return the group's title."""
        return str(self._chat.info["title"])

    @property
    def bot_status(self) -> BotStatus:
        """The bot's membership: "member", "left" (never added or removed) or "kicked"."""
        return self._chat.bot_status

    @property
    def bot_is_admin(self) -> bool:
        """Whether the bot is an administrator here (see BotApiDouble.set_bot_admin)."""
        return self._chat.bot_member_status == "administrator"

    def member(
        self,
        user_id: int,
        first_name: str = "Ada",
        *,
        language_code: str = "en",
        username: str | None = None,
        status: MemberStatus | None = None,
    ) -> GroupMember:
        """Return user ``user_id`` acting in this group (made on first use).

        The user is the same one :meth:`BotApiDouble.user` returns for a private chat; the
        first call that names a user fixes the first name. ``status`` sets the member's
        status (on any call); without it a new member is the creator if nobody was in the
        group yet, else a plain "member".
        """
        member = self._members.get(user_id)
        if member is None:
            user = self._double._user_record(
                user_id, first_name, language_code=language_code, username=username
            )
            member = self._members[user_id] = GroupMember(self, self._double, user)
            if user_id not in self._chat.members and status is None:
                self._chat.members[user_id] = "member" if self._chat.members else "creator"
        if status is not None:
            member.set_status(status)
        return member

    @property
    def creator(self) -> GroupMember | None:
        """The group's creator, if the test made one."""
        for user_id, status in self._chat.members.items():
            if status == "creator":
                return self.member(user_id)
        return None

    def status_of(self, user_id: int) -> MemberStatus:
        """Return what getChatMember says of ``user_id`` here ("left" if never in it)."""
        return self._double._member_status(self._chat, user_id)

    def _set_status(self, user_id: int, status: MemberStatus) -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        if status == "restricted" and not self._chat.is_supergroup:
            raise ValueError("only supergroups restrict members (Telegram's basic groups do not)")
        if status == "creator":
            creator = self.creator
            if creator is not None and creator.user_id != user_id:
                raise ValueError(f"group {self.chat_id} has a creator already: {creator.user_id}")
        self._chat.members[user_id] = status
        self._double._changed()

    # ---------------------------------------------------------------- upgrade to a supergroup

    def migrate_to_supergroup(
        self, *, by_user_id: int | None = None, new_chat_id: int | None = None
    ) -> int:
        """Upgrade this basic group to a supergroup, as Telegram does; returns the new chat id.

        ``new_chat_id`` defaults to -100 followed by this group's digits (-4001 becomes
        -1000000004001); ``by_user_id`` (who upgraded it) defaults to the creator. Members,
        their statuses and the bot move along. If the bot is in the group it gets, in this
        order, the old group's message with migrate_to_chat_id (from that user), its
        my_chat_member joining the supergroup, and the supergroup's message with
        migrate_from_chat_id (from GroupAnonymousBot on behalf of the supergroup); their
        update ids are in :attr:`migration_updates`. The messages sent before stay in this
        group's records (``chat``, ``bot_messages``); the supergroup starts with the one
        service message. From now on sends, edits, deletes and member reads for the old id
        get 400 "Bad Request: group chat was upgraded to a supergroup chat" with
        migrate_to_chat_id (PTB raises ChatMigrated), and members act in the supergroup.
        """
        if by_user_id is None:
            creator = self.creator
            if creator is None:
                raise ValueError("the group has no creator; say who upgrades it (by_user_id)")
            by_user_id = creator.user_id
        by = self.member(by_user_id).user
        target = new_chat_id if new_chat_id is not None else SUPERGROUP_ID_BOUND + self.chat_id
        chat, updates = self._double._migrate_group(self._chat, target, by)
        supergroup = Group(self._double, chat, self._registry)
        self._registry[chat.id] = supergroup
        self.migration_updates = tuple(updates)
        return chat.id

    @property
    def migrated_to(self) -> int | None:
        """The supergroup this group was upgraded to, if it was."""
        return self._chat.migrated_to

    @property
    def migrated_from(self) -> int | None:
        """The basic group this supergroup was upgraded from, if it was."""
        return self._chat.migrated_from

    @property
    def supergroup(self) -> Group | None:
        """The Group handle of the supergroup this group was upgraded to, if it was."""
        target = self._chat.migrated_to
        return None if target is None else self._registry.get(target)

    # ---------------------------------------------------------------- the group limit

    @property
    def writes(self) -> list[tuple[float, str]]:
        """The bot's sends and edits Telegram accepted here: (clock time, method), oldest first."""
        return list(self._chat.writes)

    def calls_per_minute(self, span: float = 60.0) -> int:
        """Return the most sends and edits Telegram accepted here in any ``span`` seconds.

        Telegram allows a group about 20 messages a minute, edits included; with
        ``enforce_limits()`` this never exceeds ``per_group_per_minute``.
        """
        return self._chat.calls_per_minute(span)

    @property
    def chat(self) -> list[ChatMessage]:
        """The group's messages as they stand now, oldest first."""
        return _messages(self._chat)

    @property
    def bot_messages(self) -> list[ChatMessage]:
        """The bot's messages still in the group, oldest first."""
        return _bot_messages(self._chat)

    @property
    def last_bot_message(self) -> ChatMessage | None:
        """The newest bot message still in the group."""
        return _last_bot_message(self._chat)

    @property
    def chat_actions(self) -> list[str]:
        """Chat actions (sendChatAction) the bot showed in this group, oldest first."""
        return list(self._chat.actions)


class GroupMember(ChatUser):
    """A user in a group with the bot; the same user may also have a private chat with it."""

    def __init__(self, group: Group, double: TelegramState, user: JsonDict) -> None:
        super().__init__(double, user, group.chat_id)
        self._group = group

    @property
    def group(self) -> Group:
        """Return the group this member acts in."""
        return self._group

    @property
    def status(self) -> MemberStatus:
        """Return the member's status, as getChatMember gives it."""
        return self._group.status_of(self.user_id)

    def set_status(self, status: MemberStatus) -> None:
        """Give the member ``status`` silently (one creator per group; restricted: supergroups).

        A "left" or "kicked" member cannot write in the group, nor can a restricted one.
        """
        self._group._set_status(self.user_id, status)

    def promote(self) -> None:
        """Make the member an administrator."""
        self.set_status("administrator")

    def demote(self) -> None:
        """Make the member a plain member again."""
        self.set_status("member")


def _messages(chat: ChatState) -> list[ChatMessage]:
    return [chat_message(message) for message in chat.messages.values()]


def _bot_messages(chat: ChatState) -> list[ChatMessage]:
    return [chat_message(message) for message in chat.messages.values() if message.from_bot]


def _last_bot_message(chat: ChatState) -> ChatMessage | None:
    for message in reversed(chat.messages.values()):
        if message.from_bot:
            return chat_message(message)
    return None


def _first_bot_message_after(chat: ChatState, threshold: int) -> StoredMessage | None:
    found: StoredMessage | None = None
    for message in reversed(chat.messages.values()):
        if message.message_id <= threshold:
            break
        if message.from_bot:
            found = message
    return found


def _find_button(message: StoredMessage, text: str) -> JsonDict | None:
    for row in message.markup or []:
        for button in row:
            if button.get("text") == text:
                return button
    return None


def _newest_with_button(chat: ChatState, text: str) -> tuple[StoredMessage, JsonDict] | None:
    for message in reversed(chat.messages.values()):
        if message.from_bot and message.markup:
            button = _find_button(message, text)
            if button is not None:
                return message, button
    return None


def _describe_buttons(message: StoredMessage) -> str:
    texts = [repr(button.get("text")) for row in message.markup or [] for button in row]
    return ", ".join(texts) if texts else "none"


def _buttons_present(chat: ChatState, limit: int = 3) -> str:
    described = []
    for message in reversed(chat.messages.values()):
        if message.from_bot and message.markup:
            described.append(f"message {message.message_id}: {_describe_buttons(message)}")
            if len(described) >= limit:
                break
    return "; ".join(described) or "none (no bot message has an inline keyboard)"
