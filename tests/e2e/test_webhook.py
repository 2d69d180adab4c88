"""Webhook mode: secret checked, acknowledged after handling, poison and repeats harmless."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.models import Person, ProcessedUpdate, SetLog
from bot.sandbox.double import BotApiDouble
from bot.sandbox.webhook_cluster import WebhookInstance, WebhookRouter
from content import library
from tests.e2e.helpers import WEBHOOK_SECRET, free_port, webhook_settings

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


async def wait_healthy(
    client: httpx.AsyncClient, base: str, process: asyncio.subprocess.Process, within: float = 30
) -> bool:
    """Probe a process's /healthz until it answers 200; False if it exits or time runs out."""
    deadline = asyncio.get_running_loop().time() + within
    while process.returncode is None and asyncio.get_running_loop().time() < deadline:
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return True
        except httpx.HTTPError:
            pass  # not listening yet
        await asyncio.sleep(0.05)
    return False


@dataclass
class WebhookProcess:
    """A real `run --webhook` process, its port and the file its output goes to."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        """Kill the process if it still runs, and reap it."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


async def start_healthy(
    double: BotApiDouble, database_url: str, folder: Path, *args: str, **extra: str
) -> WebhookProcess:
    """Start `run --webhook ARGS` on a free port and wait until its /healthz says ok.

    The port is free when probed, but another test's connection can take it before the
    process binds it: a process that says so (exit 1) is started again on another port.
    """
    for attempt in range(3):
        port = free_port()
        log = folder / f"webhook-{port}.log"
        with log.open("wb") as out:  # a file, not a pipe: nothing to drain, nothing blocks
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--webhook", *args,
                cwd=folder, env=process_env(double, database_url, port, **extra),
                stdout=out, stderr=out,
            )  # fmt: skip
        started = WebhookProcess(process, port, log)
        async with httpx.AsyncClient() as client:
            if await wait_healthy(client, started.base, process):
                return started
        await started.stop()
        output = log.read_text()
        if process.returncode != 1 or "address already in use" not in output.lower():
            raise AssertionError(
                f"attempt {attempt + 1}: exit {process.returncode}: {output[-2000:]}"
            )
    raise AssertionError("three free ports were taken before the process could bind them")


