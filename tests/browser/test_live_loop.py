"""The live loop in real browsers: a facilitator on a laptop, three candidates on phones."""

from __future__ import annotations

import re

import redis
from playwright.sync_api import Browser, BrowserContext, expect

from facilitator.store import sessions as session_store

from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer
from .conftest import LAPTOP, PHONE, Problems, open_context, serious_accessibility_violations, sign_in

CLOCK = re.compile(r"^-?\d+:\d\d$")


def test_facilitator_runs_an_exercise_on_three_phones(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    make_user(r, "lead@example.com", "facilitator")
    problems = Problems()

    # The facilitator builds the session in the browser.
    laptop = problems.watch(open_context(browser, contexts, live.url, **LAPTOP).new_page())
    sign_in(laptop, "lead@example.com", PASSWORD)
    laptop.goto("/sessions/new")
    laptop.get_by_label("Title").fill("Graduate assessment centre")
    laptop.get_by_role("button", name="Create session").click()
    expect(laptop.get_by_role("heading", name="Graduate assessment centre")).to_be_visible()
    laptop.get_by_role("link", name="Add the first exercise").click()
    laptop.get_by_label("Title", exact=True).fill("Desert survival")
    laptop.get_by_label("Brief", exact=False).first.fill(
        "Rank the **fifteen** items by how much they help you survive."
    )
    laptop.get_by_label("Duration (minutes)").fill("15")
    laptop.get_by_label("Group size").fill("3")
    laptop.get_by_text("More role briefs").click()
    for n, role in enumerate(["Navigator", "Medic", "Engineer"]):
        laptop.locator(f"#role_title_{n}").fill(role)
        laptop.locator(f"#role_body_{n}").fill(f"Only you know the {role.lower()}'s secret.")
    laptop.get_by_role("button", name="Add exercise").click()
    expect(laptop.get_by_text("Desert survival").first).to_be_visible()
    laptop.get_by_role("button", name="Open the lobby").click()
    expect(laptop.locator(".flash").first).to_contain_text("open")
    assert not serious_accessibility_violations(laptop)
    (session,) = session_store.list_all(r)

    # Three candidates join by code on their phones.
    phones = []
    for name in ("Ada Lovelace", "Grace Hopper", "Katherine Johnson"):
        phone = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
        phone.goto("/join")
        phone.get_by_label("Session code").fill(session.join_code.lower())
        phone.get_by_label("Your name").fill(name)
        if name == "Ada Lovelace":
            assert not serious_accessibility_violations(phone)
        phone.get_by_role("button", name="Continue").click()
        accept = phone.get_by_role("button", name="I understand — check me in")
        expect(accept).to_be_visible()
        if name == "Ada Lovelace":
            assert not serious_accessibility_violations(phone)
        accept.click()
        expect(phone.locator("#stage-heading")).to_contain_text(f"You're checked in, {name}")
        expect(phone.locator("#connection")).to_have_attribute("data-status", "connected")
        phones.append(phone)
    assert not serious_accessibility_violations(phones[0])

    # The lobby shows them arriving live; the facilitator goes live and starts the exercise.
    laptop.goto(f"/sessions/{session.id}/live")
    for name in ("Ada Lovelace", "Grace Hopper", "Katherine Johnson"):
        expect(laptop.get_by_text(name).first).to_be_visible()
    laptop.get_by_role("button", name="Go live").click()
    laptop.get_by_role("button", name="Start exercise").click()

    roles_seen = set()
    for phone in phones:
        expect(phone.locator("#exercise-title")).to_have_text("Desert survival")
        expect(phone.locator("#team-heading")).to_contain_text("Group")
        expect(phone.locator("#team-list li")).to_have_count(3)
        expect(phone.locator("#brief-body")).to_contain_text("Rank the fifteen items")
        expect(phone.locator("#countdown")).to_have_text(CLOCK)
        roles_seen.add(phone.locator("#role-title").inner_text())
    assert roles_seen == {"Navigator", "Medic", "Engineer"}
    expect(laptop.locator("#connection")).to_have_attribute("data-status", "connected")
    assert not serious_accessibility_violations(laptop)
    first = phones[0].locator("#countdown").inner_text()
    expect(phones[0].locator("#countdown")).not_to_have_text(first, timeout=5_000)  # it counts down
    assert not serious_accessibility_violations(phones[0])

    # One phone drops off the network; the exercise is paused meanwhile; back online it shows it.
    sleeper = phones[2]
    sleeper.context.set_offline(True)
    expect(sleeper.locator("#connection")).not_to_have_attribute("data-status", "connected", timeout=20_000)
    laptop.get_by_role("button", name="Pause").click()
    expect(phones[0].locator("#clock")).to_contain_text("Paused")
    sleeper.context.set_offline(False)
    expect(sleeper.locator("#connection")).to_have_attribute("data-status", "connected", timeout=20_000)
    expect(sleeper.locator("#clock")).to_contain_text("Paused")
    expect(sleeper.locator("#exercise-title")).to_have_text("Desert survival")

    assert not problems.serious(), problems.serious()
