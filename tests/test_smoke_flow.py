"""A facilitator sets up and runs an exercise through the API; candidates join and follow over sockets."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import socketio

from .builders import SessionBuilder


def test_candidate_receives_group_and_role_brief_when_exercise_starts(
    app: Flask, client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    people = [build.join(name) for name in ("Ada", "Grace", "Linus", "Ken", "Barbara")]
    build.state("live")
    phones = [
        socketio.test_client(app, auth={"session_id": build.session_id, "token": p["token"]}) for p in people
    ]
    for phone in phones:
        assert phone.is_connected()
        ack = phone.emit("resume", {"last_seq": 0}, callback=True)
        assert ack["ok"], ack
        phone.get_received()
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    for person, phone in zip(people, phones, strict=True):
        received = {m["name"]: m["args"][0] for m in phone.get_received()}
        assert "exercise_started" in received
        assignment = received["group_assigned"]["data"]
        names = [m["id"] for m in assignment["group"]["members"]]
        assert person["candidate_id"] in names
