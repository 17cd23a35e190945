"""Typed commands: every input from a form, the JSON API or a socket event is parsed
into one of these before the domain sees it. Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .models import (
    MAX_CANDIDATES,
    ExerciseKind,
    Identifier,
    Markdown,
    Name,
    RoleBrief,
    SessionState,
    ShortText,
    Title,
    Weight,
)
from .review import DecisionOutcome

ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]


class Command(BaseModel):
    """Base for inputs: unknown fields are refused so typos surface as errors, and every value
    must be of its own type ("5" is not 5; HTML forms, which send only text, read laxly)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SessionDetails(Command):
    """The facts about a session a facilitator sets on its form."""

    title: Title
    role: OptionalText = ""
    scheduled_start: datetime | None = None
    location: OptionalText = ""
    competency_ids: list[Identifier] = Field(default_factory=list, max_length=30)
    blind_ratings: bool = True


class ExerciseInput(Command):
    """An exercise as a facilitator writes it."""

    title: Title
    kind: ExerciseKind = ExerciseKind.GROUP_DISCUSSION
    brief: Markdown = ""
    duration_minutes: int = Field(default=20, ge=1, le=480)
    competency_ids: list[Identifier] = Field(default_factory=list, max_length=30)
    group_size: int = Field(default=4, ge=1, le=50)
    role_briefs: list[RoleBrief] = Field(default_factory=list, max_length=12)
    output_prompt: ShortText | None = None

    @field_validator("output_prompt")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class CandidateInput(Command):
    """One roster entry."""

    name: Name
    email: Email | None = None


class RosterInput(Command):
    """Candidates added in one go."""

    candidates: list[CandidateInput] = Field(min_length=1, max_length=MAX_CANDIDATES)


class ChangeState(Command):
    """Move a session to another state; `confirm` goes ahead although ratings are still owed."""

    state: SessionState
    confirm: bool = False


class Join(Command):
    """A candidate's join form: the session code and their name."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    name: Name


# Socket and API commands. `id` is the client-generated id that makes a retry harmless.


class ClientCommand(Command):
    """Every write from a client carries its own id."""

    id: ClientId


class ExerciseCommand(ClientCommand):
    """Start, pause, resume, end or form groups for one exercise."""

    exercise_id: Identifier


class ExtendExercise(ExerciseCommand):
    """Give an exercise more minutes."""

    minutes: int = Field(ge=1, le=120)


class MoveCandidate(ExerciseCommand):
    """Move a candidate to a group (or a new group when group_id is null)."""

    candidate_id: Identifier
    group_id: Identifier | None = None


class CandidateCommand(ClientCommand):
    """Act on one candidate (remove them)."""

    candidate_id: Identifier


class LockLobby(ClientCommand):
    """Lock or unlock the lobby to walk-ins."""

    locked: bool


class Announce(ClientCommand):
    """Tell everyone, or one group, something."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    group_id: Identifier | None = None


class AnswerQuestion(ClientCommand):
    """Mark a candidate's question answered."""

    question_id: Identifier
    answer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class AskQuestion(ClientCommand):
    """A candidate's question to the panel."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class SharePortfolio(ClientCommand):
    """A candidate's portfolio link."""

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class SubmitGroupOutput(ClientCommand):
    """A group's output, submitted from any member's phone."""

    exercise_id: Identifier
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class Resume(Command):
    """A client (re)connecting says the last sequence id it saw."""

    last_seq: int = Field(default=0, ge=0)


class RecordObservation(ClientCommand):
    """One tap: a behaviour (or a note) seen in a candidate; `id` is the observation's own id."""

    exercise_id: Identifier
    candidate_id: Identifier
    indicator_id: Identifier | None = None
    competency_id: Identifier | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    # When the tap happened, on the server's clock as the device estimates it (offline taps
    # arrive late but keep their moment); the server's own time when absent.
    recorded_at: float | None = Field(default=None, ge=0)


class EditObservation(ClientCommand):
    """Change the note or the behaviour of one's own observation (the old version is kept)."""

    observation_id: Identifier
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None
    indicator_id: Identifier | None = None


class DeleteObservation(ClientCommand):
    """Withdraw one's own observation (kept on the record as deleted)."""

    observation_id: Identifier


class ScoreInput(Command):
    """A 1-5 score on the anchored scale and the evidence for it."""

    score: int = Field(ge=1, le=5)
    evidence: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class RateCandidate(ClientCommand):
    """Save (or submit, which locks it) one's rating of a candidate in an exercise."""

    exercise_id: Identifier
    candidate_id: Identifier
    scores: dict[Identifier, ScoreInput] = Field(default_factory=dict, max_length=30)
    submit: bool = False


class ReadEvidence(Command):
    """Ask for the evidence of one candidate in one exercise (subject to the blind rule)."""

    exercise_id: Identifier
    candidate_id: Identifier


class AssignObservers(ClientCommand):
    """Choose who watches a candidate in an exercise; with no candidate, rotate everyone."""

    exercise_id: Identifier
    candidate_id: Identifier | None = None
    observer_ids: list[Identifier] = Field(default_factory=list, max_length=20)


class NudgeObserver(ClientCommand):
    """Remind an observer of the ratings they owe."""

    observer_id: Identifier


class AdmitCandidate(ClientCommand):
    """Let a waiting phone in: as one of the roster entries it may be, or (null) as a new walk-in."""

    admission_id: Identifier
    candidate_id: Identifier | None = None


class RefuseAdmission(ClientCommand):
    """Turn a waiting phone away."""

    admission_id: Identifier


# The review: wash-up, consensus, decisions, reopened ratings, weights, follow-ups, feedback.


class RecordConsensus(ClientCommand):
    """The panel's agreed score for one competency of one candidate."""

    candidate_id: Identifier
    competency_id: Identifier
    score: int = Field(ge=1, le=5)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class RecordDecision(ClientCommand):
    """The outcome for a candidate and why."""

    candidate_id: Identifier
    outcome: DecisionOutcome
    rationale: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class ReopenRating(ClientCommand):
    """Let one observer change a submitted rating during the review, for a stated reason."""

    exercise_id: Identifier
    candidate_id: Identifier
    observer_id: Identifier
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class MoveWashUp(ClientCommand):
    """Set the wash-up's order, the candidate on screen, or the stage shown."""

    order: list[Identifier] | None = Field(default=None, max_length=MAX_CANDIDATES)
    candidate_id: Identifier | None = None
    stage: Literal["ratings", "evidence"] | None = None


class SetWeights(Command):
    """How much each exercise and competency counts towards the overall ratings."""

    exercise_weights: dict[Identifier, Weight] = Field(default_factory=dict, max_length=20)
    competency_weights: dict[Identifier, Weight] = Field(default_factory=dict, max_length=30)


class SetFollowUp(ClientCommand):
    """Points to follow up from an earlier interview, shown to the panel on the candidate's tile."""

    candidate_id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class FeedbackSectionInput(Command):
    """Feedback on one competency."""

    competency_id: Identifier
    strengths: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    development: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class SaveFeedback(ClientCommand):
    """The facilitator's edited feedback report for a candidate."""

    candidate_id: Identifier
    introduction: Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000)] = ""
    sections: list[FeedbackSectionInput] = Field(default_factory=list, max_length=30)


class ReleaseFeedback(ClientCommand):
    """Release a feedback report to its candidate (or withdraw it)."""

    candidate_id: Identifier
    released: bool = True
