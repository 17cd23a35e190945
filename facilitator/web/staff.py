"""Staff accounts, for admins: who can sign in, in which role, and ending their access."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, StringConstraints
from werkzeug.security import generate_password_hash
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.errors import DomainError
from ..services import accounts
from ..store import get_redis
from ..store import users as user_store
from . import forms
from .helpers import me, public_url

bp = Blueprint("staff", __name__, url_prefix="/staff")

Page = tuple[str, int, dict[str, str]]


class NewAccount(BaseModel):
    """An account an admin creates, with a password the admin passes on in person."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ]
    role: Literal["admin", "facilitator", "observer"]
    password: Annotated[
        str, StringConstraints(min_length=accounts.MIN_PASSWORD, max_length=accounts.MAX_PASSWORD)
    ]


@bp.before_request
@login_required
def _admins_only() -> None:
    """Only admins manage staff accounts."""
    if me().role != "admin":
        abort(403, "Only admins manage staff accounts.")


def _page(
    errors: dict[str, str] | None = None, reset: dict[str, str] | None = None, status: int = 200
) -> Page:
    r = get_redis()
    people = user_store.all_users(r)
    page = render_template(
        "staff/index.html",
        accounts=people,
        signed_in={u.id: user_store.sign_in_count(r, u.id) for u in people},
        errors=errors or {},
        form=request.form if request.method == "POST" and reset is None else {},
        reset=reset,
        reset_hours=accounts.RESET_LINK_HOURS,
    )
    # A reset link is on the page once: no cache may keep it.
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/", methods=["GET", "POST"])
def index() -> Page | Response:
    """Every staff account, and a form to add one."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        account, errors = forms.parse(
            NewAccount, {k: request.form.get(k, "") for k in ("name", "email", "role", "password")}
        )
        if account is not None and (problem := accounts.password_problem(account.password, account.email)):
            errors["password"] = problem
        elif account is not None:
            created = user_store.create(
                get_redis(),
                account.email,
                account.name,
                account.role,
                generate_password_hash(account.password),
            )
            if created is None:
                errors["email"] = "An account with this email already exists."
            else:
                flash(f"{created.name} can now sign in as {created.role} with {created.email}.")
                return redirect(url_for("staff.index"))
    return _page(errors, status=400 if errors else 200)


@bp.post("/<user_id>/sign-out")
def sign_out_everywhere(user_id: str) -> Response:
    """End every sign-in of an account and close its live connections."""
    try:
        ended = accounts.sign_out_everywhere(get_redis(), me(), user_id[:64])
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.index"))
    broadcast.close_sockets(ended.sockets)
    flash(f"{ended.account.name} is signed out on every browser. Their API tokens still work.")
    return redirect(url_for("staff.index"))


@bp.post("/<user_id>/reset")
def reset_link(user_id: str) -> Page | Response:
    """Make a one-time password reset link for an account, shown on this page once."""
    try:
        account, token = accounts.reset_link(get_redis(), me(), user_id[:64])
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.index"))
    reset = {"name": account.name, "link": public_url("auth.reset", token=token)}
    return _page(reset=reset, status=201)


@bp.post("/<user_id>/deactivate")
def deactivate(user_id: str) -> Response:
    """Switch an account off: signed out everywhere, tokens revoked, live connections closed."""
    try:
        ended = accounts.deactivate(get_redis(), me(), user_id[:64])
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.index"))
    broadcast.close_sockets(ended.sockets)
    flash(
        f"{ended.account.name}'s account is switched off: signed out everywhere, and every API token revoked."
    )
    return redirect(url_for("staff.index"))


@bp.post("/<user_id>/reactivate")
def reactivate(user_id: str) -> Response:
    """Switch an account back on."""
    try:
        account = accounts.reactivate(get_redis(), me(), user_id[:64])
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.index"))
    flash(f"{account.name} can sign in again with their password. Their old API tokens stay revoked.")
    return redirect(url_for("staff.index"))
