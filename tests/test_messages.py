"""Every staff and candidate form, a sample of API bodies and socket payloads, sent with bad
input: each message names the field in plain words and none repeats the validator's wording."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import socketio

from .builders import EXERCISE, SessionBuilder
from .conftest import PASSWORD, make_user
from .panel_helpers import Panel, running_panel

# What pydantic says when its messages leak through; a person should never read these.
VALIDATOR_WORDING = (
    "Input should",
    "String should",
    "List should",
    "Field required",
    "Value error",
    "validation error",
    "type=",
    "Extra inputs",
    "greater than or equal",
    "less than or equal",
    "unable to parse",
    "errors.pydantic.dev",
)
MESSAGE_CLASSES = {
    "field-error",
    "error-summary",
    "notice",
    "flash",
    "setup-note",
    "phone-error",
    "phone-alert",
}


class Messages(HTMLParser):
    """The text of every element a page uses to tell the user something went wrong (or right)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[int] = []  # depth of each message element being read
        self.depth = 0
        self.found: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "br", "img", "meta", "link", "hr"):
            return
        self.depth += 1
        if MESSAGE_CLASSES & set((dict(attrs).get("class") or "").split()):
            self.open.append(self.depth)
            self.found.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("input", "br", "img", "meta", "link", "hr"):
            return
        if self.open and self.open[-1] == self.depth:
            self.open.pop()
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.open:
            self.found[-1].append(data)


def messages_on(page: str) -> list[str]:
    """What the page's messages say, one string each."""
    parser = Messages()
    parser.feed(page)
    return [" ".join("".join(parts).split()) for parts in parser.found if "".join(parts).strip()]


def assert_plain(messages: list[str], *expected: str) -> None:
    """There are messages, none in validator wording, and the expected sentences are among them."""
    assert messages, "nothing told the user what was wrong"
    for message in messages:
        for phrase in VALIDATOR_WORDING:
            assert phrase.lower() not in message.lower(), message
    said = " ".join(messages)
    for sentence in expected:
        assert sentence in said, (sentence, messages)


def form_messages(response: Any) -> list[str]:
    return messages_on(response.get_data(as_text=True))


@pytest.fixture
def build(signed_in: FlaskClient, api_token: str) -> SessionBuilder:
    return SessionBuilder(signed_in, api_token).create()


# Staff forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "  "}, "Title is required."),
        ({"title": "x" * 121}, "Title is too long: at most 120 characters."),
        ({"title": "Centre", "role": "r" * 121}, "Role is too long: at most 120 characters."),
        ({"title": "Centre", "location": "l" * 121}, "Location is too long: at most 120 characters."),
        ({"title": "Centre", "scheduled_start": "next Tuesday"}, "Scheduled start is not a valid date"),
        ({"title": "Centre", "competency_ids": ["no such!"]}, "Competency 1 is not valid"),
    ],
)
def test_session_details_form(signed_in: FlaskClient, fields: dict[str, Any], expected: str) -> None:
    response = signed_in.post("/sessions/new", data=fields)
    assert response.status_code == 400
    assert_plain(form_messages(response), expected)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": ""}, "Title is required."),
        ({"duration_minutes": "0"}, "Duration must be at least 1 minute."),
        ({"duration_minutes": "481"}, "Duration must be at most 480 minutes."),
        ({"duration_minutes": "ten"}, "Duration must be a whole number."),
        ({"group_size": "51"}, "Group size must be at most 50 people."),
        ({"group_size": "2.5"}, "Group size must be a whole number."),
        ({"brief": "x" * 20_001}, "Brief is too long: at most 20000 characters."),
        ({"output_prompt": "x" * 2001}, "Group output is too long: at most 2000 characters."),
        ({"role_title_0": "Chair", "role_body_1": "No title here"}, "Title of role 2 is required."),
        ({"role_title_3": "r" * 121}, "Title of role 4 is too long: at most 120 characters."),
        ({"kind": "dance-off"}, "Kind must be 'group_discussion'"),
    ],
)
def test_exercise_form(
    signed_in: FlaskClient, build: SessionBuilder, fields: dict[str, str], expected: str
) -> None:
    data = {"title": "Tower", "duration_minutes": "20", "group_size": "4", **fields}
    response = signed_in.post(f"/sessions/{build.session_id}/exercises/new", data=data)
    assert response.status_code == 400
    assert_plain(form_messages(response), expected)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"part": "one", "name": ""}, "Name is required."),
        ({"part": "one", "name": "x" * 81}, "Name is too long: at most 80 characters."),
        ({"part": "one", "name": "Ada", "email": "ada@"}, "Email is not a valid email address"),
        ({"part": "import", "names": "Ada\nLinus, linus@"}, "Line 2"),
        ({"part": "import", "names": "x" * 81}, "Name is too long: at most 80 characters."),
    ],
)
def test_roster_forms(
    signed_in: FlaskClient, build: SessionBuilder, fields: dict[str, str], expected: str
) -> None:
    signed_in.post(f"/sessions/{build.session_id}/roster", data=fields)
    page = signed_in.get(f"/sessions/{build.session_id}").get_data(as_text=True)
    assert_plain(messages_on(page), expected)


