"""A session brought to any state with something for every event to act on, and the people of
the issue's list of roles, for sending every event from every role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from facilitator.extensions import socketio
from facilitator.store import users as user_store
from facilitator.store.users import StaffUser

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user

STATES = ("draft", "open", "live", "ended", "review", "decided", "archived")
SCORES = {c: {"score": 3, "evidence": "Summarised the group's view"} for c in ("teamwork", "communication")}


@dataclass
class Staff:
    """The staff accounts, each with an API token; the owner is the facilitator who builds."""

    owner: StaffUser
    admin: StaffUser
    other_facilitator: StaffUser
    observer: StaffUser
    stranger: StaffUser
    tokens: dict[str, str] = field(default_factory=dict)


def make_staff(r: redis.Redis, owner: StaffUser, owner_token: str) -> Staff:
    """An admin, a facilitator who does not own the session, an observer for the panel and
    an observer who is not on it, beside the owner."""
    staff = Staff(
        owner=owner,
        admin=make_user(r, "ada.admin@example.com", "admin"),
        other_facilitator=make_user(r, "felix@example.com", "facilitator"),
        observer=make_user(r, "alex@example.com", "observer"),
        stranger=make_user(r, "olive@example.com", "observer"),
    )
    staff.tokens["owner"] = owner_token
    for role in ("admin", "other_facilitator", "observer", "stranger"):
        staff.tokens[role] = user_store.issue_api_token(r, getattr(staff, role).id)
    return staff


@dataclass
class Scene:
    """One session and the ids every event needs."""

    build: SessionBuilder
    staff: Staff
    state: str
    exercises: list[str]
    people: dict[str, dict[str, Any]]  # Ada, Grace, Lin (checked in), Sam (removed)
    other: dict[str, Any]  # a candidate of another session, joined there
    question_id: str = ""
    admission_id: str = ""
    paused: bool = False

    @property
    def sid(self) -> str:
        return self.build.session_id

    def candidate(self, name: str) -> str:
        return str(self.people[name]["candidate_id"])


def _api_as(client: FlaskClient, token: str, session_id: str) -> SessionBuilder:
    as_them = SessionBuilder(client, token)
    as_them.session_id = session_id
    return as_them


def build_scene(
    app: Flask, client: FlaskClient, staff: Staff, state: str, *, started: bool = True, paused: bool = False
) -> Scene:
    """A session in `state`. From live on: the first exercise ran and ended (every panel member
    watched Ada and Grace and wrote one observation of Ada; Alex submitted Ada's rating), the
    third is grouped but not started, and, while live, the second runs (unless not `started`,
    or `paused`). Ada asked a question; a phone claiming Ada's name waits to be let in."""
    build = SessionBuilder(client, staff.tokens["owner"]).create(exercises=3)
    sid = build.session_id
    for member in (staff.observer, staff.owner, staff.admin):
        build.call("post", f"/sessions/{sid}/panel", {"email": member.email}, expect=201)
    exercises = [e["id"] for e in build.exercises()]
    build.state("open")
    people = {name: build.join(name) for name in ("Ada", "Grace", "Lin", "Sam")}
    build.call("delete", f"/sessions/{sid}/candidates/{people['Sam']['candidate_id']}", expect=200)
    elsewhere = SessionBuilder(client, staff.tokens["owner"]).create()
    elsewhere.state("open")
    scene = Scene(build, staff, state, exercises, people, elsewhere.join("Lin"))
    phone = socketio.test_client(app, auth={"session_id": sid, "token": people["Ada"]["token"]})
    asked = phone.emit(
        "ask_question", {"id": "scene-question-1", "text": "Can we take notes?"}, callback=True
    )
    assert asked["ok"], asked
    phone.disconnect()
    scene.question_id = "scene-question-1"
    waiting = client.post(
        "/api/v1/join", json={"code": build.join_code, "name": "Ada", "accept_privacy_notice": True}
    )
    assert waiting.get_json()["status"] == "waiting", waiting.get_json()
    scene.admission_id = build.call("get", f"/sessions/{sid}/admissions", expect=200)[0]["id"]
    if state in ("draft", "open"):
        if state == "draft":
            build.state("draft")
        return scene
    build.state("live")
    if not started:
        return scene
    first, second, third = exercises
    build.call("post", f"/sessions/{sid}/exercises/{first}/start", expect=200)
    panel = [staff.observer.id, staff.owner.id, staff.admin.id]
    for name in ("Ada", "Grace"):
        body = {"candidate_id": scene.candidate(name), "observer_ids": panel}
        build.call("put", f"/sessions/{sid}/exercises/{first}/observers", body, expect=200)
    for role in ("observer", "owner", "admin"):
        body = {
            "id": f"obs-{role}-0001",
            "exercise_id": first,
            "candidate_id": scene.candidate("Ada"),
            "note": "Drew in the quiet ones",
        }
        _api_as(client, staff.tokens[role], sid).call(
            "post", f"/sessions/{sid}/observations", body, expect=201
        )
    build.call("post", f"/sessions/{sid}/exercises/{first}/end", expect=200)
    rating = {"scores": SCORES, "submit": True}
    alex = _api_as(client, staff.tokens["observer"], sid)
    alex.call("put", f"/sessions/{sid}/ratings/{first}/{scene.candidate('Ada')}", rating, expect=200)
    build.call("post", f"/sessions/{sid}/exercises/{third}/groups", expect=200)
    build.call("post", f"/sessions/{sid}/exercises/{second}/start", expect=200)
    if paused:
        build.call("post", f"/sessions/{sid}/exercises/{second}/pause", expect=200)
        scene.paused = True
    if state == "live":
        return scene
    if paused:
        build.call("post", f"/sessions/{sid}/exercises/{second}/resume", expect=200)
    build.call("post", f"/sessions/{sid}/exercises/{second}/end", expect=200)
    for target in STATES[STATES.index("ended") : STATES.index(state) + 1]:
        if target == "decided":
            for name in ("Ada", "Grace", "Lin"):
                decision = {
                    "candidate_id": scene.candidate(name),
                    "outcome": "hold",
                    "rationale": "Close call",
                }
                build.call("post", f"/sessions/{sid}/decisions", decision, expect=201)
        build.state(target, confirm=True)
    return scene


# Which scene an event can succeed in, and a payload for it there (`n` keeps ids fresh).
Payload = Callable[[Scene, int], dict[str, Any]]


def _id(name: str, n: int) -> str:
    return f"{name.replace('_', '-')[:40]}-{n:06d}"


PAYLOADS: dict[str, tuple[dict[str, Any], Payload]] = {
    "resume": ({"state": "live"}, lambda s, n: {"last_seq": 0}),
    "sync_clock": ({"state": "live"}, lambda s, n: {}),
    "form_groups": ({"state": "live"}, lambda s, n: {"id": _id("form", n), "exercise_id": s.exercises[2]}),
    "move_candidate": (
        {"state": "live"},
        lambda s, n: {
            "id": _id("move", n),
            "exercise_id": s.exercises[2],
            "candidate_id": s.candidate("Lin"),
            "group_id": None,
        },
    ),
    "start_exercise": (
        {"state": "live", "started": False},
        lambda s, n: {"id": _id("start", n), "exercise_id": s.exercises[0]},
    ),
    "pause_exercise": (
        {"state": "live"},
        lambda s, n: {"id": _id("pause", n), "exercise_id": s.exercises[1]},
    ),
    "resume_exercise": (
        {"state": "live", "paused": True},
        lambda s, n: {"id": _id("resume", n), "exercise_id": s.exercises[1]},
    ),
    "extend_exercise": (
        {"state": "live"},
        lambda s, n: {"id": _id("extend", n), "exercise_id": s.exercises[1], "minutes": 5},
    ),
    "end_exercise": ({"state": "live"}, lambda s, n: {"id": _id("end", n), "exercise_id": s.exercises[1]}),
    "remove_candidate": (
        {"state": "live"},
        lambda s, n: {"id": _id("remove", n), "candidate_id": s.candidate("Lin")},
    ),
    "lock_lobby": ({"state": "live"}, lambda s, n: {"id": _id("lock", n), "locked": True}),
    "announce": ({"state": "live"}, lambda s, n: {"id": _id("announce", n), "text": "Ten minutes left"}),
    "answer_question": (
        {"state": "live"},
        lambda s, n: {"id": _id("answer", n), "question_id": s.question_id, "answer": "Yes"},
    ),
    "assign_observers": (
        {"state": "live"},
        lambda s, n: {
            "id": _id("assign", n),
            "exercise_id": s.exercises[2],
            "candidate_id": None,
            "observer_ids": [],
        },
    ),
    "nudge_observer": (
        {"state": "live"},
        lambda s, n: {"id": _id("nudge", n), "observer_id": s.staff.observer.id},
    ),
    "admit_candidate": (
        {"state": "live"},
        lambda s, n: {
            "id": _id("admit", n),
            "admission_id": s.admission_id,
            "candidate_id": s.candidate("Ada"),
        },
    ),
    "refuse_admission": (
        {"state": "live"},
        lambda s, n: {"id": _id("refuse", n), "admission_id": s.admission_id},
    ),
    "move_washup": (
        {"state": "review"},
        lambda s, n: {
            "id": _id("washup", n),
            "order": None,
            "candidate_id": s.candidate("Ada"),
            "stage": "ratings",
        },
    ),
    "record_consensus": (
        {"state": "review"},
        lambda s, n: {
            "id": _id("consensus", n),
            "candidate_id": s.candidate("Ada"),
            "competency_id": "teamwork",
            "score": 3,
        },
    ),
    "record_decision": (
        {"state": "review"},
        lambda s, n: {
            "id": _id("decision", n),
            "candidate_id": s.candidate("Ada"),
            "outcome": "hold",
            "rationale": "Wait for references",
        },
    ),
    "reopen_rating": (
        {"state": "review"},
        lambda s, n: {
            "id": _id("reopen", n),
            "exercise_id": s.exercises[0],
            "candidate_id": s.candidate("Ada"),
            "observer_id": s.staff.observer.id,
            "reason": "Missed the second half",
        },
    ),
    "ask_question": ({"state": "live"}, lambda s, n: {"id": _id("question", n), "text": "Is there a break?"}),
    "share_portfolio": (
        {"state": "live"},
        lambda s, n: {"id": _id("portfolio", n), "url": "https://example.org/ada"},
    ),
    "submit_group_output": (
        {"state": "live"},
        lambda s, n: {"id": _id("output", n), "exercise_id": s.exercises[1], "text": "1. Mirror"},
    ),
    "record_observation": (
        {"state": "live"},
        lambda s, n: {
            "id": _id("observation", n),
            "exercise_id": s.exercises[1],
            "candidate_id": s.candidate("Ada"),
            "note": "Kept time",
        },
    ),
    # Each panel member edits and deletes the observation they wrote (see `sender_key`).
    "edit_observation": (
        {"state": "live"},
        lambda s, n: {"id": _id("edit", n), "observation_id": "", "note": "Kept time well"},
    ),
    "delete_observation": ({"state": "live"}, lambda s, n: {"id": _id("delete", n), "observation_id": ""}),
    "rate_candidate": (
        {"state": "live"},
        lambda s, n: {
            "id": _id("rate", n),
            "exercise_id": s.exercises[0],
            "candidate_id": s.candidate("Grace"),
            "scores": {"teamwork": {"score": 4, "evidence": "Built on ideas"}},
        },
    ),
    "read_evidence": (
        {"state": "live"},
        lambda s, n: {"exercise_id": s.exercises[0], "candidate_id": s.candidate("Ada")},
    ),
}


def payload_for(event: str, scene: Scene, n: int, sender: str) -> dict[str, Any]:
    """A well-formed payload for `event` in `scene`, as `sender` (a role of `ROLES`) sends it."""
    payload = PAYLOADS[event][1](scene, n)
    if "observation_id" in payload:
        payload["observation_id"] = f"obs-{sender if sender in ('owner', 'admin') else 'observer'}-0001"
    return payload


# The issue's roles, and how each opens a socket to the scene's session.
ROLES = (
    "anonymous",
    "candidate",
    "other_candidate",
    "removed_candidate",
    "stranger_observer",
    "panel_observer",
    "other_facilitator",
    "owner",
    "admin",
    "expired_invite",
    "signed_out",
)


def socket_for(app: Flask, scene: Scene, role: str, **extra: Any) -> SocketIOTestClient:
    """A socket of `role` to the scene's session (cookie roles are made in the tests)."""
    sid, tokens = scene.sid, scene.staff.tokens
    auth: dict[str, Any] = {"session_id": sid}
    if role == "candidate":
        auth["token"] = scene.people["Ada"]["token"]
    elif role == "other_candidate":
        auth["token"] = scene.other["token"]
    elif role == "removed_candidate":
        auth["token"] = scene.people["Sam"]["token"]
    elif role in ("stranger_observer", "expired_invite"):
        auth["api_token"] = tokens["stranger"]
    elif role == "panel_observer":
        auth["api_token"] = tokens["observer"]
    elif role in ("other_facilitator", "owner", "admin"):
        auth["api_token"] = tokens[role]
    elif role != "anonymous":
        raise ValueError(role)
    return socketio.test_client(app, auth=auth, **extra)


def signed_in_client(app: Flask, email: str) -> FlaskClient:
    """A browser signed in on the staff login page."""
    browser = app.test_client()
    answer = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return browser
