"""Staff sign-in, sign-out and the one-time first-admin link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from ..store import get_redis
from ..store import sessions as session_store
from ..store import users as user_store
from .helpers import safe_next
from .principal import StaffPrincipal

bp = Blueprint("auth", __name__)

LOGIN_ATTEMPTS_PER_10_MIN = 10
MIN_PASSWORD = 10


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Staff sign in with email and password."""
    error = None
    if request.method == "POST":
        r = get_redis()
        email = request.form.get("email", "").strip().lower()[:254]
        who = f"{request.remote_addr}:{email}"
        found = user_store.by_email(r, email) if email else None
        if session_store.attempts(r, "login", who) >= LOGIN_ATTEMPTS_PER_10_MIN:
            error = "Too many attempts. Wait ten minutes and try again."
        elif found and found[0].active and check_password_hash(found[1], request.form.get("password", "")):
            login_user(StaffPrincipal(found[0]))
            return redirect(safe_next(request.args.get("next")) or url_for("sessions.index"))
        else:
            # Only failures count, so a shared office address is never locked out by use.
            session_store.count_attempt(r, "login", who, 600)
            error = "That email and password do not match an account."
    return render_template("auth/login.html", error=error), (401 if error else 200)  # type: ignore[return-value]


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out (a POST with a CSRF token, so a link elsewhere cannot sign you out)."""
    logout_user()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str) -> str | Response:
    """Create the first admin account from the link printed at first start."""
    r = get_redis()
    if not user_store.setup_token_valid(r, token):
        abort(404, "This set-up link has been used or has expired.")
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        email = form.get("email", "").strip().lower()
        name = form.get("name", "").strip()
        password = form.get("password", "")
        if "@" not in email or len(email) > 254:
            errors["email"] = "Enter a valid email address."
        if not 1 <= len(name) <= 80:
            errors["name"] = "Enter your name (80 characters at most)."
        if len(password) < MIN_PASSWORD or len(password) > 200:
            errors["password"] = f"Choose a password of at least {MIN_PASSWORD} characters."
        elif password != form.get("confirm", ""):
            errors["confirm"] = "The two passwords differ."
        if not errors:
            account = None
            if user_store.consume_setup_token(r, token):
                account = user_store.create(r, email, name, "admin", generate_password_hash(password))
            if account is not None:
                login_user(StaffPrincipal(account))
                flash("Welcome. Your admin account is ready.")
                return redirect(url_for("sessions.index"))
            errors["form"] = "The account could not be created; the link may have been used."
    return render_template("auth/setup.html", errors=errors, form=form)
