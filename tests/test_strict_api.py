"""The JSON API reads every body strictly: a value of the wrong JSON type, a body nested too deep
or one too large is refused at once in plain words, and nothing changes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from .builders import EXERCISE, SessionBuilder
from .panel_helpers import Panel, running_panel


@pytest.fixture
def panel(client: FlaskClient, r: redis.Redis, api_token: str) -> Panel:
    return running_panel(client, r, api_token)


def state_of(panel: Panel) -> Any:
    """What a wrong request must leave as it was: the set-up, the log and the evidence."""
    sid = panel.sid
    return (
        panel.build.call("get", f"/sessions/{sid}", expect=200)["setup"],
        panel.build.call("get", f"/sessions/{sid}/events", expect=200),
        panel.build.call("get", f"/sessions/{sid}/observations", expect=200),
    )


def nested(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = {"a": value}
    return value


# (who sends it, method, path under the session, body, the sentence the caller reads)
WRONG_TYPES = [
    ("lead", "post", "/lobby", {"locked": "yes"}, "Lobby lock must be true or false."),
    ("lead", "post", "/lobby", {"locked": 1}, "Lobby lock must be true or false."),
    ("lead", "post", "/exercises/{ex}/extend", {"minutes": "5"}, "Extra time must be a whole number."),
    ("lead", "post", "/exercises/{ex}/extend", {"minutes": 5.0}, "Extra time must be a whole number."),
    ("lead", "post", "/exercises/{ex}/extend", {"minutes": 2.5}, "Extra time must be a whole number."),
    ("lead", "post", "/announcements", {"text": 5}, "Announcement must be text."),
    ("lead", "post", "/announcements", {"text": "Hi", "group_id": 7}, "Group must be text."),
    ("lead", "post", "/state", {"state": "ended", "confirm": "true"}, "Confirmation must be true or false."),
    ("lead", "post", "/state", {"state": 3}, "State must be 'draft', 'open', 'live', 'ended', 'review',"),
    (
        "lead",
        "put",
        "",
        {"title": "Day", "blind_ratings": "false"},
        "Independent ratings must be true or false.",
    ),
    (
        "lead",
        "put",
        "",
        {"title": "Day", "scheduled_start": 1767225600},
        "Scheduled start is not a valid date",
    ),
    (
        "lead",
        "post",
        "/exercises",
        {**EXERCISE, "duration_minutes": "20"},
        "Duration must be a whole number.",
    ),
    ("lead", "post", "/exercises", {**EXERCISE, "group_size": 4.5}, "Group size must be a whole number."),
    ("lead", "put", "/exercises/{ex}/observers", {"observer_ids": "alex"}, "Observers must be a list."),
    ("a", "post", "/observations", {"recorded_at": "12"}, "Time recorded must be a number."),
    ("a", "post", "/observations", {"note": 42}, "Note must be text."),
    (
        "a",
        "put",
        "/ratings/{ex}/{cid}",
        {"scores": {"teamwork": {"score": "3"}}},
        "Score for teamwork must be a whole number.",
    ),
    ("a", "put", "/ratings/{ex}/{cid}", {"scores": {}, "submit": "yes"}, "Submit must be true or false."),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "message"), WRONG_TYPES)
def test_a_value_of_the_wrong_json_type_is_refused_and_changes_nothing(
    panel: Panel, client: FlaskClient, who: str, method: str, path: str, body: dict[str, Any], message: str
) -> None:
    caller = panel.build if who == "lead" else panel.a
    if path == "/observations":
        body = {"id": "obs-strict-1", "exercise_id": panel.exercise_id,
                "candidate_id": panel.people[0]["candidate_id"], **body}  # fmt: skip
    url = f"/api/v1/sessions/{panel.sid}" + path.format(
        ex=panel.exercise_id, cid=panel.people[0]["candidate_id"]
    )
    before = state_of(panel)
    started = time.monotonic()
    refused = getattr(client, method)(url, json=body, headers=caller.headers)
    assert time.monotonic() - started < 1
    assert refused.status_code == 422, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith(message), error
    assert "Input should" not in error["message"]
    assert state_of(panel) == before


def test_join_refuses_a_code_that_is_a_number_and_a_notice_accepted_as_yes(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    number = client.post("/api/v1/join", json={"code": 1234567, "name": "Ada", "accept_privacy_notice": True})
    assert number.status_code == 422 and number.get_json()["error"]["message"] == "Join code must be text."
    yes = client.post(
        "/api/v1/join", json={"code": build.join_code, "name": "Ada", "accept_privacy_notice": "yes"}
    )
    assert yes.status_code == 422
    assert yes.get_json()["error"]["message"] == "Privacy notice must be true or false."
    assert build.call("get", f"/sessions/{build.session_id}/candidates", expect=200) == []


def test_times_enums_and_whole_numbers_still_read_as_json_writes_them(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create(exercises=0, scheduled_start="2027-03-01T09:30:00Z")
    sid = build.session_id
    added = build.call(
        "post",
        f"/sessions/{sid}/exercises",
        {**EXERCISE, "kind": "case_study", "duration_minutes": 45},
        expect=201,
    )
    assert added["kind"] == "case_study" and added["duration_minutes"] == 45
    weights = {"exercise_weights": {added["id"]: 2}, "competency_weights": {"teamwork": 1.5}}
    build.call("put", f"/sessions/{sid}/weights", weights, expect=200)
    setup = build.call("get", f"/sessions/{sid}", expect=200)["setup"]
    assert setup["scheduled_start"].startswith("2027-03-01T09:30:00")
    assert setup["exercise_weights"] == {added["id"]: 2.0}


def test_a_body_nested_too_deep_is_refused_at_once(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    before = build.call("get", "/sessions", expect=200)
    for body in (
        json.dumps({"title": "Deep", "role": nested(200)}),
        # Deeper than Python's JSON parser can follow: still a refusal, not a server error.
        "[" * 100_000 + "]" * 100_000,
    ):
        started = time.monotonic()
        refused = client.post(
            "/api/v1/sessions", data=body, content_type="application/json", headers=build.headers
        )
        assert time.monotonic() - started < 1
        assert refused.status_code == 400, refused.get_json()
        assert refused.get_json()["error"]["code"] == "too_deep"
        assert "nested too deeply" in refused.get_json()["error"]["message"]
    assert build.call("get", "/sessions", expect=200) == before


def test_a_body_over_the_size_limit_is_refused_and_nothing_is_stored(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create(exercises=0)
    started = time.monotonic()
    refused = client.post(
        f"/api/v1/sessions/{build.session_id}/candidates/import",
        json={"text": "Ada Lovelace\n" * 50_000},
        headers=build.headers,
    )
    assert time.monotonic() - started < 1
    assert refused.status_code == 413
    assert refused.get_json()["error"]["code"] == "request_entity_too_large"
    assert build.call("get", f"/sessions/{build.session_id}/candidates", expect=200) == []


def test_html_forms_still_read_their_text_as_numbers(signed_in: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(signed_in, api_token).create(exercises=0)
    form = {"title": "Case study", "kind": "case_study", "duration_minutes": "35", "group_size": "5"}
    posted = signed_in.post(f"/sessions/{build.session_id}/exercises/new", data=form)
    assert posted.status_code == 302
    (exercise,) = build.exercises()
    assert exercise["duration_minutes"] == 35 and exercise["group_size"] == 5
