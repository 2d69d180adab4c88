"""Languages: every sentence of the content goes through gettext catalogs managed with Babel.

The English YAML files are the one source. Their translatable strings are found by walking
the validated models (any field typed ``str``, except the identifiers in NOT_TRANSLATED;
strings without a letter, such as emoji marks, stay as they are), so a text added to a model is
translatable without anyone listing it. ``pybabel extract`` reads them through
:func:`extract_yaml` (babel.cfg); ``make translations`` refreshes the catalogs in
content/locales/; at start each language's library is the English one with every string
looked up in that language's compiled catalog (:func:`translated`).

A :class:`~content.texts.Plural` text becomes one gettext entry with a plural, so each language
has its own number of forms (Russian three).
"""

from __future__ import annotations

import gettext
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import BaseModel

from content.texts import Plural

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
SOURCE = "en"
# The languages, each named in itself: the /language buttons show these.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "de": "Deutsch",
    "ru": "Русский",
}
# Fields that hold identifiers, not words: ids, a routine's exercises, a band's routine, zones.
NOT_TRANSLATED = frozenset(
    {"id", "default", "Routine.exercises", "Band.routine", "Texts.common_zones"}
)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Message:
    """One translatable text: where it is (for translators), and its English singular/plural."""

    path: str
    text: str
    plural: str | None = None


def language_of(code: str | None) -> str:
    """Return our language for a Telegram language_code ('pt-br' -> 'pt_BR'); else English."""
    if not code:
        return SOURCE
    lowered = code.replace("_", "-").lower()
    by_lower = {name.replace("_", "-").lower(): name for name in LANGUAGES}
    if lowered in by_lower:
        return by_lower[lowered]
    base = lowered.split("-", 1)[0]
    if base == "pt":
        return "pt_BR"  # the one Portuguese we speak
    return by_lower.get(base, SOURCE)


def telegram_language_code(language: str) -> str:
    """Return the ISO 639-1 code Telegram's per-language settings take ('pt_BR' -> 'pt')."""
    return language.split("_", 1)[0].lower()


def named_language(text: str) -> str | None:
    """Return the language someone typed: a code ('es', 'pt-br') or its own name ('Русский').

    None for anything we do not speak (unlike language_of, which falls back to English).
    """
    cleaned = text.strip()
    by_name = {name.lower(): code for code, name in LANGUAGES.items()}
    if cleaned.lower() in by_name:
        return by_name[cleaned.lower()]
    code = language_of(cleaned)
    if code == SOURCE and not cleaned.lower().startswith(SOURCE):
        return None
    return code


# --- walking the models -------------------------------------------------------------------


def messages(model: BaseModel, path: str = "") -> Iterator[Message]:
    """Yield every translatable text of a model and the models inside it, in field order."""
    for name, field in type(model).model_fields.items():
        if _skipped(type(model), name):
            continue
        yield from _messages_in(getattr(model, name), field.annotation, f"{path}.{name}")


def _messages_in(value: Any, annotation: Any, path: str) -> Iterator[Message]:
    if isinstance(value, Plural):
        yield Message(path, value.one, value.other)
    elif isinstance(value, BaseModel):
        yield from messages(value, path)
    elif isinstance(value, str):
        if _translatable(annotation) and _LETTER.search(value):
            yield Message(path, value)
    elif isinstance(value, dict):
        item_type = _item_type(annotation, 1)
        for key, item in value.items():
            yield from _messages_in(item, item_type, f"{path}[{key}]")
    elif isinstance(value, list | tuple):
        item_type = _item_type(annotation, 0)
        for index, item in enumerate(value):
            # A list of things with ids (exercises, questions): named by id for translators.
            name = getattr(item, "id", index)
            yield from _messages_in(item, item_type, f"{path}[{name}]")


def _skipped(model: type[BaseModel], field: str) -> bool:
    """Return whether a model's field holds identifiers (NOT_TRANSLATED)."""
    return field in NOT_TRANSLATED or f"{model.__name__}.{field}" in NOT_TRANSLATED


