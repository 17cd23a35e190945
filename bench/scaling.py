"""Benchmark: fan-out capacity of one app process and of three, each behind nginx.

Starts the production topology of deploy/cluster.py twice, the same code with `--apps 1` and
`--apps 3`: Redis (AOF, appendfsync always, a password), app processes under gunicorn with one
gevent-websocket worker each, and nginx routing by the sticky rules of deploy/nginx.conf. Each
topology gets a fresh Redis and a session seeded through the API (servers.seed).

nginx routes a device by the `fac_route` cookie it sets on the device's first response, and
by the client's address only while there is none. Every phone here comes from 127.0.0.1, so
each device first loads the join page through nginx, as a browser does, and keeps the cookie
it is given; its socket then carries that cookie. The sockets each app process holds are
counted from what the processes record in Redis and printed.

N phones (1,000 by default: 500 candidates with 2 sockets each; 500 with BENCH_QUICK=1)
connect through nginx; then announcements go through the facilitator's API, via nginx, back
to back for a fixed time, keeping a few in flight (the next is sent when the one that many
before it has reached every phone), so the app processes never wait for work and every
phone keeps up. Reported for each topology:

- delivered messages per second: pushes x phones that got them, over the time from the first
  send until the last phone has the last push (the fan-out capacity);
- app CPU per delivered message (psutil, summed over every app process) and the app
  processes' share of the machine; nginx's and Redis's share beside it; and how long the app
  processes were ready to run but waiting for a core (/proc/<pid>/schedstat), in seconds per
  second, summed over them: on a busy machine this is where the missing throughput went;
- time from sending a push until the last phone has it (p50, max), with the others in flight;
- the load generators' share of the machine's CPU.

gunicorn's gevent worker serves at most `worker_connections` clients at once: 1,000 by
gunicorn's default, under which one process holding 1,000 phones would not even accept the
facilitator's request. Both topologies run with deploy/cluster.py's limit (5,000, as the
Dockerfile), or `--worker-connections`.

The machine's cores are shared by the app processes, nginx, Redis and the load generators,
so three processes can carry at most what the cores left over allow; the script says how
many there are and prints the load average before and after.

    .venv/bin/python bench/scaling.py [--phones 1000] [--apps 1,3] [--seconds 15] [--in-flight 3]
                                      [--worker-connections 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support import results, servers  # noqa: E402
from support.phones import Crowd, socket_url, worker_count  # noqa: E402

from deploy.cluster import WORKER_CONNECTIONS, Cluster, free_port, start_redis  # noqa: E402
from facilitator.store import keys  # noqa: E402

PUSH_TIMEOUT_S = 15.0
MAX_PUSHES = 2000  # slots in the shared arrays; a window never sends this many
WARM_UP = 3
AT_ONCE = 200  # phones connecting at the same time
COOKIE = "fac_route"  # the sticky-routing cookie deploy/nginx.conf sets


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as "0.52 0.71 0.90"."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_of(pids: set[int]) -> float:
    """CPU seconds so far (user + system) of these processes, together."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def queued_of(pids: set[int]) -> float:
    """Seconds these processes have spent ready to run but waiting for a core, together
    (the second field of /proc/<pid>/schedstat)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    return total


def family(process: subprocess.Popen[bytes] | None) -> set[int]:
    """A process and its children (nginx's master and workers)."""
    if process is None:
        return set()
    try:
        return {process.pid} | {p.pid for p in psutil.Process(process.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


@contextlib.contextmanager
def topology(
    apps: int, folder: Path, worker_connections: int
) -> Iterator[tuple[Cluster, str, subprocess.Popen[bytes]]]:
    """Redis (AOF always, a password), `apps` app processes under gunicorn and nginx, as
    deploy/cluster.py starts them, each worker taking up to `worker_connections` clients;
    stopped on the way out."""
    password = secrets.token_urlsafe(16)
    port = free_port()
    redis_process = start_redis(folder / "redis", port, password)
    redis_url = f"redis://:{quote(password, safe='')}@127.0.0.1:{port}/0"
    env = {"SECRET_KEY": "bench-scaling"}
    cluster = Cluster(redis_url, folder / "run", apps=apps, env=env, worker_connections=worker_connections)
    try:
        cluster.start()
        yield cluster, redis_url, redis_process
    finally:
        cluster.stop()
        redis_process.terminate()
        redis_process.wait(timeout=10)


def route_cookies(url: str, devices: int) -> list[str]:
    """Each device loads the join page through nginx once, with no cookie yet: the sticky
    route nginx gives it (deploy/nginx.conf's `fac_route`)."""
    http = requests.Session()
    found: list[str] = []
    for _ in range(devices):
        http.cookies.clear()
        answer = http.get(f"{url}/join", timeout=30)
        answer.raise_for_status()
        cookie = answer.cookies.get(COOKIE)
        if not cookie:
            raise RuntimeError(f"nginx set no {COOKIE} cookie: has deploy/nginx.conf's sticky rule changed?")
        found.append(cookie)
    return found


def sockets_per_app(cluster: Cluster, redis_url: str) -> list[int]:
    """How many sockets each app process holds, from what the processes record in Redis."""
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    held = [0] * len(cluster.nodes)
    try:
        for process_id in r.smembers(keys.processes()):
            node = cluster.app_holding(int(str(process_id).split("-", 1)[0]))
            if node is not None:
                held[node] += int(r.hlen(keys.process_sockets(str(process_id))))
    finally:
        r.close()
    return held


class Announcer:
    """Announcements through the API: pushes 0, 1, 2, ... from `in_flight` threads, push i sent
    once push i - in_flight has reached every phone (or PUSH_TIMEOUT_S has passed)."""

    def __init__(self, address: str, headers: dict[str, str], arrived: Callable[[int], bool]) -> None:
        self.address, self.headers, self.arrived = address, headers, arrived
        self.lock = threading.Lock()
        self.taken = 0

    def http(self) -> requests.Session:
        """A client of one sender thread."""
        http = requests.Session()
        http.headers.update(self.headers)
        return http

    def send(self, http: requests.Session, i: int) -> None:
        """Announce push `i`."""
        try:
            answer = http.post(self.address, json={"text": f"bench-push-{i}"}, timeout=30)
        except requests.Timeout as exc:  # e.g. every connection gunicorn's worker takes is in use
            raise RuntimeError(f"announcement {i} got no answer within 30 s") from exc
        assert answer.ok, answer.text

    def wait_for(self, i: int) -> None:
        """Until push `i` has reached every phone, or PUSH_TIMEOUT_S."""
        began = time.monotonic()
        while not self.arrived(i) and time.monotonic() - began < PUSH_TIMEOUT_S:
            time.sleep(0.002)

    def run(self, seconds: float, in_flight: int) -> tuple[float, list[float]]:
        """Push for `seconds`, then wait for the last pushes; the start and each push's send instant."""
        sent_at = [0.0] * MAX_PUSHES
        start = time.monotonic()

        def sender() -> None:
            http = self.http()
            while True:
                with self.lock:
                    if time.monotonic() - start >= seconds or self.taken >= MAX_PUSHES:
                        return
                    i, self.taken = self.taken, self.taken + 1
                if i >= in_flight:
                    self.wait_for(i - in_flight)
                sent_at[i] = time.monotonic()
                self.send(http, i)

        threads = [threading.Thread(target=sender, daemon=True) for _ in range(in_flight)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for i in range(max(0, self.taken - in_flight), self.taken):
            self.wait_for(i)
        return start, sent_at[: self.taken]


def measure(
    apps: int, phones: int, seconds: float, in_flight: int, worker_connections: int, folder: Path
) -> dict[str, Any]:
    """One topology: start it, seed, connect `phones`, push for `seconds`; the figures."""
    load_before = load_average()
    candidates = min(phones, 500)  # a session's most; each holds up to 5 sockets
    with topology(apps, folder, worker_connections) as (cluster, redis_url, redis_process):
        began = time.monotonic()
        seeded = servers.seed(cluster.url, redis_url, candidates)
        seeded_s = time.monotonic() - began
        cookies = route_cookies(cluster.url, candidates)
        # Phone i is a socket of device (candidate) i % candidates: its token and its cookie.
        auths = [
            {"session_id": seeded.session_id, "token": seeded.device_tokens[i % candidates]}
            for i in range(phones)
        ]
        headers = [{"Cookie": f"{COOKIE}={cookies[i % candidates]}"} for i in range(phones)]
        crowd = Crowd(worker_count(), MAX_PUSHES)
        try:
            began = time.monotonic()
            connected = crowd.connect(socket_url(cluster.url), auths, at_once=AT_ONCE, headers=headers)
            connect_s = time.monotonic() - began
            failed = phones - connected["connected"]
            if failed:
                print(f"{apps} app(s): {failed} of {phones} phones did not get in: {connected['errors'][:1]}")
            if connected["connected"] < phones // 2:
                raise RuntimeError(f"only {connected['connected']} of {phones} phones connected")
            in_now = connected["connected"]
            time.sleep(1.0)  # the connects' after-work (presence, rooms)
            spread = sockets_per_app(cluster, redis_url)
            address = f"{cluster.url}/api/v1/sessions/{seeded.session_id}/announcements"
            facilitator = {"Authorization": f"Bearer {seeded.lead_token}", "Cookie": f"{COOKIE}={cookies[0]}"}

            def arrived(i: int) -> bool:
                return crowd.shared.delivered(i) >= in_now

            warm_up = Announcer(address, facilitator, lambda i: True)
            for i in range(WARM_UP):  # numbers past MAX_PUSHES are not counted
                warm_up.send(warm_up.http(), MAX_PUSHES + i)
            time.sleep(1.0)
            crowd.shared.reset()
            app_pids = set().union(*(node.pids() for node in cluster.nodes))
            nginx_pids, redis_pids = family(cluster.nginx), {redis_process.pid}
            app_cpu, nginx_cpu, redis_cpu = cpu_of(app_pids), cpu_of(nginx_pids), cpu_of(redis_pids)
            app_queued, generator_cpu = queued_of(app_pids), crowd.cpu()
            start, sent_at = Announcer(address, facilitator, arrived).run(seconds, in_flight)
            pushes = len(sent_at)
            wall = time.monotonic() - start
            app_cpu, app_queued = cpu_of(app_pids) - app_cpu, queued_of(app_pids) - app_queued
            nginx_cpu, redis_cpu = cpu_of(nginx_pids) - nginx_cpu, cpu_of(redis_pids) - redis_cpu
            generator_cpu = crowd.cpu() - generator_cpu
            delivered = sum(crowd.shared.delivered(i) for i in range(pushes))
            last = max(crowd.shared.last(i) for i in range(pushes))
            latencies = [crowd.shared.last(i) - sent_at[i] for i in range(pushes)]
        finally:
            crowd.stop()
    cores = os.cpu_count() or 1
    return {
        "apps": apps,
        "phones": phones,
        "failed_to_connect": failed,
        "sockets_per_app": spread,
        "seed_s": seeded_s,
        "connect_s": connect_s,
        "pushes": pushes,
        "in_flight": in_flight,
        "delivered": delivered,
        "expected": in_now * pushes,
        "deliveries_per_s": delivered / max(1e-9, last - start),
        "pushes_per_s": pushes / max(1e-9, last - start),
        "app_cpu_us_per_message": 1e6 * app_cpu / max(1, delivered),
        "app_cpu_share": app_cpu / wall / cores,
        "app_queued_s_per_s": app_queued / wall,
        "nginx_cpu_share": nginx_cpu / wall / cores,
        "redis_cpu_share": redis_cpu / wall / cores,
        "last_phone_p50_ms": 1000 * statistics.median(latencies),
        "last_phone_max_ms": 1000 * max(latencies),
        "load_generator_cpu_share": generator_cpu / wall / cores,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def print_rows(rows: list[dict[str, Any]]) -> None:
    """The results table."""
    print(
        f"{'apps':>4} {'phones':>6} {'sockets per app':>16} {'pushes':>6} {'delivered':>13} "
        f"{'msgs/s':>7} {'app CPU µs/msg':>14} {'app CPU':>7} {'queued':>6} {'nginx+Redis':>11} "
        f"{'last p50 ms':>11} {'last max ms':>11} {'gen CPU':>7}"
    )
    for row in rows:
        spread = "/".join(str(n) for n in row["sockets_per_app"])
        print(
            f"{row['apps']:>4} {row['phones']:>6} {spread:>16} {row['pushes']:>6} "
            f"{row['delivered']:>6}/{row['expected']:<6} {row['deliveries_per_s']:>7.0f} "
            f"{row['app_cpu_us_per_message']:>14.1f} {100 * row['app_cpu_share']:>6.0f}% "
            f"{row['app_queued_s_per_s']:>6.2f} "
            f"{100 * (row['nginx_cpu_share'] + row['redis_cpu_share']):>10.0f}% "
            f"{row['last_phone_p50_ms']:>11.1f} {row['last_phone_max_ms']:>11.1f} "
            f"{100 * row['load_generator_cpu_share']:>6.0f}%"
        )


def main() -> None:
    """Each topology in turn; print, write JSON and the chart."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500 if results.quick() else 1000)
    parser.add_argument("--apps", default="1,3", help="app processes of each topology (default 1,3)")
    parser.add_argument("--seconds", type=float, default=8.0 if results.quick() else 15.0)
    parser.add_argument("--in-flight", type=int, default=3, help="pushes not yet at every phone")
    parser.add_argument(
        "--worker-connections",
        type=int,
        default=WORKER_CONNECTIONS,
        help=f"gunicorn --worker-connections of every app process (default {WORKER_CONNECTIONS}, "
        "deploy/cluster.py's; gunicorn's own is 1,000)",
    )
    args = parser.parse_args()
    cores = os.cpu_count()
    print(
        f"Fan-out capacity through nginx, {args.phones} phones, {args.seconds:.0f} s of pushes each; "
        f"load average {load_average()}"
    )
    print(
        f"This machine has {cores} cores, shared by the app processes, nginx, Redis and "
        f"{worker_count()} load-generator processes."
    )
    print(f"Every app process runs with gunicorn --worker-connections {args.worker_connections}.")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for apps in (int(n) for n in args.apps.split(",")):
            where = Path(folder) / f"apps-{apps}"
            row = measure(apps, args.phones, args.seconds, args.in_flight, args.worker_connections, where)
            rows.append(row)
            print_rows(rows[-1:])
    print(f"\nFan-out capacity, one and several app processes behind nginx ({cores} cores)")
    print_rows(rows)
    by = {row["apps"]: row for row in rows}
    if 1 in by and 3 in by:
        ratio = by[3]["deliveries_per_s"] / by[1]["deliveries_per_s"]
        print(f"three processes / one: {ratio:.2f}x the delivered messages per second (target 2.5x)")
    for row in rows:
        print(
            f"{row['apps']} app(s): load average {row['load_average_before']} before, "
            f"{row['load_average_after']} after"
        )
    print(
        "app CPU, nginx+Redis, gen CPU: share of all the machine's cores; queued: seconds the app "
        "processes were ready to run but waiting for a core, per second, summed over them."
    )
    for row in rows:
        if row["delivered"] < row["expected"]:
            missing = row["expected"] - row["delivered"]
            print(f"{row['apps']} app(s): {missing} deliveries missing: not every phone kept up")
    print(
        f"The {cores} cores carry the app processes, nginx, Redis, the load generators and whatever else "
        f"runs here: one app process can use at most one core, three at most {cores}, so the ratio says "
        "what this machine allows as much as what the app does."
    )
    results.write("scaling", {"cores": cores, "rows": rows})
    groups = {
        f"{args.phones} phones": {
            f"{row['apps']} app process{'es' if row['apps'] > 1 else ''}": row["deliveries_per_s"]
            for row in rows
        }
    }
    chart = results.bar_chart(
        "scaling", "Fan-out capacity through nginx", groups, "delivered messages per second"
    )
    print(f"written: {results.RESULTS / 'scaling.json'}, {chart}")


if __name__ == "__main__":
    main()
