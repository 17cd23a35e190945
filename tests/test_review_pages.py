"""The review pages a facilitator reads after a session: summary, comparison, agreement, pack.

Built on the seeded session of tests/review_helpers.py (Alex and Blair rate every candidate
in two exercises; candidate 0 has a 2-point disagreement on teamwork in exercise 1).
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.domain.commands import RecordConsensus, RecordDecision, ReopenRating, SetWeights
from facilitator.domain.models import GroupOutput, Question, SessionData
from facilitator.domain.review import DecisionOutcome
from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.services import review as review_service
from facilitator.store import keys, unit
from facilitator.store.users import StaffUser

from .conftest import PASSWORD, make_user
from .review_helpers import Finished, finished_session


def page_client(app: Flask, email: str) -> FlaskClient:
    """A separate browser, signed in as this staff member."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def text(fragment: str) -> str:
    """What a person reads in an HTML fragment: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def get_page(browser: FlaskClient, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def matrix_rows(page: str) -> dict[str, list[str]]:
    """The summary's matrix: exercise title -> the text of each cell in competency order."""
    body = page[page.index('<table class="matrix">') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        title = text(re.search(r'<th scope="row">(.*?)</th>', row, re.S).group(1))  # type: ignore[union-attr]
        rows[title] = [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def compared(page: str) -> list[str]:
    """Candidate names down the comparison's heat map, in the order shown."""
    body = page[page.index('<table class="heat-map">') :]
    body = body[: body.index("</table>")]
    return [text(n) for n in re.findall(r'<th scope="row"><a href="[^"]*/summary">(.*?)</a></th>', body)]


def change_session(r: redis.Redis, sid: str, change: Any) -> None:
    """Change the stored session directly (for set-up that has no page of its own here)."""

    def decide(data: SessionData, extra: Any) -> tuple[dict[str, Any], list[Any]]:
        change(data)
        return {}, []

    unit.change(r, sid, decide)


def rescore(
    r: redis.Redis, finished: Finished, exercise: int, candidate: int, competency: str, score: int
) -> None:
    """Change both observers' submitted score for one cell, as if they had rated it so."""
    for observer_id in (finished.panel.a_id, finished.panel.b_id):
        field = f"{finished.exercise_ids[exercise]}:{finished.candidate_ids[candidate]}:{observer_id}"
        rating = json.loads(r.hget(keys.ratings(finished.sid), field))  # type: ignore[arg-type]
        rating["scores"][competency]["score"] = score
        r.hset(keys.ratings(finished.sid), field, json.dumps(rating))


@pytest.fixture
def finished(client: FlaskClient, r: redis.Redis, api_token: str) -> Finished:
    return finished_session(client, r, api_token)


@pytest.fixture
def fran(app: Flask, facilitator_user: StaffUser) -> FlaskClient:
    return page_client(app, facilitator_user.email)


def summary_url(finished: Finished, candidate: int = 0) -> str:
    return f"/sessions/{finished.sid}/candidates/{finished.candidate_ids[candidate]}/summary"


# The candidate summary -------------------------------------------------------------------


def test_summary_names_every_score_with_mean_spread_and_the_teamwork_flag(
    finished: Finished, fran: FlaskClient
) -> None:
    page = get_page(fran, summary_url(finished))
    rows = matrix_rows(page)
    teamwork, communication, leadership, exercise_rating = rows["Desert survival 1"]
    assert teamwork == "Alex 4 Blair 2 Mean 3.0 · , spread 2 ! Flagged: observers differ by 2 points"
    assert communication == "Alex 3 Blair 3 Mean 3.0 · , spread 0"
    assert leadership == "Not assessed" and exercise_rating == "3.0"
    assert page.count('class="matrix-cell is-flagged"') == 1
    assert rows["Desert survival 2"][:2] == [
        "Alex 4 Blair 4 Mean 4.0 · , spread 0",
        "Alex 4 Blair 5 Mean 4.5 · , spread 1",
    ]
    # Exercise ratings at the end of each row; across exercises and overall in the footer.
    assert rows["Desert survival 2"][-1] == "4.25"
    footer = text(page[page.index("<tfoot>") : page.index("</tfoot>")])
    assert footer == "Across exercises 3.5 3.75 — Overall 3.63"
    assert "1 flagged rating" in text(page) and "All weights equal." in page
    # Only one cell is flagged for candidate 0; candidate 1 has none.
    assert page.count("Flagged: observers differ") == 1
    assert "No flagged ratings." in text(get_page(fran, summary_url(finished, 1)))


def test_weights_change_the_overall_ratings_and_are_stated(
    finished: Finished, fran: FlaskClient, r: redis.Redis, facilitator_user: StaffUser
) -> None:
    review_service.set_weights(
        r, facilitator_user, finished.sid, SetWeights(exercise_weights={finished.exercise_ids[0]: 3})
    )
    page = get_page(fran, summary_url(finished))
    # Exercise 1 counts three times: teamwork (3*3 + 4) / 4, communication (3*3 + 4.5) / 4,
    # overall (3*3 + 3*3 + 4 + 4.5) / 8.
    footer = text(page[page.index("<tfoot>") : page.index("</tfoot>")])
    assert footer == "Across exercises 3.25 3.38 — Overall 3.31"
    assert (
        "Exercise weights: Desert survival 1 \N{MULTIPLICATION SIGN} 3; the others count once."
        in html.unescape(page)
    )
    assert "All weights equal." not in page
    assert "weight \N{MULTIPLICATION SIGN} 3" in html.unescape(page)


MINUS = "\N{MINUS SIGN}"
TALKS = "Speaks at length without reaching a point"


def test_timeline_lists_observations_in_exercise_clock_order(
    finished: Finished, fran: FlaskClient, r: redis.Redis
) -> None:
    # Give the seeded observations clocks out of the order they were recorded in.
    clocks = {
        "obs-0-0-0-seeded": 125.0,
        "obs-0-0-1-seeded": 30.0,
        "obs-1-0-0-seeded": 71.6,
        "obs-1-0-1-seeded": 9.0,
    }
    for observation_id, clock in clocks.items():
        stored = json.loads(r.hget(keys.observations(finished.sid), observation_id))  # type: ignore[arg-type]
        stored["clock_s"] = clock
        r.hset(keys.observations(finished.sid), observation_id, json.dumps(stored))
    page = get_page(fran, summary_url(finished))
    entries = [text(row) for row in re.findall(r'<tr class="timeline-entry">(.*?)</tr>', page, re.S)]
    assert entries == [
        f"Desert survival 1 00:30 Blair Communication {TALKS} {MINUS} negative "
        "Talked over the chair (exercise 1)",
        "Desert survival 1 02:05 Alex Teamwork Builds on others' ideas by name + positive "
        "Built on Sam's idea (exercise 1)",
        f"Desert survival 2 00:09 Blair Communication {TALKS} {MINUS} negative "
        "Talked over the chair (exercise 2)",
        "Desert survival 2 01:12 Alex Teamwork Builds on others' ideas by name + positive "
        "Built on Sam's idea (exercise 2)",
    ]
    counts = text(
        page[page.index('<table class="counts-table">') : page.index("</table>", page.index("counts-table"))]
    )
    assert "Teamwork 2 0 Communication 0 2 Leadership and influence 0 0" in counts


def test_summary_shows_arrival_questions_outputs_and_only_a_safe_portfolio_link(
    finished: Finished, fran: FlaskClient, r: redis.Redis
) -> None:
    cid = finished.candidate_ids[0]

    def seed(data: SessionData) -> None:
        person = data.candidates[cid]
        assert person.checked_in_at is not None
        data.session.scheduled_start = datetime.fromtimestamp(person.checked_in_at - 7 * 60 - 10, UTC)
        person.portfolio_url = "https://example.com/ada"
        data.questions["q1"] = Question(
            id="q1", candidate_id=cid, text="When will we hear?", asked_at=person.checked_in_at + 60
        )
        run = data.session.runs[finished.exercise_ids[0]]
        group = run.group_of(cid)
        assert group is not None
        data.outputs[f"{run.exercise_id}:{group.id}"] = GroupOutput(
            exercise_id=run.exercise_id,
            group_id=group.id,
            text="1. Mirror 2. Water",
            submitted_by=cid,
            submitted_at=person.checked_in_at + 600,
        )

    change_session(r, finished.sid, seed)
    page = get_page(fran, summary_url(finished))
    shown = text(page)
    assert "Punctuality 7 minutes late" in shown
    assert re.search(r'<time datetime="[^"]+\+00:00" data-local="time">', page)
    assert "“When will we hear?”" in shown and "1. Mirror 2. Water" in shown
    assert '<a href="https://example.com/ada" rel="noopener noreferrer" target="_blank">' in page

    change_session(
        r, finished.sid, lambda data: setattr(data.candidates[cid], "portfolio_url", "javascript:alert(1)")
    )
    page = get_page(fran, summary_url(finished))
    assert "javascript:" not in page and "No portfolio link shared." in page
    # Candidate 1 checked in too; with no start time there is nothing to be late for.
    change_session(r, finished.sid, lambda data: setattr(data.session, "scheduled_start", None))
    assert "Punctuality No scheduled start" in text(get_page(fran, summary_url(finished, 1)))


def test_summary_shows_consensus_and_decision_with_who_and_when(
    finished: Finished, fran: FlaskClient, r: redis.Redis, facilitator_user: StaffUser
) -> None:
    finished.start_review()
    cid = finished.candidate_ids[0]
    review_service.record_consensus(
        r,
        facilitator_user,
        finished.sid,
        RecordConsensus(
            id="consensus-1-seeded",
            candidate_id=cid,
            competency_id="teamwork",
            score=3,
            note="Split the difference",
        ),
    )
    review_service.record_decision(
        r,
        facilitator_user,
        finished.sid,
        RecordDecision(
            id="decision-1-seeded",
            candidate_id=cid,
            outcome=DecisionOutcome.HOLD,
            rationale="Strong later on",
        ),
    )
    review_service.record_decision(
        r,
        facilitator_user,
        finished.sid,
        RecordDecision(
            id="decision-2-seeded",
            candidate_id=cid,
            outcome=DecisionOutcome.OFFER,
            rationale="Clear evidence of teamwork",
        ),
    )
    shown = text(get_page(fran, summary_url(finished)))
    assert "Offer recorded by Fran" in shown and "Rationale: Clear evidence of teamwork" in shown
    assert "Earlier decisions, latest first Hold by Fran" in shown
    assert "Teamwork 3.5 3 Split the difference Fran" in shown
    assert "Consensus overall 3.0" in shown


def test_an_unknown_candidate_has_no_summary(finished: Finished, fran: FlaskClient) -> None:
    assert fran.get(f"/sessions/{finished.sid}/candidates/nobody/summary").status_code == 404
    assert fran.get(f"/sessions/{finished.sid}/candidates/nobody/pack").status_code == 404
    assert fran.get("/sessions/nosuchsession/compare").status_code == 404


# The comparison --------------------------------------------------------------------------


@pytest.fixture
def three(client: FlaskClient, r: redis.Redis, api_token: str, facilitator_user: StaffUser) -> Finished:
    """Three candidates: 0 (overall 3.63) offered, 1 (3.0, the best at teamwork) on hold, 2 undecided."""
    finished = finished_session(client, r, api_token, candidates=3)
    rescore(r, finished, exercise=0, candidate=1, competency="teamwork", score=5)
    finished.start_review()
    for number, outcome in ((0, "offer"), (1, "hold")):
        review_service.record_decision(
            r,
            facilitator_user,
            finished.sid,
            RecordDecision(
                id=f"decision-{number}-seeded",
                candidate_id=finished.candidate_ids[number],
                outcome=DecisionOutcome(outcome),
                rationale="Seen",
            ),
        )
    return finished


def test_comparison_sorts_by_overall_rating_both_ways_and_says_so(three: Finished, fran: FlaskClient) -> None:
    url = f"/sessions/{three.sid}/compare"
    page = get_page(fran, url)
    # Candidates 0 and 2 were scored alike (3.63), so their tie is broken by name.
    assert compared(page) == ["Candidate 0", "Candidate 2", "Candidate 1"]
    assert "Ordered by overall rating, highest first. Ratings summarise evidence; the panel decides." in page
    assert 'aria-sort="descending"' in page
    page = get_page(fran, url + "?sort=overall&order=asc")
    assert compared(page) == ["Candidate 1", "Candidate 0", "Candidate 2"]
    assert "Ordered by overall rating, lowest first." in page


def test_comparison_sorts_by_a_competency_both_ways(three: Finished, fran: FlaskClient) -> None:
    url = f"/sessions/{three.sid}/compare?sort=teamwork"
    page = get_page(fran, url + "&order=desc")
    # Candidate 1's teamwork is (5 + 2.5) / 2 = 3.75 against 3.5 for the others.
    assert compared(page) == ["Candidate 1", "Candidate 0", "Candidate 2"]
    assert "Ordered by the across-exercise rating for Teamwork, highest first." in page
    page = get_page(fran, url + "&order=asc")
    assert compared(page) == ["Candidate 0", "Candidate 2", "Candidate 1"]
    # The column heading is the link that turns the order round.
    assert f'href="/sessions/{three.sid}/compare?sort=teamwork&amp;order=desc"' in page


def test_comparison_filters_by_decision_and_score_range(three: Finished, fran: FlaskClient) -> None:
    url = f"/sessions/{three.sid}/compare"
    assert compared(get_page(fran, url + "?decision=offer")) == ["Candidate 0"]
    assert compared(get_page(fran, url + "?decision=hold")) == ["Candidate 1"]
    assert compared(get_page(fran, url + "?decision=undecided")) == ["Candidate 2"]
    assert compared(get_page(fran, url + "?min=3.5")) == ["Candidate 0", "Candidate 2"]
    assert compared(get_page(fran, url + "?max=3")) == ["Candidate 1"]
    page = get_page(fran, url + "?min=3.63&max=5&decision=undecided")
    assert compared(page) == ["Candidate 2"] and "Showing 1 of 3 candidates" in text(page)
    assert "No candidate matches these filters." in get_page(fran, url + "?decision=reject")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("min=abc", "The lowest overall rating must be a number from 1 to 5 (“abc” is not)."),
        ("max=6", "The highest overall rating must be a number from 1 to 5 (“6” is not)."),
        ("min=0&decision=offer", "The lowest overall rating must be a number from 1 to 5 (“0” is not)."),
        ("min=nan", "The lowest overall rating must be a number from 1 to 5 (“nan” is not)."),
        ("min=4&max=2", "The lowest overall rating (4.0) is above the highest (2.0): swap them to filter."),
        ("decision=maybe", "“maybe” is not a decision to filter by"),
        ("sort=salary", "There is no “salary” to sort by, so the list is ordered by overall rating."),
        ("order=sideways", "Order must be highest first or lowest first; showing highest first."),
    ],
)
def test_bad_filter_values_are_explained_and_every_candidate_shown(
    three: Finished, fran: FlaskClient, query: str, message: str
) -> None:
    page = get_page(fran, f"/sessions/{three.sid}/compare?{query}")
    assert message in html.unescape(page)
    assert compared(page) == ["Candidate 0", "Candidate 2", "Candidate 1"]


