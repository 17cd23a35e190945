"""A page of another origin in Chromium tries to take over a signed-in facilitator's and a
candidate's live connection by every Engine.IO handshake path: all refused."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from playwright.sync_api import Browser, BrowserContext

from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.store import keys
from facilitator.store import users as user_store

from ...browser.conftest import ROOT, open_context, sign_in
from ...builders import SessionBuilder
from ...conftest import PASSWORD
from ...live_server import LiveServer
from ...redis_server import free_port

pytestmark = [pytest.mark.browser, pytest.mark.live]

HERE = Path(__file__).parent


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def attacker(tmp_path: Path) -> Iterator[str]:
    """The attack page, served from another port of the same host by a tiny http.server."""
    for name in ("attack.html", "attack.js"):
        shutil.copy(HERE / name, tmp_path / name)
    shutil.copy(ROOT / "node_modules/socket.io-client/dist/socket.io.esm.min.js", tmp_path)
    server = ThreadingHTTPServer(
        ("127.0.0.1", free_port()), functools.partial(Quiet, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def sockets_of(r: redis.Redis, session_id: str, kind: str, person: str) -> set[str]:
    return r.smembers(keys.sockets(session_id, kind, person))


def test_a_page_on_another_port_cannot_take_over_the_facilitators_or_the_candidates_socket(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    live_token: str,
    r: redis.Redis,
    attacker: str,
) -> None:
    http = requests.Session()
    build = SessionBuilder(http, live_token, prefix=live.url).create()
    build.state("open")
    ada = build.join("Ada Lovelace")
    build.state("live")
    sid = build.session_id
    found = user_store.by_email(r, "lead@example.com")
    assert found is not None
    owner = found[0]

    # One browser: the facilitator signed in, and Ada's device cookie from checking in.
    context = open_context(browser, contexts, live.url)
    page = context.new_page()
    sign_in(page, "lead@example.com", PASSWORD)
    context.add_cookies(
        [
            {
                "name": DEVICE_COOKIE.format(sid),
                "value": ada["token"],
                "url": live.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    log_before = len(build.call("get", f"/sessions/{sid}/events", expect=200))

    attack = context.new_page()
    attack.goto(f"{attacker}/attack.html?target={live.url}&session={sid}")
    # Pushes go out while the page tries: none may reach it.
    for n in range(3):
        build.call("post", f"/sessions/{sid}/announcements", {"text": f"Only for this room {n}"}, expect=201)
    attack.wait_for_function("window.done === true", timeout=20_000)
    results = attack.evaluate("window.results")

    # From the server's side: no socket was ever taken as the facilitator or as Ada, so no
    # presence was logged for her either.
    assert sockets_of(r, sid, "manager", owner.id) == set()
    assert sockets_of(r, sid, "candidate", ada["candidate_id"]) == set()
    logged = build.call("get", f"/sessions/{sid}/events", expect=200)[log_before:]
    assert [e["type"] for e in logged] == ["announcement_made"] * 3

    # From the page's side: nothing of the session came back on any path.
    assert results["websocket"]["messages"] == [], results["websocket"]
    assert "refused" in results["fetch"], results["fetch"]  # CORS: the page may not read it
    assert results["noCors"].get("type") == "opaque" and results["noCors"]["body"] == "", results["noCors"]
    assert results["jsonp"] == {"failed": True}, results["jsonp"]  # refused, and never called back
    for transports, seen in results["clients"].items():
        assert seen["connected"] is False or seen["events"] == [], (transports, seen)
        assert not any("Only for this room" in str(e) for e in seen["events"]), seen
        assert not seen["connected"], (transports, seen)
    page_text = str(results)
    for secret in (build.join_code, "Ada Lovelace", ada["token"]):
        assert secret not in page_text

    # The same cookies still work where they belong: the app's own page, by WebSocket and by
    # the long-polling fallback (a same-origin GET carries no Origin; the browser's
    # Sec-Fetch-Site vouches for it).
    own = page.evaluate(
        """async (sid) => {
          const { io } = await import("/vendor/socket.io.esm.min.js");
          const attempt = (transports) => new Promise((resolve) => {
            const socket = io({ transports, reconnection: false, auth: { session_id: sid } });
            socket.on("connect", () => socket.emit("resume", { last_seq: 0 }, (ack) => {
              socket.close();
              resolve(ack.ok);
            }));
            socket.on("connect_error", (err) => resolve(`refused: ${err.message}`));
          });
          return [await attempt(["polling"]), await attempt(["websocket"])];
        }""",
        sid,
    )
    assert own == [True, True]
    http.close()
