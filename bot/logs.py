"""Logging set-up: one line per event, with secrets replaced wherever they appear."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"


class RedactingFormatter(logging.Formatter):
    """Format as usual, then blank out every secret (messages, arguments and tracebacks)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then replace every secret in the result."""
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Send logs to stderr with redaction; quiet the HTTP client, which logs full URLs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
