"""Long and unusual names in Chromium: nothing scrolls sideways, nothing is escaped twice."""

from __future__ import annotations

import re
from typing import Any

import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from facilitator.store import users as user_store

from ..builders import EXERCISE, SessionBuilder
from ..conftest import PASSWORD, make_user
from ..live_server import LiveServer
from .conftest import LAPTOP, PHONE, Problems, open_context, serious_accessibility_violations, sign_in

LONG = "Maximiliana-Alexandrovna-Konstantinopolis"
UNBROKEN = "Wolfeschlegelsteinhausenbergerdorffvoral"  # 40 letters, no place to break
ARABIC = "محمد عبد الرحمن"
CHINESE = "王小明"
APOSTROPHE = "O'Brien"
NAMES = (LONG, UNBROKEN, ARABIC, CHINESE, APOSTROPHE)
PHONE_WIDTHS = (320, 390)
LAPTOP_WIDTHS = (1024, 1366)


def sideways_overflow(page: Page) -> dict[str, Any]:
    """How far the page is wider than its viewport, and the widest element sticking out."""
    return page.evaluate(  # type: ignore[no-any-return]
        """() => {
          const width = innerWidth;
          const scroll = document.scrollingElement.scrollWidth;
          let culprit = null;
          for (const node of document.querySelectorAll("body *")) {
            const box = node.getBoundingClientRect();
            if (box.width && box.right > width + 0.5 && (!culprit || box.right > culprit.right)) {
              culprit = { tag: node.tagName, cls: node.className, id: node.id, right: box.right };
            }
          }
          return { scroll, width, culprit };
        }"""
    )


