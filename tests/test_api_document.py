"""The OpenAPI document a client can rely on: every answer with its schema, every parameter and
header, and a replayed request that says it was one."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from .builders import SessionBuilder

FILES = ("/export.xlsx", "/export.csv", "/export.json")


def operations(client: FlaskClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/api/v1/openapi.json").get_json()
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_answer_is_described_with_its_schema(client: FlaskClient) -> None:
    for path, method, op in operations(client):
        success = [code for code in op["responses"] if code.startswith("2")]
        assert len(success) == 1, (path, method)
        content = op["responses"][success[0]]["content"]
        if path.endswith(FILES):
            continue
        schema = content["application/json"]["schema"]
        assert schema and any(k in schema for k in ("$ref", "type", "anyOf", "oneOf")), (path, method, schema)
        errors = {code: r for code, r in op["responses"].items() if code[0] in "45"}
        if path != "/api/v1/openapi.json":
            assert {"400", "503"} <= set(errors), (path, method)
        for answer in errors.values():
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "default" not in op["responses"]


def test_authenticated_routes_document_401_403_and_bodies_422(client: FlaskClient) -> None:
    for path, method, op in operations(client):
        if op.get("security") != []:
            assert {"401", "403"} <= set(op["responses"]), (path, method)
        if "requestBody" in op:
            assert {"413", "422"} <= set(op["responses"]), (path, method)
        if "{" in path:
            assert "404" in op["responses"], (path, method)


def test_routes_that_honour_an_idempotency_key_say_so_and_name_the_replayed_header(
    client: FlaskClient,
) -> None:
    keyed = {
        (path, method)
        for path, method, op in operations(client)
        if any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op.get("parameters", []))
    }
    assert ("/api/v1/sessions/{session_id}/exercises/{exercise_id}/start", "post") in keyed
    assert ("/api/v1/sessions/{session_id}/decisions", "post") in keyed
    assert ("/api/v1/sessions/{session_id}/ratings/{exercise_id}/{candidate_id}", "put") in keyed
    assert ("/api/v1/sessions", "post") not in keyed  # a new session each time: no key honoured
    for path, method, op in operations(client):
        success = next(r for code, r in op["responses"].items() if code.startswith("2"))
        if (path, method) in keyed:
            assert "Idempotent-Replayed" in success["headers"], (path, method)


def test_query_parameters_and_path_ids_are_described(client: FlaskClient) -> None:
    found = {(path, method): op for path, method, op in operations(client)}
    events = found[("/api/v1/sessions/{session_id}/events", "get")]["parameters"]
    after = next(p for p in events if p["name"] == "after")
    assert after["in"] == "query" and after["schema"] == {"type": "integer", "minimum": 0}
    csv = found[("/api/v1/sessions/{session_id}/export.csv", "get")]["parameters"]
    sheet = next(p for p in csv if p["name"] == "sheet")
    assert sheet["in"] == "query" and sheet["required"] and "observations" in sheet["schema"]["enum"]
    session_id = next(p for p in events if p["name"] == "session_id")
    assert session_id["in"] == "path" and session_id["schema"]["pattern"] == "[A-Za-z0-9_-]{1,64}"


def test_a_repeated_request_says_it_was_one_and_a_key_reused_elsewhere_is_a_new_request(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    sid = build.session_id
    key = {**build.headers, "Idempotency-Key": "lunch-at-one-1"}
    first = client.post(f"/api/v1/sessions/{sid}/announcements", json={"text": "Lunch at one"}, headers=key)
    again = client.post(f"/api/v1/sessions/{sid}/announcements", json={"text": "Lunch at one"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    # The same key on another route is another request: it is carried out, not answered
    # with the announcement's result.
    locked = client.post(f"/api/v1/sessions/{sid}/lobby", json={"locked": True}, headers=key)
    assert locked.status_code == 200 and "Idempotent-Replayed" not in locked.headers
    assert build.call("get", f"/sessions/{sid}", expect=200)["setup"]["lobby_locked"] is True
    texts = [
        e["data"]["text"]
        for e in build.call("get", f"/sessions/{sid}/events")
        if e["type"] == "announcement_made"
    ]
    assert texts == ["Lunch at one"]


def test_an_id_in_the_path_that_no_record_can_have_is_not_found(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    for path in (
        "/sessions/not%20an%20id/events",
        f"/sessions/{build.session_id}/exercises/{'x' * 65}/start",
    ):
        response = client.open(
            "/api/v1" + path, method="GET" if "events" in path else "POST", headers=build.headers
        )
        assert response.status_code == 404, response.get_json()
        assert response.get_json()["error"]["code"] == "not_found"


def test_the_events_feed_refuses_a_negative_after(client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    refused = build.call("get", f"/sessions/{build.session_id}/events?after=-1", expect=400)
    assert refused["error"]["message"] == "after must be a whole number, 0 or more."
