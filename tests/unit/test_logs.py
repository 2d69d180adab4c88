"""Logs: one line per event, text or JSON, secrets replaced wherever they appear."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import make_formatter
from tests.conftest import LOG_CAPTURE, TEST_SECRETS

SECRET = "987654:ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu"
ROOT = Path(__file__).resolve().parents[2]


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError(f"failed calling https://api.telegram.org/bot{SECRET}/sendMessage")
        except ValueError:
            import sys

            info = sys.exc_info()
    return logging.LogRecord("bot.test", logging.ERROR, __file__, 1, message, args, info)


def test_text_format_redacts_message_arguments_and_tracebacks() -> None:
    formatter = make_formatter("text", [SECRET])
    line = formatter.format(record("token %s in %r", SECRET, {"t": SECRET}, exc=True))
    assert SECRET not in line
    assert line.count("[REDACTED]") == 3
    assert "ERROR bot.test: token [REDACTED]" in line


def test_json_format_is_one_object_per_line_and_redacted() -> None:
    formatter = make_formatter("json", [SECRET])
    line = formatter.format(record("sent to %s", SECRET, exc=True))
    assert "\n" not in line
    event = json.loads(line)
    assert event["level"] == "ERROR" and event["logger"] == "bot.test"
    assert event["message"] == "sent to [REDACTED]"
    assert "ValueError" in event["exception"] and SECRET not in line


def test_the_test_runs_log_check_redacts_what_it_must() -> None:
    # The per-test log check (tests/conftest.py) is only as good as this formatter.
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (TEST_SECRETS[1],), None)
    line = LOG_CAPTURE.production.format(record)
    assert TEST_SECRETS[1] not in line
    assert "[REDACTED]" in line


@pytest.mark.parametrize("style", ["text", "json"])
def test_an_uncaught_exception_is_written_by_the_redacting_handler(style: str) -> None:
    # Whatever escapes main() (or a thread) still passes the redaction, in the chosen format.
    program = (
        "from bot.logs import configure_logging\n"
        f"configure_logging('INFO', [{SECRET!r}], {style!r})\n"
        f"raise RuntimeError('calling https://api.telegram.org/bot' + {SECRET!r} + '/getMe')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert SECRET not in done.stderr
    assert "RuntimeError: calling https://api.telegram.org/bot[REDACTED]/getMe" in (
        done.stderr if style == "text" else json.loads(done.stderr)["exception"]
    )
