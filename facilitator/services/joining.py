"""Candidates joining: by code and name, or by personal link; then check-in."""

from __future__ import annotations

from typing import Any

import redis

from ..domain import lobby
from ..domain.commands import Join
from ..domain.errors import DomainError, NotFound
from ..domain.events import Event
from ..domain.ids import normalise_join_code
from ..store import sessions as session_store
from ..store import unit
from . import live

JOIN_ATTEMPTS_PER_MINUTE = 20  # wrong codes per client address per minute


class TooManyAttempts(DomainError):
    """Join codes are guessable only slowly."""

    status = 429


def start_by_code(
    r: redis.Redis, command: Join, client: str, limit: int = JOIN_ATTEMPTS_PER_MINUTE
) -> dict[str, Any]:
    """Check a typed code and name; returns the pending join kept until the notice is accepted."""
    # Only wrong codes count: a whole room joining from one Wi-Fi address is normal.
    if session_store.attempts(r, "join", client) >= limit:
        raise TooManyAttempts(
            "too_many_attempts", "Too many wrong codes. Wait a minute, then check the code and try again."
        )
    session_id = session_store.by_join_code(r, normalise_join_code(command.code))
    if session_id is None:
        session_store.count_attempt(r, "join", client, 60)
        raise NotFound("unknown_code", "No session has that code. Check it against the screen and try again.")
    data = unit.load(r, session_id)
    match = lobby.find_by_name(data, command.name)
    lobby.check_can_join(data, match)
    return {"session_id": session_id, "name": command.name, "candidate_id": None, "by_link": False}


def title_for_code(
    r: redis.Redis, code: str, client: str, limit: int = JOIN_ATTEMPTS_PER_MINUTE
) -> str | None:
    """The title of the session a QR code's link opens, shown above its join form. A wrong code
    counts like a typed one, so the page is no quicker way to guess codes."""
    if session_store.attempts(r, "join", client) >= limit:
        return None
    session_id = session_store.by_join_code(r, normalise_join_code(code))
    session = session_store.get(r, session_id) if session_id else None
    if session is None:
        session_store.count_attempt(r, "join", client, 60)
        return None
    return session.title


def start_by_link(r: redis.Redis, session_id: str, candidate_id: str) -> dict[str, Any]:
    """Check a personal invite; returns the pending join."""
    data = unit.load(r, session_id)
    candidate = data.candidate(candidate_id)
    lobby.check_can_join(data, candidate)
    return {"session_id": session_id, "name": candidate.name, "candidate_id": candidate_id, "by_link": True}


def finish(r: redis.Redis, pending: dict[str, Any]) -> tuple[str, str, list[Event]]:
    """Accepting the privacy notice checks the candidate in; returns (id, device token, events)."""
    return live.check_in(
        r,
        pending["session_id"],
        name=pending["name"],
        candidate_id=pending.get("candidate_id"),
        by_link=bool(pending.get("by_link")),
    )