def test_comparison_shows_a_profile_chart_and_its_numbers_per_candidate(
    three: Finished, fran: FlaskClient
) -> None:
    page = get_page(fran, f"/sessions/{three.sid}/compare")
    assert page.count('<svg class="profile-chart"') == 3
    assert page.count('<table class="profile-table"') == 3
    assert "style=" not in page and "<script>" not in page
    # The heat map's cells carry their number and a tint class for it.
    assert '<td class="numeric heat heat-4">3.63</td>' in page
    assert '<td class="numeric heat heat-3">3.0</td>' in page


# Agreement -------------------------------------------------------------------------------


def test_agreement_page_shows_alpha_icc_pairs_and_flags(
    finished: Finished, fran: FlaskClient, r: redis.Redis
) -> None:
    from facilitator.domain import agreement
    from facilitator.store import review as review_store

    data = unit.load(r, finished.sid)
    report = agreement.report(data.session, review_store.load(r, finished.sid).ratings.values())
    assert report.overall.alpha is not None and report.overall.icc is not None
    page = html.unescape(get_page(fran, f"/sessions/{finished.sid}/agreement"))
    shown = text(page)
    alpha = f"{report.overall.alpha:.2f}".rstrip("0")
    assert re.search(rf'id="agreement-alpha">{re.escape(alpha)}0?<', page)
    assert report.overall.alpha_line in page and report.overall.icc_line in page
    # Each competency's row: alpha and ICC as their lines print them, each with its line.
    teamwork = report.competencies["teamwork"]
    assert teamwork.icc is not None
    alpha_shown, icc_shown = teamwork.alpha_line.split(":")[0], teamwork.icc_line.split(":")[0]
    assert (
        f"Teamwork {alpha_shown} {teamwork.alpha_line} {icc_shown} {teamwork.icc_line} {teamwork.units}"
        in shown
    )
    assert f"On the {report.overall.icc.targets} cells rated by both Alex and Blair" in shown
    # Alex and Blair rated the same 8 cells: 3 alike, 7 within a point, 0.75 apart on average.
    assert "Alex and Blair 8 38% 88% 0.75 points" in shown
    assert "Flagged ratings (1)" in shown
    assert "Candidate 0 Desert survival 1 Teamwork Alex 4 , Blair 2 2 points" in shown
    assert f'href="/sessions/{finished.sid}/candidates/{finished.candidate_ids[0]}/summary"' in page


