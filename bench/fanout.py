"""Benchmark: pushes to many phones, a connect storm and a replay, the app beside its baselines.

Starts Redis (appendfsync always), the app (`facilitator serve`: one gevent process), a bare
`websockets` broadcast server speaking the same Engine.IO framing (bench/support/bare_server.py)
and a minimal Flask-SocketIO server on gevent (bench/support/minimal_flask.py), one at a time.
Phones are raw Engine.IO v4 / Socket.IO v5 WebSocket clients spread over load-generator
processes (bench/support/phones.py). For each server and N phones in one session:

- connect: N phones (500 of them all at once: the connect storm): time until all are in,
  server CPU per connect, server memory per connected phone (RSS after minus before, / N);
- fan-out: 20 announcements, each sent when the last one has reached every phone: server
  CPU microseconds per delivered message, time until the last phone has each push (p50, max);
- replay (the app only): a phone that missed 200 events reconnects and resumes.

A session holds at most 500 candidates, each with up to 5 sockets: 2,000 phones are 500
candidates with 4 sockets each. BENCH_QUICK=1 runs 100 and 500 phones only.

    .venv/bin/python bench/fanout.py [--phones 100,500,2000] [--pushes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import websockets
from support import results, servers
from support.phones import Crowd, socket_url, worker_count

PUSH_TIMEOUT_S = 15.0
STORM = 500


def pusher(kind: str, server: servers.Server, seeded: servers.Seeded | None) -> Callable[[int], None]:
    """A function that sends push `i` to every phone of this server."""
    if kind == "app":
        assert seeded is not None
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {seeded.lead_token}"
        url = f"{server.url}/api/v1/sessions/{seeded.session_id}/announcements"

        def app_push(i: int) -> None:
            answer = http.post(url, json={"text": f"bench-push-{i}"}, timeout=30)
            assert answer.ok, answer.text

        return app_push
    if kind == "minimal Flask-SocketIO":
        http = requests.Session()
        return lambda i: http.post(
            f"{server.url}/push", params={"text": f"bench-push-{i}"}, timeout=30
        ).raise_for_status()
    from websockets.sync.client import connect

    control = connect(server.url.replace("http://", "ws://") + "/control")
    return lambda i: control.send(f"bench-push-{i}")


def auths(kind: str, seeded: servers.Seeded | None, phones: int) -> list[dict[str, Any]]:
    """What each phone says when it connects."""
    if seeded is None:
        return [{} for _ in range(phones)]
    tokens = seeded.device_tokens
    return [{"session_id": seeded.session_id, "token": tokens[i % len(tokens)]} for i in range(phones)]


def settle(server: servers.Server, longest_s: float = 120.0) -> None:
    """Wait until the server has handled the phones' disconnects (its CPU goes quiet), so the
    next row's baseline and connects are not queued behind them."""
    deadline = time.monotonic() + longest_s
    while time.monotonic() < deadline:
        before = server.cpu()
        time.sleep(0.5)
        if server.cpu() - before < 0.05:
            return


def measure(
    kind: str, server: servers.Server, seeded: servers.Seeded | None, phones: int, pushes: int
) -> dict[str, Any]:
    """Connect `phones`, push `pushes` times, close; the figures of one row."""
    crowd = Crowd(worker_count(), pushes)
    try:
        time.sleep(0.5)
        rss, cpu = server.rss(), server.cpu()
        at_once = phones if phones == STORM else 200
        connected = crowd.connect(socket_url(server.url), auths(kind, seeded, phones), at_once=at_once)
        connect_cpu = server.cpu() - cpu
        failed = phones - connected["connected"]
        if failed:  # reported in the row, not hidden: the pushes are then counted to those that got in
            print(f"{kind}: {failed} of {phones} phones did not get in: {connected['errors'][:1]}")
        if connected["connected"] < phones // 2:
            raise RuntimeError(f"{kind}: only {connected['connected']} of {phones} connected")
        phones = connected["connected"]
        time.sleep(1.0)  # let the connects' after-work (presence, rooms) settle
        memory = server.rss() - rss
        send = pusher(kind, server, seeded)
        for i in range(3):  # warm up (first emits build caches); numbers past `pushes` are not counted
            send(900 + i)
        time.sleep(0.5)
        crowd.shared.reset()
        cpu, generator, wall = server.cpu(), crowd.cpu(), time.monotonic()
        latencies = []
        for i in range(pushes):
            sent = time.monotonic()
            send(i)
            while crowd.shared.delivered(i) < phones and time.monotonic() - sent < PUSH_TIMEOUT_S:
                time.sleep(0.002)
            latencies.append(crowd.shared.last(i) - sent)
        delivered = sum(crowd.shared.delivered(i) for i in range(pushes))
        push_cpu = server.cpu() - cpu
        generator_share = (crowd.cpu() - generator) / (time.monotonic() - wall) / (os.cpu_count() or 1)
        return {
            "server": kind,
            "phones": phones + failed,
            "failed_to_connect": failed,
            "connect_s": connected["seconds"],
            "connect_cpu_ms": 1000 * connect_cpu / phones,
            "memory_kb_per_phone": memory / 1024 / phones,
            "delivered": delivered,
            "expected": phones * pushes,
            "cpu_us_per_message": 1e6 * push_cpu / max(1, delivered),
            "last_phone_p50_ms": 1000 * statistics.median(latencies),
            "last_phone_max_ms": 1000 * max(latencies),
            "load_generator_cpu_share": generator_share,
        }
    finally:
        crowd.stop()
        settle(server)


