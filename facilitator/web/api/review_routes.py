"""API routes for the review: consensus scores, decisions, reopened ratings, the wash-up, weights.

Writes carry the request's Idempotency-Key as their command id, so a retried request is
answered with its first acknowledgement and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from ...domain.audit import AuditAction
from ...domain.commands import (
    MoveWashUp,
    RecordConsensus,
    RecordDecision,
    ReopenRating,
    SetWeights,
)
from ...domain.models import MAX_CANDIDATES, Identifier
from ...domain.review import (
    MAX_CONSENSUS_NOTE,
    MAX_RATIONALE,
    MAX_REASON,
    DecisionOutcome,
    assessed,
)
from ...services import audit, review
from ...store import get_redis
from ...store.evidence import Written
from . import current_api_user, operation, responses
from .common import Body, command_id, published, request_id, stored


class ConsensusBody(Body):
    """The panel's agreed score (1 to 5) for one competency of one candidate, with a note."""

    candidate_id: Identifier
    competency_id: Identifier
    score: int = Field(ge=1, le=5)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CONSENSUS_NOTE)] = ""


class DecisionBody(Body):
    """The outcome for a candidate and why; the rationale is required."""

    candidate_id: Identifier
    outcome: DecisionOutcome
    rationale: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_RATIONALE)] = ""


class ReopenBody(Body):
    """Why the observer's submitted rating is being reopened."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_REASON)] = ""


class WashUpBody(Body):
    """The order candidates are discussed in, who is on screen, and whether the evidence is open."""

    order: list[Identifier] | None = Field(default=None, max_length=MAX_CANDIDATES)
    candidate_id: Identifier | None = None
    stage: Literal["ratings", "evidence"] | None = None


def _written(session_id: str, written: Written) -> Any:
    return stored(session_id, written)


@operation(
    "POST",
    "/sessions/<session_id>/consensus",
    "Record the panel's agreed score for a competency",
    tag="review",
    body=ConsensusBody,
    status=201,
    response=responses.ConsensusRecorded,
    idempotency="key",
)
def record_consensus(session_id: str, body: ConsensusBody) -> Any:
    """Only in review; an earlier agreed score stays in the history, the independent ratings as they were."""
    command = RecordConsensus(id=command_id(), **body.model_dump())
    return _written(session_id, review.record_consensus(get_redis(), current_api_user(), session_id, command))


@operation(
    "POST",
    "/sessions/<session_id>/decisions",
    "Record or change the decision for a candidate",
    tag="review",
    body=DecisionBody,
    status=201,
    response=responses.DecisionRecorded,
    idempotency="key",
)
def record_decision(session_id: str, body: DecisionBody) -> Any:
    """Offer, next round, hold or reject, with a rationale; an earlier decision stays in its history."""
    command = RecordDecision(id=command_id(), **body.model_dump())
    return _written(session_id, review.record_decision(get_redis(), current_api_user(), session_id, command))


@operation(
    "POST",
    "/sessions/<session_id>/ratings/<exercise_id>/<candidate_id>/<observer_id>/reopen",
    "Reopen an observer's submitted rating",
    tag="review",
    body=ReopenBody,
    response=responses.Rating,
    idempotency="key",
)
def reopen_rating(
    session_id: str, exercise_id: str, candidate_id: str, observer_id: str, body: ReopenBody
) -> Any:
    """In review, for a stated reason; the scores as submitted stay in the rating's record."""
    command = ReopenRating(
        id=command_id(),
        exercise_id=exercise_id,
        candidate_id=candidate_id,
        observer_id=observer_id,
        reason=body.reason,
    )
    return _written(session_id, review.reopen_rating(get_redis(), current_api_user(), session_id, command))


@operation(
    "PUT",
    "/sessions/<session_id>/washup",
    "Move the wash-up on",
    tag="review",
    body=WashUpBody,
    response=responses.WashUp,
    idempotency="key",
)
def move_washup(session_id: str, body: WashUpBody) -> Any:
    """Set the order, the candidate on screen or the stage; the panel's tablets follow."""
    command = MoveWashUp(id=command_id(), **body.model_dump())
    return _written(session_id, review.move_washup(get_redis(), current_api_user(), session_id, command))


@operation(
    "PUT",
    "/sessions/<session_id>/weights",
    "Set the weights of exercises and competencies",
    tag="review",
    body=SetWeights,
    response=responses.Weights,
    idempotency="key",
)
def set_weights(session_id: str, body: SetWeights) -> Any:
    """Each weight from 0 to 100 (1 when not given) in the overall ratings."""
    return published(
        session_id, review.set_weights(get_redis(), current_api_user(), session_id, body, request_id())
    )


@operation(
    "GET",
    "/sessions/<session_id>/review",
    "Read the review records and the wash-up",
    tag="review",
    response=responses.ReviewRead,
)
def read_review(session_id: str) -> Any:
    """For facilitators, and panel members who owe no rating: agreed scores and decisions with
    their history, reopened ratings, and where the wash-up is."""
    found = review.open_review(get_redis(), current_api_user(), session_id)
    audit.viewed(get_redis(), current_api_user(), AuditAction.VIEWED_REVIEW, session_id)
    data = found.data
    candidates = []
    for candidate_id in assessed(data):
        record = found.review_of(candidate_id)
        candidates.append(
            {
                "id": candidate_id,
                "name": data.candidates[candidate_id].name,
                "consensus": {k: v.model_dump(mode="json") for k, v in record.consensus.items()},
                "consensus_history": [c.model_dump(mode="json") for c in record.consensus_history],
                "decision": record.decision.model_dump(mode="json") if record.decision else None,
                "decision_history": [d.model_dump(mode="json") for d in record.decision_history],
            }
        )
    reopened = [
        {
            "exercise_id": x.exercise_id,
            "candidate_id": x.candidate_id,
            "observer_id": x.observer_id,
            "status": x.status.value,
            "reopenings": [
                {"reason": o.reason, "by": o.by, "at": o.at, "submitted_at": o.submitted_at}
                for o in x.reopenings
            ],
        }
        for x in found.evidence.ratings.values()
        if x.reopenings
    ]
    washup = found.evidence.washup
    return {
        "session_id": session_id,
        "state": data.session.state.value,
        "washup": {**washup.model_dump(), "order": washup.order or assessed(data)},
        "candidates": candidates,
        "reopened": reopened,
        "names": found.observer_names,
        "exercise_weights": data.session.exercise_weights,
        "competency_weights": data.session.competency_weights,
    }