# The pack --------------------------------------------------------------------------------


def test_session_pack_has_a_cover_and_one_section_per_candidate(three: Finished, fran: FlaskClient) -> None:
    page = get_page(fran, f"/sessions/{three.sid}/pack")
    names = [text(n) for n in re.findall(r'<h2 class="pack-candidate-name"[^>]*>(.*?)</h2>', page)]
    assert names == ["Candidate 0", "Candidate 2", "Candidate 1"]
    assert "Rater agreement" in page and compared(page) == names
    # Ids stay unique although every section has the same parts.
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    single = get_page(fran, f"/sessions/{three.sid}/candidates/{three.candidate_ids[1]}/pack")
    assert [text(n) for n in re.findall(r'<h2 class="pack-candidate-name"[^>]*>(.*?)</h2>', single)] == [
        "Candidate 1"
    ]


# Who may look ----------------------------------------------------------------------------


def review_urls(finished: Finished) -> list[str]:
    cid = finished.candidate_ids[0]
    return [
        f"/sessions/{finished.sid}/candidates/{cid}/summary",
        f"/sessions/{finished.sid}/compare",
        f"/sessions/{finished.sid}/agreement",
        f"/sessions/{finished.sid}/pack",
        f"/sessions/{finished.sid}/candidates/{cid}/pack",
    ]


