"""The wash-up pages and the guards around the review: who may open them, starting the review
with ratings owed, marking the session decided, the control room once the session has ended,
and drafts that stay private to their author."""

from __future__ import annotations

import re

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.store import users as user_store

from .conftest import PASSWORD, make_user
from .panel_helpers import Panel, running_panel
from .review_helpers import Finished, finished_session


def sign_in(app: Flask, email: str) -> FlaskClient:
    """A fresh client signed in as this staff member."""
    browser = app.test_client()
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return browser


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


@pytest.fixture
def reviewing(client: FlaskClient, r: redis.Redis, api_token: str) -> Finished:
    finished = finished_session(client, r, api_token)
    finished.start_review()
    return finished


def owing_panel(client: FlaskClient, r: redis.Redis, api_token: str) -> Panel:
    """Two candidates observed in an exercise that has ended; nobody has rated yet."""
    panel = running_panel(client, r, api_token, candidates=2)
    panel.end()
    return panel


def state_of(panel: Panel) -> str:
    """The session's state as the API reports it."""
    return str(panel.build.call("get", f"/sessions/{panel.sid}", expect=200)["setup"]["state"])


def reopen(finished: Finished, observer_id: str, reason: str) -> None:
    path = (
        f"/sessions/{finished.sid}/ratings/{finished.exercise_ids[0]}/"
        f"{finished.candidate_ids[0]}/{observer_id}/reopen"
    )
    finished.build.call("post", path, {"reason": reason}, expect=200)


def test_facilitator_sees_every_candidate_with_flags_first_and_the_forms(
    signed_in: FlaskClient, reviewing: Finished
) -> None:
    page = text(signed_in.get(f"/sessions/{reviewing.sid}/washup"))
    assert "Candidate 0" in page and "Candidate 1" in page
    # Candidate 0's teamwork in the first exercise is 4 against 2: listed first, said in words.
    rows = re.findall(r"<tr class=\"is-flagged\">", page)
    assert len(rows) == 1
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "Teamwork" in first_row and "Flagged: 2 points apart" in first_row
    assert "Record Teamwork score" in page and "Record decision" in page and "Mark session decided" in page
    assert "Nobody is ranked or decided automatically" in page


def test_panel_member_who_owes_nothing_follows_without_forms(app: Flask, reviewing: Finished) -> None:
    alex = sign_in(app, "alex@example.com")
    response = alex.get(f"/sessions/{reviewing.sid}/washup")
    assert response.status_code == 200
    page = text(response)
    assert "Candidate 0" in page and "Flagged: 2 points apart" in page
    assert (
        "Record decision" not in page
        and "Reopen rating" not in page
        and "<form" not in page.split("</header>", 1)[1]
    )
    assert alex.post(f"/sessions/{reviewing.sid}/washup/decided").status_code == 403


def test_panel_member_who_owes_a_rating_is_refused_the_page_and_the_api(
    app: Flask, r: redis.Redis, reviewing: Finished
) -> None:
    reopen(reviewing, reviewing.panel.b_id, "Missed exercise 2 evidence")
    blair = sign_in(app, "blair@example.com")
    response = blair.get(f"/sessions/{reviewing.sid}/washup")
    assert response.status_code == 403
    assert "Submit the 1 rating you still owe to see the review." in text(response)
    assert "Candidate 0" not in text(response)
    refused = reviewing.observer(1).call("get", f"/sessions/{reviewing.sid}/review", expect=403)
    assert refused["error"]["code"] == "ratings_owed"


