"""Socket events that are malformed, out of turn or from the wrong role: a clear error, no change."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from facilitator.extensions import socketio
from facilitator.services import live

from ..builders import SessionBuilder


@pytest.fixture
def room(app: Flask, client: FlaskClient, api_token: str) -> dict[str, Any]:
    """A live session with two candidates, a facilitator socket and a phone socket."""
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    ada, grace = build.join("Ada"), build.join("Grace")
    lead = socketio.test_client(app, auth={"session_id": build.session_id, "api_token": api_token})
    phone = socketio.test_client(app, auth={"session_id": build.session_id, "token": ada["token"]})
    lead.emit("resume", {}, callback=True)
    phone.emit("resume", {}, callback=True)
    return {
        "build": build,
        "lead": lead,
        "phone": phone,
        "ada": ada,
        "grace": grace,
        "exercise_id": build.exercises()[0]["id"],
    }


def log_length(build: SessionBuilder) -> int:
    return len(build.call("get", f"/sessions/{build.session_id}/events", expect=200))


def refused(client: SocketIOTestClient, event: str, payload: Any) -> dict[str, Any]:
    ack = client.emit(event, payload, callback=True)
    assert ack["ok"] is False, ack
    assert ack["error"]["message"]
    return ack["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "start",
        42,
        [],
        {"exercise_id": "e"},
        {"id": "short", "exercise_id": "x"},
        {"id": "valid-id-1", "exercise_id": "../../etc"},
        {"id": "valid-id-1", "exercise_id": "e", "extra": 1},
    ],
)
def test_malformed_payloads_are_refused(room: dict[str, Any], payload: Any) -> None:
    before = log_length(room["build"])
    error = refused(room["lead"], "start_exercise", payload)
    assert error["code"] == "invalid"
    assert log_length(room["build"]) == before


def test_exercise_cannot_start_before_the_session_is_live(room: dict[str, Any]) -> None:
    before = log_length(room["build"])
    error = refused(
        room["lead"], "start_exercise", {"id": "start-early-1", "exercise_id": room["exercise_id"]}
    )
    assert error["code"] == "wrong_state" and "live" in error["message"]
    assert log_length(room["build"]) == before


def test_candidate_cannot_send_facilitator_commands(room: dict[str, Any]) -> None:
    room["build"].state("live")
    before = log_length(room["build"])
    for event, payload in [
        ("start_exercise", {"id": "hijack-0001", "exercise_id": room["exercise_id"]}),
        ("remove_candidate", {"id": "hijack-0002", "candidate_id": room["grace"]["candidate_id"]}),
        ("announce", {"id": "hijack-0003", "text": "Everyone go home"}),
    ]:
        assert refused(room["phone"], event, payload)["code"] == "forbidden"
    assert log_length(room["build"]) == before


def test_facilitator_cannot_pose_as_a_candidate(room: dict[str, Any]) -> None:
    assert refused(room["lead"], "ask_question", {"id": "question-01", "text": "Hi"})["code"] == "forbidden"


def test_unknown_events_are_refused(room: dict[str, Any]) -> None:
    assert refused(room["phone"], "become_admin", {})["code"] == "unknown_event"


def test_bad_connect_credentials_are_refused(app: Flask, room: dict[str, Any]) -> None:
    sid = room["build"].session_id
    for auth in [
        None,
        {"session_id": sid},
        {"session_id": sid, "token": "x" * 40},
        {"session_id": "nope", "token": room["ada"]["token"]},
        {"session_id": sid, "api_token": "fac_" + "y" * 40},
    ]:
        assert not socketio.test_client(app, auth=auth).is_connected()


def test_removed_candidate_is_disconnected_and_cannot_reconnect(app: Flask, room: dict[str, Any]) -> None:
    ack = room["lead"].emit(
        "remove_candidate", {"id": "remove-0001", "candidate_id": room["ada"]["candidate_id"]}, callback=True
    )
    assert ack["ok"], ack
    assert not room["phone"].is_connected()
    again = socketio.test_client(
        app, auth={"session_id": room["build"].session_id, "token": room["ada"]["token"]}
    )
    assert not again.is_connected()


def test_over_long_question_is_refused_and_not_stored(room: dict[str, Any]) -> None:
    error = refused(room["phone"], "ask_question", {"id": "question-02", "text": "?" * 501})
    assert error["fields"][0]["field"] == "text"
    assert room["build"].call("get", f"/sessions/{room['build'].session_id}/questions") == []


def test_portfolio_link_must_be_a_web_address(room: dict[str, Any]) -> None:
    error = refused(room["phone"], "share_portfolio", {"id": "portfolio-1", "url": "javascript:alert(1)"})
    assert error["code"] == "bad_url"


def test_storage_failure_is_answered_so_the_client_keeps_the_write(
    room: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr(live, "candidate_action", broken)
    ack = room["phone"].emit(
        "ask_question", {"id": "question-03", "text": "Is there a break?"}, callback=True
    )
    assert ack == {
        "ok": False,
        "error": {
            "code": "unavailable",
            "message": "The server could not store that just now; it will be sent again.",
        },
    }
