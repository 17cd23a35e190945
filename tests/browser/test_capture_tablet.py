"""Capture on a 1024x768 tablet: three competencies of ten behaviours each fit without scrolling,
the selected candidate stays in view, and keyboard codes reach every behaviour."""

from __future__ import annotations

from typing import Any

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer
from .conftest import TABLET, Problems, open_context, serious_accessibility_violations, sign_in
from .test_observer import stored, wait_until

COMPETENCIES = ("Negotiation", "Planning", "Customer focus")


def ten_behaviours(name: str) -> dict[str, Any]:
    """A competency of the library with five positive and five negative behaviours."""
    cid = name.lower().replace(" ", "-")
    return {
        "id": cid,
        "name": name,
        "description": f"How the candidate shows {name.lower()}.",
        "indicators": [
            {
                "id": f"{cid}-{n}",
                "text": f"{name} behaviour {n}: {'does' if n <= 5 else 'fails to'} what the brief asks",
                "polarity": "positive" if n <= 5 else "negative",
            }
            for n in range(1, 11)
        ],
        "anchors": [f"{name} at level {n}" for n in range(1, 6)],
    }


def running_exercise(
    live: LiveServer, r: redis.Redis, competencies: list[dict[str, Any]], candidates: int
) -> tuple[SessionBuilder, str]:
    """A live session assessing these competencies (added to the library), observer Olive
    watching every candidate."""
    lead = make_user(r, "lead@example.com", "facilitator")
    olive = make_user(r, "olive@example.com", "observer")
    build = SessionBuilder(requests.Session(), user_store.issue_api_token(r, lead.id), prefix=live.url)
    competency_ids = []
    for body in competencies:
        build.call("put", f"/competencies/{body['id']}", body, expect=200)
        competency_ids.append(body["id"])
    build.create(exercises=0, competency_ids=competency_ids)
    build.call(
        "post",
        f"/sessions/{build.session_id}/exercises",
        {"title": "Supplier negotiation", "competency_ids": competency_ids, "group_size": candidates},
        expect=201,
    )
    build.call("post", f"/sessions/{build.session_id}/panel", {"user_id": olive.id}, expect=201)
    build.state("open")
    for n in range(candidates):
        build.join(f"Candidate {n + 1}")
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    return build, exercise_id


def visible_and_uncovered(page: Page, selector: str) -> list[str]:
    """Texts of the matching elements that are not wholly inside the viewport, or are covered
    where a finger would tap them (their centre)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((node) => {
            const box = node.getBoundingClientRect();
            const inside = box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
              && box.bottom <= innerHeight && box.right <= innerWidth;
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            return !(inside && hit && node.contains(hit));
        }).map((node) => node.textContent.trim())""",
        selector,
    )


def no_page_scroll(page: Page) -> bool:
    return bool(page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight"))


def observed(build: SessionBuilder) -> list[str | None]:
    """Indicator ids of the observations stored, oldest first."""
    found = build.call("get", f"/sessions/{build.session_id}/observations", expect=200)["observations"]
    return [o["indicator_id"] for o in sorted(found, key=lambda o: o["recorded_at"])]


def open_capture(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, build: SessionBuilder
) -> Page:
    page = open_context(browser, contexts, live.url, **TABLET).new_page()
    sign_in(page, "olive@example.com", PASSWORD)
    page.goto(f"/sessions/{build.session_id}/observe")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    return page


def test_three_competencies_of_ten_behaviours_fit_a_tablet_and_every_one_has_a_key(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    build, _ = running_exercise(live, r, [ten_behaviours(name) for name in COMPETENCIES], 12)
    problems = Problems()
    page = problems.watch(open_capture(browser, contexts, live, build))
    expect(page.locator("#tiles button")).to_have_count(12)

    # The ninth candidate, picked by key, is scrolled into sight in the tiles' own box.
    page.keyboard.press("9")
    ninth = page.locator("#tiles button").nth(8)
    expect(ninth).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".indicators-for")).to_have_text("Recording for Candidate 9")
    assert visible_and_uncovered(page, "#tiles button[aria-pressed='true']") == []

    # Every behaviour of the first competency is in view and tappable, and the page does not scroll.
    picker = page.get_by_role("group", name="Competency to record")
    expect(picker.get_by_role("button", name="Negotiation")).to_have_attribute("aria-pressed", "true")
    buttons = page.locator("#indicators button[data-indicator]")
    expect(buttons).to_have_count(10)
    assert visible_and_uncovered(page, "#indicators button[data-indicator]") == []
    assert visible_and_uncovered(page, ".indicators-for") == []
    assert no_page_scroll(page), page.evaluate("() => [document.scrollingElement.scrollHeight, innerHeight]")
    # Each shows its key; the competencies show theirs.
    keys = [k.strip() for k in page.locator("#indicators .indicator-key").all_inner_texts()]
    assert keys == list("abcdefghij")
    assert [k.strip() for k in picker.locator("kbd").all_inner_texts()] == ["⇧A", "⇧B", "⇧C"]
    assert not serious_accessibility_violations(page)

    # Keys reach the behaviours past the 26th: the third competency's seventh to tenth.
    page.keyboard.press("Shift+C")
    expect(picker.get_by_role("button", name="Customer focus")).to_have_attribute("aria-pressed", "true")
    expect(buttons.first).to_contain_text("Customer focus behaviour 1")
    assert visible_and_uncovered(page, "#indicators button[data-indicator]") == []
    assert no_page_scroll(page)
    for key in "ghij":
        page.keyboard.press(key)
    # "]" steps on (round to the first), "[" back; the chosen candidate stays chosen throughout.
    page.keyboard.press("]")
    expect(picker.get_by_role("button", name="Negotiation")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("a")
    page.keyboard.press("[")
    page.keyboard.press("b")
    expect(page.locator("#timeline > li")).to_have_count(6)
    expect(ninth).to_have_attribute("aria-pressed", "true")
    wait_until(lambda: len(stored(build)) == 6)
    assert observed(build) == [
        "customer-focus-7",
        "customer-focus-8",
        "customer-focus-9",
        "customer-focus-10",
        "negotiation-1",
        "customer-focus-2",
    ]
    assert no_page_scroll(page)
    assert not problems.serious(), problems.serious()


def test_a_competency_with_more_behaviours_than_letters_gets_two_letter_codes(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    big = ten_behaviours("Delivery")
    big["indicators"] = [
        {"id": f"delivery-{n}", "text": f"Delivery behaviour {n}", "polarity": "positive"}
        for n in range(1, 31)
    ]
    build, _ = running_exercise(live, r, [big], 3)
    problems = Problems()
    page = problems.watch(open_capture(browser, contexts, live, build))
    page.keyboard.press("1")
    keys = [k.strip() for k in page.locator("#indicators .indicator-key").all_inner_texts()]
    assert len(keys) == len(set(keys)) == 30 and all(len(k) == 2 for k in keys)
    assert keys[:3] == ["aa", "ab", "ac"] and keys[-1] == "bf"
    page.keyboard.press("b")
    expect(page.locator("#key-typed")).to_contain_text("Typed “b”")
    page.keyboard.press("f")
    expect(page.locator("#key-typed")).to_be_hidden()
    page.keyboard.press("a")
    page.keyboard.press("Escape")  # cancels the half-typed code, keeps the candidate
    page.keyboard.press("a")
    page.keyboard.press("b")
    expect(page.locator("#timeline > li")).to_have_count(2)
    wait_until(lambda: len(stored(build)) == 2)
    assert observed(build) == ["delivery-30", "delivery-2"]
    assert no_page_scroll(page)
    assert not problems.serious(), problems.serious()
