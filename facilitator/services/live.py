"""Operations of the live session: the lobby, exercises, and messages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from pydantic import BaseModel

from ..domain import comms, exercises, lobby, observing
from ..domain.commands import (
    Announce,
    AnswerQuestion,
    AskQuestion,
    AssignObservers,
    CandidateCommand,
    ExerciseCommand,
    ExtendExercise,
    LockLobby,
    MoveCandidate,
    SharePortfolio,
    SubmitGroupOutput,
)
from ..domain.events import Event, Viewer, may_see
from ..domain.models import SessionData
from ..store import log, unit
from ..store.unit import Extra, Outcome
from ..store.users import StaffUser
from . import snapshots
from .access import require_manager

Decision = Callable[[SessionData, float], list[Event]]

# What each manager command does, by socket event name (and API action).
MANAGER_ACTIONS: dict[str, tuple[type[BaseModel], Callable[[Any], Decision]]] = {
    "form_groups": (
        ExerciseCommand,
        lambda c: lambda d, now: exercises.form_exercise_groups(d, c.exercise_id),
    ),
    "move_candidate": (
        MoveCandidate,
        lambda c: lambda d, now: exercises.move_candidate(d, c.exercise_id, c.candidate_id, c.group_id),
    ),
    "start_exercise": (
        ExerciseCommand,
        lambda c: lambda d, now: exercises.start_exercise(d, c.exercise_id, now),
    ),
    "pause_exercise": (
        ExerciseCommand,
        lambda c: lambda d, now: exercises.pause_exercise(d, c.exercise_id, now),
    ),
    "resume_exercise": (
        ExerciseCommand,
        lambda c: lambda d, now: exercises.resume_exercise(d, c.exercise_id, now),
    ),
    "extend_exercise": (
        ExtendExercise,
        lambda c: lambda d, now: exercises.extend_exercise(d, c.exercise_id, c.minutes, now),
    ),
    "end_exercise": (ExerciseCommand, lambda c: lambda d, now: exercises.end_exercise(d, c.exercise_id, now)),
    "remove_candidate": (
        CandidateCommand,
        lambda c: lambda d, now: lobby.remove_candidate(d, c.candidate_id),
    ),
    "lock_lobby": (LockLobby, lambda c: lambda d, now: lobby.set_lobby_lock(d, c.locked)),
    "announce": (Announce, lambda c: lambda d, now: comms.announce(d, c.id, c.text, c.group_id, now)),
    "answer_question": (
        AnswerQuestion,
        lambda c: lambda d, now: comms.answer_question(d, c.question_id, c.answer, now),
    ),
    "assign_observers": (
        AssignObservers,
        lambda c: lambda d, now: observing.set_observers(d, c.exercise_id, c.candidate_id, c.observer_ids),
    ),
}

# What each candidate command does, for the candidate who sends it.
CANDIDATE_ACTIONS: dict[str, tuple[type[BaseModel], Callable[[Any, str], Decision]]] = {
    "ask_question": (AskQuestion, lambda c, me: lambda d, now: comms.ask_question(d, me, c.id, c.text, now)),
    "share_portfolio": (SharePortfolio, lambda c, me: lambda d, now: comms.share_portfolio(d, me, c.url)),
    "submit_group_output": (
        SubmitGroupOutput,
        lambda c, me: lambda d, now: comms.submit_group_output(d, me, c.exercise_id, c.text, now),
    ),
}


def _apply(
    r: redis.Redis,
    session_id: str,
    request_id: str | None,
    check: Callable[[SessionData], None],
    decision: Decision,
) -> Outcome[Any]:
    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        check(data)
        events = decision(data, time.time())
        return {"done": True}, events

    return unit.change(r, session_id, decide, request_id=request_id)


def manager_action(
    r: redis.Redis, user: StaffUser, session_id: str, name: str, command: Any, remember: bool = True
) -> Outcome[Any]:
    """Run one of MANAGER_ACTIONS for a facilitator; a retried command id changes nothing.
    With `remember` false (an API call without an Idempotency-Key) the id is not kept."""
    _, build = MANAGER_ACTIONS[name]

    def check(data: SessionData) -> None:
        require_manager(data.session, user)

    return _apply(r, session_id, command.id if remember else None, check, build(command))


def candidate_action(
    r: redis.Redis, candidate_id: str, session_id: str, name: str, command: Any
) -> Outcome[Any]:
    """Run one of CANDIDATE_ACTIONS as the candidate who sent it."""
    _, build = CANDIDATE_ACTIONS[name]

    def check(data: SessionData) -> None:
        me = data.candidate(candidate_id)
        lobby.check_can_join(data, me)

    # Request ids are scoped per candidate so one phone cannot collide with another's.
    return _apply(r, session_id, f"c:{candidate_id}:{command.id}", check, build(command, candidate_id))


SNAPSHOT_TRIES = 20


def catch_up(
    r: redis.Redis, session_id: str, viewer: Viewer, last_seq: int, limit: int = 500
) -> dict[str, Any]:
    """What a (re)connecting client missed: the events it may see, or a fresh snapshot."""
    missed = log.since(r, session_id, last_seq, limit) if last_seq > 0 else None
    if missed is not None:
        return {
            "server_time": time.time(),
            "events": [e.envelope() for e in missed if may_see(e.audience, viewer)],
            "seq": missed[-1].seq if missed else last_seq,
        }
    for _ in range(SNAPSHOT_TRIES):
        # State and log change in one transaction, so an unchanged seq around the read
        # means the snapshot is exactly the state as of that seq.
        seq = log.last_seq(r, session_id)
        data = unit.load(r, session_id)
        if log.last_seq(r, session_id) == seq:
            break
    # After that many tries the snapshot may run a little ahead of `seq`; clients dedupe.
    return {"server_time": time.time(), "snapshot": snapshots.for_viewer(r, data, viewer), "seq": seq}
