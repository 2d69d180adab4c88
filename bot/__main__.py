"""The `mobility-coach` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from datetime import UTC
from pathlib import Path

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

logger = logging.getLogger("bot")
# Telegram's 100 connections at most, and room for /healthz and /metrics.
WEBHOOK_MAX_CONCURRENCY = 128


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobility-coach", description="A Telegram coach for daily hip mobility."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (offline chat when no token is set)")
    run.add_argument(
        "--offline", action="store_true", help="chat in this terminal even if a token is set"
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates over HTTPS (WEBHOOK_URL, WEBHOOK_SECRET_TOKEN) instead of polling",
    )
    role = run.add_mutually_exclusive_group()
    role.add_argument(
        "--reminders-only",
        action="store_true",
        help="send due reminders without taking updates (run beside the update process(es))",
    )
    role.add_argument(
        "--no-reminders",
        action="store_true",
        help="take updates only; leave reminders to --reminders-only processes",
    )
    commands.add_parser("migrate", help="bring the database schema up to date and exit")
    check = commands.add_parser("check", help="check the configuration and the database, and exit")
    check.add_argument(
        "--webhook",
        action="store_true",
        help="also check webhook mode's settings and what Telegram says of the webhook",
    )
    media = commands.add_parser(
        "media",
        help="render every exercise animation (each version and side) into a folder, and exit",
    )
    media.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="where to write them (default: MEDIA_DIR, the bot's own cache)",
    )
    media.add_argument(
        "--sheet",
        type=Path,
        metavar="PNG",
        help="also write the contact sheet (one key frame per exercise and version) there",
    )
    media.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    media.add_argument(
        "--language",
        action="append",
        dest="languages",
        metavar="LANG",
        help="only this language's pictures (repeatable; default: every language)",
    )
    return parser


def _media(settings: Settings, args: argparse.Namespace) -> int:
    """Render every picture into a folder (and the contact sheet); print what was written."""
    from bot.media.catalog import MediaCatalog, render_missing
    from bot.media.sheet import save_png
    from content import library
    from content.i18n import LANGUAGES

    languages = args.languages or list(LANGUAGES)
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        print(f"unknown language(s): {', '.join(unknown)}; known: {', '.join(LANGUAGES)}")
        return 2
    catalog = MediaCatalog(library(), args.directory or settings.media_dir)
    written = render_missing(catalog, max(1, args.workers), languages)
    total = sum(len(catalog.pictures(language)) for language in languages)
    print(f"{len(written)} rendered, {total - len(written)} already there, in {catalog.directory}")
    if args.sheet is not None:
        save_png(catalog.contact_sheet(), args.sheet)
        print(f"contact sheet: {args.sheet}")
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.offline or settings.telegram_bot_token is None:
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

    if args.reminders_only:
        return int(asyncio.run(_run_reminders_only(settings)))
    role = "updates" if args.no_reminders else "all"
    if args.webhook:
        return _run_webhook(settings, role)
    from bot.lifecycle import initialize

    app = build_application(settings, reminders=not args.no_reminders, role=role)
    # run_polling() logs a failed initialize() (a rejected token) with a traceback before it
    # raises; initialized first, on the loop run_polling() then uses, a failed start is
    # main()'s one line instead, and run_polling() skips initialize() for an initialized app.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(initialize(app))
    except BaseException:
        loop.close()
        raise
    # Handles SIGINT/SIGTERM itself and shuts down cleanly (post_shutdown closes the database).
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _run_reminders_only(settings: Settings) -> int:
    """Run the reminder sweep until SIGINT or SIGTERM, without polling for updates.

    Several of these may run against one PostgreSQL database: claims never overlap.
    """
    from bot.app import build_application
    from bot.lifecycle import running

    app = build_application(settings, reminders=True, role="reminders")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(app):  # the JobQueue (the sweep) runs; the updater is never started
        logger.info("sending reminders only; no updates are taken in this process")
        await stop.wait()
    return 0


def _run_webhook(settings: Settings, role: str) -> int:
    """Serve the webhook until SIGINT/SIGTERM; in-flight updates finish before shutdown."""
    import uvicorn

    from bot.app import build_application
    from bot.lifecycle import initialize
    from bot.webhook import WEBHOOK_REFUSED_EXIT, WebhookServer

    problem = settings.webhook_problem()
    if problem is not None:
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    host, port = settings.webhook_listen, settings.webhook_port
    try:
        # Bound here, before anything else: uvicorn binds only after the application started
        # (and the webhook was set), and exits with 3 on a taken port, the code that says
        # Telegram refused the webhook.
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.create_server((host, port), family=family)
    except OSError as error:
        logger.critical(
            "cannot listen on %s:%s: %s (check WEBHOOK_LISTEN and WEBHOOK_PORT)",
            host,
            port,
            error.strerror or error,
        )
        return 1
    app = build_application(settings, reminders=role != "updates", role=role)
    server = WebhookServer(app, settings)
    config = uvicorn.Config(
        server.asgi,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        log_config=None,  # keep our handler, which redacts secrets
        timeout_graceful_shutdown=30,
        # Telegram opens at most 100 connections to a bot (setWebhook's max_connections, 40
        # unless set), each waiting until its update is handled; requests beyond this many at
        # once are not Telegram's and get 503 before they cost memory or database connections.
        limit_concurrency=WEBHOOK_MAX_CONCURRENCY,
        # Idle keep-alive connections count against that limit: close them after 5 s (nginx,
        # as in docs/deploy.md, opens a new upstream connection per request anyway).
        timeout_keep_alive=5,
        # The client a refusal is logged for: X-Forwarded-For, only from the proxies named
        # (nginx replaces a client's own X-Forwarded-For, see docs/deploy/nginx.conf).
        proxy_headers=bool(settings.webhook_trusted_proxies),
        forwarded_allow_ips=list(settings.webhook_trusted_proxies),
    )
    http = uvicorn.Server(config)

    def stop() -> None:
        http.should_exit = True  # as on SIGTERM: requests in flight finish, then shutdown

    server.on_refused = stop

    async def serve() -> None:
        # As for polling: a rejected token fails here, as main()'s one line rather than
        # uvicorn's traceback of a failed lifespan; running() there skips initialize() then.
        await initialize(app)
        logger.info("webhook mode: listening on %s:%s", host, port)
        await http.serve(sockets=[listener])

    with listener:
        asyncio.run(serve())
    # Telegram refused the webhook (logged): no update would ever come, so say it by the exit.
    return WEBHOOK_REFUSED_EXIT if server.refused is not None else 0


async def _migrate(settings: Settings) -> int:
    from bot.db import migrate
    from bot.db.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    print("database schema is up to date")
    return 0


async def _check(settings: Settings, webhook: bool) -> int:
    """Print one line per check; exit 1 when one fails (the database, the webhook's settings)."""
    from bot.db.engine import create_engine, create_sessionmaker
    from bot.db.unit_of_work import units

    # With --webhook, what `run --webhook` would refuse to start without is an error too.
    problem = settings.webhook_problem() if webhook else None
    print("configuration: ok" if problem is None else f"configuration: error ({problem})")
    failed = problem is not None
    token = "set" if settings.telegram_bot_token else "not set (the offline chat will start)"
    print(f"telegram token: {token}")
    engine = create_engine(settings.database_url)
    try:
        async with units(create_sessionmaker(engine))() as uow:
            await uow.ping()
    except Exception as error:  # report any failure to connect as one line
        print(f"database: unreachable ({type(error).__name__})")
        failed = True
    else:
        print(f"database: reachable ({engine.url.get_backend_name()})")
    finally:
        await engine.dispose()
    if not _check_media(settings):
        failed = True
    if webhook and not await _check_webhook(settings):
        failed = True
    return 1 if failed else 0


def _check_media(settings: Settings) -> bool:
    """Print whether MEDIA_DIR takes files and how many pictures are rendered; False if not."""
    from bot.media.catalog import MediaCatalog
    from content import library

    directory = settings.media_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        # Steps would go out as text: a problem to fix, so the check fails.
        print(f"media: {directory} is not writable ({error.strerror})")
        return False
    catalog = MediaCatalog(library(), directory)
    pictures = catalog.pictures()
    ready = sum(catalog.file(p).path.exists() for p in pictures)
    hint = (
        "" if ready == len(pictures) else " (the rest render after start, or: mobility-coach media)"
    )
    print(f"media: {ready} of {len(pictures)} pictures rendered in {directory}{hint}")
    return True


async def _check_webhook(settings: Settings) -> bool:
    """Print what Telegram says of the webhook (getWebhookInfo); False unless it is WEBHOOK_URL."""
    from telegram import Bot

    if settings.telegram_bot_token is None:
        print("webhook: not checked (no TELEGRAM_BOT_TOKEN)")
        return False
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
    )
    try:
        async with bot:
            info = await bot.get_webhook_info()
    except Exception as error:  # one line, whatever failed
        reason = _bot_api_problem(error) or f"{type(error).__name__} from the Bot API"
        print(f"webhook: not checked ({reason})")
        return False
    ours = settings.webhook_url or ""
    if not info.url:
        print("webhook: not set (each webhook process sets it when it starts)")
    elif info.url != ours:
        print(f"webhook: {info.url}, not WEBHOOK_URL ({ours or 'not set'})")
    else:
        print(f"webhook: {info.url} (WEBHOOK_URL)")
    print(f"webhook pending updates: {info.pending_update_count}")
    if info.last_error_date is None:
        print("webhook last error: none")
    else:
        when = info.last_error_date.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"webhook last error: {info.last_error_message or '(no message)'} ({when})")
    return bool(info.url) and info.url == ours


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
    if settings.webhook_secret_token:
        secrets.append(settings.webhook_secret_token.get_secret_value())
    configure_logging(settings.log_level, secrets, settings.log_format)
    try:
        return _command(settings, args)
    except KeyboardInterrupt:
        return 130  # Ctrl-C before the application took over the signals
    except Exception as error:
        # Logged, not printed: the handler redacts the token and keeps LOG_FORMAT.
        reason = _bot_api_problem(error)
        if reason is None:
            logger.critical("stopped by an unexpected error", exc_info=error)
        else:
            logger.critical("cannot run: %s", reason)
        return 1


def _command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the chosen command and return its exit code."""
    if args.command == "run":
        return _run(settings, args)
    if args.command == "migrate":
        return int(asyncio.run(_migrate(settings)))
    if args.command == "check":
        return int(asyncio.run(_check(settings, args.webhook)))
    if args.command == "media":
        return _media(settings, args)
    return 2


def _bot_api_problem(error: Exception) -> str | None:
    """Say in one line what is wrong when the Bot API refused or could not be reached, else None.

    Neither the token nor the address (which may hold the token, or a password) is named.
    """
    if isinstance(error, InvalidToken):
        # PTB raises InvalidToken for 401 and 404 alike; the answer's text is in its cause,
        # as PTB's own message around it holds the token.
        answer = str(error.__cause__ if isinstance(error.__cause__, InvalidToken) else error)
        if "not found" in answer.lower():
            return (
                "the Bot API at TELEGRAM_BASE_URL answered 404 Not Found (check TELEGRAM_BASE_URL)"
            )
        return "Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)"
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # PTB's BadRequest is a NetworkError too, but the Bot API did answer that one.
        return f"the Bot API at TELEGRAM_BASE_URL cannot be reached ({error})"
    return None


if __name__ == "__main__":
    sys.exit(main())
