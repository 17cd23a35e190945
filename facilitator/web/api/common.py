"""What every API module shares: the body base class, idempotency keys, running a command."""

from __future__ import annotations

from typing import Any

from flask import request
from pydantic import BaseModel, ConfigDict

from ... import broadcast
from ...domain.errors import DomainError
from ...domain.ids import new_id
from ...services import live
from ...services.access import require_manager
from ...store import get_redis, unit
from ...store.unit import Outcome
from . import current_api_user


class Body(BaseModel):
    """Base for API-only bodies: no unknown fields, every value of its own JSON type."""

    model_config = ConfigDict(extra="forbid", strict=True)


def published(session_id: str, outcome: Outcome[Any]) -> Any:
    """Push the outcome's events to their audiences and return its result."""
    broadcast.publish(session_id, outcome.events)
    return outcome.result


def request_id() -> str | None:
    """The client's Idempotency-Key, so a retried request changes nothing (None without one)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if not 8 <= len(key) <= 64 or not all(ch.isalnum() or ch in "-_" for ch in key):
        raise DomainError(
            "invalid_idempotency_key", "Idempotency-Key must be 8 to 64 letters, digits, - or _."
        )
    return key


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
