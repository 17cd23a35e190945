"""Browser test helpers: Debian's Chromium driven by Playwright, against the app as its own process.

The `browser` and `contexts` fixtures live in tests/conftest.py, so that every folder of browser
tests shares the one Playwright a process may run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}


class Problems:
    """Console errors and uncaught exceptions a page reported (CSP violations among them)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda exc: self.seen.append(f"pageerror: {exc}"))
        page.on(
            "console", lambda msg: self.seen.append(f"console: {msg.text}") if msg.type == "error" else None
        )
        return page

    def serious(self) -> list[str]:
        """Problems other than the network failures a test causes on purpose by going offline."""
        benign = ("ERR_INTERNET_DISCONNECTED", "WebSocket connection", "net::ERR", "Failed to load resource")
        return [p for p in self.seen if not any(b in p for b in benign)]


def open_context(
    browser: Browser, opened: list[BrowserContext], base_url: str, **options: Any
) -> BrowserContext:
    """A fresh browser profile (its own cookies and storage), like another device."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(15_000)
    # axe-core is served to the page from node_modules under a same-origin path, so the
    # page's Content-Security-Policy stays fully in force while it runs.
    context.route(
        "**/__test__/axe.min.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript")
    )
    opened.append(context)
    return context


def serious_accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(url="/__test__/axe.min.js")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:3],
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in on the staff login page."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