def process_env(double: BotApiDouble, database_url: str, port: int, **extra: str) -> dict[str, str]:
    """Return the environment of a real `mobility-coach run --webhook` against the double."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "LOG_", "FORWARDED_"))
    }
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
    env.update(extra)
    return env


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
    # It starts, listens, sets its webhook and sees it set: /healthz says ok.
    started = await start_healthy(double, database_url, tmp_path, "--no-reminders")
    process = started.process
    url = f"{started.base}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(timeout=20) as client:
        try:
            assert double.count("setWebhook") == 1
            ada = double.user(4, "Ada")
            await ada.send("/routine")
            for update in double.take_updates():
                assert (await client.post(url, json=update, headers=headers)).status_code == 200
            await ada.press(f"{DESK.title} · {DESK.minutes} min")
            for update in double.take_updates():
                assert (await client.post(url, json=update, headers=headers)).status_code == 200
            # The first routine: the one-time hip question first; No starts it.
            await ada.press(T.btn_screening_no)
            for update in double.take_updates():
                assert (await client.post(url, json=update, headers=headers)).status_code == 200
            dose = library().exercise(DESK.exercises[0]).dose
            await ada.press(T.btn_done.format(count=f"{dose.target} {dose.unit}"))
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
            await started.stop()
    second = WebhookInstance(webhook_settings(database_url), double)
    await second.start()
    router = WebhookRouter(double, [second], SECRET)
    try:
        assert await router.post(second, done, SECRET) == 200  # Telegram tries again
        assert await count(db, SetLog) == 1, "handled once"
        assert ada.last_bot_message is not None
        first = library().exercise(DESK.exercises[0])
        assert ada.last_bot_message.text.startswith(
            f"{first.name} — {T.side_names[first.sides].right}"
        ), "the view moved on"
    finally:
        await second.stop()
        await router.close()


async def test_debug_logs_of_a_webhook_process_hold_neither_token_nor_secret(
    double, tmp_path
) -> None:
    # PTB logs every Bot API call's parameters at DEBUG, setWebhook's secret_token among them.
    env = process_env(double, f"sqlite:///{tmp_path}/coach.db", free_port(), LOG_LEVEL="DEBUG")
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
    body = json.loads(health.text)
    assert body["status"] == "ok" and body["database"] == "ok" and body["sweep_lag_seconds"] == 0.0
    # Set at start and seen set by getWebhookInfo just after; no call to Telegram per probe.
    assert body["webhook"]["status"] == "ok" and body["webhook"]["last_error"] is None
    assert body["webhook"]["pending_update_count"] == 0
    assert 0 <= body["webhook"]["checked_seconds_ago"] < 10
    assert double.count("getWebhookInfo") == 1
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


# --- Telegram refuses the webhook, or asks to wait ---

REFUSAL = "Bad Request: bad webhook: Failed to resolve host: Name or service not known"


async def test_a_webhook_telegram_refuses_is_one_error_line_and_exit_3(double, tmp_path) -> None:
    # A typo in WEBHOOK_URL's host: Telegram answers setWebhook with 400.
    double.fail_next("setWebhook", status=400, description=REFUSAL)
    env = process_env(double, f"sqlite:///{tmp_path}/coach.db", free_port(), LOG_FORMAT="json")
    log = tmp_path / "output.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--webhook",
            cwd=tmp_path, env=env, stdout=out, stderr=out,
        )  # fmt: skip
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
            pytest.fail("still running 20 s after Telegram refused its webhook")
    output = log.read_text()
    assert process.returncode == 3, output[-2000:]
    events = [json.loads(line) for line in output.splitlines()]
    errors = [e["message"] for e in events if e["level"] in ("ERROR", "CRITICAL")]
    assert len(errors) == 1, errors
    # Telegram's description, as python-telegram-bot words it.
    assert "bad webhook: failed to resolve host: name or service not known" in errors[0].lower()
    assert "WEBHOOK_URL" in errors[0]
    assert double.token not in output and SECRET not in output


async def test_a_429_on_set_webhook_is_waited_out_however_often_it_comes(double, tmp_path) -> None:
    # PTB's rate limiter retries three times; a busy Telegram may ask a fourth time.
    double.fail_next("setWebhook", status=429, retry_after=1, count=4)
    one = WebhookInstance(webhook_settings(f"sqlite+aiosqlite:///{tmp_path}/coach.db"), double)
    await asyncio.wait_for(one.start(), 30)
    try:
        assert double.count("setWebhook") == 5
        assert double.webhook_url == "https://coach.example.test/telegram"
        async with httpx.AsyncClient() as client:
            assert (await client.get(one.base + "/healthz")).status_code == 200
    finally:
        await one.stop()


# --- /healthz tells what Telegram says about this process's webhook ---


async def health_when(
    client: httpx.AsyncClient, base: str, status: int, within: float = 5
) -> dict[str, Any]:
    """Probe /healthz until it answers `status`; return its body."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await client.get(f"{base}/healthz")
        if response.status_code == status:
            return dict(response.json())
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/healthz still answers {response.status_code}: {response.text}")
        await asyncio.sleep(0.05)


async def test_health_is_503_while_the_webhook_is_not_this_address(
    double, tmp_path, caplog
) -> None:
    one = WebhookInstance(
        webhook_settings(f"sqlite+aiosqlite:///{tmp_path}/coach.db"), double, check_every=0.2
    )
    await one.start()
    try:
        async with httpx.AsyncClient() as client:
            # A delivery that failed some time ago is reported, and is no reason for a 503.
            double.record_webhook_error("Wrong response from the webhook: 502 Bad Gateway")
            await asyncio.sleep(0.5)
            body = await health_when(client, one.base, 200)
            webhook = body["webhook"]
            assert webhook["status"] == "ok" and webhook["pending_update_count"] == 0
            assert webhook["last_error"]["message"] == (
                "Wrong response from the webhook: 502 Bad Gateway"
            )
            # The same token polled from a laptop deletes the webhook: no update comes here.
            double.webhook_url = ""
            body = await health_when(client, one.base, 503)
            assert body["status"] == "unavailable" and body["database"] == "ok"
            assert body["webhook"]["status"] == "not set"
            double.webhook_url = "https://elsewhere.example.test/hook"
            await asyncio.sleep(0.5)
            body = await health_when(client, one.base, 503)
            assert body["webhook"]["status"] == "set to another address"
            double.webhook_url = "https://coach.example.test/telegram"
            await health_when(client, one.base, 200)
    finally:
        await one.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    # Said when it changed, not at each of the dozens of checks.
    assert len(errors) == 2, errors
    assert errors[0].startswith("the webhook is not WEBHOOK_URL any more (Telegram has none)")
    assert "(Telegram has another address)" in errors[1]


