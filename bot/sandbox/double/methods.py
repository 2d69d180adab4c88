"""The Bot API methods the bot calls, each checking Telegram's rules before it acts."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from bot.sandbox.double.faults import MESSAGE_WRITE_METHODS, FloodLimits
from bot.sandbox.double.mp4 import is_mp4, read_mp4
from bot.sandbox.double.records import (
    CAPTION_TOO_LONG,
    INVALID_USER_ID,
    MEDIA_EMPTY,
    NO_ADMINS_IN_PRIVATE_CHAT,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    USER_NOT_FOUND,
    WRONG_FILE_ID,
    ApiError,
    CallbackAnswer,
    JsonDict,
    bad_request,
)
from bot.sandbox.double.state import (
    BUTTON_ACTIONS,
    MEDIA_KINDS,
    PRESENT_STATUSES,
    Access,
    ChatState,
    FileKind,
    StoredFile,
    StoredMessage,
    TelegramState,
    chat_member_dict,
    is_file_id_shaped,
)
from bot.sandbox.double.wire import Params, Upload, peek_chat_id
from bot.sandbox.telegram_html import (
    FormattedText,
    HtmlParseError,
    UnsupportedParseModeError,
    parse_text,
)

# Telegram's documented limits.
MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_BUTTONS: Final = 100
MAX_ANSWER_TEXT_LENGTH: Final = 200
MAX_COMMANDS: Final = 100
CALLBACK_QUERY_TTL: Final = 15.0
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES: Final = 50 * 1024 * 1024

# The double's own refusals for files it does not read (Telegram would take more formats).
ANIMATION_NOT_MP4: Final = (
    "wrong file type: the double takes MP4 animations only (no ftyp box at bytes 4..8)"
)
ANIMATION_WITH_SOUND: Final = (
    "wrong file type: the MP4 has a sound track, so Telegram would show it as a video, "
    "not a silent animation"
)
# The InputMedia types editMessageMedia takes, and those the double does not simulate.
_EDIT_MEDIA_TYPES: Final[dict[str, FileKind]] = {
    "animation": "animation",
    "photo": "photo",
    "document": "document",
}
_UNSIMULATED_MEDIA_TYPES: Final = frozenset({"video", "audio"})
_HTTP_URL = re.compile(r"(?i)https?://")

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]+")

Handler = Callable[[Params], Awaitable[Any]]


class BotApiMethods(TelegramState):
    """Telegram's state plus the Bot API methods that read and change it."""

    def __init__(
        self, bot_user: JsonDict, clock: Callable[[], float], *, strict_ampersand: bool
    ) -> None:
        super().__init__(bot_user, clock)
        self.strict_ampersand = strict_ampersand
        self.webhook_url = ""
        # Telegram's record of its last failed delivery to the webhook: (unix time, message).
        self.webhook_last_error: tuple[int, str] | None = None
        self.throttled = 0
        # Messages sent with allow_paid_broadcast, each 0.1 Telegram Star.
        self.paid_messages = 0
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        # The bot's description and short description by language code ("" = the default).
        self._descriptions: dict[tuple[str, str], str] = {}
        self._limits: FloodLimits | None = None
        self._last_poll_at: float | None = None
        self._poll_generation = 0
        # Lower-case name -> (Telegram's spelling, handler); Telegram ignores the case.
        self._handlers: Mapping[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("setMyDescription", self._set_my_description),
                ("getMyDescription", self._get_my_description),
                ("setMyShortDescription", self._set_my_short_description),
                ("getMyShortDescription", self._get_my_short_description),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("editMessageCaption", self._edit_message_caption),
                ("editMessageMedia", self._edit_message_media),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("sendAnimation", self._send_animation),
                ("getFile", self._get_file),
                ("getChat", self._get_chat),
                ("getChatMember", self._get_chat_member),
                ("getChatAdministrators", self._get_chat_administrators),
                ("getChatMemberCount", self._get_chat_member_count),
            )
        }

    # ---------------------------------------------------------------- the bot and updates

    async def _get_me(self, params: Params) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            # Every group message reaches the bot, as with privacy mode off.
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.integer("offset", default=0) or 0
        limit = min(max(params.integer("limit", default=100) or 100, 1), 100)
        timeout = max(params.integer("timeout", default=0) or 0, 0)
        allowed = params.json("allowed_updates", "can't parse allowed_updates JSON array")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise bad_request("can't parse allowed_updates JSON array")
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._last_poll_at = self._clock()
        self._confirm(offset)

        # A newer getUpdates ends an older one, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._next_batch(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            await self._updates_signal.wait(remaining)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    async def _set_webhook(self, params: Params) -> bool:
        url = params.text("url") or ""
        if url and not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.flag("drop_pending_updates"):
            self._purge_updates("deleted by setWebhook(drop_pending_updates=True)")
        self.webhook_url = url
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        if params.flag("drop_pending_updates"):
            self._purge_updates("deleted by deleteWebhook(drop_pending_updates=True)")
        self.webhook_url = ""
        return True

    async def _get_webhook_info(self, params: Params) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        if self.webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    # ---------------------------------------------------------------- the command menu

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.json("commands", "can't parse commands JSON object")
        if commands is None:
            raise bad_request('parameter "commands" is required')
        if not isinstance(commands, list):
            raise bad_request('field "commands" must be an Array')
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand: BotCommand must be an Object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not isinstance(description, str):
                raise bad_request(
                    'can\'t parse BotCommand: fields "command" and "description" must be Strings'
                )
            if not command:
                raise bad_request("command must be non-empty")
            if len(command) > 32:
                raise bad_request("command length must not exceed 32")
            if not _BOT_COMMAND_NAME.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            description = description.strip()
            if not description:
                raise bad_request("command description must be non-empty")
            if len(description) > 256:
                raise bad_request("command description length must not exceed 256")
            cleaned.append({"command": command, "description": description})
        self._commands[self._commands_key_from(params)] = cleaned
        return True

    async def _get_my_commands(self, params: Params) -> list[JsonDict]:
        return list(self._commands.get(self._commands_key_from(params), []))

    async def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(self._commands_key_from(params), None)
        return True

    def _commands_key_from(self, params: Params) -> tuple[str, str]:
        scope = params.json("scope", "can't parse BotCommandScope JSON object")
        if scope is not None and not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        return self._commands_key(scope, _language_code(params))

    # The bot's description (shown in an empty chat) and short description (its profile and
    # shares), per language: Telegram keeps up to 512 and 120 characters.
    async def _set_my_description(self, params: Params) -> bool:
        return self._set_description(params, "description", 512)

    async def _set_my_short_description(self, params: Params) -> bool:
        return self._set_description(params, "short_description", 120)

    async def _get_my_description(self, params: Params) -> JsonDict:
        return {"description": self._description("description", _language_code(params))}

    async def _get_my_short_description(self, params: Params) -> JsonDict:
        text = self._description("short_description", _language_code(params))
        return {"short_description": text}

    def _set_description(self, params: Params, kind: str, limit: int) -> bool:
        text = params.text(kind) or ""
        if len(text) > limit:
            raise bad_request(f"{kind} is too long")
        key = (kind, _language_code(params))
        if text:
            self._descriptions[key] = text
        else:
            self._descriptions.pop(key, None)
        return True

    def _description(self, kind: str, language_code: str) -> str:
        # As Telegram: a language without its own text gets the default one.
        return self._descriptions.get((kind, language_code)) or self._descriptions.get(
            (kind, ""), ""
        )

    @staticmethod
    def _commands_key(scope: JsonDict | None, language_code: str) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code

    # ---------------------------------------------------------------- messages

    async def _send_message(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        formatted, source, mode = self._formatted(
            params, "text", "entities", MAX_TEXT_LENGTH, too_long="message is too long"
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        markup = self._inline_markup(params)
        self._check_access(chat, "write")
        self._throttle("sendmessage", chat, paid=params.flag("allow_paid_broadcast"))
        message = self._store_message(
            chat,
            self.bot_user,
            kind="text",
            source=source,
            formatted=formatted,
            parse_mode=mode,
            markup=markup,
        )
        return self._message_dict(message)

    async def _edit_message_text(self, params: Params) -> JsonDict:
        chat, message = self._editable(params)
        formatted, source, mode = self._formatted(
            params, "text", "entities", MAX_TEXT_LENGTH, too_long="message is too long"
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        markup = self._inline_markup(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if formatted == message.formatted and markup == message.markup:
            raise bad_request(NOT_MODIFIED)
        self._check_access(chat, "edit")
        self._throttle("editmessagetext", chat)
        message.formatted, message.source, message.parse_mode = formatted, source, mode
        return self._apply_edit(message, markup)

    async def _edit_message_caption(self, params: Params) -> JsonDict:
        chat, message = self._editable(params)
        formatted, source, mode = self._caption(params)
        markup = self._inline_markup(params)
        if message.kind not in MEDIA_KINDS:
            raise bad_request("there is no caption in the message to edit")
        if formatted == message.formatted and markup == message.markup:
            raise bad_request(NOT_MODIFIED)
        self._check_access(chat, "edit")
        self._throttle("editmessagecaption", chat)
        message.formatted, message.source, message.parse_mode = formatted, source, mode
        return self._apply_edit(message, markup)

    async def _edit_message_media(self, params: Params) -> JsonDict:
        chat, message = self._editable(params)
        kind, media = self._input_media(params)
        # The caption travels inside the InputMedia; none there leaves the message without one.
        formatted, source, mode = self._caption(Params(media, {}))
        markup = self._inline_markup(params)
        if message.kind != "text" and message.kind not in MEDIA_KINDS:
            raise bad_request("there is no media in the message to edit")
        stored = self._file_reference(media["media"], params, kind, editing=True)
        if not stored.file_id:
            _apply_size_hints(stored, Params(media, {}))
        current = message.photo or message.animation or message.document
        if (
            current is not None
            and (current.kind, current.unique_id) == (stored.kind, stored.unique_id)
            and formatted == message.formatted
            and markup == message.markup
        ):
            raise bad_request(NOT_MODIFIED)
        self._check_access(chat, "edit")
        self._throttle("editmessagemedia", chat)
        _attach(message, self._register_file(stored, "editMessageMedia"))
        message.formatted, message.source, message.parse_mode = formatted, source, mode
        return self._apply_edit(message, markup)

    async def _edit_message_reply_markup(self, params: Params) -> JsonDict:
        chat, message = self._editable(params)
        markup = self._inline_markup(params)
        if markup == message.markup:
            raise bad_request(NOT_MODIFIED)
        self._check_access(chat, "edit")
        self._throttle("editmessagereplymarkup", chat)
        return self._apply_edit(message, markup)

    async def _delete_message(self, params: Params) -> bool:
        chat = self._target_chat(params)
        message_id = params.required_integer("message_id")
        if chat.is_group:  # a person who blocked the bot does not stop it deleting its messages
            self._check_access(chat, "write")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self._changed()
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = params.text("callback_query_id")
        if not query_id:
            raise bad_request('parameter "callback_query_id" is required')
        query = self._queries.get(query_id)
        now = self._clock()
        if query is None or query.answer is not None or now - query.created > CALLBACK_QUERY_TTL:
            raise bad_request(QUERY_TOO_OLD)
        text = params.text("text")
        if text is not None and len(text) > MAX_ANSWER_TEXT_LENGTH:
            raise bad_request("message is too long")
        self._throttle("answercallbackquery", None)
        query.answer = CallbackAnswer(
            text=text or None,
            show_alert=params.flag("show_alert"),
            url=params.text("url"),
            cache_time=params.integer("cache_time", default=0) or 0,
            at=now,
        )
        self._changed()
        return True

    async def _send_chat_action(self, params: Params) -> bool:
        chat = self._target_chat(params)
        action = params.text("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_access(chat, "write")
        self._throttle("sendchataction", chat)
        chat.actions.append(action)
        self._changed()
        return True

    # ---------------------------------------------------------------- chats and members

    async def _get_chat(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        self._check_access(chat, "read")
        info: JsonDict = {
            **chat.info,
            "accent_color_id": abs(chat.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.is_group:
            info["permissions"] = _default_permissions(supergroup=chat.is_supergroup)
        return info

    async def _get_chat_member(self, params: Params) -> JsonDict:
        user_id = _user_id_param(params)
        chat = self._target_chat(params)
        self._check_access(chat, "read" if user_id == self.bot_id else "members")
        if user_id == self.bot_id:
            user = self.bot_user
        elif user_id in self._users:
            user = self._users[user_id]
        else:
            raise bad_request(USER_NOT_FOUND)
        status = self._member_status(chat, user_id)
        return chat_member_dict(user, status, supergroup=chat.is_supergroup)

    async def _get_chat_administrators(self, params: Params) -> list[JsonDict]:
        chat = self._target_chat(params)
        self._check_access(chat, "members")
        if not chat.is_group:
            raise bad_request(NO_ADMINS_IN_PRIVATE_CHAT)
        supergroup = chat.is_supergroup
        admins = [
            chat_member_dict(self._users[user_id], status, supergroup=supergroup)
            for user_id, status in chat.members.items()
            if status in ("creator", "administrator")
        ]
        admins.sort(key=lambda entry: entry["status"] != "creator")
        if chat.bot_member_status == "administrator":
            admins.append(chat_member_dict(self.bot_user, "administrator", supergroup=supergroup))
        return admins

    async def _get_chat_member_count(self, params: Params) -> int:
        chat = self._target_chat(params)
        self._check_access(chat, "members")
        if not chat.is_group:
            return 1 + (chat.id != self.bot_id)
        people = sum(status in PRESENT_STATUSES for status in chat.members.values())
        return people + (chat.bot_status == "member")

    # ---------------------------------------------------------------- files

    async def _send_photo(self, params: Params) -> JsonDict:
        return self._send_media(params, "photo", "sendPhoto")

    async def _send_document(self, params: Params) -> JsonDict:
        return self._send_media(params, "document", "sendDocument")

    async def _send_animation(self, params: Params) -> JsonDict:
        return self._send_media(params, "animation", "sendAnimation")

    async def _get_file(self, params: Params) -> JsonDict:
        file_id = params.text("file_id") or ""
        stored = self._known_file(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _send_media(self, params: Params, kind: FileKind, method: str) -> JsonDict:
        chat = self._target_chat(params)
        stored = self._incoming_file(params, kind)
        if not stored.file_id:
            _apply_size_hints(stored, params)
        formatted, source, mode = self._caption(params)
        markup = self._inline_markup(params)
        self._check_access(chat, "write")
        self._throttle("send" + kind, chat)
        # Only now, with every rule passed, does the upload become a file with a file_id.
        stored = self._register_file(stored, method)
        message = self._store_message(
            chat,
            self.bot_user,
            kind=kind,
            source=source,
            formatted=formatted,
            parse_mode=mode,
            markup=markup,
        )
        _attach(message, stored)
        return self._message_dict(message)

    def _caption(self, params: Params) -> tuple[FormattedText, str, str | None]:
        """Parse ``caption`` (with ``parse_mode``) under Telegram's 1024-character limit."""
        return self._formatted(
            params, "caption", "caption_entities", MAX_CAPTION_LENGTH, too_long=CAPTION_TOO_LONG
        )

    def _incoming_file(self, params: Params, kind: FileKind) -> StoredFile:
        """Resolve the file of a send: a part named like the field, attach://, or a file_id."""
        upload = params.files.get(kind)
        if upload is not None:
            return self._read_upload(upload, kind)
        value = params.get(kind)
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        return self._file_reference(value, params, kind, editing=False)

    def _file_reference(
        self, value: str, params: Params, kind: FileKind, *, editing: bool
    ) -> StoredFile:
        """Resolve ``attach://<part>``, a file_id or a URL naming the file of a send or edit."""
        if value.startswith("attach://"):
            name = value.removeprefix("attach://")
            upload = params.files.get(name)
            if upload is None:
                if editing:
                    raise bad_request("can't parse InputMedia: media not found")
                raise bad_request(f"{kind} attach://{name} is not in the request")
            return self._read_upload(upload, kind)
        if _HTTP_URL.match(value):
            raise bad_request("failed to get HTTP URL content (the double fetches no URLs)")
        stored = self._known_file(value)
        if stored is None:
            # Telegram turns the server's MEDIA_EMPTY into this text for sends only; an edit
            # passes it on as it is. A string that is no file_id at all fails earlier, alike.
            if editing and is_file_id_shaped(value):
                raise bad_request(MEDIA_EMPTY)
            raise bad_request(WRONG_FILE_ID)
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
            )
        return stored

    def _read_upload(self, upload: Upload, kind: FileKind) -> StoredFile:
        """Check an uploaded file as Telegram would; returns it without ids (not kept yet)."""
        data = upload.data
        if not data:
            raise bad_request("file must be non-empty")
        if len(data) > (MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES):
            raise ApiError(413, "Request Entity Too Large")
        mime = upload.content_type
        if kind == "photo":
            size = _png_size(data)
            if size is None or min(size) <= 0:
                # The bot sends PNG charts only, so the double reads no other format.
                raise bad_request("IMAGE_PROCESS_FAILED (the double reads PNG photos only)")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return self._new_file("photo", data, upload.filename, mime, width=width, height=height)
        if kind == "animation":
            # The bot's animations are H.264 MP4s; the double checks the container only.
            if not is_mp4(data):
                raise bad_request(ANIMATION_NOT_MP4)
            info = read_mp4(data)
            if info.has_sound:
                raise bad_request(ANIMATION_WITH_SOUND)
            name = upload.filename or "animation.mp4"
            return self._new_file(
                "animation",
                data,
                name,
                "video/mp4",
                width=info.width,
                height=info.height,
                duration=info.duration,
            )
        name = upload.filename or "document"
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return self._new_file("document", data, name, mime)

    @staticmethod
    def _input_media(params: Params) -> tuple[FileKind, JsonDict]:
        """Validate editMessageMedia's ``media`` (an InputMedia); returns (type, object)."""
        raw = params.get("media")
        if raw is None or raw == "":
            raise bad_request('parameter "media" is required')
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError as exc:
                raise bad_request("can't parse input media JSON object") from exc
        if not isinstance(raw, dict):
            raise bad_request("can't parse input media JSON object")
        kind = raw.get("type")
        if not isinstance(kind, str):
            raise bad_request("can't parse InputMedia: Can't find field \"type\"")
        value = raw.get("media")
        if not isinstance(value, str) or not value:
            raise bad_request("can't parse InputMedia: Media is not specified")
        if kind in _UNSIMULATED_MEDIA_TYPES:
            raise bad_request(
                f'can\'t parse InputMedia: type "{kind}" is not simulated by the double'
            )
        file_kind = _EDIT_MEDIA_TYPES.get(kind)
        if file_kind is None:
            raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
        return file_kind, raw

    # ---------------------------------------------------------------- rules

    def _target_chat(self, params: Params) -> ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id = peek_chat_id({"chat_id": raw})
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None or not chat.known:
            raise bad_request("chat not found")
        return chat

    def _check_access(self, chat: ChatState, access: Access) -> None:
        """Raise Telegram's 400 or 403 if the bot may not do what needs ``access`` in ``chat``."""
        refusal = chat.refusal(access)
        if refusal is not None:
            raise refusal

    def _editable(self, params: Params) -> tuple[ChatState, StoredMessage]:
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _formatted(
        self, params: Params, name: str, entities_name: str, limit: int, *, too_long: str
    ) -> tuple[FormattedText, str, str | None]:
        """Parse a text or caption field; returns (formatted, source as sent, parse_mode)."""
        if params.get(entities_name) is not None:
            # The bot formats with parse_mode only; refuse loudly rather than mis-render.
            raise bad_request(f"{entities_name} are not simulated by the double; use parse_mode")
        source = params.text(name) or ""
        mode = params.text("parse_mode") or None
        try:
            formatted = parse_text(source, mode, strict_ampersand=self.strict_ampersand)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        except UnsupportedParseModeError as exc:
            raise bad_request(str(exc)) from exc
        if formatted.length > limit:
            raise bad_request(too_long)
        return formatted, source, mode

    def _inline_markup(self, params: Params) -> list[list[JsonDict]] | None:
        """Validate reply_markup; return its inline keyboard (None: none or a reply keyboard)."""
        error = "can't parse reply keyboard markup JSON object"
        markup = params.json("reply_markup", error)
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request(error)
        if "inline_keyboard" not in markup:
            if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
                return None  # reply keyboards are not part of the message's reply_markup
            raise bad_request(error)
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard: field "inline_keyboard" must be an Array of Arrays'
            )
        count = 0
        for row in rows:
            for button in row:
                _validate_button(button)
                count += 1
        if count > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        kept = [[dict(button) for button in row] for row in rows if row]
        return kept or None

    def _throttle(self, method: str, chat: ChatState | None, *, paid: bool = False) -> None:
        """Raise 429 with an honest retry_after if the call would break a flood limit.

        Called once every other rule passed, so an admitted send or edit is one Telegram
        accepts: it is noted in the chat's ``writes``. A paid broadcast is counted (and
        charged: stars_spent) whether or not limits are enforced.
        """
        now = self._clock()
        limits = self._limits
        if limits is not None:
            wait = limits.admit(
                method,
                chat.id if chat is not None else None,
                group=chat is not None and chat.is_group,
                now=now,
                paid=paid,
            )
            if wait is not None:
                self.throttled += 1
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        if paid:
            self.paid_messages += 1
        if chat is not None and method in MESSAGE_WRITE_METHODS:
            chat.writes.append((now, self._handlers[method][0]))


def _user_id_param(params: Params) -> int:
    """Return the ``user_id`` of a request; Telegram's 400 when it is not a user's id."""
    try:
        user_id = params.integer("user_id")
    except ApiError:
        user_id = None
    if user_id is None or user_id <= 0:
        raise bad_request(INVALID_USER_ID)
    return user_id


def _default_permissions(*, supergroup: bool) -> JsonDict:
    """Return a new group's ChatPermissions: members may send anything and invite others."""
    permissions = {
        name: True
        for name in (
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
            "can_invite_users",
        )
    }
    permissions.update(
        {
            "can_edit_tag": False,
            "can_change_info": False,
            "can_pin_messages": False,
            "can_manage_topics": supergroup,
        }
    )
    return permissions


def _validate_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise bad_request(prefix + 'Can\'t find field "text"')
    text = button["text"]
    if not isinstance(text, str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Telegram silently uses the first field it knows; a button that says two things
        # is a bug, so the double refuses it.
        raise bad_request(
            prefix + f"exactly one of the optional fields must be used, got {actions}"
        )
    if actions[0] == "callback_data":
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    elif actions[0] == "url":
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(?i)(https?|tg|ton)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")


def _attach(message: StoredMessage, stored: StoredFile) -> None:
    """Make ``stored`` the message's one file; the message's kind follows the file's."""
    message.kind = stored.kind
    message.photo = stored if stored.kind == "photo" else None
    message.document = stored if stored.kind == "document" else None
    message.animation = stored if stored.kind == "animation" else None


def _apply_size_hints(stored: StoredFile, params: Params) -> None:
    """Take width, height and duration the bot states for a new animation upload."""
    if stored.kind != "animation":
        return
    stored.width = params.integer("width", default=stored.width) or stored.width
    stored.height = params.integer("height", default=stored.height) or stored.height
    stored.duration = params.integer("duration", default=stored.duration) or stored.duration


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None if ``data`` is not a PNG."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _language_code(params: Params) -> str:
    """Return a call's language_code: empty, or two lower-case letters (ISO 639-1)."""
    code = params.text("language_code") or ""
    if code and not (len(code) == 2 and code.isascii() and code.isalpha() and code.islower()):
        raise bad_request("LANGUAGE_CODE_INVALID")
    return code
