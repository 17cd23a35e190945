"""Per-connection limits: a token bucket per socket and event class, and sockets per person.

A socket lives in one process for its whole life, so its buckets live in that process's
memory: checking one costs no Redis call, and a flood is refused before any handler runs
(`realtime.gate`). Each class of event (see `permissions.TABLE`) has its own bucket, so an
observer tapping fast never slows that tablet's resume, and a candidate asking questions
never runs out of commands. Other sockets, and other sessions, have buckets of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field

import redis

from ..domain.errors import DomainError
from ..domain.events import Viewer
from ..store import processes as process_store
from ..store import sessions as session_store
from .permissions import RateClass

log = logging.getLogger("facilitator.limits")


@dataclass(frozen=True)
class Rate:
    """A bucket's size (the burst a socket may send at once) and how fast it refills."""

    burst: int
    per_second: float


# Generous for people, tight for scripts: a facilitator clicks a few times a second at most,
# and a phone's outbox sends a few queued writes on reconnecting; an observer's tablet may
# send a few hundred queued taps at once after a drop (each a cheap script); a phone asks a
# handful of questions; a page resumes once per connect and syncs its clock now and then.
# A burst is work the server does at once for one socket, so the costly classes keep it small.
RATES: dict[RateClass, Rate] = {
    "command": Rate(burst=10, per_second=5.0),
    "observation": Rate(burst=300, per_second=20.0),
    "question": Rate(burst=5, per_second=0.2),
    "sync": Rate(burst=10, per_second=1.0),
}

# How many sockets one person may hold open to one session in one role. A candidate needs
# one phone, perhaps a second tab. Staff open more (control room, projector, wash-up, a
# tablet, and scripts racing copies of a command with one API token): their bound is there
# to stop a runaway script, not to ration tabs.
MAX_SOCKETS = {"candidate": 5, "observer": 25, "manager": 25}


@dataclass
class Bucket:
    """Tokens refill continuously up to the burst; an event takes one."""

    rate: Rate
    tokens: float
    at: float
    warned_at: float = field(default=float("-inf"))

    def take(self, now: float) -> float:
        """0 when the event may go ahead, else the seconds until a token is there."""
        self.tokens = min(self.rate.burst, self.tokens + (now - self.at) * self.rate.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate.per_second


_buckets: dict[str, dict[RateClass, Bucket]] = {}
_lock = threading.Lock()
WARN_EVERY_S = 60.0


def take(socket_id: str, rate_class: RateClass, now: float | None = None) -> float:
    """Spend one of the socket's tokens of this class: 0 if it had one, else seconds to wait."""
    now = time.monotonic() if now is None else now
    with _lock:
        buckets = _buckets.setdefault(socket_id, {})
        bucket = buckets.get(rate_class)
        if bucket is None:
            rate = RATES[rate_class]
            bucket = buckets[rate_class] = Bucket(rate, float(rate.burst), now)
        wait = bucket.take(now)
        if wait and now - bucket.warned_at >= WARN_EVERY_S:
            bucket.warned_at = now
            log.warning("socket %s is sending %s events too fast; throttled", socket_id, rate_class)
    return wait


def forget(socket_id: str) -> None:
    """Drop a closed socket's buckets."""
    with _lock:
        _buckets.pop(socket_id, None)


class TooManySockets(DomainError):
    """One person already holds as many sockets to the session as anyone needs."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            "too_many_connections",
            f"This session is already open in {limit} places with the same sign-in or device. "
            "Close a tab or another device, then try again.",
        )


def check_sockets(
    r: redis.Redis, session_id: str, viewer: Viewer, held_here: Collection[str], process_id: str | None
) -> None:
    """Refuse a new socket for a person who holds MAX_SOCKETS open to this session already.

    The count is Redis's (sockets on every process). Before refusing, it leaves out the
    sockets this process recorded but no longer holds (a close whose write to Redis failed),
    so a phone is never locked out by its own ghosts."""
    limit = MAX_SOCKETS[viewer.kind]
    recorded = session_store.sockets_of(r, session_id, viewer.kind, viewer.id)
    if len(recorded) < limit:
        return
    if process_id is not None:
        mine = process_store.held(r, process_id)
        recorded = {s for s in recorded if s in held_here or s not in mine}
    if len(recorded) >= limit:
        raise TooManySockets(limit)
