"""A candidate's phone in a process of its own, so a test can freeze it (SIGSTOP) and wake it.

    python -m tests.faults.frozen_phone URL SESSION_ID DEVICE_TOKEN OUT_FILE

It keeps the rules static/js/realtime.js keeps: on every connect it resumes from the newest
sequence id it applied; pushes that arrive while a resume is outstanding wait for it; an event
is applied once, only above the last snapshot's `seq`; a dropped socket connects again. Each
applied announcement, and each snapshot taken, is written to OUT_FILE as one JSON line.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, TextIO

import engineio
import socketio


class InOrderEngine(engineio.Client):
    """Handles each message on the reading thread, as a browser's single thread does: the
    stock client starts a thread per message, so handlers could run out of arrival order."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    """A Socket.IO client whose events are handled in the order they arrive."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return InOrderEngine


class Phone:
    """The realtime.js bookkeeping, on a python-socketio client."""

    def __init__(self, url: str, session_id: str, token: str, out: TextIO) -> None:
        self.url = url
        self.auth = {"session_id": session_id, "token": token}
        self.out = out
        self.seq = 0
        self.floor = 0
        self.seen: set[int] = set()
        self.resuming = False
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.RLock()
        self.client = InOrderClient(reconnection=False)
        self.client.on("*", self.receive)

    def write(self, record: dict[str, Any]) -> None:
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()

    def receive(self, name: str, envelope: Any = None) -> None:
        with self.lock:
            if self.resuming:
                self.pending.append((name, envelope))
            else:
                self.apply(name, envelope)

    def apply(self, name: str, envelope: dict[str, Any]) -> None:
        seq = int(envelope["seq"])
        if seq <= self.floor or seq in self.seen:
            return
        self.seen.add(seq)
        self.seq = max(self.seq, seq)
        if name == "announcement_made":
            self.write({"seq": seq, "text": envelope["data"]["text"]})

    def resume(self) -> bool:
        with self.lock:
            self.resuming = True
            self.pending = []
        try:
            ack = self.client.call("resume", {"last_seq": self.seq}, timeout=10)
        except socketio.exceptions.TimeoutError:
            ack = {"ok": False}
        with self.lock:
            self.resuming = False
            if not ack["ok"]:
                return False
            result = ack["result"]
            if "snapshot" in result:
                self.seq = self.floor = int(result["seq"])
                self.seen = set()
                texts = [a["text"] for a in result["snapshot"]["announcements"]]
                self.write({"snapshot": True, "seq": self.seq, "announcements": texts})
            else:
                for event in result["events"]:
                    self.apply(event["type"], event)
                self.seq = max(self.seq, int(result["seq"]))
            for name, envelope in self.pending:
                self.apply(name, envelope)
            self.pending = []
        return True

    def run(self) -> None:
        """Stay connected and caught up, forever (the test ends the process)."""
        while True:
            if not self.client.connected:
                try:
                    self.client.connect(self.url, auth=self.auth, transports=["websocket"], wait_timeout=10)
                except socketio.exceptions.ConnectionError:
                    time.sleep(0.5)
                    continue
                if not self.resume():
                    self.client.disconnect()
                    continue
                self.write({"connected": True})
            time.sleep(0.05)


if __name__ == "__main__":
    url, session_id, token, path = sys.argv[1:5]
    with open(path, "a") as out:
        Phone(url, session_id, token, out).run()
