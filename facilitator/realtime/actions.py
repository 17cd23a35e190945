"""Commands from facilitators and candidates, registered from the services' action tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .. import broadcast
from ..domain.errors import DomainError
from ..extensions import socketio
from ..services import live
from ..store import get_redis
from . import replies
from .connection import current


def _handle(name: str, kind: str, payload: Any) -> dict[str, Any]:
    conn = current()
    if conn is None:
        return replies.error("not_connected", "Connect before sending commands.")
    if conn.viewer.kind != kind:
        who = "facilitators" if kind == "manager" else "candidates"
        return replies.error("forbidden", f"Only {who} can send {name}.")
    if not isinstance(payload, dict):
        return replies.error("invalid", f"{name} takes an object with the command's fields.")
    try:
        if kind == "manager":
            model, _ = live.MANAGER_ACTIONS[name]
            assert conn.user is not None
            outcome = live.manager_action(get_redis(), conn.user, conn.session_id, name, model.model_validate(payload))
        else:
            model, _ = live.CANDIDATE_ACTIONS[name]
            outcome = live.candidate_action(get_redis(), conn.viewer.id, conn.session_id, name, model.model_validate(payload))
    except (DomainError, ValidationError) as exc:
        return replies.from_exception(exc)
    broadcast.publish(conn.session_id, outcome.events)
    return replies.ok(outcome.result, replayed=outcome.replayed)


def _bind(name: str, kind: str) -> Callable[[Any], dict[str, Any]]:
    def handler(payload: Any = None) -> dict[str, Any]:
        return _handle(name, kind, payload)

    handler.__name__ = f"on_{name}"
    handler.__doc__ = f"{'Facilitator' if kind == 'manager' else 'Candidate'} sends {name}."
    return handler


for _name in live.MANAGER_ACTIONS:
    socketio.on_event(_name, _bind(_name, "manager"))
for _name in live.CANDIDATE_ACTIONS:
    socketio.on_event(_name, _bind(_name, "candidate"))


@socketio.on("*")
def on_unknown(event: str, *_: Any) -> dict[str, Any]:
    """Any client: an event this server does not know is refused, not ignored."""
    return replies.error("unknown_event", f"There is no event called {event!r}.")
