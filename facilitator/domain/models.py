"""The domain's records: what a session, an exercise and a candidate are.

These are pydantic models so that the same definitions validate input, serialise to
Redis and describe the JSON API; nothing here knows where it is stored.
"""

from __future__ import annotations

import enum
from collections.abc import MutableMapping
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Limits shared by forms, the JSON API and socket events.
MAX_TITLE = 120
MAX_NAME = 80
MAX_BRIEF = 20_000
MAX_ROLE_BRIEFS = 12
MAX_EXERCISES = 20
MAX_MANAGERS = 20
MAX_CANDIDATES = 500
MAX_TEXT = 2_000

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Markdown = Annotated[str, StringConstraints(max_length=MAX_BRIEF)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
# How much an exercise or a competency counts towards the overall ratings (1 when unset).
Weight = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Record(BaseModel):
    """Base for stored records: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SessionState(enum.StrEnum):
    """Where a session is in its life; see `domain.states` for the allowed moves."""

    DRAFT = "draft"
    OPEN = "open"
    LIVE = "live"
    ENDED = "ended"
    REVIEW = "review"
    DECIDED = "decided"
    ARCHIVED = "archived"


class ExerciseKind(enum.StrEnum):
    """The kinds of exercise an assessment centre runs."""

    GROUP_DISCUSSION = "group_discussion"
    PRACTICAL_TASK = "practical_task"
    CASE_STUDY = "case_study"
    PRESENTATION = "presentation"
    ICEBREAKER = "icebreaker"


class Polarity(enum.StrEnum):
    """Whether a behaviour counts for or against a competency."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Indicator(Record):
    """An observable behaviour that shows (or contradicts) a competency."""

    id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    polarity: Polarity


class Competency(Record):
    """A competency with its behavioural indicators and a 1-5 anchored rating scale."""

    id: Identifier
    name: Title
    description: ShortText = ""
    indicators: list[Indicator] = Field(default_factory=list, max_length=40)
    # anchors[0] describes a score of 1, anchors[4] a score of 5.
    anchors: list[ShortText] = Field(min_length=5, max_length=5)


class RoleBrief(Record):
    """A private brief handed to one member of each group."""

    title: Title
    body: Markdown = ""


class Exercise(Record):
    """One exercise of a session, as the facilitator defined it."""

    id: Identifier
    title: Title
    kind: ExerciseKind = ExerciseKind.GROUP_DISCUSSION
    brief: Markdown = ""
    duration_minutes: int = Field(default=20, ge=1, le=480)
    competency_ids: list[Identifier] = Field(default_factory=list)
    group_size: int = Field(default=4, ge=1, le=50)
    role_briefs: list[RoleBrief] = Field(default_factory=list, max_length=MAX_ROLE_BRIEFS)
    output_prompt: ShortText | None = None


class CandidateStatus(enum.StrEnum):
    """A candidate's standing in one session."""

    INVITED = "invited"
    CHECKED_IN = "checked_in"
    REMOVED = "removed"


class Candidate(Record):
    """A person being assessed in one session. They have no account."""

    id: Identifier
    name: Name
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    status: CandidateStatus = CandidateStatus.INVITED
    walk_in: bool = False
    added_at: float
    privacy_accepted_at: float | None = None
    checked_in_at: float | None = None
    portfolio_url: str | None = None


class Timer(Record):
    """A countdown owned by the server: an end instant while running, the rest while paused."""

    duration_s: float
    ends_at: float | None = None
    remaining_s: float | None = None

    @property
    def running(self) -> bool:
        """True while the clock is counting down."""
        return self.ends_at is not None

    def remaining(self, now: float) -> float:
        """Seconds left at `now`; negative once time has run out."""
        if self.ends_at is not None:
            return self.ends_at - now
        return self.remaining_s if self.remaining_s is not None else self.duration_s


class Group(Record):
    """Candidates working together in one exercise; `roles` maps a member to a role brief."""

    id: Identifier
    name: Title
    members: list[Identifier]
    roles: dict[str, int] = Field(default_factory=dict)


class RunStatus(enum.StrEnum):
    """Where one exercise is in its run."""

    GROUPED = "grouped"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class ExerciseRun(Record):
    """The live record of one exercise: its groups, clock and times."""

    exercise_id: Identifier
    status: RunStatus = RunStatus.GROUPED
    groups: list[Group] = Field(default_factory=list)
    timer: Timer | None = None
    started_at: float | None = None
    ended_at: float | None = None
    # Running stretches [start, end] of wall-clock time (end None while running): the
    # exercise clock stands still while paused, so observations map to exercise time.
    segments: list[tuple[float, float | None]] = Field(default_factory=list)
    # Candidate id -> observer user ids watching them in this exercise.
    observers: dict[str, list[str]] = Field(default_factory=dict)

    def group_of(self, candidate_id: str) -> Group | None:
        """The group this candidate is in, if any."""
        return next((g for g in self.groups if candidate_id in g.members), None)

    def clock(self, at: float) -> float:
        """Seconds of exercise time elapsed at wall-clock instant `at` (stops while paused)."""
        total = 0.0
        for start, end in self.segments:
            stop = at if end is None else min(end, at)
            total += max(0.0, stop - start)
        return total


class Session(Record):
    """One assessment event and everything the facilitator set up for it."""

    id: Identifier
    title: Title
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TITLE)] = ""
    scheduled_start: datetime | None = None
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TITLE)] = ""
    join_code: str
    owner_id: str
    # Facilitators the owner (or an admin) gave the session to run beside them.
    managers: list[str] = Field(default_factory=list, max_length=MAX_MANAGERS)
    state: SessionState = SessionState.DRAFT
    lobby_locked: bool = False
    blind_ratings: bool = True
    # Observer user ids on this session's panel; the nonce is part of every panel invite
    # link, so changing it revokes them all.
    panel: list[str] = Field(default_factory=list)
    panel_invite_nonce: str = ""
    competencies: list[Competency] = Field(default_factory=list)
    exercises: list[Exercise] = Field(default_factory=list, max_length=MAX_EXERCISES)
    runs: dict[str, ExerciseRun] = Field(default_factory=dict)
    # Weights by exercise id and by competency id for the summary's overall ratings.
    exercise_weights: dict[str, Weight] = Field(default_factory=dict)
    competency_weights: dict[str, Weight] = Field(default_factory=dict)
    current_exercise_id: str | None = None
    created_at: float
    updated_at: float
    # When the live part ended (the retention period counts from here), and when the
    # candidates' data was erased at the end of it.
    ended_at: float | None = None
    purged_at: float | None = None

    def exercise(self, exercise_id: str) -> Exercise | None:
        """The exercise with this id, if the session has one."""
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def exercise_weight(self, exercise_id: str) -> float:
        """How much an exercise counts towards overall ratings (1 unless set)."""
        return self.exercise_weights.get(exercise_id, 1.0)

    def competency_weight(self, competency_id: str) -> float:
        """How much a competency counts towards overall ratings (1 unless set)."""
        return self.competency_weights.get(competency_id, 1.0)

    def competency(self, competency_id: str) -> Competency | None:
        """The competency with this id, if the session assesses it."""
        return next((c for c in self.competencies if c.id == competency_id), None)

    @property
    def current_run(self) -> ExerciseRun | None:
        """The run of the exercise that is on now (or was last), if any."""
        if self.current_exercise_id is None:
            return None
        return self.runs.get(self.current_exercise_id)


