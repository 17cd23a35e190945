"""Developmental feedback: drafted from the evidence, edited, released to the candidate alone.

Built on the seeded session of tests/feedback_helpers.py: Robin (candidate 0) and Sam are on
the roster with personal links; Alex and Blair observed them with notes such as "Built on
Sam's idea" and rated them; the panel agreed teamwork 4 and communication 3 for Robin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.store import sessions as session_store

from .feedback_helpers import OBSERVER_NAMES, agree, assessed_stage, readable
from .review_helpers import Finished

SEEDED_NOTES = ("Built on Sam's idea", "Talked over the chair", "Seen in exercise")
EDITED = "You drew quieter members in and built on their ideas, which helped the whole group."


@dataclass
class Reviewed:
    """The reviewed session, with Robin's personal link and phone token."""

    finished: Finished
    robin: str
    invite: str
    device: str
    sam_invite: str

    @property
    def sid(self) -> str:
        return self.finished.sid

    @property
    def api(self) -> str:
        return f"/sessions/{self.sid}/candidates/{self.robin}"

    @property
    def page(self) -> str:
        return f"/sessions/{self.sid}/candidates/{self.robin}/feedback"

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        return self.finished.build.call(method, path, body, expect=expect)


@pytest.fixture
def reviewed(client: FlaskClient, r: redis.Redis, api_token: str) -> Reviewed:
    finished = assessed_stage(
        client, r, api_token, [("Robin Returning", "robin@example.com"), ("Sam Other", "sam@example.com")]
    )
    finished.start_review()
    agree(finished, 0, {"teamwork": 4, "communication": 3})
    invites = session_store.invite_tokens(r, finished.sid, client.application.config["SECRET_KEY"])
    robin, sam = finished.candidate_ids
    return Reviewed(finished, robin, invites[robin], finished.panel.people[0]["token"], invites[sam])


def saved_body(draft: dict[str, Any], **changes: str) -> dict[str, Any]:
    """The draft as a PUT body, with some sections' strengths rewritten."""
    return {
        "introduction": draft["introduction"],
        "sections": [
            {**s, "strengths": changes.get(s["competency_id"], s["strengths"])} for s in draft["sections"]
        ],
    }


