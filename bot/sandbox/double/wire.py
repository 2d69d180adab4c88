"""Request decoding: query string, JSON, urlencoded and multipart bodies into typed parameters."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.requests import Request

from bot.sandbox.double.records import JsonDict, bad_request

# How form fields are decoded: PTB JSON-encodes every non-string value.
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "commands",
        "scope",
        "allowed_updates",
        "media",
    }
)
_INT_FIELDS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "max_connections",
        "user_id",
    }
)
_BOOL_FIELDS: Final = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
    }
)
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class Upload:
    """A file that came in a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


def _parse_multipart(body: bytes, content_type: str) -> tuple[JsonDict, dict[str, Upload]]:
    """Split a multipart/form-data body into text fields and uploaded files."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise bad_request("can't parse multipart/form-data request: no boundary")
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1")
    fields: JsonDict = {}
    files: dict[str, Upload] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = {
            key.lower(): value.replace('\\"', '"').replace("%22", '"')
            for key, value in _DISPOSITION_PARAM.findall(headers.get("content-disposition", ""))
        }
        field_name = params.get("name")
        if field_name is None:
            continue
        if "filename" in params or "filename*" in params:
            files[field_name] = Upload(
                params.get("filename"), headers.get("content-type"), bytes(content)
            )
        else:
            fields[field_name] = content.decode("utf-8", "replace")
    return fields, files


def _normalize(values: JsonDict) -> JsonDict:
    """Decode form strings into the JSON values PTB encoded (lenient: bad input stays a str)."""
    decoded: JsonDict = {}
    for name, value in values.items():
        if isinstance(value, str):
            if name in _JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif name in _INT_FIELDS:
                with contextlib.suppress(ValueError):
                    value = int(value.strip())
            elif name in _BOOL_FIELDS:
                lowered = value.strip().lower()
                if lowered in {"true", "1"}:
                    value = True
                elif lowered in {"false", "0", ""}:
                    value = False
        decoded[name] = value
    return decoded


async def read_request(request: Request) -> tuple[JsonDict, dict[str, Upload]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    values: JsonDict = dict(request.query_params)
    files: dict[str, Upload] = {}
    body = await request.body()
    if body:
        content_type = request.headers.get("content-type", "")
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime == "application/json":
            try:
                parsed = json.loads(body)
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request parameters") from exc
            if not isinstance(parsed, dict):
                raise bad_request("JSON encoded request parameters must be an object")
            values.update(parsed)
        elif mime == "multipart/form-data":
            fields, files = _parse_multipart(body, content_type)
            values.update(fields)
        else:
            values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return _normalize(values), files


def peek_chat_id(values: JsonDict) -> int | None:
    """Return the numeric chat_id of a request, if any (usernames resolve to nothing)."""
    raw = values.get("chat_id")
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            return int(raw.strip())
    return None


class Params:
    """Typed access to one request's parameters, raising Telegram-like errors."""

    def __init__(self, values: JsonDict, files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    def get(self, name: str) -> Any:
        """Return the raw value of ``name`` (None when absent)."""
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        """Return ``name`` as a string (JSON values re-encoded), or None when absent."""
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str, *, default: int | None = None) -> int | None:
        """Return ``name`` as an Integer, or ``default`` when absent or empty."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return int(float(value))
        raise bad_request(f'field "{name}" must be of type Integer')

    def required_integer(self, name: str) -> int:
        """Return ``name`` as an Integer; Telegram's error when it is missing."""
        value = self.integer(name)
        if value is None:
            raise bad_request(f'parameter "{name}" is required')
        return value

    def flag(self, name: str) -> bool:
        """Return ``name`` as a Boolean (absent: False)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        """Return ``name`` decoded from JSON; ``error`` is the 400 description if it is not."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(error) from exc
        return value
