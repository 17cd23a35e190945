"""Phones waiting to be let in: their requests, what was decided, and the tokens they wait with.

A waiting phone holds a random admission token (in its cookie); only its hash is stored. When the
facilitator lets the phone in, that same hash becomes the phone's device token, so no secret
is ever kept in Redis for the phone to collect.
"""

from __future__ import annotations

from typing import cast

import redis
from pydantic import BaseModel

from ..domain.admissions import ADMISSION_TTL_S, Admission
from . import keys
from .users import token_hash

# The token outlives the request a little, so a phone polling late still learns the answer.
TOKEN_TTL_S = ADMISSION_TTL_S + 10 * 60


class Stored(BaseModel):
    """An admission as kept: the request and the hash of the phone's token."""

    admission: Admission
    device_hash: str


def open_request(pipe: redis.client.Pipeline, session_id: str, admission: Admission, token: str) -> None:
    """Queue keeping a new request and the token its phone waits with."""
    hashed = token_hash(token)
    pipe.hset(
        keys.admissions(session_id),
        admission.id,
        Stored(admission=admission, device_hash=hashed).model_dump_json(),
    )
    pipe.set(keys.admission(hashed), f"{session_id}:{admission.id}", ex=TOKEN_TTL_S)


def save(pipe: redis.client.Pipeline, session_id: str, stored: Stored) -> None:
    """Queue writing a request back with its decision."""
    pipe.hset(keys.admissions(session_id), stored.admission.id, stored.model_dump_json())


def get(r: redis.Redis, session_id: str, admission_id: str) -> Stored | None:
    """One request of a session, if there is such a request."""
    raw = cast(str | None, r.hget(keys.admissions(session_id), admission_id))
    return Stored.model_validate_json(raw) if raw else None


def waiting(r: redis.Redis, session_id: str, now: float) -> list[Admission]:
    """The session's requests still waiting for an answer, oldest first."""
    raws = cast(dict[str, str], r.hgetall(keys.admissions(session_id)))
    found = [Stored.model_validate_json(raw).admission for raw in raws.values()]
    return sorted((a for a in found if a.waiting(now)), key=lambda a: a.requested_at)


def resolve(r: redis.Redis, token: str) -> tuple[str, str] | None:
    """(session id, admission id) for a waiting phone's token."""
    found = cast(str | None, r.get(keys.admission(token_hash(token))))
    if not found:
        return None
    session_id, _, admission_id = found.partition(":")
    return session_id, admission_id


def forget_token(r: redis.Redis, token: str) -> None:
    """The phone has its answer: its admission token opens nothing any more."""
    r.delete(keys.admission(token_hash(token)))