def test_login_form(client: FlaskClient, facilitator_user: Any) -> None:
    response = client.post("/login", data={"email": facilitator_user.email, "password": "wrong"})
    assert response.status_code == 401
    assert_plain(form_messages(response), "That email and password do not match an account.")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ""}, "Name is required."),
        ({"name": "n" * 121}, "Name is too long: at most 120 characters."),
        ({"name": "Stakeholders", "indicators": "+ " + "i" * 201}, "Indicator 1 is too long: at most 200"),
        ({"name": "Stakeholders", "anchor_3": "a" * 2001}, "Point 3 of the rating scale is too long"),
        ({"name": "Stakeholders", "description": "d" * 2001}, "Description is too long"),
    ],
)
def test_library_competency_form(signed_in: FlaskClient, fields: dict[str, str], expected: str) -> None:
    response = signed_in.post("/library/new", data=fields)
    assert response.status_code == 400
    assert_plain(form_messages(response), expected)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ""}, "Name is required."),
        ({"email": "morgan"}, "Email is not a valid email address"),
        ({"role": "boss"}, "Account type must be 'admin', 'facilitator' or 'observer'."),
        ({"password": "short"}, "Password is too short: at least 10 characters."),
        ({"name": "m" * 81}, "Name is too long: at most 80 characters."),
    ],
)
def test_staff_account_form(
    client: FlaskClient, r: redis.Redis, fields: dict[str, str], expected: str
) -> None:
    admin = make_user(r, "root@example.com", "admin")
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    data = {
        "name": "Morgan",
        "email": "morgan@example.com",
        "role": "observer",
        "password": "long enough pass",
    }
    response = client.post("/staff/", data={**data, **fields})
    assert response.status_code == 400
    assert_plain(form_messages(response), expected)


def test_panel_add_form(signed_in: FlaskClient, build: SessionBuilder) -> None:
    signed_in.post(f"/sessions/{build.session_id}/panel", data={"user_id": "nobody-at-all"})
    page = signed_in.get(f"/sessions/{build.session_id}").get_data(as_text=True)
    assert_plain(messages_on(page), "There is no such staff account.")


def test_panel_invite_form(app: Flask, signed_in: FlaskClient, build: SessionBuilder) -> None:
    url = build.call("post", f"/sessions/{build.session_id}/panel/invites", expect=201)["url"]
    stranger = app.test_client()
    response = stranger.post(
        url.split("localhost", 1)[1], data={"name": "", "email": "casey", "password": "short"}
    )
    assert_plain(
        form_messages(response),
        "Enter a valid email address.",
        "Enter your name (80 characters at most).",
        "Choose a password of at least 10 characters.",
    )


# The candidate's join form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"code": "", "name": "Ada"}, "Join code is required."),
        ({"name": ""}, "Name is required."),
        ({"name": "x" * 81}, "Name is too long: at most 80 characters."),
        ({"code": "C" * 21, "name": "Ada"}, "Join code is too long: at most 20 characters."),
    ],
)
def test_join_form(app: Flask, build: SessionBuilder, fields: dict[str, str], expected: str) -> None:
    build.state("open")
    response = app.test_client().post("/join", data={"code": build.join_code, **fields})
    assert response.status_code == 400
    assert_plain(form_messages(response), expected)


# The JSON API -------------------------------------------------------------------------------


def api_problems(refused: dict[str, Any]) -> list[str]:
    error = refused["error"]
    return [error["message"], *(f["problem"] for f in error.get("fields", []))]


@pytest.mark.parametrize(
    ("path", "body", "field", "expected"),
    [
        ("/sessions", {"title": ""}, "title", "Title is required."),
        ("/sessions", {"title": "T", "force": True}, "force", "There is no field called “force”"),
        ("/sessions/{sid}/exercises", {**EXERCISE, "duration_minutes": 0}, "duration_minutes",
         "Duration must be at least 1 minute."),
        ("/sessions/{sid}/exercises", {**EXERCISE, "group_size": "many"}, "group_size",
         "Group size must be a whole number."),
        ("/sessions/{sid}/exercises", {**EXERCISE, "role_briefs": [{"title": ""}]}, "role_briefs.0.title",
         "Title of role 1 is required."),
        ("/sessions/{sid}/candidates", {"candidates": []}, "candidates", "Candidates: at least 1 needed."),
        ("/sessions/{sid}/candidates", {"candidates": [{"name": "Ada", "email": "ada"}]},
         "candidates.0.email", "Email of candidate 1 is not a valid email address"),
        ("/sessions/{sid}/state", {"state": "teleported"}, "state", "State must be 'draft'"),
        ("/join", {"code": "ABC", "name": "x" * 81, "accept_privacy_notice": True}, "name",
         "Name is too long: at most 80 characters."),
        ("/join", {"code": "ABC", "name": "Ada"}, "accept_privacy_notice", "Privacy notice is required."),
    ],
)  # fmt: skip
def test_api_bodies(
    build: SessionBuilder, path: str, body: dict[str, Any], field: str, expected: str
) -> None:
    refused = build.call("post", path.format(sid=build.session_id), body, expect=422)
    assert refused["error"]["code"] == "invalid"
    assert any(f["field"] == field for f in refused["error"]["fields"]), refused
    assert_plain(api_problems(refused), expected)


