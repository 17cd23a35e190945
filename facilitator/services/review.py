"""Operations of the review: who may see it, consensus, decisions, reopened ratings, wash-up.

Each write is a compare-and-set of one hash field (a candidate's review record, a rating, or
the wash-up state) with its events and the client's request id in the same Lua step, so a
retried command changes nothing and two facilitators never overwrite each other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from ..domain import review as rules
from ..domain.commands import (
    MoveWashUp,
    RecordConsensus,
    RecordDecision,
    ReleaseFeedback,
    ReopenRating,
    SaveFeedback,
    SetFollowUp,
    SetWeights,
)
from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.events import MANAGERS, STAFF, Audience, Event, Viewer
from ..domain.evidence import Rating, rating_key
from ..domain.models import SessionData
from ..domain.review import CandidateReview, FeedbackReport, FeedbackSection, WashUp
from ..store import evidence as evidence_store
from ..store import keys, log, unit
from ..store import review as review_store
from ..store.evidence import Written
from ..store.unit import Extra, Outcome
from ..store.users import StaffUser
from . import audit, panel
from .access import require_manager, staff_viewer

MAX_RETRIES = 50


@dataclass
class Review:
    """A session as the review pages read it: set-up, roster, evidence, agreed records, names."""

    data: SessionData
    evidence: review_store.Evidence
    owed: dict[str, int]
    observer_names: dict[str, str]
    viewer: Viewer

    def review_of(self, candidate_id: str) -> CandidateReview:
        """The candidate's review record (an empty one before anything was agreed)."""
        return self.evidence.reviews.get(candidate_id) or CandidateReview(candidate_id=candidate_id)


def open_review(r: redis.Redis, user: StaffUser, session_id: str) -> Review:
    """Everything the review pages need, for someone allowed to see it (refused otherwise)."""
    data = unit.load(r, session_id)
    viewer = staff_viewer(data.session, user)
    found = review_store.load(r, session_id)
    owed = rules.owed_ratings(data, found.ratings)
    rules.require_review_access(data.session, viewer.kind, viewer.id, owed)
    return Review(data, found, owed, panel.observer_names(r, data), viewer)


def _change_field(
    r: redis.Redis,
    session_id: str,
    *,
    hash_key: str,
    field: str,
    request_id: str,
    mutate: Callable[[str | None, SessionData, dict[str, int]], tuple[str, Any, list[Event]]],
) -> Written:
    """Read one record, let `mutate` decide, and compare-and-set it with its events."""
    prior = unit.prior_ack(r, session_id, request_id)
    if prior is not None:
        return Written(False, log.logged_for(r, session_id, request_id), prior)
    for _ in range(MAX_RETRIES):
        raw = r.hget(hash_key, field)
        data = unit.load(r, session_id)
        owed = rules.owed_ratings(data, evidence_store.ratings(r, session_id))
        try:
            new, ack, events = mutate(raw if raw is None else str(raw), data, owed)
        except DomainError:
            # Refused because a copy of this request was applied meanwhile: its answer stands.
            prior = unit.prior_ack(r, session_id, request_id)
            if prior is None:
                raise
            return Written(False, log.logged_for(r, session_id, request_id), prior)
        written = evidence_store.replace(
            r,
            session_id,
            hash_key=hash_key,
            field=field,
            expected=str(raw) if raw is not None else "",
            new=new,
            request_id=request_id,
            ack=ack,
            events=events,
        )
        if written is not None:
            if written.applied:  # a copy applied first keeps its own acknowledgement
                written.stored = ack
            return written
    raise Conflict("busy", "Someone else is changing this right now; try again.")


def _change_review(
    r: redis.Redis,
    user: StaffUser,
    session_id: str,
    candidate_id: str,
    request_id: str,
    change: Callable[[SessionData, CandidateReview, dict[str, int]], tuple[Any, list[Event]]],
) -> Written:
    """Change one candidate's review record as a manager of the session."""

    def mutate(raw: str | None, data: SessionData, owed: dict[str, int]) -> tuple[str, Any, list[Event]]:
        require_manager(data.session, user)
        record = (
            CandidateReview.model_validate_json(raw) if raw else CandidateReview(candidate_id=candidate_id)
        )
        ack, events = change(data, record, owed)
        return record.model_dump_json(), ack, events

    written = _change_field(
        r,
        session_id,
        hash_key=keys.reviews(session_id),
        field=candidate_id,
        request_id=f"v:{user.id}:{request_id}",
        mutate=mutate,
    )
    if written.applied:
        audit.changed(r, user, session_id, written.events)
    return written


