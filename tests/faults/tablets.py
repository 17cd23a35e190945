"""Observer tablets for the fault tests: python-socketio clients that record observations with
ids of their own and keep each in an outbox until the server decides it, as static/js/realtime.js
does: oldest first, resent with the same id after a timeout, a reconnect or a "not now" answer
(`unavailable`, `outcome_unknown`, `busy`, `rate_limited`), dropped once acknowledged or refused.

Every attempt goes into a `History`, so the test can check afterwards what Redis kept.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import socketio

from .history import OK, REFUSED, TIMEOUT, UNAVAILABLE, UNKNOWN, History

# As realtime.js: answers that mean "not now", and how long it waits before trying again.
RETRY_LATER = {"unavailable", "busy", "outcome_unknown", "rate_limited", "too_many_connections"}
STORAGE_RETRY_S = 0.5  # realtime.js waits 2 s; shorter here so the runs stay short
CALL_TIMEOUT_S = 5.0


class Tablet:
    """One observer's tablet: connects through nginx (its own route cookie, as a browser keeps
    one), makes observations at a steady pace and delivers its outbox."""

    def __init__(self, name: str, url: str, session_id: str, api_token: str, history: History) -> None:
        self.name = name
        self.url = url
        self.auth = {"session_id": session_id, "api_token": api_token, "role": "observer"}
        self.history = history
        self.client: socketio.Client | None = None
        self.outbox: list[dict[str, Any]] = []
        self.not_before = 0.0
        self.connects = 0
        self.sids: list[str] = []
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        """Whether its socket is up right now."""
        return self.client is not None and self.client.connected

    def connect(self) -> bool:
        """One connection attempt; False when refused or unreachable (try again later)."""
        self.close()
        client = socketio.Client(reconnection=False)
        try:
            client.connect(
                self.url,
                auth=self.auth,
                headers={"Cookie": f"fac_route={self.name}"},
                transports=["websocket"],
                wait_timeout=CALL_TIMEOUT_S,
            )
        except socketio.exceptions.ConnectionError:
            client.disconnect()
            return False
        self.client = client
        self.connects += 1
        self.sids.append(str(client.get_sid()))
        return True

    def close(self) -> None:
        """Drop the socket, if any."""
        if self.client is not None:
            self.client.disconnect()
            self.client = None

    def make(self, payload: dict[str, Any]) -> None:
        """A new observation: invoked now, delivered by `deliver_one` calls."""
        self.history.invoke(payload["id"], payload["note"])
        self.outbox.append(payload)

    def deliver_one(self) -> None:
        """Send the oldest write in the outbox once, and act on the answer as realtime.js does."""
        if not self.outbox or time.monotonic() < self.not_before:
            return
        if not self.connected and not self.connect():
            self.not_before = time.monotonic() + STORAGE_RETRY_S
            return
        assert self.client is not None
        item = self.outbox[0]
        sent_at = time.monotonic()
        try:
            ack = self.client.call("record_observation", item, timeout=CALL_TIMEOUT_S)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            # No answer: it may or may not have been stored. The socket may be dead; reconnect.
            self.history.answer(item["id"], self.name, TIMEOUT, sent_at)
            self.close()
            return
        if ack["ok"]:
            self.history.answer(item["id"], self.name, OK, sent_at, replayed=bool(ack.get("replayed")))
            self.outbox.pop(0)
            return
        code = ack["error"]["code"]
        if code in RETRY_LATER:
            # Refused for now, before anything was stored (busy, rate_limited), or unknown.
            answer = UNKNOWN if code == "outcome_unknown" else UNAVAILABLE
            self.history.answer(item["id"], self.name, answer, sent_at, code=code)
            self.not_before = time.monotonic() + max(
                STORAGE_RETRY_S, float(ack["error"].get("retry_after") or 0)
            )
            return
        self.history.answer(item["id"], self.name, REFUSED, sent_at, code=code)
        self.outbox.pop(0)

    def run(self, payloads: list[dict[str, Any]], interval_s: float, settle_s: float) -> None:
        """Make `payloads` one every `interval_s`, delivering between; then deliver the rest
        until the outbox is empty or `settle_s` has passed since the last was made."""
        start = time.monotonic()
        for n, payload in enumerate(payloads):
            while time.monotonic() < start + n * interval_s:
                self.deliver_one()
                if not self.outbox or time.monotonic() < self.not_before:
                    time.sleep(0.005)
            self.make(payload)
            self.deliver_one()
        deadline = time.monotonic() + settle_s
        while self.outbox and time.monotonic() < deadline:
            self.deliver_one()
            time.sleep(0.005)

    def start(self, payloads: list[dict[str, Any]], interval_s: float, settle_s: float = 60.0) -> None:
        """`run` in a thread of its own."""

        def body() -> None:
            try:
                self.run(payloads, interval_s, settle_s)
            except BaseException as exc:  # reported by join(), never lost in a thread
                self.failure = exc

        self.thread = threading.Thread(target=body, name=self.name, daemon=True)
        self.thread.start()

    def join(self, timeout: float = 120.0) -> None:
        """Wait for `start`'s thread; re-raise what went wrong in it."""
        assert self.thread is not None
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.name} still running after {timeout} s"
        if self.failure is not None:
            raise self.failure


def observations(
    seed: int, tablet: str, count: int, exercise_id: str, candidate_ids: list[str]
) -> list[dict[str, Any]]:
    """`count` observations for one tablet, the same for the same seed."""
    rng = random.Random(f"{seed}-{tablet}")
    return [
        {
            "id": f"{tablet}-{n:04d}-{rng.getrandbits(32):08x}",
            "exercise_id": exercise_id,
            "candidate_id": rng.choice(candidate_ids),
            "note": f"{tablet} note {n}: {rng.choice(['kept time', 'built on ideas', 'summarised'])}",
        }
        for n in range(count)
    ]
