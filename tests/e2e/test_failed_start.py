"""A start that fails: one line saying what is wrong, never the token, and nothing left open."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.lifecycle import running
from bot.sandbox.double import BotApiDouble
from tests.e2e.conftest import make_settings
from tests.e2e.helpers import WEBHOOK_SECRET, free_port

TOKEN = "424242:" + "A" * 35  # the shape BotFather gives, so the process takes it
REJECTED = "Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)"
NOT_FOUND = "the Bot API at TELEGRAM_BASE_URL answered 404 Not Found (check TELEGRAM_BASE_URL)"


@pytest.fixture
async def double() -> AsyncIterator[BotApiDouble]:
    # The double answers 401 Unauthorized to any token but its own, as Telegram does.
    async with BotApiDouble(token="999999:" + "B" * 35) as running_double:
        yield running_double


async def run_bot(
    tmp_path: Path, base_url: str, log_format: str, *args: str, port: int | None = None
) -> tuple[int, str]:
    """Run `python -m bot run ARGS` to its end; return the exit code and everything it printed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "LOG_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=base_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/coach.db",
        LOG_FORMAT=log_format,
        WEBHOOK_URL="https://coach.example.test/telegram",
        WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET,
        WEBHOOK_PORT=str(port or free_port()),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *args,
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, output.decode()


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize(
    "role", [[], ["--reminders-only"], ["--webhook"]], ids=["polling", "reminders-only", "webhook"]
)
@pytest.mark.parametrize(
    ("answer", "expected"),
    [("401", REJECTED), ("404", NOT_FOUND), ("404, token in the URL", NOT_FOUND)],
    ids=["401", "404", "404-token-in-url"],
)
async def test_a_failed_start_says_what_is_wrong_in_one_line_without_the_token(
    double, tmp_path, log_format, role, answer, expected
) -> None:
    base_url = {
        "401": double.base_url,  # TOKEN is not the double's: 401 Unauthorized
        "404": f"http://127.0.0.1:{double.port}/no/such/api/bot",
        # Someone pasted the token into the address too: the line must not show the address.
        "404, token in the URL": f"http://127.0.0.1:{double.port}/{TOKEN}/bot",
    }[answer]
    code, output = await run_bot(tmp_path, base_url, log_format, *role)
    assert code != 0
    assert TOKEN not in output and WEBHOOK_SECRET not in output
    [line] = output.strip().splitlines()
    if log_format == "json":
        event = json.loads(line)
        assert event["level"] == "CRITICAL"
        line = event["message"]
    assert line.endswith(expected)
    assert "127.0.0.1" not in line, "nor the address, which may hold the token or a password"


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_webhook_port_in_use_is_one_line_and_exit_1_before_telegram_is_told(
    tmp_path, log_format
) -> None:
    """Exit 3 means Telegram refused the webhook; a port another program holds is 1, said so."""
    async with BotApiDouble(token=TOKEN) as telegram:
        with socket.create_server(("127.0.0.1", 0)) as taken:
            port = int(taken.getsockname()[1])
            code, output = await run_bot(
                tmp_path, telegram.base_url, log_format, "--webhook", port=port
            )
        assert telegram.count("setWebhook") == 0, "no webhook pointing at a port we never held"
    assert code == 1, output
    [line] = output.strip().splitlines()
    if log_format == "json":
        event = json.loads(line)
        assert event["level"] == "CRITICAL"
        line = event["message"]
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert "address already in use" in line.lower()
    assert line.endswith("(check WEBHOOK_LISTEN and WEBHOOK_PORT)")
    assert TOKEN not in output and WEBHOOK_SECRET not in output


# --- running(app): start-up and shutdown in order, whatever fails ---


async def assert_closed(app) -> None:
    """The bot's HTTP clients are shut: it cannot reach the Bot API any more."""
    with pytest.raises(NetworkError, match="HTTPXRequest is not initialized"):
        await app.bot.get_me()


async def test_post_init_failing_still_shuts_down_what_was_opened(double, database_url) -> None:
    app = build_application(
        make_settings(database_url), token=double.token, base_url=double.base_url
    )
    post_init = app.post_init
    assert post_init is not None

    async def post_init_then_fail(application) -> None:
        await post_init(application)  # the database is open, the menu registered
        raise RuntimeError("a bug after the database opened")

    app.post_init = post_init_then_fail
    with pytest.raises(RuntimeError, match="a bug after the database opened"):
        async with running(app):
            pytest.fail("the body ran although the start failed")
    assert app.bot_data.services is None, "post_shutdown closed the database"
    assert not app.running
    await assert_closed(app)


async def test_a_rejected_token_stops_before_the_database_and_closes_the_bot(
    double, tmp_path
) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    app = build_application(settings, token=TOKEN, base_url=double.base_url)
    with pytest.raises(InvalidToken):
        async with running(app):
            pytest.fail("the body ran although the start failed")
    assert not (tmp_path / "coach.db").exists(), "post_init never ran"
    await assert_closed(app)


async def test_the_body_failing_stops_then_shuts_down_then_post_shutdown(
    double, database_url
) -> None:
    app = build_application(
        make_settings(database_url), token=double.token, base_url=double.base_url
    )
    post_shutdown = app.post_shutdown
    assert post_shutdown is not None
    seen: list[bool] = []

    async def watched_post_shutdown(application) -> None:
        seen.append(application.running)
        await post_shutdown(application)

    app.post_shutdown = watched_post_shutdown
    with pytest.raises(ValueError, match="the body failed"):
        async with running(app) as started:
            assert started.running and started.bot_data.services is not None
            raise ValueError("the body failed")
    assert seen == [False], "post_shutdown ran once, after stop"
    assert app.bot_data.services is None
    await assert_closed(app)