def test_the_draft_comes_from_agreed_scores_and_library_behaviours_only(
    signed_in: FlaskClient, reviewed: Reviewed
) -> None:
    found = reviewed.call("get", reviewed.api + "/feedback", expect=200)
    assert found["feedback"] is None and found["released"] is False
    sections = {s["competency_id"]: s for s in found["draft"]["sections"]}
    assert list(sections) == ["teamwork", "communication"]
    # Agreed 4: a strength, with the positive behaviour both exercises recorded.
    assert sections["teamwork"]["strengths"].startswith("Teamwork was a clear strength for you.")
    assert "“Builds on others' ideas by name”" in sections["teamwork"]["strengths"]
    # Agreed 3: room to grow, the negative behaviour observed, and what would show it more.
    development = sections["communication"]["development"]
    assert development.startswith("Communication is sound, with room to grow further.")
    assert "“Speaks at length without reaching a point”" in development
    assert "To show it more strongly, try: “States a point in one or two clear sentences”" in development
    everything = str(found["draft"])
    for hidden in (*SEEDED_NOTES, *OBSERVER_NAMES):
        assert hidden not in everything
    assert not re.search(r"\d", everything)

    # "Draft from the evidence" fills the form with the same text; nothing is saved.
    page = signed_in.get(reviewed.page + "?draft=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Teamwork was a clear strength for you." in html
    assert "nothing is saved until you press" in readable(html)
    assert reviewed.call("get", reviewed.api + "/feedback", expect=200)["feedback"] is None


def test_the_facilitator_edits_saves_releases_and_withdraws_the_report(
    app: Flask, signed_in: FlaskClient, reviewed: Reviewed
) -> None:
    draft = reviewed.call("get", reviewed.api + "/feedback", expect=200)["draft"]
    form = {"action": "save", "introduction": draft["introduction"]}
    for section in draft["sections"]:
        cid = section["competency_id"]
        form.setdefault("competency", [])  # type: ignore[arg-type]
        form["competency"].append(cid)  # type: ignore[attr-defined]
        form[f"strengths-{cid}"] = EDITED if cid == "teamwork" else section["strengths"]
        form[f"development-{cid}"] = section["development"]
    saved = signed_in.post(reviewed.page, data=form)
    assert saved.status_code == 302
    shown = readable(signed_in.get(reviewed.page).get_data(as_text=True))
    assert "Not released" in shown and EDITED in shown

    phone = app.test_client()
    unreleased = app.test_client()
    unreleased.set_cookie(DEVICE_COOKIE.format(reviewed.sid), reviewed.device)
    waiting = re.search(
        r'id="feedback-ready"[^>]*>', unreleased.get(f"/s/{reviewed.sid}/phone").get_data(as_text=True)
    )
    assert waiting is not None and "hidden" in waiting.group(0)
    before = phone.get(f"/i/{reviewed.invite}/feedback")
    assert before.status_code == 404
    assert readable(before.get_data(as_text=True)) == (
        "Your feedback Your feedback report is not available yet. Please check this link again later."
    )

    assert signed_in.post(reviewed.page, data={"action": "release"}).status_code == 302
    assert "Released" in readable(signed_in.get(reviewed.page).get_data(as_text=True))
    released = phone.get(f"/i/{reviewed.invite}/feedback")
    assert released.status_code == 200
    text = readable(released.get_data(as_text=True))
    assert EDITED in text
    assert "What to develop" in text and "“Speaks at length without reaching a point”" in text
    for hidden in (*SEEDED_NOTES, *OBSERVER_NAMES):
        assert hidden not in text
    # No digit at all, so no individual (or agreed) score can be read off the page.
    assert not re.search(r"\d", text), text
    # The same report on the phone Robin checked in with, which now says it is there.
    phone.set_cookie(DEVICE_COOKIE.format(reviewed.sid), reviewed.device)
    phone_page = phone.get(f"/s/{reviewed.sid}/phone").get_data(as_text=True)
    assert re.search(r'id="feedback-ready"[^>]*>', phone_page)
    assert "hidden" not in re.search(r'id="feedback-ready"[^>]*>', phone_page).group(0)  # type: ignore[union-attr]
    assert EDITED in readable(phone.get(f"/s/{reviewed.sid}/feedback").get_data(as_text=True))
    # Sam's link shows Sam's report, of which there is none yet.
    assert phone.get(f"/i/{reviewed.sam_invite}/feedback").status_code == 404
    # The personal link itself, closed for joining after the session, now leads to the report.
    assert (
        app.test_client()
        .get(f"/i/{reviewed.invite}")
        .headers["Location"]
        .endswith(f"/i/{reviewed.invite}/feedback")
    )
    assert app.test_client().get(f"/i/{reviewed.sam_invite}").status_code == 409

    # Saving a released report changes what Robin reads straight away.
    form["strengths-teamwork"] = "You brought everyone into the discussion."
    assert signed_in.post(reviewed.page, data=form).status_code == 302
    assert "You brought everyone into the discussion." in readable(
        phone.get(f"/i/{reviewed.invite}/feedback").get_data(as_text=True)
    )

    assert signed_in.post(reviewed.page, data={"action": "withdraw"}).status_code == 302
    withdrawn = phone.get(f"/i/{reviewed.invite}/feedback")
    assert withdrawn.status_code == 404
    assert "not available yet" in readable(withdrawn.get_data(as_text=True))
    assert "everyone" not in withdrawn.get_data(as_text=True)


def test_bad_feedback_is_refused_plainly_and_changes_nothing(
    signed_in: FlaskClient, reviewed: Reviewed, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    early = reviewed.call("post", reviewed.api + "/feedback/release", {"released": True}, expect=409)
    assert early["error"] == {
        "code": "no_feedback",
        "message": "Write and save the feedback report before releasing it.",
    }
    unknown = reviewed.call(
        "put",
        reviewed.api + "/feedback",
        {"sections": [{"competency_id": "juggling", "strengths": "Kept three balls up."}]},
        expect=404,
    )
    assert unknown["error"]["code"] == "unknown_competency"
    oversize = reviewed.call(
        "put",
        reviewed.api + "/feedback",
        {"sections": [{"competency_id": "teamwork", "strengths": "x" * 2001}]},
        expect=422,
    )
    assert oversize["error"]["message"].startswith("What went well in section 1 is too long")
    long_intro = reviewed.call("put", reviewed.api + "/feedback", {"introduction": "y" * 3001}, expect=422)
    assert long_intro["error"]["message"].startswith("Introduction is too long")
    assert reviewed.call("get", reviewed.api + "/feedback", expect=200)["feedback"] is None

    # On the page, the problem sits next to its field and the text typed stays in the form.
    page = signed_in.post(
        reviewed.page,
        data={
            "action": "save",
            "introduction": "Thank you for coming.",
            "competency": ["teamwork"],
            "strengths-teamwork": "z" * 2001,
            "development-teamwork": "",
        },
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'id="strengths-teamwork-error"' in html
    assert "What went well in Teamwork is too long" in readable(html)
    assert "Thank you for coming." in html
    assert reviewed.call("get", reviewed.api + "/feedback", expect=200)["feedback"] is None

    # A candidate of another session, and a session still running, are refused too.
    other = assessed_stage(client, r, api_token, [("Kim Elsewhere", None)])
    stranger = reviewed.call(
        "put", f"/sessions/{reviewed.sid}/candidates/{other.candidate_ids[0]}/feedback", {}, expect=404
    )
    assert stranger["error"]["code"] == "unknown_candidate"
    running = other.build
    running.create(exercises=1)
    running.state("open")
    kim = running.join("Kim Now")["candidate_id"]
    live_refusal = running.call(
        "put", f"/sessions/{running.session_id}/candidates/{kim}/feedback", {}, expect=409
    )
    assert live_refusal["error"]["message"] == "Feedback is written once the session has ended."


def test_released_feedback_is_the_only_assessment_output_a_candidate_reaches(
    app: Flask, signed_in: FlaskClient, reviewed: Reviewed
) -> None:
    draft = reviewed.call("get", reviewed.api + "/feedback", expect=200)["draft"]
    reviewed.call("put", reviewed.api + "/feedback", saved_body(draft, teamwork=EDITED), expect=200)
    sid, cid = reviewed.sid, reviewed.robin
    phone = app.test_client()
    # The phone holds Robin's device cookie and has opened the personal link.
    phone.set_cookie(DEVICE_COOKIE.format(sid), reviewed.device)
    assert phone.get(f"/i/{reviewed.invite}/feedback").status_code == 404

    pages = [
        f"/sessions/{sid}/candidates/{cid}/summary",
        f"/sessions/{sid}/candidates/{cid}/pack",
        f"/sessions/{sid}/compare",
        f"/sessions/{sid}/agreement",
        f"/sessions/{sid}/pack",
        f"/sessions/{sid}/export.xlsx",
        f"/sessions/{sid}/export.csv",
        f"/sessions/{sid}/export.json",
        f"/sessions/{sid}/washup",
        f"/sessions/{sid}/candidates/{cid}/feedback",
        f"/sessions/{sid}/candidates/{cid}/follow-up",
    ]
    api = [
        f"/api/v1/sessions/{sid}/candidates/{cid}/feedback",
        f"/api/v1/sessions/{sid}/candidates/{cid}/history",
        f"/api/v1/sessions/{sid}/review",
        f"/api/v1/sessions/{sid}/export.json",
    ]
    for url in pages:
        answer = phone.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url
    for url in api:
        for headers in (
            {},
            {"Authorization": f"Bearer {reviewed.device}"},
            {"Authorization": f"Bearer {reviewed.invite}"},
        ):
            answer = phone.get(url, headers=headers)
            assert answer.status_code == 401, (url, headers, answer.status_code)
            assert EDITED not in answer.get_data(as_text=True)
    # Editing through the page is refused too, and changes nothing.
    phone.post(reviewed.page, data={"action": "release"})
    assert reviewed.call("get", reviewed.api + "/feedback", expect=200)["released"] is False
    for url in (f"/i/{reviewed.invite}/feedback", f"/s/{sid}/feedback"):
        assert phone.get(url).status_code == 404
        assert EDITED not in phone.get(url).get_data(as_text=True)

    reviewed.call("post", reviewed.api + "/feedback/release", {"released": True}, expect=200)
    for url in (f"/i/{reviewed.invite}/feedback", f"/s/{sid}/feedback"):
        answer = phone.get(url)
        assert answer.status_code == 200 and EDITED in answer.get_data(as_text=True), url
    # Still nothing else.
    for url in pages:
        assert phone.get(url).status_code == 302, url
    # A device cookie of this session opens nothing of another session's.
    assert phone.get("/s/someothersession/feedback").status_code == 404
