"""Review rules on plain objects: who may look, consensus and decisions with history, locks."""

from __future__ import annotations

import pytest

from facilitator.domain import evidence, exercises, review
from facilitator.domain.errors import Conflict, Forbidden, NotFound
from facilitator.domain.evidence import Rating, RatingStatus, Score
from facilitator.domain.models import SessionData, SessionState
from facilitator.domain.review import CandidateReview, DecisionOutcome, WashUp

from .test_evidence import session_with_panel


def ended() -> SessionData:
    """Four candidates watched by both observers in one ended exercise."""
    data = session_with_panel()
    exercises.end_exercise(data, "e1", now=1600.0)
    data.session.state = SessionState.ENDED
    return data


def submitted(candidate_id: str, observer_id: str, score: int = 3) -> Rating:
    scores = {c: Score(score=score, evidence="seen") for c in ("teamwork", "communication")}
    return Rating(
        exercise_id="e1",
        candidate_id=candidate_id,
        observer_id=observer_id,
        scores=scores,
        status=RatingStatus.SUBMITTED,
        updated_at=1700.0,
        submitted_at=1700.0,
    )


def all_ratings(skip: tuple[str, str] | None = None) -> dict[str, Rating]:
    found = {}
    for cid in ("c0", "c1", "c2", "c3"):
        for oid in ("obsA", "obsB"):
            if (cid, oid) != skip:
                rating = submitted(cid, oid)
                found[rating.key] = rating
    return found


def test_owed_ratings_count_what_each_observer_has_not_submitted() -> None:
    data = ended()
    assert review.owed_ratings(data, all_ratings()) == {}
    assert review.owed_ratings(data, all_ratings(skip=("c2", "obsB"))) == {"obsB": 1}
    draft = submitted("c1", "obsA").model_copy(update={"status": RatingStatus.DRAFT})
    assert review.owed_ratings(data, {**all_ratings(), draft.key: draft}) == {"obsA": 1}


def test_only_managers_and_observers_who_owe_nothing_see_the_review() -> None:
    data = ended()
    owed = {"obsB": 2}
    review.require_review_access(data.session, "manager", "u1", owed)
    review.require_review_access(data.session, "observer", "obsA", owed)
    with pytest.raises(Forbidden, match="Submit the 2 ratings you still owe"):
        review.require_review_access(data.session, "observer", "obsB", owed)
    with pytest.raises(NotFound):
        review.require_review_access(data.session, "observer", "stranger", owed)
    with pytest.raises(NotFound):
        review.require_review_access(data.session, "candidate", "c0", owed)
    audience = review.review_audience(data.session, owed)
    assert audience.managers and audience.observers == ("obsA",) and audience.candidates == ()


def test_consensus_keeps_its_history_and_needs_the_review() -> None:
    data = ended()
    record = CandidateReview(candidate_id="c0")
    with pytest.raises(Conflict, match="start the review first"):
        review.record_consensus(data, record, competency_id="teamwork", score=3, note="", by="u1", now=1.0)
    data.session.state = SessionState.REVIEW
    review.record_consensus(data, record, competency_id="teamwork", score=3, note="first", by="u1", now=1.0)
    review.record_consensus(
        data, record, competency_id="teamwork", score=4, note="after debate", by="u1", now=2.0
    )
    assert record.consensus["teamwork"].score == 4
    assert [c.score for c in record.consensus_history] == [3, 4]
    with pytest.raises(NotFound):
        review.record_consensus(data, record, competency_id="nope", score=3, note="", by="u1", now=3.0)
    stranger = CandidateReview(candidate_id="someone-else")
    with pytest.raises(NotFound):
        review.record_consensus(data, stranger, competency_id="teamwork", score=3, note="", by="u1", now=3.0)


def test_a_decision_needs_a_rationale_and_a_change_keeps_the_earlier_one() -> None:
    data = ended()
    data.session.state = SessionState.REVIEW
    record = CandidateReview(candidate_id="c1")
    with pytest.raises(Conflict, match="reason"):
        review.record_decision(data, record, outcome=DecisionOutcome.OFFER, rationale="  ", by="u1", now=1.0)
    assert record.decision is None
    review.record_decision(
        data, record, outcome=DecisionOutcome.HOLD, rationale="Close call", by="u1", now=1.0
    )
    review.record_decision(
        data, record, outcome=DecisionOutcome.OFFER, rationale="Strong case", by="u2", now=2.0
    )
    assert record.decision is not None and record.decision.outcome == DecisionOutcome.OFFER
    assert [d.outcome for d in record.decision_history] == [DecisionOutcome.HOLD]


