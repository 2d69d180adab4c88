"""Check the catalogs: nothing missing, fuzzy or stale, and every translation faithful in form.

Faithful in form: the same {placeholders}, the same HTML tags, the same numbers (a dose, a
side count or a time must never change in translation), /commands kept, and each plural form
complete. ``python -m content.translation_check [LANG ...]`` prints every problem with the
string it is about; the test suite runs the same checks (tests/unit/test_translations.py).
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from content.i18n import DOMAIN, LANGUAGES, LOCALES, SOURCE

ROOT = LOCALES.parent.parent
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
_TAG = re.compile(r"</?[a-z]+>")
_NUMBER = re.compile(r"\d+")
_COMMAND = re.compile(r"(?<![\w/<])/[a-z]+")


def po_path(language: str) -> Path:
    """Return a language's catalog source."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    """Read a language's .po file."""
    with po_path(language).open("rb") as file:
        return read_po(file, locale=language)


def extracted() -> dict[str, str | None]:
    """Return the msgids the content holds now (msgid -> plural msgid), as pybabel extracts."""
    found: dict[str, str | None] = {}
    for _path, _line, message, _comments, _context in _extract():
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found[message] = None
    return found


def _extract() -> Iterator[tuple[str, int, str | tuple[str, str], list[str], None]]:
    """Run our extractor over the content files (what babel.cfg makes pybabel do)."""
    from content.i18n import extract_yaml

    for path in sorted((ROOT / "content").glob("*.yaml")):
        with path.open("rb") as file:
            for line, _func, message, comments in extract_yaml(file, {}, (), {}):
                yield str(path), line, message, comments, None


def problems(language: str) -> list[str]:
    """Return every problem of one language's catalog, each naming its string."""
    if language == SOURCE:
        return []
    path = po_path(language)
    if not path.exists():
        return [f"{language}: no catalog at {path.relative_to(ROOT)} (run make translations)"]
    catalog = read_catalog(language)
    found: list[str] = []
    wanted = extracted()
    ids = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    for msgid in wanted:
        if msgid not in ids:
            found.append(f"{language}: stale catalog, missing {msgid!r} (run make translations)")
    for msgid in ids:
        if msgid not in wanted:
            found.append(f"{language}: stale catalog, {msgid!r} is no longer in the content")
    for message in catalog:
        if message.id:
            found.extend(f"{language}: {issue}" for issue in _message_problems(catalog, message))
    # Babel's own checks, which `pybabel compile` runs (e.g. an English "% f" read as a
    # python-format placeholder that the translation must keep).
    for message, errors in catalog.check():
        name = message.id if isinstance(message.id, str) else message.id[0]
        found.extend(f"{language}: {name!r}: {error}" for error in errors)
    found.extend(_compiled_problems(language, catalog))
    return found


def _message_problems(catalog: Catalog, message: Message) -> Iterator[str]:
    sources = [message.id] if isinstance(message.id, str) else list(message.id)
    string = message.string or ""
    targets = [string] if isinstance(string, str) else list(string)
    name = repr(sources[0])
    if message.fuzzy:
        yield f"fuzzy translation of {name}"
    if isinstance(message.id, tuple) and len(targets) != catalog.num_plurals:
        yield f"{name} has {len(targets)} plural forms, the language has {catalog.num_plurals}"
    if any(not target.strip() for target in targets):
        yield f"no translation of {name}"
        return
    for index, target in enumerate(targets):
        # A plural form is checked against the English form it stands for: the first against
        # 'one', the others against 'other' (a Russian 'few' says the same as 'other').
        source = sources[0] if index == 0 or len(sources) == 1 else sources[1]
        form = f" (form {index})" if len(targets) > 1 else ""
        yield from _form_problems(name + form, source, target, len(sources) > 1)


def _form_problems(name: str, source: str, target: str, plural: bool) -> Iterator[str]:
    if Counter(_PLACEHOLDER.findall(source)) != Counter(_PLACEHOLDER.findall(target)):
        yield f"placeholders differ in {name}: {sorted(_PLACEHOLDER.findall(target))}"
    if Counter(_TAG.findall(source)) != Counter(_TAG.findall(target)):
        yield f"HTML tags differ in {name}: {sorted(_TAG.findall(target))}"
    numbers = Counter(_NUMBER.findall(source))
    if plural:
        # "1 session" may become "{n} Sitzung" or a word: the number the form stands for
        # is not required, every other number is.
        numbers.pop("1", None)
    got = Counter(_NUMBER.findall(target))
    if plural:
        got.pop("1", None)
    if numbers != got:
        yield f"numbers differ in {name}: {sorted(got.elements())} for {sorted(numbers.elements())}"
    if Counter(_COMMAND.findall(source)) != Counter(_COMMAND.findall(target)):
        yield f"/commands differ in {name}: {sorted(_COMMAND.findall(target))}"
    if len(target) > 4096:
        yield f"{name} is longer than a Telegram message"


def _compiled_problems(language: str, catalog: Catalog) -> Iterable[str]:
    """Return a problem unless the committed .mo is its .po compiled (make translations)."""
    mo = po_path(language).with_suffix(".mo")
    if not mo.exists():
        return [f"{language}: {mo.relative_to(ROOT)} is missing (run make translations)"]
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    if fresh.getvalue() != mo.read_bytes():
        return [f"{language}: {mo.relative_to(ROOT)} is older than its .po (run make translations)"]
    return []


def main(argv: list[str]) -> int:
    """Print the problems of the named languages (all when none is named)."""
    languages = argv or [language for language in LANGUAGES if language != SOURCE]
    found = [problem for language in languages for problem in problems(language)]
    for problem in found:
        print(problem)
    print(f"{len(found)} problem(s) in {', '.join(languages)}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
