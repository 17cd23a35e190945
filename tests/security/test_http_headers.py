"""HTTP hardening on every response: nosniff, framing, caching of personal data, HSTS over
HTTPS only, referrers from candidates' pages, and redirects that never leave the site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient

from facilitator import create_app
from facilitator.web.api import OPERATIONS

from ..builders import SessionBuilder
from ..conftest import PASSWORD, app_config
from ..live_server import LiveServer
from ..redis_server import RedisProcess

STATIC = Path(__file__).resolve().parents[2] / "static"
POLLING = "/socket.io/?EIO=4&transport=polling"
HSTS = "max-age=31536000; includeSubDomains"
# Responses that choose their own caching, none of them personal data: the organisation's
# colours and logo, the QR code of the join page, and the service workers (always revalidated).
OWN_CACHING = {"/brand.css", "/brand/logo", "/observe-sw.js", "/phone-sw.js", "qr.svg"}


@pytest.fixture
def place(app: Flask, client: FlaskClient, api_token: str, r: redis.Redis) -> dict[str, str]:
    """A session with an exercise and a checked-in candidate: values for every URL parameter."""
    build = SessionBuilder(client, api_token).create()
    build.call("post", f"/sessions/{build.session_id}/candidates", {"candidates": [{"name": "Ada Lovelace"}]})
    build.state("open")
    (ada,) = build.call("get", f"/sessions/{build.session_id}/candidates")
    return {
        "session_id": build.session_id,
        "candidate_id": ada["id"],
        "exercise_id": build.exercises()[0]["id"],
        "token": urlsplit(ada["invite_url"]).path.rsplit("/", 1)[1],
        "code": build.join_code,
        "competency_id": "teamwork",
        "filename": "css/app.css",
        "name": "socket.io.esm.min.js",
        "observation_id": "none-such",
    }


def every_get(app: Flask, place: dict[str, str]) -> list[str]:
    """Every GET route of the app with its parameters filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()):
            paths.append(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: quote(place.get(m[1], "x")), rule.rule))
    return sorted(paths)


def static_files() -> list[str]:
    return sorted("/static/" + str(p.relative_to(STATIC)) for p in STATIC.rglob("*") if p.is_file())


def check_every_response(response: Any, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), where


def test_every_page_api_route_static_file_and_polling_answer_carries_nosniff(
    app: Flask, signed_in: FlaskClient, place: dict[str, str]
) -> None:
    paths = every_get(app, place)
    assert len(paths) > 50 and f"/api/v1/sessions/{place['session_id']}/admissions" in paths
    statuses = {}
    for path in [*paths, *static_files(), "/no/such/page", "/api/v1/no-such-route"]:
        with signed_in.get(path) as response:
            statuses[path] = response.status_code
            check_every_response(response, path)
    assert statuses[f"/sessions/{place['session_id']}/live"] == 200 and statuses["/static/css/app.css"] == 200
    # Engine.IO answers before Flask's own hooks run: its answers carry the headers too.
    opened = signed_in.get(POLLING)
    assert opened.status_code == 200 and opened.get_data(as_text=True).startswith("0{")
    check_every_response(opened, POLLING)
    check_every_response(signed_in.get(POLLING + "&sid=unknown"), "polling, unknown sid")


def test_personal_data_is_never_cached_and_static_files_keep_their_caching(
    app: Flask, signed_in: FlaskClient, place: dict[str, str]
) -> None:
    for path in every_get(app, place):
        if path.startswith(("/static/", "/vendor/")) or any(own in path for own in OWN_CACHING):
            continue
        with signed_in.get(path) as response:
            assert "no-store" in response.headers.get("Cache-Control", ""), (path, response.status_code)
    phone = app.test_client()
    for path in ("/join", f"/join/{place['code']}", f"/i/{place['token']}", "/join/privacy"):
        assert phone.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" in signed_in.get(POLLING).headers["Cache-Control"]
    for path in ["/static/css/app.css", "/static/js/control.js", "/vendor/socket.io.esm.min.js"]:
        with signed_in.get(path) as file:
            # The caching the file was served with (the asset layer's), not no-store.
            assert file.status_code == 200 and file.headers.get("Cache-Control"), path
            assert "no-store" not in file.headers["Cache-Control"], path
    # API answers, those without a body to read included.
    for operation in OPERATIONS:
        if operation.method == "get" and "{" not in operation.path:
            answer = signed_in.get("/api/v1" + operation.path)
            assert answer.headers["Cache-Control"] == "no-store", operation.path


