"""Every event a client can send x every role of the issue's list: only what the table in
realtime/permissions.py allows succeeds; the rest is refused and changes nothing in Redis.

Staff rules come from `services.access` (who runs a session, who is on its panel), so these
tests hold whatever that module decides (a facilitator who does not own a session, say)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from itsdangerous import TimestampSigner

from facilitator.domain.errors import DomainError
from facilitator.extensions import socketio
from facilitator.realtime import actions, connection, limits, permissions
from facilitator.realtime.limits import Rate
from facilitator.services import access
from facilitator.services import panel as panel_service
from facilitator.store import sessions as session_store
from facilitator.store.users import StaffUser

from .helpers import changed_keys, redis_state, session_state
from .scenes import (
    PAYLOADS,
    ROLES,
    STATES,
    Scene,
    Staff,
    build_scene,
    make_staff,
    payload_for,
    signed_in_client,
    socket_for,
)

# Codes that mean "refused before the rule of the event was even asked": a state test whose
# refusal carried one of these would prove nothing about states.
GENERIC = {"invalid", "forbidden", "unknown_event", "rate_limited", "not_connected", "reserved_event"}
SOCKET_ROLES = ("candidate", "panel_observer", "owner", "admin", "other_facilitator")
NO_SOCKET = (
    "anonymous",
    "other_candidate",
    "removed_candidate",
    "stranger_observer",
    "expired_invite",
    "signed_out",
)
# The one role of each kind that sends an event in the state test.
SENDER_OF_KIND = {"manager": "owner", "observer": "panel_observer", "candidate": "candidate"}


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests send dozens of events a second from one socket to test the table; the
    rates in front of it are tested in test_limits.py."""
    for name in limits.RATES:
        monkeypatch.setitem(limits.RATES, name, Rate(burst=10_000, per_second=10_000.0))


@pytest.fixture
def staff(r: redis.Redis, facilitator_user: StaffUser, api_token: str) -> Staff:
    return make_staff(r, facilitator_user, api_token)


def kind_of(r: redis.Redis, scene: Scene, role: str) -> str | None:
    """The role a socket of `role` gets in the scene's session, or None when it is refused."""
    if role == "candidate":
        return "candidate"
    account = {
        "panel_observer": scene.staff.observer,
        "owner": scene.staff.owner,
        "admin": scene.staff.admin,
        "other_facilitator": scene.staff.other_facilitator,
    }.get(role)
    if account is None:
        return None
    session = session_store.get(r, scene.sid)
    assert session is not None
    try:
        return access.staff_viewer(session, account).kind
    except DomainError:
        return None


def ack_of(client: SocketIOTestClient, event: str, payload: Any) -> dict[str, Any]:
    ack = client.emit(event, payload, callback=True)
    assert isinstance(ack, dict), (event, ack)
    return ack


def scene_keys(state: dict[str, Any], scene: Scene) -> dict[str, Any]:
    """The part of a Redis snapshot that belongs to the scene's session."""
    return {k: v for k, v in state.items() if scene.sid in k}


# ---- the table covers the server ----


def test_every_handler_the_server_registers_has_a_row(app: Flask) -> None:
    registered = set(socketio.server.handlers["/"]) - {"*"}
    assert registered - permissions.SERVER_ONLY == set(permissions.TABLE)
    assert set(actions.ACTIONS) | {"resume", "sync_clock"} == set(permissions.TABLE)
    assert permissions.SERVER_ONLY <= permissions.RESERVED
    for row in permissions.TABLE.values():
        assert row.roles and row.states and row.rate in ("command", "observation", "question", "sync")
    assert set(PAYLOADS) == set(permissions.TABLE)  # so every test below sends every event
    assert set(SOCKET_ROLES) | set(NO_SOCKET) == set(ROLES)  # and every role of the list


