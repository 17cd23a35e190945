"""Privacy: personal links that a copy of the database cannot use, the candidate's export of
everything held about them, erasure, and the privacy notice admins edit."""

from __future__ import annotations

import html
import json
import re

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.store import invites, keys
from facilitator.store import sessions as session_store
from facilitator.store import users as user_store
from facilitator.store.users import token_hash

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user
from ..feedback_helpers import assessed_stage
from ..review_helpers import Finished, finished_session


def text_of(page: str) -> str:
    """What a person reads on a page: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def roster_session(client: FlaskClient, token: str, *people: tuple[str, str]) -> SessionBuilder:
    """A session open for joining with these (name, email) people on its roster."""
    build = SessionBuilder(client, token).create()
    entries = [{"name": name, **({"email": email} if email else {})} for name, email in people]
    build.call("post", f"/sessions/{build.session_id}/candidates", {"candidates": entries}, expect=201)
    build.state("open")
    return build


def everything_in(r: redis.Redis) -> str:
    """Every string value of every key, as one text (to look for a secret in)."""
    parts = []
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        if kind == "string":
            parts.append(str(r.get(key)))
        elif kind == "hash":
            parts += [f"{k}={v}" for k, v in r.hgetall(key).items()]
        elif kind == "set":
            parts += list(r.smembers(key))
        elif kind == "zset":
            parts += list(r.zrange(key, 0, -1))
        elif kind == "list":
            parts += list(r.lrange(key, 0, -1))
        elif kind == "stream":
            parts += [str(fields) for _, fields in r.xrange(key)]
        parts.append(str(key))
    return "\n".join(parts)


def test_no_personal_link_is_stored_in_clear(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = roster_session(client, api_token, ("Grace Hopper", "grace@example.com"), ("Alan Turing", ""))
    links = session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"])
    assert len(links) == 2
    stored = everything_in(r)
    for token in links.values():
        assert token not in stored
        # Only its hash, under which the link is found.
        assert r.get(keys.invite(token_hash(token))) is not None
    # The facilitator's page shows each link, derived again from the secret.
    page = client.get(f"/api/v1/sessions/{build.session_id}/candidates", headers=build.headers).get_json()
    assert {c["invite_url"].rsplit("/", 1)[1] for c in page} == set(links.values())
    # A phone opening one checks in as that candidate.
    phone = app.test_client()
    assert phone.get(f"/i/{next(iter(links.values()))}").headers["Location"].endswith("/join/privacy")


def test_a_copy_of_the_database_without_the_secret_makes_no_working_link(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = roster_session(client, api_token, ("Grace Hopper", "grace@example.com"))
    guessed = session_store.invite_tokens(r, build.session_id, "not-the-secret")
    assert guessed and all(session_store.resolve_invite(r, t) is None for t in guessed.values())
    phone = app.test_client()
    assert phone.get(f"/i/{next(iter(guessed.values()))}").status_code == 404


def test_a_link_kept_in_clear_by_an_earlier_version_still_works_and_leaves_the_store(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = roster_session(client, api_token, ("Grace Hopper", "grace@example.com"))
    (cid,) = r.hkeys(keys.candidate_secrets(build.session_id))
    # How the link was kept before: the token itself, and its hash as the lookup key.
    old = "o" * 43
    r.hset(keys.candidate_secrets(build.session_id), cid, old)
    r.set(keys.invite(token_hash(old)), f"{build.session_id}:{cid}")

    shown = session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"])
    assert old not in everything_in(r)
    assert shown[cid] != old
    # Both the link already sent and the one shown from now on open the candidate's check-in.
    for token in (old, shown[cid]):
        assert session_store.resolve_invite(r, token) == (build.session_id, cid)
    # Erasing the candidate's links later finds both, with no secret needed.
    assert set(invites.lookup_hashes(r, build.session_id)) == {token_hash(old), token_hash(shown[cid])}


# ---- a candidate's export of everything held about them ----


@pytest.fixture
def finished(client: FlaskClient, r: redis.Redis, api_token: str) -> Finished:
    """The seeded review session (tests/review_helpers.py): two observers, two exercises."""
    return finished_session(client, r, api_token)


def signed_in_as(app: Flask, email: str) -> FlaskClient:
    """A separate browser, signed in as this staff member."""
    browser = app.test_client()
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return browser


def test_the_export_holds_every_observation_and_rating_about_the_candidate(
    signed_in: FlaskClient, finished: Finished
) -> None:
    sid, candidate = finished.sid, finished.candidate_ids[0]
    # An edited observation keeps its earlier version; a deleted one stays, marked deleted.
    first, second = [o for o in finished.observations if o["candidate_id"] == candidate][:2]
    finished.observer(0).call(
        "patch", f"/sessions/{sid}/observations/{first['id']}", {"note": "Changed my mind"}
    )
    finished.observer(1).call("delete", f"/sessions/{sid}/observations/{second['id']}")

    response = signed_in.get(f"/sessions/{sid}/candidates/{candidate}/data.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    held = response.get_json()

    seeded = {o["id"]: o for o in finished.observations if o["candidate_id"] == candidate}
    exported = {o["id"]: o for o in held["observations"]}
    assert set(exported) == set(seeded)
    names = {finished.panel.a_id: "Alex", finished.panel.b_id: "Blair"}
    for oid, observation in seeded.items():
        assert exported[oid]["observer"] == names[observation["observer_id"]]
    assert exported[first["id"]]["note"] == "Changed my mind"
    assert [v["note"] for v in exported[first["id"]]["earlier_versions"]] == [first["note"]]
    assert exported[second["id"]]["deleted"] is True and exported[second["id"]]["note"] == second["note"]
    # Not a word of the other candidate's evidence.
    assert all(o["candidate_id"] == candidate for o in finished.observations if o["id"] in exported)

    seeded_ratings = [x for x in finished.ratings if x["candidate_id"] == candidate]
    assert len(held["ratings"]) == len(seeded_ratings) == 4
    got = sorted(
        (x["observer_id"], x["exercise"], s["competency_id"], s["score"], s["evidence"])
        for x in held["ratings"]
        for s in x["scores"]
    )
    titles = {e["id"]: e["title"] for e in finished.build.exercises()}
    want = sorted(
        (x["observer_id"], titles[x["exercise_id"]], cid, s["score"], s["evidence"])
        for x in seeded_ratings
        for cid, s in x["scores"].items()
    )
    assert got == want
    assert held["candidate"]["name"] == "Candidate 0"
    assert held["groups"] and held["check_in"]["checked_in_at"]


def test_the_export_includes_draft_ratings_and_the_review_record(
    signed_in: FlaskClient, finished: Finished
) -> None:
    sid, candidate = finished.sid, finished.candidate_ids[0]
    finished.start_review()
    first = finished.exercise_ids[0]
    finished.build.call(
        "post",
        f"/sessions/{sid}/ratings/{first}/{candidate}/{finished.panel.a_id}/reopen",
        {"reason": "Scores do not match the notes"},
        expect=200,
    )
    finished.build.call(
        "post",
        f"/sessions/{sid}/decisions",
        {"candidate_id": candidate, "outcome": "next_round", "rationale": "Strong on teamwork"},
        expect=201,
    )
    held = signed_in.get(f"/sessions/{sid}/candidates/{candidate}/data.json").get_json()
    reopened = [
        x for x in held["ratings"] if x["observer_id"] == finished.panel.a_id and x["status"] == "draft"
    ]
    assert len(reopened) == 1 and reopened[0]["reopenings"][0]["reason"] == "Scores do not match the notes"
    assert (
        held["decision"]["outcome"] == "Next round" and held["decision"]["rationale"] == "Strong on teamwork"
    )
    assert "draft ratings included" in held["export"]["about"]


def test_the_readable_page_shows_the_same_and_only_to_those_who_run_the_session(
    app: Flask, client: FlaskClient, signed_in: FlaskClient, finished: Finished, r: redis.Redis
) -> None:
    sid, candidate = finished.sid, finished.candidate_ids[0]
    page = signed_in.get(f"/sessions/{sid}/candidates/{candidate}/data")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    shown = text_of(page.get_data(as_text=True))
    for observation in finished.observations:
        if observation["candidate_id"] == candidate:
            assert observation["note"] in shown
    assert "Alex" in shown and "Blair" in shown and "Erase Candidate 0 for good" in shown

    make_user(r, "other@example.com", "facilitator")
    make_user(r, "admin@example.com", "admin")
    alex = signed_in_as(app, "alex@example.com")  # on the panel, but does not run the session
    stranger = signed_in_as(app, "other@example.com")
    admin = signed_in_as(app, "admin@example.com")
    for path in ("/data", "/data.json"):
        url = f"/sessions/{sid}/candidates/{candidate}{path}"
        assert alex.get(url).status_code == 404
        assert stranger.get(url).status_code == 404
        assert admin.get(url).status_code == 200
        assert app.test_client().get(url).status_code == 302  # to sign in
        assert (
            alex.post(
                f"/sessions/{sid}/candidates/{candidate}/erase", data={"confirm": "Candidate 0"}
            ).status_code
            == 404
        )
    assert candidate in r.hkeys(keys.candidates(sid))
    # The API follows the same rule.
    observer_api = finished.observer(0)
    observer_api.call("get", f"/sessions/{sid}/candidates/{candidate}/data", expect=403)
    finished.build.call("get", f"/sessions/{sid}/candidates/{candidate}/data", expect=200)


# ---- the privacy notice admins edit ----


def test_an_admin_edits_the_privacy_notice_and_the_join_flow_shows_it(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    make_user(r, "admin@example.com", "admin")
    admin = signed_in_as(app, "admin@example.com")
    page = admin.get("/admin/privacy-notice").get_data(as_text=True)
    assert "## What we record" in html.unescape(page)  # the standard text, ready to change

    text = (
        "## Who we are\n\nAcme Hiring Ltd, privacy@acme.example.\n\n"
        "## How long\n\nWe keep your data for {retention_days} days.\n\n"
        '<script>alert("notice")</script> [a link](javascript:alert(1)) **bold**'
    )
    assert admin.post("/admin/privacy-notice", data={"action": "save", "text": text}).status_code == 302

    build = SessionBuilder(client, api_token).create()
    build.state("open")
    phone = app.test_client()
    assert phone.post("/join", data={"code": build.join_code, "name": "Ada"}).status_code == 302
    notice = phone.get("/join/privacy").get_data(as_text=True)
    assert "Acme Hiring Ltd" in notice and "We keep your data for 180 days." in notice
    assert "<strong>bold</strong>" in notice
    assert "<script>alert" not in notice and "&lt;script&gt;" in notice and 'href="javascript' not in notice
    assert "What we record" not in notice
    assert notice.count('<section class="phone-notice">') == 2
    # The change is in the audit log, without the text itself.
    (entry,) = [f for _, f in r.xrange(keys.audit()) if f["action"] == "edited_privacy_notice"]
    assert "Acme" not in str(entry) and entry["actor"].startswith("Admin")

    # Back to the standard text.
    assert admin.post("/admin/privacy-notice", data={"action": "reset"}).status_code == 302
    assert "What we record" in phone.get("/join/privacy").get_data(as_text=True)


def test_only_admins_change_the_notice_and_an_empty_one_is_refused(
    app: Flask, signed_in: FlaskClient, r: redis.Redis
) -> None:
    assert signed_in.get("/admin/privacy-notice").status_code == 403
    assert signed_in.post("/admin/privacy-notice", data={"action": "save", "text": "Mine"}).status_code == 403
    assert r.exists(keys.privacy_notice()) == 0
    make_user(r, "admin@example.com", "admin")
    admin = signed_in_as(app, "admin@example.com")
    empty = admin.post("/admin/privacy-notice", data={"action": "save", "text": "   "})
    assert empty.status_code == 400 and "The privacy notice" in text_of(empty.get_data(as_text=True))
    too_long = admin.post("/admin/privacy-notice", data={"action": "save", "text": "x" * 20_001})
    assert too_long.status_code == 400 and r.exists(keys.privacy_notice()) == 0
    warned = admin.post("/admin/privacy-notice", data={"action": "save", "text": "No period given."})
    assert warned.status_code == 302
    assert "does not say how long" in admin.get("/admin/privacy-notice").get_data(as_text=True)


# ---- erasure, as the facilitator does it ----


def test_erasure_needs_the_name_typed_and_then_takes_the_candidate_out_everywhere(
    app: Flask, signed_in: FlaskClient, finished: Finished, r: redis.Redis
) -> None:
    sid = finished.sid
    gone, kept = finished.candidate_ids
    url = f"/sessions/{sid}/candidates/{gone}/erase"
    wrong = signed_in.post(url, data={"confirm": "Candidate"})
    assert wrong.status_code == 400 and "Nothing was erased" in text_of(wrong.get_data(as_text=True))
    assert gone in r.hkeys(keys.candidates(sid))

    done = signed_in.post(url, data={"confirm": "candidate 0"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/sessions/{sid}#roster")
    page = text_of(signed_in.get(f"/sessions/{sid}").get_data(as_text=True))
    assert "Candidate 0 was erased from this session." in page and "gone from the disk too" in page
    assert "Candidate 0" not in page.replace("Candidate 0 was erased from this session.", "")
    assert r.hkeys(keys.candidates(sid)) == [kept]
    assert all(o["candidate_id"] != gone for o in map(json.loads, r.hvals(keys.observations(sid))))
    assert all(f":{gone}:" not in f for f in r.hkeys(keys.ratings(sid)))
    assert gone not in str(r.xrange(keys.events(sid)))
    # The other candidate's review pages and export still work, with their evidence intact.
    assert signed_in.get(f"/sessions/{sid}/candidates/{kept}/summary").status_code == 200
    assert signed_in.get(f"/sessions/{sid}/compare").status_code == 200
    held = signed_in.get(f"/sessions/{sid}/candidates/{kept}/data.json").get_json()
    assert len(held["observations"]) == len([o for o in finished.observations if o["candidate_id"] == kept])
    assert signed_in.get(f"/sessions/{sid}/candidates/{gone}/data").status_code == 404
    # The API erases the same way and refuses a missing confirmation.
    answer = finished.build.call(
        "post", f"/sessions/{sid}/candidates/{kept}/erase", {"confirm": "nobody"}, expect=409
    )
    assert answer["error"]["code"] == "confirmation_mismatch"
    erased = finished.build.call(
        "post", f"/sessions/{sid}/candidates/{kept}/erase", {"confirm": "Candidate 1"}, expect=200
    )
    assert (
        erased["observations"] == 4
        and erased["ratings"] == 4
        and erased["compaction"]["aof"] in ("rewritten", "off")
    )
    assert r.hlen(keys.candidates(sid)) == 0


def test_the_export_lists_the_persons_other_stages_it_may_show(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    people = [("Robin Returning", "robin@example.com")]
    first = assessed_stage(client, r, api_token, people, title="First interview")
    second = assessed_stage(client, r, api_token, people, title="Final interview")
    held = second.build.call(
        "get", f"/sessions/{second.sid}/candidates/{second.candidate_ids[0]}/data", expect=200
    )
    assert [(s["title"], s["session_id"]) for s in held["other_stages"]] == [("First interview", first.sid)]
    assert held["other_stages_not_shown"] == 0
    # A facilitator running only the second stage learns that another exists, not what it is.
    other = make_user(r, "other@example.com", "facilitator")
    second.build.call("post", f"/sessions/{second.sid}/co-facilitators", {"user_id": other.id}, expect=201)
    token = user_store.issue_api_token(r, other.id)
    answer = client.get(
        f"/api/v1/sessions/{second.sid}/candidates/{second.candidate_ids[0]}/data",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert answer["other_stages"] == [] and answer["other_stages_not_shown"] == 1
