"""API routes for every facilitator action, and the candidate join call."""

from __future__ import annotations

from typing import Annotated, Any

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ... import broadcast
from ...domain import setup as setup_rules
from ...domain.commands import (
    ChangeState,
    ExerciseInput,
    Join,
    RosterInput,
    SessionDetails,
)
from ...domain.errors import DomainError, Forbidden
from ...domain.events import Viewer
from ...domain.ids import new_id
from ...domain.lobby import candidate_summary
from ...domain.models import Competency
from ...domain.views import manager_view
from ...services import joining, live, setup, snapshots
from ...services.access import require_manager
from ...store import get_redis, log, unit
from ...store import sessions as session_store
from ...store.unit import Outcome
from ..helpers import public_url
from . import current_api_user, operation


class Body(BaseModel):
    """Base for API-only bodies."""

    model_config = ConfigDict(extra="forbid")


class Minutes(Body):
    """How many minutes to add."""

    minutes: int = Field(ge=1, le=120)


class Move(Body):
    """Where a candidate goes: a group id, or null for a new group."""

    candidate_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    group_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None


class Lock(Body):
    """Lock (true) or unlock (false) the lobby."""

    locked: bool


class Message(Body):
    """An announcement to everyone, or to one group of the current exercise."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    group_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None


class Answer(Body):
    """An optional written answer."""

    answer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class RosterText(Body):
    """A pasted list or CSV: one person a line, name then optional email."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=200_000)]


class CandidateJoin(Join):
    """A candidate's join by code: accepting the privacy notice is required."""

    accept_privacy_notice: bool


def _published(session_id: str, outcome: Outcome[Any]) -> Any:
    broadcast.publish(session_id, outcome.events)
    return outcome.result


def _request_id() -> str | None:
    """The client's Idempotency-Key, so a retried request changes nothing (None without one)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if not 8 <= len(key) <= 64 or not all(ch.isalnum() or ch in "-_" for ch in key):
        raise DomainError(
            "invalid_idempotency_key", "Idempotency-Key must be 8 to 64 letters, digits, - or _."
        )
    return key


def _act(session_id: str, name: str, **fields: Any) -> Any:
    model, _ = live.MANAGER_ACTIONS[name]
    key = _request_id()
    command = model.model_validate({"id": key or new_id(16), **fields})
    outcome = live.manager_action(
        get_redis(), current_api_user(), session_id, name, command, remember=key is not None
    )
    return _published(session_id, outcome)


def _managed(session_id: str) -> Any:
    data = unit.load(get_redis(), session_id)
    require_manager(data.session, current_api_user())
    return data


@operation("GET", "/sessions", "List sessions", tag="sessions")
def list_sessions() -> Any:
    """Every session, newest first."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "state": s.state.value,
            "join_code": s.join_code,
            "scheduled_start": s.scheduled_start.isoformat() if s.scheduled_start else None,
        }
        for s in session_store.list_all(get_redis())
    ]


@operation("POST", "/sessions", "Create a session", tag="sessions", body=SessionDetails, status=201)
def create_session(body: SessionDetails) -> Any:
    """A new draft session."""
    return setup.create_session(get_redis(), current_api_user(), body).model_dump(mode="json")


@operation("GET", "/sessions/<session_id>", "Read a session's full state", tag="sessions")
def get_session(session_id: str) -> Any:
    """Set-up and live state as the facilitator sees it."""
    data = _managed(session_id)
    view = snapshots.for_viewer(get_redis(), data, Viewer("manager", current_api_user().id))
    return {
        "setup": data.session.model_dump(mode="json"),
        "live": view,
        "seq": log.last_seq(get_redis(), session_id),
    }


@operation("PUT", "/sessions/<session_id>", "Change a session's details", tag="sessions", body=SessionDetails)
def update_session(session_id: str, body: SessionDetails) -> Any:
    """Title, role, time, place, competencies."""
    return _published(session_id, setup.update_details(get_redis(), current_api_user(), session_id, body))


@operation(
    "POST", "/sessions/<session_id>/duplicate", "Copy a session as a new draft", tag="sessions", status=201
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
)
def change_state(session_id: str, body: ChangeState) -> Any:
    """draft -> open -> live -> ended (illegal moves are refused with the reason)."""
    return _published(
        session_id, setup.change_state(get_redis(), current_api_user(), session_id, body, _request_id())
    )


