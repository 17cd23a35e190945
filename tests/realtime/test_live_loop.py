"""The live loop against a running server: 30 phones, groups, roles, replay after a drop."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from ..builders import SessionBuilder
from ..live_server import LiveServer
from ..phones import Device

STAFF_ONLY = {
    "groups_changed",
    "candidate_checked_in",
    "candidate_presence_changed",
    "candidate_added",
    "session_updated",
}


def test_thirty_phones_each_receive_only_their_own_group_and_role(live: LiveServer, live_token: str) -> None:
    http = requests.Session()
    build = SessionBuilder(http, live_token, prefix=live.url).create()
    build.state("open")
    people = [build.join(f"Candidate {n:02d}") for n in range(30)]
    build.state("live")
    exercise_id = build.exercises()[0]["id"]

    lead = Device(live.url, build.session_id, api_token=live_token).connect()
    lead.resume()
    phones = {
        p["candidate_id"]: Device(live.url, build.session_id, token=p["token"]).connect() for p in people
    }
    for phone in phones.values():
        assert phone.resume()["snapshot"]["exercise"] is None

    ack = lead.call("form_groups", {"id": "form-0001", "exercise_id": exercise_id})
    assert ack["ok"], ack
    sleeper_id = people[7]["candidate_id"]
    sleeper = phones.pop(sleeper_id)
    last_seen = sleeper.max_seq()
    sleeper.disconnect()

    ack = lead.call("start_exercise", {"id": "start-0001", "exercise_id": exercise_id})
    assert ack["ok"], ack

    setup = build.call("get", f"/sessions/{build.session_id}", expect=200)["setup"]
    groups = setup["runs"][exercise_id]["groups"]
    roles = {b["title"] for b in setup["exercises"][0]["role_briefs"]}
    group_of = {m: g for g in groups for m in g["members"]}
    sizes = [len(g["members"]) for g in groups]
    assert sum(sizes) == 30 and max(sizes) - min(sizes) <= 1 and set(sizes) <= {3, 4, 5}

    def check_assignment(candidate_id: str, assignment: dict) -> None:
        expected = group_of[candidate_id]
        assert assignment["group"]["id"] == expected["id"]
        assert sorted(m["id"] for m in assignment["group"]["members"]) == sorted(expected["members"])
        role_index = expected["roles"].get(candidate_id)
        if role_index is None:
            assert assignment["role"] is None
        else:
            assert assignment["role"]["title"] == setup["exercises"][0]["role_briefs"][role_index]["title"]

    for phone in phones.values():
        phone.wait_for("group_assigned")
        phone.wait_for("exercise_started")
    lead.wait_for("groups_changed", count=2)
    for candidate_id, phone in phones.items():
        (assigned,) = phone.of("group_assigned")
        check_assignment(candidate_id, assigned["data"])
        assert len(phone.of("exercise_started")) == 1
        assert not STAFF_ONLY & set(phone.names()), phone.names()
        other_roles = {
            e["data"]["role"]["title"] for e in phone.of("group_assigned") if e["data"]["role"]
        } - roles
        assert not other_roles

    # The phone that slept through the start wakes up and catches up by replay.
    woken = Device(live.url, build.session_id, token=people[7]["token"]).connect()
    result = woken.resume(last_seen)
    assert "snapshot" not in result
    replayed = {e["type"]: e for e in result["events"]}
    assert replayed["exercise_started"]["data"]["id"] == exercise_id
    check_assignment(sleeper_id, replayed["group_assigned"]["data"])
    assert [e["type"] for e in result["events"]].count("group_assigned") == 1
    assert not STAFF_ONLY & set(replayed)

    # A phone with no memory (a reload) gets a snapshot showing the same exercise.
    fresh = Device(live.url, build.session_id, token=people[7]["token"]).connect()
    snapshot = fresh.resume(0)["snapshot"]
    assert snapshot["exercise"]["id"] == exercise_id and snapshot["exercise"]["timer"]["ends_at"] > 0
    check_assignment(sleeper_id, snapshot["assignment"])

    for device in [lead, woken, fresh, *phones.values()]:
        device.disconnect()


def test_retried_command_is_applied_once(live: LiveServer, live_token: str) -> None:
    http = requests.Session()
    build = SessionBuilder(http, live_token, prefix=live.url).create()
    build.state("open")
    person = build.join("Ada Lovelace")
    build.state("live")
    phone = Device(live.url, build.session_id, token=person["token"]).connect()
    phone.resume()
    lead = Device(live.url, build.session_id, api_token=live_token).connect()
    lead.resume()
    first = phone.call("ask_question", {"id": "question-001", "text": "Can we use a whiteboard?"})
    again = phone.call("ask_question", {"id": "question-001", "text": "Can we use a whiteboard?"})
    assert first["ok"] and again["ok"] and again["replayed"] is True
    questions = build.call("get", f"/sessions/{build.session_id}/questions", expect=200)
    assert len(questions) == 1
    lead.wait_for("question_asked")
    assert len(lead.of("question_asked")) == 1
    phone.disconnect()
    lead.disconnect()


def test_removed_candidate_is_told_then_cut_off_and_refused_with_a_reason(
    live: LiveServer, live_token: str
) -> None:
    build = SessionBuilder(requests.Session(), live_token, prefix=live.url).create()
    build.state("open")
    ada, grace = build.join("Ada Lovelace"), build.join("Grace Hopper")
    phone = Device(live.url, build.session_id, token=ada["token"]).connect()
    phone.resume()
    other = Device(live.url, build.session_id, token=grace["token"]).connect()
    other.resume()
    build.call("delete", f"/sessions/{build.session_id}/candidates/{ada['candidate_id']}", expect=200)
    phone.wait_for("candidate_removed")
    deadline = time.monotonic() + 10
    while phone.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not phone.client.connected
    assert other.client.connected

    build.call(
        "post", f"/sessions/{build.session_id}/announcements", {"text": "Welcome, everyone"}, expect=201
    )
    other.wait_for("announcement_made")
    assert not phone.of("announcement_made")

    again = Device(live.url, build.session_id, token=ada["token"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        again.connect()
    assert again.refusal["data"] == {"code": "removed", "message": "You have been removed from this session."}
    other.disconnect()
