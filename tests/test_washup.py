"""The review's API: consensus scores, decisions, reopened ratings, the wash-up and weights.

Bad input is refused in plain words and changes nothing; a retried request changes nothing;
every change keeps what it replaced.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from facilitator.store import keys

from .builders import SessionBuilder, body
from .review_helpers import Finished, finished_session

VALIDATOR_WORDING = ("Input should", "greater than or equal", "less than or equal", "Field required")


@pytest.fixture
def finished(client: FlaskClient, r: redis.Redis, api_token: str) -> Finished:
    return finished_session(client, r, api_token)


@pytest.fixture
def reviewing(finished: Finished) -> Finished:
    finished.start_review()
    return finished


def api(client: FlaskClient, token: str, method: str, path: str, json: Any = None, key: str = "") -> Any:
    """Call the API with an optional Idempotency-Key; returns (status, body)."""
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    response = getattr(client, method)("/api/v1" + path, json=json, headers=headers)
    return response.status_code, body(response)


def review_of(finished: Finished, candidate: int) -> dict[str, Any]:
    records = finished.build.call("get", f"/sessions/{finished.sid}/review", expect=200)["candidates"]
    return next(c for c in records if c["id"] == finished.candidate_ids[candidate])


def event_types(finished: Finished) -> list[str]:
    return [e["type"] for e in finished.build.call("get", f"/sessions/{finished.sid}/events", expect=200)]


def plain(message: str) -> bool:
    return not any(words in message for words in VALIDATOR_WORDING)


@pytest.mark.parametrize("score", [0, 6])
def test_consensus_score_outside_one_to_five_is_refused_and_nothing_changes(
    client: FlaskClient, api_token: str, reviewing: Finished, score: int
) -> None:
    candidate_id = reviewing.candidate_ids[0]
    status, answer = api(
        client,
        api_token,
        "post",
        f"/sessions/{reviewing.sid}/consensus",
        {"candidate_id": candidate_id, "competency_id": "teamwork", "score": score},
    )
    assert status == 422
    message = answer["error"]["message"]
    assert "Score" in message and ("1" in message or "5" in message), message
    assert plain(message), message
    assert review_of(reviewing, 0)["consensus"] == {}
    assert "consensus_recorded" not in event_types(reviewing)


def test_decision_without_a_rationale_is_refused_and_nothing_changes(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    for rationale in ("", "   "):
        status, answer = api(
            client,
            api_token,
            "post",
            f"/sessions/{reviewing.sid}/decisions",
            {"candidate_id": reviewing.candidate_ids[0], "outcome": "offer", "rationale": rationale},
        )
        assert status == 409, answer
        assert answer["error"]["code"] == "rationale_required"
        assert answer["error"]["message"] == "Write the reason for this decision."
    assert review_of(reviewing, 0)["decision"] is None
    assert "decision_recorded" not in event_types(reviewing)


def test_decision_for_a_candidate_of_another_session_is_refused_in_both(
    client: FlaskClient, r: redis.Redis, api_token: str, reviewing: Finished
) -> None:
    other = SessionBuilder(client, api_token).create()
    other.state("open")
    stranger = other.join("Someone Else")["candidate_id"]
    status, answer = api(
        client,
        api_token,
        "post",
        f"/sessions/{reviewing.sid}/decisions",
        {"candidate_id": stranger, "outcome": "offer", "rationale": "Strong all day"},
    )
    assert status == 404
    assert answer["error"]["code"] == "unknown_candidate"
    assert "not one of this session's candidates" in answer["error"]["message"]
    assert r.hlen(keys.reviews(reviewing.sid)) == 0
    assert r.hlen(keys.reviews(other.session_id)) == 0


def test_weight_of_minus_one_is_refused_and_the_weights_stay(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    path = f"/sessions/{reviewing.sid}/weights"
    assert api(client, api_token, "put", path, {"competency_weights": {"teamwork": 2}})[0] == 200
    status, answer = api(
        client, api_token, "put", path, {"exercise_weights": {reviewing.exercise_ids[0]: -1}}
    )
    assert status == 422
    message = answer["error"]["message"]
    assert "Weight" in message and "0" in message and plain(message), message
    record = reviewing.build.call("get", f"/sessions/{reviewing.sid}/review", expect=200)
    assert record["exercise_weights"] == {}
    assert record["competency_weights"] == {"teamwork": 2.0}


def test_weights_for_an_unknown_exercise_are_refused(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    status, answer = api(
        client, api_token, "put", f"/sessions/{reviewing.sid}/weights", {"exercise_weights": {"nope": 2}}
    )
    assert status == 404
    assert answer["error"]["message"] == "There is no such exercise in this session."


def test_marking_decided_is_refused_naming_the_undecided_candidate(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    decided = {"candidate_id": reviewing.candidate_ids[0], "outcome": "hold", "rationale": "Wait for it"}
    assert api(client, api_token, "post", f"/sessions/{reviewing.sid}/decisions", decided)[0] == 201
    status, answer = api(client, api_token, "post", f"/sessions/{reviewing.sid}/state", {"state": "decided"})
    assert status == 409
    assert answer["error"]["code"] == "undecided"
    assert "Candidate 1" in answer["error"]["message"] and "Candidate 0" not in answer["error"]["message"]
    assert reviewing.build.call("get", f"/sessions/{reviewing.sid}/review", expect=200)["state"] == "review"


def test_consensus_and_decisions_are_refused_before_the_review_starts(
    client: FlaskClient, api_token: str, finished: Finished
) -> None:
    candidate_id = finished.candidate_ids[0]
    consensus = {"candidate_id": candidate_id, "competency_id": "teamwork", "score": 3}
    decision = {"candidate_id": candidate_id, "outcome": "reject", "rationale": "Too quiet"}
    for path, payload in (("consensus", consensus), ("decisions", decision)):
        status, answer = api(client, api_token, "post", f"/sessions/{finished.sid}/{path}", payload)
        assert status == 409
        assert answer["error"]["code"] == "not_in_review"
        assert "start the review first" in answer["error"]["message"]
    assert review_of(finished, 0) == {
        "id": candidate_id,
        "name": "Candidate 0",
        "consensus": {},
        "consensus_history": [],
        "decision": None,
        "decision_history": [],
    }


def test_reopening_without_a_reason_is_refused_and_the_rating_stays_submitted(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    path = (
        f"/sessions/{reviewing.sid}/ratings/{reviewing.exercise_ids[0]}/"
        f"{reviewing.candidate_ids[0]}/{reviewing.panel.a_id}/reopen"
    )
    status, answer = api(client, api_token, "post", path, {"reason": "  "})
    assert status == 409
    assert answer["error"] == {"code": "reason_required", "message": "Say why this rating is being reopened."}
    assert reviewing.build.call("get", f"/sessions/{reviewing.sid}/review", expect=200)["reopened"] == []
    ratings = reviewing.build.call("get", f"/sessions/{reviewing.sid}/observations", expect=200)["ratings"]
    assert all(x["status"] == "submitted" for x in ratings)


def test_retried_requests_with_the_same_key_change_nothing(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    sid, candidate_id = reviewing.sid, reviewing.candidate_ids[0]
    exercise_id, observer_id = reviewing.exercise_ids[0], reviewing.panel.a_id
    reopen = f"/sessions/{sid}/ratings/{exercise_id}/{candidate_id}/{observer_id}/reopen"
    consensus = {"candidate_id": candidate_id, "competency_id": "teamwork", "score": 4}
    decision = {"candidate_id": candidate_id, "outcome": "offer", "rationale": "Led well"}
    requests = [
        ("post", f"/sessions/{sid}/consensus", consensus),
        ("post", f"/sessions/{sid}/decisions", decision),
        ("post", reopen, {"reason": "Missed exercise 2 evidence"}),
        ("put", f"/sessions/{sid}/washup", {"candidate_id": reviewing.candidate_ids[1]}),
        ("put", f"/sessions/{sid}/weights", {"competency_weights": {"teamwork": 3}}),
    ]
    before = len(event_types(reviewing))
    for number, (method, path, payload) in enumerate(requests):
        key = f"retry-key-{number:04d}"
        first = api(client, api_token, method, path, payload, key)
        again = api(client, api_token, method, path, payload, key)
        assert first[0] in (200, 201), first
        assert again == first
    types = event_types(reviewing)[before:]
    assert types == [
        "consensus_recorded",
        "decision_recorded",
        "rating_reopened",
        "washup_moved",
        "weights_changed",
    ]
    record = review_of(reviewing, 0)
    assert len(record["consensus_history"]) == 1 and record["decision_history"] == []
    reopened = reviewing.build.call("get", f"/sessions/{sid}/review", expect=200)["reopened"]
    assert len(reopened) == 1 and len(reopened[0]["reopenings"]) == 1


def test_a_bad_idempotency_key_is_refused(client: FlaskClient, api_token: str, reviewing: Finished) -> None:
    status, answer = api(
        client, api_token, "put", f"/sessions/{reviewing.sid}/washup", {"stage": "evidence"}, key="no!"
    )
    assert status == 400, answer
    assert answer["error"]["code"] == "invalid_idempotency_key"


def test_changed_scores_and_decisions_keep_their_history(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    sid, candidate_id = reviewing.sid, reviewing.candidate_ids[0]
    for score, note in ((3, "Quiet in the first half"), (4, "Drew Sam in twice")):
        consensus = {"candidate_id": candidate_id, "competency_id": "teamwork", "score": score, "note": note}
        assert api(client, api_token, "post", f"/sessions/{sid}/consensus", consensus)[0] == 201
    for outcome, rationale in (("hold", "Check the reference"), ("offer", "Reference came back strong")):
        decision = {"candidate_id": candidate_id, "outcome": outcome, "rationale": rationale}
        assert api(client, api_token, "post", f"/sessions/{sid}/decisions", decision)[0] == 201
    record = review_of(reviewing, 0)
    assert record["consensus"]["teamwork"]["score"] == 4
    assert [(c["score"], c["note"]) for c in record["consensus_history"]] == [
        (3, "Quiet in the first half"),
        (4, "Drew Sam in twice"),
    ]
    assert record["decision"]["outcome"] == "offer"
    earlier = [(d["outcome"], d["rationale"]) for d in record["decision_history"]]
    assert earlier == [("hold", "Check the reference")]
    # The independent ratings are as the observers submitted them.
    ratings = reviewing.build.call("get", f"/sessions/{sid}/observations", expect=200)["ratings"]
    assert sorted(x["scores"]["teamwork"]["score"] for x in ratings if x["candidate_id"] == candidate_id) == [
        2,
        4,
        4,
        4,
    ]


def test_moving_the_washup_sets_order_current_and_stage(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    first, second = reviewing.candidate_ids
    path = f"/sessions/{reviewing.sid}/washup"
    status, moved = api(client, api_token, "put", path, {"order": [second, first], "candidate_id": second})
    assert status == 200
    assert (moved["order"], moved["current"], moved["stage"]) == ([second, first], second, "ratings")
    assert api(client, api_token, "put", path, {"stage": "evidence"})[1]["stage"] == "evidence"
    status, refused = api(client, api_token, "put", path, {"order": [first, first]})
    assert status == 409 and refused["error"]["code"] == "bad_order"
    state = reviewing.build.call("get", f"/sessions/{reviewing.sid}/review", expect=200)["washup"]
    assert (state["order"], state["current"], state["stage"]) == ([second, first], second, "evidence")


def test_a_reopened_rating_can_be_changed_by_its_author_and_the_record_stays(
    client: FlaskClient, api_token: str, reviewing: Finished
) -> None:
    sid, exercise_id, candidate_id = reviewing.sid, reviewing.exercise_ids[0], reviewing.candidate_ids[0]
    path = f"/sessions/{sid}/ratings/{exercise_id}/{candidate_id}/{reviewing.panel.b_id}/reopen"
    status, reopened = api(client, api_token, "post", path, {"reason": "Missed exercise 2 evidence"})
    assert status == 200 and reopened["status"] == "draft"
    rating_path = f"/sessions/{sid}/ratings/{exercise_id}/{candidate_id}"
    scores = {c: {"score": 3, "evidence": "Looked again"} for c in ("teamwork", "communication")}
    # Alex's rating was not reopened: still locked.
    change = {"scores": scores, "submit": True}
    refused = reviewing.observer(0).call("put", rating_path, change, expect=409)
    assert refused["error"]["code"] == "review_started"
    resubmitted = reviewing.observer(1).call("put", rating_path, change, expect=200)
    assert resubmitted["status"] == "submitted"
    assert resubmitted["reopenings"][0]["reason"] == "Missed exercise 2 evidence"
    assert resubmitted["reopenings"][0]["scores"]["teamwork"]["score"] == 2
