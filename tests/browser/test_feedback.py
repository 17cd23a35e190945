"""Feedback in Chromium: the facilitator drafts, edits and releases a report on a laptop; the
candidate opens it on a phone through their personal link. Follow-up points on a tablet tile."""

from __future__ import annotations

import re

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Dialog, expect

from facilitator.store import sessions as session_store

from ..conftest import PASSWORD
from ..feedback_helpers import OBSERVER_NAMES, agree, assessed_stage, roster_session, staff
from ..live_server import LiveServer
from .conftest import LAPTOP, PHONE, TABLET, Problems, open_context, serious_accessibility_violations, sign_in

EDITED = "You drew quieter members in and built on their ideas, which helped the whole group."
SEEDED_NOTES = ("Built on Sam's idea", "Talked over the chair")


def accept(dialog: Dialog) -> None:
    dialog.accept()


def test_the_facilitator_releases_feedback_and_the_candidate_reads_it_on_a_phone(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    finished = assessed_stage(
        requests.Session(),
        r,
        live_token,
        [("Robin Returning", "robin@example.com"), ("Sam Other", "sam@example.com")],
        prefix=live.url,
    )
    finished.start_review()
    agree(finished, 0, {"teamwork": 4, "communication": 3})
    robin = finished.candidate_ids[0]
    link = f"/i/{session_store.invite_tokens(r, finished.sid, live.secret_key)[robin]}/feedback"
    problems = Problems()

    phone = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Your feedback")).to_be_visible()
    expect(phone.get_by_text("Your feedback report is not available yet.")).to_be_visible()
    assert not serious_accessibility_violations(phone)

    laptop = problems.watch(open_context(browser, contexts, live.url, **LAPTOP).new_page())
    laptop.on("dialog", accept)
    sign_in(laptop, "lead@example.com", PASSWORD)
    laptop.goto(f"/sessions/{finished.sid}/candidates/{robin}/feedback")
    expect(laptop.get_by_role("heading", name="Feedback for Robin Returning")).to_be_visible()
    laptop.get_by_role("button", name="Draft from the evidence").click()
    expect(laptop.locator("#drafted")).to_be_visible()
    teamwork = laptop.locator("#strengths-teamwork")
    expect(teamwork).to_have_value(re.compile(r"^Teamwork was a clear strength for you\."))
    expect(laptop.locator("#development-communication")).to_have_value(
        re.compile(r"“Speaks at length without reaching a point”")
    )
    assert not serious_accessibility_violations(laptop)

    teamwork.fill(EDITED)
    laptop.get_by_role("button", name="Save", exact=True).click()
    expect(laptop.get_by_text("Saved. The candidate sees nothing until you release it.")).to_be_visible()
    expect(laptop.locator("#report-status")).to_contain_text("Not released")
    expect(laptop.locator("#strengths-teamwork")).to_have_value(EDITED)
    laptop.get_by_role("button", name="Release to Robin Returning").click()
    expect(laptop.locator("#report-status")).to_contain_text("Released")
    assert laptop.locator("#feedback-link").input_value() == live.url + link
    assert not serious_accessibility_violations(laptop)

    phone.reload()
    expect(phone.get_by_role("heading", name="Teamwork")).to_be_visible()
    expect(phone.get_by_text(EDITED)).to_be_visible()
    expect(phone.get_by_role("heading", name="What to develop").first).to_be_visible()
    # It fits the phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    text = phone.locator("main").inner_text()
    for hidden in (*SEEDED_NOTES, *OBSERVER_NAMES):
        assert hidden not in text
    assert not re.search(r"\d", text), text
    assert not serious_accessibility_violations(phone)

    # The follow-up form and the weights, on the same laptop.
    laptop.goto(f"/sessions/{finished.sid}/candidates/{robin}/follow-up")
    laptop.get_by_label("Points to follow up").fill("Ask how they would plan the first month.")
    laptop.get_by_role("button", name="Save", exact=True).click()
    expect(laptop.get_by_text("Saved. The panel sees these points")).to_be_visible()
    expect(laptop.get_by_label("Points to follow up")).to_have_value(
        "Ask how they would plan the first month."
    )
    assert not serious_accessibility_violations(laptop)
    laptop.goto(f"/sessions/{finished.sid}/edit#weights")
    weight = laptop.get_by_label("Desert survival 1")
    weight.fill("-1")
    laptop.get_by_role("button", name="Save weights").click()
    expect(laptop.locator(f"#weight-exercise-{finished.exercise_ids[0]}-error")).to_have_text(
        re.compile("The weight of “Desert survival 1” must be at least 0")
    )
    assert not serious_accessibility_violations(laptop)
    assert not problems.serious(), problems.seen


def test_follow_up_points_show_under_the_candidates_tile_and_change_live(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build = roster_session(
        requests.Session(),
        r,
        live_token,
        [("Robin Returning", "robin@example.com"), ("Sam Other", None)],
        prefix=live.url,
    )
    sid = build.session_id
    build.state("open")
    robin = build.join("Robin Returning")["candidate_id"]
    build.join("Sam Other")
    note = "Ask how they planned the budget last time."
    build.call("put", f"/sessions/{sid}/candidates/{robin}/follow-up", {"text": note}, expect=200)
    build.state("live")
    problems = Problems()
    tablet = problems.watch(open_context(browser, contexts, live.url, **TABLET).new_page())
    staff(r, "alex@example.com")
    sign_in(tablet, "alex@example.com", PASSWORD)
    tablet.goto(f"/sessions/{sid}/observe")
    expect(tablet.locator("#connection")).to_have_attribute("data-status", "connected")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{sid}/exercises/{exercise_id}/start", expect=200)
    expect(tablet.locator("#tiles > li")).to_have_count(2)

    points = tablet.locator(f'#tiles > li[data-key="{robin}"] .tile-follow-up')
    expect(points).to_have_count(1)
    points.locator("summary").click()
    expect(points).to_contain_text(note)
    # Sam has none.
    expect(tablet.locator("#tiles .tile-follow-up")).to_have_count(1)
    assert not serious_accessibility_violations(tablet)

    changed = "Ask about the budget, and about planning a week."
    build.call("put", f"/sessions/{sid}/candidates/{robin}/follow-up", {"text": changed}, expect=200)
    expect(tablet.locator(f'#tiles > li[data-key="{robin}"] .tile-follow-up')).to_contain_text(changed)
    build.call("put", f"/sessions/{sid}/candidates/{robin}/follow-up", {"text": ""}, expect=200)
    expect(tablet.locator("#tiles .tile-follow-up")).to_have_count(0)
    # Tapping a tile still selects the candidate (the note sits beside the button, not in it).
    tablet.locator(f'#tiles > li[data-key="{robin}"] button.tile').click()
    expect(tablet.locator(f'#tiles > li[data-key="{robin}"] button.tile')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert not problems.serious(), problems.seen
