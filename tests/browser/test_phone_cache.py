"""A phone opening its page a second time asks the server for the page and its socket, nothing else."""

from __future__ import annotations

from typing import Any

import requests
from playwright.sync_api import Browser, BrowserContext, expect

from ..builders import SessionBuilder
from ..live_server import LiveServer
from .conftest import PHONE


def test_a_repeat_load_of_the_phone_page_requests_nothing_but_the_page_and_its_socket(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str
) -> None:
    build = SessionBuilder(requests.Session(), live_token, live.url)
    build.create().state("open")
    person = build.join("Ada Lovelace")
    # The service worker (the offline copy) is kept out, so what is seen is the HTTP cache alone;
    # and no request routing (open_context routes one), which would switch the HTTP cache off.
    context = browser.new_context(base_url=live.url, service_workers="block", **PHONE)
    contexts.append(context)
    context.add_cookies(
        [{"name": f"fac_device_{build.session_id}", "value": person["token"], "url": live.url}]
    )
    page = context.new_page()
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    sent: list[dict[str, Any]] = []
    cached: set[str] = set()
    network.on("Network.responseReceived", lambda event: sent.append(event))
    network.on("Network.requestServedFromCache", lambda event: cached.add(event["requestId"]))

    def from_the_server() -> list[str]:
        return [
            e["response"]["url"].removeprefix(live.url)
            for e in sent
            if e["requestId"] not in cached
            and not e["response"].get("fromDiskCache")
            and not e["response"].get("fromPrefetchCache")
        ]

    page.goto(f"/s/{build.session_id}/phone")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    first = from_the_server()
    assert any(url.startswith("/static/js/phone/dom.js?v=") for url in first), first

    sent.clear()
    page.goto(f"/s/{build.session_id}/phone")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    again = [url for url in from_the_server() if not url.startswith("/socket.io/")]
    # The page itself twice: once shown, once kept by the page as its offline copy.
    assert set(again) == {f"/s/{build.session_id}/phone"}, again
    loaded = [e["response"]["url"] for e in sent if "/static/" in e["response"]["url"]]
    assert any("/static/js/phone.js?v=" in url for url in loaded)  # it was loaded, from the cache