def test_decided_is_refused_while_a_candidate_is_undecided_and_names_them() -> None:
    data = ended()
    data.session.state = SessionState.REVIEW
    reviews = {}
    for cid in ("c0", "c1"):
        reviews[cid] = CandidateReview(candidate_id=cid)
        review.record_decision(
            data, reviews[cid], outcome=DecisionOutcome.REJECT, rationale="Not yet", by="u1", now=1.0
        )
    with pytest.raises(Conflict, match="P2, P3") as refused:
        review.check_all_decided(data, reviews)
    assert refused.value.code == "undecided"
    for cid in ("c2", "c3"):
        reviews[cid] = CandidateReview(candidate_id=cid)
        review.record_decision(
            data, reviews[cid], outcome=DecisionOutcome.HOLD, rationale="Wait", by="u1", now=1.0
        )
    review.check_all_decided(data, reviews)


def test_the_review_locks_ratings_and_observations_unless_a_rating_is_reopened() -> None:
    data = ended()
    data.session.state = SessionState.REVIEW
    scores = {"teamwork": Score(score=4, evidence="x")}
    with pytest.raises(Conflict) as locked:
        evidence.rate(
            data,
            "obsA",
            exercise_id="e1",
            candidate_id="c0",
            scores=scores,
            submit=False,
            existing=None,
            now=2.0,
        )
    assert locked.value.code == "review_started"
    with pytest.raises(Conflict, match="review has started"):
        evidence.new_observation(
            data,
            "obsA",
            observation_id="late-obs-1",
            exercise_id="e1",
            candidate_id="c0",
            indicator_id="teamwork-p1",
            competency_id=None,
            polarity=None,
            note="",
            recorded_at=None,
            now=1700.0,
        )
    original = submitted("c0", "obsA", score=2)
    with pytest.raises(Conflict, match="why"):
        review.reopen_rating(data.session, original, reason=" ", by="u1", now=3.0)
    reopened = review.reopen_rating(data.session, original, reason="Missed the second half", by="u1", now=3.0)
    assert reopened.status == RatingStatus.DRAFT
    assert reopened.reopenings[0].scores["teamwork"].score == 2
    assert reopened.reopenings[0].reason == "Missed the second half"
    changed = evidence.rate(
        data,
        "obsA",
        exercise_id="e1",
        candidate_id="c0",
        scores={"teamwork": Score(score=3, evidence="Rewatched")},
        submit=True,
        existing=reopened,
        now=4.0,
    )
    assert changed.status == RatingStatus.SUBMITTED and changed.scores["teamwork"].score == 3
    assert changed.reopenings[0].scores["teamwork"].score == 2


def test_ending_with_owed_ratings_names_how_many_and_whose() -> None:
    data = ended()
    with pytest.raises(Conflict) as refused:
        review.refuse_with_owed(data, {"obsA": 2, "obsB": 1}, {"obsA": "Alex", "obsB": "Blair"}, "ended")
    assert refused.value.code == "ratings_owed"
    assert "3 ratings are still owed: Alex (2), Blair (1)" in refused.value.message


def test_weights_refuse_unknown_ids_and_forget_plain_ones() -> None:
    data = ended()
    review.set_weights(data.session, {"e1": 2.0}, {"teamwork": 1.0, "communication": 0.5})
    assert data.session.exercise_weights == {"e1": 2.0}
    assert data.session.competency_weights == {"communication": 0.5}
    with pytest.raises(NotFound):
        review.set_weights(data.session, {"nope": 2.0}, {})
    assert data.session.exercise_weights == {"e1": 2.0}


def test_the_washup_order_lists_the_sessions_candidates_once_each() -> None:
    data = ended()
    data.session.state = SessionState.REVIEW
    washup = review.move_washup(data, WashUp(), order=["c2", "c0"], current="c2", stage=None, now=1.0)
    assert washup.order == ["c2", "c0", "c1", "c3"] and washup.current == "c2"
    with pytest.raises(Conflict):
        review.move_washup(data, WashUp(), order=["c0", "c0"], current=None, stage=None, now=1.0)
    with pytest.raises(Conflict):
        review.move_washup(data, WashUp(), order=["intruder"], current=None, stage=None, now=1.0)
    with pytest.raises(NotFound):
        review.move_washup(data, WashUp(), order=None, current="intruder", stage=None, now=1.0)
