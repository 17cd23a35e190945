"""Each server process's heartbeat, and the sweep that lets go of dead processes' sockets.

`start(app)` gives the process an id, beats once at once (so no socket of it is ever
recorded before it is known alive), then, every third of `PRESENCE_TTL_S`, beats again and
sweeps. A process killed outright is taken for dead once its heartbeat expires (at most
`PRESENCE_TTL_S` after its last beat), and the next sweep by any process (at most a third
of that later) shows its phones offline: within 20 s with the default of 15.
"""

from __future__ import annotations

import logging
import os
import time
import uuid

import redis
from flask import Flask, current_app

from .. import broadcast
from ..domain.events import Event
from ..extensions import socketio
from ..services import presence
from ..store import get_redis
from ..store import processes as process_store

PROCESS = "facilitator.process_id"

log = logging.getLogger(__name__)


def process_id() -> str | None:
    """This process's id once its heartbeat runs; None in processes that hold no sockets
    for long (tests' in-process servers, commands)."""
    return current_app.extensions.get(PROCESS)


def start(app: Flask) -> str:
    """Give this process an id, beat once, and keep beating and sweeping in the background."""
    ident = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    ttl_s = float(app.config.get("PRESENCE_TTL_S", 15.0))
    with app.app_context():
        try:
            process_store.beat(get_redis(), ident, int(ttl_s * 1000))
        except redis.RedisError as exc:
            log.warning("presence: first heartbeat failed (%s); retrying in the background", exc)
    app.extensions[PROCESS] = ident
    socketio.start_background_task(_beat_forever, app, ident, ttl_s)
    return ident


def _publish(found: dict[str, list[Event]]) -> None:
    for session_id, events in found.items():
        broadcast.publish(session_id, events)


def _beat_forever(app: Flask, ident: str, ttl_s: float) -> None:
    from .connection import connections

    sweep_after = 0.0
    while True:
        socketio.sleep(ttl_s / 3)
        with app.app_context():
            try:
                r = get_redis()
                if not process_store.beat(r, ident, int(ttl_s * 1000)):
                    log.warning("presence: this process had been taken for dead; recording its sockets again")
                    held = [(sid, c.session_id, c.viewer) for sid, c in list(connections.items())]
                    _publish(presence.reclaim(r, ident, held))
                    # Most likely Redis was away for all of us: let the others beat again
                    # before taking any of them for dead.
                    sweep_after = time.monotonic() + ttl_s
                if time.monotonic() >= sweep_after:
                    _publish(presence.sweep(r, skip=ident))
            except redis.RedisError as exc:
                log.warning("presence: heartbeat or sweep failed (%s)", exc)
            except Exception:  # the loop must outlive any bug in one round
                log.exception("presence: heartbeat round failed")