def record_consensus(r: redis.Redis, user: StaffUser, session_id: str, command: RecordConsensus) -> Written:
    """Agree a competency score for a candidate; the independent ratings stay as they were."""

    def change(data: SessionData, record: CandidateReview, owed: dict[str, int]) -> tuple[Any, list[Event]]:
        agreed = rules.record_consensus(
            data,
            record,
            competency_id=command.competency_id,
            score=command.score,
            note=command.note,
            by=user.id,
            now=time.time(),
        )
        payload = agreed.model_dump()
        event = rules.review_event(
            "consensus_recorded", record.candidate_id, payload, rules.review_audience(data.session, owed)
        )
        return {"candidate_id": record.candidate_id, **payload}, [event]

    return _change_review(r, user, session_id, command.candidate_id, command.id, change)


def record_decision(r: redis.Redis, user: StaffUser, session_id: str, command: RecordDecision) -> Written:
    """Record or change the decision for a candidate; the earlier one stays in its history."""

    def change(data: SessionData, record: CandidateReview, owed: dict[str, int]) -> tuple[Any, list[Event]]:
        decision = rules.record_decision(
            data, record, outcome=command.outcome, rationale=command.rationale, by=user.id, now=time.time()
        )
        payload = {**decision.model_dump(mode="json"), "history": len(record.decision_history)}
        event = rules.review_event(
            "decision_recorded", record.candidate_id, payload, rules.review_audience(data.session, owed)
        )
        return {"candidate_id": record.candidate_id, **payload}, [event]

    return _change_review(r, user, session_id, command.candidate_id, command.id, change)


def set_follow_up(r: redis.Redis, user: StaffUser, session_id: str, command: SetFollowUp) -> Written:
    """Note points to follow up from an earlier interview; the panel sees them while capturing."""

    def change(data: SessionData, record: CandidateReview, owed: dict[str, int]) -> tuple[Any, list[Event]]:
        if command.candidate_id not in data.candidates:
            raise NotFound("unknown_candidate", "There is no such candidate in this session.")
        record.follow_up = command.text
        payload = {"candidate_id": command.candidate_id, "follow_up": command.text}
        return payload, [rules.review_event("follow_up_changed", command.candidate_id, payload, STAFF)]

    return _change_review(r, user, session_id, command.candidate_id, command.id, change)


def save_feedback(r: redis.Redis, user: StaffUser, session_id: str, command: SaveFeedback) -> Written:
    """Save the facilitator's feedback report for a candidate (still unreleased unless it was)."""

    def change(data: SessionData, record: CandidateReview, owed: dict[str, int]) -> tuple[Any, list[Event]]:
        rules.check_feedback(data, command.candidate_id, [s.competency_id for s in command.sections])
        previous = record.feedback
        record.feedback = FeedbackReport(
            introduction=command.introduction,
            sections=[FeedbackSection.model_validate(s.model_dump()) for s in command.sections],
            updated_by=user.id,
            updated_at=time.time(),
            released_at=previous.released_at if previous else None,
            released_by=previous.released_by if previous else None,
        )
        payload = {"candidate_id": command.candidate_id, "feedback": record.feedback.model_dump()}
        return payload, [rules.review_event("feedback_saved", command.candidate_id, payload, MANAGERS)]

    return _change_review(r, user, session_id, command.candidate_id, command.id, change)


def release_feedback(r: redis.Redis, user: StaffUser, session_id: str, command: ReleaseFeedback) -> Written:
    """Release a saved feedback report to its candidate, or withdraw it."""

    def change(data: SessionData, record: CandidateReview, owed: dict[str, int]) -> tuple[Any, list[Event]]:
        rules.check_feedback(data, command.candidate_id, [])
        if record.feedback is None:
            raise Conflict("no_feedback", "Write and save the feedback report before releasing it.")
        now = time.time()
        record.feedback.released_at = now if command.released else None
        record.feedback.released_by = user.id if command.released else None
        kind = "feedback_released" if command.released else "feedback_withdrawn"
        payload = {"candidate_id": command.candidate_id, "released": command.released}
        # The candidate hears only that a report is (or is no longer) there, never what is in it.
        audience = Audience(candidates=(command.candidate_id,))
        return payload, [rules.review_event(kind, command.candidate_id, payload, audience)]

    return _change_review(r, user, session_id, command.candidate_id, command.id, change)


