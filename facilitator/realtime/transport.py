"""The rules every Engine.IO request is held to, whatever its transport.

A browser attaches cookies to a request by itself, so a page of another origin (a sibling
port or subdomain is "same site" to SameSite=Lax cookies) can make it send the staff session
cookie or a candidate's device cookie with a Socket.IO handshake. So, before Engine.IO sees a
request under the socket path:

- JSONP polling (a `j` in the query) is refused outright with 400. It is a `<script>` request,
  which carries cookies and no Origin header, and nothing of ours uses it.
- An Origin header must name an allowed origin: Engine.IO itself refuses any other with 400,
  through `OriginPolicy`, given to it as `cors_allowed_origins`.
- A handshake's cookies count only when the browser says it comes from an allowed origin: an
  allowed Origin; or, with no Origin (browsers leave it off a same-origin GET, which is how
  the long-polling fallback opens), `Sec-Fetch-Site: same-origin`; or, from a browser too old
  to send Fetch metadata, a Referer of an allowed origin. Otherwise the handshake goes on as
  if it carried no cookie: it may still authenticate with what it names itself in `auth` (a
  device or API token), which no other page can make the browser send. That is kinder than
  refusing it, and grants a forged handshake exactly what a cookieless one gets: nothing.

A request that breaks Engine.IO's framing (an empty or undecodable websocket frame) is logged
in one line and its connection closed, instead of a traceback from the web server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engineio.exceptions import EngineIOError
from flask import current_app, request

log = logging.getLogger("facilitator.transport")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

POLICY = "facilitator.origins"
MARK = "facilitator.request"
JSONP_REFUSED = b"JSONP polling is not supported: connect with WebSocket or long-polling."
# What framing and decoding errors look like (a JSON too deep for the parser included).
BAD_FRAME = (ValueError, TypeError, KeyError, IndexError, RecursionError, EngineIOError)


def own_origin(environ: Environ) -> str:
    """The origin a request was made to (after ProxyFix, when proxies are trusted)."""
    return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}".lower()


def origin_of(url: str) -> str:
    """The scheme://host[:port] of a URL, or "" when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


class OriginPolicy:
    """Which origins may open a socket: the configured list, or else the app's own origin.

    Called by Engine.IO as `cors_allowed_origins(origin, environ)`, and by the cookie rule."""

    def __init__(self, allowed: Iterable[str] | None) -> None:
        self.allowed = frozenset(o.rstrip("/").lower() for o in allowed) if allowed else None

    def __call__(self, origin: str | None, environ: Environ) -> bool:
        if not origin:
            return False
        origin = origin.rstrip("/").lower()
        if self.allowed is not None:
            return origin in self.allowed
        return origin == own_origin(environ)

    def cookies_trusted(self, environ: Environ) -> bool:
        """Whether the browser vouches that this request comes from an allowed origin."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None:
            return self(origin, environ)
        site = environ.get("HTTP_SEC_FETCH_SITE")
        if site is not None:
            return str(site) == "same-origin"
        return self(origin_of(str(environ.get("HTTP_REFERER", ""))), environ)


class TransportGuard:
    """WSGI middleware in front of Engine.IO: the rules of the module docstring."""

    def __init__(
        self, app: WSGIApp, policy: OriginPolicy, path: str, close: Callable[[Environ], None]
    ) -> None:
        self.app = app
        self.policy = policy
        self.prefix = "/" + path.strip("/")
        self.close = close  # ends the Engine.IO session a broken request belonged to

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return self.app(environ, start_response)
        query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        if "j" in query:
            log.info("refused a JSONP polling request from %s", environ.get("REMOTE_ADDR"))
            start_response(
                "400 BAD REQUEST",
                [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")],
            )
            return [JSONP_REFUSED]
        if "sid" not in query and environ.get("HTTP_COOKIE") and not self.policy.cookies_trusted(environ):
            # A copy, so nothing downstream (Flask-Login, the device cookie) can see them.
            environ = {k: v for k, v in environ.items() if k != "HTTP_COOKIE"}
        # A mark that survives the copies made further in (Flask-SocketIO copies the environ),
        # so that `close` can find the Engine.IO session this request opened.
        environ = {**environ, MARK: object()}
        started: list[bool] = []

        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            started.append(True)
            return start_response(status, headers, *rest)

        try:
            return self.app(environ, start)
        except BAD_FRAME as exc:
            log.warning("bad frame from %s: %s: %s", environ.get("REMOTE_ADDR"), type(exc).__name__, exc)
            self.close(environ)
            if not started:
                start_response("400 BAD REQUEST", [("Content-Type", "text/plain; charset=utf-8")])
            return [b""]


class OneLineFrameErrors(logging.Filter):
    """Engine.IO logs a request body it cannot decode with a traceback; say it in one line."""

    MESSAGES = ("post request handler error", "Unknown receive error")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage() in self.MESSAGES:
            exc = record.exc_info[1]
            record.msg, record.args = "bad frame: %s: %s", (type(exc).__name__, exc)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def quiet_frame_errors() -> None:
    """Install `OneLineFrameErrors` on Engine.IO's logger (once)."""
    logger = logging.getLogger("engineio.server")
    if not any(isinstance(f, OneLineFrameErrors) for f in logger.filters):
        logger.addFilter(OneLineFrameErrors())


def cookies_allowed() -> bool:
    """Inside a socket handler: whether the handshake's cookies may authenticate it. The
    guard has already dropped cookies the browser did not vouch for; this holds the rule for
    handshakes that do not pass through it (the in-process test client)."""
    policy = current_app.extensions.get(POLICY)
    return policy is None or bool(policy.cookies_trusted(request.environ))
