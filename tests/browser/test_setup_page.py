"""The session set-up page in Chromium: one part at a time, results beside the form that sent
them, an import that keeps what it could not read, and links that copy to the clipboard."""

from __future__ import annotations

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer
from .conftest import LAPTOP, Problems, open_context, serious_accessibility_violations, sign_in

TEN_LINES = [
    "Ada Lovelace, ada@example.com",
    "Grace Hopper",
    "Katherine Johnson, katherine@example.com",
    "Alan Turing, not-an-email",
    "Mary Jackson",
    "Dorothy Vaughan, dorothy@example.com",
    "Edsger Dijkstra",
    "Barbara Liskov, barbara@example.com",
    ", nobody@example.com",
    "Frances Allen",
]


def facilitator_session(live: LiveServer, r: redis.Redis) -> SessionBuilder:
    """A draft session with one exercise, built through the API by the facilitator who signs in."""
    lead = make_user(r, "lead@example.com", "facilitator")
    return SessionBuilder(
        requests.Session(), user_store.issue_api_token(r, lead.id), prefix=live.url
    ).create()


def setup_page(browser: Browser, contexts: list[BrowserContext], live: LiveServer, **options: object) -> Page:
    page = open_context(browser, contexts, live.url, **LAPTOP, **options).new_page()  # type: ignore[arg-type]
    sign_in(page, "lead@example.com", PASSWORD)
    return page


def open_part(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Set-up sections").get_by_role("link", name=name).click()


def visible_parts(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-setup-section]", "parts => parts.filter(p => !p.hidden).map(p => p.id)"
    )


def test_import_of_ten_lines_with_two_bad_ones_adds_eight_and_names_lines_4_and_9(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    build = facilitator_session(live, r)
    problems = Problems()
    page = problems.watch(setup_page(browser, contexts, live))
    page.goto(f"/sessions/{build.session_id}")
    assert visible_parts(page) == ["details"]
    open_part(page, "Candidates")
    assert visible_parts(page) == ["roster"]

    page.get_by_label("Paste names").fill("\n".join(TEN_LINES))
    page.get_by_role("button", name="Import").click()

    note = page.locator("#import-candidates [data-note]")
    expect(note).to_be_in_viewport()
    expect(note).to_contain_text("Added 8 candidates.")
    expect(note.locator("li")).to_have_count(2)
    expect(note.locator("li").nth(0)).to_contain_text("Line 4")
    expect(note.locator("li").nth(0)).to_contain_text("Email is not a valid email address")
    expect(note.locator("li").nth(1)).to_contain_text("Line 9")
    expect(note.locator("li").nth(1)).to_contain_text("Name is required.")
    # Only the two lines that were not added stay in the box, to correct and import again.
    expect(page.get_by_label("Paste names")).to_have_value(f"{TEN_LINES[3]}\n{TEN_LINES[8]}")
    assert visible_parts(page) == ["roster"]
    assert page.locator(".flashes").count() == 0  # nothing lands in a banner at the top

    added = [line.split(",")[0] for n, line in enumerate(TEN_LINES) if n not in (3, 8)]
    expect(page.locator("#roster tbody th")).to_have_text(added)
    listed = build.call("get", f"/sessions/{build.session_id}/candidates", expect=200)
    assert [c["name"] for c in listed] == added
    assert not serious_accessibility_violations(page)

    # Correcting the two lines and importing again adds them and nobody twice.
    page.get_by_label("Paste names").fill("Alan Turing, alan@example.com\nFrances Spence")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-candidates [data-note]")).to_contain_text("Added 2 candidates.")
    expect(page.locator("#roster tbody tr")).to_have_count(10)
    expect(page.get_by_label("Paste names")).to_have_value("")
    assert not problems.serious(), problems.serious()


def test_new_invite_link_is_in_view_and_copies_to_the_clipboard(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    build = facilitator_session(live, r)
    build.call(
        "post",
        f"/sessions/{build.session_id}/candidates",
        {"candidates": [{"name": f"Candidate {n}"} for n in range(12)]},
        expect=201,
    )
    problems = Problems()
    page = problems.watch(
        setup_page(browser, contexts, live, permissions=["clipboard-read", "clipboard-write"])
    )
    page.goto(f"/sessions/{build.session_id}#panel")
    assert visible_parts(page) == ["panel"]
    page.get_by_role("button", name="Create invite link").click()

    link = page.get_by_label("Invite link")
    expect(link).to_be_in_viewport()
    url = link.input_value()
    assert "/panel/" in url and requests.get(url, timeout=10).status_code == 200
    expect(page.get_by_role("button", name="Copy new panel invite link")).to_be_in_viewport()
    copy = page.locator("button[data-copy='new-invite-link']")
    copy.click()
    expect(copy).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert not serious_accessibility_violations(page)

    # Every link on every part of the page has its own Copy button, and each copies its link.
    for part, links in (("Details", 1), ("Exercises", 0), ("Candidates", 12)):
        open_part(page, part)
        fields = page.locator("[data-setup-section]:not([hidden]) input.invite-link")
        expect(fields).to_have_count(links)
        for n in range(links):
            expect(fields.nth(n).locator("xpath=following-sibling::button[1]")).to_be_visible()
        if links:
            fields.nth(links - 1).locator("xpath=following-sibling::button[1]").click()
            assert page.evaluate("navigator.clipboard.readText()") == fields.nth(links - 1).input_value()
        assert not serious_accessibility_violations(page)
    expect(page.get_by_role("button", name="Copy personal join link for Candidate 11")).to_be_visible()
    assert not problems.serious(), problems.serious()


def test_each_result_shows_beside_the_form_that_caused_it(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    build = facilitator_session(live, r)
    page = setup_page(browser, contexts, live)
    page.goto(f"/sessions/{build.session_id}#roster")

    # A mistyped email: the error sits on the field, what was typed is still there.
    page.get_by_label("Name", exact=True).fill("Sam Lee")
    page.get_by_label("Email (optional)").fill("sam@")
    page.get_by_role("button", name="Add to roster").click()
    email = page.get_by_label("Email (optional)")
    expect(email).to_have_value("sam@")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Sam Lee")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#candidate-email-error")).to_have_text(
        "Email is not a valid email address (like name@example.com)."
    )
    expect(page.locator("#add-candidate [data-note]")).to_be_in_viewport()
    assert build.call("get", f"/sessions/{build.session_id}/candidates", expect=200) == []

    # Two people with the same name: the import says so, and the roster marks them.
    page.get_by_label("Paste names").fill("Sam Lee, sam@example.com\nSAM LÉE, other.sam@example.com")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-candidates [data-note]")).to_contain_text(
        "Two people have the same name: Sam Lee and SAM LÉE."
    )
    expect(page.locator("#roster tbody").get_by_text("Same name")).to_have_count(2)
    assert not serious_accessibility_violations(page)

    # The state bar answers state changes from any part of the page.
    page.get_by_role("button", name="Open the lobby").click()
    expect(page.locator("#state [data-note]")).to_contain_text("The session is now open")
    expect(page.locator("#state [data-note]")).to_be_in_viewport()