def fits_at(page: Page, widths: tuple[int, ...], height: int) -> None:
    """At each width the page has no horizontal scroll."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": height})
        found = sideways_overflow(page)
        assert found["scroll"] <= found["width"], (page.url, width, found)


def shows_plain_text(page: Page) -> None:
    """Names read as typed: no entity shows through as text."""
    text = page.locator("body").inner_text()
    assert "&#39;" not in text and "&amp;" not in text and "&#x27;" not in text, text


def test_long_and_unusual_names_fit_on_phones_and_in_the_control_room(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis
) -> None:
    lead = make_user(r, "lead@example.com", "facilitator")
    build = SessionBuilder(requests.Session(), user_store.issue_api_token(r, lead.id), prefix=live.url)
    build.create(exercises=0)
    build.call(
        "post",
        f"/sessions/{build.session_id}/exercises",
        {**EXERCISE, "group_size": len(NAMES), "role_briefs": []},
        expect=201,
    )
    # On the roster first, so that the set-up page shows each a personal link with a Copy button.
    build.call(
        "post",
        f"/sessions/{build.session_id}/candidates",
        {"candidates": [{"name": n} for n in NAMES]},
        expect=201,
    )
    build.state("open")
    problems = Problems()

    phones: dict[str, Page] = {}
    for name in NAMES:
        phone = problems.watch(open_context(browser, contexts, live.url, **PHONE).new_page())
        phone.goto(f"/join/{build.join_code}")
        phone.get_by_label("Your name").fill(name)
        fits_at(phone, PHONE_WIDTHS, 844)
        phone.get_by_role("button", name="Continue").click()
        accept = phone.get_by_role("button", name="I understand — check me in")
        expect(accept).to_be_visible()
        expect(phone.get_by_role("heading", level=1)).to_contain_text(name)
        fits_at(phone, PHONE_WIDTHS, 844)
        shows_plain_text(phone)
        accept.click()
        expect(phone.locator("#stage-heading")).to_contain_text(name)
        fits_at(phone, PHONE_WIDTHS, 844)
        phones[name] = phone
    assert not serious_accessibility_violations(phones[ARABIC])

    # One group of five: every phone lists all five names, its own with the YOU badge.
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    for name, phone in phones.items():
        team = phone.locator("#team-list li")
        expect(team).to_have_count(len(NAMES))
        for other in NAMES:
            expect(phone.locator("#team-list")).to_contain_text(other)
        for width in PHONE_WIDTHS:
            phone.set_viewport_size({"width": width, "height": 844})
            found = sideways_overflow(phone)
            assert found["scroll"] <= found["width"], (name, width, found)
            badge = phone.locator(".phone-you")
            expect(badge).to_be_visible()
            box = badge.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, width, box)
            # Readable: the word is not clipped or squeezed onto two lines.
            assert badge.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), name
            assert box["height"] < 30, (name, width, box)
        shows_plain_text(phone)
    assert phones[APOSTROPHE].locator(".phone-me").inner_text().startswith(APOSTROPHE)
    assert not serious_accessibility_violations(phones[LONG])

    # The control room: the lobby keeps its place beside the exercises, nothing scrolls sideways.
    laptop = problems.watch(open_context(browser, contexts, live.url, **LAPTOP).new_page())
    sign_in(laptop, "lead@example.com", PASSWORD)
    laptop.goto(f"/sessions/{build.session_id}/live")
    for name in NAMES:
        expect(laptop.locator("#roster-body")).to_contain_text(name)
    for width in LAPTOP_WIDTHS:
        laptop.set_viewport_size({"width": width, "height": 900})
        found = sideways_overflow(laptop)
        assert found["scroll"] <= found["width"], (width, found)
        columns = laptop.evaluate(
            """() => ["control-main", "control-side"]
                       .map((c) => document.querySelector("." + c).getBoundingClientRect().width)"""
        )
        if width >= 1100:  # side by side: two equal columns
            assert abs(columns[0] - columns[1]) <= 2, (width, columns)
        lobby = laptop.evaluate(
            """() => { const w = document.getElementById("roster-wrap");
                       return { scroll: w.scrollWidth, client: w.clientWidth }; }"""
        )
        assert lobby["scroll"] <= lobby["client"], (width, lobby)
        for name in NAMES:
            remove = laptop.get_by_role("button", name=f"Remove {name}")
            box = remove.bounding_box()
            wrap = laptop.locator("#roster-wrap").bounding_box()
            assert box is not None and wrap is not None
            assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1, (width, name, box, wrap)
    shows_plain_text(laptop)
    assert not serious_accessibility_violations(laptop)

    # The set-up page's roster: each personal link keeps its Copy button in the row.
    laptop.goto(f"/sessions/{build.session_id}#roster")
    for width in (390, *LAPTOP_WIDTHS):
        laptop.set_viewport_size({"width": width, "height": 900})
        found = sideways_overflow(laptop)
        assert found["scroll"] <= found["width"], (width, found)
        roster = laptop.evaluate(
            """() => { const w = document.querySelector("#roster .table-wrap");
                       return { scroll: w.scrollWidth, client: w.clientWidth }; }"""
        )
        assert roster["scroll"] <= roster["client"], (width, roster)
        for name in NAMES:
            entry = laptop.locator("#roster tbody tr", has_text=name)
            copy = entry.get_by_role("button", name=re.compile("^Copy"))
            expect(copy).to_be_visible()
            button, field = copy.bounding_box(), entry.locator("input[readonly]").bounding_box()
            row = entry.bounding_box()
            assert button and field and row
            right = button["x"] + button["width"]
            assert right <= min(row["x"] + row["width"], width) + 1, (width, name, button, row)
            middle = button["y"] + button["height"] / 2
            if width >= 640:  # beside its link
                assert field["y"] <= middle <= field["y"] + field["height"], (width, name, button, field)
            else:  # on a phone the link takes the whole line and its button sits right under it
                assert 0 <= button["y"] - (field["y"] + field["height"]) <= 16, (width, name, button, field)
    shows_plain_text(laptop)
    assert not problems.serious(), problems.serious()
