"""Raw Engine.IO handshakes and Redis snapshots, for attacking the transport from tests."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import redis
import requests
import websocket

from facilitator.store import keys

from ..conftest import PASSWORD


def sign_in(http: requests.Session, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in on the staff login page of a running server (with its CSRF token)."""
    page = http.get(base + "/login", timeout=10).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = http.post(
        base + "/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"], answer.text[:300]


def polling_url(base: str, **query: str) -> str:
    """The Engine.IO long-polling address, with extra query parameters."""
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"{base}/socket.io/?EIO=4&transport=polling{extra}"


def polling_connect(
    http: requests.Session, base: str, auth: dict[str, Any], headers: dict[str, str] | None = None
) -> str:
    """Open a socket by long-polling, the way socket.io-client's fallback does, sending
    `headers` with the handshake; the Socket.IO answer to the connect packet ("40..." when
    accepted, "44..." when refused), or the handshake's own refusal as "HTTP <status>"."""
    opened = http.get(polling_url(base), headers=headers or {}, timeout=10)
    if opened.status_code != 200:
        return f"HTTP {opened.status_code}"
    sid = json.loads(opened.text[1:])["sid"]
    sent = http.post(polling_url(base, sid=sid), data="40" + json.dumps(auth), timeout=10)
    assert sent.status_code == 200, sent.text
    answer = http.get(polling_url(base, sid=sid), timeout=10).text
    return next(p for p in answer.split("\x1e") if p.startswith("4"))


def websocket_connect(base: str, auth: dict[str, Any], headers: dict[str, str]) -> str:
    """Open a socket over WebSocket with exactly `headers` on the upgrade request (no Origin
    unless given); the Socket.IO answer to the connect packet, or "HTTP refused" when the
    upgrade itself was refused."""
    url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    try:
        ws = websocket.create_connection(
            url, header=[f"{k}: {v}" for k, v in headers.items()], suppress_origin=True, timeout=10
        )
    except websocket.WebSocketBadStatusException:
        return "HTTP refused"
    try:
        # gevent-websocket answers the upgrade before the app runs, so a refusal by Engine.IO
        # shows as a socket closed before its open packet.
        try:
            opened = str(ws.recv())
        except (websocket.WebSocketConnectionClosedException, OSError):
            return "HTTP refused"
        if not opened.startswith("0"):
            return "HTTP refused"
        ws.send("40" + json.dumps(auth))
        while True:
            message = str(ws.recv())
            if message.startswith("4"):
                return message
    finally:
        with contextlib.suppress(OSError):
            ws.close()
        ws.shutdown()  # close() leaves the socket open when the server has gone first


# The heartbeats of server processes (the test run's live server beats every few seconds):
# not the state of any session.
HEARTBEAT_PREFIX = keys.process_alive("\0").split("\0", 1)[0]


def redis_state(r: redis.Redis) -> dict[str, Any]:
    """Every key and its value (but server heartbeats), to tell whether anything changed."""
    found: dict[str, Any] = {}
    for key in sorted(r.scan_iter(count=1000)):
        if key == keys.processes() or key.startswith(HEARTBEAT_PREFIX):
            continue
        kind = r.type(key)
        if kind == "string":
            value: Any = r.get(key)
        elif kind == "hash":
            value = r.hgetall(key)
        elif kind == "set":
            value = sorted(r.smembers(key))
        elif kind == "zset":
            value = r.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            value = r.lrange(key, 0, -1)
        elif kind == "stream":
            value = r.xrange(key)
        else:
            value = None
        found[key] = (kind, value)
    return found


SESSION_PREFIX = keys.session("\0").split("\0", 1)[0]
SHARED_BY_PROCESSES = (keys.pushes(), keys.process_sockets("\0").split("\0", 1)[0])


def session_state(state: dict[str, Any], session_id: str) -> dict[str, Any]:
    """A `redis_state` snapshot without other sessions' keys and the processes' shared push
    stream and socket records: servers of earlier tests may still be sweeping theirs."""
    return {
        k: v
        for k, v in state.items()
        if not k.startswith(SHARED_BY_PROCESSES) and (session_id in k or not k.startswith(SESSION_PREFIX))
    }


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Keys added, removed or changed between two `redis_state` snapshots."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
