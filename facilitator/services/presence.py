"""Presence: which candidates have a phone connected, true even when a process dies.

A socket is recorded with the process holding it. When a process stops beating (see
`store.processes`), `sweep` lets go of its sockets and logs `candidate_presence_changed`
(offline) for each candidate left with none, so the lobby stops showing them online.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import redis

from ..domain import lobby
from ..domain.events import Event, Viewer
from ..store import log
from ..store import processes as process_store
from ..store import sessions as session_store


def socket_changed(
    r: redis.Redis,
    session_id: str,
    viewer: Viewer,
    socket_id: str,
    connected: bool,
    process_id: str | None = None,
) -> list[Event]:
    """Record a socket opening or closing (held by `process_id`), and log an event in the same
    step when a candidate goes on- or offline."""
    change = lobby.presence_changed(viewer.id, connected, time.time())
    return session_store.track_socket(
        r, session_id, viewer.kind, viewer.id, socket_id, connected, change, process_id
    )


def sweep(r: redis.Redis, skip: str | None = None) -> dict[str, list[Event]]:
    """Let go of the sockets of every process whose heartbeat expired; the logged events by
    session. Several processes may sweep at once: each socket is let go exactly once."""
    events: dict[str, list[Event]] = {}
    for process_id in process_store.known(r):
        if process_id == skip or process_store.alive(r, process_id):
            continue
        for socket_id, (session_id, kind, person_id) in process_store.held(r, process_id).items():
            released = process_store.release(r, process_id, socket_id, session_id, kind, person_id)
            if released < 0:
                break  # it beats again: what it holds is its own
            if released == 1:
                offline = lobby.presence_changed(person_id, False, time.time())
                events.setdefault(session_id, []).extend(log.append_now(r, session_id, [offline]))
        process_store.forget(r, process_id)
    return events


def reclaim(
    r: redis.Redis, process_id: str, sockets: Iterable[tuple[str, str, Viewer]]
) -> dict[str, list[Event]]:
    """Record again every (socket id, session id, viewer) this process holds, after it had
    been taken for dead (Redis unreachable for longer than the heartbeat lasts)."""
    events: dict[str, list[Event]] = {}
    for socket_id, session_id, viewer in sockets:
        found = socket_changed(r, session_id, viewer, socket_id, True, process_id)
        if found:
            events.setdefault(session_id, []).extend(found)
    return events
