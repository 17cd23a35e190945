"""Staff sign-in and sign-out, password reset links and the one-time first-admin link."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import generate_password_hash
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.errors import DomainError
from ..services import accounts, audit, signin
from ..store import get_redis
from ..store import users as user_store
from ..store.users import StaffUser
from .helpers import safe_next
from .principal import StaffPrincipal

bp = Blueprint("auth", __name__)


def sign_in_browser(account: StaffUser) -> None:
    """Sign this browser in with a new sign-in recorded on the server."""
    sign_in_id = accounts.begin_sign_in(get_redis(), account, current_app.config["SIGN_IN_MAX_AGE_S"])
    login_user(StaffPrincipal(account, sign_in_id))


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | Response:
    """Staff sign in with email and password."""
    error = None
    email = session.pop("sign_in_email", "") if request.method == "GET" else request.form.get("email", "")
    if request.method == "POST":
        outcome = signin.sign_in(get_redis(), email, request.form.get("password", ""), request.remote_addr)
        audit.sign_in(get_redis(), email, outcome.account, request.remote_addr, outcome.problem)
        if outcome.account is not None:
            sign_in_browser(outcome.account)
            return redirect(safe_next(request.args.get("next")) or url_for("sessions.index"))
        error = outcome.problem
    return render_template("auth/login.html", error=error, email=email[:254]), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out (a POST with a CSRF token, so a link elsewhere cannot sign you out): this
    browser's sign-in ends on the server, so a copy of its cookie opens nothing either."""
    broadcast.close_sockets(accounts.sign_out(get_redis(), current_user.account.id, current_user.sign_in_id))
    logout_user()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> tuple[str, int] | Response:
    """Choose a new password through a one-time link an admin made."""
    r = get_redis()
    try:
        account = accounts.reset_account(r, token[:200])
        errors: dict[str, str] = {}
        if request.method == "POST":
            form = request.form
            account, change = accounts.reset_password(
                r,
                token[:200],
                form.get("password", ""),
                form.get("confirm", ""),
                current_app.config["SIGN_IN_MAX_AGE_S"],
            )
            errors = change.errors
            if not errors:
                broadcast.close_sockets(change.sockets)
                login_user(StaffPrincipal(account, change.sign_in_id))
                flash("Your new password is set, and every other browser has been signed out.")
                return redirect(url_for("sessions.index"))
    except DomainError as exc:
        return render_template("auth/reset.html", problem=exc.message, account=None, errors={}, form={}), 404
    return render_template("auth/reset.html", problem=None, account=account, errors=errors, form={}), (
        400 if errors else 200
    )


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
        if problem := accounts.password_problem(password, email):
            errors["password"] = problem
        elif password != form.get("confirm", ""):
            errors["confirm"] = "The two passwords differ."
        if not errors:
            account = None
            if user_store.consume_setup_token(r, token):
                account = user_store.create(r, email, name, "admin", generate_password_hash(password))
            if account is not None:
                sign_in_browser(account)
                flash("Welcome. Your admin account is ready.")
                return redirect(url_for("sessions.index"))
            errors["form"] = "The account could not be created; the link may have been used."
    return render_template("auth/setup.html", errors=errors, form=form)
