"""Stored XSS in Chromium: every field people type into carries script payloads, and every
page that shows them renders them as text that runs nothing; the CSP blocks inline script.

The session is built through the API and real sockets on the running server: the session
title, the exercise's Markdown brief, role briefs and output prompt, candidates' names, their
question and their group's output, an announcement, observers' notes and rating evidence,
consensus notes, decision rationales, the feedback report and follow-up points, and a staff
member's name, each with a payload. Each page is opened by the person it is for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import socketio
from playwright.sync_api import Browser, BrowserContext, Dialog, Page
from werkzeug.security import generate_password_hash

from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.store import users as user_store

from ...browser.conftest import LAPTOP, PHONE, TABLET, open_context, sign_in
from ...browser.test_review_pages import LiveHttp
from ...builders import EXERCISE, SessionBuilder
from ...conftest import PASSWORD, make_user
from ...live_server import LiveServer

# Each sets window.__xss if it ever runs; the text is what the page must show instead.
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload=window.__xss=1>'
PAYLOAD = f"{IMG}{SCRIPT}{SVG}"
SHOWN = "window.__xss=1"  # part of every payload, visible when it is shown as text
WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.__csp.push(e.violatedDirective));"
)


@dataclass
class Seeded:
    """The session with a payload in every field, and who opens which page."""

    sid: str
    candidate_id: str
    device: str
    exercise_id: str


def _candidate_socket(live: LiveServer, sid: str, token: str) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(live.url, auth={"session_id": sid, "token": token}, transports=["websocket"])
    return client


def _send(client: socketio.SimpleClient, event: str, payload: dict[str, Any]) -> None:
    answer = client.call(event, payload, timeout=10)
    assert answer.get("ok"), (event, answer)


def seed(live: LiveServer, r: redis.Redis, token: str) -> Seeded:
    http: Any = LiveHttp(live.url)  # the builders' Http protocol, by duck typing
    build = SessionBuilder(http, token).create(exercises=0, title=f"Centre {IMG}", role=f"Analyst {SVG}")
    sid = build.session_id
    exercise = {
        **EXERCISE,
        "title": f"Exercise {SVG}",
        "brief": f"Rank the items. {PAYLOAD} [link](javascript:window.__xss=1)",
        "role_briefs": [{"title": f"Navigator {IMG}", "body": f"You know the map. {PAYLOAD}"}],
        "output_prompt": f"Your ranking {PAYLOAD}",
    }
    exercise_id = build.call("post", f"/sessions/{sid}/exercises", exercise, expect=201)["id"]
    alex = make_user(r, "alex@example.com", "observer")
    build.call("post", f"/sessions/{sid}/panel", {"email": alex.email}, expect=201)
    alex_api = SessionBuilder(http, user_store.issue_api_token(r, alex.id))
    build.state("open")
    people = [build.join(f"Eve {payload}") for payload in (IMG, SCRIPT, SVG)]
    candidate_id, device = people[0]["candidate_id"], people[0]["token"]
    build.call("post", f"/sessions/{sid}/exercises/{exercise_id}/groups", {}, expect=200)
    build.state("live")
    build.call("post", f"/sessions/{sid}/exercises/{exercise_id}/start", expect=200)
    build.call("post", f"/sessions/{sid}/announcements", {"text": f"Break {PAYLOAD}"}, expect=201)
    phone = _candidate_socket(live, sid, device)
    try:
        _send(phone, "ask_question", {"id": "question-xss-1", "text": f"When? {PAYLOAD}"})
        _send(
            phone,
            "submit_group_output",
            {"id": "output-xss-1", "exercise_id": exercise_id, "text": f"Our ranking {PAYLOAD}"},
        )
    finally:
        phone.disconnect()
    for person in people:
        alex_api.call(
            "post",
            f"/sessions/{sid}/observations",
            {
                "id": f"obs-xss-{person['candidate_id']}",
                "exercise_id": exercise_id,
                "candidate_id": person["candidate_id"],
                "indicator_id": "teamwork-p1",
                "note": f"Led well {PAYLOAD}",
            },
            expect=201,
        )
    build.call("post", f"/sessions/{sid}/exercises/{exercise_id}/end", expect=200)
    for person in people:
        alex_api.call(
            "put",
            f"/sessions/{sid}/ratings/{exercise_id}/{person['candidate_id']}",
            {
                "scores": {
                    c: {"score": 3, "evidence": f"Seen {PAYLOAD}"} for c in ("teamwork", "communication")
                },
                "submit": True,
            },
            expect=200,
        )
    build.state("ended")
    build.state("review")
    build.call(
        "post",
        f"/sessions/{sid}/consensus",
        {"candidate_id": candidate_id, "competency_id": "teamwork", "score": 3, "note": f"Agreed {PAYLOAD}"},
        expect=201,
    )
    build.call(
        "post",
        f"/sessions/{sid}/decisions",
        {"candidate_id": candidate_id, "outcome": "offer", "rationale": f"Strong {PAYLOAD}"},
        expect=201,
    )
    base = f"/sessions/{sid}/candidates/{candidate_id}"
    build.call("put", base + "/feedback", {"introduction": f"Thank you {PAYLOAD}"}, expect=200)
    build.call("post", base + "/feedback/release", {"released": True}, expect=200)
    build.call("put", base + "/follow-up", {"text": f"Ask about {PAYLOAD}"}, expect=200)
    # A staff member whose name carries a payload, for the staff page and the audit log.
    user_store.create(
        r,
        "mallory@example.com",
        f"Mallory {IMG}",
        "observer",
        generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
    )
    return Seeded(sid, candidate_id, device, exercise_id)


def _watched(context: BrowserContext, fired: list[str]) -> Page:
    page = context.new_page()
    page.add_init_script(WATCH)

    def opened(dialog: Dialog) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", opened)
    return page


def _check(page: Page, path: str, fired: list[str], shows_payload: bool = True) -> list[str]:
    """Open the page and say what went wrong on it: a script that ran, a dialog, a payload
    not shown as text, or any CSP violation (a payload that would have run inline)."""
    page.goto(path)
    page.wait_for_load_state("networkidle")
    time.sleep(0.3)  # pages that draw from the socket's snapshot
    problems = []
    if page.evaluate("window.__xss") is not None:
        problems.append(f"{path}: a payload ran")
    if fired:
        problems.append(f"{path}: a dialog opened: {fired}")
    if shows_payload and SHOWN not in page.inner_text("body"):
        problems.append(f"{path}: no payload shown as text")
    if page.evaluate("window.__csp"):
        problems.append(f"{path}: CSP violations {page.evaluate('window.__csp')}")
    return problems


@pytest.fixture
def seeded(live: LiveServer, r: redis.Redis, live_token: str) -> Seeded:
    return seed(live, r, live_token)


def test_script_payloads_in_every_field_render_inert_on_every_page(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, r: redis.Redis, seeded: Seeded
) -> None:
    sid, cid = seeded.sid, seeded.candidate_id
    fired: list[str] = []
    problems: list[str] = []

    laptop = open_context(browser, contexts, live.url, **LAPTOP)
    staff = _watched(laptop, fired)
    sign_in(staff, "lead@example.com", PASSWORD)
    for path in (
        "/",  # the dashboard
        f"/sessions/{sid}",  # the set-up page
        f"/sessions/{sid}/exercises/{seeded.exercise_id}/edit",
        f"/sessions/{sid}/live",  # the control room
        f"/sessions/{sid}/projector",
        f"/sessions/{sid}/candidates/{cid}/summary",
        f"/sessions/{sid}/compare",
        f"/sessions/{sid}/agreement",
        f"/sessions/{sid}/pack",
        f"/sessions/{sid}/candidates/{cid}/pack",
        f"/sessions/{sid}/washup",
        f"/sessions/{sid}/candidates/{cid}/feedback",
        f"/sessions/{sid}/candidates/{cid}/follow-up",
        f"/sessions/{sid}/candidates/{cid}/data",
    ):
        problems += _check(staff, path, fired)

    admin = make_user(r, "ada@example.com", "admin")
    office = _watched(open_context(browser, contexts, live.url, **LAPTOP), fired)
    sign_in(office, admin.email, PASSWORD)
    problems += _check(office, "/staff/", fired)
    # The audit log shows actors and actions, never note text; the name is what carries a payload.
    problems += _check(office, f"/admin/audit?session={sid}", fired, shows_payload=False)

    tablet_context = open_context(browser, contexts, live.url, **TABLET)
    tablet = _watched(tablet_context, fired)
    sign_in(tablet, "alex@example.com", PASSWORD)
    problems += _check(tablet, f"/sessions/{sid}/observe", fired)

    phone_context = open_context(browser, contexts, live.url, **PHONE)
    phone_context.add_cookies([{"name": DEVICE_COOKIE.format(sid), "value": seeded.device, "url": live.url}])
    phone = _watched(phone_context, fired)
    problems += _check(phone, f"/s/{sid}/phone", fired)
    problems += _check(phone, f"/s/{sid}/feedback", fired)  # the candidate's released report
    assert problems == [], "\n".join(problems)


def test_the_csp_blocks_an_injected_inline_script(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, seeded: Seeded
) -> None:
    page = open_context(browser, contexts, live.url, **LAPTOP).new_page()
    page.add_init_script(WATCH)
    sign_in(page, "lead@example.com", PASSWORD)
    page.goto(f"/sessions/{seeded.sid}/live")
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__xss = 1';
            document.body.appendChild(s);
            const d = document.createElement('div');
            d.innerHTML = '<img src=x onerror="window.__xss = 2">';
            document.body.appendChild(d);
        }"""
    )
    page.wait_for_function("window.__csp.length >= 2")
    assert page.evaluate("window.__xss") is None
    assert "script-src-elem" in page.evaluate("window.__csp") or "script-src" in page.evaluate("window.__csp")