def test_hsts_only_over_https(app: Flask, place: dict[str, str]) -> None:
    secure, plain = app.test_client(), app.test_client()
    for path in (
        "/login",
        "/join",
        f"/i/{place['token']}",
        "/api/v1/openapi.json",
        "/static/css/app.css",
        POLLING,
    ):
        with secure.get(path, base_url="https://centre.example.org") as over_https:
            assert over_https.headers["Strict-Transport-Security"] == HSTS, path
        with plain.get(path) as over_http:
            assert "Strict-Transport-Security" not in over_http.headers, path


def test_hsts_behind_a_trusted_proxy_follows_the_scheme_it_forwards(
    r: redis.Redis, redis_server: RedisProcess, tmp_path: Path
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "centre.example.org"}
    behind = create_app(app_config(redis_server.url, tmp_path, TRUSTED_PROXIES=1)).test_client()
    for path in ("/login", POLLING):
        assert "Strict-Transport-Security" in behind.get(path, headers=forwarded).headers, path
    # Without trusted proxies anybody can send the header: it is not believed.
    direct = create_app(app_config(redis_server.url, tmp_path / "direct")).test_client()
    assert "Strict-Transport-Security" not in direct.get("/login", headers=forwarded).headers


def test_candidates_pages_send_no_referrer(app: Flask, signed_in: FlaskClient, place: dict[str, str]) -> None:
    phone = app.test_client()
    for path in ("/join", f"/join/{place['code']}", f"/i/{place['token']}", f"/i/{place['token']}/feedback"):
        assert phone.get(path).headers["Referrer-Policy"] == "no-referrer", path
    phone.post("/join", data={"code": place["code"], "name": "Grace Hopper"})
    checked_in = phone.post("/join/privacy")
    assert checked_in.headers["Referrer-Policy"] == "no-referrer"
    assert phone.get(f"/s/{place['session_id']}/phone").headers["Referrer-Policy"] == "no-referrer"
    # Staff pages send the referrer only to this site.
    assert signed_in.get(f"/sessions/{place['session_id']}").headers["Referrer-Policy"] == "same-origin"


ELSEWHERE = [
    "//evil.example",
    "//evil.example/sessions",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_in_never_redirects_to_another_site(app: Flask, facilitator_user: Any, target: str) -> None:
    browser = app.test_client()
    signed = browser.post(
        "/login?next=" + quote(target, safe=""), data={"email": facilitator_user.email, "password": PASSWORD}
    )
    assert signed.status_code == 302
    location = signed.headers["Location"]
    # A browser would read the Location against the app's address: it must stay on it.
    seen = urlsplit(requests.compat.urljoin("http://localhost/login", location))
    assert seen.netloc == "localhost" and seen.scheme == "http", location
    assert not re.match(r"^\s*(/[\\/]|[a-z]+:)", location, re.I), location


def test_a_same_site_next_is_kept(app: Flask, facilitator_user: Any) -> None:
    browser = app.test_client()
    signed = browser.post(
        "/login?next=" + quote("/library/?tab=1", safe=""),
        data={"email": facilitator_user.email, "password": PASSWORD},
    )
    assert signed.headers["Location"] == "/library/?tab=1"


@pytest.mark.parametrize("target", ELSEWHERE[:6])
def test_the_control_rooms_state_form_never_redirects_to_another_site(
    signed_in: FlaskClient, place: dict[str, str], target: str
) -> None:
    moved = signed_in.post(f"/sessions/{place['session_id']}/state", data={"state": "live", "next": target})
    assert moved.status_code == 302
    assert urlsplit(moved.headers["Location"]).netloc in ("", "localhost"), moved.headers["Location"]
    assert not moved.headers["Location"].startswith(("//", "/\\", "\\")), moved.headers["Location"]


@pytest.mark.live
def test_a_real_polling_answer_from_the_running_server_carries_the_headers(live: LiveServer) -> None:
    opened = requests.get(live.url + POLLING, timeout=10)
    assert opened.status_code == 200 and opened.text.startswith("0{")
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert opened.headers["Cache-Control"] == "no-store"
    assert opened.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in opened.headers  # plain HTTP
    page = requests.get(live.url + "/join", timeout=10)
    assert (
        page.headers["X-Content-Type-Options"] == "nosniff"
        and page.headers["Referrer-Policy"] == "no-referrer"
    )
