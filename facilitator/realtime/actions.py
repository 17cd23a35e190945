"""Commands from facilitators, observers and candidates, each registered from one table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from pydantic import BaseModel, ValidationError

from .. import broadcast, payloads
from ..domain.commands import (
    AdmitCandidate,
    DeleteObservation,
    EditObservation,
    MoveWashUp,
    NudgeObserver,
    RateCandidate,
    ReadEvidence,
    RecordConsensus,
    RecordDecision,
    RecordObservation,
    RefuseAdmission,
    ReopenRating,
)
from ..domain.errors import DomainError, Forbidden
from ..extensions import socketio
from ..services import evidence, joining, live, panel, review
from ..store import client as storage
from ..store import get_redis
from ..store.users import StaffUser
from . import permissions, replies
from .connection import Connection, current

# What a handler gets back from a service: result to acknowledge, events, and whether the
# command had been applied before (a retry).
Ran = tuple[Any, list[Any], bool]
Runner = Callable[[Connection, Any], Ran]


@dataclass(frozen=True)
class Action:
    """One client-to-server command: its payload model and what it runs (senders: `permissions.TABLE`)."""

    model: type[BaseModel]
    run: Runner


def _outcome(outcome: Any) -> Ran:
    return outcome.result, outcome.events, outcome.replayed


def _written(written: Any) -> Ran:
    stored = written.stored.model_dump() if isinstance(written.stored, BaseModel) else written.stored
    return stored, written.events, not written.applied


def _staff(conn: Connection) -> StaffUser:
    """The staff account behind a facilitator's or observer's socket."""
    if conn.user is None:
        raise Forbidden("forbidden", "Only staff can do that.")
    return conn.user


def _manager(name: str) -> Runner:
    def run(conn: Connection, command: Any) -> Ran:
        return _outcome(live.manager_action(get_redis(), _staff(conn), conn.session_id, name, command))

    return run


def _candidate(name: str) -> Runner:
    def run(conn: Connection, command: Any) -> Ran:
        return _outcome(live.candidate_action(get_redis(), conn.viewer.id, conn.session_id, name, command))

    return run


def _record(conn: Connection, command: Any) -> Ran:
    return _written(evidence.record_observation(get_redis(), _staff(conn), conn.session_id, command))


def _change(conn: Connection, command: Any) -> Ran:
    return _written(evidence.change_observation(get_redis(), _staff(conn), conn.session_id, command))


def _rate(conn: Connection, command: Any) -> Ran:
    return _written(evidence.rate(get_redis(), _staff(conn), conn.session_id, command))


def _read(conn: Connection, command: Any) -> Ran:
    return evidence.visible(get_redis(), _staff(conn), conn.session_id, command), [], False


def _nudge(conn: Connection, command: Any) -> Ran:
    return _outcome(panel.nudge(get_redis(), _staff(conn), conn.session_id, command.observer_id, command.id))


def _review(operation: Callable[..., Any]) -> Runner:
    # The wash-up's commands: compare-and-set writes of review records, acknowledged as stored.
    def run(conn: Connection, command: Any) -> Ran:
        return _written(operation(get_redis(), _staff(conn), conn.session_id, command))

    return run


def _manager_op(operation: Callable[..., Any]) -> Runner:
    # A facilitator's command with a service of its own (the admission queue's answers).
    def run(conn: Connection, command: Any) -> Ran:
        return _outcome(operation(get_redis(), _staff(conn), conn.session_id, command))

    return run


ACTIONS: dict[str, Action] = {
    **{name: Action(model, _manager(name)) for name, (model, _) in live.MANAGER_ACTIONS.items()},
    **{name: Action(model, _candidate(name)) for name, (model, _) in live.CANDIDATE_ACTIONS.items()},
    "record_observation": Action(RecordObservation, _record),
    "edit_observation": Action(EditObservation, _change),
    "delete_observation": Action(DeleteObservation, _change),
    "rate_candidate": Action(RateCandidate, _rate),
    "read_evidence": Action(ReadEvidence, _read),
    "nudge_observer": Action(NudgeObserver, _nudge),
    "record_consensus": Action(RecordConsensus, _review(review.record_consensus)),
    "record_decision": Action(RecordDecision, _review(review.record_decision)),
    "reopen_rating": Action(ReopenRating, _review(review.reopen_rating)),
    "move_washup": Action(MoveWashUp, _review(review.move_washup)),
    "admit_candidate": Action(AdmitCandidate, _manager_op(joining.admit)),
    "refuse_admission": Action(RefuseAdmission, _manager_op(joining.refuse)),
}


def handle(name: str, payload: Any, *extra: Any) -> dict[str, Any]:
    """Authenticate, validate, run one service, broadcast, acknowledge."""
    storage.begin()
    conn = current()
    if conn is None:
        return replies.error("not_connected", "Connect before sending commands.")
    action = ACTIONS[name]
    refused = permissions.refusal(conn.viewer.kind, name)
    if refused is not None:
        return replies.error(**refused)
    if extra:
        return replies.extra_arguments(name, len(extra))
    if not isinstance(payload, dict):
        return replies.error("invalid", f"{name} takes an object with the command's fields.")
    try:
        result, events, replayed = action.run(conn, payloads.read(action.model, payload))
    except (DomainError, ValidationError) as exc:
        return replies.from_exception(exc)
    except redis.RedisError as exc:
        # `unavailable` if nothing went out, `outcome_unknown` if the write may have been
        # stored: either way the client keeps it and sends it again with the same id.
        return replies.storage_failed(name, exc)
    broadcast.publish(conn.session_id, events)
    return replies.ok(result, replayed=replayed)


def _bind(name: str) -> Callable[..., dict[str, Any]]:
    def handler(payload: Any = None, *extra: Any) -> dict[str, Any]:
        return handle(name, payload, *extra)

    handler.__name__ = f"on_{name}"
    handler.__doc__ = f"{permissions.senders(name).replace(' and ', ' or ')} send {name}."
    return handler


for _name in ACTIONS:
    socketio.on_event(_name, _bind(_name))


@socketio.on("*")
def on_unknown(event: str, *_: Any) -> dict[str, Any]:
    """Any client: an event this server does not know is refused, not ignored."""
    return replies.error("unknown_event", f"There is no event called {event!r}.")
