"""Pushes cross processes on the push stream: phones on one process receive every push made
through another, in order and once each, across killed connections and a Redis restart."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis
import requests

from ..builders import SessionBuilder
from ..cluster import LocalCluster
from ..phones import Device
from .history import OK, TIMEOUT, UNAVAILABLE, UNKNOWN, History, logged

pytestmark = pytest.mark.cluster

PUSHES = 300
A, B = 0, 1


def announce_all(
    manager: Device, sent: list[str], failures: list[Any], stop: threading.Event, history: History
) -> None:
    """Send the announcements one by one, each again (same id) until it is acknowledged;
    every attempt and its answer goes into `history`."""
    for i in range(PUSHES):
        command = {"id": f"announcement-{i:04d}", "text": f"Notice {i:04d}"}
        history.invoke(command["id"], command["text"])
        deadline = time.monotonic() + 30
        while True:
            sent_at = time.monotonic()
            try:
                ack = manager.call("announce", command)
            except Exception as exc:  # a timeout while Redis restarts: send it again
                ack = {"ok": False, "error": {"code": type(exc).__name__}}
            code = "" if ack["ok"] else ack["error"]["code"]
            answer = {"": OK, "outcome_unknown": UNKNOWN, "TimeoutError": TIMEOUT}.get(code, UNAVAILABLE)
            history.answer(
                command["id"], "manager", answer, sent_at, replayed=bool(ack.get("replayed")), code=code
            )
            if code == "rate_limited":  # as realtime.js: not now, after the pause it names
                time.sleep(float(ack["error"].get("retry_after") or 0.2))
                continue
            if ack["ok"]:
                if ack.get("replayed"):
                    failures.append(f"{command['id']} was applied without being acknowledged")
                sent.append(command["text"])
                break
            if ack["error"]["code"] not in ("unavailable", "outcome_unknown", "TimeoutError"):
                failures.append(ack)
                return
            if time.monotonic() > deadline or stop.is_set():
                failures.append(f"{command['id']} never acknowledged: {ack}")
                return
            time.sleep(0.05)


def received(device: Device) -> list[str]:
    """The announcement texts a device received, in arrival order."""
    return [e["data"]["text"] for e in device.of("announcement_made")]


def test_phones_on_one_process_receive_every_push_made_through_another_across_faults(
    cluster: LocalCluster,
) -> None:
    token = cluster.facilitator_token()
    build = SessionBuilder(requests.Session(), token, prefix=cluster.app_url(B)).create()
    build.state("open")
    people = [build.join(f"Candidate {n}") for n in range(3)]
    build.state("live")
    on_a = [Device(cluster.app_url(A), build.session_id, token=p["token"]).connect() for p in people]
    # A phone on B itself: a process's own pushes reach its phones once too.
    on_b = Device(cluster.app_url(B), build.session_id, token=people[0]["token"]).connect()
    phones = [*on_a, on_b]
    for phone in phones:
        phone.resume()
    manager = Device(cluster.app_url(B), build.session_id, api_token=token).connect()
    cluster.wait_for_reader(A)
    first_reader = cluster.reader_of(A)

    sent: list[str] = []
    failures: list[Any] = []
    stop = threading.Event()
    history = History()
    sender = threading.Thread(target=announce_all, args=(manager, sent, failures, stop, history))
    sender.start()
    r = cluster.client()
    try:

        def after(count: int) -> None:
            while len(sent) < count and sender.is_alive():
                time.sleep(0.005)

        after(50)
        # Nothing rides on pub/sub any more; this must change nothing.
        r.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        after(80)
        cluster.kill_reader(A)
        after(130)
        cluster.kill_reader(A)
        cluster.kill_reader(B)
        after(180)
        r.close()
        cluster.redis.restart(pause_s=1.0)  # AOF always: the stream survives the restart
        r = cluster.client()
        after(250)
        cluster.kill_reader(A)
        sender.join(timeout=90)
    finally:
        stop.set()
        sender.join(timeout=30)
        r.close()
    assert not failures, failures[:3]
    assert len(sent) == PUSHES
    # The writes themselves, checked as a history: each acknowledged one logged exactly once.
    r = cluster.client()
    try:
        present: dict[str, int] = {}
        for data in logged(r, build.session_id, "announcement_made"):
            present[data["id"]] = present.get(data["id"], 0) + 1
    finally:
        r.close()
    problems = history.check(present)
    assert not problems, problems[:10]
    print(f"push stream cut: {history.figures()}")

    deadline = time.monotonic() + 30
    while any(len(received(p)) < PUSHES for p in phones) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a copy delivered twice would have arrived by now
    for phone in phones:
        assert received(phone) == sent, (len(received(phone)), len(sent))
        seqs = [e["seq"] for e in phone.of("announcement_made")]
        assert seqs == sorted(seqs) and len(set(seqs)) == PUSHES
    # The reader on A reconnected each time (a new connection, the same name). Client ids start
    # again from 1 after the Redis restart, so the new connection is told by its own address.
    cluster.wait_for_reader(A)
    assert cluster.reader_of(A)["addr"] != first_reader["addr"]  # type: ignore[index]
    assert "reading stopped" in cluster.log_of(A)
    for device in (*phones, manager):
        device.disconnect()


def test_the_push_stream_stays_within_its_bound(cluster: LocalCluster) -> None:
    r: redis.Redis = cluster.client()
    try:
        # Bounded by XADD MAXLEN ~ (FACILITATOR_PUSH_STREAM_LENGTH, 10,000 by default).
        assert r.xlen("fac:pushes") <= 10_000 + 200
        assert r.config_get("appendfsync")["appendfsync"] == "always"
    finally:
        r.close()
