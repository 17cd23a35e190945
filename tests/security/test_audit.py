"""The audit log: who viewed, changed, exported or erased assessment data, and every sign-in,
without note text or passwords; readable and filterable by admins only; inert as HTML."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.store import keys
from facilitator.store.users import StaffUser

from ..conftest import PASSWORD, make_user
from ..review_helpers import Finished, finished_session


@pytest.fixture
def finished(client: FlaskClient, r: redis.Redis, api_token: str) -> Finished:
    """The seeded review session (tests/review_helpers.py)."""
    return finished_session(client, r, api_token)


@pytest.fixture
def admin(app: Flask, r: redis.Redis) -> FlaskClient:
    """A browser signed in as an admin."""
    make_user(r, "ada@example.com", "admin")
    browser = app.test_client()
    assert browser.post("/login", data={"email": "ada@example.com", "password": PASSWORD}).status_code == 302
    return browser


def entries(r: redis.Redis) -> list[dict[str, str]]:
    """Every audit entry, oldest first, as stored."""
    return [fields for _, fields in r.xrange(keys.audit())]


def rows(page: str) -> list[str]:
    """The text of each row of the audit page's table."""
    body = page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""
    found = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in found]


def test_views_exports_erasures_and_sign_ins_are_recorded_with_the_actor_and_no_note_text(
    app: Flask, signed_in: FlaskClient, finished: Finished, facilitator_user: StaffUser, r: redis.Redis
) -> None:
    sid = finished.sid
    candidate = finished.candidate_ids[1]
    assert signed_in.get(f"/sessions/{sid}/candidates/{candidate}/summary").status_code == 200
    assert signed_in.get(f"/sessions/{sid}/export.xlsx").status_code == 200
    assert signed_in.get(f"/sessions/{sid}/candidates/{candidate}/data.json").status_code == 200
    wrong = app.test_client().post("/login", data={"email": "fran@example.com", "password": "not it at all"})
    assert wrong.status_code == 401
    erased = signed_in.post(f"/sessions/{sid}/candidates/{candidate}/erase", data={"confirm": "Candidate 1"})
    assert erased.status_code == 302

    found = entries(r)
    actor = f"{facilitator_user.name} <{facilitator_user.email}>"
    by_action = {}
    for entry in found:
        by_action.setdefault(entry["action"], []).append(entry)
    assert (
        by_action["signed_in"][0]["actor"] == actor
        and by_action["signed_in"][0]["actor_id"] == facilitator_user.id
    )
    summary = by_action["viewed_summary"][-1]
    assert (summary["actor"], summary["session_id"], summary["candidate_id"]) == (actor, sid, candidate)
    assert by_action["exported_review"][-1]["detail"] == "Excel workbook"
    assert by_action["exported_candidate_data"][-1]["candidate_id"] == candidate
    refused = by_action["sign_in_refused"][-1]
    assert refused["actor"] == "fran@example.com" and refused["actor_id"] == "" and refused["address"]
    erasure = by_action["erased_candidate"][-1]
    assert (erasure["actor"], erasure["session_id"], erasure["candidate_id"]) == (actor, sid, candidate)
    # The observations and ratings the seeding made through the API are there as changes.
    assert len(by_action["observation_recorded"]) == len(finished.observations)
    assert len(by_action["rating_submitted"]) == len(finished.ratings)

    # Never a note, an evidence text, a password or the erased candidate's name.
    everything = "\n".join(str(v) for entry in found for v in entry.values())
    for observation in finished.observations:
        assert observation["note"] not in everything
    assert "Seen in exercise" not in everything
    assert "not it at all" not in everything and "correct horse" not in everything
    assert "Candidate 1" not in everything


def test_a_password_typed_as_an_email_is_not_kept(app: Flask, r: redis.Redis) -> None:
    app.test_client().post("/login", data={"email": "hunter2 secret", "password": "x"})
    (entry,) = entries(r)
    assert entry["action"] == "sign_in_refused" and entry["actor"] == "(not an email address)"
    assert "hunter2" not in str(entry)


