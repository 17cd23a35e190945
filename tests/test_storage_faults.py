"""Honest answers when storage fails: `unavailable` only when nothing was saved, and
`outcome_unknown` when a write went out and its answer was lost; a retry settles it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator import create_app
from facilitator.extensions import socketio
from facilitator.store import keys

from .conftest import app_config, make_user
from .lossy_proxy import LossyProxy
from .panel_helpers import running_panel
from .redis_server import RedisProcess


@pytest.fixture
def proxy(redis_server: RedisProcess, r: redis.Redis) -> Iterator[LossyProxy]:
    """A proxy in front of the test Redis that can lose one reply."""
    lossy = LossyProxy(redis_server.port)
    yield lossy
    lossy.close()


@pytest.fixture
def lossy_client(proxy: LossyProxy, tmp_path: Path) -> FlaskClient:
    """The app, talking to Redis through the proxy."""
    return create_app(app_config(f"redis://127.0.0.1:{proxy.port}/0", tmp_path)).test_client()


def observation(panel: object, candidate_id: str) -> dict[str, str]:
    """An observation payload for the running exercise."""
    return {
        "id": "observation-lost-reply",
        "exercise_id": panel.exercise_id,  # type: ignore[attr-defined]
        "candidate_id": candidate_id,
        "note": "Brought the group back to the brief",
    }


def test_a_write_whose_answer_was_lost_is_outcome_unknown_and_its_retry_settles_it(
    lossy_client: FlaskClient, proxy: LossyProxy, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(lossy_client, r, api_token)
    payload = observation(panel, panel.people[0]["candidate_id"])
    url = f"/api/v1/sessions/{panel.sid}/observations"

    # One observation first, so Redis knows the script and the next write is one EVALSHA.
    warm = {**payload, "id": "observation-first-one"}
    assert lossy_client.post(url, json=warm, headers=panel.a.headers).status_code == 201

    proxy.lose_reply_to(b"EVALSHA")
    lost = lossy_client.post(url, json=payload, headers=panel.a.headers)
    assert proxy.lost == 1
    assert lost.status_code == 503
    assert lost.get_json()["error"]["code"] == "outcome_unknown"
    assert "may or may not have been saved" in lost.get_json()["error"]["message"]
    # It was in fact stored; the retry with the same id says so and stores nothing more.
    assert r.hexists(keys.observations(panel.sid), payload["id"])
    retried = lossy_client.post(url, json=payload, headers=panel.a.headers)
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["id"] == payload["id"]
    assert r.hlen(keys.observations(panel.sid)) == 2
    logged = [e for e in r.xrange(keys.events(panel.sid)) if payload["id"] in e[1]["e"]]
    assert len(logged) == 1


def test_a_change_without_a_request_id_is_not_applied_twice_when_its_answer_is_lost(
    lossy_client: FlaskClient, proxy: LossyProxy, r: redis.Redis, api_token: str
) -> None:
    headers = {"Authorization": f"Bearer {api_token}"}
    created = lossy_client.post(
        "/api/v1/sessions", json={"title": "Lost reply", "competency_ids": ["teamwork"]}, headers=headers
    ).get_json()
    exercise = {
        "title": "Case study",
        "kind": "case_study",
        "duration_minutes": 30,
        "competency_ids": ["teamwork"],
    }

    proxy.lose_reply_to(b"EXEC")
    lost = lossy_client.post(f"/api/v1/sessions/{created['id']}/exercises", json=exercise, headers=headers)
    assert proxy.lost == 1
    assert lost.status_code == 503
    assert lost.get_json()["error"]["code"] == "outcome_unknown"
    session = lossy_client.get(f"/api/v1/sessions/{created['id']}", headers=headers).get_json()
    assert [e["title"] for e in session["setup"]["exercises"]] == ["Case study"]


def test_a_command_with_a_request_id_settles_a_lost_answer_by_itself(
    lossy_client: FlaskClient, proxy: LossyProxy, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(lossy_client, r, api_token)
    proxy.lose_reply_to(b"EXEC")
    sent = lossy_client.post(
        f"/api/v1/sessions/{panel.sid}/announcements",
        json={"text": "Lunch is in the atrium"},
        headers={**panel.build.headers, "Idempotency-Key": "announce-lunch-1"},
    )
    assert proxy.lost == 1
    # The transaction broke after EXEC went out; the server retried it under its request id,
    # found it applied, and answered as the first time.
    assert sent.status_code == 201, sent.get_json()
    announced = json.loads(r.get(keys.announcements(panel.sid)) or "[]")
    assert [a["text"] for a in announced] == ["Lunch is in the atrium"]


def listening(app: Flask, session_id: str, **auth: str) -> Any:
    """A socket on the session (a facilitator's with `api_token`, a phone's with `token`)."""
    socket = socketio.test_client(app, auth={"session_id": session_id, **auth})
    assert socket.emit("resume", {}, callback=True)["ok"]
    socket.get_received()
    return socket


def pushed(socket: Any, kind: str) -> list[dict[str, Any]]:
    """The envelopes of one kind the socket has received since last asked."""
    return [m["args"][0] for m in socket.get_received() if m["name"] == kind]


def logged_seqs(r: redis.Redis, session_id: str, text: str) -> list[int]:
    """The sequence ids of the logged events that mention `text`."""
    return [
        int(entry_id.split("-")[0])
        for entry_id, fields in r.xrange(keys.events(session_id))
        if text in fields["e"]
    ]


def test_the_retry_of_a_write_whose_answer_was_lost_pushes_it_with_its_first_sequence_id(
    lossy_client: FlaskClient, proxy: LossyProxy, r: redis.Redis, api_token: str
) -> None:
    """The first push went down with the answer; the retry that settles it pushes it then."""
    panel = running_panel(lossy_client, r, api_token)
    lead = listening(lossy_client.application, panel.sid, api_token=api_token)
    payload = observation(panel, panel.people[0]["candidate_id"])
    url = f"/api/v1/sessions/{panel.sid}/observations"
    assert lossy_client.post(url, json={**payload, "id": "observation-first-one"}, headers=panel.a.headers)
    pushed(lead, "observation_recorded")

    proxy.lose_reply_to(b"EVALSHA")
    assert lossy_client.post(url, json=payload, headers=panel.a.headers).status_code == 503
    assert proxy.lost == 1 and pushed(lead, "observation_recorded") == []
    assert lossy_client.post(url, json=payload, headers=panel.a.headers).status_code == 201
    [seq] = logged_seqs(r, panel.sid, payload["id"])
    assert [(e["seq"], e["data"]["id"]) for e in pushed(lead, "observation_recorded")] == [
        (seq, payload["id"])
    ]


def test_a_command_settled_by_the_server_after_a_lost_answer_still_reaches_the_phones(
    lossy_client: FlaskClient, proxy: LossyProxy, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(lossy_client, r, api_token)
    phone = listening(lossy_client.application, panel.sid, token=panel.people[0]["token"])
    proxy.lose_reply_to(b"EXEC")
    sent = lossy_client.post(
        f"/api/v1/sessions/{panel.sid}/announcements",
        json={"text": "Lunch is in the atrium"},
        headers={**panel.build.headers, "Idempotency-Key": "announce-lunch-2"},
    )
    assert proxy.lost == 1 and sent.status_code == 201
    [seq] = logged_seqs(r, panel.sid, "Lunch is in the atrium")
    got = [(e["seq"], e["data"]["text"]) for e in pushed(phone, "announcement_made")]
    assert got == [(seq, "Lunch is in the atrium")]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A Redis of this test's own, to stop."""
    server = RedisProcess(tmp_path / "own-redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fragile_app(own_redis: RedisProcess, tmp_path: Path) -> Flask:
    """The app on a Redis that the test will stop."""
    return create_app(app_config(own_redis.url, tmp_path / "data"))


def test_with_redis_down_every_route_answers_503_and_recovers_by_itself(
    fragile_app: Flask, own_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    client = fragile_app.test_client()
    token = own_redis.client()
    from facilitator.store import users as user_store

    account = make_user(token, "fran@example.com", "facilitator")
    bearer = {"Authorization": f"Bearer {user_store.issue_api_token(token, account.id)}"}
    token.close()
    assert client.get("/api/v1/sessions", headers=bearer).status_code == 200

    own_redis.stop()
    read = client.get("/api/v1/sessions", headers=bearer)
    write = client.post("/api/v1/sessions", json={"title": "During the outage"}, headers=bearer)
    for response in (read, write):
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "unavailable"
        assert "nothing was changed" in response.get_json()["error"]["message"]
        assert response.headers["Retry-After"]
    page = client.get("/join/ABCDEFG")
    assert page.status_code == 503
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    failures = [rec for rec in caplog.records if "storage failed" in rec.getMessage()]
    assert len(failures) == 3 and not any(rec.exc_info for rec in failures)

    own_redis.start()
    assert client.get("/api/v1/sessions", headers=bearer).status_code == 200
    assert client.post("/api/v1/sessions", json={"title": "After"}, headers=bearer).status_code == 201
