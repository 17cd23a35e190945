"""Every Engine.IO handshake path held to one rule: JSONP refused, cookies only from an allowed
origin, lifecycle event names refused, broken frames logged in one line."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import requests
import websocket
from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import socketio
from facilitator.realtime import permissions
from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.realtime.transport import OriginPolicy
from facilitator.store import keys
from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD
from ..live_server import LiveServer
from ..phones import Device
from .helpers import polling_connect, polling_url, redis_state, sign_in, websocket_connect

pytestmark = pytest.mark.live

FOREIGN = "http://127.0.0.1:1"  # another port on the same host: "same site" to SameSite=Lax


class Target:
    """A live session, its owner signed in by cookie and a candidate holding a device cookie."""

    def __init__(self, live: LiveServer, token: str, r: redis.Redis) -> None:
        self.base = live.url
        self.browsers: list[requests.Session] = [requests.Session()]
        self.build = SessionBuilder(self.browsers[0], token, prefix=live.url).create()
        self.build.state("open")
        self.person = self.build.join("Ada Lovelace")
        self.sid = self.build.session_id
        self.r = r
        found = user_store.by_email(r, "lead@example.com")
        assert found is not None
        self.owner_id = found[0].id

    def staff(self) -> requests.Session:
        """A browser holding only the owner's sign-in cookie."""
        http = self.browser()
        sign_in(http, self.base, "lead@example.com", PASSWORD)
        return http

    def phone(self) -> requests.Session:
        """A browser holding only the candidate's device cookie."""
        http = self.browser()
        http.cookies.set(DEVICE_COOKIE.format(self.sid), self.person["token"], domain="127.0.0.1")
        return http

    def browser(self) -> requests.Session:
        """An HTTP client with no cookies, closed with the target."""
        self.browsers.append(requests.Session())
        return self.browsers[-1]

    def close(self) -> None:
        for http in self.browsers:
            http.close()

    def cookie_header(self, http: requests.Session) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in http.cookies)

    def sockets_of_owner_and_candidate(self) -> set[str]:
        return self.r.smembers(keys.sockets(self.sid, "manager", self.owner_id)) | self.r.smembers(
            keys.sockets(self.sid, "candidate", self.person["candidate_id"])
        )


@pytest.fixture
def target(live: LiveServer, live_token: str, r: redis.Redis) -> Iterator[Target]:
    made = Target(live, live_token, r)
    yield made
    made.close()


def test_jsonp_polling_is_refused_outright(target: Target) -> None:
    for http in (target.staff(), target.phone()):
        for query in ({"j": "0"}, {"j": "1", "t": "x"}, {"j": ""}):
            answer = http.get(polling_url(target.base, **query), timeout=10)
            assert answer.status_code == 400
            assert "___eio" not in answer.text and "sid" not in answer.text
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
        # Nor may a session opened properly be read or written through JSONP.
        opened = http.get(polling_url(target.base), headers={"Origin": target.base}, timeout=10)
        sid = opened.text.split('"sid":"', 1)[1].split('"', 1)[0]
        assert http.get(polling_url(target.base, sid=sid, j="0"), timeout=10).status_code == 400
        assert http.post(polling_url(target.base, sid=sid, j="0"), data="d=40", timeout=10).status_code == 400
    assert target.sockets_of_owner_and_candidate() == set()


@pytest.mark.parametrize("who", ["staff", "phone"])
@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_cookies_authenticate_only_a_handshake_from_an_allowed_origin(
    target: Target, who: str, transport: str
) -> None:
    http = target.staff() if who == "staff" else target.phone()
    auth = {"session_id": target.sid}

    def attempt(headers: dict[str, str]) -> str:
        if transport == "polling":
            return polling_connect(http, target.base, auth, headers)
        # The same browser: its User-Agent too (staff sign-ins are bound to it).
        browser = {"Cookie": target.cookie_header(http), "User-Agent": str(http.headers["User-Agent"])}
        return websocket_connect(target.base, auth, {**browser, **headers})

    # The app's own pages: an Origin of the app, or a same-origin GET without one.
    for trusted in (
        {"Origin": target.base},
        {"Sec-Fetch-Site": "same-origin"},
        {"Referer": target.base + "/"},
    ):
        assert attempt(trusted).startswith("40{"), trusted
    before = target.sockets_of_owner_and_candidate()
    # Another origin is refused at the handshake, whatever it carries.
    assert attempt({"Origin": FOREIGN}) in ("HTTP 400", "HTTP refused")
    assert attempt({"Origin": "null"}) in ("HTTP 400", "HTTP refused")
    # Without an Origin the browser must vouch for the page; otherwise the cookies count for
    # nothing and the socket is refused as one that names nobody.
    for unvouched in (
        {},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "none"},
        {"Referer": FOREIGN + "/attack.html"},
        {"Sec-Fetch-Site": "same-site", "Referer": target.base + "/"},
    ):
        answer = attempt(unvouched)
        assert answer.startswith("44{") and '"code":"not_signed_in"' in answer, (unvouched, answer)
    # None of those left a socket recorded as the owner's or the candidate's.
    assert target.sockets_of_owner_and_candidate() <= before