def test_the_protocol_document_gives_each_event_the_roles_and_rate_of_its_row() -> None:
    text = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text()
    table = text.split("## Who may send what", 1)[1].split("## Rate limits", 1)[0]
    documented: dict[str, tuple[set[str], str]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            roles = {"manager", "observer", "candidate"} if cells[1] == "all" else set(cells[1].split(", "))
            for event in re.findall(r"`(\w+)`", cells[0]):
                assert event not in documented, event
                documented[event] = (roles, cells[3])
    assert documented == {e: (set(row.roles), row.rate) for e, row in permissions.TABLE.items()}


# ---- roles that never get a socket ----


def _cookie_socket(app: Flask, browser: FlaskClient, scene: Scene) -> SocketIOTestClient:
    # As the app's own page would: the browser's cookies, from the app's origin.
    return socketio.test_client(
        app, auth={"session_id": scene.sid}, flask_test_client=browser, headers={"Origin": "http://localhost"}
    )


def _copy_cookies(app: Flask, browser: FlaskClient) -> FlaskClient:
    stale = app.test_client()
    for cookie in list(browser._cookies.values()):  # werkzeug's jar: every cookie the browser holds
        stale.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return stale


def test_roles_that_hold_no_socket_are_refused_at_connect(
    app: Flask, client: FlaskClient, r: redis.Redis, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = build_scene(app, client, staff, "live")
    # An expired panel invite: issued eight days ago, opened now by an observer not on the panel.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 8 * 86400)
    invite = panel_service.invite_link_token(r, staff.owner, scene.sid, app.config["SECRET_KEY"])
    monkeypatch.undo()
    olive = signed_in_client(app, staff.stranger.email)
    opened = olive.post(f"/panel/{invite}")
    assert opened.status_code == 404 and "expired" in opened.get_data(as_text=True)
    # A signed-out owner's cookie, copied before signing out.
    browser = signed_in_client(app, staff.owner.email)
    assert _cookie_socket(app, browser, scene).is_connected()  # the cookie works while signed in
    stale = _copy_cookies(app, browser)
    browser.post("/logout")
    before = redis_state(r)

    expected = {
        "anonymous": "not_signed_in",
        "other_candidate": "not_signed_in",
        "removed_candidate": "removed",
        "stranger_observer": "unknown_session",
        "expired_invite": "unknown_session",
    }
    refusals: list[str] = []
    refuse = connection._refuse
    monkeypatch.setattr(connection, "_refuse", lambda error: refusals.append(error["code"]) or refuse(error))

    def refused_with(sock: SocketIOTestClient) -> str:
        assert not sock.is_connected()
        return refusals[-1]

    for role, code in expected.items():
        assert refused_with(socket_for(app, scene, role)) == code, role
    as_observer = socketio.test_client(
        app, auth={"session_id": scene.sid, "api_token": staff.tokens["stranger"], "role": "observer"}
    )
    assert refused_with(as_observer) == "not_on_panel"
    # A signed-out cookie opens nothing.
    assert refused_with(_cookie_socket(app, stale, scene)) in ("not_signed_in", "signed_out")
    if kind_of(r, scene, "other_facilitator") is None:
        assert refused_with(socket_for(app, scene, "other_facilitator")) == "unknown_session"
    # None of them left anything behind, not even a presence record.
    assert changed_keys(scene_keys(before, scene), scene_keys(redis_state(r), scene)) == []
    # The other session's candidate is refused here only: at home their token works.
    home = socketio.test_client(
        app, auth={"session_id": scene.other["session_id"], "token": scene.other["token"]}
    )
    assert home.is_connected()


# ---- events the table refuses ----


@pytest.mark.parametrize("role", [*SOCKET_ROLES, "other_candidate"])
def test_events_the_table_refuses_a_role_change_nothing(
    app: Flask, client: FlaskClient, r: redis.Redis, staff: Staff, role: str
) -> None:
    scene = build_scene(app, client, staff, "live")
    if role == "other_candidate":
        # Connected to their own session, sending this session's ids: nothing here may change.
        sock = socketio.test_client(
            app, auth={"session_id": scene.other["session_id"], "token": scene.other["token"]}
        )
        kind: str | None = "candidate"
    else:
        kind = kind_of(r, scene, role)
        if kind is None:
            # services.access gives them no part in this session: refused at connect.
            assert not socket_for(app, scene, role).is_connected()
            return
        sock = socket_for(app, scene, role)
    assert sock.is_connected(), role
    refused_events = [e for e, row in permissions.TABLE.items() if kind not in row.roles]
    allowed_events = [e for e, row in permissions.TABLE.items() if kind in row.roles]
    assert refused_events or role in ("owner", "admin")
    for n, event in enumerate(refused_events):
        before = session_state(redis_state(r), scene.sid)
        ack = ack_of(sock, event, payload_for(event, scene, n, role))
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (role, event, ack)
        assert ack["error"]["message"].startswith("Only "), ack
        assert changed_keys(before, session_state(redis_state(r), scene.sid)) == [], (role, event)
    if role == "other_candidate":
        before = scene_keys(redis_state(r), scene)
        for n, event in enumerate(allowed_events):
            ack_of(sock, event, payload_for(event, scene, 1000 + n, role))
        assert changed_keys(before, scene_keys(redis_state(r), scene)) == []


# ---- events the table allows ----


def _success_cases() -> list[tuple[str, str]]:
    roles_of_kind = {
        "manager": ("owner", "admin"),
        "observer": ("panel_observer",),
        "candidate": ("candidate",),
    }
    cases = []
    for event, row in permissions.TABLE.items():
        senders = {role for kind in row.roles for role in roles_of_kind[kind]}
        if "observer" in row.roles:
            senders |= {"owner", "admin"}  # staff on the panel (the scene puts both there)
        cases += [(event, role) for role in sorted(senders)]
    return cases


@pytest.mark.parametrize(("event", "role"), _success_cases())
def test_events_the_table_allows_succeed(
    app: Flask, client: FlaskClient, r: redis.Redis, staff: Staff, event: str, role: str
) -> None:
    options = dict(PAYLOADS[event][0])
    scene = build_scene(app, client, staff, options.pop("state"), **options)
    kind = kind_of(r, scene, role)
    assert kind is not None and kind in permissions.TABLE[event].roles | {"manager"}, (role, kind)
    sock = socket_for(app, scene, role)
    assert sock.is_connected()
    ack = ack_of(sock, event, payload_for(event, scene, 1, role))
    assert ack["ok"] is True, (event, role, ack)


# ---- events outside their states ----


def test_no_event_is_accepted_outside_the_states_its_row_names(
    app: Flask, client: FlaskClient, r: redis.Redis, staff: Staff
) -> None:
    tried = 0
    for state in STATES:
        scene = build_scene(app, client, staff, state)
        sockets = {role: socket_for(app, scene, role) for role in SENDER_OF_KIND.values()}
        for n, (event, row) in enumerate(permissions.TABLE.items()):
            if state in row.states:
                continue
            kind = "observer" if "observer" in row.roles else sorted(row.roles)[0]
            sender = SENDER_OF_KIND[kind]
            assert sockets[sender].is_connected(), (state, sender)
            before = session_state(redis_state(r), scene.sid)
            ack = ack_of(sockets[sender], event, payload_for(event, scene, n, sender))
            assert ack["ok"] is False, (state, event, ack)
            assert ack["error"]["code"] not in GENERIC, (state, event, ack)
            assert changed_keys(before, session_state(redis_state(r), scene.sid)) == [], (state, event)
            tried += 1
    assert tried > 60