async def test_health_is_503_when_telegram_has_not_answered_for_three_checks(
    double, tmp_path
) -> None:
    one = WebhookInstance(
        webhook_settings(f"sqlite+aiosqlite:///{tmp_path}/coach.db"), double, check_every=0.2
    )
    await one.start()
    try:
        async with httpx.AsyncClient() as client:
            await health_when(client, one.base, 200)
            double.fail_next("getWebhookInfo", status=502, count=10_000)
            body = await health_when(client, one.base, 503)
            assert body["webhook"]["status"] == "stale"
            assert body["webhook"]["checked_seconds_ago"] >= 0.6
            double.clear_faults()
            await health_when(client, one.base, 200)
    finally:
        await one.stop()


# --- The refusal names the client a trusted proxy forwarded for ---


async def test_the_refusal_names_the_client_only_a_trusted_proxy_vouches_for(
    double, tmp_path
) -> None:
    started = await start_healthy(
        double, f"sqlite:///{tmp_path}/coach.db", tmp_path, WEBHOOK_TRUSTED_PROXIES="127.0.0.3"
    )
    statuses = []
    try:
        # The proxy at 127.0.0.3 says who its client was; 127.0.0.5 is no proxy of ours.
        for local, forwarded in (("127.0.0.3", "127.0.0.4"), ("127.0.0.5", "203.0.113.9")):
            transport = httpx.AsyncHTTPTransport(local_address=local)
            async with httpx.AsyncClient(transport=transport) as client:
                response = await client.post(
                    f"{started.base}/telegram",
                    json={"update_id": 1},
                    headers={
                        "X-Forwarded-For": forwarded,
                        "X-Telegram-Bot-Api-Secret-Token": "x",
                    },
                )
            statuses.append(response.status_code)
    finally:
        started.process.terminate()
        await asyncio.wait_for(started.process.wait(), 30)
    output = started.log.read_text()
    refusals = [line for line in output.splitlines() if "webhook call refused" in line]
    assert statuses == [403, 403]
    assert len(refusals) == 2
    assert refusals[0].endswith("(from 127.0.0.4)")
    assert refusals[1].endswith("(from 127.0.0.5)")
    assert "203.0.113.9" not in output


# --- mobility-coach check --webhook ---


async def check_webhook(double: BotApiDouble, tmp_path, **extra: str) -> tuple[int, list[str]]:
    """Run `mobility-coach check --webhook`; return its exit code and its lines."""
    env = process_env(double, f"sqlite:///{tmp_path}/coach.db", free_port(), **extra)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", "--webhook",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode().splitlines()


async def test_check_webhook_reports_what_telegram_says(double, tmp_path) -> None:
    double.webhook_url = "https://coach.example.test/telegram"
    await double.user(9, "Ada").send("/start")  # waiting for delivery
    double.webhook_last_error = (1_772_438_400, "Wrong response from the webhook: 502 Bad Gateway")
    media = tmp_path / "media"
    code, lines = await check_webhook(double, tmp_path, MEDIA_DIR=str(media))
    assert lines == [
        "configuration: ok",
        "telegram token: set",
        "database: reachable (sqlite)",
        f"media: 0 of 42 pictures rendered in {media}"
        " (the rest render after start, or: mobility-coach media)",
        "webhook: https://coach.example.test/telegram (WEBHOOK_URL)",
        "webhook pending updates: 1",
        "webhook last error: Wrong response from the webhook: 502 Bad Gateway"
        " (2026-03-02 08:00:00 UTC)",
    ]
    assert code == 0


@pytest.mark.parametrize(
    ("webhook_url", "extra", "expected"),
    [
        ("", {}, "webhook: not set (each webhook process sets it when it starts)"),
        (
            "https://elsewhere.example.test/hook",
            {},
            "webhook: https://elsewhere.example.test/hook,"
            " not WEBHOOK_URL (https://coach.example.test/telegram)",
        ),
        (
            "https://coach.example.test/telegram",
            {"WEBHOOK_SECRET_TOKEN": ""},
            "configuration: error (WEBHOOK_SECRET_TOKEN: is required in webhook mode)",
        ),
    ],
    ids=["not set", "another address", "no secret"],
)
async def test_check_webhook_fails_when_the_webhook_cannot_work(
    double, tmp_path, webhook_url, extra, expected
) -> None:
    double.webhook_url = webhook_url
    code, lines = await check_webhook(double, tmp_path, **extra)
    assert expected in lines, lines
    assert "webhook last error: none" in lines
    assert code == 1
