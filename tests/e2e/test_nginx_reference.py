"""docs/deploy/ run for real: nginx with TLS in front of two webhook processes on PostgreSQL.

The files are the guide's own. Only these values are replaced, nothing else:

- nginx.conf: `listen 443 ssl;` becomes a free port on 127.0.0.1, the two certificate paths a
  self-signed certificate made at run time, the upstream ports 8081 and 8082 two free ports;
  the file is included in a minimal nginx.conf of the test's own (pid, logs, temp paths).
- mobility-coach.env: its REPLACE-WITH-... values (the token, the database password, the
  secret) become the double's token, the test database and the test secret; TELEGRAM_BASE_URL
  is added so that the Bot API double plays Telegram.
- mobility-coach@.service: `%i` becomes each process's port, and ExecStart's program is this
  Python's `-m bot` with the unit's arguments.

The double plays Telegram: it posts updates to nginx's HTTPS address. Through nginx: a routine
whose taps both processes take, a SIGKILL of one of them mid-update, a wrong secret, a body over
1 MB, and /healthz, which nginx no longer serves. Then the guide cannot drift from what works.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db.models import ProcessedUpdate, SetLog
from bot.sandbox.double import BotApiDouble
from bot.sandbox.webhook_cluster import WebhookRouter
from content import library
from tests.conftest import IN_CI
from tests.e2e.helpers import WEBHOOK_SECRET as SECRET
from tests.e2e.helpers import free_ports

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
GUIDE = DEPLOY.parent / "deploy.md"
NGINX_CONF = DEPLOY / "nginx.conf"
ENV_FILE = DEPLOY / "mobility-coach.env"
UNIT = DEPLOY / "mobility-coach@.service"
TOKEN = "424242:" + "A" * 35  # the shape BotFather gives
DESK = library().routine("desk")
T = library().texts


# --- The guide shows the files as they are, and the environment file reads the same everywhere


@pytest.mark.parametrize("path", [NGINX_CONF, ENV_FILE, UNIT], ids=lambda p: p.name)
def test_the_guide_shows_each_reference_file_as_it_is(path: Path) -> None:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    assert path.read_text() in blocks, f"docs/deploy.md does not show {path.name} as it is"


def test_the_environment_file_means_the_same_to_systemd_and_sh() -> None:
    names = set()
    for line in ENV_FILE.read_text().splitlines():
        # systemd takes "# ..." after a value as part of the value; sh would drop it.
        name, _, value = line.partition("=")
        assert re.fullmatch(r"[A-Z_]+", name) and "#" not in value, line
        assert not re.search(r"[\s\"'$`\\;&|<>]", value), f"quote-free, shell-safe: {line}"
        names.add(name.lower())
    assert names <= set(Settings.model_fields), "every name is a setting"
    # EnvironmentFile= overrides Environment=: a port here would beat the unit's %i.
    assert "webhook_port" not in names


# --- The run through nginx


@dataclass(frozen=True)
class Proxy:
    """nginx's public address, where the double posts updates as Telegram does."""

    url: str


def nginx_or_skip() -> str:
    """Return nginx's path; skip without it or openssl, except in CI (.ci/run installs them)."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None or shutil.which("openssl") is None:
        reason = "nginx or openssl is not installed (apt-get install nginx-light openssl)"
        if IN_CI:
            pytest.fail(f"{reason}; in CI .ci/run installs it and this test must run")
        pytest.skip(f"{reason}: the reference deployment test is skipped")
    return found


def replaced(text: str, substitutions: dict[str, tuple[str, int]]) -> str:
    """Replace each value, which must occur exactly as often as said (or the guide changed)."""
    for old, (new, times) in substitutions.items():
        assert text.count(old) == times, f"{old!r} is no longer in the reference file {times}x"
        text = text.replace(old, new)
    return text


def self_signed_certificate(folder: Path) -> ssl.SSLContext:
    """Make the certificate nginx serves; return a client context that trusts only it."""
    folder.mkdir()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=coach.example.com",
            "-addext", "subjectAltName=DNS:coach.example.com,IP:127.0.0.1",
            "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem"),
        ],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return ssl.create_default_context(cafile=folder / "fullchain.pem")


def nginx_config(tmp: Path, port: int, upstreams: list[int]) -> Path:
    """Write the guide's nginx.conf with the test's values, inside a minimal main config."""
    site = replaced(
        NGINX_CONF.read_text(),
        {
            "listen 443 ssl;": (f"listen 127.0.0.1:{port} ssl;", 1),
            "/etc/letsencrypt/live/coach.example.com/": (f"{tmp}/tls/", 2),
            "127.0.0.1:8081": (f"127.0.0.1:{upstreams[0]}", 1),
            "127.0.0.1:8082": (f"127.0.0.1:{upstreams[1]}", 1),
        },
    )
    (tmp / "mobility-coach.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/error.log notice;\nevents {{ worker_connections 128; }}\n"
        f"http {{\n    access_log {tmp}/access.log;\n{temp}\n"
        f"    include {tmp}/mobility-coach.conf;\n}}\n"
    )
    return main


def unit_command_and_port_variable() -> tuple[list[str], str, str]:
    """Return ExecStart's arguments, and the variable and value Environment= sets from %i."""
    unit = UNIT.read_text()
    exec_start = re.search(r"^ExecStart=(\S+) (.*)$", unit, flags=re.MULTILINE)
    environment = re.search(r"^Environment=(\w+)=(%i)$", unit, flags=re.MULTILINE)
    assert exec_start and exec_start.group(1).endswith("/mobility-coach") and environment
    return exec_start.group(2).split(), environment.group(1), environment.group(2)


