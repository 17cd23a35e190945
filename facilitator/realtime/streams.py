"""A Socket.IO client manager that carries emits between processes on a Redis Stream.

python-socketio's RedisManager uses pub/sub, which is at most once: while a process's
subscription is down (a network blip, a Redis restart, `CLIENT KILL TYPE pubsub`) every push
published elsewhere is lost to its sockets, and nothing tells them. Here each emit is an entry
of one stream (`fac:pushes`), and each process reads it with XREAD from the last entry id it
saw, like Socket.IO's Redis-streams adapter for Node. After any connection error the reader
reconnects with backoff and reads on from that id, so it delivers everything published in
the meantime, in order, once. With AOF on, the stream survives a Redis restart too.

A process delivers its own emits directly (as python-socketio's pub/sub managers do) and
skips them when they come back through the stream. Its other emits are added by one writer,
in emit order and in batches; an emit that cannot be added yet (Redis unreachable) waits and
is added, in order, once Redis answers again; a copy added twice (the reply was lost) is
delivered once, by its number.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import redis
import socketio

from ..store import pushes

log = logging.getLogger(__name__)

BLOCK_MS = 2000  # how long one XREAD waits for news; the socket timeout is longer
READ_COUNT = 500
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 2.0
BACKLOG_LIMIT = 10_000
WRITE_BATCH = 200
SENDERS_LIMIT = 1000

ClientFactory = Callable[..., redis.Redis]


class StreamManager(socketio.PubSubManager):
    """Emits shared through a Redis Stream, read from the last id seen (see the module doc)."""

    name = "redis-stream"

    def __init__(self, open_client: ClientFactory, maxlen: int = 10_000, block_ms: int = BLOCK_MS) -> None:
        super().__init__(channel="pushes")
        self.open_client = open_client
        self.maxlen = maxlen
        self.block_ms = block_ms
        self.writer = open_client()
        # Named so an operator (or a test) can find this process's reader in CLIENT LIST.
        self.reader_name = f"facilitator-push-{os.getpid()}"
        self.last_id: str | None = None
        self._ids = itertools.count(1)
        self._backlog: deque[str] = deque()
        self._starting = threading.Lock()
        self._wake = threading.Event()
        self._writer: Any = None
        self._last_from: dict[str, int] = {}

    def initialize(self) -> None:
        """Note where the stream ends before the reader starts, so nothing slips between."""
        try:
            self.last_id = pushes.tail(self.writer)
        except redis.RedisError as exc:
            log.warning("push stream: cannot read its end yet (%s); the reader will", exc)
        super().initialize()

    # ---- publishing ----

    def _publish(self, data: dict[str, Any]) -> None:
        """Queue one message for the stream; the writer adds queued messages in order."""
        with self._starting:
            # Numbered as queued: the stream holds each process's messages in number order.
            data["mid"] = f"{self.host_id}:{next(self._ids)}"
            payload = self.json.dumps(data)
            if len(self._backlog) >= BACKLOG_LIMIT:
                self._backlog.popleft()
                log.error("push stream: %d pushes waiting; the oldest is dropped", BACKLOG_LIMIT)
            self._backlog.append(payload)
            if self._writer is None:
                self._writer = self.server.start_background_task(self._write_forever)
        self._wake.set()

    def _write_forever(self) -> None:
        """Add queued messages to the stream in batches, oldest first, until Redis takes them.

        One writer keeps them in emit order; a batch is one round trip (and, with appendfsync
        always, one fsync) however many emits it carries, so a burst costs little per emit.
        """
        backoff = BACKOFF_FIRST_S
        failing = False
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._backlog:
                batch = [self._backlog[i] for i in range(min(len(self._backlog), WRITE_BATCH))]
                try:
                    pushes.append_all(self.writer, batch, self.maxlen)
                except redis.RedisError as exc:
                    if not failing:
                        log.warning("push stream: cannot add pushes (%s); they wait until Redis answers", exc)
                    failing = True
                    self.server.sleep(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
                    continue
                for _ in batch:
                    self._backlog.popleft()
                if failing:
                    log.warning("push stream: Redis answers again; waiting pushes added")
                failing = False
                backoff = BACKOFF_FIRST_S

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until every queued emit is in the stream, for a short-lived process (a CLI
        command) about to exit; False if Redis did not take them in time."""
        deadline = time.monotonic() + timeout_s
        while self._backlog and time.monotonic() < deadline:
            self.server.sleep(0.01)
        return not self._backlog

    # ---- reading ----

    def _listen(self) -> Iterator[dict[str, Any]]:
        """Every message of other processes, in stream order, across reconnects."""
        backoff = BACKOFF_FIRST_S
        while True:
            reader = None
            try:
                reader = self.open_client(
                    max_connections=1,
                    socket_timeout_s=self.block_ms / 1000 + 3,
                    client_name=self.reader_name,
                )
                self._resume_point(reader)
                while True:
                    after = self.last_id or pushes.NO_ENTRY
                    entries = pushes.read_after(reader, after, READ_COUNT, self.block_ms)
                    backoff = BACKOFF_FIRST_S
                    if len(entries) == READ_COUNT and pushes.trimmed_past(reader, after):
                        # Far behind (a stopped process, say), and the cap overtook us.
                        self._missed(f"the stream was trimmed past entry {after}")
                    for entry_id, payload in entries:
                        self.last_id = entry_id
                        message = self._decode(payload)
                        if message is not None:
                            yield message
            except (redis.RedisError, OSError) as exc:
                log.warning(
                    "push stream: reading stopped (%s); reconnecting in %.1f s from %s",
                    exc,
                    backoff,
                    self.last_id,
                )
                self.server.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
            finally:
                if reader is not None:
                    reader.close()

    def _resume_point(self, reader: redis.Redis) -> None:
        """Where to read on from; when the last id seen is gone, local sockets may have missed
        pushes, so they are closed and resume from the session logs on reconnecting."""
        if self.last_id is None:
            self.last_id = pushes.tail(reader)
            return
        if self.last_id == pushes.NO_ENTRY or pushes.holds(reader, self.last_id):
            return
        # Trimmed past it (or the stream was lost): everything left is newer than it.
        self._missed(f"entry {self.last_id} is gone")
        self.last_id = pushes.NO_ENTRY

    def _decode(self, payload: str) -> dict[str, Any] | None:
        """The message, or None for a copy already delivered (added twice by a retry).

        Each process numbers its messages and its one writer adds them in that order, so a
        number at or below the last one seen from that process is a copy, and a number
        further on than the next is a gap: those pushes were trimmed away before this process
        read them (it was stopped, or far behind). Its sockets then reconnect and resume.
        """
        try:
            message = self.json.loads(payload)
        except ValueError:
            log.error("push stream: an entry is not JSON; skipped")
            return None
        if not isinstance(message, dict):
            return None
        sender, _, number = str(message.get("mid", "")).rpartition(":")
        if not sender or sender == self.host_id or not number.isdigit():
            return message  # our own come back (the base class skips them), or unnumbered
        last = self._last_from.get(sender)
        if last is not None and int(number) <= last:
            return None
        if last is not None and int(number) > last + 1:
            self._missed(f"{int(number) - last - 1} push(es) of another process are gone from the stream")
        self._last_from[sender] = int(number)
        if len(self._last_from) > SENDERS_LIMIT:  # processes come and go; forget the oldest
            self._last_from.pop(next(iter(self._last_from)))
        return message

    def _missed(self, what: str) -> None:
        """Local sockets may lack pushes: close them, so their clients reconnect and resume
        from the session logs, which hold every event."""
        log.warning("push stream: %s; local sockets reconnect to catch up", what)
        for namespace in list(self.get_namespaces()):
            for sid, _ in list(self.get_participants(namespace, None)):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
