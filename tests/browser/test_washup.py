"""A whole wash-up in Chromium: the facilitator runs it on a projector-sized page while an
observer's tablet follows it live; consensus scores and decisions are recorded through the
page; then the comparison shows both candidates, sorted by overall rating."""

from __future__ import annotations

import os

import redis
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, expect

from ..conftest import PASSWORD
from ..live_server import LiveServer
from ..panel_helpers import running_panel
from ..realtime.test_washup_events import Prefixed
from ..review_helpers import finished_session
from .conftest import TABLET, Problems, open_context, serious_accessibility_violations, sign_in

PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
SHOTS = os.environ.get("WASHUP_SCREENSHOTS")  # a folder, to look at the pages by eye


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=False)


def section(page: Page, name: str) -> Locator:
    """The candidate section headed with this name."""
    return page.locator("section.washup-candidate").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def agree(page: Page, name: str, competency: str, score: int, note: str) -> None:
    """Record the panel's agreed score for one competency of the candidate on screen."""
    card = (
        section(page, name)
        .locator("article.consensus-card")
        .filter(has=page.get_by_role("heading", name=competency))
    )
    card.get_by_role("radio", name=str(score)).check()
    card.get_by_label(f"Note on {competency}").fill(note)
    card.get_by_role("button", name=f"Record {competency} score").click()
    expect(card.locator(".consensus-record")).to_contain_text(f"Agreed: {score}")


def decide(page: Page, name: str, outcome: str, rationale: str) -> None:
    """Record the decision for the candidate on screen."""
    block = section(page, name).locator(".decision-block")
    block.get_by_role("radio", name=outcome, exact=True).check()
    block.get_by_label("Rationale").fill(rationale)
    block.get_by_role("button", name="Record decision").click()
    expect(block.locator(".decision-record")).to_contain_text(outcome)


