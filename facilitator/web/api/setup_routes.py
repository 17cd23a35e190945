"""API routes that build a session: details, exercises, roster, the competency library."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from ...domain import setup as setup_rules
from ...domain.commands import (
    ChangeState,
    ExerciseInput,
    RosterInput,
    SessionDetails,
)
from ...domain.errors import DomainError, Forbidden
from ...domain.events import Viewer
from ...domain.lobby import candidate_summary
from ...domain.models import Competency
from ...services import access, setup, snapshots
from ...store import get_redis, log
from ...store import sessions as session_store
from ..helpers import app_secret, public_url
from . import current_api_user, operation, responses
from .common import Body, managed, published, request_id


class RosterText(Body):
    """A pasted list or CSV: one person a line, name then optional email."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=200_000)]


@operation(
    "GET",
    "/sessions",
    "List the sessions you run or observe",
    tag="sessions",
    response=list[responses.SessionListing],
)
def list_sessions() -> Any:
    """The caller's sessions, newest first: every one for admins; for others those they run
    or observe. A join code only for sessions the caller runs."""
    user = current_api_user()
    return [
        {
            "id": s.id,
            "title": s.title,
            "state": s.state.value,
            "join_code": s.join_code if access.runs(s, user) else None,
            "scheduled_start": s.scheduled_start.isoformat() if s.scheduled_start else None,
        }
        for s in access.visible_sessions(session_store.list_all(get_redis()), user)
    ]


@operation(
    "POST",
    "/sessions",
    "Create a session",
    tag="sessions",
    body=SessionDetails,
    status=201,
    response=responses.Session,
)
def create_session(body: SessionDetails) -> Any:
    """A new draft session."""
    return setup.create_session(get_redis(), current_api_user(), body).model_dump(mode="json")


@operation(
    "GET",
    "/sessions/<session_id>",
    "Read a session's full state",
    tag="sessions",
    response=responses.SessionRead,
)
def get_session(session_id: str) -> Any:
    """Set-up and live state as the facilitator sees it."""
    data = managed(session_id)
    view = snapshots.for_viewer(get_redis(), data, Viewer("manager", current_api_user().id))
    return {
        "setup": data.session.model_dump(mode="json"),
        "live": view,
        "seq": log.last_seq(get_redis(), session_id),
    }


@operation(
    "PUT",
    "/sessions/<session_id>",
    "Change a session's details",
    tag="sessions",
    body=SessionDetails,
    response=responses.SessionUpdated,
)
def update_session(session_id: str, body: SessionDetails) -> Any:
    """Title, role, time, place, competencies."""
    return published(session_id, setup.update_details(get_redis(), current_api_user(), session_id, body))


@operation(
    "POST",
    "/sessions/<session_id>/duplicate",
    "Copy a session as a new draft",
    tag="sessions",
    status=201,
    response=responses.Session,
)
def duplicate_session(session_id: str) -> Any:
    """Reuse a session as a template."""
    return setup.duplicate_session(get_redis(), current_api_user(), session_id).model_dump(mode="json")


@operation(
    "POST",
    "/sessions/<session_id>/state",
    "Move a session to another state",
    tag="sessions",
    body=ChangeState,
    response=responses.StateChanged,
    idempotency="key",
)
def change_state(session_id: str, body: ChangeState) -> Any:
    """draft -> open -> live -> ended (illegal moves are refused with the reason)."""
    return published(
        session_id, setup.change_state(get_redis(), current_api_user(), session_id, body, request_id())
    )


@operation(
    "POST",
    "/sessions/<session_id>/exercises",
    "Add an exercise",
    tag="exercises",
    body=ExerciseInput,
    status=201,
    response=responses.Exercise,
)
def add_exercise(session_id: str, body: ExerciseInput) -> Any:
    """A new exercise at the end of the session's list."""
    return published(session_id, setup.save_exercise(get_redis(), current_api_user(), session_id, None, body))


@operation(
    "PUT",
    "/sessions/<session_id>/exercises/<exercise_id>",
    "Change an exercise",
    tag="exercises",
    body=ExerciseInput,
    response=responses.Exercise,
)
def update_exercise(session_id: str, exercise_id: str, body: ExerciseInput) -> Any:
    """Only exercises that have not started can change."""
    return published(
        session_id, setup.save_exercise(get_redis(), current_api_user(), session_id, exercise_id, body)
    )


@operation(
    "DELETE",
    "/sessions/<session_id>/exercises/<exercise_id>",
    "Remove an exercise",
    tag="exercises",
    response=responses.ExerciseRemoved,
)
def delete_exercise(session_id: str, exercise_id: str) -> Any:
    """Only exercises that have not run can go."""
    return published(
        session_id, setup.remove_exercise(get_redis(), current_api_user(), session_id, exercise_id)
    )


@operation(
    "GET",
    "/sessions/<session_id>/candidates",
    "List the roster with personal links",
    tag="roster",
    response=list[responses.RosterEntry],
)
def list_candidates(session_id: str) -> Any:
    """Every candidate in the order they were added, with their personal join link."""
    data = managed(session_id)
    invites = session_store.invite_tokens(get_redis(), session_id, app_secret())
    return [
        {
            **candidate_summary(c),
            "email": c.email,
            "invite_url": public_url("candidate.invite", token=invites[c.id]) if c.id in invites else None,
        }
        for c in setup_rules.roster(data)
    ]


@operation(
    "POST",
    "/sessions/<session_id>/candidates",
    "Add candidates",
    tag="roster",
    body=RosterInput,
    status=201,
    response=list[responses.CandidateSummary],
)
def add_candidates(session_id: str, body: RosterInput) -> Any:
    """Add people by name (and optional email)."""
    added = setup.add_candidates(get_redis(), current_api_user(), session_id, body.candidates, app_secret())
    return published(session_id, added)


@operation(
    "POST",
    "/sessions/<session_id>/candidates/import",
    "Import a pasted list or CSV",
    tag="roster",
    body=RosterText,
    status=201,
    response=list[responses.CandidateSummary],
)
def import_candidates(session_id: str, body: RosterText) -> Any:
    """One person a line: name, then an optional email after a comma."""
    entries = setup_rules.parse_roster(body.text)
    added = setup.add_candidates(get_redis(), current_api_user(), session_id, entries, app_secret())
    return published(session_id, added)


@operation(
    "GET", "/competencies", "List the competency library", tag="library", response=list[responses.Competency]
)
def list_competencies() -> Any:
    """Every competency with indicators and anchored scale."""
    return [c.model_dump(mode="json") for c in setup.library(get_redis())]


@operation(
    "PUT",
    "/competencies/<competency_id>",
    "Add or replace a competency",
    tag="library",
    body=Competency,
    response=responses.Competency,
)
def save_competency(competency_id: str, body: Competency) -> Any:
    """Sessions keep the copy they were set up with."""
    if body.id != competency_id:
        raise DomainError("id_mismatch", "The competency's id must match the address.")
    if current_api_user().role not in ("admin", "facilitator"):
        raise Forbidden("forbidden", "Only facilitators and admins edit the library.")
    session_store.save_competency(get_redis(), body)
    return body.model_dump(mode="json")
