"""Signing out of an observer's tablet in Chromium: the names, notes and drafts it kept, and the
offline copy of the page, go with the sign-in; but never an observation still waiting to send."""

from __future__ import annotations

import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    TABLET,
    Problems,
    open_context,
    sign_in,
)
from tests.browser.test_observer import running_session, stored, tap, wait_until

from ...conftest import PASSWORD
from ...live_server import LiveServer

pytestmark = pytest.mark.browser

KEPT = """() => Object.keys(localStorage).filter((k) => k.startsWith("fac-observe:"))"""
OUTBOX = """() => Object.entries(localStorage)
  .filter(([k]) => k.startsWith("fac-observe:") && k.endsWith(":outbox"))
  .reduce((n, [, v]) => n + JSON.parse(v).length, 0)"""
CACHED = """async () => (await caches.keys()).includes("facilitator-observe-v1")"""


def observing(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    session_id: str,
) -> Page:
    """Olive's tablet on the capture page, connected, with its offline copy taken."""
    tablet = open_context(browser, contexts, live.url, **TABLET)
    page = tablet.new_page()
    sign_in(page, "olive@example.com", PASSWORD)
    page.goto(f"/sessions/{session_id}/observe")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(page.locator("#tiles button")).to_have_count(3)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    wait_until(lambda: page.evaluate(CACHED))
    return page


def test_signing_out_clears_the_tablet_when_nothing_waits(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    r: redis.Redis,
) -> None:
    build, _ = running_session(live, r)
    problems = Problems()
    page = problems.watch(observing(browser, contexts, live, build.session_id))
    page.locator("#note").fill("Summarised both options for the group")
    tap(page, 0, 0)
    expect(page.locator("#outbox")).to_have_text("0 waiting to send")
    wait_until(lambda: len(stored(build)) == 1)
    page.evaluate("() => new Promise((done) => setTimeout(done, 400))")  # the model is kept after 300 ms
    kept = page.evaluate("() => JSON.stringify(localStorage)")
    assert "Ada Lovelace" in kept and "Summarised both options" in kept

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.evaluate(KEPT) == []
    assert "Ada Lovelace" not in page.evaluate("() => JSON.stringify(localStorage)")
    assert not page.evaluate(CACHED)
    assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
    assert not problems.serious(), problems.serious()


def test_signing_out_with_an_observation_waiting_keeps_it_until_it_is_sent(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    r: redis.Redis,
) -> None:
    build, _ = running_session(live, r)
    page = observing(browser, contexts, live, build.session_id)
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-status", "offline")
    tap(page, 1, 0)
    expect(page.locator("#outbox")).to_have_text("1 waiting to send")

    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Not everything has been sent yet")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1 observation or rating on this page")
    # Staying keeps everything, the waiting observation first.
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    assert page.evaluate(OUTBOX) == 1 and "/observe" in page.url

    # Waiting: nothing is cleared while offline; once back online it is sent, then signed out.
    page.get_by_role("button", name="Sign out").click()
    dialog.get_by_role("button", name="Wait, then sign out").click()
    expect(dialog).to_contain_text("Waiting for the connection")
    page.wait_for_timeout(1000)
    assert page.evaluate(OUTBOX) == 1 and "/observe" in page.url and stored(build) == []
    page.context.set_offline(False)
    page.wait_for_url("**/login", timeout=20_000)
    assert len(stored(build)) == 1
    assert page.evaluate(KEPT) == []


def test_discarding_what_waits_signs_out_and_clears_it(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    r: redis.Redis,
) -> None:
    build, _ = running_session(live, r)
    page = observing(browser, contexts, live, build.session_id)
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-status", "offline")
    tap(page, 2, 1)
    expect(page.locator("#outbox")).to_have_text("1 waiting to send")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog").get_by_role("button", name="Discard them and sign out").click()
    # The tablet is cleared at once; the sign-out itself goes once the network is back.
    expect(page.get_by_role("status").filter(has_text="This tablet is cleared")).to_be_visible()
    assert page.evaluate(KEPT) == []
    expect(page.locator("#tiles")).to_have_count(0)
    page.context.set_offline(False)
    page.wait_for_url("**/login", timeout=20_000)
    assert page.evaluate(KEPT) == []
    assert stored(build) == []