def test_only_admins_read_the_audit_log(
    app: Flask, signed_in: FlaskClient, admin: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    assert signed_in.get("/admin/audit").status_code == 403
    assert app.test_client().get("/admin/audit").status_code == 302  # to sign in
    page = admin.get("/admin/audit")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    api = app.test_client().get("/api/v1/audit", headers={"Authorization": f"Bearer {api_token}"})
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "not_admin"


def test_admins_filter_by_actor_action_session_and_dates(
    app: Flask, signed_in: FlaskClient, admin: FlaskClient, finished: Finished, r: redis.Redis
) -> None:
    sid = finished.sid
    signed_in.get(f"/sessions/{sid}/compare")
    signed_in.get(f"/sessions/{sid}/candidates/{finished.candidate_ids[0]}/summary")
    page = admin.get("/admin/audit", query_string={"actor": "fran@", "action": "viewed_summary"})
    shown = rows(page.get_data(as_text=True))
    assert (
        len(shown) == 1
        and "Viewed a candidate's summary" in shown[0]
        and finished.candidate_ids[0] in shown[0]
    )

    by_session = admin.get("/admin/audit", query_string={"session_id": sid}).get_data(as_text=True)
    assert rows(by_session) and all(sid in row for row in rows(by_session))

    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert rows(admin.get("/admin/audit", query_string={"from": tomorrow}).get_data(as_text=True)) == []
    assert rows(
        admin.get("/admin/audit", query_string={"from": today.isoformat(), "to": today.isoformat()}).get_data(
            as_text=True
        )
    )

    bad = admin.get("/admin/audit", query_string={"from": "last tuesday"})
    assert bad.status_code == 400 and "From date" in bad.get_data(as_text=True)

    # The API answers the same filter, and pages through the log.
    make_user(r, "root@example.com", "admin")
    from facilitator.store import users as user_store

    token = user_store.issue_api_token(r, user_store.by_email(r, "root@example.com")[0].id)  # type: ignore[index]
    headers = {"Authorization": f"Bearer {token}"}
    answer = app.test_client().get(
        "/api/v1/audit", query_string={"action": "viewed_comparison", "session_id": sid}, headers=headers
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert [e["action"] for e in body["entries"]] == ["viewed_comparison"] and body["next_before"] is None
    refused = app.test_client().get("/api/v1/audit", query_string={"to": "soon"}, headers=headers)
    assert refused.status_code == 400 and "To date" in refused.get_json()["error"]["message"]


def test_the_log_pages_through_older_entries(admin: FlaskClient, r: redis.Redis) -> None:
    from facilitator.domain.audit import AuditAction, AuditEntry
    from facilitator.store import audit as audit_store

    for n in range(130):
        audit_store.append(r, AuditEntry(at=1.0, actor=f"person {n}", action=AuditAction.SIGNED_IN), 365)
    first = admin.get("/admin/audit", query_string={"action": "signed_in"}).get_data(as_text=True)
    assert len(rows(first)) == 100
    older = html.unescape(re.search(r'href="([^"]*before=[^"]*)">Older entries', first).group(1))  # type: ignore[union-attr]
    second = admin.get(older).get_data(as_text=True)
    # The admin's own sign-in is an entry too: 131 sign-ins in all.
    assert len(rows(second)) == 31 and "Older entries" not in second
    assert "person 0" in rows(second)[-2] or "person 0" in rows(second)[-1]


def test_a_script_in_an_audit_entry_is_shown_as_text(app: Flask, admin: FlaskClient, r: redis.Redis) -> None:
    payload = '<script>alert("audit")</script><svg/onload=alert(1)>@x.org'
    app.test_client().post("/login", data={"email": payload, "password": "x"})
    make_user(r, "eve@example.com", "facilitator")
    r.hset(keys.user(user_id_of(r, "eve@example.com")), "name", "<b onmouseover=alert(2)>Eve</b>")
    app.test_client().post("/login", data={"email": "eve@example.com", "password": PASSWORD})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert" not in page and "<svg/onload" not in page and "<b onmouseover" not in page
    # Both arrive, as the text they are.
    shown = rows(page)
    assert any(payload in row for row in shown)
    assert any("<b onmouseover=alert(2)>Eve</b> <eve@example.com>" in row for row in shown)


def user_id_of(r: redis.Redis, email: str) -> str:
    return str(r.get(keys.user_by_email(email)))