def _translatable(annotation: Any) -> bool:
    """Return whether a field's type says free text: str, not a Literal of fixed words."""
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_translatable(arg) for arg in typing.get_args(annotation))
    return False


def _item_type(annotation: Any, index: int) -> Any:
    """Return a container type's item (list[X]: X) or value type (dict[K, V]: V)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    args = typing.get_args(annotation)
    if not args:
        return None
    return args[min(index, len(args) - 1)]


# --- translating ----------------------------------------------------------------------------


LibraryT = typing.TypeVar("LibraryT")
Lookup = Callable[[str], str]
PluralLookup = Callable[[str, str, int], str]


def translate_model(model: Any, lookup: Lookup, plural: PluralLookup) -> Any:
    """Return a copy of a model with every translatable text looked up (others unchanged)."""
    return _translate(model, None, lookup, plural)


def _translate(value: Any, annotation: Any, lookup: Lookup, plural: PluralLookup) -> Any:
    if isinstance(value, Plural):
        return value.in_language(plural)
    if isinstance(value, BaseModel):
        changes = {
            name: _translate(getattr(value, name), field.annotation, lookup, plural)
            for name, field in type(value).model_fields.items()
            if not _skipped(type(value), name)
        }
        return value.model_copy(update=changes)
    if isinstance(value, str):
        if _translatable(annotation) and _LETTER.search(value):
            return lookup(value)
        return value
    if isinstance(value, dict):
        item_type = _item_type(annotation, 1)
        return {key: _translate(item, item_type, lookup, plural) for key, item in value.items()}
    if isinstance(value, list):
        item_type = _item_type(annotation, 0)
        return [_translate(item, item_type, lookup, plural) for item in value]
    if isinstance(value, tuple):
        item_type = _item_type(annotation, 0)
        return tuple(_translate(item, item_type, lookup, plural) for item in value)
    return value


def catalog(language: str) -> gettext.NullTranslations:
    """Return a language's compiled catalog (English: the source itself)."""
    if language == SOURCE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALES, [language])


# --- extraction (pybabel extract -F babel.cfg) ------------------------------------------------


def extract_yaml(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: dict[str, str]
) -> Iterator[tuple[int, str | None, str | tuple[str, str], list[str]]]:
    """Babel extraction method for the content YAML files: their models' texts, in order.

    Each message comes with the line its text starts on, and its place in the content as a
    comment for the translator (e.g. ``texts.team_setup``).
    """
    from content import content_model

    del keywords, comment_tags, options
    source = fileobj.read().decode("utf-8")
    name = Path(getattr(fileobj, "name", "")).name
    model_type = content_model(name)
    if model_type is None:
        return
    model = model_type.model_validate(yaml.safe_load(source))
    lines = source.splitlines()
    for message in messages(model, Path(name).stem):
        lineno = _line_of(lines, message.text)
        text: str | tuple[str, str] = (
            message.text if message.plural is None else (message.text, message.plural)
        )
        yield lineno, "ngettext" if message.plural else None, text, [message.path.lstrip(".")]


def _line_of(lines: list[str], text: str) -> int:
    """Return the 1-based line where a text's first words stand (0 when not found)."""
    probe = text.strip().splitlines()[0][:40] if text.strip() else ""
    for number, line in enumerate(lines, start=1):
        if probe and probe in line:
            return number
    return 0


def replace_library_language(library: LibraryT, language: str) -> LibraryT:
    """Return the library in a language (its texts and content through that catalog)."""
    if language == SOURCE:
        return library
    translations = catalog(language)
    lookup, plural = translations.gettext, translations.ngettext
    source: Any = library
    result: Any = replace(
        source,
        language=language,
        exercises={k: translate_model(v, lookup, plural) for k, v in source.exercises.items()},
        routines={k: translate_model(v, lookup, plural) for k, v in source.routines.items()},
        guide=translate_model(source.guide, lookup, plural),
        texts=translate_model(source.texts, lookup, plural),
        coaching=translate_model(source.coaching, lookup, plural),
    )
    return typing.cast(LibraryT, result)
