"""No token or secret appears in any log line of the whole test run."""

from __future__ import annotations

from tests.conftest import LOG_CAPTURE, TEST_SECRETS


def test_no_secret_in_any_log_line() -> None:
    assert LOG_CAPTURE.written, "the capture saw the run's logs"
    for secret in TEST_SECRETS:
        written = [line for line in LOG_CAPTURE.written if secret in line]
        assert written == [], f"a secret reached the written logs: {written[:3]}"
        # Stronger: nothing even tried to log it (the formatter is the second line of defence).
        raw = [line for line in LOG_CAPTURE.raw if secret in line]
        assert raw == [], f"something logged a secret (redacted on output): {raw[:3]}"


def test_the_redaction_itself_works() -> None:
    # The check above is only as good as the formatter; prove it replaces what it must.
    import logging

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (TEST_SECRETS[1],), None)
    assert TEST_SECRETS[1] not in LOG_CAPTURE.production.format(record)
    assert "[REDACTED]" in LOG_CAPTURE.production.format(record)