def test_a_full_washup_on_the_projector_followed_on_a_tablet(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    finished = finished_session(Prefixed(live.url), r, live_token)
    sid = finished.sid
    problems = Problems()

    room = open_context(browser, contexts, live.url, **PROJECTOR)
    lead = problems.watch(room.new_page())
    sign_in(lead, "lead@example.com", PASSWORD)
    lead.goto(f"/sessions/{sid}/washup")
    expect(lead.get_by_role("heading", name="Start the review")).to_be_visible()
    assert not serious_accessibility_violations(lead)
    lead.get_by_role("button", name="Start review").click()
    lead.wait_for_url(f"**/sessions/{sid}/washup")
    expect(lead.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(section(lead, "Candidate 0")).to_be_visible()
    expect(section(lead, "Candidate 1")).to_be_hidden()
    # The flagged disagreement comes first, said in words.
    first_row = section(lead, "Candidate 0").locator("tbody tr").first
    expect(first_row).to_contain_text("Flagged: 2 points apart")
    expect(first_row).to_contain_text("Teamwork")
    assert not serious_accessibility_violations(lead)

    tablet = open_context(browser, contexts, live.url, **TABLET)
    alex = problems.watch(tablet.new_page())
    sign_in(alex, "alex@example.com", PASSWORD)
    alex.goto(f"/sessions/{sid}/washup")
    expect(alex.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(section(alex, "Candidate 0")).to_be_visible()
    expect(alex.get_by_role("button", name="Record decision")).to_have_count(0)
    assert not serious_accessibility_violations(alex)
    alex.evaluate("() => { window.sameTabletPage = true; }")

    # The facilitator puts Candidate 1 first; the tablet's list follows, Candidate 0 stays on screen.
    lead.get_by_role("button", name="Move Candidate 1 up").click()
    expect(alex.locator("#order > li").first).to_contain_text("Candidate 1")
    expect(section(alex, "Candidate 0")).to_be_visible()

    # The evidence is one click away, and opens on the tablet too.
    section(lead, "Candidate 0").locator("details.evidence > summary").click()
    evidence = section(alex, "Candidate 0").locator("details.evidence")
    expect(evidence).to_have_attribute("open", "")
    expect(evidence).to_contain_text("Built on Sam's idea (exercise 1)")

    agree(lead, "Candidate 0", "Teamwork", 4, "Drew the quiet ones in")
    agree(lead, "Candidate 0", "Communication", 3, "Clear, if long")
    # A decision needs its reason: refused in the server's words, nothing recorded.
    block = section(lead, "Candidate 0").locator(".decision-block")
    block.get_by_role("radio", name="Offer", exact=True).check()
    block.get_by_role("button", name="Record decision").click()
    expect(block.locator(".form-status")).to_have_text("Write the reason for this decision.")
    expect(block.locator(".decision-record")).to_contain_text("No decision yet.")
    decide(lead, "Candidate 0", "Offer", "Strongest evidence on teamwork in both exercises")

    on_tablet = section(alex, "Candidate 0")
    expect(on_tablet.locator(".consensus-card").first).to_contain_text("Agreed: 4")
    expect(on_tablet.locator(".decision-record")).to_contain_text("Offer")
    expect(alex.locator("#order li", has_text="Candidate 0")).to_contain_text("Offer")
    # Independent ratings stay beside the agreed ones.
    expect(on_tablet.locator("tbody tr").first).to_contain_text("Flagged: 2 points apart")
    shot(lead, "projector-candidate-0")
    shot(alex, "tablet-candidate-0")

    # Back to the start of the order: Candidate 1, on both screens, without a reload.
    lead.get_by_role("button", name="Previous candidate").click()
    expect(section(lead, "Candidate 1")).to_be_visible()
    expect(section(alex, "Candidate 1")).to_be_visible()
    expect(section(alex, "Candidate 0")).to_be_hidden()
    assert alex.evaluate("() => window.sameTabletPage === true")
    agree(lead, "Candidate 1", "Teamwork", 2, "Rarely built on others")
    agree(lead, "Candidate 1", "Communication", 3, "")
    decide(lead, "Candidate 1", "Hold", "Check the second reference first")
    decide(lead, "Candidate 1", "Next round", "Reference came back; worth a second look")
    history = section(alex, "Candidate 1").locator(".decision-history")
    expect(history).to_contain_text("Hold: “Check the second reference first”")
    shot(alex, "tablet-candidate-1")
    assert not serious_accessibility_violations(lead)
    assert not serious_accessibility_violations(alex)

    lead.get_by_role("button", name="Mark session decided").click()
    expect(lead.locator("#state-badge")).to_contain_text("Decided")
    # The tablet hears of it and shows the decided session.
    expect(alex.locator("#state-badge")).to_contain_text("Decided")

    lead.goto(f"/sessions/{sid}/compare?sort=overall")
    names = lead.locator(".profile-name")
    expect(names).to_have_count(2)
    # Candidate 0's independent overall (3.6) is above Candidate 1's (2.4).
    expect(names).to_have_text(["Candidate 0", "Candidate 1"])
    expect(lead.locator("#ordered-by")).to_contain_text("overall")
    assert not problems.serious(), problems.serious()


def test_ending_with_ratings_owed_asks_first_and_a_locked_rating_says_why(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    panel = running_panel(Prefixed(live.url), r, live_token, candidates=2)  # type: ignore[arg-type]
    panel.end()
    problems = Problems()

    tablet = open_context(browser, contexts, live.url, **TABLET)
    alex = problems.watch(tablet.new_page())
    sign_in(alex, "alex@example.com", PASSWORD)
    alex.goto(f"/sessions/{panel.sid}/observe")
    expect(alex.locator("#connection")).to_have_attribute("data-status", "connected")

    room = open_context(browser, contexts, live.url, **PROJECTOR)
    lead = problems.watch(room.new_page())
    sign_in(lead, "lead@example.com", PASSWORD)
    lead.goto(f"/sessions/{panel.sid}/live")
    expect(lead.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(lead.locator("#join-box")).to_be_visible()
    expect(lead.locator("#lobby-lock-box")).to_be_visible()
    expect(lead.get_by_role("button", name="Remove Candidate 0")).to_have_count(1)
    expect(lead.locator("#ratings-owed")).to_have_text("4 ratings owed")
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    lead.on("dialog", answer)
    lead.get_by_role("button", name="End session").click()
    expect(lead.locator("#state-badge")).to_have_text("Ended")
    assert asked == [
        "4 ratings are still owed: Alex (2), Blair (2). Ending the session still lets them rate. "
        "End the session for everyone? Candidates can no longer join or submit."
    ]
    # Nobody can join an ended session: no join code, no lobby controls.
    expect(lead.locator("#join-box")).to_be_hidden()
    expect(lead.locator("#lobby-lock-box")).to_be_hidden()
    expect(lead.get_by_role("button", name="Remove Candidate 0")).to_have_count(0)
    expect(lead.get_by_role("link", name="Open the wash-up")).to_be_visible()
    assert not serious_accessibility_violations(lead)

    panel.build.state("review", confirm=True)
    alex.locator("#mode-rate").click()
    card = alex.locator("#rating-cards article").first
    card.locator("input[type=radio][value='3']").first.check()
    expect(card).to_contain_text("The review has started, so evidence can no longer be rated")
    assert not problems.serious(), problems.serious()


def test_a_reopened_rating_unlocks_on_the_tablet_and_its_new_scores_reach_the_washup(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    finished = finished_session(Prefixed(live.url), r, live_token)
    finished.start_review()
    problems = Problems()

    tablet = open_context(browser, contexts, live.url, **TABLET)
    alex = problems.watch(tablet.new_page())
    sign_in(alex, "alex@example.com", PASSWORD)
    alex.goto(f"/sessions/{finished.sid}/observe")
    expect(alex.locator("#connection")).to_have_attribute("data-status", "connected")
    alex.locator("#mode-rate").click()
    alex.locator("#rating-exercise").select_option(finished.exercise_ids[0])
    card = alex.locator("#rating-cards article").filter(has=alex.get_by_role("heading", name="Candidate 0"))
    expect(card.get_by_role("button", name="Submit rating")).to_be_hidden()

    room = open_context(browser, contexts, live.url, **PROJECTOR)
    lead = problems.watch(room.new_page())
    sign_in(lead, "lead@example.com", PASSWORD)
    lead.goto(f"/sessions/{finished.sid}/washup")
    expect(lead.locator("#connection")).to_have_attribute("data-status", "connected")
    candidate = section(lead, "Candidate 0")
    expect(candidate).to_contain_text("1 flagged disagreement")
    candidate.locator("details.reopen > summary").click()
    candidate.get_by_label("Rating", exact=True).select_option(label="Alex, Desert survival 1")
    candidate.get_by_label("Reason").fill("missed exercise 2 evidence")
    candidate.get_by_role("button", name="Reopen rating").click()
    expect(candidate.locator(".reopen-record")).to_contain_text("Reopened by Lead at", use_inner_text=True)
    expect(candidate.locator(".reopen-record")).to_contain_text("“missed exercise 2 evidence”")
    expect(candidate.locator(".reopen-record")).to_contain_text("Waiting for Alex")
    assert not serious_accessibility_violations(lead)

    # The tablet unlocks the rating without a reload; Alex changes teamwork from 4 to 3.
    submit = card.get_by_role("button", name="Submit rating")
    expect(submit).to_be_visible()
    card.locator("details").first.evaluate("(fold) => { fold.open = true; }")
    card.locator("input[type=radio][value='3']").first.check()
    submit.click()
    expect(card.get_by_role("button", name="Submit rating")).to_be_hidden()

    # The wash-up redraws the ratings: 3 against 2 is no longer a flagged disagreement.
    expect(candidate).to_contain_text("No disagreements of 2 points or more.")
    expect(candidate.locator(".reopen-record")).not_to_contain_text("Waiting for Alex")
    assert not problems.serious(), problems.serious()
