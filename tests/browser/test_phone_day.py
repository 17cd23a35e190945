"""A candidate's phone through a whole day: no network, announcements across exercises and
group moves, added time, and a "Time's up" said once."""

from __future__ import annotations

import re
import time
from typing import Any

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ..builders import SessionBuilder
from ..live_server import LiveServer
from .conftest import PHONE, Problems, open_context, serious_accessibility_violations

CLOCK = re.compile(r"^\d\d:\d\d$")

# Counts what the phone's clock says to screen readers, from the first moment of each page.
COUNT_ALERTS = """
window.__said = [];
new MutationObserver(() => {
  const node = document.getElementById("clock-alert");
  if (node && node.textContent) window.__said.push(node.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def session_with(
    live: LiveServer, token: str, names: list[str], **exercise: Any
) -> tuple[SessionBuilder, list[dict[str, Any]]]:
    """A live session with these candidates checked in, and exercises set as given (two of
    them when `second` is true)."""
    build = SessionBuilder(requests.Session(), token, prefix=live.url).create(exercises=0)
    second = exercise.pop("second", False)
    for title in ("Desert survival", "Tower build")[: 2 if second else 1]:
        body = {
            "title": title,
            "kind": "group_discussion",
            "brief": f"The brief for **{title}**.",
            "duration_minutes": 20,
            "competency_ids": ["teamwork"],
            "group_size": 2,
            "role_briefs": [
                {"title": "Navigator", "body": "You know the **map**."},
                {"title": "Medic", "body": "You know first aid."},
            ],
            **exercise,
        }
        build.call("post", f"/sessions/{build.session_id}/exercises", body, expect=201)
    build.state("open")
    people = [build.join(name) for name in names]
    build.state("live")
    return build, people


def phone_for(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    build: SessionBuilder,
    person: dict[str, Any],
) -> tuple[BrowserContext, Page]:
    """A phone already checked in as `person` (its device cookie set), on the phone page."""
    context = open_context(browser, contexts, live.url, **PHONE)
    context.add_cookies(
        [{"name": f"fac_device_{build.session_id}", "value": person["token"], "url": live.url}]
    )
    context.add_init_script(COUNT_ALERTS)
    page = context.new_page()
    page.goto(f"/s/{build.session_id}/phone")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    return context, page


def groups(build: SessionBuilder, exercise_id: str) -> list[dict[str, Any]]:
    setup = build.call("get", f"/sessions/{build.session_id}", expect=200)["setup"]
    return setup["runs"][exercise_id]["groups"]  # type: ignore[no-any-return]


def act(build: SessionBuilder, exercise_id: str, verb: str, body: Any = None) -> None:
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/{verb}", body, expect=200)


def announce(build: SessionBuilder, text: str, group_id: str | None = None) -> None:
    build.call(
        "post",
        f"/sessions/{build.session_id}/announcements",
        {"text": text, "group_id": group_id},
        expect=201,
    )


def test_a_phone_reloaded_without_a_connection_shows_its_group_brief_role_and_clock(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, people = session_with(live, live_token, ["Ada Lovelace", "Grace Hopper"])
    (exercise,) = build.exercises()
    act(build, exercise["id"], "start")
    problems = Problems()
    context, page = phone_for(browser, contexts, live, build, people[0])
    problems.watch(page)
    expect(page.locator("#team-heading")).to_have_text("Your group: Group A")
    expect(page.locator("#team-list li")).to_have_count(2)
    expect(page.locator("#brief-body")).to_contain_text("The brief for Desert survival.")
    role = page.locator("#role-title").inner_text()
    assert role in ("Navigator", "Medic")
    expect(page.locator("#offline")).to_be_hidden()
    # The phone keeps an offline copy of its page once its service worker is active.
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("async () => Boolean(await caches.match(location.pathname))")
    page.wait_for_function(
        "() => localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith(':state')))"
    )

    context.set_offline(True)
    page.reload()
    expect(page.locator("#offline")).to_be_visible()
    expect(page.locator("#offline")).to_contain_text("You're offline")
    expect(page.locator("#connection")).to_have_attribute("data-status", "offline")
    expect(page.locator("#team-heading")).to_have_text("Your group: Group A")
    expect(page.locator("#team-list")).to_contain_text("Grace Hopper")
    expect(page.locator("#brief-body")).to_contain_text("The brief for Desert survival.")
    expect(page.locator("#role-title")).to_have_text(role)
    expect(page.locator("#role-body")).not_to_be_empty()
    # The clock counts against the end instant the server set, kept on the phone.
    expect(page.locator("#countdown")).to_have_text(CLOCK)
    shown = page.locator("#countdown").inner_text()
    minutes, seconds = (int(part) for part in shown.split(":"))
    assert 18 * 60 < minutes * 60 + seconds <= 20 * 60, shown
    expect(page.locator("#countdown")).not_to_have_text(shown, timeout=5_000)
    assert not serious_accessibility_violations(page)

    context.set_offline(False)
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected", timeout=20_000)
    expect(page.locator("#offline")).to_be_hidden()
    expect(page.locator("#team-heading")).to_have_text("Your group: Group A")
    assert not problems.serious(), problems.serious()


def test_announcements_follow_the_exercise_and_a_move_to_another_group(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, people = session_with(
        live, live_token, ["Ada Lovelace", "Grace Hopper", "Lin Wei", "Mo Farah"], second=True
    )
    first, second = build.exercises()
    act(build, first["id"], "start")
    ada = people[0]["candidate_id"]
    mine = next(g for g in groups(build, first["id"]) if ada in g["members"])
    other = next(g for g in groups(build, first["id"]) if ada not in g["members"])
    problems = Problems()
    _, page = phone_for(browser, contexts, live, build, people[0])
    problems.watch(page)

    announce(build, "Welcome to the first exercise")
    announce(build, "Your room is 2.14", mine["id"])
    current = page.locator("#announcement-list > li")
    expect(current).to_have_count(2)
    expect(current.nth(0)).to_contain_text("Your room is 2.14")
    expect(current.nth(0)).to_contain_text("to your group")
    expect(page.locator("#older-announcements")).to_be_hidden()

    # Moved to the other group, the phone keeps the message but no longer calls it its group's.
    act(build, first["id"], "groups/move", {"candidate_id": ada, "group_id": other["id"]})
    expect(page.locator("#team-heading")).to_have_text(f"Your group: {other['name']}")
    expect(current.nth(0)).to_contain_text(f"to {mine['name']}, your group before you moved")
    expect(page.locator("#announcements")).not_to_contain_text("to your group")
    page.reload()
    expect(current).to_have_count(2)
    expect(current.nth(0)).to_contain_text(f"to {mine['name']}, your group before you moved")

    # The next exercise's announcements come first; the morning's are folded away.
    act(build, first["id"], "end")
    act(build, second["id"], "start")
    announce(build, "The tower build starts now")
    expect(page.locator("#exercise-title")).to_have_text("Tower build")
    expect(current).to_have_count(1)
    expect(current.nth(0)).to_contain_text("The tower build starts now")
    older = page.locator("#older-announcements")
    expect(older).to_be_visible()
    expect(older.locator("summary")).to_have_text("Earlier announcements (2)")
    assert older.get_attribute("open") is None
    expect(older.locator("li")).to_have_count(2)
    expect(older.locator("li").nth(0)).to_contain_text(f"to {mine['name']}")
    expect(older).not_to_contain_text("to your group")
    older.locator("summary").click()
    expect(older.locator("li").nth(1)).to_be_visible()
    assert not serious_accessibility_violations(page)
    assert not problems.serious(), problems.serious()


def test_times_up_is_said_once_and_added_time_shows_on_the_phone(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, people = session_with(live, live_token, ["Ada Lovelace", "Grace Hopper"], duration_minutes=1)
    (exercise,) = build.exercises()
    problems = Problems()
    context, page = phone_for(browser, contexts, live, build, people[0])
    problems.watch(page)
    act(build, exercise["id"], "start")
    expect(page.locator("#countdown")).to_have_text(CLOCK)
    expect(page.locator("#clock-extended")).to_be_hidden()
    expect(page.locator("#countdown")).to_have_text("Time's up", timeout=75_000)
    # The words for screen readers are cleared after a few seconds; many ticks pass meanwhile.
    expect(page.locator("#clock-alert")).to_be_empty(timeout=10_000)
    assert page.evaluate("window.__said").count("Time's up") == 1
    assert page.locator("body").inner_text().count("Time's up") == 1

    # Neither a dropped connection nor a reload says it again.
    context.set_offline(True)
    expect(page.locator("#connection")).not_to_have_attribute("data-status", "connected", timeout=20_000)
    context.set_offline(False)
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected", timeout=20_000)
    time.sleep(1)
    assert page.evaluate("window.__said").count("Time's up") == 1
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(page.locator("#countdown")).to_have_text("Time's up")
    time.sleep(1.5)
    assert page.evaluate("window.__said") == []

    # Time added after it ran out counts from now, and says so.
    act(build, exercise["id"], "extend", {"minutes": 2})
    expect(page.locator("#clock-extended")).to_have_text("+2 min added by the facilitator")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^0[12]:\d\d$"))
    expect(page.locator("#clock-label")).to_have_text("Time left")

    # Ended: the stage thanks the group; nothing repeats "Time's up".
    act(build, exercise["id"], "end")
    expect(page.locator("#stage-heading")).to_have_text("Thank you — this exercise has finished")
    expect(page.locator("#clock")).to_be_hidden()
    assert "Time's up" not in page.locator("body").inner_text()
    assert not serious_accessibility_violations(page)
    assert not problems.serious(), problems.serious()
