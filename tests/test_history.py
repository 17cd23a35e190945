"""A candidate who comes back for a later stage: earlier sessions, decisions, follow-up points.

Robin is on the roster of a first interview (as robin@example.com) and of a second one (as
"ROBIN@Example.com"): the second's summary shows the first's decision to the staff who may
review the first session, and to nobody else.
"""

from __future__ import annotations

import time
from typing import Any

import redis
import requests
from flask import Flask
from flask.testing import FlaskClient

from facilitator.domain.models import Session
from facilitator.domain.retention import DAY_S
from facilitator.services import retention
from facilitator.store import keys, people
from facilitator.store import users as user_store

from .builders import SessionBuilder
from .conftest import PASSWORD, make_user
from .feedback_helpers import assessed_stage, decide, readable, roster_session, staff
from .live_server import LiveServer
from .phones import Device

RATIONALE = "Strong teamwork in both exercises; probe planning at the next stage."


def page_client(app: Flask, email: str) -> FlaskClient:
    """A browser of its own, signed in as this staff member."""
    browser = app.test_client()
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return browser


def two_stages(client: FlaskClient, r: redis.Redis, token: str) -> tuple[Any, SessionBuilder, str]:
    """Robin's first interview (decided: next round) and second one (checked in); Casey observes
    only the second. Returns the first (Finished), the second's builder and Robin's id there."""
    first = assessed_stage(
        client,
        r,
        token,
        [("Robin Returning", "robin@example.com"), ("Sam Other", "sam@example.com")],
        title="First interviews",
    )
    first.start_review()
    decide(first, 0, "next_round", RATIONALE)
    second = roster_session(
        client, r, token, [("Robin Returning", "ROBIN@Example.com")], title="Final interviews"
    )
    casey, _ = staff(r, "casey@example.com")
    second.call("post", f"/sessions/{second.session_id}/panel", {"user_id": casey}, expect=201)
    second.state("open")
    robin = second.join("Robin Returning")["candidate_id"]
    return first, second, robin


def history_of(build: SessionBuilder, candidate_id: str, expect: int = 200) -> Any:
    return build.call("get", f"/sessions/{build.session_id}/candidates/{candidate_id}/history", expect=expect)


