"""Blind ratings: observer A reads nothing of observer B's evidence, by any route or event,
until A has submitted their own rating of that candidate in that exercise."""

from __future__ import annotations

import json
import re
from typing import Any

import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import socketio

from .panel_helpers import Panel, running_panel

SECRET = "B-SECRET-EVIDENCE"


def b_records_and_submits(panel: Panel, candidate_id: str) -> None:
    for n, indicator in enumerate(["teamwork-p1", "communication-n1"]):
        panel.b.call(
            "post",
            f"/sessions/{panel.sid}/observations",
            {
                "id": f"b-observation-{n}",
                "exercise_id": panel.exercise_id,
                "candidate_id": candidate_id,
                "indicator_id": indicator,
                "note": f"{SECRET} note {n}",
            },
            expect=201,
        )


def submit(observer: Any, panel: Panel, candidate_id: str, text: str) -> None:
    observer.call(
        "put",
        f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{candidate_id}",
        {
            "submit": True,
            "scores": {
                "teamwork": {"score": 4, "evidence": text},
                "communication": {"score": 2, "evidence": text},
            },
        },
        expect=200,
    )


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{([a-z_]+)}", lambda m: values.get(m.group(1), "unknown"), path)


def test_observer_reads_nothing_of_another_before_submitting(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token)
    target = panel.people[0]["candidate_id"]
    a_token = panel.a.headers["Authorization"].split(" ", 1)[1]
    a_socket = socketio.test_client(app, auth={"session_id": panel.sid, "api_token": a_token})
    assert a_socket.emit("resume", {}, callback=True)["ok"]

    b_records_and_submits(panel, target)
    panel.end()
    submit(panel.b, panel, target, f"{SECRET} rating")
    # Observations by A of the same candidate, so A's own data is in every answer below.
    panel.a.call(
        "post",
        f"/sessions/{panel.sid}/observations",
        {
            "id": "a-observation-1",
            "exercise_id": panel.exercise_id,
            "candidate_id": target,
            "note": "A's own note",
        },
        expect=201,
    )

    # Every API route, as observer A.
    document = client.get("/api/v1/openapi.json").get_json()
    values = {
        "session_id": panel.sid,
        "exercise_id": panel.exercise_id,
        "candidate_id": target,
        "observation_id": "b-observation-0",
        "user_id": panel.b_id,
        "question_id": "q",
        "competency_id": "teamwork",
    }
    seen: list[str] = []
    walked = 0
    for path, operations in document["paths"].items():
        for method in operations:
            url = fill(path, values)
            for query in ("", f"?exercise_id={panel.exercise_id}&candidate_id={target}"):
                response = client.open(
                    url + query,
                    method=method.upper(),
                    headers=panel.a.headers,
                    json=None if method == "get" else {},
                )
                seen.append(
                    f"{method} {url}{query} -> {response.status_code}: {response.get_data(as_text=True)}"
                )
                walked += 1
    assert walked >= 2 * 40
    answers = [line.split(": ", 1)[1] for line in seen]
    leaks = [
        line
        for line, answer in zip(seen, answers, strict=True)
        if SECRET in answer or "b-observation" in answer
    ]
    assert not leaks, leaks[:3]

    # Every event A received, and A's snapshot after reconnecting.
    received = json.dumps(a_socket.get_received())
    snapshot = json.dumps(a_socket.emit("resume", {"last_seq": 0}, callback=True))
    replay = json.dumps(a_socket.emit("resume", {"last_seq": 1}, callback=True))
    for text in (received, snapshot, replay):
        assert SECRET not in text and "b-observation" not in text
    refused = a_socket.emit(
        "read_evidence", {"exercise_id": panel.exercise_id, "candidate_id": target}, callback=True
    )
    assert refused["ok"] is False and refused["error"]["code"] == "blind"

    # Once A submits their own rating of that candidate, B's evidence opens up to A.
    submit(panel.a, panel, target, "A's own evidence")
    opened = a_socket.emit(
        "read_evidence", {"exercise_id": panel.exercise_id, "candidate_id": target}, callback=True
    )
    assert opened["ok"] and SECRET in json.dumps(opened["result"])
    listed = panel.a.call("get", f"/sessions/{panel.sid}/observations", expect=200)
    assert {o["id"] for o in listed["observations"]} >= {
        "b-observation-0",
        "b-observation-1",
        "a-observation-1",
    }
    # ...but still not B's evidence about the candidates A has not rated.
    other = panel.people[1]["candidate_id"]
    panel.b.call(
        "post",
        f"/sessions/{panel.sid}/observations",
        {
            "id": "b-observation-other",
            "exercise_id": panel.exercise_id,
            "candidate_id": other,
            "note": f"{SECRET} other",
            "recorded_at": None,
        },
        expect=201,
    )
    listed = panel.a.call("get", f"/sessions/{panel.sid}/observations", expect=200)
    assert "b-observation-other" not in json.dumps(listed)


def test_facilitator_sees_everything_and_blindness_can_be_turned_off(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token, blind_ratings=False)
    target = panel.people[0]["candidate_id"]
    b_records_and_submits(panel, target)
    assert SECRET in json.dumps(panel.build.call("get", f"/sessions/{panel.sid}/observations", expect=200))
    assert SECRET in json.dumps(panel.a.call("get", f"/sessions/{panel.sid}/observations", expect=200))


def test_candidates_never_receive_evidence(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token)
    phone = socketio.test_client(app, auth={"session_id": panel.sid, "token": panel.people[0]["token"]})
    phone.emit("resume", {}, callback=True)
    b_records_and_submits(panel, panel.people[0]["candidate_id"])
    panel.end()
    submit(panel.b, panel, panel.people[0]["candidate_id"], f"{SECRET} rating")
    assert SECRET not in json.dumps(phone.get_received())
    assert SECRET not in json.dumps(phone.emit("resume", {"last_seq": 0}, callback=True))
    refused = phone.emit(
        "read_evidence",
        {"exercise_id": panel.exercise_id, "candidate_id": panel.people[0]["candidate_id"]},
        callback=True,
    )
    assert refused["error"]["code"] == "forbidden"