def test_candidates_and_strangers_are_sent_to_sign_in(app: Flask, finished: Finished) -> None:
    phone = app.test_client()
    phone.set_cookie(DEVICE_COOKIE.format(finished.sid), finished.panel.people[0]["token"])
    for url in review_urls(finished):
        response = phone.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
        assert "Candidate" not in response.get_data(as_text=True)
        assert app.test_client().get(url).status_code == 302


def test_an_observer_not_on_the_panel_finds_nothing(app: Flask, r: redis.Redis, finished: Finished) -> None:
    olga = make_user(r, "olga@example.com", "observer")
    browser = page_client(app, olga.email)
    for url in review_urls(finished):
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "Alex" not in response.get_data(as_text=True)


def test_a_panel_observer_who_owes_a_rating_is_told_how_many(
    app: Flask, r: redis.Redis, finished: Finished, facilitator_user: StaffUser
) -> None:
    finished.start_review()
    review_service.reopen_rating(
        r,
        facilitator_user,
        finished.sid,
        ReopenRating(
            id="reopen-1-seeded",
            exercise_id=finished.exercise_ids[0],
            candidate_id=finished.candidate_ids[0],
            observer_id=finished.panel.a_id,
            reason="Check the teamwork score",
        ),
    )
    alex = page_client(app, "alex@example.com")
    for url in review_urls(finished):
        response = alex.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 403, url
        assert "Submit the 1 rating you still owe to see the review." in page
        assert "Blair" not in page and "Mean" not in page
    # Blair owes nothing and may read every page.
    blair = page_client(app, "blair@example.com")
    for url in review_urls(finished):
        assert blair.get(url).status_code == 200, url


