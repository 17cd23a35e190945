"""Operations that build a session: create, edit, exercises, roster, copy, state."""

from __future__ import annotations

import time
from typing import Any

import redis

from ..domain import lobby, setup
from ..domain.commands import CandidateInput, ChangeState, ExerciseInput, SessionDetails
from ..domain.errors import Forbidden
from ..domain.events import Event
from ..domain.ids import new_id
from ..domain.library import default_library
from ..domain.models import Competency, Session, SessionData
from ..domain.states import move
from ..store import people, unit
from ..store import sessions as session_store
from ..store.unit import Extra, Outcome
from ..store.users import StaffUser
from .access import can_create_sessions, require_manager


def library(r: redis.Redis) -> list[Competency]:
    """The competency library (the defaults until someone edits it)."""
    return session_store.load_library(r, default_library())


def create_session(r: redis.Redis, user: StaffUser, details: SessionDetails) -> Session:
    """A new draft session owned by `user`, with a fresh join code."""
    if not can_create_sessions(user):
        raise Forbidden("not_facilitator", "Only facilitators and admins create sessions.")
    session_id = new_id(12)
    code = session_store.reserve_join_code(r, session_id)
    session = setup.new_session(session_id, code, user.id, details, library(r), time.time())
    session_store.insert(r, session)
    return session


def duplicate_session(r: redis.Redis, user: StaffUser, source_id: str) -> Session:
    """Copy a session's set-up and exercises into a new draft."""
    source = unit.load(r, source_id).session
    require_manager(source, user)
    session_id = new_id(12)
    code = session_store.reserve_join_code(r, session_id)
    copy = setup.duplicate_session(source, session_id, code, user.id, time.time())
    session_store.insert(r, copy)
    return copy


def _managed(user: StaffUser, decide: Any) -> Any:
    """Wrap a decision so it first checks that `user` runs the session."""

    def checked(data: SessionData, extra: Extra) -> Any:
        require_manager(data.session, user)
        return decide(data, extra)

    return checked


def update_details(r: redis.Redis, user: StaffUser, session_id: str, details: SessionDetails) -> Outcome[Any]:
    """Change title, role, time, place, competencies."""
    lib = library(r)

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        setup.apply_details(data.session, details, lib, time.time())
        return {"session_id": session_id}, [Event("session_updated", {"title": data.session.title})]

    return unit.change(r, session_id, _managed(user, decide))


def save_exercise(
    r: redis.Redis, user: StaffUser, session_id: str, exercise_id: str | None, given: ExerciseInput
) -> Outcome[Any]:
    """Add an exercise, or change one that has not started."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        exercise = setup.save_exercise(data.session, exercise_id, given, time.time())
        return exercise.model_dump(mode="json"), [Event("session_updated", {"title": data.session.title})]

    return unit.change(r, session_id, _managed(user, decide))


def remove_exercise(r: redis.Redis, user: StaffUser, session_id: str, exercise_id: str) -> Outcome[Any]:
    """Delete an exercise that has not run."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        setup.remove_exercise(data.session, exercise_id, time.time())
        return {"removed": exercise_id}, [Event("session_updated", {"title": data.session.title})]

    return unit.change(r, session_id, _managed(user, decide))


def add_candidates(
    r: redis.Redis, user: StaffUser, session_id: str, entries: list[CandidateInput], secret: str
) -> Outcome[Any]:
    """Add people to the roster and give each a personal invite link (derived from `secret`,
    the app's SECRET_KEY)."""

    def decide(data: SessionData, extra: Extra) -> tuple[list[dict[str, Any]], list[Event]]:
        added, events = setup.add_candidates(data, entries, time.time())
        ids = [c.id for c in added]
        extra.append(lambda pipe: session_store.issue_invites(pipe, session_id, ids, secret))
        extra.append(lambda pipe: people.index(pipe, session_id, added))
        result = [lobby.candidate_summary(c) for c in added]
        return result, events

    return unit.change(r, session_id, _managed(user, decide))


def change_state(
    r: redis.Redis, user: StaffUser, session_id: str, command: ChangeState, request_id: str | None = None
) -> Outcome[Any]:
    """Move the session through draft, open, live, ended and on.

    Ending or reviewing while ratings are owed needs `confirm`; decided needs every decision.
    """
    from .review import check_state_change

    current = unit.load(r, session_id)
    require_manager(current.session, user)
    check_state_change(r, current, command.state.value, command.confirm)

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        move(data.session, command.state, time.time())
        return {"state": command.state.value}, [lobby.session_state_changed(data)]

    return unit.change(r, session_id, _managed(user, decide), request_id=request_id)