class Question(Record):
    """A question a candidate put to the panel."""

    id: Identifier
    candidate_id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    asked_at: float
    answered_at: float | None = None
    answer: ShortText | None = None


class GroupOutput(Record):
    """The latest version of what a group submitted for an exercise."""

    exercise_id: Identifier
    group_id: Identifier
    text: Annotated[str, StringConstraints(max_length=10_000)]
    version: int = 1
    submitted_by: Identifier
    submitted_at: float


class Announcement(Record):
    """A message from the facilitator to everyone or to one group."""

    id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    group_id: Identifier | None = None
    # The exercise on (or last run) when it was sent; None before the first one started.
    exercise_id: Identifier | None = None
    # A group announcement keeps the group's name and who it reached when sent, so a phone
    # can say where it went after a move and a snapshot shows it to the same people.
    group_name: Title | None = None
    sent_to: list[Identifier] | None = None
    sent_at: float


class SessionData(BaseModel):
    """Everything one session's live operations read and change, loaded together."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    session: Session
    # Mappings rather than dicts: a change reads them from Redis as far as it looks
    # (store/records.py).
    candidates: MutableMapping[str, Candidate] = Field(default_factory=dict)
    questions: MutableMapping[str, Question] = Field(default_factory=dict)
    # Keyed "<exercise id>:<group id>".
    outputs: MutableMapping[str, GroupOutput] = Field(default_factory=dict)
    announcements: list[Announcement] = Field(default_factory=list)

    def candidate(self, candidate_id: str) -> Candidate:
        """The candidate with this id, or a NotFound error."""
        from .errors import NotFound

        found = self.candidates.get(candidate_id)
        if found is None:
            raise NotFound("unknown_candidate", "There is no such candidate in this session.")
        return found

    def active_candidates(self) -> list[Candidate]:
        """Checked-in candidates who have not been removed, in arrival order."""
        present = [c for c in self.candidates.values() if c.status == CandidateStatus.CHECKED_IN]
        return sorted(present, key=lambda c: (c.checked_in_at or 0.0, c.name))
