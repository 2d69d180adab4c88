"""A loopback Telegram Bot API double: real HTTP on 127.0.0.1, Telegram's rules, people.

The real python-telegram-bot stack talks to :class:`BotApiDouble` over HTTP exactly as it
talks to api.telegram.org; tests play the people on the other side through :class:`Person`
(a private chat) and :class:`GroupMember` (a group chat made with ``double.group()``): send
text, press inline buttons, read the chat as it stands. Telegram's documented limits and
error descriptions are enforced so that a bot bug fails a test instead of production, and
faults (errors, timeouts, dropped connections, flood limits) can be injected.

Groups carry what team features need: members' statuses for getChatMember and
getChatAdministrators (``group.member(id, status=...)``, ``promote()``), the bot added,
removed or made an admin (my_chat_member), an upgrade to a supergroup
(``group.migrate_to_supergroup()``: the migrate_to/from updates, then 400 with
migrate_to_chat_id for the old id), and a record of the sends and edits each group got
(``group.writes``, ``group.calls_per_minute()``) to check Telegram's 20-a-minute limit.

State is indexed by chat and updates live in a queue, so every call costs O(1) or O(size of
one chat), which keeps benchmarks with thousands of messages honest.

Modules, each importing only those above it:

- ``records``: the public records (ChatMessage, Button, CallbackAnswer, CallRecord, errors)
- ``wire``: request decoding (query string, JSON, form and multipart bodies)
- ``faults``: injected faults and flood limits
- ``mp4``: the little of MP4's box structure the double reads from animations
- ``state``: users, chats, messages, files, callback queries and the update queue
- ``person``: the people tests drive (Person, Group, GroupMember)
- ``methods``: the Bot API methods
- ``server``: BotApiDouble itself, its loopback server and the API tests use
"""

from bot.sandbox.double.faults import FaultKind, FaultPlan, FaultRule
from bot.sandbox.double.person import ChatUser, Group, GroupMember, Person
from bot.sandbox.double.records import (
    ApiError,
    Button,
    ButtonNotFoundError,
    CallbackAnswer,
    CallRecord,
    ChatMessage,
    UpdateNotDeliveredError,
    UploadRecord,
)
from bot.sandbox.double.server import DEFAULT_GROUP_ID, BotApiDouble

__all__ = [
    "DEFAULT_GROUP_ID",
    "ApiError",
    "BotApiDouble",
    "Button",
    "ButtonNotFoundError",
    "CallRecord",
    "CallbackAnswer",
    "ChatMessage",
    "ChatUser",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "Group",
    "GroupMember",
    "Person",
    "UpdateNotDeliveredError",
    "UploadRecord",
]
