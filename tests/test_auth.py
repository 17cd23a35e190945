"""Staff sign-in and sign-out, the first-admin link, CSRF and cookie settings."""

from __future__ import annotations

from pathlib import Path

import redis
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from facilitator import create_app
from facilitator.store import users as user_store

from .conftest import PASSWORD, app_config
from .redis_server import RedisProcess


def test_staff_pages_need_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_in_with_the_right_password_only(
    client: FlaskClient, facilitator_user: user_store.StaffUser
) -> None:
    wrong = client.post("/login", data={"email": facilitator_user.email, "password": "nope"})
    assert wrong.status_code == 401 and b"do not match" in wrong.data
    right = client.post("/login", data={"email": "FRAN@example.com", "password": PASSWORD})
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_passwords_are_stored_with_a_slow_hash(r: redis.Redis, client: FlaskClient) -> None:
    token = user_store.issue_setup_token(r)
    client.post(
        f"/setup/{token}",
        data={
            "email": "boss@example.com",
            "name": "Boss",
            "password": "a very long secret",
            "confirm": "a very long secret",
        },
    )
    stored = r.hget("fac:user:" + r.get("fac:user-email:boss@example.com"), "password")
    assert stored.startswith("scrypt:") and "a very long secret" not in stored


def test_first_admin_link_works_once(r: redis.Redis, client: FlaskClient) -> None:
    token = user_store.issue_setup_token(r)
    form = {
        "email": "boss@example.com",
        "name": "Boss",
        "password": "a very long secret",
        "confirm": "a very long secret",
    }
    short = client.post(f"/setup/{token}", data={**form, "password": "short", "confirm": "short"})
    assert b"at least 10 characters" in short.data and user_store.count(r) == 0
    created = client.post(f"/setup/{token}", data=form)
    assert created.status_code == 302
    account = user_store.by_email(r, "boss@example.com")
    assert account is not None and account[0].role == "admin"
    assert client.get(f"/setup/{token}").status_code == 404


def test_login_attempts_are_rate_limited(client: FlaskClient, facilitator_user: user_store.StaffUser) -> None:
    for _ in range(10):
        client.post("/login", data={"email": facilitator_user.email, "password": "guess"})
    blocked = client.post("/login", data={"email": facilitator_user.email, "password": PASSWORD})
    assert blocked.status_code == 401 and b"Too many attempts" in blocked.data


def test_forms_without_a_csrf_token_are_refused(
    r: redis.Redis, redis_server: RedisProcess, tmp_path: Path, facilitator_user: user_store.StaffUser
) -> None:
    app = create_app(app_config(redis_server.url, tmp_path, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    response = client.post("/login", data={"email": facilitator_user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": facilitator_user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_session_cookie_is_http_only_and_same_site(
    client: FlaskClient, facilitator_user: user_store.StaffUser
) -> None:
    response = client.post("/login", data={"email": facilitator_user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_forbid_inline_scripts(client: FlaskClient) -> None:
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_admin_adds_staff_accounts_and_others_cannot(
    client: FlaskClient, r: redis.Redis, facilitator_user: user_store.StaffUser
) -> None:
    admin = user_store.create(
        r, "boss@example.com", "Boss", "admin", generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    )
    assert admin is not None
    client.post("/login", data={"email": "fran@example.com", "password": PASSWORD})
    assert client.get("/staff/").status_code == 403
    client.post("/logout")
    client.post("/login", data={"email": "boss@example.com", "password": PASSWORD})
    short = client.post(
        "/staff/",
        data={"name": "Olive", "email": "olive@example.com", "role": "observer", "password": "short"},
    )
    assert short.status_code == 400 and user_store.by_email(r, "olive@example.com") is None
    taken = client.post(
        "/staff/",
        data={"name": "Fran", "email": "fran@example.com", "role": "observer", "password": "long enough pw"},
    )
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    added = client.post(
        "/staff/",
        data={
            "name": "Olive",
            "email": "olive@example.com",
            "role": "observer",
            "password": "long enough pw",
        },
    )
    assert added.status_code == 302
    found = user_store.by_email(r, "olive@example.com")
    assert found is not None and found[0].role == "observer"
    assert "Olive" in client.get("/staff/").get_data(as_text=True)
