"""The facilitator downloads the review's workbook in Chromium, and it holds the seeded session."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import redis
import requests
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext

from ..conftest import PASSWORD
from ..live_server import LiveServer
from ..review_helpers import finished_session
from ..test_exports import expected_scores, rows
from .conftest import LAPTOP, open_context, sign_in


class LiveHttp(requests.Session):
    """requests against the running server, with paths as the Flask test client takes them."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, f"{self.base_url}{url!s}", *args, **kwargs)


def test_facilitator_downloads_the_workbook_and_it_holds_the_session(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    r: redis.Redis,
    live_token: str,
    tmp_path: Path,
) -> None:
    finished = finished_session(LiveHttp(live.url), r, live_token)
    finished.start_review()
    page = open_context(browser, contexts, live.url, **LAPTOP).new_page()
    sign_in(page, "lead@example.com", PASSWORD)
    page.goto(f"/sessions/{finished.sid}")
    # The review pages carry the visible links; here a plain link on a staff page is enough
    # to download the way a person does, with the browser's own cookies.
    page.evaluate(
        """(href) => {
            const link = document.createElement("a");
            link.href = href;
            link.id = "download-workbook";
            link.textContent = "Download the workbook";
            document.body.append(link);
        }""",
        f"/sessions/{finished.sid}/export.xlsx",
    )
    with page.expect_download() as started:
        page.click("#download-workbook")
    download = started.value
    assert download.suggested_filename == "graduate-assessment-centre.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved)
    assert book.sheetnames == ["Summary", "Observations", "Ratings", "Session"]
    observations = rows(book["Observations"])
    assert {o["Observation id"] for o in observations} == {o["id"] for o in finished.observations}
    ratings = rows(book["Ratings"])
    assert Counter(
        (x["Candidate"], x["Exercise"], x["Observer"], x["Competency"], x["Score"]) for x in ratings
    ) == expected_scores(finished)
    assert len(rows(book["Summary"])) == 2 * 3

    # The same signed-in browser reads the JSON; it is not kept in any cache.
    answer = page.request.get(f"/sessions/{finished.sid}/export.json")
    assert answer.ok and answer.headers["cache-control"] == "no-store"
    assert len(json.loads(answer.body())["observations"]) == 8
