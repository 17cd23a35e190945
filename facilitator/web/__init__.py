"""Pages and the JSON API: thin blueprints over the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from flask import Flask, Response, abort, jsonify, render_template, request, send_from_directory, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, login_manager
from ..realtime import replies
from ..services import accounts
from ..store import client as storage
from ..store import get_redis
from . import assets
from .helpers import public_url
from .principal import StaffPrincipal
from .security_headers import SecurityHeaders

# Third-party browser code installed by npm, served under /vendor/ without being committed.
VENDOR_FILES = {
    "socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
}


API_MESSAGES = {
    "unavailable": "The server cannot reach its storage right now; nothing was changed. Try again shortly.",
    "outcome_unknown": (
        "The server lost its connection to storage while saving; it may or may not have been saved. "
        "Send it again with the same Idempotency-Key: the retry is then safe."
    ),
}
PAGE_MESSAGES = {
    "unavailable": "The server cannot reach its storage right now. Nothing was changed.",
    "outcome_unknown": (
        "The server lost its connection to storage while saving what you sent; it may or may not "
        "have been saved. Check before sending it again."
    ),
}


def unavailable_page(message: str) -> str:
    """A page that needs nothing from storage (no account, no branding), for when it is down."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Temporarily unavailable</title>"
        f'<link rel="stylesheet" href="{url_for("static", filename="css/app.css")}"></head>'
        '<body class="narrow"><main><section class="error-page"><p class="error-code">503</p>'
        "<h1>Temporarily unavailable</h1>"
        f'<p class="lede">{escape(message)}</p>'
        '<p class="muted">Reload this page in a moment.</p>'
        "</section></main></body></html>"
    )


def init_app(app: Flask) -> None:
    """Register blueprints, the staff user loader, security headers and error pages."""
    from . import api, auth, branding, candidate, exports, library, live, panel, sessions, staff, washup
    from .account import bp as account_bp
    from .co_facilitators import bp as co_facilitators_bp
    from .feedback import bp as feedback_bp
    from .privacy import bp as privacy_bp
    from .review import bp as review_bp

    app.register_blueprint(auth.bp)
    app.register_blueprint(sessions.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(library.bp)
    app.register_blueprint(candidate.bp)
    app.register_blueprint(panel.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(branding.bp)
    app.register_blueprint(washup.bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(co_facilitators_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)

    app.jinja_env.globals["public_url"] = public_url
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(cookie_id: str) -> StaffPrincipal | None:
        # The cookie names a sign-in recorded on the server: once it ends (sign-out, a new
        # password, the account switched off), every copy of the cookie opens nothing.
        found = accounts.current_sign_in(get_redis(), cookie_id, app.config["SIGN_IN_MAX_AGE_S"])
        return StaffPrincipal(*found) if found is not None else None

    node_modules = Path(app.root_path).parent / "node_modules"
    # Static and vendor files by content hash, gzipped; text responses compressed (assets.py).
    served = assets.install(app, {name: node_modules / path for name, path in VENDOR_FILES.items()})

    @app.get("/vendor/<path:name>")
    def vendor(name: str) -> Response:
        """Serve a pinned npm package's browser build."""
        if name not in VENDOR_FILES:
            abort(404)
        return served.respond(f"/vendor/{name}")

    @app.get("/observe-sw.js")
    def observe_service_worker() -> Response:
        """The observer tablet's service worker, served from the root so it may control
        /sessions/ pages."""
        response = send_from_directory(Path(app.static_folder or "static") / "js", "observe-sw.js", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/phone-sw.js")
    def phone_service_worker() -> Response:
        """The candidate phone's service worker, served from the root so it may control the
        phone page under /s/."""
        response = send_from_directory(Path(app.static_folder or "static") / "js", "phone-sw.js", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    # Around everything, Engine.IO included (it answers before Flask's after_request hooks).
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def new_request() -> None:
        storage.begin()

    @app.errorhandler(redis.RedisError)
    def storage_failed(exc: redis.RedisError) -> tuple[Any, int, dict[str, str]]:
        """Redis is down or broke mid-request: every route answers 503, and says whether a
        write of this request may have been stored; the app recovers when Redis answers."""
        code = replies.storage_failed(f"{request.method} {request.path}", exc)["error"]["code"]
        retry = {"Retry-After": "2"}
        if request.path.startswith("/api/"):
            return jsonify(error={"code": code, "message": API_MESSAGES[code]}), 503, retry
        return unavailable_page(PAGE_MESSAGES[code]), 503, retry

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Any, int]:
        if request.path.startswith("/api/"):
            code = (exc.name or "error").lower().replace(" ", "_")
            return jsonify(error={"code": code, "message": exc.description}), exc.code or 500
        return render_template(
            "error.html", code=exc.code, title=exc.name, message=exc.description
        ), exc.code or 500