@operation(
    "POST",
    "/sessions/<session_id>/exercises",
    "Add an exercise",
    tag="exercises",
    body=ExerciseInput,
    status=201,
)
def add_exercise(session_id: str, body: ExerciseInput) -> Any:
    """A new exercise at the end of the session's list."""
    return _published(
        session_id, setup.save_exercise(get_redis(), current_api_user(), session_id, None, body)
    )


@operation(
    "PUT",
    "/sessions/<session_id>/exercises/<exercise_id>",
    "Change an exercise",
    tag="exercises",
    body=ExerciseInput,
)
def update_exercise(session_id: str, exercise_id: str, body: ExerciseInput) -> Any:
    """Only exercises that have not started can change."""
    return _published(
        session_id, setup.save_exercise(get_redis(), current_api_user(), session_id, exercise_id, body)
    )


@operation("DELETE", "/sessions/<session_id>/exercises/<exercise_id>", "Remove an exercise", tag="exercises")
def delete_exercise(session_id: str, exercise_id: str) -> Any:
    """Only exercises that have not run can go."""
    return _published(
        session_id, setup.remove_exercise(get_redis(), current_api_user(), session_id, exercise_id)
    )


@operation("GET", "/sessions/<session_id>/candidates", "List the roster with personal links", tag="roster")
def list_candidates(session_id: str) -> Any:
    """Every candidate, with their personal join link."""
    data = _managed(session_id)
    invites = session_store.invite_tokens(get_redis(), session_id)
    return [
        {
            **candidate_summary(c),
            "email": c.email,
            "invite_url": public_url("candidate.invite", token=invites[c.id]) if c.id in invites else None,
        }
        for c in data.candidates.values()
    ]


@operation(
    "POST", "/sessions/<session_id>/candidates", "Add candidates", tag="roster", body=RosterInput, status=201
)
def add_candidates(session_id: str, body: RosterInput) -> Any:
    """Add people by name (and optional email)."""
    return _published(
        session_id, setup.add_candidates(get_redis(), current_api_user(), session_id, body.candidates)
    )


@operation(
    "POST",
    "/sessions/<session_id>/candidates/import",
    "Import a pasted list or CSV",
    tag="roster",
    body=RosterText,
    status=201,
)
def import_candidates(session_id: str, body: RosterText) -> Any:
    """One person a line: name, then an optional email after a comma."""
    entries = setup_rules.parse_roster(body.text)
    return _published(session_id, setup.add_candidates(get_redis(), current_api_user(), session_id, entries))


@operation("DELETE", "/sessions/<session_id>/candidates/<candidate_id>", "Remove a candidate", tag="lobby")
def remove_candidate(session_id: str, candidate_id: str) -> Any:
    """They lose access and stay removed."""
    return _act(session_id, "remove_candidate", candidate_id=candidate_id)


@operation("POST", "/sessions/<session_id>/lobby", "Lock or unlock the lobby", tag="lobby", body=Lock)
def lock_lobby(session_id: str, body: Lock) -> Any:
    """A locked lobby refuses walk-ins; roster candidates still join."""
    return _act(session_id, "lock_lobby", locked=body.locked)


@operation("POST", "/sessions/<session_id>/exercises/<exercise_id>/groups", "Form groups", tag="exercises")
def form_groups(session_id: str, exercise_id: str) -> Any:
    """Balanced groups, mixing people who have worked together before."""
    return _act(session_id, "form_groups", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/groups/move",
    "Move a candidate to a group",
    tag="exercises",
    body=Move,
)
def move_candidate(session_id: str, exercise_id: str, body: Move) -> Any:
    """By hand, before or during the exercise."""
    return _act(session_id, "move_candidate", exercise_id=exercise_id, **body.model_dump())


@operation(
    "POST", "/sessions/<session_id>/exercises/<exercise_id>/start", "Start an exercise", tag="exercises"
)
def start_exercise(session_id: str, exercise_id: str) -> Any:
    """Phones show group, brief, role brief and countdown."""
    return _act(session_id, "start_exercise", exercise_id=exercise_id)


