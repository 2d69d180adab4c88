"""What the double shows to tests: chat messages, buttons, callback answers, calls and errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from bot.sandbox.telegram_html import Entity

JsonDict = dict[str, Any]

# Telegram's error descriptions, word for word (PTB and the bot match on some of them).
NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# A file_id the bot was never given (or one Telegram forgot) in a send; an edit gets MEDIA_EMPTY.
WRONG_FILE_ID: Final = "wrong file identifier/HTTP URL specified"
MEDIA_EMPTY: Final = "MEDIA_EMPTY"
CAPTION_TOO_LONG: Final = "message caption is too long"
QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"
BLOCKED: Final = "Forbidden: bot was blocked by the user"
KICKED_FROM_GROUP: Final = "Forbidden: bot was kicked from the group chat"
NOT_GROUP_MEMBER: Final = "Forbidden: bot is not a member of the group chat"
KICKED_FROM_SUPERGROUP: Final = "Forbidden: bot was kicked from the supergroup chat"
NOT_SUPERGROUP_MEMBER: Final = "Forbidden: bot is not a member of the supergroup chat"
# A basic group turned into a supergroup; the answer carries migrate_to_chat_id.
GROUP_UPGRADED: Final = "group chat was upgraded to a supergroup chat"
USER_NOT_FOUND: Final = "user not found"
INVALID_USER_ID: Final = "invalid user_id specified"
NO_ADMINS_IN_PRIVATE_CHAT: Final = "there are no administrators in the private chat"


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button as a person sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message in a chat as it stands now (edits applied).

    ``text`` is what a person reads (the caption for media); ``html`` is the text or caption
    exactly as sent, in ``parse_mode`` (None for plain text and for the person's messages).
    ``sender_id`` tells group members apart (the bot's id for the bot's messages).
    ``animation`` holds the bytes of an animation (a looping silent MP4); the ``*_sha256``
    fields are the hex SHA-256 of the animation's and the photo's bytes. ``service`` names
    the field of a service message ("migrate_to_chat_id", "new_chat_members", ...).
    """

    message_id: int
    from_bot: bool
    text: str
    html: str
    buttons: list[list[Button]]
    photo: bytes | None
    document: bytes | None
    document_name: str | None
    edited: bool
    date: int
    parse_mode: str | None = None
    entities: tuple[Entity, ...] = ()
    location: tuple[float, float] | None = None
    sender_id: int | None = None
    animation: bytes | None = None
    animation_sha256: str | None = None
    photo_sha256: str | None = None
    service: str | None = None

    @property
    def button_texts(self) -> list[str]:
        """Visible texts of all buttons, row by row."""
        return [button.text for row in self.buttons for button in row]


class UploadRecord(NamedTuple):
    """One file upload Telegram accepted: the method, the bytes' hex SHA-256 and their size."""

    method: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot said in answerCallbackQuery."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    at: float


@dataclass(slots=True)
class CallRecord:
    """One request that reached the double; ``status`` is 0 while it is still in flight."""

    method: str
    params: JsonDict
    status: int
    at: float
    fault: str | None = None


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description, optional retry_after or migration."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def body(self) -> JsonDict:
        """Return the JSON body Telegram sends for this error."""
        data: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        parameters: JsonDict = {}
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if parameters:
            data["parameters"] = parameters
        return data


def bad_request(description: str) -> ApiError:
    """Return Telegram's 400 answer with this description."""
    return ApiError(400, f"Bad Request: {description}")


class ButtonNotFoundError(LookupError):
    """A person tried to press a button that is not there."""


class UpdateNotDeliveredError(RuntimeError):
    """An update was dropped before the bot received it (filtered, skipped or purged)."""
