"""The JSON API: bearer tokens, the OpenAPI document, and clear refusals of bad input."""

from __future__ import annotations

import re

import redis
from flask import Flask
from flask.testing import FlaskClient

from .builders import EXERCISE, SessionBuilder


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            served |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert served == documented
    assert len(documented) >= 25


def test_documented_bodies_have_schemas(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for ops in document["paths"].values():
        for op in ops.values():
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[1] in schemas


def test_api_refuses_requests_without_a_valid_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/sessions").status_code == 401
    refused = client.get("/api/v1/sessions", headers={"Authorization": "Bearer fac_wrong"})
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorised"


def test_illegal_transition_is_refused_with_the_reason_and_changes_nothing(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create()
    refused = build.call("post", f"/sessions/{build.session_id}/state", {"state": "live"}, expect=409)
    assert "cannot become live" in refused["error"]["message"]
    assert build.call("get", f"/sessions/{build.session_id}")["setup"]["state"] == "draft"


def test_oversized_brief_is_refused_and_nothing_is_stored(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create(exercises=0)
    refused = build.call(
        "post", f"/sessions/{build.session_id}/exercises", {**EXERCISE, "brief": "x" * 20_001}, expect=422
    )
    assert refused["error"]["code"] == "invalid"
    assert refused["error"]["fields"][0]["field"] == "brief"
    assert build.exercises() == []


def test_malformed_bodies_get_specific_errors(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    sid = build.session_id
    not_json = client.post(f"/api/v1/sessions/{sid}/state", data="live", headers=build.headers)
    assert not_json.status_code == 400 and "JSON object" in not_json.get_json()["error"]["message"]
    unknown_field = build.call("post", f"/sessions/{sid}/state", {"state": "open", "force": True}, expect=422)
    assert unknown_field["error"]["fields"][0]["field"] == "force"
    bad_state = build.call("post", f"/sessions/{sid}/state", {"state": "teleported"}, expect=422)
    assert bad_state["error"]["fields"][0]["field"] == "state"
    no_title = build.call("post", "/sessions", {"title": "   "}, expect=422)
    assert no_title["error"]["fields"][0]["field"] == "title"
    assert build.call("get", f"/sessions/{sid}")["setup"]["state"] == "draft"


def test_unknown_join_code_is_refused(client: FlaskClient, api_token: str) -> None:
    SessionBuilder(client, api_token).create().state("open")
    refused = client.post(
        "/api/v1/join", json={"code": "ZZZZZZZ", "name": "Ada", "accept_privacy_notice": True}
    )
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "unknown_code"


def test_names_that_are_empty_or_too_long_are_refused(
    client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    for name in ("", "   ", "x" * 81):
        refused = client.post(
            "/api/v1/join", json={"code": build.join_code, "name": name, "accept_privacy_notice": True}
        )
        assert refused.status_code == 422
        assert refused.get_json()["error"]["fields"][0]["field"] == "name"
    roster = build.call("get", f"/sessions/{build.session_id}/candidates", expect=200)
    assert roster == []


def test_join_needs_the_privacy_notice_accepted(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    refused = client.post(
        "/api/v1/join", json={"code": build.join_code, "name": "Ada", "accept_privacy_notice": False}
    )
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "privacy_notice"
    assert build.call("get", f"/sessions/{build.session_id}/candidates") == []


def test_join_code_guessing_is_slowed_never_locking_out_the_right_code(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    codes = [
        client.post(
            "/api/v1/join", json={"code": f"WRONG{n:02d}", "name": "Eve", "accept_privacy_notice": True}
        ).status_code
        for n in range(22)
    ]
    # Past the allowance wrong codes are answered in turn, one every few seconds, not refused.
    assert codes == [404] * 22
    # The right code from the same address is still let in (it waits for its turn).
    joined = client.post(
        "/api/v1/join", json={"code": build.join_code, "name": "Eve", "accept_privacy_notice": True}
    )
    assert joined.status_code == 201 and joined.get_json()["status"] == "checked_in"


def test_join_codes_are_case_and_dash_tolerant(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    typed = build.join_code.lower()[:3] + "-" + build.join_code.lower()[3:]
    joined = client.post("/api/v1/join", json={"code": typed, "name": "Ada", "accept_privacy_notice": True})
    assert joined.status_code == 201


def test_idempotency_key_makes_a_retried_start_harmless(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    build.join("Ada")
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    headers = {**build.headers, "Idempotency-Key": "start-once-123"}
    url = f"/api/v1/sessions/{build.session_id}/exercises/{exercise_id}/start"
    assert client.post(url, headers=headers).status_code == 200
    assert client.post(url, headers=headers).status_code == 200
    assert client.post(url, headers=build.headers).status_code == 409
    events = build.call("get", f"/sessions/{build.session_id}/events", expect=200)
    assert [e["type"] for e in events].count("exercise_started") == 1


def test_roster_import_reports_the_bad_line(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    ok = build.call(
        "post",
        f"/sessions/{build.session_id}/candidates/import",
        {"text": "name,email\nAda Lovelace, ada@example.com\nGrace Hopper\n"},
        expect=201,
    )
    assert [c["name"] for c in ok] == ["Ada Lovelace", "Grace Hopper"]
    refused = build.call(
        "post",
        f"/sessions/{build.session_id}/candidates/import",
        {"text": "Linus, not-an-email\n"},
        expect=400,
    )
    assert "Line 1" in refused["error"]["message"]
    links = build.call("get", f"/sessions/{build.session_id}/candidates", expect=200)
    assert len(links) == 2 and all("/i/" in c["invite_url"] for c in links)
