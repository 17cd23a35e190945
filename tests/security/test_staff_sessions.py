"""Staff sessions: ending a sign-in ends every copy of its cookie, and closes its sockets.

A signed-in browser holds a sign-in recorded with the account; the session cookie names it.
Sign-out, a password change or reset, an admin's "sign out everywhere" and switching the
account off end sign-ins on the server, so a cookie copied before opens no page, no API
route and no socket, and the sockets it had open close at once, on whichever process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import socketio as socketio_client
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from facilitator.cli import cli
from facilitator.extensions import socketio
from facilitator.store import api_tokens
from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer

OWN_ORIGIN = {"Origin": "http://localhost"}
NEW_PASSWORD = "a brand new passphrase"


def sign_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    """A browser signed in as `email`."""
    browser = app.test_client()
    assert browser.post("/login", data={"email": email, "password": password}).status_code == 302
    return browser


def copy_of(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `browser`'s session cookie (as a thief would)."""
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def socket_of(app: Flask, browser: FlaskClient, session_id: str) -> Any:
    """A Socket.IO connection opened with the browser's cookie, from our own page."""
    return socketio.test_client(
        app, auth={"session_id": session_id}, flask_test_client=browser, headers=OWN_ORIGIN
    )


def opens_nothing(app: Flask, browser: FlaskClient, session_id: str) -> None:
    """The browser's cookie opens no page, no API route and no socket."""
    for page in ("/", f"/sessions/{session_id}", f"/sessions/{session_id}/live", "/account/"):
        answer = browser.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login"), page
    assert browser.get("/api/v1/sessions").status_code == 401
    assert not socket_of(app, browser, session_id).is_connected()


@pytest.fixture
def session_id(client: FlaskClient, api_token: str) -> str:
    return SessionBuilder(client, api_token).create().session_id


def test_a_copied_cookie_opens_nothing_after_sign_out(app: Flask, session_id: str) -> None:
    browser = sign_in(app, "fran@example.com")
    thief = copy_of(app, browser)
    assert thief.get(f"/sessions/{session_id}").status_code == 200
    live = socket_of(app, thief, session_id)
    assert live.is_connected()
    assert browser.post("/logout").status_code == 302
    assert not live.is_connected()
    opens_nothing(app, thief, session_id)
    opens_nothing(app, browser, session_id)


def test_signing_out_one_browser_leaves_the_others_signed_in(app: Flask, session_id: str) -> None:
    laptop, tablet = sign_in(app, "fran@example.com"), sign_in(app, "fran@example.com")
    on_tablet = socket_of(app, tablet, session_id)
    laptop.post("/logout")
    assert tablet.get(f"/sessions/{session_id}").status_code == 200 and on_tablet.is_connected()


def test_a_password_change_signs_out_every_other_browser(app: Flask, r: redis.Redis, session_id: str) -> None:
    laptop, tablet = sign_in(app, "fran@example.com"), sign_in(app, "fran@example.com")
    thief = copy_of(app, laptop)
    on_tablet, on_laptop = socket_of(app, tablet, session_id), socket_of(app, laptop, session_id)
    changed = laptop.post(
        "/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert "Every other browser signed in as you has been signed out" in laptop.get("/account/").get_data(
        as_text=True
    )
    assert not on_tablet.is_connected() and not on_laptop.is_connected()
    opens_nothing(app, tablet, session_id)
    opens_nothing(app, thief, session_id)
    # This browser signed in anew, and reconnects with its new cookie.
    assert laptop.get(f"/sessions/{session_id}").status_code == 200
    assert socket_of(app, laptop, session_id).is_connected()
    assert (
        app.test_client().post("/login", data={"email": "fran@example.com", "password": PASSWORD}).status_code
        == 401
    )
    sign_in(app, "fran@example.com", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"current": "not my password"}, "current", "That is not your current password."),
        ({"password": "short", "confirm": "short"}, "password", "at least 10 characters"),
        (
            {"password": "fran@example.com", "confirm": "fran@example.com"},
            "password",
            "not your email address",
        ),
        ({"password": PASSWORD, "confirm": PASSWORD}, "password", "different from your current one"),
        ({"confirm": "something else entirely"}, "confirm", "The two new passwords differ."),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    app: Flask, r: redis.Redis, form: dict[str, str], field: str, message: str, facilitator_user: Any
) -> None:
    browser = sign_in(app, "fran@example.com")
    other = sign_in(app, "fran@example.com")
    sent = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **form}
    refused = browser.post("/account/password", data=sent)
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert f'id="{field}-error"' in refused.get_data(as_text=True)
    assert other.get("/account/").status_code == 200
    sign_in(app, "fran@example.com")