async def replay(
    server: servers.Server, seeded: servers.Seeded, missed: int, rounds: int = 5
) -> dict[str, Any]:
    """A phone misses `missed` announcements, then reconnects and resumes: how long until it has them."""

    async def phone() -> Any:
        ws = await websockets.connect(
            socket_url(server.url), compression=None, ping_interval=None, open_timeout=60
        )
        await ws.recv()
        await ws.send("40" + json.dumps({"session_id": seeded.session_id, "token": seeded.device_tokens[0]}))
        while not str(await ws.recv()).startswith("40"):
            pass
        return ws

    async def resume(ws: Any, last_seq: int) -> dict[str, Any]:
        await ws.send("421" + json.dumps(["resume", {"last_seq": last_seq}]))
        while True:
            frame = str(await ws.recv())
            if frame.startswith("431"):
                return json.loads(frame[3:])[0]["result"]  # type: ignore[no-any-return]

    ws = await phone()
    seq = (await resume(ws, 0))["seq"]
    await ws.close()
    send = pusher("app", server, seeded)
    for i in range(missed):
        await asyncio.to_thread(send, 10_000 + i)
    times, connects, events = [], [], 0
    for _ in range(rounds):
        began = time.monotonic()
        ws = await phone()
        connected = time.monotonic()
        answer = await resume(ws, seq)
        times.append(time.monotonic() - connected)
        connects.append(time.monotonic() - began)
        events = len(answer["events"])
        await ws.close()
    return {
        "missed": missed,
        "replayed": events,
        "resume_p50_ms": 1000 * statistics.median(times),
        "resume_max_ms": 1000 * max(times),
        "connect_and_resume_p50_ms": 1000 * statistics.median(connects),
    }


def ratio(a: dict[str, Any], b: dict[str, Any], figure: str) -> str:
    """a's figure over b's, as "2.3x"."""
    return f"{a[figure] / b[figure]:.2f}x" if b[figure] else "n/a"


def print_rows(rows: list[dict[str, Any]]) -> None:
    """The results table."""
    head = f"{'server':<24} {'phones':>6} {'connect s':>9} {'CPU ms/conn':>11} {'KB/phone':>8} "
    print(
        head + f"{'CPU µs/msg':>10} {'last p50 ms':>11} {'last max ms':>11} {'delivered':>11} {'gen CPU':>7}"
    )
    for row in rows:
        print(
            f"{row['server']:<24} {row['phones']:>6} {row['connect_s']:>9.2f} {row['connect_cpu_ms']:>11.2f} "
            f"{row['memory_kb_per_phone']:>8.1f} {row['cpu_us_per_message']:>10.1f} "
            f"{row['last_phone_p50_ms']:>11.1f} {row['last_phone_max_ms']:>11.1f} "
            f"{row['delivered']:>5}/{row['expected']:<5} {100 * row['load_generator_cpu_share']:>6.0f}%"
        )


def main() -> None:
    """Every server, every N; then the replay; print, write JSON and the chart."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phones", default="100,500" if results.quick() else "100,500,2000")
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument("--servers", default="app,bare websockets,minimal Flask-SocketIO")
    args = parser.parse_args()
    levels = [int(n) for n in args.phones.split(",")]
    rows: list[dict[str, Any]] = []
    replayed: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.servers.split(","):
            redis_server = servers.start_redis(Path(folder) / f"redis-{len(rows)}") if kind == "app" else None
            seeded = None
            try:
                if kind == "app":
                    assert redis_server is not None
                    server = servers.start_app(redis_server.url, Path(folder) / "app")
                    seeded = servers.seed(server.url, redis_server.url, min(max(levels), 500))
                elif kind == "bare websockets":
                    server = servers.start_bare()
                else:
                    server = servers.start_minimal_flask()
                try:
                    for phones in levels:
                        rows.append(measure(kind, server, seeded, phones, args.pushes))
                        print_rows(rows[-1:])
                    if seeded is not None:
                        replayed = asyncio.run(replay(server, seeded, 200))
                finally:
                    server.stop()
            finally:
                if redis_server is not None:
                    redis_server.stop()
    print(
        f"\nFan-out and connect storm ({STORM} at once); "
        f"{os.cpu_count()} cores, {worker_count()} load-generator processes"
    )
    print_rows(rows)
    by = {(r["server"], r["phones"]): r for r in rows}
    for phones in levels:
        app, bare, flask = (by.get((s, phones)) for s in ("app", "bare websockets", "minimal Flask-SocketIO"))
        if app and bare:
            line = f"{phones:>6} phones: CPU per message app / bare websockets "
            line += ratio(app, bare, "cpu_us_per_message")
            if flask:
                line += f", app / minimal Flask-SocketIO {ratio(app, flask, 'cpu_us_per_message')}"
                line += f"; CPU per connect app / minimal {ratio(app, flask, 'connect_cpu_ms')}"
            print(line)
    if replayed:
        print(
            f"replay: {replayed['replayed']} of {replayed['missed']} missed events "
            f"in {replayed['resume_p50_ms']:.1f} ms (p50 of 5, max {replayed['resume_max_ms']:.1f}); "
            f"connect + resume {replayed['connect_and_resume_p50_ms']:.1f} ms"
        )
    results.write("fanout", {"rows": rows, "replay": replayed})
    groups = {
        f"{n} phones": {r["server"]: r["cpu_us_per_message"] for r in rows if r["phones"] == n}
        for n in levels
    }
    chart = results.bar_chart("fanout", "Server CPU per delivered push", groups, "µs per message")
    print(f"written: {results.RESULTS / 'fanout.json'}, {chart}")


if __name__ == "__main__":
    main()
