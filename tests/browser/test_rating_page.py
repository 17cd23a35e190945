"""The rating page in Chromium: compact, readable anchors, the observer's own evidence beside
each competency, and evidence filled in as sentences."""

from __future__ import annotations

import re

import redis
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ..conftest import PASSWORD
from ..live_server import LiveServer
from .conftest import TABLET, Problems, open_context, serious_accessibility_violations, sign_in
from .test_observer import running_session, stored, wait_until


def record(page: Page, candidate: int, behaviour: str, note: str = "") -> None:
    """Tap a candidate and a behaviour by its text, with an optional note typed first."""
    tile = page.locator("#tiles button").nth(candidate)
    if tile.get_attribute("aria-pressed") != "true":
        tile.click()
    if note:
        page.locator("#note").fill(note)
    page.locator("#indicators button[data-indicator]", has_text=behaviour).click()


def test_rating_is_compact_readable_and_fills_evidence_in_sentences(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    build, exercise_id = running_session(live, r)
    problems = Problems()
    page = problems.watch(open_context(browser, contexts, live.url, **TABLET).new_page())
    sign_in(page, "olive@example.com", PASSWORD)
    page.goto(f"/sessions/{build.session_id}/observe")
    expect(page.locator("#tiles button")).to_have_count(3)
    record(page, 0, "Builds on others' ideas by name", "Picked up Grace's plan")
    record(page, 0, "Interrupts others before they finish")
    page.get_by_role("button", name="Communication").click()
    record(page, 0, "States a point in one or two clear sentences", "Short and clear")
    wait_until(lambda: len(stored(build)) == 3)
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/end", expect=200)
    page.locator("#mode-rate").click()
    expect(page.locator("#rating")).to_be_visible()

    ada = page.locator(".rate-card", has_text="Ada Lovelace")
    teamwork = ada.locator("details.rate-competency[data-competency='teamwork']")
    communication = ada.locator("details.rate-competency[data-competency='communication']")
    # Compact: one competency open on the whole page, the first that needs work; others fold.
    expect(page.locator("details.rate-competency[open]")).to_have_count(1)
    expect(teamwork).to_have_attribute("open", "")
    expect(page.locator(".rate-card", has_text="Grace Hopper").locator(".rate-scale").first).to_be_hidden()
    expect(communication.locator(".rate-summary")).to_contain_text("Not scored yet")

    # Anchors in readable type.
    sizes = teamwork.locator(".rate-anchor").evaluate_all(
        "(nodes) => nodes.map((n) => parseFloat(getComputedStyle(n).fontSize))"
    )
    assert len(sizes) == 5 and min(sizes) >= 14, sizes

    # My own observations of Ada about teamwork sit beside the scale, not under it.
    own = teamwork.locator(".rate-own")
    expect(own.locator("li")).to_have_count(2)
    expect(own.locator("li").nth(0)).to_contain_text("Builds on others' ideas by name")
    expect(own.locator("li").nth(0)).to_contain_text("Picked up Grace's plan")
    expect(own.locator("li").nth(1)).to_contain_text("Interrupts others before they finish")
    scale = teamwork.locator(".rate-scale").bounding_box()
    beside = own.bounding_box()
    assert scale and beside
    assert beside["x"] >= scale["x"] + scale["width"], (scale, beside)
    assert beside["y"] < scale["y"] + scale["height"] and beside["y"] + beside["height"] > scale["y"]
    clock = own.locator(".tl-clock").first.inner_text()
    assert re.fullmatch(r"\d\d:\d\d", clock)
    assert not serious_accessibility_violations(page)

    # "Fill from my observations" writes sentences, not codes.
    teamwork.get_by_role("button", name="Fill from my observations").click()
    lines = teamwork.locator("textarea").input_value().split("\n")
    assert lines[0] == f"{clock} (+) Builds on others' ideas by name: 'Picked up Grace's plan'", lines
    assert re.fullmatch(r"\d\d:\d\d \(-\) Interrupts others before they finish", lines[1]), lines
    assert len(lines) == 2
    teamwork.locator(".rate-option").nth(3).click()
    expect(teamwork.locator(".rate-summary")).to_contain_text("Score 4 · evidence written")

    # Submitting with a competency left open points at it, opening its fold (and closing the other).
    ada.get_by_role("button", name="Submit rating").click()
    expect(communication).to_have_attribute("open", "")
    expect(teamwork).not_to_have_attribute("open", "")
    expect(ada.locator(".rate-error")).to_contain_text("Not submitted")
    expect(communication.locator(".rate-own li")).to_have_count(1)
    communication.get_by_role("button", name="Fill from my observations").click()
    assert re.fullmatch(
        r"\d\d:\d\d \(\+\) States a point in one or two clear sentences: 'Short and clear'",
        communication.locator("textarea").input_value(),
    )
    communication.locator(".rate-option").nth(2).click()
    ada.get_by_role("button", name="Submit rating").click()
    expect(ada.locator(".rate-status")).to_contain_text("Your rating is locked")
    expect(teamwork.locator(".rate-summary")).to_contain_text("Score 4 · evidence written")
    expect(communication.locator(".rate-summary")).to_contain_text("Score 3 · evidence written")
    assert not serious_accessibility_violations(page)
    assert not problems.serious(), problems.serious()
