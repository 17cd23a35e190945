"""The projector in Chromium: names arrive live, branding shows, and a loopback address is
explained."""

from __future__ import annotations

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer
from ..test_branding import png
from .conftest import LAPTOP, PHONE, Problems, open_context, serious_accessibility_violations, sign_in


def brand_as_admin(page: Page) -> None:
    """An admin sets the organisation's name, colour and logo on the Branding page."""
    sign_in(page, "ada@example.com", PASSWORD)
    page.get_by_role("link", name="Branding").click()
    page.get_by_label("Organisation name").fill("Northwind Talent")
    page.get_by_label("Accent colour").fill("#f5c518")
    page.get_by_label("Logo").set_input_files(
        files=[{"name": "northwind.png", "mimeType": "image/png", "buffer": png(40, 16)}]
    )
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_text("Branding saved.")).to_be_visible()
    expect(page.locator(".brand-preview .brand-name")).to_have_text("Northwind Talent")
    # A pale accent gets black text, and says so.
    expect(page.get_by_text("have black text")).to_be_visible()
    assert not serious_accessibility_violations(page)


def watch_arrivals(projector: Page) -> None:
    """Record each name tag as it is added: its text and whether it moves."""
    projector.evaluate(
        """() => {
          window.arrivedTags = [];
          new MutationObserver((changes) => {
            for (const change of changes) for (const node of change.addedNodes) {
              const animation = getComputedStyle(node).animationName;
              window.arrivedTags.push({ text: node.textContent, animation });
            }
          }).observe(document.getElementById("arrivals"), { childList: true });
        }"""
    )


def arrived_tags(projector: Page) -> list[dict[str, str]]:
    return projector.evaluate("() => window.arrivedTags")  # type: ignore[no-any-return]


def check_in(page: Page, code: str, name: str, branded: bool = False) -> None:
    """A candidate joins with the code on their phone and accepts the privacy notice."""
    page.goto(f"/join/{code}")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Continue").click()
    accept = page.get_by_role("button", name="I understand — check me in")
    expect(accept).to_be_visible()
    if branded:
        expect(page.locator(".brand-bar")).to_contain_text("Northwind Talent")
        expect(page.get_by_text("Graduate analysts, spring intake")).to_be_visible()
        assert not serious_accessibility_violations(page)
    accept.click()
    expect(page.locator("#stage-heading")).to_contain_text(name)


def test_names_arrive_on_the_projector_as_candidates_check_in(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    make_user(r, "ada@example.com", "admin")
    lead = make_user(r, "lead@example.com", "facilitator")
    build = SessionBuilder(requests.Session(), user_store.issue_api_token(r, lead.id), prefix=live.url)
    build.create(title="Graduate analysts, spring intake")
    build.state("open")
    build.join("Grace Hopper")  # arrived before the projector was opened
    problems = Problems()

    brand_as_admin(problems.watch(open_context(browser, contexts, live.url, **LAPTOP).new_page()))

    projector = problems.watch(open_context(browser, contexts, live.url, **LAPTOP).new_page())
    sign_in(projector, "lead@example.com", PASSWORD)
    projector.goto(f"/sessions/{build.session_id}/projector")
    expect(projector.locator("#connection")).to_have_attribute("data-status", "connected")
    arrivals = projector.locator("#arrivals li")
    expect(arrivals).to_have_text(["Grace Hopper"])
    expect(projector.locator(".stage-brand")).to_contain_text("Northwind Talent")
    expect(projector.locator(".stage-brand img")).to_have_js_property("naturalWidth", 40)

    # The server listens on 127.0.0.1 only: the projector says phones cannot open it, and how to fix it.
    notice = projector.locator("#reach-notice")
    expect(notice).to_contain_text("Phones cannot reach this address")
    expect(notice).to_contain_text("HOST=0.0.0.0 make run")
    expect(notice).to_contain_text("FACILITATOR_PUBLIC_URL")

    # A candidate checks in on their phone; their name rises onto the big screen, newest first.
    phone = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    phone.goto(f"/join/{build.join_code}")
    expect(phone.locator(".brand-bar")).to_contain_text("Northwind Talent")
    expect(phone.get_by_text("Graduate analysts, spring intake")).to_be_visible()
    expect(phone.locator(".brand-bar img")).to_have_js_property("naturalWidth", 40)
    # The accent colour reached the page through /brand.css, with black text on it.
    button = phone.get_by_role("button", name="Continue")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(245, 197, 24)"
    assert button.evaluate("b => getComputedStyle(b).color") == "rgb(0, 0, 0)"
    assert not serious_accessibility_violations(phone)
    watch_arrivals(projector)
    check_in(phone, build.join_code, "Ada Lovelace", branded=True)
    expect(phone.locator(".brand-bar")).to_contain_text("Northwind Talent")  # the waiting page
    assert not serious_accessibility_violations(phone)

    expect(arrivals).to_have_text(["Ada Lovelace", "Grace Hopper"])
    expect(projector.locator("#checked-in")).to_have_text("2 people have checked in")
    assert arrived_tags(projector) == [{"text": "Ada Lovelace", "animation": "arrive"}]
    assert not serious_accessibility_violations(projector)

    stranger = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    stranger.goto("/i/not-a-real-invite")  # the problem page carries the branding too
    expect(stranger.locator(".brand-bar")).to_contain_text("Northwind Talent")
    assert not serious_accessibility_violations(stranger)

    # Someone who asks for less motion sees the name appear without it.
    calm = problems.watch(
        open_context(browser, contexts, live.url, **LAPTOP, reduced_motion="reduce").new_page()
    )
    sign_in(calm, "lead@example.com", PASSWORD)
    calm.goto(f"/sessions/{build.session_id}/projector")
    expect(calm.locator("#connection")).to_have_attribute("data-status", "connected")
    watch_arrivals(calm)
    check_in(open_context(browser, contexts, live.url, **PHONE).new_page(), build.join_code, "Alan Turing")
    expect(calm.locator("#arrivals li").first).to_have_text("Alan Turing")
    assert arrived_tags(calm) == [{"text": "Alan Turing", "animation": "none"}]
    expect(arrivals.first).to_have_text("Alan Turing")

    # A candidate removed from the session leaves the list; in an exercise the notice gives way.
    (ada,) = [
        c
        for c in build.call("get", f"/sessions/{build.session_id}/candidates")
        if c["name"] == "Ada Lovelace"
    ]
    build.call("delete", f"/sessions/{build.session_id}/candidates/{ada['id']}", expect=200)
    expect(arrivals).to_have_text(["Alan Turing", "Grace Hopper"])
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    expect(projector.locator("#run-view")).to_be_visible()
    expect(notice).to_be_hidden()
    assert not problems.serious(), problems.serious()
