"""Telegram's HTML parse mode: validate markup and compute the text a person sees.

This follows how the Bot API server parses ``parse_mode=HTML``: the same tag set, the same
decoding of character references, the same error wording ("Unsupported start tag ... at byte
offset N"), entity offsets and lengths in UTF-16 code units, and leading and trailing
whitespace trimmed from the result.

One deliberate difference: by default a bare ``&`` that does not start a character reference
is an error here, while Telegram silently keeps it. The Bot API documentation says such
characters *must* be escaped, and a bot that forgets to escape ``&`` shows "&lt;" as "<" the
day a person types it, so the double reports it (``strict_ampersand=False`` turns that off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "Entity",
    "FormattedText",
    "HtmlParseError",
    "UnsupportedParseModeError",
    "html_to_text",
    "parse_html",
    "parse_text",
    "trim_plain",
    "utf16_len",
]


class HtmlParseError(ValueError):
    """The markup was rejected; the message is the server's, without the Bot API prefix."""


class UnsupportedParseModeError(ValueError):
    """The parse_mode is unknown, or known to Telegram but not implemented by the double."""


@dataclass(frozen=True, slots=True)
class Entity:
    """A message entity as the Bot API reports it (offset and length in UTF-16 units)."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the entity as a Bot API MessageEntity object."""
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        return data


@dataclass(frozen=True, slots=True)
class FormattedText:
    """Plain text as shown to a person plus the formatting entities over it."""

    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def length(self) -> int:
        """Length in UTF-16 code units, the unit Telegram's text limits are counted in."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units in ``text`` (characters beyond the BMP count twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SUPPORTED_TAGS = frozenset(_SIMPLE_TAGS) | {"a", "code", "pre", "blockquote", "tg-emoji"}
_SPACE = frozenset(" \t\r\n\v\f")
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[&<]")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_LINK_SCHEMES = frozenset({"http", "https", "tg", "ton", "ftp"})
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")


def parse_text(
    text: str, parse_mode: str | None, *, strict_ampersand: bool = True
) -> FormattedText:
    """Parse ``text`` as Telegram would for ``parse_mode`` (None or "" means plain text)."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return _trim(text, [])
    if mode == "html":
        return parse_html(text, strict_ampersand=strict_ampersand)
    if mode in {"markdown", "markdownv2"}:
        raise UnsupportedParseModeError(
            f"parse_mode {parse_mode} is not implemented by the Bot API double; use HTML"
        )
    raise UnsupportedParseModeError("unsupported parse_mode")


def parse_html(source: str, *, strict_ampersand: bool = True) -> FormattedText:
    """Parse Telegram HTML into plain text and entities, or raise :class:`HtmlParseError`."""
    return _HtmlParser(source, strict_ampersand=strict_ampersand).parse()


def html_to_text(source: str) -> str:
    """Return the plain text a person sees for a message sent with ``parse_mode=HTML``."""
    return parse_html(source).text


@dataclass(slots=True)
class _OpenTag:
    tag: str
    argument: str
    utf16_offset: int
    piece_index: int  # where the tag's inner text starts in the output pieces
    expandable: bool = False


