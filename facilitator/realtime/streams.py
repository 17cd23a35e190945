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
delivered once, by its message id.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
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
SEEN_LIMIT = 20_000

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
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()

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
        data["mid"] = f"{self.host_id}:{next(self._ids)}"
        payload = self.json.dumps(data)
        with self._starting:
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
        log.warning("push stream: entry %s is gone; local sockets reconnect to catch up", self.last_id)
        self.last_id = pushes.NO_ENTRY
        for namespace in list(self.get_namespaces()):
            for sid, _ in list(self.get_participants(namespace, None)):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)

    def _decode(self, payload: str) -> dict[str, Any] | None:
        """The message, or None for a copy already delivered (added twice by a retry)."""
        try:
            message = self.json.loads(payload)
        except ValueError:
            log.error("push stream: an entry is not JSON; skipped")
            return None
        if not isinstance(message, dict):
            return None
        mid = message.get("mid")
        if isinstance(mid, str):
            if mid in self._seen:
                return None
            self._seen.add(mid)
            self._seen_order.append(mid)
            if len(self._seen_order) > SEEN_LIMIT:
                self._seen.discard(self._seen_order.popleft())
        return message
