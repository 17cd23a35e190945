"""Candidate data is erased when the retention period the privacy notice states has passed."""

from __future__ import annotations

import time

import redis
from flask.testing import FlaskClient

from facilitator.domain.models import Session
from facilitator.domain.retention import DAY_S
from facilitator.services import retention
from facilitator.store import keys
from facilitator.store import sessions as session_store

from .builders import SessionBuilder
from .panel_helpers import running_panel


def ended_days_ago(r: redis.Redis, session_id: str, days: int) -> None:
    """Move a session's end back in time, as if that many days had passed."""
    session = Session.model_validate_json(r.get(keys.session(session_id)))
    session.ended_at = time.time() - days * DAY_S
    r.set(keys.session(session_id), session.model_dump_json())
    r.incr(keys.session_version(session_id))


def test_sweep_erases_only_sessions_past_their_retention_period(
    client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token)
    sid = panel.sid
    panel.build.call(
        "post", f"/sessions/{sid}/candidates", {"candidates": [{"name": "Invited Only"}]}, expect=201
    )
    invite = next(iter(session_store.invite_tokens(r, sid, client.application.config["SECRET_KEY"]).values()))
    panel.a.call(
        "post",
        f"/sessions/{sid}/observations",
        {
            "id": "obs-retained-1",
            "exercise_id": panel.exercise_id,
            "candidate_id": panel.people[0]["candidate_id"],
            "note": "Chaired well",
        },
        expect=201,
    )
    panel.end()
    panel.build.state("ended", confirm=True)
    recent = SessionBuilder(client, api_token).create()
    recent.state("open")
    recent.join("Still Here")

    ended_days_ago(r, sid, 179)
    assert retention.sweep(r, retention_days=180) == []
    ended_days_ago(r, sid, 181)
    assert [s.id for s in retention.sweep(r, retention_days=180)] == [sid]

    assert not any(r.exists(k) for k in keys.candidate_data(sid))
    assert not list(r.scan_iter(match=f"fac:session:{sid}:observations-by:*"))
    assert client.get(f"/i/{invite}").status_code == 404
    after = panel.build.call("get", f"/sessions/{sid}", expect=200)
    assert after["setup"]["state"] == "archived" and after["setup"]["purged_at"]
    assert [e["title"] for e in after["setup"]["exercises"]] and after["live"]["candidates"] == []
    assert panel.build.call("get", f"/sessions/{sid}/observations", expect=200)["observations"] == []
    assert [c["name"] for c in recent.call("get", f"/sessions/{recent.session_id}/candidates")] == [
        "Still Here"
    ]
    # A second sweep finds nothing more to do.
    assert [s.id for s in retention.sweep(r, retention_days=180, now=time.time() + 400 * DAY_S)] == [
        recent.session_id
    ]
