"""API routes for the live session: lobby, groups, the clock, messages, the event log, joining."""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import current_app, request
from pydantic import Field, StringConstraints

from ... import broadcast
from ...domain.commands import (
    AdmitCandidate,
    Join,
    RefuseAdmission,
)
from ...domain.errors import DomainError, NotFound
from ...domain.models import Identifier
from ...domain.views import manager_view
from ...services import joining
from ...store import get_redis, log
from . import Query, current_api_user, operation, responses
from .common import Body, act, command_id, managed, published

AFTER = Query(
    "after",
    "Events after this sequence id (0, or absent: from the start of the log).",
    schema=(("type", "integer"), ("minimum", 0)),
)


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


class CandidateJoin(Join):
    """A candidate's join by code: accepting the privacy notice is required."""

    accept_privacy_notice: bool


class AdmissionToken(Body):
    """The token a phone waiting to be let in was given."""

    admission_token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class Admit(Body):
    """Whom to let a waiting phone in as: a roster entry it may be, or null for a new walk-in."""

    candidate_id: Identifier | None = None


@operation(
    "DELETE",
    "/sessions/<session_id>/candidates/<candidate_id>",
    "Remove a candidate",
    tag="lobby",
    response=responses.Done,
    idempotency="key",
)
def remove_candidate(session_id: str, candidate_id: str) -> Any:
    """They lose access and stay removed."""
    return act(session_id, "remove_candidate", candidate_id=candidate_id)


@operation(
    "POST",
    "/sessions/<session_id>/lobby",
    "Lock or unlock the lobby",
    tag="lobby",
    body=Lock,
    response=responses.Done,
    idempotency="key",
)
def lock_lobby(session_id: str, body: Lock) -> Any:
    """A locked lobby lets in personal links only; every typed name is turned away."""
    return act(session_id, "lock_lobby", locked=body.locked)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/groups",
    "Form groups",
    tag="exercises",
    response=responses.Done,
    idempotency="key",
)
def form_groups(session_id: str, exercise_id: str) -> Any:
    """Balanced groups, mixing people who have worked together before."""
    return act(session_id, "form_groups", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/groups/move",
    "Move a candidate to a group",
    tag="exercises",
    body=Move,
    response=responses.Done,
    idempotency="key",
)
def move_candidate(session_id: str, exercise_id: str, body: Move) -> Any:
    """By hand, before or during the exercise."""
    return act(session_id, "move_candidate", exercise_id=exercise_id, **body.model_dump())


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/start",
    "Start an exercise",
    tag="exercises",
    response=responses.Done,
    idempotency="key",
)
def start_exercise(session_id: str, exercise_id: str) -> Any:
    """Phones show group, brief, role brief and countdown."""
    return act(session_id, "start_exercise", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/pause",
    "Pause an exercise",
    tag="exercises",
    response=responses.Done,
    idempotency="key",
)
def pause_exercise(session_id: str, exercise_id: str) -> Any:
    """Stop the clock."""
    return act(session_id, "pause_exercise", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/resume",
    "Resume an exercise",
    tag="exercises",
    response=responses.Done,
    idempotency="key",
)
def resume_exercise(session_id: str, exercise_id: str) -> Any:
    """Restart the clock."""
    return act(session_id, "resume_exercise", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/extend",
    "Extend an exercise",
    tag="exercises",
    body=Minutes,
    response=responses.Done,
    idempotency="key",
)
def extend_exercise(session_id: str, exercise_id: str, body: Minutes) -> Any:
    """Add minutes to the clock."""
    return act(session_id, "extend_exercise", exercise_id=exercise_id, minutes=body.minutes)


@operation(
    "POST",
    "/sessions/<session_id>/exercises/<exercise_id>/end",
    "End an exercise",
    tag="exercises",
    response=responses.Done,
    idempotency="key",
)
def end_exercise(session_id: str, exercise_id: str) -> Any:
    """Stop the exercise for good."""
    return act(session_id, "end_exercise", exercise_id=exercise_id)


@operation(
    "POST",
    "/sessions/<session_id>/announcements",
    "Make an announcement",
    tag="messages",
    body=Message,
    status=201,
    response=responses.Done,
    idempotency="key",
)
def announce(session_id: str, body: Message) -> Any:
    """To everyone, or to one group of the current exercise."""
    return act(session_id, "announce", text=body.text, group_id=body.group_id)


@operation(
    "GET",
    "/sessions/<session_id>/questions",
    "List candidates' questions",
    tag="messages",
    response=list[responses.QuestionView],
)
def list_questions(session_id: str) -> Any:
    """Oldest first, answered or not."""
    return manager_view(managed(session_id), set())["questions"]


@operation(
    "POST",
    "/sessions/<session_id>/questions/<question_id>/answer",
    "Mark a question answered",
    tag="messages",
    body=Answer,
    response=responses.Done,
    idempotency="key",
)
def answer_question(session_id: str, question_id: str, body: Answer) -> Any:
    """With an optional written answer the candidate sees."""
    return act(session_id, "answer_question", question_id=question_id, answer=body.answer)


