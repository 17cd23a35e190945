"""Which app process holds which socket, and whether each process is still alive.

Each process beats: it sets its heartbeat key with a time to live, again and again. A process
killed outright (kill -9, a lost machine) stops beating; once its key has expired, any other
process lets go of the sockets it held, so its phones show offline instead of forever online.
"""

from __future__ import annotations

from typing import cast

import redis

from . import keys
from .scripts import FORGET_PROCESS, RELEASE_SOCKET, Lua

_RELEASE = Lua(RELEASE_SOCKET)
_FORGET = Lua(FORGET_PROCESS)


def beat(r: redis.Redis, process_id: str, ttl_ms: int) -> bool:
    """Say this process is alive for `ttl_ms` more; False when it had been taken for dead
    (or never beat before), so it should record its sockets again."""
    with r.pipeline(transaction=True) as pipe:
        pipe.set(keys.process_alive(process_id), "1", px=ttl_ms, get=True)
        pipe.sadd(keys.processes(), process_id)
        before, _ = pipe.execute()
    return before is not None


def alive(r: redis.Redis, process_id: str) -> bool:
    """Whether the process's heartbeat key is present."""
    return bool(r.exists(keys.process_alive(process_id)))


def known(r: redis.Redis) -> set[str]:
    """Every process that held sockets and was not forgotten yet."""
    return cast(set[str], r.smembers(keys.processes()))


def held(r: redis.Redis, process_id: str) -> dict[str, tuple[str, str, str]]:
    """Socket id -> (session id, kind, person id) for each socket the process holds."""
    found = cast(dict[str, str], r.hgetall(keys.process_sockets(process_id)))
    holders = {}
    for socket_id, holder in found.items():
        session_id, kind, person_id = holder.split(":", 2)
        holders[socket_id] = (session_id, kind, person_id)
    return holders


def release(
    r: redis.Redis, process_id: str, socket_id: str, session_id: str, kind: str, person_id: str
) -> int:
    """Let go of one socket of a dead process: -1 if it beats after all, 1 when the candidate
    is offline now, else 0."""
    return int(
        _RELEASE(
            r,
            keys=[
                keys.process_alive(process_id),
                keys.process_sockets(process_id),
                keys.sockets(session_id, kind, person_id),
                keys.online(session_id),
            ],
            args=[socket_id, person_id, "1" if kind == "candidate" else "0"],
        )
    )


def forget(r: redis.Redis, process_id: str) -> bool:
    """Forget a dead process that holds no sockets any more."""
    return bool(
        _FORGET(
            r,
            keys=[keys.process_alive(process_id), keys.process_sockets(process_id), keys.processes()],
            args=[process_id],
        )
    )
