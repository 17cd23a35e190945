"""Benchmark: what carrying one emit between processes costs, push stream against pub/sub.

Starts a Redis server with appendfsync always (as production runs), then, in this process
(gevent, like the app), emits the same event N times through python-socketio's RedisManager
(pub/sub) and through the app's StreamManager (XADD to the push stream, XREAD from it), each
with its listener running. Prints the app CPU per emit (publishing and reading it back) and
the time until the last emit was handed to Redis, one emitter at a time and 50 at once.

    .venv/bin/python bench/push_manager.py [--emits 5000] [--rounds 3]
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import functools  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import socketio  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitator.realtime.streams import StreamManager  # noqa: E402
from facilitator.store import RedisSettings, open_client  # noqa: E402
from tests.redis_server import RedisProcess  # noqa: E402

EVENT = {
    "type": "announcement_made",
    "seq": 12,
    "at": 1.0,
    "data": {"text": "Lunch at one", "group_id": None},
}
EMITTERS = 50


def measure(make: Callable[[], Any], emits: int, emitters: int) -> tuple[float, float]:
    """(app CPU µs per emit, publishing wall µs per emit) for one manager."""
    manager = make()
    server = socketio.Server(async_mode="gevent", client_manager=manager)
    manager.initialize()
    time.sleep(0.3)
    for _ in range(200):  # warm up connections and caches
        server.emit("announcement_made", EVENT, to=["s:bench:candidates"])
    time.sleep(0.5)

    def emit_some(count: int) -> None:
        for _ in range(count):
            server.emit("announcement_made", EVENT, to=["s:bench:candidates"])
            gevent.sleep(0)  # a handler yields between emits

    cpu, wall = time.process_time(), time.perf_counter()
    gevent.joinall([gevent.spawn(emit_some, emits // emitters) for _ in range(emitters)])
    while getattr(manager, "_backlog", None):  # the stream's writer still adding
        time.sleep(0.001)
    wall = time.perf_counter() - wall
    time.sleep(1.0)  # the listener reads everything back meanwhile
    cpu = time.process_time() - cpu
    return 1e6 * cpu / emits, 1e6 * wall / emits


def main() -> None:
    """Run both managers, a few rounds each, and print the medians and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--emits", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = RedisProcess(Path(folder), appendfsync="always")
        server.start()
        try:
            settings = RedisSettings(url=server.url)
            managers: dict[str, Callable[[], Any]] = {
                "pub/sub (RedisManager)": lambda: socketio.RedisManager(server.url),
                "push stream (StreamManager)": lambda: StreamManager(
                    functools.partial(open_client, settings)
                ),
            }
            print(f"{args.emits} emits through each manager; Redis with appendfsync always")
            print(f"{'manager':30s} {'emitters':>8s} {'CPU µs/emit':>12s} {'wall µs/emit':>13s}")
            for emitters in (1, EMITTERS):
                found: dict[str, tuple[float, float]] = {}
                for name, make in managers.items():
                    runs = [measure(make, args.emits, emitters) for _ in range(args.rounds)]
                    found[name] = (
                        statistics.median(r[0] for r in runs),
                        statistics.median(r[1] for r in runs),
                    )
                    print(f"{name:30s} {emitters:8d} {found[name][0]:12.1f} {found[name][1]:13.1f}")
                stream, pubsub = found["push stream (StreamManager)"], found["pub/sub (RedisManager)"]
                ratios = f"{stream[0] / pubsub[0]:12.2f} {stream[1] / pubsub[1]:13.2f}"
                print(f"{'ratio stream / pub/sub':30s} {emitters:8d} {ratios}")
        finally:
            # The listeners still running notice Redis go; that is not news here.
            logging.getLogger("facilitator.realtime.streams").setLevel(logging.CRITICAL)
            server.stop()


if __name__ == "__main__":
    main()
