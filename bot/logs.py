"""Logging set-up: one line per event, with secrets replaced wherever they appear."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterable
from types import TracebackType

REDACTED = "[REDACTED]"


class RedactingFormatter(logging.Formatter):
    """Format as usual, then blank out every secret (messages, arguments and tracebacks)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then replace every secret in the result."""
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        """Replace every secret in a text."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class JsonFormatter(RedactingFormatter):
    """One JSON object per line, for log collectors; redacted like the text format."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(message)s", secrets)

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON, secrets replaced."""
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(event, ensure_ascii=False))


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def make_formatter(style: str, secrets: Iterable[str]) -> logging.Formatter:
    """Return the text or JSON formatter, both redacting the secrets."""
    if style == "json":
        return JsonFormatter(secrets)
    return RedactingFormatter(TEXT_FORMAT, secrets)


def configure_logging(level: str, secrets: Iterable[str] = (), style: str = "text") -> None:
    """Send logs to stderr with redaction; quiet the HTTP client, which logs full URLs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(style, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Python writes an uncaught exception and a warning straight to stderr; send them through
    # the handler instead, so they are redacted (and in the chosen format) like every line.
    sys.excepthook = log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    logging.captureWarnings(True)


def log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """Log an exception nobody caught, traceback included, through the redacting handler."""
    logging.getLogger("bot").critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    """Log an exception that ended a thread, as threading's own hook would print it."""
    if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
        log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