def test_api_roster_import_names_the_line(build: SessionBuilder) -> None:
    refused = build.call(
        "post", f"/sessions/{build.session_id}/candidates/import", {"text": "Ada\nLinus, linus@"}, expect=400
    )
    assert_plain(api_problems(refused), "Line 2 (“Linus, linus@”): Email is not a valid email address")


@pytest.fixture
def panel(client: FlaskClient, r: redis.Redis, api_token: str) -> Panel:
    return running_panel(client, r, api_token)


def test_api_evidence_bodies(panel: Panel) -> None:
    candidate = panel.people[0]["candidate_id"]
    refused = panel.a.call(
        "post",
        f"/sessions/{panel.sid}/observations",
        {"id": "obs-000001", "exercise_id": panel.exercise_id, "candidate_id": candidate, "note": "n" * 1001},
        expect=422,
    )
    assert_plain(api_problems(refused), "Note is too long: at most 1000 characters.")
    extend = panel.build.call(
        "post", f"/sessions/{panel.sid}/exercises/{panel.exercise_id}/extend", {"minutes": 500}, expect=422
    )
    assert_plain(api_problems(extend), "Extra time must be at most 120 minutes.")
    panel.end()
    rating = panel.a.call(
        "put",
        f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{candidate}",
        {"scores": {"teamwork": {"score": 0}}},
        expect=422,
    )
    assert_plain(api_problems(rating), "Score for teamwork must be at least 1.")


# Socket acknowledgements ----------------------------------------------------------------------


def refused_ack(client: Any, event: str, payload: Any) -> list[str]:
    ack = client.emit(event, payload, callback=True)
    assert ack["ok"] is False, ack
    return api_problems(ack)


def test_socket_payloads(app: Flask, panel: Panel, api_token: str) -> None:
    lead = socketio.test_client(app, auth={"session_id": panel.sid, "api_token": api_token})
    phone = socketio.test_client(app, auth={"session_id": panel.sid, "token": panel.people[0]["token"]})
    observer_token = panel.a.headers["Authorization"].split(" ", 1)[1]
    tablet = socketio.test_client(app, auth={"session_id": panel.sid, "api_token": observer_token})
    exercise, candidate = panel.exercise_id, panel.people[0]["candidate_id"]

    assert_plain(refused_ack(lead, "start_exercise", {"exercise_id": exercise}), "Request id is required.")
    assert_plain(
        refused_ack(lead, "start_exercise", {"id": "short", "exercise_id": exercise}),
        "Request id is not valid: use 8 to 64 letters, digits, hyphens or underscores.",
    )
    assert_plain(
        refused_ack(lead, "extend_exercise", {"id": "extend-0001", "exercise_id": exercise, "minutes": 0}),
        "Extra time must be at least 1 minute.",
    )
    assert_plain(
        refused_ack(lead, "announce", {"id": "announce-01", "text": " "}), "Announcement is required."
    )
    assert_plain(
        refused_ack(phone, "ask_question", {"id": "question-01", "text": "q" * 501}),
        "Question is too long: at most 500 characters.",
    )
    assert_plain(refused_ack(phone, "resume", {"last_seq": -1}), "Last event number must be at least 0.")
    assert_plain(
        refused_ack(
            tablet,
            "record_observation",
            {"id": "obs-000002", "exercise_id": exercise, "candidate_id": candidate, "note": "n" * 1001},
        ),
        "Note is too long: at most 1000 characters.",
    )
    assert_plain(
        refused_ack(
            tablet,
            "rate_candidate",
            {
                "id": "rate-000001",
                "exercise_id": exercise,
                "candidate_id": candidate,
                "scores": {"teamwork": {"score": 9}},
            },
        ),
        "Score for teamwork must be at most 5.",
    )
    assert_plain(
        refused_ack(lead, "lock_lobby", {"id": "lock-000001", "locked": "maybe", "colour": "red"}),
        "Lobby lock must be true or false.",
        "There is no field called “colour”",
    )