@operation(
    "GET",
    "/sessions/<session_id>/events",
    "Read the session's event log",
    tag="sessions",
    response=list[responses.EventEnvelope],
    query=(AFTER,),
)
def list_events(session_id: str) -> Any:
    """Events after `?after=<seq>` (at most 500), as facilitators receive them."""
    managed(session_id)
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        after = -1
    if after < 0:
        raise DomainError("invalid", "after must be a whole number, 0 or more.")
    events = log.since(get_redis(), session_id, after, 500)
    if events is None:
        raise DomainError(
            "too_far_behind", "Those events are no longer in the log; read the session instead."
        )
    return [e.envelope() for e in events if e.audience.managers]


@operation(
    "POST",
    "/join",
    "Join a session as a candidate",
    tag="candidates",
    body=CandidateJoin,
    status=201,
    auth=False,
    response=responses.Joined | responses.JoinWaiting,
    errors=(403, 404, 409, 429),
)
def join(body: CandidateJoin) -> Any:
    """Code and name in; `status` `checked_in` with a device token (it authenticates the phone's
    socket), or `waiting` with an admission token when the facilitator must let the phone in
    (a name two roster entries share, or one whose holder has checked in already): then ask
    with `POST /join/admission`. A locked lobby turns every typed name away."""
    if not body.accept_privacy_notice:
        raise DomainError("privacy_notice", "Read and accept the privacy notice to check in.")
    r = get_redis()
    started = joining.start_by_code(
        r,
        Join(code=body.code, name=body.name),
        request.remote_addr or "?",
        joining.pace_from(current_app.config),
        {},
    )
    assert started.pending is not None  # only a phone holding a device token goes straight back
    finished = joining.finish(r, started.pending, {})
    broadcast.publish(finished.session_id, finished.events)
    if finished.admission_token is not None:
        return {
            "session_id": finished.session_id,
            "status": "waiting",
            "admission_token": finished.admission_token,
        }
    return {
        "session_id": finished.session_id,
        "status": "checked_in",
        "candidate_id": finished.candidate_id,
        "token": finished.device_token,
    }


@operation(
    "POST",
    "/join/admission",
    "Ask whether a waiting phone has been let in",
    tag="candidates",
    body=AdmissionToken,
    auth=False,
    response=responses.AdmissionAnswer,
)
def join_admission(body: AdmissionToken) -> Any:
    """`waiting`; `admitted` with `candidate_id` and the device `token` (the admission token
    itself, from now on); `refused`; `expired`; or `closed` (the session stopped taking people
    in). A final answer is given once."""
    r = get_redis()
    answer = joining.answer_for(r, body.admission_token)
    if answer.status == "waiting":
        return {"status": "waiting"}
    joining.collected(r, body.admission_token)
    if answer.status == "admitted":
        return {
            "status": "admitted",
            "session_id": answer.session_id,
            "candidate_id": answer.candidate_id,
            "token": body.admission_token,
        }
    return {"status": answer.status}


def _admission_id(raw: str) -> str:
    """An admission id from the address; one that cannot be an id names no request."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", raw):
        raise NotFound("unknown_admission", "There is no such request to be let in.")
    return raw


@operation(
    "GET",
    "/sessions/<session_id>/admissions",
    "List phones waiting to be let in",
    tag="lobby",
    response=list[responses.AdmissionView],
)
def list_admissions(session_id: str) -> Any:
    """Oldest first: the name given, why it waits, the roster entries it may be, when it asked."""
    return joining.waiting_views(get_redis(), managed(session_id))


@operation(
    "POST",
    "/sessions/<session_id>/admissions/<admission_id>/admit",
    "Let a waiting phone in",
    tag="lobby",
    body=Admit,
    response=responses.AdmissionDecided,
)
def admit_candidate(session_id: str, admission_id: str, body: Admit) -> Any:
    """As a roster entry it may be (a phone that person held is signed out), or as a new walk-in."""
    command = AdmitCandidate.model_validate(
        {"id": command_id(), "admission_id": _admission_id(admission_id), "candidate_id": body.candidate_id}
    )
    return published(session_id, joining.admit(get_redis(), current_api_user(), session_id, command))


@operation(
    "POST",
    "/sessions/<session_id>/admissions/<admission_id>/refuse",
    "Turn a waiting phone away",
    tag="lobby",
    response=responses.AdmissionDecided,
)
def refuse_admission(session_id: str, admission_id: str) -> Any:
    """The phone says it was not let in."""
    command = RefuseAdmission.model_validate(
        {"id": command_id(), "admission_id": _admission_id(admission_id)}
    )
    return published(session_id, joining.refuse(get_redis(), current_api_user(), session_id, command))