@operation(
    "POST", "/sessions/<session_id>/exercises/<exercise_id>/pause", "Pause an exercise", tag="exercises"
)
def pause_exercise(session_id: str, exercise_id: str) -> Any:
    """Stop the clock."""
    return _act(session_id, "pause_exercise", exercise_id=exercise_id)


@operation(
    "POST", "/sessions/<session_id>/exercises/<exercise_id>/resume", "Resume an exercise", tag="exercises"
)
def resume_exercise(session_id: str, exercise_id: str) -> Any:
    """Restart the clock."""
    return _act(session_id, "resume_exercise", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/extend",
    "Extend an exercise",
    tag="exercises",
    body=Minutes,
)
def extend_exercise(session_id: str, exercise_id: str, body: Minutes) -> Any:
    """Add minutes to the clock."""
    return _act(session_id, "extend_exercise", exercise_id=exercise_id, minutes=body.minutes)


@operation("POST", "/sessions/<session_id>/exercises/<exercise_id>/end", "End an exercise", tag="exercises")
def end_exercise(session_id: str, exercise_id: str) -> Any:
    """Stop the exercise for good."""
    return _act(session_id, "end_exercise", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/announcements",
    "Make an announcement",
    tag="messages",
    body=Message,
    status=201,
)
def announce(session_id: str, body: Message) -> Any:
    """To everyone, or to one group of the current exercise."""
    return _act(session_id, "announce", text=body.text, group_id=body.group_id)


@operation("GET", "/sessions/<session_id>/questions", "List candidates' questions", tag="messages")
def list_questions(session_id: str) -> Any:
    """Oldest first, answered or not."""
    return manager_view(_managed(session_id), set())["questions"]


@operation(
    "POST",
    "/sessions/<session_id>/questions/<question_id>/answer",
    "Mark a question answered",
    tag="messages",
    body=Answer,
)
def answer_question(session_id: str, question_id: str, body: Answer) -> Any:
    """With an optional written answer the candidate sees."""
    return _act(session_id, "answer_question", question_id=question_id, answer=body.answer)


@operation("GET", "/sessions/<session_id>/events", "Read the session's event log", tag="sessions")
def list_events(session_id: str) -> Any:
    """Events after `?after=<seq>` (at most 500), as facilitators receive them."""
    _managed(session_id)
    try:
        after = max(0, int(request.args.get("after", "0")))
    except ValueError:
        raise DomainError("invalid", "after must be a whole number.") from None
    events = log.since(get_redis(), session_id, after, 500)
    if events is None:
        raise DomainError(
            "too_far_behind", "Those events are no longer in the log; read the session instead."
        )
    return [e.envelope() for e in events if e.audience.managers]


@operation("GET", "/competencies", "List the competency library", tag="library")
def list_competencies() -> Any:
    """Every competency with indicators and anchored scale."""
    return [c.model_dump(mode="json") for c in setup.library(get_redis())]


@operation(
    "PUT", "/competencies/<competency_id>", "Add or replace a competency", tag="library", body=Competency
)
def save_competency(competency_id: str, body: Competency) -> Any:
    """Sessions keep the copy they were set up with."""
    if body.id != competency_id:
        raise DomainError("id_mismatch", "The competency's id must match the address.")
    if current_api_user().role not in ("admin", "facilitator"):
        raise Forbidden("forbidden", "Only facilitators and admins edit the library.")
    session_store.save_competency(get_redis(), body)
    return body.model_dump(mode="json")


@operation(
    "POST",
    "/join",
    "Join a session as a candidate",
    tag="candidates",
    body=CandidateJoin,
    status=201,
    auth=False,
)
def join(body: CandidateJoin) -> Any:
    """Code and name in, a device token out; the token authenticates the phone's socket."""
    if not body.accept_privacy_notice:
        raise DomainError("privacy_notice", "Read and accept the privacy notice to check in.")
    r = get_redis()
    pending = joining.start_by_code(
        r,
        Join(code=body.code, name=body.name),
        request.remote_addr or "?",
        current_app.config["JOIN_ATTEMPTS_PER_MINUTE"],
    )
    candidate_id, token, events = joining.finish(r, pending)
    broadcast.publish(pending["session_id"], events)
    return {"session_id": pending["session_id"], "candidate_id": candidate_id, "token": token}