def test_a_token_named_in_auth_needs_no_origin(target: Target) -> None:
    # Scripts and tests connect without a browser: what they name themselves still counts.
    answer = polling_connect(
        target.browser(), target.base, {"session_id": target.sid, "token": target.person["token"]}
    )
    assert answer.startswith("40{")


def test_origin_policy_allows_the_app_itself_or_the_configured_origins() -> None:
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "centre.example.org"}
    own = OriginPolicy(None)
    assert own("https://centre.example.org", environ)
    assert not own("http://centre.example.org", environ)
    assert not own("https://centre.example.org.evil.test", environ)
    assert not own(None, environ) and not own("null", environ)
    listed = OriginPolicy(["https://Panel.example.org/"])
    assert listed("https://panel.example.org", environ)
    assert not listed("https://centre.example.org", environ)
    # X-Forwarded-* count only through ProxyFix, when FACILITATOR_TRUSTED_PROXIES says so.
    assert not own("https://evil.test", {**environ, "HTTP_X_FORWARDED_HOST": "evil.test"})
    assert own.cookies_trusted({**environ, "HTTP_SEC_FETCH_SITE": "same-origin"})
    assert not own.cookies_trusted({**environ, "HTTP_SEC_FETCH_SITE": "same-site"})
    assert own.cookies_trusted({**environ, "HTTP_REFERER": "https://centre.example.org/s/x/control"})
    assert not own.cookies_trusted(environ)


