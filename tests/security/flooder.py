"""A phone gone wrong: sends events as fast as it is told, from its own process (so the test
that measures everyone else's pushes does not share an interpreter lock with it), and prints
what it sent and what it was answered, as JSON.

    python -m tests.security.flooder <url> <session id> <device token> <events a second> <seconds>
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import socketio

KINDS: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
    ("ask_question", lambda n: {"id": f"flood-q-{n:06d}", "text": "Again?"}),
    ("share_portfolio", lambda n: {"id": f"flood-p-{n:06d}", "url": "https://example.org/me"}),
    ("sync_clock", lambda n: {}),
    ("resume", lambda n: {"last_seq": 0}),
]


def main(url: str, session_id: str, token: str, rate: float, seconds: float) -> None:
    """Flood, wait for the answers, print the tally."""
    answers: Counter[str] = Counter()
    waits: list[float] = []
    lock = threading.Lock()

    def answered(ack: dict[str, Any]) -> None:
        with lock:
            code = "ok" if ack["ok"] else ack["error"]["code"]
            answers[code] += 1
            if code == "rate_limited":
                waits.append(ack["error"]["retry_after"])

    client = socketio.Client(reconnection=False)
    client.connect(url, auth={"session_id": session_id, "token": token}, transports=["websocket"])
    sent: Counter[str] = Counter()
    print(json.dumps({"ready": True}), flush=True)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        name, payload = KINDS[n % len(KINDS)]
        client.emit(name, payload(n), callback=answered)
        sent[name] += 1
        n += 1
        ahead = start + n / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    elapsed = time.monotonic() - start
    deadline = time.monotonic() + 10
    while sum(answers.values()) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    client.disconnect()
    with lock:
        tally = {"sent": dict(sent), "answers": dict(answers), "min_wait": min(waits, default=0.0)}
    print(json.dumps({**tally, "seconds": elapsed}), flush=True)


if __name__ == "__main__":
    url, session_id, token, rate, seconds = sys.argv[1:6]
    main(url, session_id, token, float(rate), float(seconds))
