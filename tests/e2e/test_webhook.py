"""Webhook mode: secret checked, acknowledged after handling, poison and repeats harmless."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.models import Person, ProcessedUpdate, SetLog
from bot.sandbox.double import BotApiDouble
from bot.sandbox.webhook_cluster import WebhookInstance, WebhookRouter
from content import library
from tests.e2e.helpers import WEBHOOK_SECRET, webhook_settings

T = library().texts
DESK = library().routine("desk")
SECRET = WEBHOOK_SECRET


@pytest.fixture
async def double() -> AsyncIterator[BotApiDouble]:
    # A token of the shape BotFather gives, so a real process accepts it from the environment.
    async with BotApiDouble(token="424242:" + "A" * 35) as running:
        yield running


@pytest.fixture
async def instance(database_url: str, double: BotApiDouble) -> AsyncIterator[WebhookInstance]:
    one = WebhookInstance(webhook_settings(database_url), double)
    await one.start()
    yield one
    await one.stop()


@pytest.fixture
async def router(double, instance) -> AsyncIterator[WebhookRouter]:
    routing = WebhookRouter(double, [instance], SECRET)
    yield routing
    await routing.close()


async def count(db, model) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_set_webhook_with_the_secret(double, instance) -> None:
    [call] = [c for c in double.calls if c.method == "setWebhook"]
    assert call.params["url"] == "https://coach.example.test/telegram"
    assert call.params["secret_token"] == SECRET


@pytest.mark.parametrize("secret", [None, "Zq9-not-it", SECRET + "x"])
async def test_wrong_or_missing_secret_is_refused_and_nothing_handled(
    double, instance, router, db, caplog, secret
) -> None:
    ada = double.user(1, "Ada")
    await ada.send("/start")
    [update] = double.take_updates()
    async with httpx.AsyncClient() as client:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        response = await client.post(instance.url, json=update, headers=headers)
    assert response.status_code == 403
    assert ada.bot_messages == []
    assert await count(db, Person) == 0
    refused = [r.getMessage() for r in caplog.records if "secret token" in r.getMessage()]
    assert refused and all(SECRET not in line and (secret or "!") not in line for line in refused)


async def test_acknowledged_after_handling_and_a_repeat_changes_nothing(
    double, instance, router, db
) -> None:
    ada = double.user(2, "Ada")
    await ada.send("/routine")
    [update] = double.take_updates()
    assert await router.post(instance, update, SECRET) == 200
    # The reply is in the chat by the time Telegram got its 200.
    assert ada.last_bot_message is not None and ada.last_bot_message.button_texts
    replies = len(ada.bot_messages)
    assert await router.post(instance, update, SECRET) == 200  # Telegram delivers it again
    assert len(ada.bot_messages) == replies
    assert await count(db, ProcessedUpdate) == 1


async def test_a_handler_that_raises_still_acknowledges(double, instance, router) -> None:
    ada = double.user(3, "Ada")

    async def broken(*args: object) -> None:
        raise RuntimeError("a bug in a handler")

    instance.services.stats.streak = broken  # type: ignore[method-assign]
    await ada.send("/streak")
    [update] = double.take_updates()
    assert await router.post(instance, update, SECRET) == 200
    assert ada.last_bot_message is not None
    assert ada.last_bot_message.text == T.error_apology
    # The next update is not blocked by the poison one.
    await ada.send("/help")
    await router.pump()
    assert "/routine" in ada.last_bot_message.text


async def test_killed_mid_update_is_delivered_again_and_handled_once(
    double, database_url, db, tmp_path
) -> None:
    # A real process in webhook mode, killed with SIGKILL after its commit, before its 200.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=double.token,
        TELEGRAM_BASE_URL=double.base_url,
        TELEGRAM_BASE_FILE_URL=double.base_file_url,
        TELEGRAM_TIMEOUT_SECONDS="10",
        DATABASE_URL=database_url,
        WEBHOOK_URL="https://coach.example.test/telegram",
        WEBHOOK_SECRET_TOKEN=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--webhook", "--no-reminders",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(timeout=20) as client:
        try:
            for _ in range(600):  # the process starts and registers its webhook
                if double.count("setWebhook") > 0 or process.returncode is not None:
                    break
                await asyncio.sleep(0.05)
            if double.count("setWebhook") == 0:
                process.kill()
                raise AssertionError((await process.communicate())[1].decode()[-2000:])
            # The webhook is registered only once the process listens: Telegram's first
            # delivery must find the port open (uvicorn binds after the app's start-up).
            assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
            ada = double.user(4, "Ada")
            await ada.send("/routine")
            for update in double.take_updates():
                assert (await client.post(url, json=update, headers=headers)).status_code == 200
            await ada.press(f"{DESK.title} · {DESK.minutes} min")
            for update in double.take_updates():
                assert (await client.post(url, json=update, headers=headers)).status_code == 200
            target = library().exercise(DESK.exercises[0]).dose.target
            await ada.press(T.btn_done.format(count=target))
            [done] = double.take_updates()
            # Telegram is slow to take the answer: the process is killed after its commit.
            double.fail_next("answerCallbackQuery", kind="timeout", delay=3.0)
            post = asyncio.create_task(client.post(url, json=done, headers=headers))
            for _ in range(500):
                if await count(db, SetLog) == 1:
                    break
                await asyncio.sleep(0.01)
            process.kill()
            await process.wait()
            with pytest.raises(httpx.HTTPError):
                await post  # no acknowledgement from a killed process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    second = WebhookInstance(webhook_settings(database_url), double)
    await second.start()
    router = WebhookRouter(double, [second], SECRET)
    try:
        assert await router.post(second, done, SECRET) == 200  # Telegram tries again
        assert await count(db, SetLog) == 1, "handled once"
        assert ada.last_bot_message is not None
        assert ada.last_bot_message.text.startswith(
            f"{library().exercise(DESK.exercises[0]).name} — right side"
        ), "the view moved on"
    finally:
        await second.stop()
        await router.close()


async def test_debug_logs_of_a_webhook_process_hold_neither_token_nor_secret(
    double, tmp_path
) -> None:
    # PTB logs every Bot API call's parameters at DEBUG, setWebhook's secret_token among them.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=double.token,
        TELEGRAM_BASE_URL=double.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/coach.db",
        WEBHOOK_URL="https://coach.example.test/telegram",
        WEBHOOK_SECRET_TOKEN=SECRET,
        WEBHOOK_PORT=str(port),
        LOG_LEVEL="DEBUG",
    )
    log = tmp_path / "output.log"  # a file: DEBUG fills a pipe faster than a test reads it
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--webhook",
            cwd=tmp_path, env=env, stdout=out, stderr=out,
        )  # fmt: skip
        try:
            for _ in range(600):  # the process starts and registers its webhook
                if double.count("setWebhook") > 0 or process.returncode is not None:
                    break
                await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), 30)
    output = log.read_text()
    assert double.count("setWebhook") == 1, output[-2000:]
    assert "Calling Bot API endpoint `setWebhook`" in output, "the DEBUG lines were written"
    assert double.token not in output
    assert SECRET not in output
    assert "[REDACTED]" in output


async def test_health_and_metrics(double, instance, router) -> None:
    ada = double.user(5, "Ada")
    await ada.send("/help")
    await router.pump()
    async with httpx.AsyncClient() as client:
        health = await client.get(instance.base + "/healthz")
        metrics = await client.get(instance.base + "/metrics")
    assert health.status_code == 200
    assert json.loads(health.text) == {"status": "ok", "database": "ok", "sweep_lag_seconds": 0.0}
    body = metrics.text
    assert 'coach_updates_handled_total{kind="message"} 1.0' in body
    assert "coach_handler_latency_seconds_count 1.0" in body
    assert 'coach_telegram_responses_total{status="200"}' in body
    assert "coach_people_active 0.0" in body
    assert "coach_sweep_lag_seconds 0.0" in body


async def test_graceful_stop_finishes_the_update_in_flight(double, database_url, db) -> None:
    one = WebhookInstance(webhook_settings(database_url), double)
    await one.start()
    router = WebhookRouter(double, [one], SECRET)
    ada = double.user(6, "Ada")
    await ada.send("/routine")
    [update] = double.take_updates()
    double.fail_next("sendMessage", kind="timeout", delay=1.0)  # slow, within the time-out
    post = asyncio.create_task(router.post(one, update, SECRET))
    await double.wait_until(lambda: double.count("sendMessage") > 0, timeout=5, what="a send")
    await one.stop()  # SIGTERM: stop taking requests, finish the one in flight
    assert await post == 200
    assert await count(db, ProcessedUpdate) == 1
    await router.close()


async def test_an_unreadable_update_is_acknowledged_not_retried_forever(
    double, instance, router, caplog
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            instance.url,
            content=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    assert response.status_code == 200
    assert any("cannot be read" in r.getMessage() for r in caplog.records)


NESTED = b"[" * 100_000 + b"]" * 100_000
A_MESSAGE = {
    "message_id": 1,
    "date": 1_772_438_400,
    "chat": {"id": 7, "type": "private", "first_name": "Ada"},
    "from": {"id": 7, "is_bot": False, "first_name": "Ada"},
    "text": "/help",
}


NOT_UPDATES = {
    "null": b"null",
    "a list": b"[]",
    "a number": b"5",
    "a string": b'"x"',
    "an empty object": b"{}",
    "a text id": b'{"update_id": "abc"}',
    "a true id": b'{"update_id": true}',
    "a fraction id": b'{"update_id": 1.5}',
    "100000 nested lists": NESTED,
    "an id of 2**63": b'{"update_id": ' + str(2**63).encode() + b"}",
    "a negative id": b'{"update_id": -1}',
    "a number as message": b'{"update_id": 1, "message": 5}',
    # Readable by PTB, but its id does not fit the database's BIGINT.
    "a message with an id of 2**63": json.dumps(
        {"update_id": 2**63, "message": A_MESSAGE}
    ).encode(),
}


@pytest.mark.parametrize("body", NOT_UPDATES.values(), ids=NOT_UPDATES.keys())
async def test_a_body_that_is_no_update_is_acknowledged_once_logged_and_harmless(
    double, instance, router, db, caplog, body
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            instance.url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
    # A 500 would make Telegram send it again and again, holding up every update behind it.
    assert response.status_code == 200
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 1 and "cannot be read" in warned[0]
    assert "abc" not in warned[0] and "[[" not in warned[0] and "Ada" not in warned[0]
    assert await count(db, ProcessedUpdate) == 0
    assert double.user(7, "Ada").bot_messages == []
    await assert_the_next_update_is_handled(double, router)


async def assert_the_next_update_is_handled(double, router) -> None:
    ada = double.user(8, "Ada")
    await ada.send("/help")
    await router.pump()
    assert ada.last_bot_message is not None and "/routine" in ada.last_bot_message.text


MAX_BODY = 1024 * 1024


async def status_of_an_unfinished_post(instance, header: str, body: bytes) -> bytes:
    """Post by hand, never finishing the body, and return the status line that came back."""
    url = httpx.URL(instance.url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        writer.write(
            f"POST {url.path} HTTP/1.1\r\nHost: {url.host}\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n{header}\r\n\r\n".encode()
        )
        writer.write(body)
        await writer.drain()
        # The rest never comes: an answer now means the server did not wait to read it.
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


async def test_a_body_over_1_mb_is_refused_by_its_length_before_it_is_read(
    double, instance, router
) -> None:
    status = await status_of_an_unfinished_post(
        instance, f"Content-Length: {4 * MAX_BODY}", b'{"update_id": 1, '
    )
    assert status.startswith(b"HTTP/1.1 413")
    await assert_the_next_update_is_handled(double, router)


async def test_a_chunked_body_is_refused_once_it_passes_1_mb(double, instance, router) -> None:
    chunk = b" " * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17))  # 1 MB + 64 KB
    status = await status_of_an_unfinished_post(instance, "Transfer-Encoding: chunked", chunks)
    assert status.startswith(b"HTTP/1.1 413")
    await assert_the_next_update_is_handled(double, router)


async def test_a_body_of_just_1_mb_is_still_read(double, instance, router, caplog) -> None:
    body = b'{"update_id": 1}'.ljust(MAX_BODY)  # JSON allows the trailing spaces
    async with httpx.AsyncClient() as client:
        response = await client.post(
            instance.url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
    assert response.status_code == 200