def test_the_in_process_handshake_holds_the_same_cookie_rule(
    app: Flask, signed_in: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(signed_in, api_token).create()
    auth = {"session_id": build.session_id}
    assert not socketio.test_client(app, auth=auth, flask_test_client=signed_in).is_connected()
    foreign = socketio.test_client(
        app, auth=auth, flask_test_client=signed_in, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert not foreign.is_connected()
    own = socketio.test_client(
        app, auth=auth, flask_test_client=signed_in, headers={"Origin": "http://localhost"}
    )
    assert own.is_connected()


# ---- events named like the server's own ----


@pytest.fixture
def lobby(app: Flask, client: FlaskClient, api_token: str) -> dict[str, Any]:
    """Two sessions; a phone connected to the first; a device token of the second."""
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    ada = build.join("Ada")
    other = SessionBuilder(client, api_token).create()
    other.state("open")
    stranger = other.join("Grace")
    phone = socketio.test_client(app, auth={"session_id": build.session_id, "token": ada["token"]})
    lead = socketio.test_client(app, auth={"session_id": build.session_id, "api_token": api_token})
    assert phone.is_connected() and lead.is_connected()
    return {"build": build, "other": other, "ada": ada, "stranger": stranger, "phone": phone, "lead": lead}


def rooms_of(client: Any) -> set[str]:
    sid = socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/")
    return set(socketio.server.manager.get_rooms(sid, "/")) - {sid}


@pytest.mark.parametrize("name", sorted(permissions.RESERVED))
def test_a_client_cannot_send_a_reserved_event(lobby: dict[str, Any], r: redis.Redis, name: str) -> None:
    phone, build, other = lobby["phone"], lobby["build"], lobby["other"]
    rooms, before = rooms_of(phone), redis_state(r)
    hop = {"session_id": other.session_id, "token": lobby["stranger"]["token"]}
    ack = phone.emit(name, hop, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "reserved_event", ack
    assert "keeps for itself" in ack["error"]["message"]
    assert phone.is_connected() and rooms_of(phone) == rooms
    assert redis_state(r) == before
    assert not any(other.session_id in room for room in rooms_of(phone)), build.session_id


def test_a_phone_that_sends_disconnect_and_connect_is_still_evicted(
    lobby: dict[str, Any], r: redis.Redis
) -> None:
    phone, build, ada = lobby["phone"], lobby["build"], lobby["ada"]
    sockets = keys.sockets(build.session_id, "candidate", ada["candidate_id"])
    assert r.scard(sockets) == 1
    for name, payload in (("disconnect", None), ("connect", {"session_id": lobby["other"].session_id})):
        assert phone.emit(name, payload, callback=True)["error"]["code"] == "reserved_event"
    # Its presence record is intact, so the eviction finds and closes it.
    assert r.scard(sockets) == 1
    ack = lobby["lead"].emit(
        "remove_candidate", {"id": "evict-0001", "candidate_id": ada["candidate_id"]}, callback=True
    )
    assert ack["ok"], ack
    assert not phone.is_connected()
    assert r.scard(sockets) == 0


def test_over_the_network_too_connect_events_join_no_rooms_and_eviction_closes(
    live: LiveServer, live_token: str, target: Target
) -> None:
    http = target.browser()
    build = SessionBuilder(http, live_token, prefix=live.url).create()
    build.state("open")
    ada = build.join("Ada")
    other = SessionBuilder(http, live_token, prefix=live.url).create()
    other.state("open")
    grace = other.join("Grace")
    phone = Device(live.url, build.session_id, token=ada["token"]).connect()
    phone.resume()
    for name, payload in (
        ("disconnect", None),
        ("connect", {"session_id": other.session_id, "token": grace["token"]}),
        ("connect", {"session_id": other.session_id, "api_token": live_token}),
    ):
        assert phone.call(name, payload)["error"]["code"] == "reserved_event"
    # Nothing of the other session reaches the phone: it never joined its rooms.
    other.call("post", f"/sessions/{other.session_id}/announcements", {"text": "Other session only"})
    build.call("post", f"/sessions/{build.session_id}/announcements", {"text": "For Ada's session"})
    phone.wait_for("announcement_made")
    time.sleep(0.3)
    assert [e["data"]["text"] for e in phone.of("announcement_made")] == ["For Ada's session"]
    build.call("delete", f"/sessions/{build.session_id}/candidates/{ada['candidate_id']}")
    deadline = time.monotonic() + 5
    while phone.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not phone.client.connected
    phone.disconnect()  # lets go of the client's own socket


# ---- broken frames ----


# An Engine.IO packet of an unknown type ("9") is dropped by Engine.IO itself, quietly.
JUNK: list[str | bytes] = [
    "",
    "zzz",
    "4zz",
    "42",
    "42[",
    "42{}",
    "42[]",
    "42[1]",
    "42[{}]",
    "45",
    "49",
    "4" + "[" * 5000,
    b"\x00\xff",
]


def closed_by_server(ws: websocket.WebSocket, seconds: float = 5) -> bool:
    """Whether the server closes the connection within `seconds` (pings aside)."""
    ws.settimeout(seconds)
    try:
        while True:
            if not ws.recv():
                return True
    except websocket.WebSocketConnectionClosedException:
        return True
    except websocket.WebSocketTimeoutException:
        return False


def test_broken_frames_close_the_socket_with_one_log_line_and_no_traceback(
    live: LiveServer, target: Target
) -> None:
    logged = live.log.read_text()
    url = target.base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    for frame in JUNK:
        ws = websocket.create_connection(url, timeout=5)
        ws.recv()
        ws.send("40" + json.dumps({"session_id": target.sid, "token": target.person["token"]}))
        assert str(ws.recv()).startswith("40{")
        if isinstance(frame, bytes):
            ws.send_binary(frame)
        else:
            ws.send(frame)
        assert closed_by_server(ws), frame[:10]
        ws.shutdown()
    # The same by long-polling: a body Engine.IO cannot read, and a Socket.IO packet it can.
    http = target.browser()
    for body in ("zzz", "4zz"):
        opened = http.get(polling_url(target.base), timeout=5).text
        sid = json.loads(opened[1:])["sid"]
        http.post(polling_url(target.base, sid=sid), data=body, timeout=5)
    expected = len(JUNK) + 2
    # The server is fine, and said so in one line a frame.
    assert requests.get(target.base + "/api/v1/openapi.json", timeout=5).status_code == 200
    deadline = time.monotonic() + 5
    while (
        time.monotonic() < deadline
        and live.log.read_text().count("bad frame") - logged.count("bad frame") < expected
    ):
        time.sleep(0.1)
    new = live.log.read_text()[len(logged) :]
    assert "Traceback" not in new, new[-3000:]
    assert new.count("bad frame") >= expected, new
    # Their phone is shown offline again once each broken socket is gone.
    deadline = time.monotonic() + 5
    while (
        target.r.scard(keys.sockets(target.sid, "candidate", target.person["candidate_id"]))
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert target.r.scard(keys.sockets(target.sid, "candidate", target.person["candidate_id"])) == 0
