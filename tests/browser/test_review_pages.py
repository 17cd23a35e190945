"""The review pages in Chromium: the printed pack, the comparison's charts under the CSP, axe-core."""

from __future__ import annotations

import io
from typing import Any

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from ..conftest import PASSWORD
from ..live_server import LiveServer
from ..review_helpers import Finished, finished_session
from .conftest import LAPTOP, Problems, open_context, serious_accessibility_violations, sign_in

NAMES = ("Candidate 0", "Candidate 1", "Candidate 2")
# Points: an A4 page is 210 x 297 mm.
A4 = (595.0, 842.0)
# Records every Content-Security-Policy violation the page reports, before any of its own code runs.
CSP_WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"
)


class LiveHttp(requests.Session):
    """requests against the running server, with paths as the Flask test client takes them."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, f"{self.base_url}{url!s}", *args, **kwargs)


def reviewed(live: LiveServer, r: redis.Redis, live_token: str) -> Finished:
    """Three candidates rated by Alex and Blair, the session in review."""
    finished = finished_session(LiveHttp(live.url), r, live_token, candidates=3)
    finished.start_review()
    return finished


def facilitator_page(browser: Browser, contexts: list[BrowserContext], live: LiveServer) -> Page:
    page = open_context(browser, contexts, live.url, **LAPTOP).new_page()
    page.add_init_script(CSP_WATCH)
    sign_in(page, "lead@example.com", PASSWORD)
    return page


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def test_session_pack_prints_one_a4_section_per_candidate(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis, live_token: str
) -> None:
    finished = reviewed(live, r, live_token)
    page = facilitator_page(browser, contexts, live)
    page.goto(f"/sessions/{finished.sid}/pack")
    expect(page.locator(".pack-candidate-name")).to_have_count(3)

    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    texts = [p.extract_text() for p in reader.pages]
    for pdf_page in reader.pages:
        width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
        assert abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2, (width, height)
    # Each candidate's section starts a page of its own, with their name at the top.
    starts = [first_line(t) for t in texts if first_line(t) in NAMES]
    assert sorted(starts) == list(NAMES), [first_line(t) for t in texts]
    # The cover comes first; it names the session and no candidate starts on it.
    assert "Graduate assessment centre" in texts[0] and first_line(texts[0]) not in NAMES
    # Every section carries its summary (the matrix and the timeline), and no navigation.
    joined = "\n".join(texts)
    assert joined.count("Evidence timeline") == 3 and joined.count("Independent ratings") == 3
    assert "Compare candidates" not in joined and "Sign out" not in joined

    # One candidate's pack is that candidate's section alone.
    page.goto(f"/sessions/{finished.sid}/candidates/{finished.candidate_ids[1]}/pack")
    single = [p.extract_text() for p in PdfReader(io.BytesIO(page.pdf(format="A4"))).pages]
    joined = "\n".join(single)
    assert "Candidate 1" in joined and "Candidate 0" not in joined and "Candidate 2" not in joined
    assert page.evaluate("window.__csp") == []


def test_comparison_draws_charts_and_a_heat_map_under_the_csp(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis, live_token: str
) -> None:
    finished = reviewed(live, r, live_token)
    problems = Problems()
    page = problems.watch(facilitator_page(browser, contexts, live))
    page.goto(f"/sessions/{finished.sid}/compare")

    charts = page.locator("svg.profile-chart")
    expect(charts).to_have_count(3)
    expect(charts.first).to_be_visible()
    # The bars take their colour from review.css: a blocked stylesheet would leave them black.
    fills = page.eval_on_selector_all("rect.chart-bar", "(bars) => bars.map((b) => getComputedStyle(b).fill)")
    assert len(fills) == 6 and all(f not in ("", "rgb(0, 0, 0)") for f in fills), fills
    widths = page.eval_on_selector_all("rect.chart-bar", "(bars) => bars.map((b) => b.getBBox().width)")
    assert all(w > 0 for w in widths)
    heat = page.locator("table.heat-map")
    expect(heat).to_be_visible()
    cell = heat.locator("td.heat-4").first
    background = cell.evaluate("(td) => getComputedStyle(td).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), background
    # Each chart's numbers are in a table with a caption.
    expect(page.locator("table.profile-table caption")).to_have_count(3)
    expect(page.get_by_role("img", name="Competency profile of Candidate 1: Teamwork 2.5")).to_be_visible()

    # Sorting is a plain link: a column heading turns the order round.
    expect(page.locator("#ordered-by")).to_contain_text("Ordered by overall rating, highest first.")
    page.locator("table.heat-map thead").get_by_role("link", name="Overall").click()
    expect(page.locator("#ordered-by")).to_contain_text("Ordered by overall rating, lowest first.")
    expect(heat.locator("tbody th").first).to_have_text("Candidate 1")

    assert not serious_accessibility_violations(page)
    assert page.evaluate("window.__csp") == []
    assert not problems.serious(), problems.serious()


def test_review_pages_pass_axe(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis, live_token: str
) -> None:
    finished = reviewed(live, r, live_token)
    problems = Problems()
    page = problems.watch(facilitator_page(browser, contexts, live))
    cid = finished.candidate_ids[0]
    for path in (
        f"/sessions/{finished.sid}/candidates/{cid}/summary",
        f"/sessions/{finished.sid}/compare?sort=teamwork&order=asc",
        f"/sessions/{finished.sid}/compare?min=nine",
        f"/sessions/{finished.sid}/agreement",
        f"/sessions/{finished.sid}/pack",
        f"/sessions/{finished.sid}/candidates/{cid}/pack",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert not serious_accessibility_violations(page), path
        assert page.evaluate("window.__csp") == [], path
    # Check-in times are shown in the viewer's own time zone once local-time.js has run.
    page.goto(f"/sessions/{finished.sid}/candidates/{cid}/summary")
    expect(page.locator(".candidate-facts time").first).not_to_contain_text("UTC")
    assert not problems.serious(), problems.serious()
