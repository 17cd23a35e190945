"""The person index: every roster entry that shares an email address, across sessions.

A candidate who comes back for a later interview stage is recognised by their email. The
address is not stored a second time: the index is keyed by its SHA-256 (lower-cased and
stripped first, so "Robin@Example.com " and "robin@example.com" are one person).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, cast

import redis

from ..domain.models import Candidate
from . import keys


def email_hash(email: str) -> str:
    """The SHA-256 (hex) of an address as people mean it: case and surrounding spaces aside."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def entry(session_id: str, candidate_id: str) -> str:
    """How one roster entry is written in the index."""
    return f"{session_id}:{candidate_id}"


def index(pipe: Any, session_id: str, candidates: Iterable[Candidate]) -> None:
    """Queue the index entries of new roster entries that have an email address."""
    for candidate in candidates:
        if candidate.email:
            pipe.sadd(keys.person(email_hash(candidate.email)), entry(session_id, candidate.id))


def forget(pipe: Any, session_id: str, candidates: Iterable[Candidate]) -> None:
    """Queue the removal of these candidates' index entries (their data is being erased)."""
    for candidate in candidates:
        if candidate.email:
            pipe.srem(keys.person(email_hash(candidate.email)), entry(session_id, candidate.id))


def stages(r: redis.Redis, email: str) -> list[tuple[str, str]]:
    """(session id, candidate id) of every roster entry with this address."""
    found = cast(set[str], r.smembers(keys.person(email_hash(email))))
    pairs = []
    for item in sorted(found):
        session_id, _, candidate_id = item.partition(":")
        if session_id and candidate_id:
            pairs.append((session_id, candidate_id))
    return pairs
