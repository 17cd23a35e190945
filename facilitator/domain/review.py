"""The review after a session: consensus scores, decisions, reopened ratings, who may look.

Independent ratings stay as the observers submitted them; the panel's agreed (consensus)
scores and the decision are kept beside them, each with its history, in one record per
candidate. Nothing here decides for the panel: these are the rules for recording what people
decided.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from .errors import Conflict, Forbidden, NotFound
from .events import Audience, Event
from .evidence import Rating, RatingStatus, Reopening
from .models import CandidateStatus, Identifier, Record, RunStatus, Session, SessionData, SessionState

MAX_RATIONALE = 4_000
MAX_CONSENSUS_NOTE = 2_000
MAX_FOLLOW_UP = 2_000
MAX_REASON = 500

Rationale = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_RATIONALE)]
ConsensusNote = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CONSENSUS_NOTE)]
FollowUp = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_FOLLOW_UP)]

# States in which the panel reviews; ratings and observations are closed from here on.
REVIEWING = (SessionState.REVIEW, SessionState.DECIDED, SessionState.ARCHIVED)


class DecisionOutcome(enum.StrEnum):
    """What the panel decided for a candidate."""

    OFFER = "offer"
    NEXT_ROUND = "next_round"
    HOLD = "hold"
    REJECT = "reject"


OUTCOME_LABELS: dict[DecisionOutcome, str] = {
    DecisionOutcome.OFFER: "Offer",
    DecisionOutcome.NEXT_ROUND: "Next round",
    DecisionOutcome.HOLD: "Hold",
    DecisionOutcome.REJECT: "Reject",
}


class ConsensusScore(Record):
    """The score the panel agreed for one competency, with its note, who recorded it and when."""

    competency_id: Identifier
    score: int = Field(ge=1, le=5)
    note: ConsensusNote = ""
    by: Identifier
    at: float


class Decision(Record):
    """The outcome for a candidate, why, who decided and when."""

    outcome: DecisionOutcome
    rationale: Rationale
    by: Identifier
    at: float


class FeedbackSection(Record):
    """Developmental feedback on one competency: what went well and what to develop."""

    competency_id: Identifier
    strengths: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)] = ""
    development: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)] = ""


class FeedbackReport(Record):
    """The report a candidate may read once released: no notes, names or individual ratings."""

    introduction: Annotated[str, StringConstraints(strip_whitespace=True, max_length=3_000)] = ""
    sections: list[FeedbackSection] = Field(default_factory=list, max_length=30)
    updated_by: Identifier
    updated_at: float
    released_at: float | None = None
    released_by: Identifier | None = None


class CandidateReview(Record):
    """Everything the panel agreed about one candidate, with the history of each change."""

    candidate_id: Identifier
    consensus: dict[str, ConsensusScore] = Field(default_factory=dict)
    consensus_history: list[ConsensusScore] = Field(default_factory=list)
    decision: Decision | None = None
    decision_history: list[Decision] = Field(default_factory=list)
    follow_up: FollowUp = ""
    feedback: FeedbackReport | None = None


class WashUp(Record):
    """Where the wash-up meeting is: the order candidates are discussed in and who is on screen."""

    order: list[Identifier] = Field(default_factory=list)
    current: Identifier | None = None
    stage: Literal["ratings", "evidence"] = "ratings"
    updated_at: float = 0.0


def assessed(data: SessionData) -> list[str]:
    """Candidates the panel must decide on: everyone who checked in and was not removed."""
    return [c.id for c in data.active_candidates()]


def owed_ratings(data: SessionData, ratings: dict[str, Rating]) -> dict[str, int]:
    """Observer id -> how many ratings they owe (due in an ended exercise, not submitted)."""
    owed: dict[str, int] = {}
    session = data.session
    for exercise in session.exercises:
        run = session.runs.get(exercise.id)
        if run is None or run.status != RunStatus.ENDED:
            continue
        for candidate_id, observers in run.observers.items():
            person = data.candidates.get(candidate_id)
            if person is None or person.status == CandidateStatus.REMOVED:
                continue
            for observer_id in observers:
                rating = ratings.get(f"{exercise.id}:{candidate_id}:{observer_id}")
                if rating is None or rating.status != RatingStatus.SUBMITTED:
                    owed[observer_id] = owed.get(observer_id, 0) + 1
    return owed


def may_review(session: Session, viewer_kind: str, viewer_id: str, owed: dict[str, int]) -> bool:
    """Managers see the review; panel members only once they have submitted every rating they owe."""
    if viewer_kind == "manager":
        return True
    return viewer_kind == "observer" and viewer_id in session.panel and owed.get(viewer_id, 0) == 0


def require_review_access(session: Session, viewer_kind: str, viewer_id: str, owed: dict[str, int]) -> None:
    """Refuse anyone who may not see summaries, comparisons, exports or the wash-up."""
    if may_review(session, viewer_kind, viewer_id, owed):
        return
    if viewer_kind == "observer" and viewer_id in session.panel:
        count = owed.get(viewer_id, 0)
        raise Forbidden(
            "ratings_owed",
            f"Submit the {count} rating{'s' if count != 1 else ''} you still owe to see the review.",
        )
    raise NotFound("unknown_session", "There is no such session.")


def review_audience(session: Session, owed: dict[str, int]) -> Audience:
    """Managers plus every panel member who owes no rating: who follows the wash-up live."""
    return Audience(observers=tuple(uid for uid in session.panel if owed.get(uid, 0) == 0))


def _reviewing(session: Session, doing: str) -> None:
    if session.state != SessionState.REVIEW:
        raise Conflict(
            "not_in_review",
            f"You can {doing} only while the session is in review; start the review first."
            if session.state in (SessionState.ENDED, SessionState.LIVE)
            else f"You can {doing} only while the session is in review.",
        )


def _assessed_candidate(data: SessionData, candidate_id: str) -> str:
    person = data.candidates.get(candidate_id)
    if person is None or person.status != CandidateStatus.CHECKED_IN:
        raise NotFound("unknown_candidate", "That candidate is not one of this session's candidates.")
    return person.name


def record_consensus(
    data: SessionData,
    review: CandidateReview,
    *,
    competency_id: str,
    score: int,
    note: str,
    by: str,
    now: float,
) -> ConsensusScore:
    """Agree a competency score for a candidate; the earlier agreed score stays in the history."""
    _reviewing(data.session, "record consensus scores")
    _assessed_candidate(data, review.candidate_id)
    if data.session.competency(competency_id) is None:
        raise NotFound("unknown_competency", "This session does not assess that competency.")
    agreed = ConsensusScore(competency_id=competency_id, score=score, note=note, by=by, at=now)
    review.consensus[competency_id] = agreed
    review.consensus_history.append(agreed)
    return agreed


def record_decision(
    data: SessionData,
    review: CandidateReview,
    *,
    outcome: DecisionOutcome,
    rationale: str,
    by: str,
    now: float,
) -> Decision:
    """Record (or change) the decision for a candidate; an earlier decision stays in its history."""
    _reviewing(data.session, "record decisions")
    _assessed_candidate(data, review.candidate_id)
    if not rationale.strip():
        raise Conflict("rationale_required", "Write the reason for this decision.")
    decision = Decision(outcome=outcome, rationale=rationale, by=by, at=now)
    if review.decision is not None:
        review.decision_history.append(review.decision)
    review.decision = decision
    return decision


def check_all_decided(data: SessionData, reviews: dict[str, CandidateReview]) -> None:
    """Refuse to mark the session decided while a candidate has no decision, naming them."""
    undecided = [
        data.candidates[cid].name
        for cid in assessed(data)
        if (found := reviews.get(cid)) is None or found.decision is None
    ]
    if undecided:
        shown = ", ".join(undecided[:5]) + (f" and {len(undecided) - 5} more" if len(undecided) > 5 else "")
        raise Conflict(
            "undecided",
            f"Record a decision for {shown} before marking the session decided.",
        )


def reopen_rating(session: Session, rating: Rating, *, reason: str, by: str, now: float) -> Rating:
    """Let one observer change a submitted rating during the review, for a stated reason.

    The scores as submitted are kept in the rating's record of reopenings.
    """
    _reviewing(session, "reopen ratings")
    if rating.status != RatingStatus.SUBMITTED:
        raise Conflict("not_submitted", "Only a submitted rating can be reopened.")
    if not reason.strip():
        raise Conflict("reason_required", "Say why this rating is being reopened.")
    reopening = Reopening(
        reason=reason,
        by=by,
        at=now,
        scores=rating.scores,
        submitted_at=rating.submitted_at,
    )
    return rating.model_copy(
        update={
            "status": RatingStatus.DRAFT,
            "submitted_at": None,
            "updated_at": now,
            "reopenings": [*rating.reopenings, reopening],
        }
    )


def set_weights(
    session: Session, exercise_weights: dict[str, float], competency_weights: dict[str, float]
) -> None:
    """Set how much each exercise and competency counts; unknown ids are refused."""
    for exercise_id in exercise_weights:
        if session.exercise(exercise_id) is None:
            raise NotFound("unknown_exercise", "There is no such exercise in this session.")
    for competency_id in competency_weights:
        if session.competency(competency_id) is None:
            raise NotFound("unknown_competency", "This session does not assess that competency.")
    session.exercise_weights = {k: float(v) for k, v in exercise_weights.items() if float(v) != 1.0}
    session.competency_weights = {k: float(v) for k, v in competency_weights.items() if float(v) != 1.0}


def move_washup(
    data: SessionData,
    washup: WashUp,
    *,
    order: list[str] | None,
    current: str | None,
    stage: str | None,
    now: float,
) -> WashUp:
    """Set the wash-up's order and who is being discussed; candidates must be the session's own."""
    _reviewing(data.session, "run the wash-up")
    known = set(assessed(data))
    if order is not None:
        if len(set(order)) != len(order) or not set(order) <= known:
            raise Conflict("bad_order", "The order must list this session's candidates, each once.")
        # Anyone left out of the order is discussed after the ones listed.
        washup.order = [*order, *[cid for cid in assessed(data) if cid not in order]]
    elif not washup.order:
        washup.order = assessed(data)
    if current is not None:
        if current not in known:
            raise NotFound("unknown_candidate", "That candidate is not one of this session's candidates.")
        washup.current = current
    if stage is not None:
        washup.stage = "evidence" if stage == "evidence" else "ratings"
    washup.updated_at = now
    return washup


def washup_event(washup: WashUp, audience: Audience) -> Event:
    """washup_moved: who the panel is discussing now, for the manager and eligible observers."""
    return Event("washup_moved", washup.model_dump(), audience)


def review_event(kind: str, candidate_id: str, payload: Mapping[str, Any], audience: Audience) -> Event:
    """consensus_recorded, decision_recorded, follow_up_changed, feedback_released and the like."""
    return Event(kind, {"candidate_id": candidate_id, **payload}, audience)


def refuse_with_owed(data: SessionData, owed: dict[str, int], names: dict[str, str], target: str) -> None:
    """Ask for confirmation before ending or reviewing while ratings are owed: how many, whose."""
    total = sum(owed.values())
    whose = ", ".join(
        f"{names.get(uid, 'a former panel member')} ({count})"
        for uid, count in sorted(owed.items(), key=lambda item: names.get(item[0], item[0]))
    )
    then = (
        "Ending the session still lets them rate; confirm to end it."
        if target == "ended"
        else "Starting the review locks every rating; confirm to start it anyway."
    )
    raise Conflict(
        "ratings_owed",
        f"{total} rating{'s are' if total != 1 else ' is'} still owed: {whose}. {then}",
    )


def check_feedback(data: SessionData, candidate_id: str, competency_ids: list[str]) -> None:
    """Feedback is written after the live part, for a candidate of the session, per its competencies."""
    if data.session.state not in (SessionState.ENDED, *REVIEWING):
        raise Conflict("not_ended", "Feedback is written once the session has ended.")
    _assessed_candidate(data, candidate_id)
    for competency_id in competency_ids:
        if data.session.competency(competency_id) is None:
            raise NotFound("unknown_competency", "This session does not assess that competency.")
