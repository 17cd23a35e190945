"""The observer's tablet in Chromium: taps survive going offline and reloading, and are stored once."""

from __future__ import annotations

import time

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer
from .conftest import TABLET, Problems, open_context, serious_accessibility_violations, sign_in


def running_session(live: LiveServer, r: redis.Redis) -> tuple[SessionBuilder, str]:
    """A live session with three candidates, observer Olive on the panel, the exercise running."""
    lead = make_user(r, "lead@example.com", "facilitator")
    olive = make_user(r, "olive@example.com", "observer")
    build = SessionBuilder(
        requests.Session(), user_store.issue_api_token(r, lead.id), prefix=live.url
    ).create()
    build.call("post", f"/sessions/{build.session_id}/panel", {"user_id": olive.id}, expect=201)
    build.state("open")
    for name in ("Ada Lovelace", "Grace Hopper", "Katherine Johnson"):
        build.join(name)
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    return build, exercise_id


def tap(page: Page, candidate: int, behaviour: int) -> None:
    """One observation: a candidate tile, then a behaviour button."""
    tile = page.locator("#tiles button").nth(candidate)
    if tile.get_attribute("aria-pressed") != "true":
        tile.click()
    page.locator("#indicators button[data-indicator]").nth(behaviour).click()


def stored(build: SessionBuilder) -> list[str]:
    return [
        o["id"]
        for o in build.call("get", f"/sessions/{build.session_id}/observations", expect=200)["observations"]
    ]


def wait_until(check: object, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_observations_survive_offline_taps_and_an_offline_reload(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    build, exercise_id = running_session(live, r)
    problems = Problems()
    tablet = open_context(browser, contexts, live.url, **TABLET)
    page = problems.watch(tablet.new_page())
    sign_in(page, "olive@example.com", PASSWORD)
    page.goto(f"/sessions/{build.session_id}/observe")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(page.locator("#tiles button")).to_have_count(3)
    assert not serious_accessibility_violations(page)

    for n in range(10):
        tap(page, n % 3, n % 4)
    expect(page.locator("#timeline > li")).to_have_count(10)
    expect(page.locator("#outbox")).to_have_text("0 waiting to send")
    wait_until(lambda: len(stored(build)) == 10)
    # The page keeps an offline copy of itself once its service worker is active.
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    wait_until(lambda: page.evaluate("async () => Boolean(await caches.match(location.pathname))"))

    tablet.set_offline(True)
    expect(page.locator("#connection")).not_to_have_attribute("data-status", "connected", timeout=20_000)
    for n in range(5):
        tap(page, n % 3, 4 + n % 3)
    expect(page.locator("#outbox")).to_have_text("5 waiting to send")
    expect(page.locator("#timeline > li")).to_have_count(15)

    page.reload()
    expect(page.locator("#outbox")).to_have_text("5 waiting to send")
    expect(page.locator("#timeline > li")).to_have_count(15)
    assert len(stored(build)) == 10

    tablet.set_offline(False)
    expect(page.locator("#outbox")).to_have_text("0 waiting to send", timeout=30_000)
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    wait_until(lambda: len(stored(build)) == 15)
    ids = stored(build)
    assert len(set(ids)) == 15
    logged = [
        e
        for e in build.call("get", f"/sessions/{build.session_id}/events", expect=200)
        if e["type"] == "observation_recorded"
    ]
    assert len(logged) == 15

    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/end", expect=200)
    page.locator("#mode-rate").click()
    expect(page.locator("#rating")).to_be_visible()
    assert not serious_accessibility_violations(page)
    assert not problems.serious(), problems.serious()
