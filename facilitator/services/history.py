"""A returning candidate's earlier interview stages, for the staff who may see each of them.

Candidates are recognised across sessions by their email address (see store/people.py). Each
earlier stage is shown only to someone allowed to review *that* session: facilitators and
admins always; an observer only if they were on its panel and owe it no rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from ..domain import review as rules
from ..domain import summary
from ..domain.errors import DomainError, NotFound
from ..domain.models import SessionData
from ..domain.review import OUTCOME_LABELS, CandidateReview
from ..domain.states import LABELS
from ..store import people, unit
from ..store import review as review_store
from ..store import users as user_store
from ..store.users import StaffUser
from .access import staff_viewer

UNKNOWN_PERSON = "a former staff member"


@dataclass(frozen=True)
class StageDecision:
    """What was decided at an earlier stage, why, by whom and when."""

    outcome: str
    label: str
    rationale: str
    by: str
    at: float
    at_iso: str
    at_text: str


@dataclass(frozen=True)
class StageCompetency:
    """One competency at an earlier stage: the agreed score and the mean of the ratings."""

    competency_id: str
    name: str
    consensus: int | None
    rating: float | None


@dataclass(frozen=True)
class StageExercise:
    """An exercise of an earlier stage and the candidate's overall rating in it."""

    exercise_id: str
    title: str
    rating: float | None


@dataclass(frozen=True)
class EarlierStage:
    """One earlier session of the same person: what it was, what was agreed and decided."""

    session_id: str
    candidate_id: str
    title: str
    role: str
    when: float
    when_iso: str
    when_text: str
    state: str
    state_label: str
    candidate_name: str
    decision: StageDecision | None
    competencies: list[StageCompetency]
    exercises: list[StageExercise]
    overall: float | None
    consensus_overall: float | None


class Reads:
    """Sessions read at most once per page, by id: the printed pack asks for every candidate's
    history, and the page has already checked who may see this session."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r
        self.sessions: dict[str, SessionData | None] = {}
        self.evidence: dict[str, review_store.Evidence] = {}

    def session(self, session_id: str) -> SessionData | None:
        """The session's data, or None when there is no such session."""
        if session_id not in self.sessions:
            self.sessions[session_id] = unit.read(self.r, session_id)
        return self.sessions[session_id]

    def records(self, session_id: str) -> review_store.Evidence:
        """Its ratings, observations and review records."""
        if session_id not in self.evidence:
            self.evidence[session_id] = review_store.load(self.r, session_id)
        return self.evidence[session_id]


def stage_instant(data: SessionData) -> float:
    """When a session took place: its scheduled start, else its first exercise, else its creation."""
    session = data.session
    if session.scheduled_start is not None:
        return session.scheduled_start.timestamp()
    started = [run.started_at for run in session.runs.values() if run.started_at is not None]
    return min(started) if started else session.created_at


def _may_review(data: SessionData, found: review_store.Evidence, user: StaffUser) -> bool:
    try:
        viewer = staff_viewer(data.session, user)
    except DomainError:
        return False
    owed = {} if viewer.kind == "manager" else rules.owed_ratings(data, found.ratings)
    return rules.may_review(data.session, viewer.kind, viewer.id, owed)


def _name(r: redis.Redis, user_id: str, known: dict[str, str]) -> str:
    if user_id not in known:
        account = user_store.get(r, user_id)
        known[user_id] = account.name if account is not None else UNKNOWN_PERSON
    return known[user_id]


def _stage(
    r: redis.Redis, data: SessionData, found: review_store.Evidence, candidate_id: str, names: dict[str, str]
) -> EarlierStage:
    session = data.session
    record = found.reviews.get(candidate_id) or CandidateReview(candidate_id=candidate_id)
    summarised = summary.summarise(session, candidate_id, found.ratings.values(), found.observations)
    decision = None
    if record.decision is not None:
        made = record.decision
        decision = StageDecision(
            outcome=made.outcome.value,
            label=OUTCOME_LABELS[made.outcome],
            rationale=made.rationale,
            by=_name(r, made.by, names),
            at=made.at,
            at_iso=datetime.fromtimestamp(made.at, UTC).isoformat(),
            at_text=datetime.fromtimestamp(made.at, UTC).strftime("%d %b %Y"),
        )
    when = stage_instant(data)
    at = datetime.fromtimestamp(when, UTC)
    return EarlierStage(
        session_id=session.id,
        candidate_id=candidate_id,
        title=session.title,
        role=session.role,
        when=when,
        when_iso=at.isoformat(),
        when_text=at.strftime("%d %b %Y"),
        state=session.state.value,
        state_label=LABELS[session.state],
        candidate_name=data.candidates[candidate_id].name,
        decision=decision,
        competencies=[
            StageCompetency(
                competency_id=c.id,
                name=c.name,
                consensus=agreed.score if (agreed := record.consensus.get(c.id)) else None,
                rating=summarised.competency_ratings.get(c.id),
            )
            for c in session.competencies
        ],
        exercises=[
            StageExercise(e.id, e.title, summarised.exercise_ratings.get(e.id))
            for e in session.exercises
            if (run := session.runs.get(e.id)) is not None and run.started_at is not None
        ],
        overall=summarised.overall,
        consensus_overall=summary.consensus_overall(
            session, {cid: agreed.score for cid, agreed in record.consensus.items()}
        ),
    )


def earlier(
    r: redis.Redis, user: StaffUser, session_id: str, candidate_id: str, reads: Reads | None = None
) -> list[EarlierStage]:
    """The candidate's earlier sessions (same email), oldest first, that `user` may review.

    Refused (NotFound or Forbidden) when `user` may not review this session itself.
    """
    reads = Reads(r) if reads is None else reads
    current = reads.session(session_id)
    if current is None:
        raise NotFound("unknown_session", "There is no such session.")
    viewer = staff_viewer(current.session, user)
    if viewer.kind != "manager":
        owed = rules.owed_ratings(current, reads.records(session_id).ratings)
        rules.require_review_access(current.session, viewer.kind, viewer.id, owed)
    candidate = current.candidate(candidate_id)
    if not candidate.email:
        return []
    now = (stage_instant(current), current.session.created_at)
    names: dict[str, str] = {}
    stages = []
    for other_id, other_candidate in people.stages(r, candidate.email):
        if other_id == session_id:
            continue
        data = reads.session(other_id)
        if data is None or data.session.purged_at is not None:
            continue
        person = data.candidates.get(other_candidate)
        # Only stages the person attended, and only earlier ones.
        if person is None or person.checked_in_at is None:
            continue
        if (stage_instant(data), data.session.created_at) >= now:
            continue
        found = reads.records(other_id)
        if not _may_review(data, found, user):
            continue
        stages.append(_stage(r, data, found, other_candidate, names))
    return sorted(stages, key=lambda s: s.when)