def process_environment(double: BotApiDouble, database_url: str, port: int) -> dict[str, str]:
    """The environment systemd gives an instance: the env file, then the unit's Environment=."""
    placeholders = {
        "TELEGRAM_BOT_TOKEN": double.token,
        "DATABASE_URL": database_url,
        "WEBHOOK_SECRET_TOKEN": SECRET,
    }
    values = dict(line.split("=", 1) for line in ENV_FILE.read_text().splitlines())
    assert {name for name, value in values.items() if "REPLACE-WITH" in value} == set(placeholders)
    values.update(placeholders)
    _, variable, value = unit_command_and_port_variable()
    values[variable] = value.replace("%i", str(port))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "LOG_", "ADMIN_", "FORWARDED_"))
    }
    return env | values | {"TELEGRAM_BASE_URL": double.base_url}


def holds_a_request(pid: int, port: int) -> bool:
    """Whether the process has a connection open on its port: a request it is still handling.

    nginx opens one upstream connection per request (HTTP/1.0, no keep-alive upstream).
    """
    sockets = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            sockets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        if local_port == port and state == "01" and f"socket:[{inode}]" in sockets:
            return True
    return False


async def count(db, model) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def until(check, what: str, within: float = 30) -> None:
    """Wait until the (async) check holds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)


@dataclass
class Process:
    """One `mobility-coach@PORT` instance."""

    port: int
    process: asyncio.subprocess.Process
    log: Path

    def events(self) -> list[dict[str, object]]:
        """Return its log lines (LOG_FORMAT=json from the env file)."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Collect what the test starts; kill whatever still runs at the end."""
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            # Not SIGKILL: nginx's master would leave its worker behind, holding the port.
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_the_reference_deployment_through_nginx(
    database_url: str, db, tmp_path: Path, started
) -> None:
    nginx = nginx_or_skip()
    public, *ports = free_ports(3)
    trust = self_signed_certificate(tmp_path / "tls")
    config = nginx_config(tmp_path, public, ports)
    run_nginx = [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)]
    check = await asyncio.create_subprocess_exec(
        *run_nginx, "-t", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    said, _ = await asyncio.wait_for(check.communicate(), 30)
    assert check.returncode == 0, said.decode()
    nginx_process = await asyncio.create_subprocess_exec(
        *run_nginx, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    started.append(nginx_process)
    args, _, _ = unit_command_and_port_variable()
    async with (
        asyncio.timeout(120),
        BotApiDouble(token=TOKEN) as double,
        # No keep-alive: an open connection on a process's port is nginx's request in flight.
        httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as probe,
    ):
        processes = []
        for port in ports:
            log = tmp_path / f"mobility-coach@{port}.log"
            with log.open("wb") as out:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", *args,
                    cwd=tmp_path, env=process_environment(double, database_url, port),
                    stdout=out, stderr=out,
                )  # fmt: skip
            started.append(process)
            processes.append(Process(port, process, log))

        async def healthy(one: Process) -> bool:
            assert one.process.returncode is None, one.log.read_text()[-2000:]
            try:
                response = await probe.get(f"http://127.0.0.1:{one.port}/healthz")
            except httpx.HTTPError:
                return False
            return response.status_code == 200

        # Each process listens, sets the webhook and sees it set: its own /healthz says so.
        for one in processes:
            await until(lambda one=one: healthy(one), f"/healthz of {one.port} answers 200")
        assert double.webhook_url == "https://coach.example.com/telegram"

        async def nginx_up() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", public)
            except OSError:
                return False
            writer.close()
            return True

        await until(nginx_up, "nginx listens")
        proxy = Proxy(f"https://127.0.0.1:{public}/telegram")
        router = WebhookRouter(double, [proxy], SECRET, verify=trust)
        try:
            await routine_with_a_kill_mid_update(double, router, proxy, processes, probe, db)
        finally:
            await router.close()

        victim = next(one for one in processes if one.process.returncode is not None)
        survivor = next(one for one in processes if one is not victim)
        await what_nginx_does_not_let_through(public, trust, probe, victim, survivor)

        # systemctl stop: a clean end (uvicorn re-raises the SIGTERM it handled, as systemd
        # expects of a service told to stop).
        survivor.process.send_signal(signal.SIGTERM)
        assert await survivor.process.wait() in (0, -signal.SIGTERM)
        assert any(e["message"] == "Application shutdown complete." for e in survivor.events())
    for one in processes:
        written = one.log.read_text()
        assert TOKEN not in written and SECRET not in written


def buttons(person) -> list[str]:
    """Return the buttons under the person's newest message from the bot."""
    return person.last_bot_message.button_texts if person.last_bot_message else []


async def routine_with_a_kill_mid_update(double, router, proxy, processes, probe, db) -> None:
    """A whole routine through nginx; one process is killed while it handles a tap."""
    ada = double.user(1, "Ada")
    await ada.send("/routine")
    await router.pump()
    await ada.press(f"{DESK.title} · {DESK.minutes} min")
    await router.pump()
    # The first routine: the one-time hip question first; No starts it.
    await ada.press(T.btn_screening_no)
    await router.pump()
    sets = 0
    while (done := next((b for b in buttons(ada) if b.startswith("✅ Done")), None)) is not None:
        assert sets < 50, "the routine never ends"
        before = ada.last_bot_message.text
        await ada.press(done)
        sets += 1
        if sets != 3:
            await router.pump()
            continue
        # nginx spread the taps so far over both processes.
        for one in processes:
            metrics = (await probe.get(f"http://127.0.0.1:{one.port}/metrics")).text
            assert 'coach_updates_handled_total{kind="callback_query"}' in metrics
        [update] = double.take_updates()
        # Telegram is slow to take the answer: the process is killed after its commit.
        double.fail_next("answerCallbackQuery", kind="timeout", delay=3.0)
        post = asyncio.create_task(router.post(proxy, update, SECRET))

        async def committed() -> bool:
            return await count(db, SetLog) == 3

        await until(committed, "the third set is committed", within=10)
        [victim] = [one for one in processes if holds_a_request(one.process.pid, one.port)]
        victim.process.kill()
        await victim.process.wait()
        assert await post == 502, "nginx: no 200 from a dead process, and no second POST"
        # Telegram delivers it again; nginx takes it to the live process.
        assert await router.post(proxy, update, SECRET) == 200
        assert ada.last_bot_message.text != before, "the view moved on"
    assert sets >= 4 and DESK.title in ada.last_bot_message.text, "the routine's summary"
    assert await count(db, SetLog) == sets, "every set counted once"
    statuses = [status for *_, status in router.deliveries]
    assert statuses.count(502) == 1 and statuses.count(200) == len(statuses) - 1
    assert await count(db, ProcessedUpdate) == len(statuses) - 1


async def what_nginx_does_not_let_through(public, trust, probe, victim, survivor) -> None:
    """A wrong secret, a body over 1 MB and /healthz, from a client at 127.0.0.2."""
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2", verify=trust)
    async with httpx.AsyncClient(transport=transport, timeout=10) as outsider:
        base = f"https://127.0.0.1:{public}"
        wrong = await outsider.post(
            f"{base}/telegram",
            json={"update_id": 1},
            # A client may claim any origin; nginx replaces it with the address it sees.
            headers={"X-Telegram-Bot-Api-Secret-Token": "x" * 40, "X-Forwarded-For": "203.0.113.9"},
        )
        assert wrong.status_code == 403
        big = await outsider.post(f"{base}/telegram", content=b" " * (1024 * 1024 + 1))
        assert big.status_code == 413
        # /healthz is each process's, probed on its own port: never through the proxy.
        assert (await outsider.get(f"{base}/healthz")).status_code == 404
    refusals = [
        str(event["message"])
        for event in survivor.events()
        if "webhook call refused" in str(event["message"])
    ]
    assert refusals == ["webhook call refused: wrong or missing secret token (from 127.0.0.2)"]
    assert "203.0.113.9" not in survivor.log.read_text()
    assert (await probe.get(f"http://127.0.0.1:{survivor.port}/healthz")).status_code == 200
    with pytest.raises(httpx.ConnectError):
        await probe.get(f"http://127.0.0.1:{victim.port}/healthz")
