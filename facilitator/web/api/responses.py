"""What the API answers with: each route's data is validated through one of these types before
it is sent, and the OpenAPI document's response schemas are generated from the same types, so
the document cannot drift from what a client receives.

Records the domain stores (a session, an exercise, an observation, a rating) are answered as
they are; the shapes below are the views the routes put together. Unknown fields are an error,
so a route that starts sending a new field fails its tests until the field is declared here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...domain.evidence import Observation, Rating
from ...domain.models import CandidateStatus, Competency, Exercise, Session, SessionState
from ...domain.review import ConsensusScore, Decision, DecisionOutcome, FeedbackReport, WashUp
from ...services.history import EarlierStage

JsonObject = dict[str, Any]


class Reply(BaseModel):
    """Base for the API's own answers: every field declared."""

    model_config = ConfigDict(extra="forbid")


class Done(Reply):
    """A facilitator's command was carried out (or had been, for a repeat)."""

    done: bool


class SessionListing(Reply):
    """One session in the list."""

    id: str
    title: str
    state: SessionState
    join_code: str | None = Field(description="Null for a session the caller observes but does not run.")
    scheduled_start: str | None = Field(description="ISO 8601, or null when no time is set.")


class SessionRead(Reply):
    """A session's set-up, its live state as the facilitator's page sees it, and the newest event."""

    setup: Session
    live: JsonObject = Field(
        description="The facilitator's snapshot, as the `resume` socket event sends it (docs/protocol.md)."
    )
    seq: int = Field(ge=0, description="The newest event's sequence id: read the log `after` it.")


class SessionUpdated(Reply):
    """Which session changed."""

    session_id: str


class StateChanged(Reply):
    """The state the session moved to."""

    state: SessionState


class ExerciseRemoved(Reply):
    """The id of the exercise removed."""

    removed: str


class CandidateSummary(Reply):
    """A candidate as the lobby shows them."""

    id: str
    name: str
    status: CandidateStatus
    walk_in: bool
    checked_in_at: float | None
    portfolio_url: str | None


class RosterEntry(CandidateSummary):
    """A roster entry with its email and personal join link (null once the link is spent)."""

    email: str | None
    invite_url: str | None


class Joined(Reply):
    """A candidate checked in: the device token authenticates the phone's socket."""

    session_id: str
    status: Literal["checked_in"] = "checked_in"
    candidate_id: str
    token: str


class JoinWaiting(Reply):
    """The facilitator must let this phone in: ask with the admission token (POST /join/admission)."""

    session_id: str
    status: Literal["waiting"]
    admission_token: str


class AdmissionAnswer(Reply):
    """Where a waiting phone's request stands; once admitted, its device token."""

    status: Literal["waiting", "admitted", "refused", "expired", "closed"]
    session_id: str | None = None
    candidate_id: str | None = None
    token: str | None = None


class AdmissionMatch(Reply):
    """A roster entry a waiting phone may be."""

    id: str
    name: str
    status: CandidateStatus


class AdmissionView(Reply):
    """A phone waiting to be let in, as the control room shows it."""

    id: str
    name: str
    asked: Literal["namesakes", "checked_in", "second_device"]
    matches: list[AdmissionMatch]
    requested_at: float
    expires_at: float


class AdmissionDecided(Reply):
    """What the facilitator decided about a waiting phone."""

    admission_id: str
    status: Literal["admitted", "refused"]
    candidate_id: str | None


class QuestionView(Reply):
    """A candidate's question with the asker's name."""

    id: str
    candidate_id: str
    candidate_name: str
    text: str
    asked_at: float
    answered_at: float | None
    answer: str | None


class EventEnvelope(Reply):
    """One event of the session's log, as sockets receive it (docs/protocol.md lists each type)."""

    type: str
    seq: int
    at: float
    data: JsonObject


class StaffMember(Reply):
    """A staff account on the panel."""

    id: str
    name: str
    email: str
    role: str


class Completion(Reply):
    """Whether one observer has rated one candidate in one exercise."""

    exercise_id: str
    candidate_id: str
    observer_id: str
    status: str = Field(description="missing, draft or submitted")
    due: bool


class PanelListing(Reply):
    """The panel and who has rated whom."""

    panel: list[StaffMember]
    completion: list[Completion]


class PanelChange(Reply):
    """The staff account added to or removed from the panel."""

    user_id: str


class PanelInvite(Reply):
    """A signed link that puts whoever opens it on this session's panel."""

    url: str
    expires_in_s: int


class Revoked(Reply):
    """Every panel invite link sent so far stopped working."""

    revoked: bool


class Owed(Reply):
    """How many ratings the observer was reminded of."""

    owed: int


class Evidence(Reply):
    """Observations and ratings the caller may read, and the observers' names."""

    observers: dict[str, str]
    observations: list[Observation]
    ratings: list[Rating]


class ConsensusRecorded(ConsensusScore):
    """The agreed score as stored, with its candidate."""

    candidate_id: str


class DecisionRecorded(Reply):
    """The decision as stored, and how many decisions the candidate has had."""

    candidate_id: str
    outcome: DecisionOutcome
    rationale: str
    by: str
    at: float
    history: int


class Weights(Reply):
    """How much each exercise and competency counts (1 when not listed)."""

    exercise_weights: dict[str, float]
    competency_weights: dict[str, float]


class CandidateRecord(Reply):
    """A candidate's agreed scores and decision, each with its history."""

    id: str
    name: str
    consensus: dict[str, ConsensusScore]
    consensus_history: list[ConsensusScore]
    decision: Decision | None
    decision_history: list[Decision]


class ReopeningView(Reply):
    """One time a submitted rating was reopened."""

    reason: str
    by: str
    at: float
    submitted_at: float | None


class ReopenedRating(Reply):
    """A rating reopened in the review, where it stands now."""

    exercise_id: str
    candidate_id: str
    observer_id: str
    status: str
    reopenings: list[ReopeningView]


class ReviewRead(Reply):
    """The review records and where the wash-up is."""

    session_id: str
    state: SessionState
    washup: WashUp
    candidates: list[CandidateRecord]
    reopened: list[ReopenedRating]
    names: dict[str, str]
    exercise_weights: dict[str, float]
    competency_weights: dict[str, float]


class DraftSection(Reply):
    """A drafted section of a feedback report."""

    competency_id: str
    strengths: str
    development: str


class FeedbackDraft(Reply):
    """A report drafted from the agreed scores and the behaviours seen most often."""

    introduction: str
    sections: list[DraftSection]


class FeedbackRead(Reply):
    """A candidate's saved report (null before one), whether it is released, and a draft."""

    candidate_id: str
    feedback: FeedbackReport | None
    released: bool
    draft: FeedbackDraft


class FeedbackSaved(Reply):
    """The report as saved."""

    candidate_id: str
    feedback: FeedbackReport


class FeedbackReleased(Reply):
    """Whether the candidate can now read their report."""

    candidate_id: str
    released: bool


class FollowUp(Reply):
    """The points to follow up, as the panel now sees them."""

    candidate_id: str
    follow_up: str


__all__ = [
    "Competency",
    "EarlierStage",
    "Exercise",
    "Observation",
    "Rating",
    "Session",
    "WashUp",
]