def released_feedback(r: redis.Redis, session_id: str, candidate_id: str) -> FeedbackReport | None:
    """A candidate's feedback report, only once it has been released."""
    raw = review_store.review_raw(r, session_id, candidate_id)
    if raw is None:
        return None
    report = CandidateReview.model_validate_json(raw).feedback
    return report if report is not None and report.released_at is not None else None


def reopen_rating(r: redis.Redis, user: StaffUser, session_id: str, command: ReopenRating) -> Written:
    """Reopen one observer's submitted rating for a stated reason, kept in the rating's record."""
    field = rating_key(command.exercise_id, command.candidate_id, command.observer_id)

    def mutate(raw: str | None, data: SessionData, owed: dict[str, int]) -> tuple[str, Any, list[Event]]:
        require_manager(data.session, user)
        if raw is None:
            raise NotFound("unknown_rating", "That observer has not rated this candidate in that exercise.")
        reopened = rules.reopen_rating(
            data.session, Rating.model_validate_json(raw), reason=command.reason, by=user.id, now=time.time()
        )
        payload = reopened.model_dump(mode="json")
        event = Event("rating_reopened", payload, Audience(observers=(command.observer_id,)))
        return reopened.model_dump_json(), payload, [event]

    written = _change_field(
        r,
        session_id,
        hash_key=keys.ratings(session_id),
        field=field,
        request_id=f"v:{user.id}:{command.id}",
        mutate=mutate,
    )
    if written.applied:
        audit.changed(r, user, session_id, written.events)
    return written


def move_washup(r: redis.Redis, user: StaffUser, session_id: str, command: MoveWashUp) -> Written:
    """Set the wash-up's order or show another candidate; eligible observers follow live."""

    def mutate(raw: str | None, data: SessionData, owed: dict[str, int]) -> tuple[str, Any, list[Event]]:
        require_manager(data.session, user)
        washup = rules.move_washup(
            data,
            WashUp.model_validate_json(raw) if raw else WashUp(),
            order=command.order,
            current=command.candidate_id,
            stage=command.stage,
            now=time.time(),
        )
        event = rules.washup_event(washup, rules.review_audience(data.session, owed))
        return washup.model_dump_json(), washup.model_dump(), [event]

    return _change_field(
        r,
        session_id,
        hash_key=keys.washup(session_id),
        field=review_store.WASHUP_FIELD,
        request_id=f"v:{user.id}:{command.id}",
        mutate=mutate,
    )


def set_weights(
    r: redis.Redis, user: StaffUser, session_id: str, command: SetWeights, request_id: str | None = None
) -> Outcome[Any]:
    """Set the weights of exercises and competencies in the overall ratings (a retried
    `request_id` changes nothing)."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, user)
        rules.set_weights(data.session, command.exercise_weights, command.competency_weights)
        data.session.updated_at = time.time()
        weights = {
            "exercise_weights": data.session.exercise_weights,
            "competency_weights": data.session.competency_weights,
        }
        return weights, [Event("weights_changed", weights)]

    return unit.change(r, session_id, decide, request_id=request_id)


def check_state_change(r: redis.Redis, data: SessionData, target: str, confirm: bool) -> None:
    """The review's part of a state change: decisions before decided, owed ratings confirmed."""
    if target == "decided":
        rules.check_all_decided(data, review_store.reviews(r, data.session.id))
    if target in ("ended", "review") and not confirm:
        owed = rules.owed_ratings(data, evidence_store.ratings(r, data.session.id))
        if owed:
            rules.refuse_with_owed(data, owed, panel_names(r, data), target)


def panel_names(r: redis.Redis, data: SessionData) -> dict[str, str]:
    """Names of everyone who observes or observed in the session."""
    return panel.observer_names(r, data)
