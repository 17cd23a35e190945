"""Session documents, their join codes, and candidates' personal and device tokens."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import cast

import redis

from ..domain.events import Event
from ..domain.ids import new_join_code, new_token
from ..domain.models import Competency, Session
from . import invites, keys, log
from .scripts import TRACK_SOCKET, Lua
from .users import token_hash

MAX_CODE_ATTEMPTS = 20


def reserve_join_code(r: redis.Redis, session_id: str) -> str:
    """A join code no other session uses, claimed for `session_id`."""
    for _ in range(MAX_CODE_ATTEMPTS):
        code = new_join_code()
        if r.set(keys.join_code(code), session_id, nx=True):
            return code
    raise RuntimeError("could not find a free join code")


def insert(r: redis.Redis, session: Session) -> None:
    """Store a new session document."""
    with r.pipeline() as pipe:
        pipe.set(keys.session(session.id), session.model_dump_json())
        pipe.incr(keys.session_version(session.id))
        pipe.zadd(keys.sessions(), {session.id: session.created_at})
        pipe.execute()


def get(r: redis.Redis, session_id: str) -> Session | None:
    """The session document alone (no roster), if it exists."""
    raw = r.get(keys.session(session_id))
    return Session.model_validate_json(raw) if raw else None


def list_all(r: redis.Redis) -> list[Session]:
    """Every session, newest first."""
    ids = cast(list[str], r.zrevrange(keys.sessions(), 0, -1))
    if not ids:
        return []
    raws = r.mget([keys.session(i) for i in ids])
    return [Session.model_validate_json(raw) for raw in raws if raw]


def by_join_code(r: redis.Redis, code: str) -> str | None:
    """The session id a join code opens."""
    return cast(str | None, r.get(keys.join_code(code)))


def issue_invites(
    pipe: redis.client.Pipeline, session_id: str, candidate_ids: Iterable[str], secret: str
) -> dict[str, str]:
    """Queue personal invite tokens for new candidates; returns candidate id -> token.

    Tokens are derived from `secret` (the app's SECRET_KEY) and never stored: see store/invites.py.
    """
    return invites.issue(pipe, session_id, candidate_ids, secret)


def invite_tokens(r: redis.Redis, session_id: str, secret: str) -> dict[str, str]:
    """Candidate id -> personal invite token, derived again to show the links."""
    return invites.tokens(r, session_id, secret)


def resolve_invite(r: redis.Redis, token: str) -> tuple[str, str] | None:
    """(session id, candidate id) for a personal invite token."""
    return _pair(cast(str | None, r.get(keys.invite(token_hash(token)))))


def _pair(found: str | None) -> tuple[str, str] | None:
    """ "<session id>:<candidate id>" split in two."""
    if not found:
        return None
    session_id, _, candidate_id = found.partition(":")
    return session_id, candidate_id


DEVICE_TOKEN_TTL_S = 3 * 24 * 3600


def issue_device_token(pipe: redis.client.Pipeline, session_id: str, candidate_id: str) -> str:
    """Queue a new token that lets one phone act as one checked-in candidate (for three days)."""
    token = new_token()
    grant_device(pipe, session_id, candidate_id, token_hash(token))
    return token


def grant_device(
    pipe: redis.client.Pipeline,
    session_id: str,
    candidate_id: str,
    device_hash: str,
    replaced: str | None = None,
) -> None:
    """Queue letting the phone whose token has hash `device_hash` act as the candidate; with
    `replaced` (the hash of the token the candidate's earlier phone holds), that phone's token
    stops working."""
    pipe.set(keys.device(device_hash), f"{session_id}:{candidate_id}", ex=DEVICE_TOKEN_TTL_S)
    pipe.hset(keys.devices(session_id), candidate_id, device_hash)
    if replaced is not None and replaced != device_hash:
        pipe.delete(keys.device(replaced))


def device_of(r: redis.Redis, session_id: str, candidate_id: str) -> str | None:
    """The hash of the device token the candidate's phone holds, if they checked in on one."""
    return cast(str | None, r.hget(keys.devices(session_id), candidate_id))


def resolve_device(r: redis.Redis, token: str) -> tuple[str, str] | None:
    """(session id, candidate id) for a phone's device token."""
    return _pair(cast(str | None, r.get(keys.device(token_hash(token)))))


def load_library(r: redis.Redis, defaults: list[Competency]) -> list[Competency]:
    """The competency library; seeded with the defaults the first time it is read."""
    raw = r.hgetall(keys.library())
    if not raw:
        r.hset(keys.library(), mapping={c.id: c.model_dump_json() for c in defaults})
        return defaults
    items = [Competency.model_validate_json(v) for v in raw.values()]
    return sorted(items, key=lambda c: c.name.casefold())


def save_competency(r: redis.Redis, competency: Competency) -> None:
    """Add or replace one competency in the library."""
    r.hset(keys.library(), competency.id, competency.model_dump_json())


_TRACK = Lua(TRACK_SOCKET)


def track_socket(
    r: redis.Redis,
    session_id: str,
    kind: str,
    person_id: str,
    socket_id: str,
    connected: bool,
    change: Event,
    process_id: str | None = None,
) -> list[Event]:
    """Record a socket opening or closing. When a candidate went on- or offline, `change` is
    logged in the same step and returned with its sequence id; otherwise nothing is.

    With `process_id`, the process holding the socket is recorded too, so that its sockets
    can be let go should it die without closing them (see `store.processes`).
    """
    at = time.time()
    held = [keys.process_sockets(process_id), keys.processes()] if process_id else []
    seq = _TRACK(
        r,
        keys=[
            keys.sockets(session_id, kind, person_id),
            keys.online(session_id),
            keys.seq(session_id),
            keys.events(session_id),
            *held,
        ],
        args=[
            socket_id,
            "1" if connected else "0",
            person_id,
            "1" if kind == "candidate" else "0",
            log.MAX_LOG_LENGTH,
            log.encode(change, at),
            *([process_id, f"{session_id}:{kind}:{person_id}"] if process_id else []),
        ],
    )
    return log.numbered([change], int(seq), at) if int(seq) else []


def sockets_of(r: redis.Redis, session_id: str, kind: str, person_id: str) -> set[str]:
    """The Socket.IO ids of one person's open connections."""
    return cast(set[str], r.smembers(keys.sockets(session_id, kind, person_id)))


def online(r: redis.Redis, session_id: str) -> set[str]:
    """Candidates with at least one connected phone."""
    return cast(set[str], r.smembers(keys.online(session_id)))
