"""The `mobility-coach` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from telegram import Update

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

logger = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobility-coach", description="A Telegram coach for daily hip mobility."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (offline chat when no token is set)")
    run.add_argument(
        "--offline", action="store_true", help="chat in this terminal even if a token is set"
    )
    return parser


def _run(settings: Settings, offline: bool) -> int:
    if offline or settings.telegram_bot_token is None:
        from bot.sandbox.terminal import run_offline_chat

        if settings.log_level != "DEBUG":
            # The chat shares the terminal with the logs: show only what needs attention.
            logging.getLogger().setLevel(logging.WARNING)
        if settings.telegram_bot_token is None:
            print(
                "No TELEGRAM_BOT_TOKEN set: starting the offline chat in this terminal "
                "(see README to connect to Telegram).",
                file=sys.stderr,
            )
        return int(asyncio.run(run_offline_chat(settings)))

    from bot.app import build_application

    app = build_application(settings)
    # Handles SIGINT/SIGTERM itself and shuts down cleanly (post_shutdown closes the database).
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load settings, and run the chosen command."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    secrets = (
        [settings.telegram_bot_token.get_secret_value()] if settings.telegram_bot_token else []
    )
    configure_logging(settings.log_level, secrets)
    if args.command == "run":
        return _run(settings, args.offline)
    return 2


if __name__ == "__main__":
    sys.exit(main())