def test_a_stolen_cookie_cannot_guess_the_password_on_the_account_page(
    app: Flask, facilitator_user: Any
) -> None:
    thief = sign_in(app, "fran@example.com")
    for _ in range(10):
        thief.post(
            "/account/password", data={"current": "guess", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
    right = thief.post(
        "/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert right.status_code == 400 and "Too many wrong passwords" in right.get_data(as_text=True)


def _admin(app: Flask, r: redis.Redis) -> FlaskClient:
    make_user(r, "ada@example.com", "admin")
    return sign_in(app, "ada@example.com")


def test_switching_an_account_off_ends_its_cookies_tokens_and_sockets(
    app: Flask, r: redis.Redis, client: FlaskClient, api_token: str, session_id: str, facilitator_user: Any
) -> None:
    admin = _admin(app, r)
    browser = sign_in(app, "fran@example.com")
    by_cookie = socket_of(app, browser, session_id)
    by_token = socketio.test_client(app, auth={"session_id": session_id, "api_token": api_token})
    assert by_cookie.is_connected() and by_token.is_connected()
    assert admin.post(f"/staff/{facilitator_user.id}/deactivate").status_code == 302
    assert not by_cookie.is_connected() and not by_token.is_connected()
    opens_nothing(app, browser, session_id)
    refused = client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {api_token}"})
    assert refused.status_code == 401
    assert not socketio.test_client(
        app, auth={"session_id": session_id, "api_token": api_token}
    ).is_connected()
    assert client.post("/login", data={"email": "fran@example.com", "password": PASSWORD}).status_code == 401
    # Switched on again, the account signs in with its password; the old token stays revoked.
    admin.post(f"/staff/{facilitator_user.id}/reactivate")
    sign_in(app, "fran@example.com")
    assert client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401


def test_an_admin_cannot_switch_off_their_own_account(app: Flask, r: redis.Redis) -> None:
    admin = _admin(app, r)
    ada = user_store.by_email(r, "ada@example.com")
    assert ada is not None
    refused = admin.post(f"/staff/{ada[0].id}/deactivate", follow_redirects=True)
    assert "You cannot switch off your own account" in refused.get_data(as_text=True)
    assert admin.get("/staff/").status_code == 200


def test_sign_out_everywhere_ends_every_browser_of_the_account(
    app: Flask, r: redis.Redis, client: FlaskClient, api_token: str, session_id: str, facilitator_user: Any
) -> None:
    admin = _admin(app, r)
    laptop, tablet = sign_in(app, "fran@example.com"), sign_in(app, "fran@example.com")
    sockets = [socket_of(app, laptop, session_id), socket_of(app, tablet, session_id)]
    by_token = socketio.test_client(app, auth={"session_id": session_id, "api_token": api_token})
    staff_page = admin.get("/staff/").get_data(as_text=True)
    assert "Signed in on 2 browsers" in staff_page
    done = admin.post(f"/staff/{facilitator_user.id}/sign-out", follow_redirects=True)
    assert "signed out on every browser" in done.get_data(as_text=True)
    assert not any(s.is_connected() for s in sockets)
    opens_nothing(app, laptop, session_id)
    opens_nothing(app, tablet, session_id)
    # API tokens are not browsers: they keep working until revoked or the account is off.
    assert by_token.is_connected()
    assert client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    assert admin.get("/").status_code == 200


def test_only_admins_end_other_peoples_sign_ins(app: Flask, r: redis.Redis, facilitator_user: Any) -> None:
    olga = make_user(r, "olga@example.com", "facilitator")
    fran = sign_in(app, "fran@example.com")
    victim = sign_in(app, "olga@example.com")
    for action in ("sign-out", "deactivate", "reset"):
        assert fran.post(f"/staff/{olga.id}/{action}").status_code == 403
    assert victim.get("/").status_code == 200


def test_a_reset_link_works_once_and_ends_every_sign_in(
    app: Flask, r: redis.Redis, session_id: str, facilitator_user: Any
) -> None:
    admin = _admin(app, r)
    browser = sign_in(app, "fran@example.com")
    live = socket_of(app, browser, session_id)
    page = admin.post(f"/staff/{facilitator_user.id}/reset")
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    link = (
        page.get_data(as_text=True)
        .split(
            'id="reset-link-value" type="text" readonly class="invite-link" data-select-on-focus value="', 1
        )[1]
        .split('"', 1)[0]
    )
    path = "/reset/" + link.rsplit("/reset/", 1)[1]
    # A newer link replaces the first one.
    newer = admin.post(f"/staff/{facilitator_user.id}/reset").get_data(as_text=True)
    newer_path = "/reset/" + newer.split("/reset/", 1)[1].split('"', 1)[0]
    assert app.test_client().get(path).status_code == 404
    stranger = app.test_client()
    assert "For <strong>fran@example.com</strong>" in stranger.get(newer_path).get_data(as_text=True)
    short = stranger.post(newer_path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    done = stranger.post(newer_path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and stranger.get(f"/sessions/{session_id}").status_code == 200
    assert not live.is_connected()
    opens_nothing(app, browser, session_id)
    assert app.test_client().get(newer_path).status_code == 404
    sign_in(app, "fran@example.com", NEW_PASSWORD)


def test_a_reset_link_expires(app: Flask, r: redis.Redis, facilitator_user: Any) -> None:
    token = user_store.issue_password_reset(r, facilitator_user.id, 1)
    assert app.test_client().get(f"/reset/{token}").status_code == 200
    time.sleep(1.2)
    gone = app.test_client().post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert gone.status_code == 404 and "has expired" in gone.get_data(as_text=True)
    sign_in(app, "fran@example.com")


def test_a_sign_in_older_than_its_lifetime_opens_nothing(app: Flask, r: redis.Redis, session_id: str) -> None:
    browser = sign_in(app, "fran@example.com")
    account = user_store.by_email(r, "fran@example.com")
    assert account is not None
    key = f"fac:user:{account[0].id}:sign-ins"
    (field,) = r.hkeys(key)
    r.hset(key, field, repr(time.time() - app.config["SIGN_IN_MAX_AGE_S"] - 1))
    opens_nothing(app, browser, session_id)


def test_a_cookie_naming_only_the_user_opens_nothing(
    app: Flask, facilitator_user: Any, session_id: str
) -> None:
    """A cookie from before sign-ins were recorded ("<user id>" alone) must sign in again."""
    forged = app.test_client()
    with forged.session_transaction() as cookie:
        cookie["_user_id"] = facilitator_user.id
        cookie["_fresh"] = True
    opens_nothing(app, forged, session_id)


# API tokens.
def test_expired_and_revoked_tokens_answer_401(
    client: FlaskClient, r: redis.Redis, facilitator_user: Any
) -> None:
    good = user_store.issue_api_token(r, facilitator_user.id, "script", days=30)
    expired, _ = api_tokens.issue(r, facilitator_user.id, "old script", 1)
    r.hset(f"fac:api-token:{user_store.token_hash(expired)}", "expires", repr(time.time() - 1))
    revoked, gone = api_tokens.issue(r, facilitator_user.id, "retired script", 30)
    api_tokens.revoke(r, facilitator_user.id, gone.id)
    assert client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    for token, message in ((expired, "has expired"), (revoked, "not valid")):
        answer = client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and message in answer.get_json()["error"]["message"]


def test_tokens_are_made_listed_and_revoked_on_the_account_page(
    app: Flask, client: FlaskClient, r: redis.Redis, session_id: str
) -> None:
    browser = sign_in(app, "fran@example.com")
    made = browser.post("/account/tokens", data={"name": "Roster import", "days": "30"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    token = (
        made.get_data(as_text=True)
        .split(
            'id="new-token-value" type="text" readonly class="invite-link" data-select-on-focus value="', 1
        )[1]
        .split('"', 1)[0]
    )
    assert token.startswith("fac_") and not any(token in str(v) for v in _everything(r))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sessions", headers=headers).status_code == 200
    page = browser.get("/account/").get_data(as_text=True)
    assert "Roster import" in page and token not in page and "Never" not in page
    (listed,) = [
        t
        for t in api_tokens.tokens_of(r, user_store.by_email(r, "fran@example.com")[0].id)
        if t.name == "Roster import"
    ]
    assert 29.9 * 86400 < listed.expires_at - listed.created_at < 30.1 * 86400 and listed.last_used_at
    live = socketio.test_client(app, auth={"session_id": session_id, "api_token": token})
    assert live.is_connected()
    assert browser.post(f"/account/tokens/{listed.id}/revoke").status_code == 302
    assert not live.is_connected()
    assert client.get("/api/v1/sessions", headers=headers).status_code == 401
    assert "Roster import" not in browser.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "days": "30"}, "Token name"),
        ({"name": "Forever", "days": "366"}, "365"),
        ({"name": "Never", "days": "0"}, "at least 1"),
        ({"name": "Soon", "days": "tomorrow"}, "whole number"),
    ],
)
def test_a_token_needs_a_name_and_a_lifetime_of_a_year_at_most(
    app: Flask, r: redis.Redis, form: dict[str, str], message: str, facilitator_user: Any
) -> None:
    browser = sign_in(app, "fran@example.com")
    refused = browser.post("/account/tokens", data=form)
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert api_tokens.tokens_of(r, user_store.by_email(r, "fran@example.com")[0].id) == []


def test_a_token_lasts_90_days_unless_chosen_otherwise(
    app: Flask, r: redis.Redis, facilitator_user: Any
) -> None:
    browser = sign_in(app, "fran@example.com")
    assert browser.post("/account/tokens", data={"name": "Default"}).status_code == 201
    (made,) = api_tokens.tokens_of(r, user_store.by_email(r, "fran@example.com")[0].id)
    assert round((made.expires_at - made.created_at) / 86400) == 90


def test_the_cli_makes_lists_and_revokes_named_expiring_tokens(
    app: Flask,
    r: redis.Redis,
    redis_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    facilitator_user: Any,
    client: FlaskClient,
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("SECRET_KEY", "cli-secret")
    monkeypatch.setenv("FACILITATOR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(
        cli, ["tokens", "create", "fran@example.com", "--name", "Nightly export", "--days", "7"]
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.splitlines()[0]
    assert client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    too_long = runner.invoke(cli, ["tokens", "create", "fran@example.com", "--name", "x", "--days", "400"])
    assert too_long.exit_code != 0 and "365" in too_long.output
    unnamed = runner.invoke(cli, ["tokens", "create", "fran@example.com"])
    assert unnamed.exit_code != 0 and "--name" in unnamed.output
    listed = runner.invoke(cli, ["tokens", "list", "fran@example.com"])
    assert "Nightly export" in listed.output and "last used" in listed.output and token not in listed.output
    token_id = listed.output.split()[0]
    revoked = runner.invoke(cli, ["tokens", "revoke", "fran@example.com", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _everything(r: redis.Redis) -> Iterator[Any]:
    for key in r.scan_iter():
        yield key
        kind = r.type(key)
        if kind == "string":
            yield r.get(key)
        elif kind == "hash":
            yield r.hgetall(key)
        elif kind == "set":
            yield r.smembers(key)


# The open socket closes within a second, on the running server (gevent, message queue).
def _csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10).text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _sign_in_live(live: LiveServer, email: str, password: str = PASSWORD) -> requests.Session:
    http = requests.Session()
    answer = http.post(
        live.url + "/login",
        data={"email": email, "password": password, "csrf_token": _csrf(http, live.url + "/login")},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    return http


def _browser_headers(http: requests.Session) -> dict[str, str]:
    """What the browser's page sends with its socket: its cookies, and the same User-Agent
    (a staff cookie is bound to the browser that signed in)."""
    return {
        "Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items()),
        "User-Agent": str(http.headers["User-Agent"]),
    }


class Watched:
    """A real Socket.IO client on the running server that notes when it is closed."""

    def __init__(
        self, live: LiveServer, session_id: str, http: requests.Session | None = None, **auth: str
    ) -> None:
        self.closed = threading.Event()
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("disconnect", lambda *_: self.closed.set())
        # The client sends our own Origin by itself, as our pages' scripts do.
        headers = {} if http is None else _browser_headers(http)
        self.client.connect(
            live.url,
            auth={"session_id": session_id, **auth},
            headers=headers,
            transports=["websocket"],
            wait_timeout=10,
        )
        assert self.client.connected


def _post(
    http: requests.Session, live: LiveServer, path: str, page: str, data: dict[str, str] | None = None
) -> None:
    answer = http.post(
        live.url + path,
        data={**(data or {}), "csrf_token": _csrf(http, live.url + page)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]


Ending = Callable[[LiveServer, requests.Session, str], None]


def _sign_out(live: LiveServer, browser: requests.Session, user_id: str) -> None:
    _post(browser, live, "/logout", "/")


def _change_password(live: LiveServer, browser: requests.Session, user_id: str) -> None:
    other = _sign_in_live(live, "lead@example.com")
    _post(
        other,
        live,
        "/account/password",
        "/account/",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )


def _deactivate(live: LiveServer, browser: requests.Session, user_id: str) -> None:
    _post(_sign_in_live(live, "boss@example.com"), live, f"/staff/{user_id}/deactivate", "/staff/")


def _everywhere(live: LiveServer, browser: requests.Session, user_id: str) -> None:
    _post(_sign_in_live(live, "boss@example.com"), live, f"/staff/{user_id}/sign-out", "/staff/")


@pytest.mark.parametrize("end", [_sign_out, _change_password, _deactivate, _everywhere])
def test_ending_a_sign_in_closes_its_open_socket_within_a_second(
    live: LiveServer, r: redis.Redis, end: Ending
) -> None:
    lead = make_user(r, "lead@example.com", "facilitator")
    make_user(r, "boss@example.com", "admin")
    build = SessionBuilder(
        requests.Session(), user_store.issue_api_token(r, lead.id), prefix=live.url
    ).create()
    browser = _sign_in_live(live, "lead@example.com")
    watched = Watched(live, build.session_id, browser)
    # The password is hashed (a few hundred ms) before the sign-in ends: time from the answer.
    end(live, browser, lead.id)
    answered = time.monotonic()
    assert watched.closed.wait(5), "the socket stayed open"
    assert time.monotonic() - answered < 1.0
    again = socketio_client.Client(reconnection=False)
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        again.connect(
            live.url,
            auth={"session_id": build.session_id},
            headers=_browser_headers(browser),
            transports=["websocket"],
            wait_timeout=10,
        )
    assert (
        browser.get(live.url + f"/sessions/{build.session_id}", allow_redirects=False, timeout=10).status_code
        == 302
    )


def test_a_token_revoked_from_the_command_line_closes_its_socket_on_the_server(
    live: LiveServer, r: redis.Redis, redis_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI is another process: the close travels through Redis to the server holding it."""
    lead = make_user(r, "lead@example.com", "facilitator")
    token, record = api_tokens.issue(r, lead.id, "tablet script", 30)
    build = SessionBuilder(requests.Session(), token, prefix=live.url).create()
    watched = Watched(live, build.session_id, api_token=token)
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("SECRET_KEY", "cli-secret")
    monkeypatch.setenv("FACILITATOR_DATA_DIR", str(tmp_path))
    revoked = CliRunner().invoke(cli, ["tokens", "revoke", "lead@example.com", record.id])
    answered = time.monotonic()
    assert revoked.exit_code == 0, revoked.output
    assert watched.closed.wait(5), "the socket stayed open"
    assert time.monotonic() - answered < 1.0