def test_outsiders_and_candidates_reach_nothing(
    app: Flask, client: FlaskClient, r: redis.Redis, reviewing: Finished
) -> None:
    outsider = make_user(r, "olive@example.com", "observer")
    olive = sign_in(app, outsider.email)
    assert olive.get(f"/sessions/{reviewing.sid}/washup").status_code == 404
    token = user_store.issue_api_token(r, outsider.id)
    answer = client.get(
        f"/api/v1/sessions/{reviewing.sid}/review", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 404
    phone = app.test_client()
    phone.set_cookie(DEVICE_COOKIE.format(reviewing.sid), reviewing.panel.people[0]["token"])
    for path in ("washup", "washup/start", "washup/decided"):
        method = phone.get if path == "washup" else phone.post
        response = method(f"/sessions/{reviewing.sid}/{path}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    device = {"Authorization": f"Bearer {reviewing.panel.people[0]['token']}"}
    assert client.get(f"/api/v1/sessions/{reviewing.sid}/review", headers=device).status_code == 401


def test_starting_the_review_with_ratings_owed_asks_first_naming_whose(
    signed_in: FlaskClient, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = owing_panel(client, r, api_token)
    panel.build.state("ended", confirm=True)
    page = text(signed_in.get(f"/sessions/{panel.sid}/washup"))
    assert "Start review" in page
    asked = signed_in.post(f"/sessions/{panel.sid}/washup/start")
    assert asked.status_code == 409
    message = text(asked)
    assert "4 ratings are still owed: Alex (2), Blair (2)." in message
    assert "Start the review anyway" in message
    assert state_of(panel) == "ended"
    started = signed_in.post(f"/sessions/{panel.sid}/washup/start", data={"confirm": "1"})
    assert started.status_code == 302 and started.headers["Location"].endswith(
        f"/sessions/{panel.sid}/washup"
    )
    assert state_of(panel) == "review"


def test_the_washup_waits_for_a_session_that_has_not_ended(
    signed_in: FlaskClient, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token, candidates=1)
    page = text(signed_in.get(f"/sessions/{panel.sid}/washup"))
    assert "The wash-up opens once the session has ended." in page
    refused = signed_in.post(f"/sessions/{panel.sid}/washup/start")
    assert refused.status_code == 409
    assert "cannot become in review" in text(refused)


def test_mark_decided_shows_who_is_undecided_next_to_the_button(
    signed_in: FlaskClient, reviewing: Finished
) -> None:
    refused = signed_in.post(f"/sessions/{reviewing.sid}/washup/decided")
    assert refused.status_code == 409
    error = re.search(
        r'<p class="notice notice-error" id="decided-error" role="alert">(.*?)</p>', text(refused)
    )
    assert error is not None
    assert (
        error.group(1) == "Record a decision for Candidate 0, Candidate 1 before marking the session decided."
    )
    for candidate_id in reviewing.candidate_ids:
        decision = {"candidate_id": candidate_id, "outcome": "next_round", "rationale": "Solid evidence"}
        reviewing.build.call("post", f"/sessions/{reviewing.sid}/decisions", decision, expect=201)
    assert signed_in.post(f"/sessions/{reviewing.sid}/washup/decided").status_code == 302
    page = text(signed_in.get(f"/sessions/{reviewing.sid}/washup"))
    assert "The session is decided." in page and "Record decision" not in page


def test_the_page_keeps_reopenings_and_earlier_decisions_on_the_record(
    signed_in: FlaskClient, reviewing: Finished
) -> None:
    reopen(reviewing, reviewing.panel.a_id, "missed exercise 2 evidence")
    candidate_id = reviewing.candidate_ids[0]
    for outcome, rationale in (("hold", "Wait for the reference"), ("offer", "The reference is glowing")):
        decision = {"candidate_id": candidate_id, "outcome": outcome, "rationale": rationale}
        reviewing.build.call("post", f"/sessions/{reviewing.sid}/decisions", decision, expect=201)
    page = text(signed_in.get(f"/sessions/{reviewing.sid}/washup"))
    assert re.search(
        r"Reopened by Fran at <time [^>]*>\d\d:\d\d UTC</time>: “missed exercise 2 evidence”", page
    )
    assert "Waiting for Alex to submit their rating in Desert survival 1 again." in page
    assert "Earlier decisions" in page and "Hold: “Wait for the reference”" in page
    assert "“The reference is glowing”" in page


def test_the_control_room_offers_no_join_code_or_lobby_controls_once_ended(
    signed_in: FlaskClient, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = owing_panel(client, r, api_token)
    live_page = text(signed_in.get(f"/sessions/{panel.sid}/live"))
    assert 'id="join-box">' in live_page and 'id="lobby-lock-box">' in live_page
    assert "data-owed-confirm" in live_page
    # Sent without confirmation while ratings are owed, the server refuses and says whose.
    refused = signed_in.post(
        f"/sessions/{panel.sid}/state",
        data={"state": "ended", "next": f"/sessions/{panel.sid}/live"},
        follow_redirects=True,
    )
    assert "4 ratings are still owed: Alex (2), Blair (2)." in text(refused)
    ended = signed_in.post(
        f"/sessions/{panel.sid}/state",
        data={"state": "ended", "confirm": "1", "next": f"/sessions/{panel.sid}/live"},
        follow_redirects=True,
    )
    page = text(ended)
    assert 'id="join-box" hidden' in page and 'id="lobby-lock-box" hidden' in page
    assert "Open the wash-up" in page


def test_a_draft_stays_private_to_its_author_after_the_other_observer_submits(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = owing_panel(client, r, api_token)
    first, second = (p["candidate_id"] for p in panel.people)
    rating = f"/sessions/{panel.sid}/ratings/{panel.exercise_id}/{{}}"
    submitted = {c: {"score": 4, "evidence": "Seen and noted"} for c in ("teamwork", "communication")}
    for candidate_id in (first, second):
        panel.a.call("put", rating.format(candidate_id), {"scores": submitted, "submit": True}, expect=200)
    panel.b.call("put", rating.format(second), {"scores": submitted, "submit": True}, expect=200)
    draft = {"teamwork": {"score": 1, "evidence": "BLAIR-PRIVATE-DRAFT"}}
    panel.b.call("put", rating.format(first), {"scores": draft}, expect=200)

    def alex_sees() -> list[str]:
        pair = f"?exercise_id={panel.exercise_id}&candidate_id={first}"
        seen = [
            panel.a.call("get", f"/sessions/{panel.sid}/observations", expect=200),
            panel.a.call("get", f"/sessions/{panel.sid}/observations{pair}", expect=200),
        ]
        for answer in seen:
            authors = [x["observer_id"] for x in answer["ratings"] if x["candidate_id"] == first]
            assert authors == [panel.a_id]
        return [str(answer) for answer in seen]

    assert not any("BLAIR-PRIVATE-DRAFT" in answer for answer in alex_sees())
    # Its author still sees it.
    assert "BLAIR-PRIVATE-DRAFT" in str(
        panel.b.call("get", f"/sessions/{panel.sid}/observations", expect=200)
    )
    panel.build.state("ended", confirm=True)
    panel.build.state("review", confirm=True)
    seen = alex_sees()
    seen.append(str(panel.a.call("get", f"/sessions/{panel.sid}/review", expect=200)))
    page = sign_in(app, "alex@example.com").get(f"/sessions/{panel.sid}/washup")
    assert page.status_code == 200
    seen.append(text(page))
    assert not any("BLAIR-PRIVATE-DRAFT" in answer for answer in seen)
    # On the wash-up Blair's unsubmitted rating shows as such, with no score.
    first_table = text(page).split(f'id="candidate-{first}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    cells = re.findall(r'<td class="numeric">([^<]*)</td>', first_table)
    # Per row: Alex, Blair, mean, spread; Blair's draft never shows.
    assert cells == ["4", "Not submitted", "4.0", "0"] * 2


def test_the_session_page_asks_before_ending_with_ratings_owed(
    signed_in: FlaskClient, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = owing_panel(client, r, api_token)
    asked = text(
        signed_in.post(f"/sessions/{panel.sid}/state", data={"state": "ended"}, follow_redirects=True)
    )
    assert "4 ratings are still owed: Alex (2), Blair (2)." in asked
    confirm = re.search(
        r'<input type="hidden" name="confirm" value="1">\s*<button[^>]*>([^<]*)</button>', asked
    )
    assert confirm is not None and confirm.group(1) == "End session anyway"
    assert state_of(panel) == "live"
    signed_in.post(f"/sessions/{panel.sid}/state", data={"state": "ended", "confirm": "1"})
    assert state_of(panel) == "ended"
