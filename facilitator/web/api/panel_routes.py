"""API routes for the panel: members, invites, observer assignment, evidence and ratings."""

from __future__ import annotations

from typing import Annotated, Any

from flask import current_app, request
from pydantic import Field, StringConstraints

from ...domain.commands import (
    DeleteObservation,
    EditObservation,
    RateCandidate,
    ReadEvidence,
    RecordObservation,
    ScoreInput,
)
from ...domain.errors import NotFound
from ...domain.evidence import MAX_NOTE, Observation
from ...domain.models import Identifier
from ...services import evidence, panel
from ...services.access import require_manager, staff_viewer
from ...store import evidence as evidence_store
from ...store import get_redis, unit
from ...store import users as user_store
from ..helpers import public_url
from . import Query, current_api_user, operation, responses
from .common import Body, act, command_id, published, request_id, stored

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE)]


class PanelMember(Body):
    """A staff account to put on the panel, by id or email."""

    user_id: Identifier | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None


class Observers(Body):
    """Who watches a candidate (or, with no candidate, rotate everyone)."""

    candidate_id: Identifier | None = None
    observer_ids: list[Identifier] = Field(default_factory=list, max_length=20)


class ObservationChange(Body):
    """A new note or behaviour for an observation."""

    note: Note | None = None
    indicator_id: Identifier | None = None


class RatingBody(Body):
    """Scores per competency; `submit` locks the rating."""

    scores: dict[Identifier, ScoreInput] = Field(default_factory=dict, max_length=30)
    submit: bool = False


ID_SCHEMA = (("type", "string"), ("pattern", r"^[A-Za-z0-9_-]{1,64}$"))
EVIDENCE_PAIR = (
    Query("exercise_id", "With candidate_id: this exercise's evidence of that candidate.", schema=ID_SCHEMA),
    Query("candidate_id", "With exercise_id: this candidate's evidence in that exercise.", schema=ID_SCHEMA),
)


def _written(session_id: str, written: Any) -> Any:
    return stored(session_id, written)


@operation(
    "GET", "/sessions/<session_id>/panel", "List the panel", tag="panel", response=responses.PanelListing
)
def list_panel(session_id: str) -> Any:
    """Observers on the session's panel, with the completion matrix."""
    data = unit.load(get_redis(), session_id)
    require_manager(data.session, current_api_user())
    return {"panel": panel.members(get_redis(), data), "completion": panel.completion(get_redis(), data)}


@operation(
    "POST",
    "/sessions/<session_id>/panel",
    "Add an observer to the panel",
    tag="panel",
    body=PanelMember,
    status=201,
    response=responses.PanelChange,
)
def add_to_panel(session_id: str, body: PanelMember) -> Any:
    """From the staff accounts, by id or email."""
    user_id = body.user_id
    if user_id is None and body.email:
        found = user_store.by_email(get_redis(), body.email)
        user_id = found[0].id if found else None
    if user_id is None:
        raise NotFound("unknown_user", "There is no staff account with that id or email.")
    return published(session_id, panel.add(get_redis(), current_api_user(), session_id, user_id))


@operation(
    "DELETE",
    "/sessions/<session_id>/panel/<user_id>",
    "Remove an observer from the panel",
    tag="panel",
    response=responses.PanelChange,
)
def remove_from_panel(session_id: str, user_id: str) -> Any:
    """Their evidence stays on the record."""
    return published(session_id, panel.remove(get_redis(), current_api_user(), session_id, user_id))


@operation(
    "POST",
    "/sessions/<session_id>/panel/invites",
    "Create a panel invite link",
    tag="panel",
    status=201,
    response=responses.PanelInvite,
)
def create_panel_invite(session_id: str) -> Any:
    """A signed link for this session only; it expires."""
    token = panel.invite_link_token(
        get_redis(), current_api_user(), session_id, current_app.config["SECRET_KEY"]
    )
    return {
        "url": public_url("panel.invite", token=token),
        "expires_in_s": current_app.config["PANEL_INVITE_MAX_AGE_S"],
    }


@operation(
    "DELETE",
    "/sessions/<session_id>/panel/invites",
    "Revoke every panel invite link",
    tag="panel",
    response=responses.Revoked,
)
def revoke_panel_invites(session_id: str) -> Any:
    """Links already sent stop working."""
    panel.revoke_invites(get_redis(), current_api_user(), session_id)
    return {"revoked": True}


