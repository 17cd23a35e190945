"""The panel through the API: membership, recording, rating, and refusals that store nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator import create_app
from facilitator.domain.models import Session
from facilitator.extensions import socketio
from facilitator.store import keys
from facilitator.store import users as user_store

from .builders import SessionBuilder
from .conftest import app_config
from .panel_helpers import Panel, running_panel
from .redis_server import RedisProcess


@pytest.fixture
def panel(client: FlaskClient, r: redis.Redis, api_token: str) -> Panel:
    return running_panel(client, r, api_token)


def observation(panel: Panel, oid: str = "obs-000001", **fields: object) -> dict[str, object]:
    return {
        "id": oid,
        "exercise_id": panel.exercise_id,
        "candidate_id": panel.people[0]["candidate_id"],
        "indicator_id": "teamwork-p1",
        "note": "Invited the quiet member in",
        **fields,
    }


def stored_count(panel: Panel) -> int:
    return len(panel.build.call("get", f"/sessions/{panel.sid}/observations", expect=200)["observations"])


def test_every_candidate_is_covered_by_both_observers(panel: Panel) -> None:
    setup = panel.build.call("get", f"/sessions/{panel.sid}", expect=200)["setup"]
    observers = setup["runs"][panel.exercise_id]["observers"]
    assert set(observers) == {p["candidate_id"] for p in panel.people}
    assert all(sorted(o) == sorted([panel.a_id, panel.b_id]) for o in observers.values())


def test_observation_is_stamped_and_stored_once(panel: Panel) -> None:
    first = panel.a.call("post", f"/sessions/{panel.sid}/observations", observation(panel), expect=201)
    again = panel.a.call("post", f"/sessions/{panel.sid}/observations", observation(panel), expect=201)
    assert first == again and first["competency_id"] == "teamwork" and first["clock_s"] >= 0
    assert stored_count(panel) == 1


def test_someone_elses_observation_id_is_not_revealed(panel: Panel) -> None:
    panel.a.call("post", f"/sessions/{panel.sid}/observations", observation(panel), expect=201)
    refused = panel.b.call(
        "post", f"/sessions/{panel.sid}/observations", observation(panel, note="different"), expect=409
    )
    assert refused["error"]["code"] == "duplicate_id" and "quiet member" not in json.dumps(refused)


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"candidate_id": "not-in-session"}, 404, "unknown_candidate"),
        ({"indicator_id": "leadership-p1"}, 409, "indicator_not_assessed"),
        ({"note": "x" * 1001}, 422, "invalid"),
        ({"indicator_id": None, "note": ""}, 409, "empty_observation"),
        ({"exercise_id": "nope"}, 404, "unknown_exercise"),
        ({"recorded_at": time.time() + 3600}, 409, "bad_time"),
    ],
)
def test_bad_observations_are_refused_and_nothing_is_stored(
    panel: Panel, fields: dict[str, object], status: int, code: str
) -> None:
    refused = panel.a.call(
        "post", f"/sessions/{panel.sid}/observations", observation(panel, **fields), expect=status
    )
    assert refused["error"]["code"] == code and refused["error"]["message"]
    assert stored_count(panel) == 0


def test_observation_long_after_the_exercise_ended_is_refused(panel: Panel, r: redis.Redis) -> None:
    panel.end()
    session = Session.model_validate_json(r.get(keys.session(panel.sid)))
    run = session.runs[panel.exercise_id]
    run.started_at, run.ended_at = time.time() - 3 * 3600, time.time() - 2 * 3600
    run.segments = [(run.started_at, run.ended_at)]
    r.set(keys.session(panel.sid), session.model_dump_json())
    refused = panel.a.call("post", f"/sessions/{panel.sid}/observations", observation(panel), expect=409)
    assert refused["error"]["code"] == "too_late"
    assert stored_count(panel) == 0


def test_observer_not_on_the_panel_cannot_record(panel: Panel) -> None:
    refused = panel.build.call("post", f"/sessions/{panel.sid}/observations", observation(panel), expect=403)
    assert refused["error"]["code"] == "not_on_panel"


def rating(score: int = 4, evidence: str = "Brought two quiet members in") -> dict[str, object]:
    return {
        "scores": {
            "teamwork": {"score": score, "evidence": evidence},
            "communication": {"score": 3, "evidence": "Summarised clearly"},
        }
    }


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (rating(score=0), 422, "invalid"),
        (rating(score=6), 422, "invalid"),
        ({**rating(evidence=""), "submit": True}, 409, "evidence_required"),
        ({**rating(evidence="   "), "submit": True}, 409, "evidence_required"),
        ({"scores": {"leadership": {"score": 3, "evidence": "x"}}}, 409, "competency_not_assessed"),
    ],
)
def test_bad_ratings_are_refused_and_nothing_is_stored(
    panel: Panel, body: dict[str, object], status: int, code: str
) -> None:
    panel.end()
    url = f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{panel.people[0]['candidate_id']}"
    refused = panel.a.call("put", url, body, expect=status)
    assert refused["error"]["code"] == code
    assert panel.build.call("get", f"/sessions/{panel.sid}/observations", expect=200)["ratings"] == []


def test_rating_for_a_candidate_not_in_the_session_is_refused(panel: Panel) -> None:
    panel.end()
    refused = panel.a.call(
        "put", f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/ghost", rating(), expect=404
    )
    assert refused["error"]["code"] == "unknown_candidate"


def test_draft_then_submit_locks_the_rating(panel: Panel) -> None:
    panel.end()
    url = f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{panel.people[0]['candidate_id']}"
    draft = panel.a.call("put", url, {"scores": {"teamwork": {"score": 2, "evidence": ""}}}, expect=200)
    assert draft["status"] == "draft"
    submitted = panel.a.call("put", url, {**rating(), "submit": True}, expect=200)
    assert submitted["status"] == "submitted" and submitted["scores"]["teamwork"]["score"] == 4
    assert panel.a.call("put", url, rating(score=1), expect=409)["error"]["code"] == "already_submitted"


def test_edits_and_deletions_keep_the_earlier_version(panel: Panel) -> None:
    base = f"/sessions/{panel.sid}/observations"
    panel.a.call("post", base, observation(panel), expect=201)
    panel.a.call("patch", f"{base}/obs-000001", {"note": "Invited two people in"}, expect=200)
    panel.a.call("delete", f"{base}/obs-000001", expect=200)
    history = panel.build.call("get", f"{base}/obs-000001/versions", expect=200)
    assert [v["note"] for v in history] == ["Invited the quiet member in", "Invited two people in"]
    assert stored_count(panel) == 0
    assert panel.b.call("delete", f"{base}/obs-000001", expect=404)["error"]["code"] == "unknown_observation"
    assert panel.a.call("delete", f"{base}/obs-000001", expect=409)["error"]["code"] == "deleted"


def test_panel_invite_link_is_scoped_and_revocable(panel: Panel, client: FlaskClient) -> None:
    url = panel.build.call("post", f"/sessions/{panel.sid}/panel/invites", expect=201)["url"]
    path = url.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert client.get(tampered).status_code == 404
    panel.build.call("delete", f"/sessions/{panel.sid}/panel/invites", expect=200)
    assert client.get(path).status_code == 404


def test_invite_creates_an_observer_who_sees_only_that_session(
    panel: Panel, client: FlaskClient, api_token: str
) -> None:
    other = panel.build.call("post", "/sessions", {"title": "Another session"}, expect=201)
    url = panel.build.call("post", f"/sessions/{panel.sid}/panel/invites", expect=201)["url"]
    path = url.split("localhost", 1)[1]
    signed_up = client.post(
        path, data={"name": "Casey", "email": "casey@example.com", "password": "long enough pass"}
    )
    # Signing up never says whether the email had an account: it goes on to sign in.
    assert signed_up.status_code == 302 and signed_up.headers["Location"].startswith("/login?next=/panel/")
    signed_in = client.post(
        signed_up.headers["Location"], data={"email": "casey@example.com", "password": "long enough pass"}
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == path
    joined = client.post(path)
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/sessions/{panel.sid}/observe")
    dashboard = client.get("/").get_data(as_text=True)
    assert "Graduate assessment centre" in dashboard and "Another session" not in dashboard
    assert client.get(f"/sessions/{other['id']}/observe").status_code == 404
    assert client.get(f"/sessions/{panel.sid}/observe").status_code == 200
    assert client.get("/sessions/new").status_code == 403
    assert client.get(f"/sessions/{panel.sid}/live").status_code == 404
    assert client.get("/library/new").status_code == 403


def test_facilitator_on_the_panel_observes_with_an_observers_view(
    app: Flask, panel: Panel, api_token: str, r: redis.Redis
) -> None:
    auth = {"session_id": panel.sid, "api_token": api_token, "role": "observer"}
    outsider = socketio.test_client(app, auth=auth)
    assert not outsider.is_connected()
    lead = user_store.by_email(r, "fran@example.com")
    assert lead is not None
    panel.build.call("post", f"/sessions/{panel.sid}/panel", {"user_id": lead[0].id}, expect=201)
    tablet = socketio.test_client(app, auth=auth)
    snapshot = tablet.emit("resume", {}, callback=True)["result"]["snapshot"]
    assert snapshot["me"]["id"] == lead[0].id and snapshot["competencies"]


def test_completion_matrix_and_nudges_follow_the_ratings(app: Flask, panel: Panel) -> None:
    a_token = panel.a.headers["Authorization"].split(" ", 1)[1]
    tablet = socketio.test_client(app, auth={"session_id": panel.sid, "api_token": a_token})
    tablet.emit("resume", {}, callback=True)
    cells = panel.build.call("get", f"/sessions/{panel.sid}/panel", expect=200)["completion"]
    assert {c["status"] for c in cells} == {"not_started"} and not any(c["due"] for c in cells)
    refused = panel.build.call("post", f"/sessions/{panel.sid}/panel/{panel.a_id}/nudge", expect=409)
    assert refused["error"]["code"] == "nothing_owed"

    panel.end()
    first = panel.people[0]["candidate_id"]
    panel.a.call(
        "put",
        f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{first}",
        {**rating(), "submit": True},
        expect=200,
    )
    panel.b.call("put", f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{first}", rating(), expect=200)
    cells = panel.build.call("get", f"/sessions/{panel.sid}/panel", expect=200)["completion"]
    status = {(c["candidate_id"], c["observer_id"]): c["status"] for c in cells}
    assert status[(first, panel.a_id)] == "submitted" and status[(first, panel.b_id)] == "draft"
    assert status[(panel.people[1]["candidate_id"], panel.a_id)] == "not_started"

    nudged = panel.build.call("post", f"/sessions/{panel.sid}/panel/{panel.a_id}/nudge", expect=200)
    assert nudged["owed"] == len(panel.people) - 1
    reminders = [m for m in tablet.get_received() if m["name"] == "ratings_nudged"]
    assert len(reminders) == 1 and len(reminders[0]["args"][0]["data"]["owed"]) == len(panel.people) - 1


def test_panel_invite_link_expires(
    redis_server: RedisProcess, r: redis.Redis, tmp_path: Path, api_token: str
) -> None:
    app = create_app(app_config(redis_server.url, tmp_path, PANEL_INVITE_MAX_AGE_S=1))
    client = app.test_client()
    build = SessionBuilder(client, api_token).create()
    url = build.call("post", f"/sessions/{build.session_id}/panel/invites", expect=201)["url"]
    path = url.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    time.sleep(2.1)
    expired = client.get(path)
    assert expired.status_code == 404 and "has expired" in expired.get_data(as_text=True)
