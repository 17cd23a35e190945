"""Socket payloads over real connections are read strictly: a value of the wrong JSON type, an
extra argument, a payload nested too deep or one too large each gets an error acknowledgement
within a second, in plain words, and nothing changes; the connection stays usable."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import requests
import socketio

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import make_user
from ..live_server import LiveServer
from ..phones import Device


@dataclass
class Room:
    build: SessionBuilder
    lead: Device
    tablet: Device
    phone: Device
    exercise_id: str
    candidate_id: str

    def log_length(self) -> int:
        return len(self.build.call("get", f"/sessions/{self.build.session_id}/events", expect=200))


@pytest.fixture
def room(live: LiveServer, live_token: str, r: redis.Redis) -> Iterator[Room]:
    """A live session with an exercise running, a facilitator, an observer and a phone connected."""
    build = SessionBuilder(requests.Session(), live_token, prefix=live.url).create()
    observer = make_user(r, "obi@example.com", "observer")
    build.call("post", f"/sessions/{build.session_id}/panel", {"email": observer.email}, expect=201)
    build.state("open")
    ada = build.join("Ada")
    build.join("Grace")
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    sid = build.session_id
    lead = Device(live.url, sid, api_token=live_token).connect()
    tablet = Device(live.url, sid, api_token=user_store.issue_api_token(r, observer.id)).connect()
    phone = Device(live.url, sid, token=ada["token"]).connect()
    for device in (lead, tablet, phone):
        device.resume()
    yield Room(build, lead, tablet, phone, exercise_id, ada["candidate_id"])
    for device in (lead, tablet, phone):
        device.disconnect()


def refused(device: Device, event: str, *args: Any) -> dict[str, Any]:
    """Send `event` with `args` and return its error, checking it came back within a second."""
    started = time.monotonic()
    ack = device.client.call(event, args if len(args) != 1 else args[0], timeout=5)
    assert time.monotonic() - started < 1, f"{event} took {time.monotonic() - started:.2f}s"
    assert ack["ok"] is False, ack
    assert "Input should" not in ack["error"]["message"]
    return ack["error"]  # type: ignore[no-any-return]


def nested(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = {"a": value}
    return value


WHOLE = "Extra time must be a whole number."

# (who sends it, event, payload with {ex} and {cid} filled in, the sentence the sender reads)
WRONG_TYPES = [
    ("lead", "lock_lobby", {"locked": "yes"}, "Lobby lock must be true or false."),
    ("lead", "lock_lobby", {"locked": 0}, "Lobby lock must be true or false."),
    ("lead", "extend_exercise", {"exercise_id": "{ex}", "minutes": "5"}, WHOLE),
    ("lead", "extend_exercise", {"exercise_id": "{ex}", "minutes": 5.0}, WHOLE),
    ("lead", "extend_exercise", {"exercise_id": "{ex}", "minutes": 1.5}, WHOLE),
    ("lead", "announce", {"text": 5}, "Announcement must be text."),
    ("lead", "announce", {"text": "Hi", "group_id": 3}, "Group must be text."),
    ("lead", "move_candidate", {"exercise_id": "{ex}", "candidate_id": True}, "Candidate must be text."),
    ("lead", "assign_observers", {"exercise_id": "{ex}", "observer_ids": "obi"}, "Observers must be a list."),
    ("tablet", "record_observation", {"exercise_id": "{ex}", "candidate_id": "{cid}", "recorded_at": "12"},
     "Time recorded must be a number."),
    ("tablet", "record_observation", {"exercise_id": "{ex}", "candidate_id": "{cid}", "note": ["n"]},
     "Note must be text."),
    ("tablet", "rate_candidate", {"exercise_id": "{ex}", "candidate_id": "{cid}",
                                  "scores": {"teamwork": {"score": "3"}}},
     "Score for teamwork must be a whole number."),
    ("tablet", "rate_candidate", {"exercise_id": "{ex}", "candidate_id": "{cid}", "submit": "yes"},
     "Submit must be true or false."),
    ("phone", "ask_question", {"text": 42}, "Question must be text."),
    ("phone", "submit_group_output", {"exercise_id": "{ex}", "text": {"answer": "x"}},
     "Group output must be text."),
]  # fmt: skip


def filled(value: Any, room: Room) -> Any:
    if isinstance(value, dict):
        return {k: filled(v, room) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(ex=room.exercise_id, cid=room.candidate_id)
    return value


@pytest.mark.parametrize(("who", "event", "payload", "message"), WRONG_TYPES)
def test_a_value_of_the_wrong_json_type_is_refused_and_changes_nothing(
    room: Room, who: str, event: str, payload: dict[str, Any], message: str
) -> None:
    before = room.log_length()
    error = refused(getattr(room, who), event, {"id": f"strict-{event}", **filled(payload, room)})
    assert error["code"] == "invalid"
    assert error["message"] == message
    assert room.log_length() == before


def test_resume_refuses_a_last_seq_sent_as_text(room: Room) -> None:
    error = refused(room.phone, "resume", {"last_seq": "3"})
    assert error["message"] == "Last event number must be a whole number."


def test_the_right_types_are_still_accepted(room: Room) -> None:
    ack = room.lead.call(
        "extend_exercise", {"id": "extend-ok-1", "exercise_id": room.exercise_id, "minutes": 5}
    )
    assert ack["ok"], ack
    # A whole number is a number: a tap's time may arrive without a fraction.
    tap = {
        "id": "obs-strict-ok",
        "exercise_id": room.exercise_id,
        "candidate_id": room.candidate_id,
        "note": "Led",
    }
    ack = room.tablet.call("record_observation", {**tap, "recorded_at": int(time.time())})
    assert ack["ok"], ack


def test_an_extra_argument_gets_an_error_and_nothing_is_announced(room: Room) -> None:
    before = room.log_length()
    error = refused(room.lead, "announce", {"id": "announce-extra", "text": "Lunch at one"}, "extra")
    assert error["code"] == "invalid" and "takes one object" in error["message"]
    for event, payload in (("resume", {"last_seq": 0}), ("sync_clock", {})):
        assert "takes one object" in refused(room.phone, event, payload, {"more": 1})["message"]
    time.sleep(0.2)
    assert room.phone.of("announcement_made") == []
    assert room.log_length() == before


def test_a_payload_nested_too_deep_gets_an_error(room: Room) -> None:
    before = room.log_length()
    for device, event, payload in (
        (room.lead, "announce", {"id": "announce-deep", "text": nested(200)}),
        (room.phone, "ask_question", {"id": "question-deep", "text": "Hi", "extra": nested(12)}),
        (room.phone, "resume", nested(200)),
    ):
        error = refused(device, event, payload)
        assert error["code"] == "too_deep" and "nested too deeply" in error["message"]
    assert room.log_length() == before


def test_a_payload_over_the_size_limit_gets_an_error_and_the_connection_stays(room: Room) -> None:
    before = room.log_length()
    error = refused(room.lead, "announce", {"id": "announce-huge", "text": "x" * 200_000})
    assert error["code"] == "too_large" and "too large" in error["message"]
    assert room.log_length() == before
    ack = room.lead.call("announce", {"id": "announce-after", "text": "Still here"})
    assert ack["ok"], ack
    room.phone.wait_for("announcement_made")


def test_a_connection_whose_credentials_have_the_wrong_types_is_refused(live: LiveServer, room: Room) -> None:
    for auth in ({"session_id": 12345}, {"session_id": room.build.session_id, "token": ["x" * 20]}):
        device = Device(live.url, "unused")
        device.auth = auth  # type: ignore[assignment]
        with pytest.raises(socketio.exceptions.ConnectionError):
            device.connect()
        assert device.refusal is not None and device.refusal["data"]["code"] == "invalid", device.refusal
