"""Imports flow one way: handlers -> bot.services -> bot.db, bot.domain -> content."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def uses(path: Path, prefix: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for name in imports_of(path))


@pytest.mark.parametrize("path", modules("bot/domain") + modules("content"), ids=str)
def test_domain_and_content_know_neither_telegram_nor_the_database(path: Path) -> None:
    assert not uses(path, "telegram") and not uses(path, "sqlalchemy")
    assert (
        not uses(path, "bot.services") and not uses(path, "bot.db") and not uses(path, "handlers")
    )


@pytest.mark.parametrize("path", modules("bot/services") + modules("bot/db"), ids=str)
def test_services_and_database_know_nothing_of_telegram(path: Path) -> None:
    assert not uses(path, "telegram") and not uses(path, "handlers")


@pytest.mark.parametrize("path", modules("bot/db"), ids=str)
def test_the_database_layer_does_not_call_services(path: Path) -> None:
    assert not uses(path, "bot.services")


def test_only_the_app_imports_handlers() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for path in modules("bot")
        if uses(path, "handlers") and "sandbox" not in path.parts
    }
    # bot/app.py builds the application; bot/webhook.py serves it and needs only its type.
    assert importers == {"bot/app.py", "bot/webhook.py"}
    webhook = imports_of(ROOT / "bot/webhook.py")
    assert {name for name in webhook if name.startswith("handlers")} == {"handlers.context"}


@pytest.mark.parametrize("path", modules("handlers"), ids=str)
def test_handlers_write_no_sql(path: Path) -> None:
    assert not uses(path, "sqlalchemy") and not uses(path, "bot.db")


@pytest.mark.parametrize("path", modules("bot/media"), ids=str)
def test_the_renderer_is_framework_free(path: Path) -> None:
    """bot/media draws from content alone: no Telegram, no database, no services."""
    for layer in ("telegram", "sqlalchemy", "bot.services", "bot.db", "handlers"):
        assert not uses(path, layer), layer
