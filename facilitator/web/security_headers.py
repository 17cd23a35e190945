"""The security headers of every response the app sends, Engine.IO's included.

Flask-SocketIO answers /socket.io/ before Flask runs (and so before any after_request hook), so
the headers are added by a WSGI middleware around the whole application: one place, every
response, whichever part of the app made it. A header a view set itself is kept (a file's own
Cache-Control, a service worker's "no-cache").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
Headers = list[tuple[str, str]]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# A year, this host and its subdomains: sent only over HTTPS, where a browser heeds it.
HSTS = "max-age=31536000; includeSubDomains"

EVERY_RESPONSE: Headers = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    # For browsers older than frame-ancestors.
    ("X-Frame-Options", "DENY"),
    # Candidates' pages say no-referrer (their addresses carry personal link tokens).
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]

# Files that hold no personal data keep the caching they were served with; everything else
# (pages, the API, Engine.IO's payloads) is personal data or may be, and is never stored.
CACHEABLE = ("/static/", "/vendor/")


def headers_for(path: str, secure: bool, present: set[str]) -> Headers:
    """The headers to add to a response for `path` that already has the (lower-case) `present`."""
    added = [(name, value) for name, value in EVERY_RESPONSE if name.lower() not in present]
    if "cache-control" not in present and not path.startswith(CACHEABLE):
        added.append(("Cache-Control", "no-store"))
    if secure and "strict-transport-security" not in present:
        added.append(("Strict-Transport-Security", HSTS))
    return added


class SecurityHeaders:
    """WSGI middleware adding `headers_for` to every response of the app it wraps."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: Headers, exc_info: Any = None) -> Any:
            if not status.startswith("101"):  # a WebSocket upgrade carries no document
                present = {name.lower() for name, _ in headers}
                # Read now, not on the way in: ProxyFix (trusted proxies) sets the scheme the
                # browser used in this same environ, as request.is_secure sees it.
                secure = environ.get("wsgi.url_scheme") == "https"
                headers = [*headers, *headers_for(environ.get("PATH_INFO", ""), secure, present)]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.app(environ, start)