def test_a_returning_candidate_shows_the_earlier_decision_to_staff_who_may_see_it(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    first, second, robin = two_stages(client, r, api_token)
    robin_first = first.candidate_ids[0]
    # The index holds both roster entries under one hash, whatever the address's case.
    assert people.stages(r, " Robin@EXAMPLE.com") == sorted(
        [(first.sid, robin_first), (second.session_id, robin)]
    )

    stages = history_of(second, robin)
    assert [s["session_id"] for s in stages] == [first.sid]
    stage = stages[0]
    assert stage["candidate_id"] == robin_first
    assert stage["title"] == "First interviews"
    assert stage["decision"]["outcome"] == "next_round"
    assert stage["decision"]["label"] == "Next round"
    assert stage["decision"]["rationale"] == RATIONALE
    # Robin's seeded scores: teamwork 4, 2, 4, 4 and communication 3, 3, 4, 5.
    ratings = {c["competency_id"]: c["rating"] for c in stage["competencies"]}
    assert ratings["teamwork"] == 3.5
    assert ratings["communication"] == 3.75
    # The other candidate's history is their own: Sam has no later stage, Robin's first has no earlier.
    assert history_of(first.build, robin_first) == []

    # The second session's summary page shows the first's decision and links to its summary.
    signed = page_client(app, "fran@example.com")
    summary = signed.get(f"/sessions/{second.session_id}/candidates/{robin}/summary")
    assert summary.status_code == 200
    text = readable(summary.get_data(as_text=True))
    assert "Earlier interviews" in text
    assert "First interviews" in text
    assert "Next round" in text
    assert RATIONALE in text
    assert f'href="/sessions/{first.sid}/candidates/{robin_first}/summary"' in summary.get_data(as_text=True)
    # The printed pack carries it too, in Robin's section.
    pack = signed.get(f"/sessions/{second.session_id}/pack")
    assert pack.status_code == 200
    assert RATIONALE in readable(pack.get_data(as_text=True))

    # Alex was on the first panel and submitted every rating there: Alex sees it too.
    alex = SessionBuilder(client, staff(r, "alex@example.com")[1])
    alex.session_id = second.session_id
    assert [s["session_id"] for s in history_of(alex, robin)] == [first.sid]


def test_an_observer_not_on_the_earlier_panel_does_not_get_that_stage(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    _, second, robin = two_stages(client, r, api_token)
    casey = SessionBuilder(client, staff(r, "casey@example.com")[1])
    casey.session_id = second.session_id
    assert history_of(casey, robin) == []
    summary = page_client(app, "casey@example.com").get(
        f"/sessions/{second.session_id}/candidates/{robin}/summary"
    )
    assert summary.status_code == 200
    text = readable(summary.get_data(as_text=True))
    assert "First interviews" not in text
    assert RATIONALE not in text
    assert "Next round" not in text
    # Someone on neither panel finds nothing at all.
    make_user(r, "dana@example.com", "observer")
    dana = SessionBuilder(
        client, user_store.issue_api_token(r, user_store.by_email(r, "dana@example.com")[0].id)
    )  # type: ignore[index]
    dana.session_id = second.session_id
    refused = history_of(dana, robin, expect=404)
    assert refused["error"]["code"] == "unknown_session"


def ended_days_ago(r: redis.Redis, session_id: str, days: int) -> None:
    """Move a session's end back in time, as if that many days had passed."""
    session = Session.model_validate_json(r.get(keys.session(session_id)))  # type: ignore[arg-type]
    session.ended_at = time.time() - days * DAY_S
    r.set(keys.session(session_id), session.model_dump_json())
    r.incr(keys.session_version(session_id))


def test_erasure_after_retention_removes_the_index_entry_and_the_stage(
    client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    first, second, robin = two_stages(client, r, api_token)
    ended_days_ago(r, first.sid, 181)
    assert [s.id for s in retention.sweep(r, retention_days=180)] == [first.sid]
    assert people.stages(r, "robin@example.com") == [(second.session_id, robin)]
    # Sam was only in the erased session: nothing is left under Sam's address.
    assert not r.exists(keys.person(people.email_hash("sam@example.com")))
    assert history_of(second, robin) == []


def test_the_facilitator_notes_follow_up_points_and_bad_input_changes_nothing(
    signed_in: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    first, second, robin = two_stages(signed_in, r, api_token)
    url = f"/sessions/{second.session_id}/candidates/{robin}/follow-up"
    page = signed_in.get(url)
    assert page.status_code == 200
    text = readable(page.get_data(as_text=True))
    # The form shows where the points come from: the first interview's decision.
    assert "First interviews" in text and RATIONALE in text

    saved = signed_in.post(url, data={"text": "Ask how they plan a week of work."})
    assert saved.status_code == 302
    assert "Ask how they plan a week of work." in readable(signed_in.get(url).get_data(as_text=True))

    too_long = signed_in.post(url, data={"text": "x" * 2001})
    assert too_long.status_code == 400
    assert "Follow-up note is too long" in readable(too_long.get_data(as_text=True))
    api = second.call(
        "put", f"/sessions/{second.session_id}/candidates/{robin}/follow-up", {"text": "y" * 2001}, expect=422
    )
    assert api["error"]["message"].startswith("Follow-up note is too long")
    assert "Ask how they plan a week of work." in readable(signed_in.get(url).get_data(as_text=True))

    # Another session's candidate is not this session's to note.
    other = second.call(
        "put",
        f"/sessions/{second.session_id}/candidates/{first.candidate_ids[1]}/follow-up",
        {"text": "Hi"},
        expect=404,
    )
    assert other["error"]["code"] == "unknown_candidate"


def test_follow_up_points_reach_the_panel_live_and_never_a_candidate(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build = roster_session(
        requests.Session(), r, live_token, [("Robin Returning", "robin@example.com")], prefix=live.url
    )
    sid = build.session_id
    build.state("open")
    robin = build.join("Robin Returning")
    note = "Probe how they handled the budget question last time."
    build.call(
        "put", f"/sessions/{sid}/candidates/{robin['candidate_id']}/follow-up", {"text": note}, expect=200
    )

    alex = Device(live.url, sid, api_token=staff(r, "alex@example.com")[1]).connect()
    phone = Device(live.url, sid, token=robin["token"]).connect()
    try:
        tablet = alex.resume()["snapshot"]
        assert tablet["follow_ups"] == {robin["candidate_id"]: note}
        assert note not in str(phone.resume())

        changed = "Ask about the budget and about planning."
        build.call(
            "put",
            f"/sessions/{sid}/candidates/{robin['candidate_id']}/follow-up",
            {"text": changed},
            expect=200,
        )
        pushed = alex.wait_for("follow_up_changed")[0]
        assert pushed["data"] == {"candidate_id": robin["candidate_id"], "follow_up": changed}
        # The phone hears of later events, never of this one.
        build.call("post", f"/sessions/{sid}/announcements", {"text": "Coffee is ready"}, expect=201)
        phone.wait_for("announcement_made")
        assert "follow_up_changed" not in phone.names()
        assert changed not in str(phone.events)
        assert changed not in str(phone.resume())
    finally:
        alex.disconnect()
        phone.disconnect()