@operation(
    "POST",
    "/sessions/<session_id>/panel/<user_id>/nudge",
    "Remind an observer of ratings they owe",
    tag="panel",
    response=responses.Owed,
    idempotency="key",
)
def nudge_observer(session_id: str, user_id: str) -> Any:
    """Sends the observer a reminder listing what is outstanding."""
    return published(
        session_id, panel.nudge(get_redis(), current_api_user(), session_id, user_id, request_id())
    )


@operation(
    "PUT",
    "/sessions/<session_id>/exercises/<exercise_id>/observers",
    "Choose who observes whom",
    tag="panel",
    body=Observers,
    response=responses.Done,
    idempotency="key",
)
def assign_observers(session_id: str, exercise_id: str, body: Observers) -> Any:
    """Adjust one candidate's observers, or rotate everyone afresh."""
    return act(session_id, "assign_observers", exercise_id=exercise_id, **body.model_dump())


@operation(
    "GET",
    "/sessions/<session_id>/observations",
    "Read observations and ratings",
    tag="evidence",
    response=responses.Evidence,
    query=EVIDENCE_PAIR,
)
def list_evidence(session_id: str) -> Any:
    """What the caller may see: everything for facilitators; for observers their own, and
    others' only for candidate-exercise pairs they have rated (when ratings are blind).
    Optional `exercise_id` and `candidate_id` narrow it to one pair."""
    exercise_id, candidate_id = request.args.get("exercise_id"), request.args.get("candidate_id")
    query = (
        ReadEvidence(exercise_id=exercise_id, candidate_id=candidate_id)
        if exercise_id and candidate_id
        else None
    )
    return evidence.visible(get_redis(), current_api_user(), session_id, query)


@operation(
    "POST",
    "/sessions/<session_id>/observations",
    "Record an observation",
    tag="evidence",
    body=RecordObservation,
    status=201,
    response=responses.Observation,
    idempotency="id",
)
def record_observation(session_id: str, body: RecordObservation) -> Any:
    """Idempotent by the observation's id: sending it again changes nothing."""
    return _written(
        session_id, evidence.record_observation(get_redis(), current_api_user(), session_id, body)
    )


@operation(
    "PATCH",
    "/sessions/<session_id>/observations/<observation_id>",
    "Edit an observation",
    tag="evidence",
    body=ObservationChange,
    response=responses.Observation,
    idempotency="key",
)
def edit_observation(session_id: str, observation_id: str, body: ObservationChange) -> Any:
    """One's own only; the earlier version is kept."""
    command = EditObservation(id=command_id(), observation_id=observation_id, **body.model_dump())
    return _written(
        session_id, evidence.change_observation(get_redis(), current_api_user(), session_id, command)
    )


@operation(
    "DELETE",
    "/sessions/<session_id>/observations/<observation_id>",
    "Delete an observation",
    tag="evidence",
    response=responses.Observation,
    idempotency="key",
)
def delete_observation(session_id: str, observation_id: str) -> Any:
    """One's own only; it stays on the record, marked deleted."""
    command = DeleteObservation(id=command_id(), observation_id=observation_id)
    return _written(
        session_id, evidence.change_observation(get_redis(), current_api_user(), session_id, command)
    )


@operation(
    "GET",
    "/sessions/<session_id>/observations/<observation_id>/versions",
    "Read an observation's history",
    tag="evidence",
    response=list[responses.Observation],
)
def observation_versions(session_id: str, observation_id: str) -> Any:
    """Earlier versions, for facilitators and the author."""
    data = unit.load_setup(get_redis(), session_id)
    viewer = staff_viewer(data.session, current_api_user())
    raw = evidence_store.observation_raw(get_redis(), session_id, observation_id)
    current = Observation.model_validate_json(raw) if raw else None
    if current is None or (viewer.kind != "manager" and current.observer_id != viewer.id):
        raise NotFound("unknown_observation", "There is no such observation.")
    return [v.model_dump() for v in evidence_store.versions(get_redis(), session_id, observation_id)]


@operation(
    "PUT",
    "/sessions/<session_id>/ratings/<exercise_id>/<candidate_id>",
    "Save or submit one's rating",
    tag="evidence",
    body=RatingBody,
    response=responses.Rating,
    idempotency="key",
)
def rate_candidate(session_id: str, exercise_id: str, candidate_id: str, body: RatingBody) -> Any:
    """A draft until `submit` is true; then locked."""
    command = RateCandidate(
        id=command_id(),
        exercise_id=exercise_id,
        candidate_id=candidate_id,
        **body.model_dump(),
    )
    return _written(session_id, evidence.rate(get_redis(), current_api_user(), session_id, command))