def test_facilitators_and_admins_read_every_review_page(
    app: Flask, r: redis.Redis, finished: Finished, fran: FlaskClient
) -> None:
    make_user(r, "ada@example.com", "admin")
    admin = page_client(app, "ada@example.com")
    for url in review_urls(finished):
        assert fran.get(url).status_code == 200, url
        page = admin.get(url)
        assert page.status_code == 200, url
        assert 'href="/static/css/review.css?v=' in page.get_data(as_text=True)  # by its content hash


@pytest.mark.parametrize(
    ("offset_s", "shown"),
    [
        (-3 * 60, "3 minutes early"),
        (-61, "1 minute early"),
        (20, "On time"),
        (12 * 60 + 29, "12 minutes late"),
    ],
)
def test_punctuality_is_told_in_minutes_against_the_scheduled_start(offset_s: float, shown: str) -> None:
    from facilitator.domain.models import Candidate, CandidateStatus, Session
    from facilitator.services.summaries.facts import arrival

    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    session = Session(id="s1", title="Centre", join_code="ABCDEF", owner_id="u", created_at=0, updated_at=0)
    session.scheduled_start = start
    person = Candidate(
        id="c1",
        name="Ada",
        added_at=0,
        status=CandidateStatus.CHECKED_IN,
        checked_in_at=start.timestamp() + offset_s,
    )
    assert arrival(session, person).punctuality == shown
    person.status, person.checked_in_at = CandidateStatus.INVITED, None
    assert arrival(session, person).punctuality == "Did not check in"
