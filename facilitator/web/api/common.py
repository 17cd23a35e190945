"""What every API module shares: the body base class, idempotency keys, running a command."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from flask import request
from pydantic import BaseModel, ConfigDict

from ... import broadcast
from ...domain.errors import DomainError
from ...domain.ids import new_id
from ...services import live
from ...services.access import require_manager
from ...store import get_redis, unit
from ...store.evidence import Written
from ...store.unit import Outcome
from . import current_api_user, note_replayed


class Body(BaseModel):
    """Base for API-only bodies: no unknown fields, every value of its own JSON type."""

    model_config = ConfigDict(extra="forbid", strict=True)


def published(session_id: str, outcome: Outcome[Any]) -> Any:
    """Push the outcome's events to their audiences and return its result (a repeat's says so)."""
    broadcast.publish(session_id, outcome.events)
    note_replayed(outcome.replayed)
    return outcome.result


def stored(session_id: str, written: Written) -> Any:
    """Push a write's events and return what is stored (a repeat's answer says it was one)."""
    broadcast.publish(session_id, written.events)
    note_replayed(not written.applied)
    return written.stored


IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def request_id() -> str | None:
    """The request id an Idempotency-Key stands for, so a retried request changes nothing
    (None without one). It is the key scoped to the method and address: the same key sent to
    another route, or about another exercise, names another request, and is never answered
    with that one's result."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise DomainError(
            "invalid_idempotency_key", "Idempotency-Key must be 8 to 64 letters, digits, - or _."
        )
    scoped = f"{request.method} {request.path} {key}".encode()
    return "k" + hashlib.sha256(scoped).hexdigest()[:40]


def command_id() -> str:
    """The id a command made from an API call carries: the Idempotency-Key, or a fresh one."""
    return request_id() or new_id(16)


def act(session_id: str, name: str, **fields: Any) -> Any:
    """Run one facilitator command (as the socket handlers do) and publish its events."""
    model, _ = live.MANAGER_ACTIONS[name]
    key = request_id()
    command = model.model_validate({"id": key or new_id(16), **fields})
    outcome = live.manager_action(
        get_redis(), current_api_user(), session_id, name, command, remember=key is not None
    )
    return published(session_id, outcome)


def managed(session_id: str) -> Any:
    """The session, if the caller runs it (NotFound or Forbidden otherwise)."""
    data = unit.load(get_redis(), session_id)
    require_manager(data.session, current_api_user())
    return data
