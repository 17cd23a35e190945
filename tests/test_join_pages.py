"""Candidates joining from a phone's browser: code and name, personal link, privacy notice first."""

from __future__ import annotations

import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.store import sessions as session_store

from .builders import SessionBuilder


def open_session(client: FlaskClient, token: str, roster: tuple[str, ...] = ()) -> SessionBuilder:
    build = SessionBuilder(client, token).create()
    if roster:
        build.call(
            "post",
            f"/sessions/{build.session_id}/candidates",
            {"candidates": [{"name": n} for n in roster]},
            expect=201,
        )
    build.state("open")
    return build


def join_by_code(app: Flask, code: str, name: str) -> tuple[FlaskClient, object]:
    phone = app.test_client()
    return phone, phone.post("/join", data={"code": code, "name": name})


def test_privacy_notice_comes_before_check_in(app: Flask, client: FlaskClient, api_token: str) -> None:
    build = open_session(client, api_token)
    phone, response = join_by_code(app, build.join_code, "Ada Lovelace")
    assert response.headers["Location"].endswith("/join/privacy")  # type: ignore[attr-defined]
    notice = phone.get("/join/privacy").get_data(as_text=True)
    assert "What we record" in notice and "For 180 days after the session" in notice
    assert "Other candidates never see it" in notice
    assert build.call("get", f"/sessions/{build.session_id}/candidates") == []
    checked_in = phone.post("/join/privacy")
    assert checked_in.status_code == 302 and checked_in.headers["Location"].endswith(
        f"/s/{build.session_id}/phone"
    )
    assert "HttpOnly" in checked_in.headers["Set-Cookie"]
    (candidate,) = build.call("get", f"/sessions/{build.session_id}/candidates")
    assert candidate["name"] == "Ada Lovelace" and candidate["walk_in"] and candidate["checked_in_at"]
    assert phone.get(f"/s/{build.session_id}/phone").status_code == 200


def test_unknown_code_and_bad_names_are_explained(app: Flask, client: FlaskClient, api_token: str) -> None:
    build = open_session(client, api_token)
    _, wrong = join_by_code(app, "QQQQQQQ", "Ada")
    assert wrong.status_code == 400 and "No session has that code" in wrong.get_data(as_text=True)  # type: ignore[attr-defined]
    _, empty = join_by_code(app, build.join_code, "")
    assert empty.status_code == 400 and "Name is required." in empty.get_data(as_text=True)  # type: ignore[attr-defined]
    _, long = join_by_code(app, build.join_code, "x" * 81)
    assert long.status_code == 400 and "at most 80 characters" in long.get_data(as_text=True)  # type: ignore[attr-defined]


def test_name_on_the_roster_is_matched_rather_than_added(
    app: Flask, client: FlaskClient, api_token: str
) -> None:
    build = open_session(client, api_token, roster=("Zoë Ångström",))
    phone, _ = join_by_code(app, build.join_code, "zoe  angstrom")
    phone.post("/join/privacy")
    (candidate,) = build.call("get", f"/sessions/{build.session_id}/candidates")
    assert (
        candidate["name"] == "Zoë Ångström"
        and not candidate["walk_in"]
        and candidate["status"] == "checked_in"
    )


def test_locked_lobby_refuses_walk_ins_but_personal_links_work(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = open_session(client, api_token, roster=("Grace Hopper",))
    build.call("post", f"/sessions/{build.session_id}/lobby", {"locked": True}, expect=200)
    _, refused = join_by_code(app, build.join_code, "Walk In")
    assert refused.status_code == 400 and "lobby is locked" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    token = session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"]).popitem()[1]
    phone = app.test_client()
    assert phone.get(f"/i/{token}").headers["Location"].endswith("/join/privacy")
    assert phone.post("/join/privacy").status_code == 302
    assert phone.get(f"/s/{build.session_id}/phone").status_code == 200


def test_removed_candidate_stays_removed_after_a_reload(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = open_session(client, api_token, roster=("Linus",))
    token = session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"]).popitem()[1]
    phone = app.test_client()
    phone.get(f"/i/{token}")
    phone.post("/join/privacy")
    (candidate,) = build.call("get", f"/sessions/{build.session_id}/candidates")
    build.call("delete", f"/sessions/{build.session_id}/candidates/{candidate['id']}", expect=200)
    assert phone.get(f"/s/{build.session_id}/phone").status_code == 403
    assert phone.get(f"/i/{token}").status_code == 409
    _, again = join_by_code(app, build.join_code, "Linus")
    assert again.status_code == 400 and "removed" in again.get_data(as_text=True)  # type: ignore[attr-defined]


def test_invalid_personal_link_is_explained(client: FlaskClient) -> None:
    response = client.get("/i/not-a-real-token-at-all")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


def test_joining_a_draft_session_is_refused(app: Flask, client: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    _, refused = join_by_code(app, build.join_code, "Early Bird")
    assert refused.status_code == 400 and "has not opened yet" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
