"""Configuration: defaults, normalised URLs, and one clear line for each bad value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, load_settings

GOOD_TOKEN = "123456789:AAHk3f9s8d7f6g5h4j3k2l1qwertyuiopas"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in list(os.environ):
        if name.startswith(
            ("TELEGRAM_", "DATABASE_", "DEFAULT_TIMEZONE", "LOG_LEVEL", "WEBHOOK_TRUSTED")
        ):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_need_nothing() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.default_timezone == "UTC" and settings.log_level == "INFO"


def test_env_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={GOOD_TOKEN}\nLOG_LEVEL=debug\n")
    monkeypatch.setenv("DATABASE_URL", "postgres://coach@db:5432/coach")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == GOOD_TOKEN
    assert GOOD_TOKEN not in repr(settings)
    assert settings.log_level == "DEBUG"
    assert settings.database_url == "postgresql+asyncpg://coach@db:5432/coach"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must be a sqlite:/// or postgresql:// URL"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE: is not an IANA time zone"),
        # Load on some hosts but are no place a person could choose (see bot/domain/zones.py).
        ("DEFAULT_TIMEZONE", "localtime", "DEFAULT_TIMEZONE: is not an IANA time zone"),
        ("DEFAULT_TIMEZONE", "Factory", "DEFAULT_TIMEZONE: is not an IANA time zone"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL:"),
        ("TELEGRAM_BOT_TOKEN", "changeme", "TELEGRAM_BOT_TOKEN: does not look like a token"),
        ("TELEGRAM_BOT_TOKEN", "12345:short", "TELEGRAM_BOT_TOKEN: does not look like a token"),
        ("TELEGRAM_BASE_URL", "api.telegram.org", "TELEGRAM_BASE_URL: must start with http"),
        # str.isdigit() says yes to these, int() to some of them: only 0-9 make an id.
        ("ADMIN_IDS", "11111111,²", "ADMIN_IDS: must be Telegram user ids separated by commas"),
        ("ADMIN_IDS", "١٢٣", "ADMIN_IDS: must be Telegram user ids separated by commas"),
        ("ADMIN_IDS", "１２３", "ADMIN_IDS: must be Telegram user ids separated by commas"),
        ("ADMIN_IDS", "+5", "ADMIN_IDS: must be Telegram user ids separated by commas"),
        # A name or "*" would let any client say who it is in X-Forwarded-For.
        ("WEBHOOK_TRUSTED_PROXIES", "*", "WEBHOOK_TRUSTED_PROXIES: must be IP addresses"),
        ("WEBHOOK_TRUSTED_PROXIES", "nginx.internal", "WEBHOOK_TRUSTED_PROXIES: must be IP"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message
    if name == "TELEGRAM_BOT_TOKEN":
        assert value not in message


def test_trusted_proxies_are_loopback_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().webhook_trusted_proxies == ("127.0.0.1", "::1")
    monkeypatch.setenv("WEBHOOK_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert load_settings().webhook_trusted_proxies == ("10.0.0.5", "10.1.0.0/16")


def test_the_command_fails_with_one_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env["DATABASE_URL"] = "oracle://nope"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL: must be a sqlite:/// or postgresql:// URL"
    ]


def run_command(tmp_path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_then_check(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/ops.db"
    migrated = run_command(tmp_path, "migrate", DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == "database schema is up to date"
    media = tmp_path / "media"
    checked = run_command(tmp_path, "check", DATABASE_URL=url, MEDIA_DIR=str(media))
    assert checked.returncode == 0
    assert checked.stdout.splitlines() == [
        "configuration: ok",
        "telegram token: not set (the offline chat will start)",
        "database: reachable (sqlite)",
        f"media: 0 of 42 pictures rendered in {media}"
        " (the rest render after start, or: mobility-coach media)",
    ]


def test_check_reports_a_media_folder_it_cannot_write(tmp_path) -> None:
    """Steps would go out as text without their animations: the check says so and fails."""
    (tmp_path / "a-file").write_text("")
    url = f"sqlite:///{tmp_path}/ops.db"
    checked = run_command(tmp_path, "check", DATABASE_URL=url, MEDIA_DIR=f"{tmp_path}/a-file/media")
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1] == (
        f"media: {tmp_path}/a-file/media is not writable (Not a directory)"
    )


def test_check_reports_an_unreachable_database(tmp_path) -> None:
    checked = run_command(tmp_path, "check", DATABASE_URL="postgresql://127.0.0.1:9/nowhere")
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[2].startswith("database: unreachable")


def test_webhook_mode_needs_its_settings(tmp_path) -> None:
    done = run_command(tmp_path, "run", "--webhook", TELEGRAM_BOT_TOKEN=GOOD_TOKEN)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "configuration error: WEBHOOK_URL: is required in webhook mode"
        " (the public https:// address)"
    ]
    done = run_command(
        tmp_path, "run", WEBHOOK_SECRET_TOKEN="not allowed!", TELEGRAM_BOT_TOKEN=GOOD_TOKEN
    )
    assert done.returncode == 2
    assert "WEBHOOK_SECRET_TOKEN: must be 32-256 characters" in done.stderr
    assert "not allowed!" not in done.stderr


def test_a_short_webhook_secret_is_refused_at_start_without_echoing_it(tmp_path) -> None:
    short = "s3cret-Webhook_token"  # 20 characters: Telegram takes it, a guesser might too
    done = run_command(
        tmp_path,
        "run",
        "--webhook",
        TELEGRAM_BOT_TOKEN=GOOD_TOKEN,
        TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",  # nothing listens: never reach Telegram
        WEBHOOK_URL="https://coach.example.test/telegram",
        WEBHOOK_SECRET_TOKEN=short,
        LOG_LEVEL="DEBUG",
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "configuration error: WEBHOOK_SECRET_TOKEN: must be 32-256 characters"
        " of A-Z, a-z, 0-9, _ and -"
    ]
    assert short not in done.stdout + done.stderr
