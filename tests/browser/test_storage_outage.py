"""A phone on the production topology waits out a storage outage without being told it was
signed out, reconnects by itself when Redis is back, and gets what was announced meanwhile."""

from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, expect

from ..builders import SessionBuilder
from ..cluster import LocalCluster
from .conftest import PHONE, open_context

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_a_phone_waits_out_a_redis_outage_and_carries_on_by_itself(
    browser: Browser,
    contexts: list[BrowserContext],
    cluster: LocalCluster,
) -> None:
    token = cluster.facilitator_token()
    build = SessionBuilder(requests.Session(), token, prefix=cluster.url).create()
    build.state("open")
    person = build.join("Ada Lovelace")
    build.state("live")
    context = open_context(browser, contexts, cluster.url, **PHONE)
    context.add_cookies(
        [{"name": f"fac_device_{build.session_id}", "value": person["token"], "url": cluster.url}]
    )
    page = context.new_page()
    page.goto(f"/s/{build.session_id}/phone")
    status = page.locator("#connection")
    expect(status).to_have_attribute("data-status", "connected")

    cluster.redis.stop()
    try:
        # The Wi-Fi blinks while storage is down: the phone's reconnection is refused
        # `unavailable`, which means "not now", not "signed out".
        context.set_offline(True)
        expect(status).not_to_have_attribute("data-status", "connected")
        context.set_offline(False)
        expect(status).to_have_attribute("data-status", "reconnecting")
        time.sleep(4)  # two more refused attempts
        expect(status).to_have_attribute("data-status", "reconnecting")
        assert "signed out" not in page.locator("body").inner_text().lower()
    finally:
        cluster.redis.start()

    expect(status).to_have_attribute("data-status", "connected", timeout=15_000)
    build.call("post", f"/sessions/{build.session_id}/announcements", {"text": "Back on track"}, expect=201)
    expect(page.get_by_text("Back on track")).to_be_visible()
