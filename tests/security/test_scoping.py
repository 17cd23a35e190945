"""Scoping: a facilitator sees and runs only the sessions they own or are given; admins all.

To a facilitator who neither owns a session nor was made its co-facilitator, the session
does not exist: its pages, its API routes and its socket answer as for an id never made, and
the session list names neither it nor its join code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import socketio
from facilitator.store import sessions as session_store
from facilitator.store import users as user_store
from facilitator.web.api import OPERATIONS

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user

OWN_ORIGIN = {"Origin": "http://localhost"}
# Pages that need a query to be more than a form error, whoever asks.
PAGE_QUERIES = {"exports.csv_sheet": "?sheet=summary"}


@dataclass
class World:
    """Fran owns a session with a candidate; Olga is another facilitator; Ada an admin."""

    app: Flask
    build: SessionBuilder
    candidate_id: str
    exercise_id: str
    olga: user_store.StaffUser
    olga_token: str
    ada_token: str

    @property
    def sid(self) -> str:
        return self.build.session_id

    def client_of(self, email: str) -> FlaskClient:
        """A browser signed in as `email`."""
        browser = self.app.test_client()
        assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        return browser


@pytest.fixture
def world(app: Flask, client: FlaskClient, r: redis.Redis, api_token: str) -> World:
    build = SessionBuilder(client, api_token).create()
    build.call("post", f"/sessions/{build.session_id}/candidates", {"candidates": [{"name": "Ada Lovelace"}]})
    candidate_id = build.call("get", f"/sessions/{build.session_id}/candidates", expect=200)[0]["id"]
    olga = make_user(r, "olga@example.com", "facilitator")
    ada = make_user(r, "ada@example.com", "admin")
    return World(
        app,
        build,
        candidate_id,
        build.exercises()[0]["id"],
        olga,
        user_store.issue_api_token(r, olga.id),
        user_store.issue_api_token(r, ada.id),
    )


def _session_pages(app: Flask, world: World) -> list[str]:
    """Every staff page (GET) of a session, with real ids filled in (candidates' pages under
    /s/ are theirs, reached with their own tokens)."""
    ids = {"session_id": world.sid, "candidate_id": world.candidate_id, "exercise_id": world.exercise_id}
    pages = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/sessions/") or "GET" not in (rule.methods or ()):
            continue
        if "session_id" not in rule.arguments or not rule.arguments <= ids.keys():
            continue
        page = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: ids[m.group(1)], rule.rule)
        pages.append(page + PAGE_QUERIES.get(rule.endpoint, ""))
    return pages


def _opens(page: str, status: int) -> bool:
    """Whether a page opened for someone who runs the session (some redirect; the observer's
    tablet is for the panel, so it tells anyone else to join the panel first)."""
    return status in (200, 302) or (page.endswith("/observe") and status == 403)


def _api_routes(world: World) -> list[tuple[str, str]]:
    """Every API route that names a session and reads no body, with real ids filled in."""
    ids = {
        "session_id": world.sid,
        "candidate_id": world.candidate_id,
        "exercise_id": world.exercise_id,
        "user_id": world.olga.id,
    }
    found = []
    for op in OPERATIONS:
        names = set(re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", op.rule))
        if "session_id" in names and names <= ids.keys() and op.body is None:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: ids[m.group(1)], op.rule)
            needed = "&".join(f"{q.name}={q.choices[0]}" for q in op.query if q.required and q.choices)
            found.append((op.method, path + (f"?{needed}" if needed else "")))
    return found


def _api(client: FlaskClient, token: str, method: str, path: str, json: Any = None) -> Any:
    return getattr(client, method)(f"/api/v1{path}", json=json, headers={"Authorization": f"Bearer {token}"})


def test_facilitator_who_does_not_own_a_session_finds_none_of_its_pages(world: World, app: Flask) -> None:
    pages = _session_pages(app, world)
    assert len(pages) >= 15, pages
    olga = world.client_of("olga@example.com")
    fran = world.client_of("fran@example.com")
    for page in pages:
        assert olga.get(page).status_code == 404, page
    # The same pages are there for the owner.
    opened = {page: fran.get(page).status_code for page in pages}
    assert [page for page, code in opened.items() if not _opens(page, code)] == []
    assert list(opened.values()).count(200) >= 10
    dashboard = olga.get("/").get_data(as_text=True)
    assert "Graduate assessment centre" not in dashboard and world.build.join_code not in dashboard


def test_facilitator_who_does_not_own_a_session_finds_none_of_its_api_routes(
    world: World, client: FlaskClient
) -> None:
    routes = _api_routes(world)
    assert len(routes) >= 20, routes
    for method, path in routes:
        answer = _api(client, world.olga_token, method, path)
        assert answer.status_code == 404, (method, path, answer.get_json())
    listed = _api(client, world.olga_token, "get", "/sessions")
    assert listed.status_code == 200 and listed.get_json() == []
    assert world.build.join_code not in listed.get_data(as_text=True)


def test_writes_with_valid_bodies_by_an_outsider_change_nothing(
    world: World, client: FlaskClient, r: redis.Redis
) -> None:
    before = session_store.get(r, world.sid)
    sid = world.sid
    for method, path, body in [
        ("put", f"/sessions/{sid}", {"title": "Taken over", "competency_ids": ["teamwork"]}),
        ("post", f"/sessions/{sid}/state", {"state": "live"}),
        ("post", f"/sessions/{sid}/candidates", {"candidates": [{"name": "Mallory"}]}),
        ("post", f"/sessions/{sid}/panel", {"email": "olga@example.com"}),
        ("post", f"/sessions/{sid}/co-facilitators", {"email": "olga@example.com"}),
        ("post", f"/sessions/{sid}/duplicate", None),
    ]:
        answer = _api(client, world.olga_token, method, path, body)
        assert answer.status_code == 404, (path, answer.get_json())
        assert answer.get_json()["error"]["code"] == "unknown_session"
    assert session_store.get(r, world.sid) == before
    assert len(session_store.list_all(r)) == 1


def test_facilitator_who_does_not_own_a_session_cannot_connect_to_it(world: World, app: Flask) -> None:
    by_token = socketio.test_client(app, auth={"session_id": world.sid, "api_token": world.olga_token})
    assert not by_token.is_connected()
    by_cookie = socketio.test_client(
        app,
        auth={"session_id": world.sid},
        flask_test_client=world.client_of("olga@example.com"),
        headers=OWN_ORIGIN,
    )
    assert not by_cookie.is_connected()


def test_co_facilitator_given_access_runs_the_session_until_taken_off(
    world: World, app: Flask, client: FlaskClient
) -> None:
    added = world.build.call("post", f"/sessions/{world.sid}/co-facilitators", {"email": "olga@example.com"})
    assert added == {"user_id": world.olga.id}
    olga = world.client_of("olga@example.com")
    for page in _session_pages(app, world):
        assert _opens(page, olga.get(page).status_code), page
    for method, path in _api_routes(world):
        if method == "get":
            assert _api(client, world.olga_token, method, path).status_code == 200, path
    listed = _api(client, world.olga_token, "get", "/sessions").get_json()
    assert [(s["id"], s["join_code"]) for s in listed] == [(world.sid, world.build.join_code)]
    live = socketio.test_client(app, auth={"session_id": world.sid, "api_token": world.olga_token})
    assert live.is_connected()
    assert live.emit("lock_lobby", {"id": "lock-000001", "locked": True}, callback=True)["ok"]
    # Only the owner (or an admin) chooses who runs the session.
    refused = _api(
        client, world.olga_token, "delete", f"/sessions/{world.sid}/co-facilitators/{world.olga.id}"
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_owner"

    world.build.call("delete", f"/sessions/{world.sid}/co-facilitators/{world.olga.id}", expect=200)
    assert not live.is_connected()
    assert olga.get(f"/sessions/{world.sid}").status_code == 404
    assert _api(client, world.olga_token, "get", f"/sessions/{world.sid}").status_code == 404
    assert _api(client, world.olga_token, "get", "/sessions").get_json() == []


def test_owner_adds_a_co_facilitator_from_the_session_page(world: World) -> None:
    fran = world.client_of("fran@example.com")
    page = fran.get(f"/sessions/{world.sid}").get_data(as_text=True)
    assert "Who runs this session" in page and "Olga (olga@example.com)" in page
    added = fran.post(f"/sessions/{world.sid}/co-facilitators", data={"user_id": world.olga.id})
    assert added.status_code == 302 and added.headers["Location"].endswith("#co-facilitators")
    assert "Olga can now run this session." in fran.get(f"/sessions/{world.sid}").get_data(as_text=True)
    olga = world.client_of("olga@example.com")
    assert olga.get(f"/sessions/{world.sid}/live").status_code == 200
    dashboard = olga.get("/").get_data(as_text=True)
    assert "Graduate assessment centre" in dashboard and world.build.join_code in dashboard
    # A co-facilitator sees who runs it, but the choosing stays with the owner.
    assert "Add co-facilitator" not in olga.get(f"/sessions/{world.sid}").get_data(as_text=True)
    assert olga.post(f"/sessions/{world.sid}/co-facilitators/{world.olga.id}/remove").status_code == 302
    assert world.olga.id in world.build.call("get", f"/sessions/{world.sid}")["setup"]["managers"]


def test_only_facilitators_become_co_facilitators(world: World, r: redis.Redis) -> None:
    observer = make_user(r, "obi@example.com", "observer")
    refused = world.build.call("post", f"/sessions/{world.sid}/co-facilitators", {"user_id": observer.id})
    assert refused["error"]["code"] == "not_a_facilitator"
    again = world.build.call("post", f"/sessions/{world.sid}/co-facilitators", {"email": "ada@example.com"})
    assert again["error"]["code"] == "admin_runs_all"
    assert world.build.call("get", f"/sessions/{world.sid}")["setup"]["managers"] == []


def test_admin_sees_and_runs_every_session(world: World, app: Flask, client: FlaskClient) -> None:
    listed = _api(client, world.ada_token, "get", "/sessions").get_json()
    assert [(s["id"], s["join_code"]) for s in listed] == [(world.sid, world.build.join_code)]
    ada = world.client_of("ada@example.com")
    assert ada.get(f"/sessions/{world.sid}").status_code == 200
    assert socketio.test_client(
        app, auth={"session_id": world.sid, "api_token": world.ada_token}
    ).is_connected()
    # The admin, like the owner, may choose co-facilitators.
    added = _api(
        client,
        world.ada_token,
        "post",
        f"/sessions/{world.sid}/co-facilitators",
        {"email": "olga@example.com"},
    )
    assert added.status_code == 201


def test_facilitator_on_the_panel_sees_the_session_listed_without_its_join_code(
    world: World, client: FlaskClient
) -> None:
    world.build.call("post", f"/sessions/{world.sid}/panel", {"email": "olga@example.com"}, expect=201)
    listed = _api(client, world.olga_token, "get", "/sessions").get_json()
    assert [(s["id"], s["join_code"]) for s in listed] == [(world.sid, None)]
    assert _api(client, world.olga_token, "get", f"/sessions/{world.sid}").status_code == 403
    dashboard = world.client_of("olga@example.com").get("/").get_data(as_text=True)
    assert "Graduate assessment centre" in dashboard and world.build.join_code not in dashboard
    assert f"/sessions/{world.sid}/observe" in dashboard


def test_duplicating_makes_the_duplicator_the_owner(world: World, client: FlaskClient) -> None:
    world.build.call(
        "post", f"/sessions/{world.sid}/co-facilitators", {"email": "olga@example.com"}, expect=201
    )
    copy = _api(client, world.olga_token, "post", f"/sessions/{world.sid}/duplicate").get_json()
    assert copy["owner_id"] == world.olga.id and copy["managers"] == []
    # The copy is Olga's alone: the first session's owner does not run it.
    assert world.build.call("get", f"/sessions/{copy['id']}")["error"]["code"] == "unknown_session"
