"""The servers a benchmark runs against, each its own process: Redis, the app, the baselines."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis
import requests
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from facilitator.domain.commands import Join  # noqa: E402
from facilitator.services import joining  # noqa: E402
from facilitator.store import users as user_store  # noqa: E402
from facilitator.store.join_turns import Pace  # noqa: E402
from tests.builders import SessionBuilder  # noqa: E402
from tests.redis_server import RedisProcess, free_port  # noqa: E402

# Joining 500 phones from one address in a second is the benchmark, not an attack.
NO_PACE = Pace(60.0, 10**9, 0.0, 10**9, 0.0, 30.0)


@dataclass
class Server:
    """A server process and the address it answers on."""

    process: subprocess.Popen[bytes]
    url: str

    def cpu(self) -> float:
        """Its CPU seconds so far (user + system)."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        """Its resident memory in bytes."""
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def stop(self) -> None:
        """Terminate it and wait."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_redis(folder: Path) -> RedisProcess:
    """Redis with the production durability setting: fsync after every write."""
    server = RedisProcess(folder, appendfsync="always")
    server.start()
    return server


def _wait(process: subprocess.Popen[bytes], ready: Callable[[], object], what: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            ready()
            return
        except (requests.ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


def start(command: list[str], ready_path: str, what: str, env: dict[str, str] | None = None) -> Server:
    """Start `command` (it must listen on the port appended to it) and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    if ready_path:
        _wait(process, lambda: requests.get(url + ready_path, timeout=1), what)
    else:
        import socket

        _wait(process, lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close(), what)
    return Server(process, url)


def start_app(redis_url: str, folder: Path) -> Server:
    """The app as `facilitator serve` runs it: one gevent process on Redis."""
    env = {"REDIS_URL": redis_url, "SECRET_KEY": "bench", "FACILITATOR_DATA_DIR": str(folder)}
    return start([sys.executable, "-m", "facilitator", "serve"], "/api/v1/openapi.json", "the app", env)


def start_minimal_flask() -> Server:
    """bench/support/minimal_flask.py."""
    script = str(ROOT / "bench" / "support" / "minimal_flask.py")
    return start([sys.executable, script], "/ready", "the minimal Flask-SocketIO server")


def start_bare() -> Server:
    """bench/support/bare_server.py."""
    script = str(ROOT / "bench" / "support" / "bare_server.py")
    return start([sys.executable, script], "", "the bare websockets server")


@dataclass
class Seeded:
    """A live session with candidates checked in, and a facilitator's API token."""

    session_id: str
    lead_token: str
    device_tokens: list[str]


def seed(url: str, redis_url: str, candidates: int) -> Seeded:
    """A live session (one exercise, not started) with `candidates` phones checked in."""
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    fast_hash = generate_password_hash("benchmark-password", method="pbkdf2:sha256:1000")
    lead = user_store.create(r, "lead@bench.example", "Lead", "facilitator", fast_hash)
    assert lead is not None
    token = user_store.issue_api_token(r, lead.id)
    build = SessionBuilder(requests.Session(), token, prefix=url).create()
    build.state("open")
    devices = []
    for n in range(candidates):
        started = joining.start_by_code(
            r, Join(code=build.join_code, name=f"Candidate {n}"), "bench", NO_PACE, {}
        )
        assert started.pending is not None
        finished = joining.finish(r, started.pending, {})
        assert finished.device_token is not None, finished
        devices.append(finished.device_token)
    build.state("live")
    return Seeded(build.session_id, token, devices)