def _decode_reference(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference starting with the '&' at ``pos``.

    Returns the character and the index just past the reference, or None when the text is
    not a reference Telegram understands (numeric ones and &lt; &gt; &amp; &quot;; the
    trailing ';' is optional, as in Telegram).
    """
    size = len(source)
    end = pos + 1
    if end < size and source[end] == "#":
        end += 1
        if end < size and source[end] == "x":
            end += 1
            digits_start = end
            while end < size and source[end] in _HEX_DIGITS:
                end += 1
            code = int(source[digits_start:end], 16) if end > digits_start else 0
        else:
            digits_start = end
            while end < size and source[end] in _DIGITS:
                end += 1
            code = int(source[digits_start:end]) if end > digits_start else 0
        # Telegram caps the reference at 9 characters, which also keeps int() cheap.
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < size and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED_REFERENCES.get(source[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < size and source[end] == ";":
        end += 1
    return char, end


def _check_url(url: str) -> str | None:
    """Return the link a text_link entity gets for ``url`` (None: Telegram drops it)."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme = _URL_SCHEME.match(url)
    if scheme is not None and (url[scheme.end() :].startswith("//") or scheme.group(1) == "tg"):
        return url if scheme.group(1).lower() in _LINK_SCHEMES else None
    host = url.split("/", 1)[0]
    if "." in host and not host.startswith(".") and not host.endswith("."):
        return "http://" + url
    return None


class _HtmlParser:
    """One pass over the markup, keeping a stack of open tags."""

    def __init__(self, source: str, *, strict_ampersand: bool) -> None:
        self._src = source
        self._size = len(source)
        self._strict_ampersand = strict_ampersand
        self._pieces: list[str] = []
        self._utf16 = 0
        self._stack: list[_OpenTag] = []
        self._entities: list[Entity] = []
        self._has_surrogate = False

    def parse(self) -> FormattedText:
        src = self._src
        i = 0
        while i < self._size:
            char = src[i]
            if char == "&":
                i = self._reference(i)
            elif char == "<":
                if i + 1 < self._size and src[i + 1] == "/":
                    i = self._end_tag(i)
                else:
                    i = self._start_tag(i)
            else:
                match = _SPECIAL.search(src, i)
                stop = match.start() if match else self._size
                self._emit(src[i:stop])
                i = stop
        if self._stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self._stack[-1].tag}"'
            )
        if self._has_surrogate:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        entities = [
            replace(entity, language=None) if entity.type == "code" else entity
            for entity in self._entities
        ]
        entities.sort(key=lambda entity: (entity.offset, -entity.length))
        return _trim("".join(self._pieces), entities)

    def _emit(self, text: str) -> None:
        self._pieces.append(text)
        self._utf16 += utf16_len(text)

    def _error(self, message: str, index: int) -> HtmlParseError:
        offset = len(self._src[:index].encode("utf-8", "surrogatepass"))
        return HtmlParseError(message.format(offset=offset))

    def _reference(self, i: int) -> int:
        decoded = _decode_reference(self._src, i)
        if decoded is not None:
            char, end = decoded
            if 0xD800 <= ord(char) <= 0xDFFF:
                self._has_surrogate = True
            self._emit(char)
            return end
        if self._strict_ampersand:
            raise self._error(
                'Character "&" at byte offset {offset} does not start an HTML entity; '
                'escape it as "&amp;"',
                i,
            )
        self._emit("&")
        return i + 1

    def _skip_spaces(self, i: int) -> int:
        while i < self._size and self._src[i] in _SPACE:
            i += 1
        return i

    def _start_tag(self, begin: int) -> int:
        src, size = self._src, self._size
        i = begin + 1
        while i < size and src[i] not in _SPACE and src[i] != ">":
            i += 1
        if i >= size:
            raise self._error("Unclosed start tag at byte offset {offset}", begin)
        tag = src[begin + 1 : i].lower()
        if tag not in _SUPPORTED_TAGS:
            raise self._error(f'Unsupported start tag "{tag}" at byte offset {{offset}}', begin)

        argument = ""
        span_class: str | None = None
        expandable = False
        while True:
            i = self._skip_spaces(i)
            if i >= size:
                raise self._error("Unclosed start tag at byte offset {offset}", begin)
            if src[i] == ">":
                break
            name_start = i
            while i < size and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            name = src[name_start:i].lower()
            if not name:
                raise self._error(
                    f'Empty attribute name in the tag "{tag}" at byte offset {{offset}}', begin
                )
            i = self._skip_spaces(i)
            if i < size and src[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    expandable = True
                    continue
                raise self._error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {{offset}}',
                    begin,
                )
            i = self._skip_spaces(i + 1)
            if i >= size:
                raise self._error(f'Unclosed start tag "{tag}" at byte offset {{offset}}', begin)
            value, i = self._attribute_value(i, begin)
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and name == "class":
                span_class = value
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value

        if tag == "span" and span_class != "tg-spoiler":
            raise self._error(
                'Tag "span" must have class "tg-spoiler" at byte offset {offset}', begin
            )
        if tag == "tg-emoji" and not (argument.isascii() and argument.isdigit()):
            raise HtmlParseError("Invalid custom emoji identifier specified")
        self._stack.append(_OpenTag(tag, argument, self._utf16, len(self._pieces), expandable))
        return i + 1

    def _attribute_value(self, i: int, begin: int) -> tuple[str, int]:
        """Read a quoted string or a bare name token; returns the value and the next index."""
        src, size = self._src, self._size
        if src[i] in "'\"":
            quote = src[i]
            i += 1
            chars: list[str] = []
            while i < size and src[i] != quote:
                if src[i] == "&":
                    # Inside attribute values Telegram's leniency is kept: URLs with raw
                    # query strings are common and harmless there.
                    decoded = _decode_reference(src, i)
                    if decoded is not None:
                        chars.append(decoded[0])
                        i = decoded[1]
                        continue
                chars.append(src[i])
                i += 1
            if i >= size:
                raise self._error("Unclosed start tag at byte offset {offset}", begin)
            return "".join(chars), i + 1
        token_start = i
        while i < size and src[i].isascii() and (src[i].isalnum() or src[i] in ".-"):
            i += 1
        if i >= size:
            raise self._error("Unclosed start tag at byte offset {offset}", begin)
        if src[i] not in _SPACE and src[i] != ">":
            raise self._error("Unexpected end of name token at byte offset {offset}", token_start)
        return src[token_start:i].lower(), i

    def _end_tag(self, begin: int) -> int:
        src, size = self._src, self._size
        if not self._stack:
            raise self._error("Unexpected end tag at byte offset {offset}", begin)
        i = begin + 2
        while i < size and src[i] not in _SPACE and src[i] != ">":
            i += 1
        end_name = src[begin + 2 : i].lower()
        i = self._skip_spaces(i)
        if i >= size or src[i] != ">":
            raise self._error("Unclosed end tag at byte offset {offset}", begin)
        open_tag = self._stack[-1]
        # "</>" closes whatever is open, as in Telegram.
        if end_name and end_name != open_tag.tag:
            raise self._error(
                f'Unmatched end tag at byte offset {{offset}}, expected "</{open_tag.tag}>", '
                f'found "</{end_name}>"',
                begin,
            )
        self._stack.pop()
        self._close(open_tag)
        return i + 1

    def _close(self, open_tag: _OpenTag) -> None:
        offset = open_tag.utf16_offset
        length = self._utf16 - offset
        if length <= 0:
            return  # Telegram drops empty entities
        tag = open_tag.tag
        last = self._entities[-1] if self._entities else None
        same_span = last is not None and last.offset == offset and last.length == length
        if tag in _SIMPLE_TAGS:
            self._entities.append(Entity(_SIMPLE_TAGS[tag], offset, length))
        elif tag == "code":
            if same_span and last is not None and last.type == "pre" and open_tag.argument:
                self._entities[-1] = replace(last, language=open_tag.argument)
            else:
                # The language is kept for a moment so an enclosing <pre> can claim it.
                language = open_tag.argument or None
                self._entities.append(Entity("code", offset, length, language=language))
        elif tag == "pre":
            if same_span and last is not None and last.type == "code" and last.language:
                self._entities[-1] = Entity("pre", offset, length, language=last.language)
            else:
                self._entities.append(Entity("pre", offset, length))
        elif tag == "a":
            target = open_tag.argument or "".join(self._pieces[open_tag.piece_index :])
            url = _check_url(target)
            if url is not None:
                self._entities.append(Entity("text_link", offset, length, url=url))
        elif tag == "blockquote":
            kind = "expandable_blockquote" if open_tag.expandable else "blockquote"
            self._entities.append(Entity(kind, offset, length))
        elif tag == "tg-emoji":
            self._entities.append(
                Entity("custom_emoji", offset, length, custom_emoji_id=open_tag.argument)
            )


def _trim(text: str, entities: list[Entity]) -> FormattedText:
    """Strip leading and trailing whitespace like Telegram, shifting and clipping entities."""
    stripped = text.strip()
    if not stripped:
        return FormattedText("", ())
    if stripped == text:
        return FormattedText(text, tuple(entities))
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity.offset - shift, 0)
        end = min(entity.offset + entity.length - shift, limit)
        if end > start:
            kept.append(replace(entity, offset=start, length=end - start))
    return FormattedText(stripped, tuple(kept))


def trim_plain(text: str, entities: list[Entity] | None = None) -> FormattedText:
    """Return plain text (with optional explicit entities) trimmed as Telegram stores it."""
    return _trim(text, list(entities or []))
