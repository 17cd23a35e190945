"""The admission queue in real browsers: someone typing a checked-in candidate's name waits on
their phone until the facilitator, in the control room, turns them away or lets them in."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    LAPTOP,
    PHONE,
    Problems,
    open_context,
    serious_accessibility_violations,
    sign_in,
)

from ...builders import SessionBuilder
from ...conftest import PASSWORD
from ...live_server import LiveServer

pytestmark = pytest.mark.browser


def type_in(phone: Page, code: str, name: str) -> None:
    """Join by code and name on a phone, and accept the privacy notice."""
    phone.goto("/join")
    phone.get_by_label("Session code").fill(code)
    phone.get_by_label("Your name").fill(name)
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name="I understand — check me in").click()


def test_a_second_claim_of_a_name_waits_for_the_facilitator_who_refuses_or_lets_it_in(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    live_token: str,
) -> None:
    problems = Problems()
    build = SessionBuilder(requests.Session(), live_token, prefix=live.url).create()
    build.call("post", f"/sessions/{build.session_id}/candidates", {"candidates": [{"name": "Ada Lovelace"}]})
    build.state("open")
    (ada,) = build.call("get", f"/sessions/{build.session_id}/candidates")

    laptop = problems.watch(open_context(browser, contexts, live.url, **LAPTOP).new_page())
    sign_in(laptop, "lead@example.com", PASSWORD)
    laptop.goto(f"/sessions/{build.session_id}/live")
    expect(laptop.locator("#connection")).to_have_attribute("data-status", "connected")
    queue = laptop.locator("#admissions")
    expect(queue).to_be_hidden()

    # Ada checks in with her personal link.
    first = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    first.goto(urlsplit(ada["invite_url"]).path)
    first.get_by_role("button", name="I understand — check me in").click()
    expect(first.locator("#stage-heading")).to_contain_text("You're checked in, Ada Lovelace")
    expect(first.locator("#connection")).to_have_attribute("data-status", "connected")

    # Someone else types her name: they wait, and the control room is asked.
    impostor = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    type_in(impostor, build.join_code, "ada lovelace")
    expect(impostor.get_by_role("heading", name="Waiting for the facilitator to let you in")).to_be_visible()
    assert not serious_accessibility_violations(impostor)
    expect(queue).to_be_visible()
    item = queue.locator("li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("ada lovelace")
    expect(item).to_contain_text(
        "typed the name of Ada Lovelace, who has already checked in on another phone"
    )
    expect(laptop.locator("#admissions-count")).to_have_text("1 waiting")
    assert not serious_accessibility_violations(laptop)
    item.get_by_role("button", name="Refuse").click()
    expect(queue).to_be_hidden()
    expect(impostor.get_by_role("alert")).to_contain_text("The facilitator did not let this phone in")
    expect(first.locator("#connection")).to_have_attribute("data-status", "connected")

    # Ada herself, on a new phone: let in, and her first phone is signed out.
    second = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    type_in(second, build.join_code, "Ada Lovelace")
    expect(second.get_by_role("heading", name="Waiting for the facilitator to let you in")).to_be_visible()
    expect(queue.get_by_role("button", name="Admit as a new walk-in")).to_be_visible()
    laptop.once("dialog", lambda dialog: dialog.accept())
    queue.get_by_role("button", name="Admit as Ada Lovelace, signing out the other phone").click()
    expect(second.locator("#stage-heading")).to_contain_text("You're checked in, Ada Lovelace")
    expect(second.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(first.get_by_role("heading", name="This phone is no longer checked in")).to_be_visible()
    expect(queue).to_be_hidden()
    roster = build.call("get", f"/sessions/{build.session_id}/candidates")
    assert [c["name"] for c in roster] == ["Ada Lovelace"]

    # Locked, the lobby turns away every typed name, Ada's too; her link still works.
    laptop.get_by_role("button", name="Lock lobby").click()
    expect(laptop.locator("#lobby-lock-status")).to_contain_text("only personal links get in")
    locked_out = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
    locked_out.goto("/join")
    locked_out.get_by_label("Session code").fill(build.join_code)
    locked_out.get_by_label("Your name").fill("Ada Lovelace")
    locked_out.get_by_role("button", name="Continue").click()
    expect(locked_out.locator("#form-error")).to_contain_text("The lobby is locked")
    assert not problems.serious(), problems.seen
