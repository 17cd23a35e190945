"""python-socketio clients that behave like phones and laptops, and record what they receive."""

from __future__ import annotations

import threading
import time
from typing import Any

import socketio


class Device:
    """A Socket.IO client connected to a session, keeping every event it receives."""

    def __init__(self, url: str, session_id: str, **auth: str) -> None:
        self.url = url
        self.auth = {"session_id": session_id, **auth}
        self.client = socketio.Client(reconnection=False)
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.resumed_seq = 0
        self.refusal: Any = None
        self.client.on("*", self._record)
        self.client.on("connect_error", self._refused)

    def _record(self, name: str, envelope: Any = None) -> None:
        with self.lock:
            self.events.append({"name": name, **(envelope or {})})

    def _refused(self, data: Any = None) -> None:
        self.refusal = data

    def connect(self) -> Device:
        """Connect (websocket) and wait until the server accepted us."""
        self.client.connect(self.url, auth=self.auth, transports=["websocket"], wait_timeout=10)
        return self

    def disconnect(self) -> None:
        """Drop the connection."""
        self.client.disconnect()

    def call(self, event: str, payload: Any = None) -> Any:
        """Emit and wait for the acknowledgement."""
        return self.client.call(event, payload, timeout=15)

    def resume(self, last_seq: int = 0) -> Any:
        """Ask for what was missed since `last_seq` (or a snapshot)."""
        ack = self.call("resume", {"last_seq": last_seq})
        assert ack["ok"], ack
        self.resumed_seq = max(self.resumed_seq, ack["result"]["seq"])
        return ack["result"]

    def names(self) -> list[str]:
        """Names of the events received so far."""
        with self.lock:
            return [e["name"] for e in self.events]

    def of(self, name: str) -> list[dict[str, Any]]:
        """Received events with this name."""
        with self.lock:
            return [e for e in self.events if e["name"] == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until `count` events named `name` have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.of(name)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout}s for {count} x {name}; got {self.names()}")
            time.sleep(0.02)
        return self.of(name)

    def max_seq(self) -> int:
        """The newest sequence id this device has seen, by push or by resume."""
        with self.lock:
            return max([self.resumed_seq, *(e.get("seq") or 0 for e in self.events)])
