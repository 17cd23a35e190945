"""The browser fixtures of tests/browser (Chromium through Playwright), shared by the attacks
here: one Chromium for the run, whichever of these files runs first."""

from tests.browser.conftest import browser, contexts  # noqa: F401  (fixtures)
