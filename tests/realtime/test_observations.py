"""Observers tapping at once over flaky connections: every observation stored exactly once."""

from __future__ import annotations

import threading
import time
from typing import Any

import redis
import requests

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import make_user
from ..live_server import LiveServer
from ..phones import Device

OBSERVERS = 5
EACH = 40


def panel_session(
    live: LiveServer, token: str, r: redis.Redis, observers: int, candidates: int
) -> tuple[SessionBuilder, list[dict[str, Any]], list[str], str]:
    """A live session with a running exercise, a panel of observers (their API tokens) and phones."""
    build = SessionBuilder(requests.Session(), token, prefix=live.url).create()
    tokens = []
    for n in range(observers):
        account = make_user(r, f"observer{n}@example.com", "observer")
        build.call("post", f"/sessions/{build.session_id}/panel", {"user_id": account.id}, expect=201)
        tokens.append(user_store.issue_api_token(r, account.id))
    build.state("open")
    people = [build.join(f"Candidate {n}") for n in range(candidates)]
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    return build, people, tokens, exercise_id


def test_concurrent_observations_with_retries_and_drops_are_stored_exactly_once(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, people, tokens, exercise_id = panel_session(live, live_token, r, OBSERVERS, 8)
    phones = [Device(live.url, build.session_id, token=p["token"]).connect() for p in people]
    for phone in phones:
        phone.resume()
    indicators = ["teamwork-p1", "teamwork-n1", "communication-p2", "communication-n2"]
    failures: list[str] = []

    def observer(n: int) -> None:
        device = Device(live.url, build.session_id, api_token=tokens[n]).connect()
        device.resume()
        try:
            for i in range(EACH):
                payload = {
                    "id": f"obs-{n}-{i:03d}",
                    "exercise_id": exercise_id,
                    "candidate_id": people[(n + i) % len(people)]["candidate_id"],
                    "indicator_id": indicators[i % len(indicators)],
                    "note": f"note {i}",
                }
                if i in (10, 25):
                    # Fire and drop the line before the acknowledgement can arrive.
                    device.client.emit("record_observation", payload)
                    device.disconnect()
                    device = Device(live.url, build.session_id, api_token=tokens[n]).connect()
                    device.resume()
                for _ in range(2):
                    ack = device.call("record_observation", payload)
                    if not ack["ok"]:
                        failures.append(str(ack))
        finally:
            device.disconnect()

    threads = [threading.Thread(target=observer, args=(n,)) for n in range(OBSERVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures

    stored = build.call("get", f"/sessions/{build.session_id}/observations", expect=200)["observations"]
    ids = [o["id"] for o in stored]
    assert len(ids) == OBSERVERS * EACH == len(set(ids))
    logged = [
        e
        for e in build.call("get", f"/sessions/{build.session_id}/events?after=0", expect=200)
        if e["type"] == "observation_recorded"
    ]
    assert len(logged) == OBSERVERS * EACH

    time.sleep(0.5)  # let any stray push arrive before looking
    for phone in phones:
        assert not [n for n in phone.names() if "observation" in n or "rating" in n], phone.names()
        phone.disconnect()


def test_a_burst_of_taps_beyond_the_connection_pool_is_answered_in_full(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, people, tokens, exercise_id = panel_session(live, live_token, r, 3, 4)
    acks: list[dict[str, Any]] = []
    done = threading.Event()
    total = 3 * 60

    def answered(ack: dict[str, Any]) -> None:
        acks.append(ack)
        if len(acks) == total:
            done.set()

    devices = [Device(live.url, build.session_id, api_token=token).connect() for token in tokens]
    for n, device in enumerate(devices):
        device.resume()
        for i in range(60):
            # Sent without waiting: the server handles them all at once, far more than 100.
            device.client.emit(
                "record_observation",
                {
                    "id": f"burst-{n}-{i:03d}",
                    "exercise_id": exercise_id,
                    "candidate_id": people[i % len(people)]["candidate_id"],
                    "note": "Burst",
                },
                callback=answered,
            )
    assert done.wait(60), f"{len(acks)} of {total} answered"
    assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]][:3]
    assert (
        len(build.call("get", f"/sessions/{build.session_id}/observations", expect=200)["observations"])
        == total
    )
    for device in devices:
        device.disconnect()
