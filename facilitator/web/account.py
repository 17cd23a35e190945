"""Your own account: change your password, make and revoke API tokens."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.errors import DomainError
from ..services import accounts
from ..store import api_tokens, get_redis
from . import forms
from .helpers import me
from .principal import StaffPrincipal

bp = Blueprint("account", __name__, url_prefix="/account")

TOKEN_LABELS = {"name": "Token name", "days": "Lifetime in days"}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is about the signed-in person's own account."""


Page = tuple[str, int, dict[str, str]]


def _page(errors: dict[str, str] | None = None, new_token: str = "", status: int = 200) -> Page:
    page = render_template(
        "account/index.html",
        account=me(),
        tokens=api_tokens.tokens_of(get_redis(), me().id),
        now=time.time(),
        errors=errors or {},
        form=request.form if request.method == "POST" else {},
        new_token=new_token,
        default_days=accounts.TOKEN_DAYS,
        max_days=accounts.MAX_TOKEN_DAYS,
    )
    # A new token is on this page once: no cache, no back button may show it again.
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/")
def index() -> Page:
    """Who you are signed in as, your password, and your API tokens."""
    return _page()


@bp.post("/password")
def change_password() -> Page | Response:
    """Change your own password; every other browser signed in as you is signed out."""
    form = request.form
    change = accounts.change_password(
        get_redis(),
        me(),
        form.get("current", ""),
        form.get("password", ""),
        form.get("confirm", ""),
        current_app.config["SIGN_IN_MAX_AGE_S"],
        request.remote_addr,
    )
    if change.errors:
        return _page(change.errors, status=400)
    broadcast.close_sockets(change.sockets)
    login_user(StaffPrincipal(me(), change.sign_in_id))
    flash("Your password is changed. Every other browser signed in as you has been signed out.")
    return redirect(url_for("account.index"))


@bp.post("/tokens")
def create_token() -> Page:
    """Make a named API token; it is shown once, on the page this answers with."""
    raw = {"name": request.form.get("name", ""), "days": request.form.get("days", "") or accounts.TOKEN_DAYS}
    given, errors = forms.parse(accounts.NewToken, raw, TOKEN_LABELS)
    if given is None:
        return _page(errors, status=400)
    try:
        token, _ = accounts.create_token(get_redis(), me(), given)
    except DomainError as exc:
        return _page({"name": exc.message}, status=400)
    return _page(new_token=token, status=201)


@bp.post("/tokens/<token_id>/revoke")
def revoke_token(token_id: str) -> Response:
    """Revoke one of your tokens: it answers 401 from now on, and its sockets close."""
    try:
        broadcast.close_sockets(accounts.revoke_token(get_redis(), me(), token_id[:64]))
        flash("The token is revoked: anything still using it is refused from now on.")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("account.index") + "#tokens")
